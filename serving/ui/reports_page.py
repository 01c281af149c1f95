"""The monthly report in the workspace: a page listing the months with a scoring run, each
with its PDF and Excel download; viewers and up, each user's rows only for their towns (a user
with towns gets a report of those towns, built on request; everyone else the file nightly wrote
for the month, when there is one). Each download is audited as "export"."""

from __future__ import annotations

from pathlib import PurePosixPath

from starlette.requests import Request
from starlette.responses import Response

from serving.batch.monthly import parse_month
from serving.batch.monthly_io import report_months, stored_or_built
from serving.batch.monthly_render import MEDIA_TYPES
from serving.store.users import audit, role_allows
from serving.ui import guard
from serving.ui.web import redirect, render, signed_in, workspace


def reports_page(request: Request) -> Response:
    """GET /reports"""
    sess, user = signed_in(request)
    if user is None:
        return redirect(request, "/")
    return render(request, "reports.html", sess, user,
                  months=report_months(workspace().engine))


def monthly_download(request: Request) -> Response:
    """GET /reports/monthly/{YYYY-MM}.pdf and .xlsx"""
    _, user = signed_in(request)
    if user is None:
        return redirect(request, "/")
    if not role_allows(user.role, "viewer"):
        return Response("403: viewers and up", status_code=403,
                        media_type="text/plain; charset=utf-8")
    name = PurePosixPath(request.path_params["name"])
    if name.suffix not in MEDIA_TYPES:
        return Response("404: a report is .pdf or .xlsx", status_code=404,
                        media_type="text/plain; charset=utf-8")
    try:
        month = parse_month(name.stem)
    except ValueError as exc:
        raise guard.Refused("month", "must be written YYYY-MM") from exc
    engine = workspace().engine
    towns = sorted(user.towns) if user.towns is not None else None
    try:
        data = stored_or_built(engine, month, name.suffix, towns)
    except LookupError:
        return Response("404: no scoring run yet", status_code=404,
                        media_type="text/plain; charset=utf-8")
    audit(engine, user.name, "export", f"report-{name}", {"towns": towns})
    return Response(data, media_type=MEDIA_TYPES[name.suffix], headers={
        "Content-Disposition": f'attachment; filename="report-{month.label}{name.suffix}"'})
