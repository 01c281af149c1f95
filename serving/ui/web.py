"""What every page of the review workspace shares: the registered Workspace, rendering in the
request's language with the session cookie (re)set, sign-in lookup and CSRF-checked forms."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import anyio
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.templating import Jinja2Templates

from features.industries import default_config
from features.settings import TIMEZONE
from features.towns import towns
from serving.store import jobs
from serving.store.users import User
from serving.ui import guard, i18n, session
from serving.workspace.scores import Workspace

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")
_registered: dict[str, Workspace] = {}


def register(workspace: Workspace) -> None:
    """Called by the service at start: the pages answer from its Workspace."""
    _registered["workspace"] = workspace


def workspace() -> Workspace:
    if "workspace" not in _registered:
        raise HTTPException(503, "the service is starting")
    return _registered["workspace"]


@cache
def choices() -> dict[str, dict[str, str]]:
    industries = {k: v.name_zh for k, v in default_config().industries.items()}
    frame = towns()
    return {"industries": industries,
            "towns": dict(zip(frame["town_code"], frame["name"], strict=True))}


def lang_of(request: Request) -> str:
    return i18n.pick(request.query_params.get("lang"), request.cookies.get(i18n.COOKIE))


def render(request: Request, name: str, sess: dict[str, Any], user: User | None = None,
           status: int = 200, **context: Any) -> Response:
    """A page in the request's language, with the session cookie (re)set."""
    lang = lang_of(request)
    response = templates.TemplateResponse(request, name, status_code=status, context={
        "t": i18n.translator(lang), "lang": lang, "base": request.scope.get("root_path", ""),
        "csrf": sess["csrf"], "user": user, "choices": choices(),
        "failing_jobs": failing_jobs() if user is not None else [], **context})
    keep(request, response, sess)
    if request.query_params.get("lang") in i18n.LANGS:
        response.set_cookie(i18n.COOKIE, lang, max_age=365 * 86400, samesite="strict",
                            httponly=True, secure=request.url.scheme == "https")
    return response


def failing_jobs() -> list[dict[str, Any]]:
    """Nightly steps whose latest attempt failed: the banner on every page."""
    return jobs.failing(workspace().engine)


def keep(request: Request, response: Response, sess: dict[str, Any]) -> None:
    response.set_cookie(session.COOKIE, session.dump(sess), max_age=session.MAX_AGE_SECONDS,
                        httponly=True, samesite="strict", secure=request.url.scheme == "https",
                        path=request.scope.get("root_path", "") or "/")


def redirect(request: Request, where: str) -> RedirectResponse:
    return RedirectResponse(request.scope.get("root_path", "") + where, status_code=303)


def signed_in(request: Request) -> tuple[dict[str, Any], User | None]:
    """The request's session (a new anonymous one if it has none) and its user, if any."""
    sess = session.load(request.cookies.get(session.COOKIE)) or session.new_session()
    return sess, session.session_user(workspace().engine, sess)


async def form_of(request: Request) -> tuple[dict[str, Any], User | None, FormData]:
    """A POSTed form and its session; 403 unless the form's CSRF token matches."""
    form = await request.form()
    sess, user = await anyio.to_thread.run_sync(signed_in, request)
    if not session.csrf_ok(sess, form.get("csrf")):
        raise HTTPException(403, "missing or wrong CSRF token")
    return sess, user, form


TIERS = ("A", "B", "C", "D")


DECISION_FILTERS = ("undecided", "confirm", "dismiss", "escalate")
MAX_SEARCH = 64


def queue_filters(request: Request) -> tuple[dict[str, str | None], bool]:
    """The queue's filters (industry, town_code, tier, search by name or credit code,
    decision) and sort from the query string."""
    q = request.query_params
    search = (q.get("search") or "").strip()
    if len(search) > MAX_SEARCH:
        raise guard.Refused("search", f"at most {MAX_SEARCH} characters")
    filters = {"industry": q.get("industry") or None, "town_code": q.get("town_code") or None,
               "tier": q.get("tier") if q.get("tier") in TIERS else None,
               "search": search or None,
               "decision": q.get("decision") if q.get("decision") in DECISION_FILTERS
               else None}
    return filters, q.get("sort") != "asc"


def local_time(value: datetime | None) -> str:
    """A stored time (naive = UTC) in the bureau's zone (`features.settings.TIMEZONE`)."""
    if value is None:
        return ""
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return f"{aware.astimezone(TIMEZONE):%Y-%m-%d %H:%M}"


templates.env.filters["local_time"] = local_time


def reason_text(reason: dict[str, Any] | None, lang: str) -> str | None:
    """A reason code's words in `lang` (Chinese when there is no English)."""
    if not reason:
        return None
    return str(reason["text_zh"] if lang == "zh" else reason.get("text_en") or reason["text_zh"])
