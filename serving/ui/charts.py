"""Inline SVG charts drawn on the server: no JavaScript, no external assets."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

BAR_HEIGHT, LABEL_WIDTH, CHART_WIDTH = 22, 260, 640


def bar_chart(labels: Sequence[str], values: Sequence[float], title: str) -> Markup:
    """Horizontal bars from a zero line: positive values (raising the risk) right in red,
    negative ones left in blue; the value is written beside each bar."""
    if not values:
        return Markup("")
    height = BAR_HEIGHT * len(values) + 10
    span = max(abs(v) for v in values) or 1.0
    plot = CHART_WIDTH - LABEL_WIDTH - 60
    zero = LABEL_WIDTH + (plot / 2 if min(values) < 0 else 0)
    scale = (plot / 2 if min(values) < 0 else plot) / span
    parts = [f'<svg class="chart bar-chart" role="img" viewBox="0 0 {CHART_WIDTH} {height}" '
             f'width="{CHART_WIDTH}" height="{height}"><title>{escape(title)}</title>']
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = 5 + i * BAR_HEIGHT
        width = abs(value) * scale
        x = zero if value >= 0 else zero - width
        colour = "#c0392b" if value >= 0 else "#2e6da4"
        parts.append(
            f'<text x="{LABEL_WIDTH - 6}" y="{y + 15}" text-anchor="end">'
            f'{escape(_short(label))}</text>'
            f'<rect x="{x:.1f}" y="{y + 3}" width="{max(width, 1):.1f}" '
            f'height="{BAR_HEIGHT - 6}" fill="{colour}"><title>{escape(label)}: {value:+.3f}'
            f'</title></rect>'
            f'<text x="{max(x + width, zero) + 4:.1f}" y="{y + 15}">{value:+.3f}</text>')
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


def _short(label: str, limit: int = 18) -> str:
    return label if len(label) <= limit else label[:limit - 1] + "…"
