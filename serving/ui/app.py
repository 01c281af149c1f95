"""The review workspace: a Starlette app the service mounts at /ui (`@bentoml.asgi_app`).

Pages are rendered on the server (Jinja2, inline SVG charts, one local stylesheet). Sign-in
takes a token from `riskwarn users add` and opens a cookie session (`serving.ui.session`);
every page but the sign-in form needs one, and every form carries a CSRF token. The pages
read through the service's own Workspace, which `RiskWarn.__init__` registers here.
"""

from __future__ import annotations

import functools
import math
from functools import cache
from pathlib import Path
from typing import Any

import anyio
from starlette.applications import Starlette
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from features.industries import default_config
from features.towns import towns
from serving import workspace_review as review_api
from serving.store import decisions
from serving.store.users import User, audit, hash_token, role_allows, user_for_token
from serving.ui import charts, i18n, session
from serving.workspace import ApiError, Workspace

HERE = Path(__file__).parent
PAGE_ROWS = 25
TIERS = ("A", "B", "C", "D")
templates = Jinja2Templates(directory=HERE / "templates")
_registered: dict[str, Workspace] = {}


def register(workspace: Workspace) -> None:
    """Called by the service at start: the pages answer from its Workspace."""
    _registered["workspace"] = workspace


def _workspace() -> Workspace:
    if "workspace" not in _registered:
        raise HTTPException(503, "the service is starting")
    return _registered["workspace"]


@cache
def _choices() -> dict[str, dict[str, str]]:
    industries = {k: v.name_zh for k, v in default_config().industries.items()}
    frame = towns()
    return {"industries": industries,
            "towns": dict(zip(frame["town_code"], frame["name"], strict=True))}


# -- rendering -------------------------------------------------------------------------------
def _render(request: Request, name: str, sess: dict[str, Any], user: User | None = None,
            status: int = 200, **context: Any) -> Response:
    """A page in the request's language, with the session cookie (re)set."""
    lang = i18n.pick(request.query_params.get("lang"), request.cookies.get(i18n.COOKIE))
    response = templates.TemplateResponse(request, name, status_code=status, context={
        "t": i18n.translator(lang), "lang": lang, "base": request.scope.get("root_path", ""),
        "csrf": sess["csrf"], "user": user, "choices": _choices(), **context})
    _keep(request, response, sess)
    if request.query_params.get("lang") in i18n.LANGS:
        response.set_cookie(i18n.COOKIE, lang, max_age=365 * 86400, samesite="strict",
                            httponly=True, secure=request.url.scheme == "https")
    return response


def _keep(request: Request, response: Response, sess: dict[str, Any]) -> None:
    response.set_cookie(session.COOKIE, session.dump(sess), max_age=session.MAX_AGE_SECONDS,
                        httponly=True, samesite="strict", secure=request.url.scheme == "https",
                        path=request.scope.get("root_path", "") or "/")


def _redirect(request: Request, where: str) -> RedirectResponse:
    return RedirectResponse(request.scope.get("root_path", "") + where, status_code=303)


def _signed_in(request: Request) -> tuple[dict[str, Any], User | None]:
    """The request's session (a new anonymous one if it has none) and its user, if any."""
    sess = session.load(request.cookies.get(session.COOKIE)) or session.new_session()
    return sess, session.session_user(_workspace().engine, sess)


async def _form(request: Request) -> tuple[dict[str, Any], User | None, FormData]:
    """A POSTed form and its session; 403 unless the form's CSRF token matches."""
    form = await request.form()
    sess, user = await anyio.to_thread.run_sync(_signed_in, request)
    if not session.csrf_ok(sess, form.get("csrf")):
        raise HTTPException(403, "missing or wrong CSRF token")
    return sess, user, form


# -- sign-in ---------------------------------------------------------------------------------
def sign_in_form(request: Request) -> Response:
    sess, user = _signed_in(request)
    if user is not None:
        return _redirect(request, "/queue")
    return _render(request, "signin.html", sess)


async def sign_in(request: Request) -> Response:
    sess, _, form = await _form(request)
    token = str(form.get("token") or "").strip()
    engine = _workspace().engine
    user = await anyio.to_thread.run_sync(user_for_token, engine, token) if token else None
    if user is None:
        await anyio.to_thread.run_sync(audit, engine, None, "ui sign-in refused")
        return _render(request, "signin.html", sess, status=401, error="bad_token")
    await anyio.to_thread.run_sync(audit, engine, user.name, "ui sign-in")
    response = _redirect(request, "/queue")
    _keep(request, response, session.new_session(user, hash_token(token)))
    return response


async def sign_out(request: Request) -> Response:
    await _form(request)
    response = _redirect(request, "/")
    response.delete_cookie(session.COOKIE, path=request.scope.get("root_path", "") or "/")
    return response


