"""The monthly market-risk report: its tables from tiny frames, its PDF turned into page images
(pdftoppm) that are not blank with Chinese in the text layer (pdftotext), its Excel workbook,
and `riskwarn report` on the served world (a bad --month: one line, exit 2)."""

from __future__ import annotations

import subprocess
from datetime import date
from io import BytesIO
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook
from PIL import Image
from typer.testing import CliRunner

from serving.batch.monthly import MonthInputs, for_towns, parse_month, report_tables
from serving.batch.monthly_render import report_bytes
from serving.cli import app

EAST, SOUTH = "441900003000", "441900004000"
JAN = parse_month("2026-01")


def inputs() -> MonthInputs:
    day = pd.Timestamp("2026-01-03")
    return MonthInputs(
        current=pd.DataFrame({"uscc": ["a", "b", "c"], "industry": ["food"] * 3,
                              "town_code": [EAST, EAST, SOUTH], "tier": ["D", "A", "C"]}),
        previous=pd.DataFrame({"uscc": ["a", "b"], "industry": ["food"] * 2,
                               "town_code": [EAST] * 2, "tier": ["C", "B"]}),
        triggers=pd.DataFrame({"industry": ["food", None, "food"], "town_code": [EAST] * 3,
                               "rule": ["complaint_surge", "phoenix_firm", "complaint_surge"],
                               "fired_on": [date(2026, 1, 2), date(2026, 1, 5),
                                            date(2025, 12, 30)],
                               "status": ["open", "closed", "open"]}),
        visits=pd.DataFrame({"industry": ["food"] * 4, "town_code": [EAST] * 3 + [SOUTH],
                             "kind": ["random", "targeted", "targeted", "random"],
                             "visit_on": [date(2026, 1, 2)] * 3 + [date(2026, 2, 1)],
                             "result": ["rectify", None, "no_problem", "case_opened"]}),
        penalties=pd.DataFrame({"uscc": ["a", "c"], "violation_type": ["食品安全", "价格"],
                                "fine": [1.5, 2.0],
                                "decided_on": [day, pd.Timestamp("2025-12-31")]}),
        complaints=pd.DataFrame({"uscc": [None, "b"], "town_code": [SOUTH, None],
                                 "category": ["价格", "质量"], "received_at": [day, day]}),
        registrations=pd.DataFrame({"uscc": ["a", "b", "c"],
                                    "industry_code": ["5223", "5223", "1391"],
                                    "town_code": [EAST, EAST, SOUTH]}),
        drift={"run_id": 3, "retrain_advised": ["food"],
               "industries": {"food": {"score_psi": 0.31, "top_inputs": ["x", "y"]}}})


def test_the_tables_count_the_month_per_industry_and_town():
    t = report_tables(inputs(), JAN)
    east = t["tiers"].set_index("town_code").loc[EAST]
    assert (east["firms"], east["D"], east["up"], east["down"], east["new"],
            east["firms_before"]) == (2, 1, 1, 1, 0, 2)
    assert t["tiers"].set_index("town_code").loc[SOUTH, "new"] == 1
    assert t["tiers"]["town"].tolist() == ["东城", "南城"]
    trig = t["triggers"].set_index("rule")
    assert trig.loc["complaint_surge", "fired"] == 1  # December's firing is not January's
    assert (trig.loc["phoenix_firm", ["decided", "open"]].tolist() == [1, 0]
            and trig.loc["phoenix_firm", "industry"] == "other")
    visits = t["inspections"].set_index("kind")
    assert visits.loc["random", ["planned", "done", "hits"]].tolist() == [1, 1, 1]
    assert visits.loc["targeted", ["planned", "done", "hits"]].tolist() == [2, 1, 0]
    assert visits.loc["random", "hit_rate"] == 1.0 and visits.loc["targeted", "hit_rate"] == 0
    assert t["penalties"][["violation_type", "penalties", "fines"]].values.tolist() == [
        ["食品安全", 1, 1.5]]
    complaints = t["complaints"].set_index("category")
    assert complaints.loc["价格", "town_code"] == SOUTH  # the order's own town, no firm
    assert complaints.loc["质量", "town_code"] == EAST  # the firm's town
    assert t["drift"].to_dict("records") == [{"industry": "food", "score_psi": 0.31,
                                              "retrain_advised": True, "top_inputs": "x, y"}]


