"""Officers' decisions on warnings: confirm (a targeted-inspection candidate), dismiss (with a
reason) or escalate. One decision per warning of a scoring run, never overwritten: when two
officers decide at once, the second is told and shown the first."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, exc, func, insert, select

from serving.store.columns import load_json
from serving.store.schema import DECISIONS
from serving.store.schema import decisions as decisions_table
from serving.store.schema import warnings as warnings_table
from serving.store.users import audit

FIELDS = ("run_id", "uscc", "decision", "reason", "note", "decided_by", "decided_at")


class DecisionExists(Exception):
    """The warning was decided already; `first` is that decision, which stays."""

    def __init__(self, first: dict[str, Any]):
        super().__init__(f"{first['uscc']} was already decided ({first['decision']}) by "
                         f"{first['decided_by']}")
        self.first = first


def record_decision(engine: Engine, *, run_id: int, uscc: str, decision: str,
                    reason: str | None, note: str | None, decided_by: str) -> dict[str, Any]:
    """Store one decision and audit it in the same transaction; returns it.

    ValueError for an unknown decision or a dismissal without a reason; DecisionExists when
    the warning was decided already.
    """
    if decision not in DECISIONS:
        raise ValueError(f"decision: {decision!r} is not one of {', '.join(DECISIONS)}")
    if decision == "dismiss" and not (reason or "").strip():
        raise ValueError("reason: a dismissal needs a reason")
    row = {"run_id": run_id, "uscc": uscc, "decision": decision, "reason": reason,
           "note": note, "decided_by": decided_by, "decided_at": datetime.now(UTC)}
    try:
        with engine.begin() as connection:
            connection.execute(insert(decisions_table), row)
            audit(connection, decided_by, "decision", f"{run_id}/{uscc}",
                  {"decision": decision, "reason": reason})
    except exc.IntegrityError as error:
        first = decision_for(engine, run_id, uscc)
        if first is None:
            raise
        # the losing attempt is part of the record too
        audit(engine, decided_by, "decision refused", f"{run_id}/{uscc}",
              {"decision": decision, "reason": reason, "first_by": first["decided_by"]})
        raise DecisionExists(first) from error
    return row


def decision_for(engine: Engine, run_id: int, uscc: str) -> dict[str, Any] | None:
    d = decisions_table.c
    with engine.connect() as connection:
        found = connection.execute(select(*(d[f] for f in FIELDS))
                                   .where(d.run_id == run_id, d.uscc == uscc)).first()
    return None if found is None else dict(found._mapping)


def confirmed_firms(engine: Engine, run_id: int) -> list[str]:
    """Firms confirmed on this run's warnings, oldest decision first: the scheduler's
    targeted list starts with them."""
    d = decisions_table.c
    query = (select(d.uscc).where(d.run_id == run_id, d.decision == "confirm")
             .order_by(d.decided_at, d.id))
    with engine.connect() as connection:
        return list(connection.execute(query).scalars())


def decisions_for(engine: Engine, run_id: int, usccs: list[str]) -> dict[str, dict[str, Any]]:
    """This run's decisions on these firms, by uscc (undecided firms are left out)."""
    d = decisions_table.c
    wanted = sorted(set(usccs))
    found: dict[str, dict[str, Any]] = {}
    with engine.connect() as connection:
        for start in range(0, len(wanted), 1_000):
            query = select(*(d[f] for f in FIELDS)).where(
                d.run_id == run_id, d.uscc.in_(wanted[start:start + 1_000]))
            found.update({row["uscc"]: dict(row) for row in connection.execute(query).mappings()})
    return found


UNDECIDED = "undecided"  # the decision filter's word for warnings nobody decided yet


def review_queue(engine: Engine, run_id: int, *, industry: str | None = None,
                 town_code: str | None = None, tier: str | None = None,
                 towns: frozenset[str] | None = None, highest_first: bool = True,
                 search: str | None = None, decision: str | None = None,
                 limit: int = 50, offset: int = 0) -> tuple[list[dict[str, Any]], int]:
    """One page of the run's warnings for review, undecided ones first, then by probability
    (highest first unless asked otherwise) and uscc; each row carries its `decision`,
    `decided_by`, `decided_at` and `reason` (or None). Returns the page and the total.
    `towns` restricts to a user's towns (None = all); `search` keeps firms whose name contains
    it or whose credit code starts with it; `decision` keeps one decision, or `UNDECIDED`.
    """
    if limit < 0 or offset < 0:
        raise ValueError(f"limit and offset must not be negative, got {limit} and {offset}")
    if decision is not None and decision not in (*DECISIONS, UNDECIDED):
        raise ValueError(f"decision: {decision!r} is not one of {', '.join(DECISIONS)}, "
                         f"{UNDECIDED}")
    w, d = warnings_table.c, decisions_table.c
    conditions = [w.run_id == run_id]
    for column, value in ((w.industry, industry), (w.town_code, town_code), (w.tier, tier)):
        if value is not None:
            conditions.append(column == value)
    if towns is not None:
        conditions.append(w.town_code.in_(sorted(towns)))
    if search:
        conditions.append(w.name.contains(search, autoescape=True)
                          | w.uscc.startswith(search.upper(), autoescape=True))
    if decision == UNDECIDED:
        conditions.append(d.id.is_(None))
    elif decision is not None:
        conditions.append(d.decision == decision)
    joined = warnings_table.outerjoin(
        decisions_table, (d.run_id == w.run_id) & (d.uscc == w.uscc))
    by_probability = w.probability.desc() if highest_first else w.probability.asc()
    page = (select(w.uscc, w.name, w.industry, w.town_code, w.probability, w.tier, w.reasons,
                   d.decision, d.decided_by, d.decided_at, d.reason)
            .select_from(joined).where(*conditions)
            .order_by(d.id.is_not(None), by_probability, w.uscc).limit(limit).offset(offset))
    counted = select(func.count()).select_from(
        joined if decision is not None else warnings_table).where(*conditions)
    with engine.connect() as connection:
        total = connection.execute(counted).scalar_one()
        rows = [{**row, "reasons": load_json(row["reasons"])}
                for row in connection.execute(page).mappings()]
    return rows, total
