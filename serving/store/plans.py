"""Inspection plans as they were made, and the outcomes recorded for their visits.

A plan (period, seed, inputs, summary and visits) is written whole in one transaction with its
audit row and never changed. Each planned visit takes at most one outcome: the database's
UNIQUE constraint settles two officers recording at once. `outcomes_as_inspections` hands
recorded outcomes back to the features as rows of the `inspections` source table.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Engine, and_, exc, func, insert, literal, or_, select

from features import settings
from features.checks import parse_column
from features.contracts import INSPECTION_KINDS, INSPECTIONS, OUTCOMES
from serving.store.columns import dump_json, load_json
from serving.store.schema import outcomes as outcomes_table
from serving.store.schema import plan_visits as visits_table
from serving.store.schema import plans as plans_table
from serving.store.unplaced import insert_unplaced
from serving.store.users import audit

__all__ = ["OUTCOMES", "RECENT_COLUMNS", "VISIT_COLUMNS", "OutcomeExists", "get_plan",
           "latest_plan_id", "outcomes_as_inspections", "plan_visits", "recent_visits",
           "record_outcome", "save_plan"]

VISIT_COLUMNS = ("date", "uscc", "industry", "town_code", "inspector_ids", "kind", "tier",
                 "probability", "inclusion_prob")
RECENT_COLUMNS = ("uscc", "inspector_id", "kind", "date")
_MAX_SEED = 2**63  # plans.seed is a signed 64-bit integer
_STORED = ("visit_on", "uscc", "industry", "town_code", "inspector_a", "inspector_b", "kind",
           "tier", "probability", "inclusion_prob")
_OUTCOME_FIELDS = ("plan_id", "uscc", "result", "inspected_on", "note", "recorded_by",
                   "recorded_at")


class OutcomeExists(Exception):
    """The visit already has an outcome; `first` is that outcome, which stays."""

    def __init__(self, first: dict[str, Any]):
        super().__init__(
            f"plan {first['plan_id']} already has an outcome for {first['uscc']}: "
            f"{first['result']} on {first['inspected_on']}, recorded by {first['recorded_by']}")
        self.first = first


def save_plan(engine: Engine, *, created_by: str | None, start: date, end: date,
              industry: str | None, seed: int, run_id: int | None, inputs: dict[str, Any],
              summary: dict[str, Any], visits: pd.DataFrame,
              unplaced: pd.DataFrame | None = None) -> int:
    """Store a plan, its visits and unplaced visits (`store.unplaced`), audited as "schedule",
    in one transaction; returns its id. `visits` has the VISIT_COLUMNS: `date` within [start,
    end], `inspector_ids` two different ids, `kind` random or targeted, `inclusion_prob` above
    0 for random visits and NaN (NULL) for targeted ones; a firm at most once per plan."""
    start, end = _day(start), _day(end)
    if end < start:
        raise ValueError(f"end {end} is before start {start}")
    if not 0 <= int(seed) < _MAX_SEED:
        raise ValueError(f"seed must lie in [0, 2**63), got {seed}")
    rows = _visit_rows(visits, start, end)
    with engine.begin() as connection:
        plan_id: int = connection.execute(
            insert(plans_table).returning(plans_table.c.id),
            {"created_at": datetime.now(UTC), "created_by": created_by, "start_on": start,
             "end_on": end, "industry": industry, "seed": int(seed), "run_id": run_id,
             "inputs": dump_json(inputs), "summary": dump_json(summary)},
        ).scalar_one()
        if rows:  # one executemany
            connection.execute(insert(visits_table), [{"plan_id": plan_id, **r} for r in rows])
        missed = 0 if unplaced is None else insert_unplaced(connection, plan_id, unplaced)
        audit(connection, created_by, "schedule", str(plan_id),
              {"seed": int(seed), "start": start.isoformat(), "end": end.isoformat(),
               "industry": industry, "visits": len(rows), "unplaced": missed})
    return plan_id


def get_plan(engine: Engine, plan_id: int) -> dict[str, Any] | None:
    """The plan's period, seed, run and parsed inputs and summary (not its visits), or None."""
    with engine.connect() as connection:
        row = connection.execute(
            select(plans_table).where(plans_table.c.id == plan_id)).first()
    if row is None:
        return None
    return {"plan_id": row.id, "created_at": row.created_at, "created_by": row.created_by,
            "start": row.start_on, "end": row.end_on, "industry": row.industry,
            "seed": row.seed, "run_id": row.run_id, "inputs": load_json(row.inputs),
            "summary": load_json(row.summary)}


