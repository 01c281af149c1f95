"""Review decisions without HTTP: an officer confirms, dismisses or escalates a warning of the
latest scoring run. Confirmed firms head the scheduler's targeted list."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from serving.store import decisions, runs, trigger_warnings
from serving.store.users import User
from serving.workspace.scores import ApiError, check_code

if TYPE_CHECKING:
    from serving.workspace.scores import Workspace


def _shown(row: dict[str, Any]) -> dict[str, Any]:
    return {k: (None if v is None else str(v) if k == "decided_at" else v)
            for k, v in row.items()}


def decide(ws: Workspace, user: User, *, uscc: str, decision: str, reason: str | None,
           note: str | None) -> dict[str, Any]:
    problem = check_code(uscc)
    if problem:
        raise ApiError(400, problem, "uscc")
    run = ws.latest_run()
    if run is None:
        raise ApiError(409, "no scoring run yet: nothing to decide on")
    found = runs.scores_for(ws.engine, run.id, [uscc]).get(uscc)
    if found is None:
        raise ApiError(404, f"{uscc} has no warning in the latest scoring run", "uscc")
    if not user.can_see_town(found["town_code"]):
        raise ApiError(403, "this firm is outside your towns", "uscc")
    try:
        stored = decisions.record_decision(ws.engine, run_id=run.id, uscc=uscc,
                                           decision=decision, reason=reason, note=note,
                                           decided_by=user.name)
    except ValueError as exc:
        raise ApiError(400, str(exc), str(exc).split(":", 1)[0]) from exc
    except decisions.DecisionExists as exc:
        raise ApiError(409, f"already decided by {exc.first['decided_by']}; the first "
                            "decision stays", "uscc", {"first": _shown(exc.first)}) from exc
    return _shown(stored)


def decide_trigger(ws: Workspace, user: User, *, uscc: str, trigger_id: int, decision: str,
                   reason: str | None, note: str | None) -> dict[str, Any]:
    """An officer's decision on an open trigger warning of this firm; it closes it."""
    problem = check_code(uscc)
    if problem:
        raise ApiError(400, problem, "uscc")
    found = trigger_warnings.get(ws.engine, trigger_id)
    if found is None or found["uscc"] != uscc:
        raise ApiError(404, f"{uscc} has no trigger warning {trigger_id}", "trigger_id")
    if not user.can_see_town(found["town_code"]):
        raise ApiError(403, "this firm is outside your towns", "uscc")
    try:
        stored = trigger_warnings.decide(ws.engine, trigger_id, decision=decision,
                                         reason=reason, note=note, decided_by=user.name)
    except ValueError as exc:
        raise ApiError(400, str(exc), str(exc).split(":", 1)[0]) from exc
    except decisions.DecisionExists as exc:
        first = {k: exc.first[k] for k in ("decision", "reason", "note", "decided_by",
                                           "decided_at")}
        raise ApiError(409, f"already decided by {first['decided_by']}; the first decision "
                            "stays", "trigger_id", {"first": _shown(first)}) from exc
    return _shown({"run_id": None, "trigger_id": trigger_id, "uscc": uscc,
                   **{k: stored[k] for k in ("decision", "reason", "note", "decided_by",
                                             "decided_at")}})
