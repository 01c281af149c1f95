"""The review workspace: a Starlette app the service mounts at /ui (`@bentoml.asgi_app`).

Pages are rendered on the server (Jinja2, inline SVG charts, one local stylesheet). Sign-in
takes a token from `riskwarn users add` and opens a cookie session (`serving.ui.session`);
every page but the sign-in form needs one, and every form carries a CSRF token. The pages
read through the service's own Workspace, which `RiskWarn.__init__` registers here.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import anyio
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from features.triggers import RULES
from serving.store import decisions, trigger_warnings
from serving.store.unplaced import latest_unplaced
from serving.store.users import User, audit, hash_token, role_allows, user_for_token
from serving.ui import (
    charts,
    downloads,
    guard,
    i18n,
    models_page,
    operations_page,
    overview,
    planning_page,
    plans_page,
    reports_page,
    session,
)
from serving.ui.decision_form import decision_form
from serving.ui.headers import SecurityHeaders
from serving.ui.web import (
    DECISION_FILTERS,
    HERE,
    TIERS,
    form_of,
    keep,
    lang_of,
    queue_filters,
    reason_text,
    redirect,
    register,
    render,
    signed_in,
    workspace,
)
from serving.workspace import review as review_api
from serving.workspace.scores import ApiError

__all__ = ["app", "register"]

PAGE_ROWS = 25


# -- sign-in ---------------------------------------------------------------------------------
def sign_in_form(request: Request) -> Response:
    sess, user = signed_in(request)
    if user is not None:
        return redirect(request, "/queue")
    return render(request, "signin.html", sess)


async def sign_in(request: Request) -> Response:
    sess, _, form = await form_of(request)
    token = str(form.get("token") or "").strip()
    engine = workspace().engine
    user = await anyio.to_thread.run_sync(user_for_token, engine, token) if token else None
    if user is None:
        await anyio.to_thread.run_sync(audit, engine, None, "ui sign-in refused")
        return render(request, "signin.html", sess, status=401, error="bad_token")
    await anyio.to_thread.run_sync(audit, engine, user.name, "ui sign-in")
    response = redirect(request, "/queue")
    keep(request, response, session.new_session(user, hash_token(token)))
    return response


async def sign_out(request: Request) -> Response:
    await form_of(request)
    response = redirect(request, "/")
    response.delete_cookie(session.COOKIE, path=request.scope.get("root_path", "") or "/")
    return response


# -- queue -----------------------------------------------------------------------------------
def queue(request: Request) -> Response:
    sess, user = signed_in(request)
    if user is None:
        return redirect(request, "/")
    q = request.query_params
    filters, highest_first = queue_filters(request)
    page = guard.page(q.get("page"))
    ws = workspace()
    run = ws.latest_run()
    rows: list[dict[str, Any]] = []
    total = 0
    if run is not None and (filters["town_code"] is None
                            or user.can_see_town(filters["town_code"])):
        rows, total = decisions.review_queue(
            ws.engine, run.id, **filters, towns=user.towns, highest_first=highest_first,
            limit=PAGE_ROWS, offset=(page - 1) * PAGE_ROWS)
    for row in rows:
        row["top_reason"] = reason_text((row["reasons"] or [None])[0], lang_of(request))
    return render(request, "queue.html", sess, user, run=run, rows=rows, total=total,
                   page=page, pages=max(math.ceil(total / PAGE_ROWS), 1), filters=filters,
                   sort="desc" if highest_first else "asc", tiers=TIERS,
                   decision_filters=DECISION_FILTERS)


def trigger_queue(request: Request) -> Response:
    """The open trigger warnings in the user's towns, newest first, filtered by rule and town."""
    sess, user = signed_in(request)
    if user is None:
        return redirect(request, "/")
    q = request.query_params
    filters = {"rule": q.get("rule") if q.get("rule") in RULES else None,
               "town_code": q.get("town_code") or None}
    page = guard.page(q.get("page"))
    rows: list[dict[str, Any]] = []
    total = 0
    if filters["town_code"] is None or user.can_see_town(filters["town_code"]):
        rows, total = trigger_warnings.trigger_page(
            workspace().engine, **filters, towns=user.towns, limit=PAGE_ROWS,
            offset=(page - 1) * PAGE_ROWS)
    return render(request, "trigger_queue.html", sess, user, rows=rows, total=total, page=page,
                  pages=max(math.ceil(total / PAGE_ROWS), 1), filters=filters, rules=RULES)


