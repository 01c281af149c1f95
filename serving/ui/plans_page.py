"""The plans page: a stored inspection plan per inspector by day, and each visit's outcome
(recorded through `serving.workspace_plans.record_outcome`, first outcome kept)."""

from __future__ import annotations

import functools
from typing import Any

import anyio
import pandas as pd
from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import Response

from features.contracts import OUTCOMES
from features.settings import bureau_today
from serving.store import plans
from serving.store.schema import outcomes as outcomes_table
from serving.store.unplaced import plan_unplaced
from serving.store.users import User, role_allows
from serving.ui import guard
from serving.ui.web import choices, form_of, redirect, render, signed_in, workspace
from serving.workspace import plans as workspace_plans
from serving.workspace.scores import ApiError, Workspace

PLAN_COLUMNS = ("inspector_id", "inspector", "date", "uscc", "name", "industry", "town_code",
                "town", "kind", "lead", "result", "inspected_on", "note", "recorded_by")


def _names(ws: Workspace) -> tuple[dict[str, str], dict[str, str]]:
    """(firm names by uscc, inspector names by id) from the sources; empty when unknown."""
    try:
        tables = ws.loaded().sources.tables
    except ApiError:
        return {}, {}
    firms, roster = tables["registrations"], tables["inspectors"]
    return (dict(zip(firms["uscc"], firms["name"], strict=True)),
            dict(zip(roster["inspector_id"], roster["name"], strict=True)))


def _outcomes(ws: Workspace, plan_id: int) -> pd.DataFrame:
    o = outcomes_table.c
    query = select(o.uscc, o.result, o.inspected_on, o.note, o.recorded_by
                   ).where(o.plan_id == plan_id)
    with ws.engine.connect() as connection:
        rows = connection.execute(query).all()
    return pd.DataFrame(rows, columns=["uscc", "result", "inspected_on", "note",
                                       "recorded_by"])


def by_inspector(ws: Workspace, visits: pd.DataFrame) -> pd.DataFrame:
    """One row per inspector and visit, by inspector and day, with names; `lead` marks the
    visit's first inspector."""
    firms, inspectors = _names(ws)
    rows = visits.assign(
        inspector_id=visits["inspector_ids"],
        lead_id=visits["inspector_ids"].map(lambda ids: ids[0] if len(ids) else None),
    ).explode("inspector_id")
    rows = rows.assign(lead=rows["inspector_id"] == rows["lead_id"],
                       inspector=rows["inspector_id"].map(inspectors).fillna(""),
                       name=rows["uscc"].map(firms).fillna(""),
                       town=rows["town_code"].map(choices()["towns"]).fillna(""))
    return rows.sort_values(["inspector_id", "date", "town_code", "uscc"], kind="stable")


def plan_table(ws: Workspace, user: User, plan_id: int) -> pd.DataFrame:
    """The plan's visits the user may see, one row per inspector and visit, by inspector and
    day; `lead` marks the visit's first inspector; recorded outcomes alongside."""
    visits = plans.plan_visits(ws.engine, plan_id)
    if user.towns is not None:
        visits = visits.loc[visits["town_code"].isin(user.towns)]
    rows = by_inspector(ws, visits).merge(_outcomes(ws, plan_id), on="uscc", how="left")
    rows = rows.sort_values(["inspector_id", "date", "town_code", "uscc"], kind="stable")
    return rows[list(PLAN_COLUMNS)].astype(object).where(rows[list(PLAN_COLUMNS)].notna(), None)


def unplaced_rows(ws: Workspace, user: User, unplaced: pd.DataFrame) -> list[dict[str, Any]]:
    """A plan's unplaced visits the user may see, confirmed firms first, with names."""
    if user.towns is not None:
        unplaced = unplaced.loc[unplaced["town_code"].isin(user.towns)]
    firms, _ = _names(ws)
    shown = unplaced.assign(name=unplaced["uscc"].map(firms).fillna(""),
                            town=unplaced["town_code"].map(choices()["towns"]).fillna(""))
    shown = shown.sort_values(["confirmed", "kind", "probability"], ascending=[False, True,
                                                                               False])
    return [{str(k): v for k, v in r.items()} for r in shown.to_dict("records")]


def chosen_plan(ws: Workspace, request: Request) -> int | None:
    """`?plan_id=` when it names a stored plan, else the latest plan (None before the first)."""
    asked = request.query_params.get("plan_id", "")
    if asked and plans.get_plan(ws.engine, plan_id := guard.record_id(asked, "plan_id")):
        return plan_id
    return plans.latest_plan_id(ws.engine)


def _plans_page(request: Request, sess: dict[str, Any], user: User, plan_id: int | None,
                status: int = 200, **context: Any) -> Response:
    ws = workspace()
    found = plans.get_plan(ws.engine, plan_id) if plan_id is not None else None
    rows = plan_table(ws, user, found["plan_id"]).to_dict("records") if found else []
    missed = unplaced_rows(ws, user, plan_unplaced(ws.engine, found["plan_id"])) if found \
        else []
    return render(request, "plans.html", sess, user, status=status, plan=found, rows=rows,
                  unplaced=missed, outcomes=OUTCOMES, today=bureau_today().isoformat(),
                  may_record=role_allows(user.role, "officer"),
                  may_plan=role_allows(user.role, "scheduler"), **context)


def plans_page(request: Request) -> Response:
    sess, user = signed_in(request)
    if user is None:
        return redirect(request, "/")
    notice = "outcome_recorded" if request.query_params.get("done") else None
    notice = "plan_published" if request.query_params.get("published") else notice
    return _plans_page(request, sess, user, chosen_plan(workspace(), request), notice=notice)


async def record(request: Request) -> Response:
    """POST /plans/{plan_id}/{uscc}/outcome (officer and above)."""
    sess, user, form = await form_of(request)
    if user is None:
        return redirect(request, "/")
    plan_id = guard.record_id(request.path_params["plan_id"], "plan_id")
    uscc = request.path_params["uscc"]
    page = functools.partial(_plans_page, request, sess, user, plan_id)
    if not role_allows(user.role, "officer"):
        return await anyio.to_thread.run_sync(functools.partial(page, status=403,
                                                                error="officer_only"))
    note = str(form.get("note") or "").strip() or None
    try:
        inspected_on = guard.day(form.get("inspected_on"), "inspected_on")
        await anyio.to_thread.run_sync(functools.partial(
            workspace_plans.record_outcome, workspace(), user, plan_id=plan_id, uscc=uscc,
            result=str(form.get("result") or ""), inspected_on=inspected_on, note=note))
    except guard.Refused:
        return await anyio.to_thread.run_sync(functools.partial(page, status=400,
                                                                error="bad_date"))
    except ApiError as exc:  # 409: the table shows the first outcome
        error = "outcome_exists" if exc.status == 409 else exc.message
        return await anyio.to_thread.run_sync(functools.partial(page, status=exc.status,
                                                                error=error))
    return redirect(request, f"/plans?plan_id={plan_id}&done=1")
