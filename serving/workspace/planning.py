"""Scheduling at the edges: gather the scheduling library's inputs (latest scores, roster,
visit history from the sources and from recorded outcomes), make the plan, store it.

The pure planning is in `serving.scheduling`; this module reads and writes.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import Engine

from features.industries import default_config
from serving.scheduling.calendar import CalendarOverrides
from serving.scheduling.plan import Plan, PlanRequest, make_plan, public_view
from serving.store import plans, runs

RECENT_DAYS = 365  # "the last 12 months" for recusal and the random-draw exclusion


@dataclass
class Scheduled:
    plan_id: int
    plan: Plan


def new_seed() -> int:
    """The server's own draw: unpredictable, so nobody can re-draw until a firm escapes."""
    return secrets.randbits(62)


def monthly_capacity() -> dict[str, float]:
    return {k: float(spec.monthly_capacity)
            for k, spec in default_config().industries.items()}


def plan_request(start: date, end: date, seed: int, industry: str | None = None,
                 ratios: Mapping[str, float] | None = None,
                 targeted_share: float | None = None) -> PlanRequest:
    """A plan request with the configured defaults (features/industries.yaml: scheduling)."""
    config = default_config().scheduling
    return PlanRequest(
        start, end, seed, monthly_capacity(), industry,
        dict(ratios) if ratios is not None else dict(config.ratios),
        config.targeted_share if targeted_share is None else targeted_share,
        CalendarOverrides(frozenset(config.calendar.holidays),
                          frozenset(config.calendar.workdays)),
        reach=config.reach)


def visit_history(inspections: pd.DataFrame, recorded: pd.DataFrame, since: date
                  ) -> tuple[set[str], pd.DataFrame]:
    """(firms visited at random since `since`, (uscc, inspector_id) pairs since `since`)
    from the sources' inspections and the outcomes recorded through the service."""
    recent = inspections.loc[pd.to_datetime(inspections["inspected_on"]) >= pd.Timestamp(since)]
    pairs = (recent.assign(inspector_id=recent["inspector_ids"].fillna("").str.split("|"))
             .explode("inspector_id")[["uscc", "inspector_id", "kind"]])
    both = pd.concat([pairs, recorded[["uscc", "inspector_id", "kind"]]], ignore_index=True)
    both = both.loc[both["inspector_id"].fillna("") != ""]
    random = set(both.loc[both["kind"] == "random", "uscc"])
    return random, both[["uscc", "inspector_id"]].drop_duplicates().reset_index(drop=True)


def preview(engine: Engine, tables: Mapping[str, pd.DataFrame], run: runs.Run,
            request: PlanRequest, towns: frozenset[str] | None = None,
            confirmed: Iterable[str] = (),
            neighbours: Mapping[str, Iterable[str]] | None = None) -> Plan:
    """The plan from the run's scores (only `towns`, if given), not stored.
    `neighbours`: the data set's borders (`DatasetMeta.town_neighbours`), for the reach."""
    request.check()
    firms = runs.run_frame(engine, run.id)
    if towns is not None:
        firms = firms.loc[firms["town_code"].isin(towns)]
    since = request.start - timedelta(days=RECENT_DAYS)
    recent_random, recusals = visit_history(tables["inspections"],
                                            plans.recent_visits(engine, since), since)
    return make_plan(firms, tables["inspectors"], request, recent_random, recusals, confirmed,
                     neighbours)


def schedule(engine: Engine, tables: Mapping[str, pd.DataFrame], run: runs.Run,
             request: PlanRequest, created_by: str | None, towns: frozenset[str] | None = None,
             confirmed: Iterable[str] = (),
             neighbours: Mapping[str, Iterable[str]] | None = None) -> Scheduled:
    """`preview`'s plan, stored (with its unplaced visits) and audited."""
    confirmed = sorted(set(confirmed))
    plan = preview(engine, tables, run, request, towns, confirmed, neighbours)
    inputs = {"ratios": dict(request.ratios), "targeted_share": request.targeted_share,
              "reach": request.reach, "run_id": run.id,
              "towns": sorted(towns) if towns is not None else None, "confirmed": confirmed}
    plan_id = plans.save_plan(
        engine, created_by=created_by, start=request.start, end=request.end,
        industry=request.industry, seed=request.seed, run_id=run.id, inputs=inputs,
        summary=plan.summary, visits=plan.visits, unplaced=plan.unplaced)
    return Scheduled(plan_id, plan)


def visit_records(visits: pd.DataFrame) -> list[dict[str, Any]]:
    """Visits as the API shows them (internal: with tier and probability)."""
    out = []
    for v in visits.to_dict("records"):
        out.append({"date": str(v["date"]), "uscc": v["uscc"], "industry": v["industry"],
                    "town_code": v["town_code"], "inspector_ids": list(v["inspector_ids"]),
                    "kind": v["kind"], "tier": v["tier"],
                    "probability": float(v["probability"])})
    return out


UNPLACED_KEYS = ("uscc", "kind", "reason", "industry", "town_code", "tier", "probability",
                 "confirmed")


def unplaced_records(unplaced: pd.DataFrame) -> list[dict[str, Any]]:
    """Wanted visits that could not be placed, each with its reason (`assign.REASONS`)."""
    return [{"uscc": v["uscc"], "kind": v["kind"], "reason": v["reason"],
             "industry": v["industry"], "town_code": v["town_code"], "tier": v["tier"],
             "probability": float(v["probability"]), "confirmed": bool(v["confirmed"])}
            for v in unplaced.to_dict("records")]


def public_records(visits: pd.DataFrame, tables: Mapping[str, pd.DataFrame]
                   ) -> list[dict[str, Any]]:
    """The 公示 version: firms, dates and inspector names only."""
    registrations, roster = tables["registrations"], tables["inspectors"]
    names = dict(zip(registrations["uscc"], registrations["name"], strict=True))
    inspectors = dict(zip(roster["inspector_id"], roster["name"], strict=True))
    shown = public_view(Plan(0, visits, visits.iloc[:0], {}), names, inspectors)
    return [{str(k): v for k, v in r.items()} for r in shown.to_dict("records")]