# -- firm ------------------------------------------------------------------------------------
def _firm_page(request: Request, sess: dict[str, Any], user: User, uscc: str,
               status: int = 200, **context: Any) -> Response:
    ws = workspace()
    try:
        firm = ws.firm(user, uscc)
    except ApiError as exc:
        return render(request, "error.html", sess, user, status=exc.status,
                       message=exc.message)
    run = ws.latest_run()
    first = decisions.decision_for(ws.engine, run.id, uscc) if run else None
    # a confirmed firm the newest plan wanting it could not place: said to the officer
    missed = latest_unplaced(ws.engine, uscc) if first and first["decision"] == "confirm" \
        else None
    current, lang = firm["current"], lang_of(request)
    reason_chart = history_chart = None
    if current and current["reasons"]:
        reasons = current["reasons"]
        shown = [r for r in reasons if r.get("effect_pp") is not None]
        reason_chart = charts.bar_chart([str(reason_text(r, lang)) for r in shown],
                                        [float(r["effect_pp"]) for r in shown],
                                        i18n.translator(lang)("reasons_chart"), unit="pp")
    if firm["history"]:
        history_chart = charts.line_chart([h["as_of"] for h in firm["history"]],
                                          [float(h["probability"]) for h in firm["history"]],
                                          "history")
    return render(request, "firm.html", sess, user, status=status, firm=firm, first=first,
                  unplaced=missed, meaning=i18n.meaning_of(firm.get("industry"), lang),
                  triggers=trigger_warnings.for_firm(ws.engine, uscc),
                  reason_chart=reason_chart, history_chart=history_chart,
                  may_decide=role_allows(user.role, "officer"),
                  dismiss_reasons=i18n.DISMISS_REASONS, **context)


def firm_page(request: Request) -> Response:
    sess, user = signed_in(request)
    if user is None:
        return redirect(request, "/")
    done = "recorded" if request.query_params.get("done") else None
    return _firm_page(request, sess, user, request.path_params["uscc"], notice=done)


FIELD_ERRORS = {"reason": "dismiss_needs_reason", "decision": "pick_decision"}  # i18n keys


async def decide(request: Request) -> Response:
    sess, user, form = await form_of(request)
    if user is None:
        return redirect(request, "/")
    uscc = request.path_params["uscc"]
    page = functools.partial(_firm_page, request, sess, user, uscc)
    if not role_allows(user.role, "officer"):
        return await anyio.to_thread.run_sync(functools.partial(page, status=403,
                                                                error="officer_only"))
    fields, reason, problem = decision_form(form)
    if problem is None and fields["decision"] == "dismiss" and reason is None:
        problem = "dismiss_needs_reason"
    if problem is not None:
        return await anyio.to_thread.run_sync(functools.partial(page, status=400,
                                                                error=problem, form=fields))
    try:
        await anyio.to_thread.run_sync(functools.partial(
            review_api.decide, workspace(), user, uscc=uscc,
            decision=fields["decision"] or "", reason=reason, note=fields["note"]))
    except ApiError as exc:  # 409: the page shows the first decision
        error = None if exc.status == 409 else FIELD_ERRORS.get(exc.field or "", exc.message)
        return await anyio.to_thread.run_sync(functools.partial(
            page, status=exc.status, error=error, form=fields))
    return redirect(request, f"/firm/{uscc}?done=1")


