"""Warnings of kind `trigger` for /warnings and the pages: the open early-warning firings,
newest first, each with its rule, its evidence and a link to it on the firm page."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from serving.store import runs, trigger_warnings


def link(uscc: str, warning_id: int) -> str:
    """Where the workspace shows this warning's evidence."""
    return f"/ui/firm/{uscc}#trigger-{warning_id}"


def item(row: dict[str, Any]) -> dict[str, Any]:
    """A stored trigger warning as a /warnings item."""
    evidence = row["evidence"] or {}
    return {"kind": "trigger", "uscc": row["uscc"], "name": row["name"],
            "industry": row["industry"], "town_code": row["town_code"], "probability": None,
            "tier": None, "top_reason": None,
            "trigger": {"id": row["id"], "rule": row["rule"],
                        "text_zh": evidence.get("text_zh", ""),
                        "text_en": evidence.get("text_en", ""),
                        "fired_on": f"{row['fired_on']:%Y-%m-%d}",
                        "last_fired_on": f"{row['last_fired_on']:%Y-%m-%d}",
                        "status": row["status"], "events": evidence.get("events", []),
                        "link": link(row["uscc"], row["id"])}}


def listing(engine: Engine, towns: frozenset[str] | None, run: runs.Run | None, *,
            industry: str | None = None, town_code: str | None = None, limit: int = 50,
            offset: int = 0) -> dict[str, Any]:
    """One page of the open trigger warnings in the user's towns, with the total."""
    rows, total = trigger_warnings.trigger_page(engine, industry=industry,
                                                town_code=town_code, towns=towns,
                                                limit=limit, offset=offset)
    return {"items": [item(r) for r in rows], "total": total,
            "as_of": f"{run.as_of:%Y-%m-%d}" if run else None,
            "run_id": run.id if run else None}
