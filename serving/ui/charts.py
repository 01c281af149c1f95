"""Inline SVG charts drawn on the server: no JavaScript, no external assets."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

BAR_HEIGHT, LABEL_WIDTH, CHART_WIDTH = 22, 260, 640


LINE_CHARS, LINE_HEIGHT = 18, 14  # a reason label wraps after LINE_CHARS characters


def _wrapped(label: str, limit: int = LINE_CHARS) -> list[str]:
    """`label` cut into lines of at most `limit` characters (whole, never shortened)."""
    return [label[i:i + limit] for i in range(0, len(label), limit)] or [""]


UNITS = {"": "{:+.3f}", "pp": "{:+.1f} pp"}  # how a bar's value is written beside it


def bar_chart(labels: Sequence[str], values: Sequence[float], title: str, unit: str = ""
              ) -> Markup:
    """Horizontal bars from a zero line: positive values (raising the risk) right in red,
    negative ones left in blue; the value is written beside each bar in `unit` ("pp":
    percentage points). Long labels wrap onto more lines (the row grows), so a reason is
    always shown in full."""
    written = UNITS[unit]
    if not values:
        return Markup("")
    lines = [_wrapped(label) for label in labels]
    heights = [max(BAR_HEIGHT, LINE_HEIGHT * len(ls) + 8) for ls in lines]
    height = sum(heights) + 10
    span = max(abs(v) for v in values) or 1.0
    plot = CHART_WIDTH - LABEL_WIDTH - 60
    zero = LABEL_WIDTH + (plot / 2 if min(values) < 0 else 0)
    scale = (plot / 2 if min(values) < 0 else plot) / span
    parts = [f'<svg class="chart bar-chart" role="img" viewBox="0 0 {CHART_WIDTH} {height}" '
             f'width="{CHART_WIDTH}" height="{height}"><title>{escape(title)}</title>']
    y = 5
    for label, value, label_lines, row in zip(labels, values, lines, heights, strict=True):
        width = abs(value) * scale
        x = zero if value >= 0 else zero - width
        colour = "#c0392b" if value >= 0 else "#2e6da4"
        middle = y + row / 2
        first = middle + 5 - LINE_HEIGHT * (len(label_lines) - 1) / 2
        spans = "".join(f'<tspan x="{LABEL_WIDTH - 6}" dy="{0 if i == 0 else LINE_HEIGHT}">'
                        f'{escape(line)}</tspan>' for i, line in enumerate(label_lines))
        parts.append(
            f'<text class="label" x="{LABEL_WIDTH - 6}" y="{first:.1f}" text-anchor="end">'
            f'{spans}</text>'
            f'<rect x="{x:.1f}" y="{middle - BAR_HEIGHT / 2 + 3:.1f}" '
            f'width="{max(width, 1):.1f}" height="{BAR_HEIGHT - 6}" fill="{colour}">'
            f'<title>{escape(label)}: {written.format(value)}</title></rect>'
            f'<text x="{max(x + width, zero) + 4:.1f}" y="{middle + 5:.1f}">'
            f'{written.format(value)}</text>')
        y += row
    parts.append(f'<line x1="{zero:.1f}" y1="0" x2="{zero:.1f}" y2="{height}" '
                 'stroke="#555"/></svg>')
    return Markup("".join(parts))


def line_chart(dates: Sequence[str], values: Sequence[float], title: str) -> Markup:
    """Probability (0 to 1) over scoring runs: a polyline with a dot and date per run."""
    if not values:
        return Markup("")
    width, height, left, bottom = CHART_WIDTH, 200, 44, 30
    plot_w, plot_h = width - left - 20, height - bottom - 10
    top = max(max(values), 0.05)
    step = plot_w / max(len(values) - 1, 1)
    points = [(left + i * step, 10 + plot_h * (1 - v / top)) for i, v in enumerate(values)]
    parts = [f'<svg class="chart line-chart" role="img" viewBox="0 0 {width} {height}" '
             f'width="{width}" height="{height}"><title>{escape(title)}</title>',
             f'<line x1="{left}" y1="{10 + plot_h}" x2="{width - 20}" y2="{10 + plot_h}" '
             'stroke="#555"/>',
             f'<line x1="{left}" y1="10" x2="{left}" y2="{10 + plot_h}" stroke="#555"/>',
             f'<text x="{left - 4}" y="16" text-anchor="end">{top:.2f}</text>',
             f'<text x="{left - 4}" y="{10 + plot_h}" text-anchor="end">0</text>',
             '<polyline fill="none" stroke="#c0392b" stroke-width="2" points="'
             + " ".join(f"{x:.1f},{y:.1f}" for x, y in points) + '"/>']
    for (x, y), day, value in zip(points, dates, values, strict=True):
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="#c0392b">'
                     f'<title>{escape(day)}: {value:.3f}</title></circle>'
                     f'<text x="{x:.1f}" y="{height - 8}" text-anchor="middle">'
                     f'{escape(day)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _short(label: str, limit: int) -> str:
    """A heat-map heading cut to its cell (the full text is in its tooltip)."""
    return label if len(label) <= limit else label[:limit - 1] + "…"


HEAT_CELL_W, HEAT_CELL_H, HEAT_LABEL_W, HEAT_HEAD_H = 64, 24, 120, 28
PALETTE = ("#c0392b", "#2e6da4", "#27ae60", "#8e44ad", "#d68910", "#16a085", "#7f8c8d",
           "#e84393")


def heat_map(rows: Sequence[str], columns: Sequence[str],
             values: Sequence[Sequence[float | None]], titles: Sequence[Sequence[str]],
             title: str) -> Markup:
    """A grid of cells (`rows` × `columns`) shaded from white (0) to red (the largest value,
    at least 0.05); each cell shows its value as a percentage and `titles` as its tooltip.
    A None value is an empty (grey) cell."""
    if not rows or not columns:
        return Markup("")
    top = max([v for row in values for v in row if v is not None] + [0.05])
    width = HEAT_LABEL_W + HEAT_CELL_W * len(columns) + 4
    height = HEAT_HEAD_H + HEAT_CELL_H * len(rows) + 4
    parts = [f'<svg class="chart heat-map" role="img" viewBox="0 0 {width} {height}" '
             f'width="{width}" height="{height}"><title>{escape(title)}</title>']
    for j, column in enumerate(columns):
        x = HEAT_LABEL_W + j * HEAT_CELL_W + HEAT_CELL_W / 2
        parts.append(f'<text x="{x:.1f}" y="{HEAT_HEAD_H - 8}" text-anchor="middle">'
                     f'{escape(_short(column, 6))}<title>{escape(column)}</title></text>')
    for i, (row, row_values, row_titles) in enumerate(zip(rows, values, titles, strict=True)):
        y = HEAT_HEAD_H + i * HEAT_CELL_H
        parts.append(f'<text class="row" x="{HEAT_LABEL_W - 6}" y="{y + 16}" '
                     'text-anchor="end">'
                     f'{escape(_short(row, 10))}</text>')
        for j, (value, tip) in enumerate(zip(row_values, row_titles, strict=True)):
            x = HEAT_LABEL_W + j * HEAT_CELL_W
            fill = "#eee" if value is None else _shade(value / top)
            parts.append(f'<rect class="cell" x="{x}" y="{y}" width="{HEAT_CELL_W - 2}" '
                         f'height="{HEAT_CELL_H - 2}" fill="{fill}">'
                         f'<title>{escape(tip)}</title></rect>')
            if value is not None:
                ink = "#fff" if value / top > 0.6 else "#222"
                parts.append(f'<text x="{x + HEAT_CELL_W / 2 - 1:.1f}" y="{y + 16}" '
                             f'text-anchor="middle" fill="{ink}" pointer-events="none">'
                             f'{value:.0%}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def heat_scale(top: float, steps: int = 5) -> Markup:
    """The heat map's legend: `steps` swatches from 0 to `top` (a share), as SVG (no inline
    style: the pages' Content-Security-Policy allows none)."""
    width = 48
    parts = [f'<svg class="heat-scale" role="img" width="{steps * width}" height="20" '
             f'viewBox="0 0 {steps * width} 20">']
    for k in range(steps):
        share = k / (steps - 1)
        parts.append(f'<rect x="{k * width}" y="0" width="{width}" height="20" '
                     f'fill="{_shade(share)}"/><text x="{k * width + width / 2}" y="14" '
                     f'text-anchor="middle" fill="{"#fff" if share > 0.6 else "#222"}">'
                     f'{top * share:.0%}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def multi_line_chart(dates: Sequence[str], series: dict[str, Sequence[float | None]],
                     title: str) -> Markup:
    """Shares (0 to 1) over scoring runs, one coloured polyline per series with a legend;
    a None value leaves a gap in its line."""
    if not dates or not series:
        return Markup("")
    width, left, bottom = CHART_WIDTH, 44, 30
    height = 200 + 18 * len(series)
    plot_w, plot_h = width - left - 20, 200 - bottom - 10
    top = max([v for vs in series.values() for v in vs if v is not None] + [0.05])
    step = plot_w / max(len(dates) - 1, 1)
    parts = [f'<svg class="chart line-chart trend-chart" role="img" '
             f'viewBox="0 0 {width} {height}" width="{width}" height="{height}">'
             f'<title>{escape(title)}</title>',
             f'<line x1="{left}" y1="{10 + plot_h}" x2="{width - 20}" y2="{10 + plot_h}" '
             'stroke="#555"/>',
             f'<line x1="{left}" y1="10" x2="{left}" y2="{10 + plot_h}" stroke="#555"/>',
             f'<text x="{left - 4}" y="16" text-anchor="end">{top:.0%}</text>',
             f'<text x="{left - 4}" y="{10 + plot_h}" text-anchor="end">0</text>']
    for i, day in enumerate(dates):
        parts.append(f'<text x="{left + i * step:.1f}" y="{200 - 8}" text-anchor="middle">'
                     f'{escape(day)}</text>')
    for k, (name, values) in enumerate(series.items()):
        colour = PALETTE[k % len(PALETTE)]
        points = [(left + i * step, 10 + plot_h * (1 - v / top), v)
                  for i, v in enumerate(values) if v is not None]
        if len(points) > 1:
            parts.append(f'<polyline class="series" fill="none" stroke="{colour}" '
                         'stroke-width="2" points="'
                         + " ".join(f"{x:.1f},{y:.1f}" for x, y, _ in points) + '"/>')
        for (x, y, v), day in zip(points, [d for d, v in zip(dates, values, strict=True)
                                           if v is not None], strict=True):
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{colour}">'
                         f'<title>{escape(name)} {escape(day)}: {v:.1%}</title></circle>')
        y = 200 + 18 * k + 4
        parts.append(f'<rect x="{left}" y="{y}" width="12" height="12" fill="{colour}"/>'
                     f'<text x="{left + 18}" y="{y + 11}">{escape(name)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _shade(fraction: float) -> str:
    """White (0) to dark red (1)."""
    f = min(max(fraction, 0.0), 1.0)
    red, green, blue = (round(255 + (c - 255) * f) for c in (0xa6, 0x1b, 0x1b))
    return f"#{red:02x}{green:02x}{blue:02x}"
