"""The monthly report's edges: what the month left in the database and the sources, read into
`MonthInputs`; the report written next to the drift reports (`DATA_DIR/reports/monthly/`)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import Engine, select

from features import settings
from features.loading import load_sources
from serving.batch.monthly import Month, MonthInputs, for_towns, report_tables
from serving.batch.monthly_render import report_bytes
from serving.store import runs
from serving.store.columns import load_json
from serving.store.schema import jobs, outcomes, plan_visits, scoring_runs, trigger_warnings


def report_dir() -> Path:
    return settings.DATA_DIR / "reports" / "monthly"


def last_run(engine: Engine, month: Month) -> Any:
    """The month's last complete scoring run (id, as_of, sources), or None."""
    r = scoring_runs.c
    query = (select(r.id, r.as_of, r.sources)
             .where(r.status == "complete", r.as_of >= month.first, r.as_of < month.after)
             .order_by(r.as_of.desc(), r.finished_at.desc(), r.id.desc()).limit(1))
    with engine.connect() as connection:
        return connection.execute(query).first()


def _frame(engine: Engine, query: Any) -> pd.DataFrame:
    with engine.connect() as connection:
        result = connection.execute(query)
        return pd.DataFrame(result.mappings().all(), columns=list(result.keys()))


def _drift(engine: Engine, run_id: int | None) -> dict[str, Any]:
    """The drift step's detail for the run, or {}."""
    if run_id is None:
        return {}
    query = (select(jobs.c.detail).where(jobs.c.step == "drift", jobs.c.status == "complete")
             .order_by(jobs.c.id.desc()))
    with engine.connect() as connection:
        for (detail,) in connection.execute(query):
            found = load_json(detail) or {}
            if found.get("run_id") == run_id:
                return found
    return {}


def area_firings(engine: Engine, month: Month) -> pd.DataFrame:
    """The area rules' firings of the month's nights (the triggers step's detail), once per
    rule and area, on the first night it fired; status `area` (no firm to decide)."""
    query = (select(jobs.c.as_of, jobs.c.detail)
             .where(jobs.c.step == "triggers", jobs.c.status == "complete",
                    jobs.c.as_of >= month.first, jobs.c.as_of < month.after)
             .order_by(jobs.c.as_of))
    with engine.connect() as connection:
        rows = [{"industry": a["industry"], "town_code": a["town_code"], "rule": a["rule"],
                 "fired_on": as_of, "status": "area"}
                for as_of, detail in connection.execute(query)
                for a in (load_json(detail) or {}).get("areas", [])]
    frame = pd.DataFrame(rows, columns=["industry", "town_code", "rule", "fired_on", "status"])
    return frame.drop_duplicates(["rule", "town_code", "industry"])


def month_inputs(engine: Engine, month: Month, sources: str | None = None) -> MonthInputs:
    """Read what the month left; `sources` defaults to those of the month's last run (then of
    the latest run). LookupError when there are no sources to read."""
    run, before = last_run(engine, month), last_run(engine, month.previous)
    latest = runs.latest_run(engine)
    where = sources or (run.sources if run else None) or (latest.sources if latest else None)
    if where is None:
        raise LookupError("no scoring run yet and no --sources: nothing to report on")
    empty = pd.DataFrame(columns=["uscc", "industry", "town_code", "tier"])
    t, v, o = trigger_warnings.c, plan_visits.c, outcomes.c
    triggers = _frame(engine, select(t.industry, t.town_code, t.rule, t.fired_on, t.status)
                      .where(t.fired_on >= month.first, t.fired_on < month.after))
    areas = area_firings(engine, month)
    triggers = pd.concat([triggers, areas], ignore_index=True) if len(areas) else triggers
    visits = _frame(engine, select(v.industry, v.town_code, v.kind, v.visit_on, o.result)
                    .select_from(plan_visits.outerjoin(
                        outcomes, (o.plan_id == v.plan_id) & (o.uscc == v.uscc)))
                    .where(v.visit_on >= month.first, v.visit_on < month.after))
    tables = load_sources(where, month.after - timedelta(days=1)).tables
    return MonthInputs(
        current=runs.run_frame(engine, run.id) if run else empty,
        previous=runs.run_frame(engine, before.id) if before else empty,
        triggers=triggers, visits=visits, penalties=tables["penalties"],
        complaints=tables["complaints"], registrations=tables["registrations"],
        drift=_drift(engine, run.id if run else None))


def month_report(engine: Engine, month: Month, suffix: str, towns: list[str] | None = None,
                 sources: str | None = None) -> bytes:
    """The month's report as .pdf or .xlsx bytes, only `towns`' rows (None: every town)."""
    tables = for_towns(report_tables(month_inputs(engine, month, sources), month), towns)
    return report_bytes(tables, month, suffix, "、".join(towns) if towns else "全部乡镇")


def stored_or_built(engine: Engine, month: Month, suffix: str,
                    towns: list[str] | None = None) -> bytes:
    """Every town's report as nightly wrote it under `report_dir()` (the file the bureau was
    sent), built on request only when that file is missing or a user sees only some towns."""
    stored = report_dir() / f"{month.label}{suffix}"
    if towns is None and stored.is_file():
        return stored.read_bytes()
    return month_report(engine, month, suffix, towns)


def write_report(path: Path, data: bytes) -> Path:
    """Write atomically: a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    side = path.with_name(f".{path.name}.part")
    side.write_bytes(data)
    side.replace(path)
    return path


def monthly_step(engine: Engine, sources: str, as_of: date) -> dict[str, Any]:
    """nightly's `report` step on the first of a month: the month just ended, as PDF and
    Excel, under `report_dir()`."""
    month = Month(as_of, as_of).previous
    tables = report_tables(month_inputs(engine, month, sources), month)
    written = [str(write_report(report_dir() / f"{month.label}{suffix}",
                                report_bytes(tables, month, suffix)))
               for suffix in (".pdf", ".xlsx")]
    return {"month": month.label, "reports": written,
            "firms": int(tables["tiers"]["firms"].sum())}


def report_months(engine: Engine) -> list[str]:
    """The months (YYYY-MM) with a complete scoring run, newest first: those with a report."""
    r = scoring_runs.c
    query = select(r.as_of).where(r.status == "complete").distinct()
    with engine.connect() as connection:
        days = connection.execute(query).scalars().all()
    return sorted({f"{day:%Y-%m}" for day in days}, reverse=True)
