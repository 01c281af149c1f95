"""The visits a plan wanted but could not place, stored with the plan (written by
`plans.save_plan` in the plan's own transaction) and read back by plan or by firm."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
from sqlalchemy import Connection, Engine, func, insert, select

from features.contracts import INSPECTION_KINDS
from serving.store.schema import plan_unplaced as unplaced_table
from serving.store.schema import plan_visits
from serving.store.schema import plans as plans_table

UNPLACED_COLUMNS = ("uscc", "industry", "town_code", "kind", "tier", "probability",
                    "inclusion_prob", "confirmed", "reason")


def insert_unplaced(connection: Connection, plan_id: int, unplaced: pd.DataFrame) -> int:
    """Write the plan's unplaced visits (UNPLACED_COLUMNS); returns how many."""
    missing = [c for c in UNPLACED_COLUMNS if c not in unplaced.columns]
    if missing:
        raise ValueError(f"unplaced frame lacks columns: {', '.join(missing)}")
    if not set(unplaced["kind"]) <= set(INSPECTION_KINDS):
        raise ValueError("unplaced visits are random or targeted")
    if unplaced["reason"].isna().any():
        raise ValueError("every unplaced visit needs its reason")
    rows = [{"plan_id": plan_id, **{k: r[k] for k in UNPLACED_COLUMNS}}
            for r in unplaced.to_dict("records")]
    for r in rows:
        r["confirmed"] = bool(r["confirmed"])
        r["probability"] = float(r["probability"])
        q = r["inclusion_prob"]
        r["inclusion_prob"] = None if q is None or math.isnan(q) else float(q)
    if rows:
        connection.execute(insert(unplaced_table), rows)
    return len(rows)


def plan_unplaced(engine: Engine, plan_id: int) -> pd.DataFrame:
    """The plan's unplaced visits (UNPLACED_COLUMNS), confirmed firms first, then by kind."""
    u = unplaced_table.c
    query = (select(*(u[c] for c in UNPLACED_COLUMNS)).where(u.plan_id == plan_id)
             .order_by(u.confirmed.desc(), u.kind, u.industry, u.uscc))
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    frame = pd.DataFrame(rows, columns=list(UNPLACED_COLUMNS))
    return frame.astype({"probability": "float64", "inclusion_prob": "float64",
                         "confirmed": bool})


def latest_unplaced(engine: Engine, uscc: str) -> dict[str, Any] | None:
    """The newest plan that wanted this firm and could not place it: plan id, period and
    reason (None if the newest plan placed it, or no plan wanted it)."""
    u, p = unplaced_table.c, plans_table.c
    query = (select(u.plan_id, p.start_on, p.end_on, u.kind, u.reason)
             .join(plans_table, p.id == u.plan_id).where(u.uscc == uscc)
             .order_by(u.plan_id.desc()).limit(1))
    placed = select(func.max(plan_visits.c.plan_id)).where(plan_visits.c.uscc == uscc)
    with engine.connect() as connection:
        row = connection.execute(query).first()
        last_placed = connection.execute(placed).scalar()
    if row is None or (last_placed is not None and last_placed > row.plan_id):
        return None
    return {"plan_id": row.plan_id, "start": row.start_on, "end": row.end_on,
            "kind": row.kind, "reason": row.reason}
