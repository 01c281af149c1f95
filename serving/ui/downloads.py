"""Downloads: the queue (its current filters, every page, the user's towns only) and a plan,
as .xlsx or CSV in the page's language (`serving.batch.exports`): translated headers and
values, probabilities as percentages, the run's as-of date, the filters and the disclaimer at
the top, decisions with their reasons. Each download is audited as "export"."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import PurePosixPath
from typing import Any

from sqlalchemy import Engine
from starlette.requests import Request
from starlette.responses import Response

from serving.batch.exports import MEDIA_TYPES, Column, Sheet, sheets_bytes
from serving.store import decisions, plans, runs
from serving.store.unplaced import plan_unplaced
from serving.store.users import User, audit
from serving.ui import guard, i18n
from serving.ui.plans_page import PLAN_COLUMNS, plan_table, unplaced_rows
from serving.ui.web import (
    choices,
    lang_of,
    local_time,
    queue_filters,
    reason_text,
    redirect,
    signed_in,
)
from serving.ui.web import workspace as workspace_of

# (column, width, a share shown as a percentage)
QUEUE_LAYOUT = (("uscc", 22, False), ("name", 32, False), ("industry", 10, False),
                ("town_code", 15, False), ("town", 12, False), ("probability", 10, True),
                ("tier", 6, False), ("top_reason", 40, False), ("decision", 10, False),
                ("reason", 30, False), ("decided_by", 12, False), ("decided_at", 17, False))
QUEUE_COLUMNS = tuple(key for key, _, _ in QUEUE_LAYOUT)
PLAN_LAYOUT = (("inspector_id", 14), ("inspector", 10), ("date", 12), ("uscc", 22),
               ("name", 32), ("industry", 10), ("town_code", 15), ("town", 12), ("kind", 10),
               ("result", 10), ("inspected_on", 12), ("note", 40), ("recorded_by", 12))
MAX_ROWS = 1_000_000


def _head(t: Any, what: str, as_of: str, filters: str) -> list[tuple[str, str]]:
    now = local_time(datetime.now(UTC))
    return [(t("export_of"), what), (t("as_of"), as_of), (t("filters_used"), filters),
            (t("exported_at"), now), (t("notice_label"), t("disclaimer"))]


def _described(t: Any, lang: str, filters: dict[str, str | None], highest_first: bool,
               user: User) -> str:
    names = choices()
    words = []
    if filters["industry"]:
        industry = filters["industry"]
        shown = names["industries"].get(industry, industry) if lang == "zh" else industry
        words.append(f"{t('industry')}: {shown}")
    if filters["town_code"]:
        words.append(f"{t('town')}: {names['towns'].get(filters['town_code'], '')}")
    if filters["tier"]:
        words.append(f"{t('tier')}: {filters['tier']}")
    if filters["decision"]:
        words.append(f"{t('decision')}: {t('decision_' + filters['decision'])}")
    if filters["search"]:
        words.append(f"{t('search')}: {filters['search']}")
    if user.towns is not None:
        words.append(t("own_towns"))
    words.append(t("highest") if highest_first else t("lowest"))
    return "; ".join(words) if len(words) > 1 else f"{t('all')}; {words[0]}"


def queue_sheet(engine: Engine, run: runs.Run | None, user: User,
                filters: dict[str, str | None], highest_first: bool, lang: str) -> Sheet:
    """The queue as the page shows it with these filters, every page, as one sheet."""
    t = i18n.translator(lang)
    rows: list[dict[str, Any]] = []
    if run is not None and (filters["town_code"] is None
                            or user.can_see_town(filters["town_code"])):
        rows, _ = decisions.review_queue(
            engine, run.id, industry=filters["industry"], town_code=filters["town_code"],
            tier=filters["tier"], search=filters["search"], decision=filters["decision"],
            towns=user.towns, highest_first=highest_first, limit=MAX_ROWS)
    industries, towns = choices()["industries"], choices()["towns"]
    decided = {d: t(f"decision_{d}") for d in ("confirm", "dismiss", "escalate")}
    table = [(r["uscc"], r["name"],
              industries.get(r["industry"], r["industry"]) if lang == "zh" else r["industry"],
              r["town_code"], towns.get(str(r["town_code"]), ""), float(r["probability"]),
              r["tier"], reason_text((r["reasons"] or [None])[0], lang),
              decided.get(r["decision"], t("decision_undecided")), r["reason"],
              r["decided_by"], local_time(r["decided_at"]) or None) for r in rows]
    columns = [Column(t(f"col_{key}"), width, share) for key, width, share in QUEUE_LAYOUT]
    as_of = f"{run.as_of:%Y-%m-%d}" if run is not None else t("no_run")
    return Sheet(t("queue"), columns, table,
                 _head(t, t("queue"), as_of, _described(t, lang, filters, highest_first, user)))


def plan_sheet(request: Request, user: User, plan_id: int, found: dict[str, Any]) -> Sheet:
    """The plan's visits the user may see, by inspector and day, as one sheet."""
    lang, ws = lang_of(request), workspace_of()
    t = i18n.translator(lang)
    frame = plan_table(ws, user, plan_id)
    industries = choices()["industries"]
    frame["industry"] = frame["industry"].map(
        lambda k: industries.get(k, k) if lang == "zh" and k else k)
    frame["kind"] = frame["kind"].map(lambda k: t(f"kind_{k}") if k else k)
    frame["result"] = frame["result"].map(lambda k: t(k) if k else k)
    for day in ("date", "inspected_on"):
        frame[day] = frame[day].map(lambda d: None if d is None else str(d)[:10])
    keys = [key for key, _ in PLAN_LAYOUT]
    table = list(frame[keys].itertuples(index=False, name=None))
    run = ws.latest_run()
    what = t("plan_no", plan_id=plan_id, start=found["start"], end=found["end"])
    towns = t("own_towns") if user.towns is not None else t("all")
    return Sheet(f"{t('plans')} {plan_id}",
                 [Column(t(f"col_{key}"), width) for key, width in PLAN_LAYOUT], table,
                 _head(t, what, f"{run.as_of:%Y-%m-%d}" if run else t("no_run"), towns))


