"""What `POST /firm` shows beside the score: the register entry and a timeline of the firm's
complaints, penalties, inspections, listings and changes, newest first. Pure functions over the
loaded source tables; personal data masked by the caller's role."""

from __future__ import annotations

from typing import Any

import pandas as pd

from features.contracts import VIOLATION_OUTCOMES

TIMELINE_LIMIT = 200  # newest events shown
OUTCOME_ZH = {"no_problem": "未发现问题", "rectify": "责令整改", "case_opened": "立案查处",
              "not_found": "查无下落"}
REASON_ZH = {"annual_report": "未按期公示年报", "instant_info": "未按期公示即时信息",
             "false_info": "公示信息隐瞒真实情况", "unreachable": "通过登记住所无法联系",
             "abnormal_3y": "列入异常名录满三年", "serious_violation": "严重违法失信"}
CHANGE_ZH = {"legal_rep": "法定代表人变更", "address": "住所变更", "capital_increase": "增资",
             "capital_decrease": "减资", "scope": "经营范围变更", "shareholder": "股东变更",
             "status": "登记状态变更", "name": "名称变更"}


def mask_name(name: object) -> str | None:
    """A person's name with all but the first character hidden: 张三 -> 张*."""
    if not isinstance(name, str) or not name:
        return None
    return name[0] + "*" * max(len(name) - 1, 1)


def _day(value: Any) -> str:
    return "" if pd.isna(value) else f"{pd.Timestamp(value):%Y-%m-%d}"


def _events(table: str, rows: pd.DataFrame) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    for r in rows.to_dict("records"):  # one firm's events: a handful of rows
        if table == "complaints":
            found = {True: "，属实", False: "，不属实"}.get(r.get("substantiated"), "")  # type: ignore[arg-type]
            out.append({"date": _day(r["received_at"]), "kind": "complaint",
                        "summary": f"{r['kind']}（{r['channel']}）：{r['category']}{found}"})
        elif table == "penalties":
            fine = f"，罚款{r['fine']:g}万元" if pd.notna(r.get("fine")) else ""
            out.append({"date": _day(r["decided_on"]), "kind": "penalty",
                        "summary": f"行政处罚 {r['decision_no']}：{r['violation_type']}，"
                                   f"{r['penalty_kinds'].replace('|', '、')}{fine}"})
        elif table == "inspections":
            how = "随机抽查" if r["kind"] == "random" else "定向检查"
            flag = "（发现问题）" if r["outcome"] in VIOLATION_OUTCOMES else ""
            out.append({"date": _day(r["inspected_on"]), "kind": "inspection",
                        "summary": f"{how}：{OUTCOME_ZH.get(r['outcome'], r['outcome'])}{flag}"})
        elif table == "abnormal_list":
            which = "严重违法失信名单" if r["list_type"] == "serious_violation" else "经营异常名录"
            reason = REASON_ZH.get(r["reason"], r["reason"])
            out.append({"date": _day(r["listed_on"]), "kind": "listing",
                        "summary": f"列入{which}：{reason}"})
            if pd.notna(r.get("removed_on")):
                out.append({"date": _day(r["removed_on"]), "kind": "delisting",
                            "summary": f"移出{which}"})
        elif table == "registration_changes":
            what = CHANGE_ZH.get(r["change_type"], r["change_type"])
            out.append({"date": _day(r["changed_on"]), "kind": "change", "summary": what})
    return out


def timeline(tables: dict[str, pd.DataFrame], uscc: str,
             limit: int = TIMELINE_LIMIT) -> list[dict[str, str]]:
    """The firm's events across the source tables, newest first."""
    events: list[dict[str, str]] = []
    for table in ("complaints", "penalties", "inspections", "abnormal_list",
                  "registration_changes"):
        frame = tables.get(table)
        if frame is None or "uscc" not in frame:
            continue
        events.extend(_events(table, frame.loc[frame["uscc"] == uscc]))
    events.sort(key=lambda e: e["date"], reverse=True)
    return events[:limit]


def register_entry(registrations: pd.DataFrame, uscc: str, mask: bool) -> dict[str, Any] | None:
    """The firm's current register entry, the legal representative's name masked if asked."""
    rows = registrations.loc[registrations["uscc"] == uscc]
    if rows.empty:
        return None
    r = rows.iloc[0]
    rep = r.get("legal_rep_name")
    return {"uscc": uscc, "name": str(r["name"]), "town_code": str(r["town_code"]),
            "status": str(r["status"]), "established_on": _day(r["established_on"]) or None,
            "legal_rep_name": mask_name(rep) if mask else (rep if isinstance(rep, str) else None)}