def latest_plan_id(engine: Engine) -> int | None:
    """The id of the plan stored last, or None before the first."""
    with engine.connect() as connection:
        return connection.execute(select(func.max(plans_table.c.id))).scalar()


def plan_visits(engine: Engine, plan_id: int, inspector_id: str | None = None) -> pd.DataFrame:
    """The plan's visits with the VISIT_COLUMNS as saved, by date, town_code and uscc.

    With `inspector_id`, only the visits that inspector makes (in either slot). An unknown
    plan has no visits.
    """
    v = visits_table.c
    query = select(*(v[name] for name in _STORED)).where(v.plan_id == plan_id)
    if inspector_id is not None:
        query = query.where(or_(v.inspector_a == inspector_id, v.inspector_b == inspector_id))
    with engine.connect() as connection:
        rows = connection.execute(query.order_by(v.visit_on, v.town_code, v.uscc)).all()
    found = pd.DataFrame(rows, columns=list(_STORED))
    pairs = [[a, b] for a, b in zip(found["inspector_a"], found["inspector_b"], strict=True)]
    return pd.DataFrame({
        "date": found["visit_on"].astype(object),  # datetime.date
        **{name: found[name].astype("str") for name in ("uscc", "industry", "town_code")},
        "inspector_ids": pd.Series(pairs, index=found.index, dtype=object),
        "kind": found["kind"].astype("str"),
        "tier": found["tier"].astype("str"),
        "probability": found["probability"].astype("float64"),
        "inclusion_prob": pd.to_numeric(found["inclusion_prob"]).astype("float64"),
    })[list(VISIT_COLUMNS)]


class OutcomeRefused(ValueError):
    """An outcome that breaks a rule; `field` names the request field at fault."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def _check_outcome(engine: Engine, plan_id: int, result: str, inspected_on: date) -> None:
    """The result is known and the visit day lies in the plan's period and not after today."""
    if result not in OUTCOMES:
        raise OutcomeRefused("result", f"unknown result {result!r}: results are "
                                       f"{', '.join(OUTCOMES)}")
    with engine.connect() as connection:
        period = connection.execute(select(plans_table.c.start_on, plans_table.c.end_on)
                                    .where(plans_table.c.id == plan_id)).first()
    if period is None:
        raise LookupError(f"no plan {plan_id}")
    start, end = _day(period.start_on), _day(period.end_on)
    if inspected_on > settings.bureau_today():  # known_at may not precede it
        raise OutcomeRefused("inspected_on", f"inspected_on {inspected_on} is in the future")
    if not start <= inspected_on <= end:
        raise OutcomeRefused("inspected_on", f"inspected_on {inspected_on} is outside plan "
                                             f"{plan_id}'s period {start}..{end}")