# -- queue -----------------------------------------------------------------------------------
def queue(request: Request) -> Response:
    sess, user = _signed_in(request)
    if user is None:
        return _redirect(request, "/")
    q = request.query_params
    filters = {"industry": q.get("industry") or None, "town_code": q.get("town_code") or None,
               "tier": q.get("tier") if q.get("tier") in TIERS else None}
    highest_first = q.get("sort") != "asc"
    page = int(q["page"]) if q.get("page", "").isdigit() and int(q["page"]) > 0 else 1
    ws = _workspace()
    run = ws.latest_run()
    rows: list[dict[str, Any]] = []
    total = 0
    if run is not None and (filters["town_code"] is None
                            or user.can_see_town(filters["town_code"])):
        rows, total = decisions.review_queue(
            ws.engine, run.id, **filters, towns=user.towns, highest_first=highest_first,
            limit=PAGE_ROWS, offset=(page - 1) * PAGE_ROWS)
    for row in rows:
        top = (row["reasons"] or [None])[0]
        row["top_reason"] = top and (top["text_zh"] if _lang(request) == "zh"
                                     else top.get("text_en") or top["text_zh"])
    return _render(request, "queue.html", sess, user, run=run, rows=rows, total=total,
                   page=page, pages=max(math.ceil(total / PAGE_ROWS), 1), filters=filters,
                   sort="desc" if highest_first else "asc", tiers=TIERS)


def _lang(request: Request) -> str:
    return i18n.pick(request.query_params.get("lang"), request.cookies.get(i18n.COOKIE))


# -- firm ------------------------------------------------------------------------------------
def _firm_page(request: Request, sess: dict[str, Any], user: User, uscc: str,
               status: int = 200, **context: Any) -> Response:
    ws = _workspace()
    try:
        firm = ws.firm(user, uscc)
    except ApiError as exc:
        return _render(request, "error.html", sess, user, status=exc.status,
                       message=exc.message)
    run = ws.latest_run()
    first = decisions.decision_for(ws.engine, run.id, uscc) if run else None
    current, lang = firm["current"], _lang(request)
    reason_chart = history_chart = None
    if current and current["reasons"]:
        reasons = current["reasons"]
        reason_chart = charts.bar_chart(
            [r["text_zh"] if lang == "zh" else r.get("text_en") or r["text_zh"]
             for r in reasons], [float(r["contribution"]) for r in reasons], "reasons")
    if firm["history"]:
        history_chart = charts.line_chart([h["as_of"] for h in firm["history"]],
                                          [float(h["probability"]) for h in firm["history"]],
                                          "history")
    return _render(request, "firm.html", sess, user, status=status, firm=firm, first=first,
                   reason_chart=reason_chart, history_chart=history_chart,
                   may_decide=role_allows(user.role, "officer"), **context)


def firm_page(request: Request) -> Response:
    sess, user = _signed_in(request)
    if user is None:
        return _redirect(request, "/")
    done = "recorded" if request.query_params.get("done") else None
    return _firm_page(request, sess, user, request.path_params["uscc"], notice=done)


async def decide(request: Request) -> Response:
    sess, user, form = await _form(request)
    if user is None:
        return _redirect(request, "/")
    uscc = request.path_params["uscc"]
    if not role_allows(user.role, "officer"):
        return await anyio.to_thread.run_sync(functools.partial(
            _firm_page, request, sess, user, uscc, status=403, error="officer_only"))
    fields = {k: (str(form.get(k) or "").strip() or None) for k in ("decision", "reason",
                                                                     "note")}
    try:
        await anyio.to_thread.run_sync(functools.partial(
            review_api.decide, _workspace(), user, uscc=uscc,
            decision=fields["decision"] or "", reason=fields["reason"], note=fields["note"]))
    except ApiError as exc:  # 409: the page shows the first decision
        return await anyio.to_thread.run_sync(functools.partial(
            _firm_page, request, sess, user, uscc, status=exc.status,
            error=None if exc.status == 409 else exc.message, form=fields))
    return _redirect(request, f"/firm/{uscc}?done=1")


async def refused(request: Request, exc: Exception) -> Response:
    """Errors as a short page (no session needed)."""
    assert isinstance(exc, HTTPException)
    return Response(f"{exc.status_code}: {exc.detail}", status_code=exc.status_code,
                    media_type="text/plain; charset=utf-8")


app = Starlette(routes=[
    Route("/", sign_in_form, methods=["GET"]),
    Route("/signin", sign_in, methods=["POST"]),
    Route("/signout", sign_out, methods=["POST"]),
    Route("/queue", queue, methods=["GET"]),
    Route("/firm/{uscc}", firm_page, methods=["GET"]),
    Route("/firm/{uscc}/decision", decide, methods=["POST"]),
    # check_dir=False: a Bento without the UI's files still serves the API
    Mount("/static", StaticFiles(directory=HERE / "static", check_dir=False), name="static"),
], exception_handlers={HTTPException: refused})