def unplaced_sheet(request: Request, user: User, plan_id: int) -> Sheet:
    """The plan's wanted visits it could not place, each with its reason, as a sheet."""
    lang, ws = lang_of(request), workspace_of()
    t = i18n.translator(lang)
    rows = unplaced_rows(ws, user, plan_unplaced(ws.engine, plan_id))
    table = [(r["uscc"], r["name"], r["town"] or r["town_code"], t(f"kind_{r['kind']}"),
              t("kind_confirmed") if r["confirmed"] else "", t(f"reason_{r['reason']}"))
             for r in rows]
    columns = [Column(t("col_uscc"), 22), Column(t("col_name"), 32), Column(t("town"), 12),
               Column(t("kind"), 10), Column(t("kind_confirmed"), 12), Column(t("reason"), 40)]
    return Sheet(t("unplaced")[:31], columns, table)


def _download(request: Request, user: User, name: str, sheet: Sheet,
              suffix: str, *more: Sheet) -> Response:
    audit(workspace_of().engine, user.name, "export", name, {"rows": len(sheet.rows),
                                                              **dict(request.query_params)})
    return Response(sheets_bytes([sheet, *more], suffix), media_type=MEDIA_TYPES[suffix],
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def queue_export(request: Request) -> Response:
    """GET /queue.xlsx and /queue.csv."""
    _, user = signed_in(request)
    if user is None:
        return redirect(request, "/")
    ws, suffix = workspace_of(), PurePosixPath(request.url.path).suffix
    filters, highest_first = queue_filters(request)
    sheet = queue_sheet(ws.engine, ws.latest_run(), user, filters, highest_first,
                        lang_of(request))
    return _download(request, user, f"queue{suffix}", sheet, suffix)


def plan_export(request: Request) -> Response:
    """GET /plan/{plan_id}.xlsx and .csv: the visits the user may see, by inspector and day
    (and in .xlsx a second sheet: the visits not placed, with their reasons)."""
    _, user = signed_in(request)
    if user is None:
        return redirect(request, "/")
    ws = workspace_of()
    plan_id = guard.record_id(request.path_params["plan_id"], "plan_id")
    found = plans.get_plan(ws.engine, plan_id)
    if found is None:
        return Response(f"404: no plan {plan_id}", status_code=404,
                        media_type="text/plain; charset=utf-8")
    suffix = PurePosixPath(request.url.path).suffix
    return _download(request, user, f"plan-{plan_id}{suffix}",
                     plan_sheet(request, user, plan_id, found), suffix,
                     unplaced_sheet(request, user, plan_id))


__all__ = ["PLAN_COLUMNS", "QUEUE_COLUMNS", "plan_export", "queue_export", "queue_sheet"]