def record_outcome(engine: Engine, *, plan_id: int, uscc: str, result: str,
                   inspected_on: date, note: str | None, recorded_by: str) -> dict[str, Any]:
    """Record what the plan's visit to `uscc` found, audited as "outcome"; returns it.

    Raises OutcomeRefused (a ValueError naming the field) for a result outside OUTCOMES or an
    inspection day outside the plan's period or after today, LookupError when there is no
    such plan or the plan has no visit to the firm, and OutcomeExists when the visit already
    has an outcome (the first one stays).
    """
    inspected_on = _day(inspected_on)
    _check_outcome(engine, plan_id, result, inspected_on)
    now = datetime.now(UTC)
    values = {"result": result, "inspected_on": inspected_on, "note": note,
              "recorded_by": recorded_by, "recorded_at": now}
    o, v = outcomes_table.c, visits_table.c
    # one statement that adds the row only if the visit exists: no window between check and
    # write; a second outcome for the visit breaks the UNIQUE constraint
    visit = select(v.plan_id, v.uscc, *(literal(value, o[name].type)
                                        for name, value in values.items())
                   ).where(v.plan_id == plan_id, v.uscc == uscc)
    try:
        with engine.begin() as connection:
            added = connection.execute(
                insert(outcomes_table).from_select(["plan_id", "uscc", *values], visit)
                .returning(o.id)).scalar()  # psycopg reports no rowcount for INSERT ... SELECT
            if added is None:
                raise LookupError(f"plan {plan_id} has no visit to {uscc}")
            audit(connection, recorded_by, "outcome", f"{plan_id}/{uscc}", {"result": result})
    except exc.IntegrityError as error:
        first = _outcome(engine, plan_id, uscc)
        if first is None:
            raise
        raise OutcomeExists(first) from error
    return {"plan_id": plan_id, "uscc": uscc, **values}


def outcomes_as_inspections(engine: Engine) -> pd.DataFrame:
    """Every recorded outcome as a row of the `inspections` source table, typed as
    `features.loading` types that table, so the two concatenate.

    `inspection_id` is "RW-<plan_id>-<uscc>"; `kind`, `inspector_ids` and `inclusion_prob`
    come from the planned visit; `known_at` is the day (in the bureau's time) it was recorded.
    """
    o, v = outcomes_table.c, visits_table.c
    query = (select(o.plan_id, o.uscc, v.kind, o.inspected_on, v.inspector_a, v.inspector_b,
                    o.result, v.inclusion_prob, o.recorded_at)
             .join_from(outcomes_table, visits_table,
                        and_(o.plan_id == v.plan_id, o.uscc == v.uscc))
             .order_by(o.id))
    with engine.connect() as connection:
        found = pd.DataFrame(connection.execute(query).all(),
                             columns=["plan_id", "uscc", "kind", "inspected_on", "inspector_a",
                                      "inspector_b", "result", "inclusion_prob", "recorded_at"])
    raw = {
        "inspection_id": pd.Series([f"RW-{p}-{u}" for p, u in
                                    zip(found["plan_id"], found["uscc"], strict=True)],
                                   dtype=object),
        "uscc": found["uscc"],
        "kind": found["kind"],
        "inspected_on": pd.to_datetime(found["inspected_on"]),
        "inspector_ids": found["inspector_a"] + "|" + found["inspector_b"],
        "outcome": found["result"],
        "inclusion_prob": found["inclusion_prob"],
        "known_at": found["recorded_at"],  # aware UTC times: parsed to their Dongguan day
    }
    none = pd.Series([None] * len(found), dtype=object)  # the service grades no violations
    return pd.DataFrame({c.name: parse_column(raw.get(c.name, none), c)
                         for c in INSPECTIONS.columns})


def recent_visits(engine: Engine, since: date) -> pd.DataFrame:
    """RECENT_COLUMNS, one row per inspector of each visit with an outcome inspected on or
    after `since` (`date` is that day): for recusals and the 12-month exclusion."""
    o, v = outcomes_table.c, visits_table.c
    query = (select(o.uscc, v.kind, o.inspected_on.label("date"), v.inspector_a, v.inspector_b)
             .join_from(outcomes_table, visits_table,
                        and_(o.plan_id == v.plan_id, o.uscc == v.uscc))
             .where(o.inspected_on >= _day(since)))
    with engine.connect() as connection:
        found = pd.DataFrame(connection.execute(query).all(),
                             columns=["uscc", "kind", "date", "inspector_a", "inspector_b"])
    both = pd.concat([found.rename(columns={slot: "inspector_id"})
                      for slot in ("inspector_a", "inspector_b")], ignore_index=True)
    both = both.sort_values(["date", "uscc", "inspector_id"], kind="stable")
    return both.loc[:, list(RECENT_COLUMNS)].astype(
        {"uscc": "str", "inspector_id": "str", "kind": "str", "date": object}
    ).reset_index(drop=True)


