"""The scheduling half of the workspace: /schedule, /plan and /outcomes without HTTP."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from serving.store import plans
from serving.store.unplaced import plan_unplaced
from serving.store.users import User, audit
from serving.workspace import planning
from serving.workspace.scores import ApiError

if TYPE_CHECKING:
    from serving.workspace.scores import Workspace


def _field_of(message: str) -> str:
    return message.split(":", 1)[0].split(".", 1)[0].strip()


def _store(ws: Workspace, user: User, request: planning.PlanRequest) -> planning.Scheduled:
    """Make the plan `request` asks for on the latest scoring run, store and audit it."""
    run = ws.latest_run()
    if run is None:
        raise ApiError(409, "no scoring run yet: run `riskwarn score` first")
    try:
        sources = ws.loaded().sources
        return planning.schedule(ws.engine, sources.tables, run, request, user.name,
                                 user.towns, ws.confirmed_firms(),
                                 sources.meta.town_neighbours())
    except ValueError as exc:
        raise ApiError(400, str(exc), _field_of(str(exc))) from exc


def schedule(ws: Workspace, user: User, *, start: date, end: date, industry: str | None,
             seed: int | None, ratios: dict[str, float] | None,
             targeted_share: float | None) -> dict[str, Any]:
    if seed is not None and user.role != "admin":
        raise ApiError(403, "only an admin may pass a seed (to replay a plan); the server "
                            "draws its own", "seed")
    done = _store(ws, user, planning.plan_request(
        start, end, planning.new_seed() if seed is None else seed, industry, ratios,
        targeted_share))
    return {"plan_id": done.plan_id, "seed": done.plan.seed,
            "visits": planning.visit_records(done.plan.visits),
            "unplaced": planning.unplaced_records(done.plan.unplaced),
            "summary": done.plan.summary}


def preview_plan(ws: Workspace, user: User, *, start: date, end: date,
                 industry: str | None, seed: int | None = None) -> planning.Plan:
    """The plan the workspace would publish, not stored; the preview (its seed included) is
    audited, so a re-drawn preview is on record as every stored plan is."""
    run = ws.latest_run()
    if run is None:
        raise ApiError(409, "no scoring run yet: run `riskwarn score` first")
    request = planning.plan_request(start, end, planning.new_seed() if seed is None else seed,
                                    industry)
    try:
        sources = ws.loaded().sources
        plan = planning.preview(ws.engine, sources.tables, run, request, user.towns,
                                ws.confirmed_firms(), sources.meta.town_neighbours())
    except ValueError as exc:
        raise ApiError(400, str(exc), _field_of(str(exc))) from exc
    audit(ws.engine, user.name, "preview_plan", None,
          {"seed": request.seed, "start": str(start), "end": str(end), "industry": industry,
           "visits": len(plan.visits), "unplaced": len(plan.unplaced)})
    return plan


def publish_plan(ws: Workspace, user: User, *, start: date, end: date, industry: str | None,
                 seed: int) -> int:
    """Store the previewed plan (the seed the server drew for the preview, kept in the
    session, never typed by a user): stored and audited as every plan; returns its id."""
    return _store(ws, user, planning.plan_request(start, end, seed, industry)).plan_id


def show_plan(ws: Workspace, user: User, plan_id: int, inspector_id: str | None,
              public: bool) -> dict[str, Any]:
    found = plans.get_plan(ws.engine, plan_id)
    if found is None:
        raise ApiError(404, f"no plan {plan_id}", "plan_id")
    visits = plans.plan_visits(ws.engine, plan_id, inspector_id)
    if user.towns is not None:
        visits = visits.loc[visits["town_code"].isin(user.towns)]
    head = {"plan_id": plan_id, "start": str(found["start"]), "end": str(found["end"])}
    if public:
        return {**head, "visits": planning.public_records(visits, ws.loaded().sources.tables)}
    missed = plan_unplaced(ws.engine, plan_id)
    if user.towns is not None:
        missed = missed.loc[missed["town_code"].isin(user.towns)]
    if inspector_id is not None:  # one inspector's share: their visits only
        missed = missed.iloc[:0]
    return {**head, "industry": found["industry"], "seed": found["seed"],
            "created_by": found["created_by"], "visits": planning.visit_records(visits),
            "unplaced": planning.unplaced_records(missed), "summary": found["summary"]}


def record_outcome(ws: Workspace, user: User, *, plan_id: int, uscc: str, result: str,
                   inspected_on: date, note: str | None) -> dict[str, Any]:
    if plans.get_plan(ws.engine, plan_id) is None:
        raise ApiError(404, f"no plan {plan_id}", "plan_id")
    visit = plans.plan_visits(ws.engine, plan_id)
    visit = visit.loc[visit["uscc"] == uscc]
    if not visit.empty and not user.can_see_town(str(visit["town_code"].iloc[0])):
        raise ApiError(403, "this firm is outside your towns", "uscc")
    try:
        stored = plans.record_outcome(ws.engine, plan_id=plan_id, uscc=uscc, result=result,
                                      inspected_on=inspected_on, note=note,
                                      recorded_by=user.name)
    except LookupError as exc:
        raise ApiError(404, str(exc), "uscc") from exc
    except plans.OutcomeRefused as exc:
        raise ApiError(400, str(exc), exc.field) from exc
    except plans.OutcomeExists as exc:
        first = {k: str(v) if v is not None else None for k, v in exc.first.items()}
        raise ApiError(409, "an outcome was already recorded for this visit; it is kept",
                       "uscc", {"first": first}) from exc
    return {"plan_id": plan_id, "uscc": uscc, "result": stored["result"],
            "inspected_on": str(stored["inspected_on"]), "note": stored.get("note"),
            "recorded_by": stored["recorded_by"], "recorded_at": str(stored["recorded_at"])}
