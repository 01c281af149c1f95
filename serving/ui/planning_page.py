"""Planning in the workspace (scheduler and above): choose the period and industry, preview the
plan with its summary and unplaced visits, publish it; and each plan's public (公示) version.

The preview's seed is drawn by the server and kept in the encrypted session, never shown in a
form: publishing stores exactly the plan previewed. Every preview is audited (seed included),
so a re-drawn preview is on record like every stored plan.
"""

from __future__ import annotations

import functools
from datetime import date, timedelta
from typing import Any

import anyio
from starlette.requests import Request
from starlette.responses import Response

from features.settings import bureau_today
from serving.store import plans
from serving.store.users import User, role_allows
from serving.ui import guard
from serving.ui.plans_page import by_inspector, unplaced_rows
from serving.ui.web import form_of, keep, redirect, render, signed_in, workspace
from serving.workspace import planning
from serving.workspace import plans as workspace_plans
from serving.workspace.scores import ApiError

MAX_DAYS = 92  # a plan made in the workspace covers at most a quarter


def _defaults() -> dict[str, str]:
    """Next Monday to the Friday of the week after."""
    today = bureau_today()
    monday = today + timedelta(days=7 - today.weekday())
    return {"start": monday.isoformat(), "end": (monday + timedelta(days=11)).isoformat(),
            "industry": ""}


def _page(request: Request, sess: dict[str, Any], user: User, status: int = 200,
          **context: Any) -> Response:
    return render(request, "plan_new.html", sess, user, status=status,
                  chosen=context.pop("chosen", _defaults()), **context)


def new_plan(request: Request) -> Response:
    """GET /plans/new: the period and industry form."""
    sess, user = signed_in(request)
    if user is None:
        return redirect(request, "/")
    if not role_allows(user.role, "scheduler"):
        return _page(request, sess, user, status=403, error="scheduler_only")
    return _page(request, sess, user)


def _chosen(form: Any) -> tuple[date, date, str | None, dict[str, str]]:
    start = guard.day(form.get("start"), "start")
    end = guard.day(form.get("end"), "end", low=start, high=start + timedelta(days=MAX_DAYS))
    industry = str(form.get("industry") or "") or None
    if industry is not None and industry not in planning.monthly_capacity():
        raise guard.Refused("industry", "unknown industry")
    return start, end, industry, {"start": start.isoformat(), "end": end.isoformat(),
                                  "industry": industry or ""}


def _preview(request: Request, sess: dict[str, Any], user: User, start: date, end: date,
             industry: str | None, chosen: dict[str, str]) -> Response:
    ws = workspace()
    plan = workspace_plans.preview_plan(ws, user, start=start, end=end, industry=industry)
    sess["preview"] = {**chosen, "seed": plan.seed}
    rows = by_inspector(ws, plan.visits).to_dict("records")
    return _page(request, sess, user, chosen=chosen, summary=plan.summary, rows=rows,
                 unplaced=unplaced_rows(ws, user, plan.unplaced))


async def plan_action(request: Request) -> Response:
    """POST /plans/new: `action=preview` (a fresh draw) or `action=publish` (the preview)."""
    sess, user, form = await form_of(request)
    if user is None:
        return redirect(request, "/")
    if not role_allows(user.role, "scheduler"):
        return await anyio.to_thread.run_sync(functools.partial(
            _page, request, sess, user, status=403, error="scheduler_only"))
    try:
        start, end, industry, chosen = _chosen(form)
    except guard.Refused as exc:
        return await anyio.to_thread.run_sync(functools.partial(
            _page, request, sess, user, status=400, error=f"field_{exc.field}"))
    kept = sess.get("preview") or {}
    try:
        if form.get("action") != "publish":
            return await anyio.to_thread.run_sync(
                _preview, request, sess, user, start, end, industry, chosen)
        if {k: kept.get(k) for k in chosen} != chosen:  # publish only what was previewed
            return await anyio.to_thread.run_sync(functools.partial(
                _page, request, sess, user, status=409, chosen=chosen,
                error="preview_first"))
        plan_id = await anyio.to_thread.run_sync(functools.partial(
            workspace_plans.publish_plan, workspace(), user, start=start, end=end,
            industry=industry, seed=int(kept["seed"])))
    except ApiError as exc:
        return await anyio.to_thread.run_sync(functools.partial(
            _page, request, sess, user, status=exc.status, chosen=chosen,
            error=exc.message))
    sess.pop("preview", None)  # published once: a second click previews again
    response = redirect(request, f"/plans?plan_id={plan_id}&published=1")
    keep(request, response, sess)
    return response


def public_plan(request: Request) -> Response:
    """GET /plans/{plan_id}/public: the 公示 version (dates, firms, inspector names), printable."""
    sess, user = signed_in(request)
    if user is None:
        return redirect(request, "/")
    ws = workspace()
    plan_id = guard.record_id(request.path_params["plan_id"], "plan_id")
    found = plans.get_plan(ws.engine, plan_id)
    if found is None:
        return render(request, "plan_public.html", sess, user, status=404, plan=None, rows=[])
    visits = plans.plan_visits(ws.engine, plan_id)
    if user.towns is not None:
        visits = visits.loc[visits["town_code"].isin(user.towns)]
    rows = planning.public_records(visits, ws.loaded().sources.tables)
    return render(request, "plan_public.html", sess, user, plan=found, rows=rows)
