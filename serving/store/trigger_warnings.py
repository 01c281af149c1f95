"""Warnings of kind `trigger`: the early-warning rules' firings, one open per firm and rule.

A firing for a firm and rule with an open warning refreshes that warning (its evidence and the
last night it fired); without one it opens a new warning, unless a decided warning of that firm
and rule already holds evidence as new (a decision is not undone by the same events firing
again). Officers' decisions close them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pandas as pd
from sqlalchemy import Engine, and_, func, insert, select, update

from serving.store.columns import dump_json, load_json
from serving.store.decisions import DecisionExists
from serving.store.schema import DECISIONS, trigger_warnings
from serving.store.users import audit

_IN_LIST = 1_000
_LISTED = ("id", "uscc", "name", "industry", "town_code", "rule", "fired_on", "last_fired_on",
           "latest_event_on", "evidence", "status", "decision", "reason", "note",
           "decided_by", "decided_at")


@dataclass(frozen=True)
class Recorded:
    opened: int
    refreshed: int
    kept_closed: int


def record_firings(engine: Engine, as_of: date, firings: pd.DataFrame) -> Recorded:
    """Store a night's firings (uscc, rule, latest_event_on, text_zh, text_en, events, name,
    industry, town_code); see the module docstring. One transaction."""
    t = trigger_warnings.c
    known = _known(engine, sorted(set(firings["uscc"])))
    opened = refreshed = kept = 0
    new_rows, updates = [], []
    for row in firings.to_dict("records"):  # firings are few: the rules ran vectorised
        latest = pd.Timestamp(row["latest_event_on"]).date()
        evidence = dump_json({"text_zh": row["text_zh"], "text_en": row["text_en"],
                              "events": row["events"]})
        before = known.get((row["uscc"], row["rule"]))
        if before is not None and before["status"] == "open":
            updates.append({"id": before["id"], "last_fired_on": as_of, "evidence": evidence,
                            "latest_event_on": max(latest, before["latest_event_on"])})
        elif before is not None and before["latest_event_on"] >= latest:
            kept += 1
        else:
            new_rows.append({"uscc": row["uscc"], "name": row["name"],
                             "industry": row["industry"], "town_code": row["town_code"],
                             "rule": row["rule"], "fired_on": as_of, "last_fired_on": as_of,
                             "latest_event_on": latest, "evidence": evidence,
                             "status": "open"})
    with engine.begin() as connection:
        if new_rows:
            connection.execute(insert(trigger_warnings), new_rows)
            opened = len(new_rows)
        for change in updates:
            connection.execute(update(trigger_warnings).where(t.id == change.pop("id"))
                               .values(**change))
        refreshed = len(updates)
    return Recorded(opened, refreshed, kept)


def _known(engine: Engine, usccs: list[str]) -> dict[tuple[str, str], dict[str, Any]]:
    """The latest warning per (firm, rule) of these firms: the open one if any."""
    t = trigger_warnings.c
    found: dict[tuple[str, str], dict[str, Any]] = {}
    with engine.connect() as connection:
        for start in range(0, len(usccs), _IN_LIST):
            query = (select(t.id, t.uscc, t.rule, t.status, t.latest_event_on)
                     .where(t.uscc.in_(usccs[start:start + _IN_LIST])).order_by(t.id))
            for row in connection.execute(query).mappings():
                key = (row["uscc"], row["rule"])
                if found.get(key, {}).get("status") != "open":
                    found[key] = dict(row)
    return found


def trigger_page(engine: Engine, *, industry: str | None = None,
                 town_code: str | None = None, rule: str | None = None,
                 towns: frozenset[str] | None = None, status: str | None = "open",
                 limit: int = 50, offset: int = 0) -> tuple[list[dict[str, Any]], int]:
    """Trigger warnings, newest firing first (then uscc and rule), and the total."""
    t = trigger_warnings.c
    conditions = [c for c in (
        t.status == status if status else None,
        t.industry == industry if industry else None,
        t.town_code == town_code if town_code else None,
        t.rule == rule if rule else None,
        t.town_code.in_(sorted(towns)) if towns is not None else None) if c is not None]
    where = and_(True, *conditions)
    page = (select(*(t[c] for c in _LISTED)).where(where)
            .order_by(t.fired_on.desc(), t.uscc, t.rule).limit(limit).offset(offset))
    with engine.connect() as connection:
        total = connection.execute(
            select(func.count()).select_from(trigger_warnings).where(where)).scalar_one()
        rows = [_listed(row) for row in connection.execute(page).mappings()]
    return rows, total


def for_firm(engine: Engine, uscc: str) -> list[dict[str, Any]]:
    """Every trigger warning of one firm, open first, newest first (the firm page)."""
    t = trigger_warnings.c
    query = (select(*(t[c] for c in _LISTED)).where(t.uscc == uscc)
             .order_by((t.status == "open").desc(), t.fired_on.desc(), t.id.desc()))
    with engine.connect() as connection:
        return [_listed(row) for row in connection.execute(query).mappings()]


def decide(engine: Engine, warning_id: int, *, decision: str, reason: str | None,
           note: str | None, decided_by: str) -> dict[str, Any]:
    """Record an officer's decision on an open trigger warning, which closes it, and audit it
    in the same transaction; returns the warning. ValueError as `decisions.record_decision`;
    LookupError for no such warning; DecisionExists when it was decided already."""
    if decision not in DECISIONS:
        raise ValueError(f"decision: {decision!r} is not one of {', '.join(DECISIONS)}")
    if decision == "dismiss" and not (reason or "").strip():
        raise ValueError("reason: a dismissal needs a reason")
    t = trigger_warnings.c
    with engine.begin() as connection:
        changed = connection.execute(
            update(trigger_warnings).where(t.id == warning_id, t.status == "open")
            .values(status="closed", decision=decision, reason=reason, note=note,
                    decided_by=decided_by, decided_at=datetime.now(UTC))).rowcount
        if changed:
            audit(connection, decided_by, "trigger decision", str(warning_id),
                  {"decision": decision, "reason": reason})
    found = get(engine, warning_id)
    if found is None:
        raise LookupError(f"no trigger warning {warning_id}")
    if not changed:
        raise DecisionExists({**found, "decided_at": found["decided_at"]})
    return found


def get(engine: Engine, warning_id: int) -> dict[str, Any] | None:
    """One trigger warning, or None."""
    t = trigger_warnings.c
    with engine.connect() as connection:
        row = connection.execute(select(*(t[c] for c in _LISTED))
                                 .where(t.id == warning_id)).mappings().first()
    return None if row is None else _listed(row)


def _listed(row: Any) -> dict[str, Any]:
    return {**row, "evidence": load_json(row["evidence"])}
