"""The overview page: risk by town × industry in the latest run as a heat map, counts by tier
against the previous run, the firms that moved into or out of tiers C–D, and each industry's
C–D share across scoring runs.

Read-only queries over `warnings` joined to complete `scoring_runs`. Runs are one per day: when
a day was scored more than once, the run `latest_run` would pick for that day stands for it.
A user limited to some towns sees only those towns' firms everywhere on the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Engine, case, func, select
from starlette.requests import Request
from starlette.responses import Response

from features.towns import TOWN_NAMES
from serving.store.schema import scoring_runs
from serving.store.schema import warnings as warnings_table
from serving.ui import charts
from serving.ui.web import TIERS, choices, lang_of, redirect, render, signed_in, workspace

RISKY = ("C", "D")  # the tiers the page counts as "at risk"
MOVED_ROWS = 20


@dataclass(frozen=True)
class DayRun:
    """The complete run that stands for one as_of day."""

    id: int
    as_of: date


def day_runs(engine: Engine) -> list[DayRun]:
    """One complete run per as_of, oldest first (for a day scored twice, the last finished)."""
    r = scoring_runs.c
    query = (select(r.id, r.as_of).where(r.status == "complete")
             .order_by(r.as_of, r.finished_at, r.id))
    with engine.connect() as connection:
        by_day = {row.as_of: row.id for row in connection.execute(query)}
    return [DayRun(run_id, day) for day, run_id in by_day.items()]


def _towns_condition(column: Any, towns: frozenset[str] | None) -> list[Any]:
    return [] if towns is None else [column.in_(sorted(towns))]


def _risky_count(column: Any) -> Any:
    return func.sum(case((column.in_(RISKY), 1), else_=0))


def heat_cells(engine: Engine, run_id: int, towns: frozenset[str] | None
               ) -> list[dict[str, Any]]:
    """Per town and industry: firms, firms in C–D and their share, mean probability."""
    w = warnings_table.c
    query = (select(w.town_code, w.industry, func.count().label("firms"),
                    _risky_count(w.tier).label("risky"),
                    func.avg(w.probability).label("mean_probability"))
             .where(w.run_id == run_id, *_towns_condition(w.town_code, towns))
             .group_by(w.town_code, w.industry).order_by(w.town_code, w.industry))
    with engine.connect() as connection:
        return [{**row, "risky": int(row["risky"] or 0),
                 "share": int(row["risky"] or 0) / row["firms"]}
                for row in connection.execute(query).mappings()]


def tier_counts(engine: Engine, run_id: int, towns: frozenset[str] | None) -> dict[str, int]:
    """Firms per tier in the run, every tier present (0 when none)."""
    w = warnings_table.c
    query = (select(w.tier, func.count()).where(w.run_id == run_id,
                                                *_towns_condition(w.town_code, towns))
             .group_by(w.tier))
    with engine.connect() as connection:
        found = {str(tier): int(n) for tier, n in connection.execute(query)}
    return {tier: found.get(tier, 0) for tier in TIERS}


def moved(engine: Engine, run_id: int, previous_id: int, towns: frozenset[str] | None,
          limit: int = MOVED_ROWS) -> dict[str, Any]:
    """Firms scored in both runs that moved into C–D ("up": count and the `limit` most
    probable) and that left C–D ("down": count)."""
    cur, prev = warnings_table.alias("cur"), warnings_table.alias("prev")
    both = (cur.join(prev, (prev.c.uscc == cur.c.uscc) & (prev.c.run_id == previous_id)))
    base = [cur.c.run_id == run_id, *_towns_condition(cur.c.town_code, towns)]
    up = [*base, cur.c.tier.in_(RISKY), prev.c.tier.not_in(RISKY)]
    down = [*base, prev.c.tier.in_(RISKY), cur.c.tier.not_in(RISKY)]
    top = (select(cur.c.uscc, cur.c.name, cur.c.industry, cur.c.town_code, cur.c.tier,
                  cur.c.probability, prev.c.tier.label("previous_tier"),
                  prev.c.probability.label("previous_probability"))
           .select_from(both).where(*up).order_by(cur.c.probability.desc(), cur.c.uscc)
           .limit(limit))
    with engine.connect() as connection:
        up_count = connection.execute(
            select(func.count()).select_from(both).where(*up)).scalar_one()
        down_count = connection.execute(
            select(func.count()).select_from(both).where(*down)).scalar_one()
        rows = [dict(row) for row in connection.execute(top).mappings()]
    return {"up": int(up_count), "down": int(down_count), "top": rows}


def trend(engine: Engine, runs: list[DayRun], towns: frozenset[str] | None
          ) -> dict[str, list[float | None]]:
    """Each industry's share of firms in C–D per run (None where it was not scored)."""
    if not runs:
        return {}
    w = warnings_table.c
    query = (select(w.run_id, w.industry, func.count().label("firms"),
                    _risky_count(w.tier).label("risky"))
             .where(w.run_id.in_([run.id for run in runs]),
                    *_towns_condition(w.town_code, towns))
             .group_by(w.run_id, w.industry))
    position = {run.id: i for i, run in enumerate(runs)}
    series: dict[str, list[float | None]] = {}
    with engine.connect() as connection:
        for row in connection.execute(query).mappings():
            values = series.setdefault(row["industry"], [None] * len(runs))
            values[position[row["run_id"]]] = int(row["risky"] or 0) / row["firms"]
    return dict(sorted(series.items()))