def test_a_user_with_towns_sees_only_their_towns_rows():
    mine = for_towns(report_tables(inputs(), JAN), [SOUTH])
    assert mine["tiers"]["town_code"].tolist() == [SOUTH]
    assert mine["triggers"].empty and mine["inspections"].empty
    assert mine["complaints"]["category"].tolist() == ["价格"]
    assert len(mine["drift"]) == 1  # the city's models, no towns


@pytest.mark.parametrize("text", ["2026-13", "2026-1", "Jan 2026", "2026-01-01", ""])
def test_a_bad_month_is_refused(text):
    with pytest.raises(ValueError, match="YYYY-MM"):
        parse_month(text)


def test_months_know_their_neighbours():
    assert (JAN.first, JAN.after, JAN.previous.label) == (date(2026, 1, 1), date(2026, 2, 1),
                                                          "2025-12")
    assert parse_month("2025-12").after == date(2026, 1, 1)


def pages_of(pdf: Path, out: Path) -> list[np.ndarray]:
    subprocess.run(["pdftoppm", "-r", "40", "-gray", "-png", str(pdf), str(out / "page")],
                   check=True)
    return [np.asarray(Image.open(p).convert("L")) for p in sorted(out.glob("page-*.png"))]


def assert_pdf_report(pdf: Path, tmp_path: Path, pages: int) -> str:
    """Every page an image with ink on it; the text layer (pdftotext) in Chinese."""
    images = pages_of(pdf, tmp_path)
    assert len(images) >= pages
    for image in images:
        ink = (image < 200).mean()
        assert 0.001 < ink < 0.5, f"a blank or black page ({ink:.4f} of it dark)"
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], check=True,
                          capture_output=True, text=True).stdout
    assert "月度市场风险报告" in text and "企业风险等级及较上月变动" in text
    return text


def test_the_pdf_has_pages_with_ink_and_chinese_text(tmp_path):
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(report_bytes(report_tables(inputs(), JAN), JAN, ".pdf"))
    text = assert_pdf_report(pdf, tmp_path, pages=7)  # the cover and six sections
    assert "东城" in text and "随机" in text and "定向" in text and "行政处罚" in text


def test_the_workbook_has_a_sheet_per_section_in_chinese():
    data = report_bytes(report_tables(inputs(), JAN), JAN, ".xlsx", "东城")
    book = load_workbook(BytesIO(data), read_only=True)
    assert len(book.sheetnames) == 6 and "企业风险等级及较上月变动" in book.sheetnames
    rows = list(book["企业风险等级及较上月变动"].values)
    assert rows[0] == ("报告", "月度市场风险报告 2026-01") and rows[1] == ("乡镇范围", "东城")
    assert rows[3][:3] == ("行业", "乡镇代码", "乡镇")


def test_a_bad_month_is_one_line_and_exit_2_before_loading(monkeypatch, tmp_path):
    monkeypatch.setenv("RISKWARN_DATABASE_URL", f"sqlite:///{tmp_path / 'never.db'}")
    result = CliRunner().invoke(app, ["report", "--month", "2026-13"])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "error: '2026-13': give the month as YYYY-MM, e.g. 2026-01"]
    assert not (tmp_path / "never.db").exists()


