"""Exports never break on any text and never carry a live formula, and they speak the page's
language: translated headers and values, percentages, the run's as-of date, the filters and
the disclaimer at the top, a frozen and filtered header row, column widths, decisions with
their reasons."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest

from serving.batch.exports import Column, Sheet, safe_text, sheets_bytes
from tests.serving.ui_client import sign_in

NASTY = ["line1\u0001x", '=HYPERLINK("http://evil.example/x","click")', "=1+2", "+1", "-1",
         "@SUM(A1)", "\tx", "\rx", "lone \ud800 surrogate", "ok 文本"]


@pytest.mark.parametrize("text", NASTY)
def test_safe_text_is_legal_xml_and_never_a_formula(text):
    safe = safe_text(text)
    assert "\u0001" not in safe and "\ud800" not in safe
    assert not safe.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert safe.lstrip("'").replace("\ufffd", "") in text.replace("\u0001", "").replace(
        "\ud800", "") or safe == text


def _sheet() -> Sheet:
    rows = [(text, i / 10) for i, text in enumerate(NASTY)]
    return Sheet("q", [Column("备注", 30), Column("风险概率", 10, percent=True)], rows,
                 [("评分基准日", "2026-01-01"), ("说明", "评分仅提示关注")])


def test_an_xlsx_with_any_text_opens_without_a_formula_and_with_its_header_frozen():
    book = openpyxl.load_workbook(io.BytesIO(sheets_bytes([_sheet()], ".xlsx")))
    ws = book.active
    assert ws["A1"].value == "评分基准日" and ws["B1"].value == "2026-01-01"
    assert ws["A4"].value == "备注" and ws.freeze_panes == "A5"
    assert ws.auto_filter.ref == "A4:B14"
    assert ws.column_dimensions["A"].width == 30
    cells = [row for row in ws.iter_rows(min_row=5)]
    assert all(c.data_type != "f" for row in cells for c in row)
    assert cells[1][0].value.startswith("'=HYPERLINK")
    assert cells[0][0].value == "line1\ufffdx"
    assert cells[3][1].value == pytest.approx(0.3) and cells[3][1].number_format == "0.0%"


def test_a_csv_with_any_text_is_neutralised_and_shows_percentages():
    text = sheets_bytes([_sheet()], ".csv").decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["评分基准日", "2026-01-01"] and rows[3] == ["备注", "风险概率"]
    body = rows[4:]
    assert [r[0][0] for r in body if r[0][:1] in "=+-@\t\r"] == []
    assert body[2] == ["'=1+2", "20.0%"]


def _table(content: bytes, suffix: str, first_header: str) -> tuple[list[list], list[list]]:
    """(the lines above the header, the header and the rows) of a download."""
    if suffix == ".csv":
        rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    else:
        ws = openpyxl.load_workbook(io.BytesIO(content)).active
        rows = [list(r) for r in ws.iter_rows(values_only=True)]
    at = next(i for i, r in enumerate(rows) if r and r[0] == first_header)
    return rows[:at], rows[at:]


def _make_plan(client, world) -> int:
    answer = client.post("/schedule", json={"start": "2026-01-05", "end": "2026-01-16"},
                         headers={"Authorization": f"Bearer {world.tokens['scheduler']}"})
    assert answer.status_code == 200, answer.text
    return answer.json()["plan_id"]


def test_a_plan_with_control_characters_and_formulas_in_its_notes_still_exports(client,
                                                                               served_env):
    from serving.store import plans
    from serving.store.database import open_database

    plan_id = _make_plan(client, served_env)
    visits = plans.plan_visits(open_database(served_env.database), plan_id)
    csrf = sign_in(client, served_env.tokens["officer"])
    notes = {"line1\u0001x": None, "=1+2": None}
    for note, (uscc, day) in zip(notes, visits[["uscc", "date"]].head(2).to_numpy(),
                                 strict=True):
        answer = client.post(f"/ui/plans/{plan_id}/{uscc}/outcome",
                             data={"csrf": csrf, "result": "rectify", "note": note,
                                   "inspected_on": str(day)[:10]})
        assert answer.status_code in (200, 303), answer.text
    for suffix in (".xlsx", ".csv"):
        answer = client.get(f"/ui/plan/{plan_id}{suffix}")
        assert answer.status_code == 200, answer.text
        head, table = _table(answer.content, suffix, "检查人员编号")
        assert "评分仅提示关注" in str(head) and f"计划 {plan_id}" in str(head)
        header = table[0]
        shown = [dict(zip(header, row, strict=True)) for row in table[1:]]
        written = {row["备注"] for row in shown if row["备注"]}
        assert written == {"line1\ufffdx", "'=1+2"}
        assert {row["检查结果"] for row in shown if row["备注"]} == {"责令整改"}
        assert {row["检查类型"] for row in shown} <= {"双随机抽查", "定向检查"}


def test_the_queue_export_speaks_chinese_and_carries_decisions_and_reasons(client,
                                                                          served_env):
    from serving.store import decisions
    from serving.store.database import open_database

    engine = open_database(served_env.database)
    rows, _ = decisions.review_queue(engine, served_env.run_id, tier="C", decision="undecided",
                                     limit=1)
    decisions.record_decision(engine, run_id=served_env.run_id, uscc=rows[0]["uscc"],
                              decision="dismiss", reason="-经核实已整改", note=None,
                              decided_by="officer")
    sign_in(client, served_env.tokens["viewer"])
    for suffix in (".xlsx", ".csv"):
        answer = client.get(f"/ui/queue{suffix}?tier=C&industry=food")
        assert answer.status_code == 200
        head, table = _table(answer.content, suffix, "统一社会信用代码")
        assert ["评分基准日", "2026-01-01"] in [list(r[:2]) for r in head]
        assert "等级: C" in str(head) and "行业: 食品" in str(head)
        assert "不作为执法依据" in str(head)
        assert table[0][:3] == ["统一社会信用代码", "企业名称", "行业"]
        shown = [dict(zip(table[0], row, strict=True)) for row in table[1:]]
        assert {row["行业"] for row in shown} == {"食品"}
        assert {row["等级"] for row in shown} == {"C"}
        mine = next(row for row in shown if row["统一社会信用代码"] == rows[0]["uscc"])
        assert mine["复核决定"] == "排除" and mine["决定理由"] == "'-经核实已整改"
        probability = mine["风险概率"]
        if suffix == ".csv":
            assert probability.endswith("%")
        else:
            assert 0 < probability < 1
