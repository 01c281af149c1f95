"""Downloads: the queue (its current filters, every page, the user's towns only) and a plan,
as .xlsx or CSV (`serving.exports.table_bytes`); each download is audited as "export"."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

import pandas as pd
from starlette.requests import Request
from starlette.responses import Response

from serving.batch.exports import MEDIA_TYPES, table_bytes
from serving.store import decisions, plans
from serving.store.users import User, audit
from serving.ui import guard
from serving.ui.plans_page import PLAN_COLUMNS, plan_table
from serving.ui.web import choices, lang_of, queue_filters, reason_text, redirect, signed_in
from serving.ui.web import workspace as workspace_of

QUEUE_COLUMNS = ("uscc", "name", "industry", "town_code", "town", "probability", "tier",
                 "top_reason", "decision", "decided_by")
MAX_ROWS = 1_000_000


def queue_frame(request: Request, user: User) -> pd.DataFrame:
    """The queue as the page shows it with the request's filters, all pages."""
    ws = workspace_of()
    filters, highest_first = queue_filters(request)
    run = ws.latest_run()
    rows: list[dict[str, Any]] = []
    if run is not None and (filters["town_code"] is None
                            or user.can_see_town(filters["town_code"])):
        rows, _ = decisions.review_queue(
            ws.engine, run.id, industry=filters["industry"], town_code=filters["town_code"],
            tier=filters["tier"], towns=user.towns, highest_first=highest_first,
            limit=MAX_ROWS)
    lang, town_names = lang_of(request), choices()["towns"]
    records = [{**row, "town": town_names.get(str(row["town_code"]), ""),
                "top_reason": reason_text((row["reasons"] or [None])[0], lang)}
               for row in rows]
    return pd.DataFrame(records, columns=list(QUEUE_COLUMNS))


def _download(request: Request, user: User, name: str, sheet: str, frame: pd.DataFrame,
              suffix: str) -> Response:
    audit(workspace_of().engine, user.name, "export", name, {"rows": len(frame),
                                                              **dict(request.query_params)})
    return Response(table_bytes({sheet: frame}, suffix), media_type=MEDIA_TYPES[suffix],
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def queue_export(request: Request) -> Response:
    """GET /queue.xlsx and /queue.csv."""
    _, user = signed_in(request)
    if user is None:
        return redirect(request, "/")
    suffix = PurePosixPath(request.url.path).suffix
    return _download(request, user, f"queue{suffix}", "queue", queue_frame(request, user),
                     suffix)


def plan_export(request: Request) -> Response:
    """GET /plan/{plan_id}.xlsx and .csv: the visits the user may see, by inspector and day."""
    _, user = signed_in(request)
    if user is None:
        return redirect(request, "/")
    ws = workspace_of()
    plan_id = guard.record_id(request.path_params["plan_id"], "plan_id")
    if plans.get_plan(ws.engine, plan_id) is None:
        return Response(f"404: no plan {plan_id}", status_code=404,
                        media_type="text/plain; charset=utf-8")
    frame = plan_table(ws, user, plan_id).drop(columns=["lead"])
    suffix = PurePosixPath(request.url.path).suffix
    return _download(request, user, f"plan-{plan_id}{suffix}", f"plan {plan_id}", frame,
                     suffix)


__all__ = ["PLAN_COLUMNS", "QUEUE_COLUMNS", "plan_export", "queue_export", "queue_frame"]