def overview_page(request: Request) -> Response:
    """GET /overview"""
    sess, user = signed_in(request)
    if user is None:
        return redirect(request, "/")
    engine = workspace().engine
    runs = day_runs(engine)
    context: dict[str, Any] = {"run": None}
    if runs:
        latest = runs[-1]
        previous = runs[-2] if len(runs) > 1 else None
        lang = lang_of(request)
        industries = choices()["industries"]

        def industry_name(key: str) -> str:
            return key if lang == "en" else industries.get(key, key)

        cells = heat_cells(engine, latest.id, user.towns)
        town_codes = sorted({c["town_code"] for c in cells})
        columns = sorted({c["industry"] for c in cells})
        grid: dict[tuple[str, str], dict[str, Any]] = {
            (c["town_code"], c["industry"]): c for c in cells}
        series = trend(engine, runs, user.towns)
        context = {
            "run": latest, "previous": previous,
            "heat_map": charts.heat_map(
                [TOWN_NAMES.get(t, t) for t in town_codes],
                [industry_name(i) for i in columns],
                [[grid[(t, i)]["share"] if (t, i) in grid else None for i in columns]
                 for t in town_codes],
                [[_cell_title(TOWN_NAMES.get(t, t), industry_name(i), grid.get((t, i)))
                  for i in columns] for t in town_codes],
                "heat map"),
            "heat_scale": charts.heat_scale(max([c["share"] for c in cells] + [0.05])),
            "counts": tier_counts(engine, latest.id, user.towns),
            "previous_counts": (tier_counts(engine, previous.id, user.towns)
                                if previous else None),
            "moved": moved(engine, latest.id, previous.id, user.towns) if previous else None,
            "trend_chart": charts.multi_line_chart(
                [f"{run.as_of:%Y-%m-%d}" for run in runs],
                {industry_name(k): v for k, v in series.items()}, "trend"),
            "town_names": TOWN_NAMES, "tiers": TIERS,
        }
    return render(request, "overview.html", sess, user, **context)


def _cell_title(town: str, industry: str, cell: dict[str, Any] | None) -> str:
    if cell is None:
        return f"{town} · {industry}: 0"
    return (f"{town} · {industry}: {cell['risky']} / {cell['firms']} C–D "
            f"({cell['share']:.1%}), p̄ = {cell['mean_probability']:.3f}")