async def decide_trigger(request: Request) -> Response:
    """An officer's decision on one of the firm's open trigger warnings."""
    sess, user, form = await form_of(request)
    if user is None:
        return redirect(request, "/")
    uscc, warning_id = request.path_params["uscc"], request.path_params["warning_id"]
    page = functools.partial(_firm_page, request, sess, user, uscc)
    if not role_allows(user.role, "officer"):
        return await anyio.to_thread.run_sync(functools.partial(page, status=403,
                                                                error="officer_only"))
    fields, reason, problem = decision_form(form)
    try:
        if problem is not None:
            raise ApiError(400, problem, "reason")
        await anyio.to_thread.run_sync(functools.partial(
            review_api.decide_trigger, workspace(), user, uscc=uscc, trigger_id=warning_id,
            decision=fields["decision"] or "", reason=reason, note=fields["note"]))
    except ApiError as exc:
        error = None if exc.status == 409 else FIELD_ERRORS.get(exc.field or "", exc.message)
        return await anyio.to_thread.run_sync(functools.partial(
            page, status=exc.status, error=error))
    return redirect(request, f"/firm/{uscc}?done=1#trigger-{warning_id}")


async def refused(request: Request, exc: Exception) -> Response:
    """Errors as a short page (no session needed)."""
    assert isinstance(exc, HTTPException)
    return Response(f"{exc.status_code}: {exc.detail}", status_code=exc.status_code,
                    media_type="text/plain; charset=utf-8")


async def out_of_range(request: Request, exc: Exception) -> Response:
    """A number or date past its bounds: the error page, naming the field (400)."""
    assert isinstance(exc, guard.Refused)
    sess, user = await anyio.to_thread.run_sync(signed_in, request)
    t = i18n.translator(lang_of(request))
    message = t("out_of_range", label=t(f"field_{exc.field}"), field=exc.field,
                why=exc.message)
    return render(request, "error.html", sess, user, status=400, message=message,
                  field=exc.field)


app = Starlette(routes=[
    Route("/", sign_in_form, methods=["GET"]),
    Route("/signin", sign_in, methods=["POST"]),
    Route("/signout", sign_out, methods=["POST"]),
    Route("/overview", overview.overview_page, methods=["GET"]),
    Route("/queue", queue, methods=["GET"]),
    Route("/triggers", trigger_queue, methods=["GET"]),
    Route("/queue.xlsx", downloads.queue_export, methods=["GET"]),
    Route("/queue.csv", downloads.queue_export, methods=["GET"]),
    Route("/firm/{uscc}", firm_page, methods=["GET"]),
    Route("/firm/{uscc}/decision", decide, methods=["POST"]),
    Route("/firm/{uscc}/trigger/{warning_id:int}/decision", decide_trigger, methods=["POST"]),
    Route("/plans", plans_page.plans_page, methods=["GET"]),
    Route("/plans/new", planning_page.new_plan, methods=["GET"]),
    Route("/plans/new", planning_page.plan_action, methods=["POST"]),
    Route("/plans/{plan_id:int}/public", planning_page.public_plan, methods=["GET"]),
    Route("/plans/{plan_id:int}/{uscc}/outcome", plans_page.record, methods=["POST"]),
    Route("/plan/{plan_id:int}.xlsx", downloads.plan_export, methods=["GET"]),
    Route("/plan/{plan_id:int}.csv", downloads.plan_export, methods=["GET"]),
    Route("/models", models_page.models_page, methods=["GET"]),
    Route("/operations", operations_page.operations_page, methods=["GET"]),
    Route("/reports", reports_page.reports_page, methods=["GET"]),
    Route("/reports/monthly/{name}", reports_page.monthly_download, methods=["GET"]),
    Route("/drift/{run_id:int}.html", models_page.drift_report, methods=["GET"]),
    Route("/models/{industry}/{alias}/{name}.png", models_page.picture_file, methods=["GET"]),
    # check_dir=False: a Bento without the UI's files still serves the API
    Mount("/static", StaticFiles(directory=HERE / "static", check_dir=False), name="static"),
], exception_handlers={HTTPException: refused, guard.Refused: out_of_range},
    middleware=[Middleware(SecurityHeaders)])