def test_riskwarn_report_writes_pdf_and_xlsx_from_the_served_world(served_env, tmp_path):
    from serving.store import runs
    from serving.store.database import open_database

    firms = len(runs.run_frame(open_database(served_env.database), served_env.run_id))
    for name in ("jan.pdf", "jan.xlsx"):
        result = CliRunner().invoke(app, ["report", "--month", "2026-01",
                                          "--out", str(tmp_path / name)])
        assert result.exit_code == 0, result.output
        assert f"wrote {tmp_path / name}" in result.output.replace("\n", "")
    assert_pdf_report(tmp_path / "jan.pdf", tmp_path, pages=7)
    book = load_workbook(tmp_path / "jan.xlsx", read_only=True)
    tiers = list(book["企业风险等级及较上月变动"].values)[4:]
    assert sum(row[3] for row in tiers) == firms  # every firm of the month's run, once


def test_a_month_with_nothing_in_it_still_makes_a_report(tmp_path):
    empty = MonthInputs(*(pd.DataFrame() for _ in range(7)), drift={})
    t = report_tables(empty, JAN)
    assert all(frame.empty for frame in t.values())
    pdf = tmp_path / "empty.pdf"
    pdf.write_bytes(report_bytes(t, JAN, ".pdf"))
    assert "本月无记录" in assert_pdf_report(pdf, tmp_path, pages=7)


def test_the_workspace_serves_the_report_to_viewers_with_their_towns_only(
        served_env, client, tmp_path):
    from tests.serving.ui_client import sign_in

    client.cookies.clear()
    anonymous = client.get("/ui/reports/monthly/2026-01.xlsx", follow_redirects=False)
    sign_in(client, served_env.tokens["viewer"])
    page = client.get("/ui/reports").text
    every = client.get("/ui/reports/monthly/2026-01.xlsx")
    bad = client.get("/ui/reports/monthly/2026-13.pdf")
    sign_in(client, served_env.tokens["branch"])  # an officer of one town
    mine = client.get("/ui/reports/monthly/2026-01.xlsx")
    pdf = client.get("/ui/reports/monthly/2026-01.pdf")
    assert anonymous.status_code in (302, 303) and bad.status_code == 400
    assert 'href="/ui/reports/monthly/2026-01.pdf"' in page
    assert 'href="/ui/reports/monthly/2026-01.xlsx"' in page and "月度市场风险报告" in page
    assert every.status_code == 200 and mine.status_code == 200 and pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"

    def towns(data: bytes) -> set[str]:
        rows = list(load_workbook(BytesIO(data), read_only=True)[
            "企业风险等级及较上月变动"].values)[4:]
        return {row[1] for row in rows}

    assert len(towns(every.content)) > 1 and towns(mine.content) == {EAST}
    (tmp_path / "mine.pdf").write_bytes(pdf.content)
    assert "东城" in assert_pdf_report(tmp_path / "mine.pdf", tmp_path, pages=7)


def test_the_workspace_serves_the_file_nightly_wrote_and_builds_only_what_is_missing(
        served_env, client, tmp_path, monkeypatch):
    from features import settings
    from tests.serving.ui_client import sign_in

    monkeypatch.setattr(settings, "DATA_DIR", tmp_path)
    stored = tmp_path / "reports" / "monthly" / "2026-01.xlsx"
    stored.parent.mkdir(parents=True)
    stored.write_bytes(b"the workbook nightly sent")
    sign_in(client, served_env.tokens["viewer"])
    sent = client.get("/ui/reports/monthly/2026-01.xlsx")
    built = client.get("/ui/reports/monthly/2026-01.pdf")  # nightly wrote no PDF here
    sign_in(client, served_env.tokens["branch"])  # one town: never the whole city's file
    mine = client.get("/ui/reports/monthly/2026-01.xlsx")
    assert sent.status_code == 200 and sent.content == b"the workbook nightly sent"
    assert built.status_code == 200 and built.content.startswith(b"%PDF")
    assert mine.status_code == 200 and mine.content != stored.read_bytes()
    load_workbook(BytesIO(mine.content), read_only=True)  # a real workbook, built for the town
