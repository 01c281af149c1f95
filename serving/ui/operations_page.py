"""The operations page (admins): every attempt of each `riskwarn nightly` step, newest first.
Every page's banner (`failing_jobs`) comes from the same table, through `web.render`."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from serving.store import jobs
from serving.store.users import role_allows
from serving.ui.web import redirect, render, signed_in, workspace

SHOWN = 200


def summary(detail: dict[str, Any] | None) -> str:
    """What a step did, as `key value` pairs (nested values left out)."""
    return ", ".join(f"{k} {v}" for k, v in (detail or {}).items()
                     if not isinstance(v, dict | list))


def operations_page(request: Request) -> Response:
    sess, user = signed_in(request)
    if user is None:
        return redirect(request, "/")
    if not role_allows(user.role, "admin"):
        return render(request, "error.html", sess, user, status=403,
                      message=_words(request)("admin_only"))
    rows = [{**r, "summary": summary(r["detail"])} for r in jobs.recent(workspace().engine,
                                                                          SHOWN)]
    return render(request, "operations.html", sess, user, rows=rows)


def _words(request: Request) -> Any:
    from serving.ui.i18n import translator
    from serving.ui.web import lang_of

    return translator(lang_of(request))