def _outcome(engine: Engine, plan_id: int, uscc: str) -> dict[str, Any] | None:
    o = outcomes_table.c
    with engine.connect() as connection:
        row = connection.execute(select(*(o[name] for name in _OUTCOME_FIELDS))
                                 .where(o.plan_id == plan_id, o.uscc == uscc)).first()
    return None if row is None else dict(row._mapping)


def _day(value: date) -> date:  # the day of a date, datetime or pandas Timestamp
    return value.date() if isinstance(value, datetime) else value


def _visit_rows(visits: pd.DataFrame, start: date, end: date) -> list[dict[str, Any]]:
    """The visits checked and as plan_visits rows (without plan_id)."""
    missing = [c for c in VISIT_COLUMNS if c not in visits.columns]
    if missing:
        raise ValueError(f"visits frame lacks columns: {', '.join(missing)}")
    empty = [c for c in VISIT_COLUMNS if c != "inclusion_prob" and visits[c].isna().any()]
    if empty:
        raise ValueError(f"visits frame has missing values in: {', '.join(empty)}")
    repeated = visits["uscc"][visits["uscc"].duplicated()]
    if len(repeated):
        raise ValueError(f"{len(repeated)} firms are visited twice, e.g. {repeated.iloc[0]}")
    unknown = sorted(set(visits["kind"]) - set(INSPECTION_KINDS))
    if unknown:
        raise ValueError(f"unknown visit kinds {unknown}: kinds are random, targeted")
    probability = visits["probability"].astype("float64")
    if not probability.between(0.0, 1.0).all():
        raise ValueError("probabilities must lie in [0, 1]")
    inclusion = visits["inclusion_prob"].astype("float64")
    random = (visits["kind"] == "random").to_numpy(dtype=bool)
    if not inclusion[random].between(0.0, 1.0, inclusive="right").all():
        raise ValueError("random visits need an inclusion probability in (0, 1]")
    days = pd.to_datetime(visits["date"]).dt.normalize()
    outside = visits["uscc"][(days < pd.Timestamp(start)) | (days > pd.Timestamp(end))]
    if len(outside):
        raise ValueError(f"{len(outside)} visits fall outside {start} to {end}, "
                         f"e.g. {outside.iloc[0]}")
    pairs = [_pair(ids, u) for ids, u in zip(visits["inspector_ids"], visits["uscc"],
                                                 strict=True)]
    return [
        {"visit_on": day, "uscc": u, "industry": industry, "town_code": town,
         "inspector_a": a, "inspector_b": b, "kind": kind, "tier": tier, "probability": p,
         "inclusion_prob": None if math.isnan(q) else q}
        for day, u, industry, town, (a, b), kind, tier, p, q in zip(
            days.dt.date, visits["uscc"].astype(str), visits["industry"].astype(str),
            visits["town_code"].astype(str), pairs, visits["kind"].astype(str),
            visits["tier"].astype(str), probability.tolist(), inclusion.tolist(), strict=True)
    ]


def _pair(ids: Any, uscc: str) -> tuple[str, str]:
    if isinstance(ids, (Sequence, np.ndarray)) and not isinstance(ids, str) and len(ids) == 2:
        a, b = (str(i).strip() for i in ids)
        if a and b and a != b:
            return a, b
    raise ValueError(f"the visit to {uscc} needs two different inspector ids, got {ids!r}")
