"""The review workspace at /ui in headless Chromium (Playwright), served by uvicorn from the
same BentoML app the API tests use (the `ui` fixture, in conftest.py)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import httpx


def sign_in(page, ui, token):
    page.goto(f"{ui}/")
    page.fill("input[name=token]", token)
    page.click("form.signin button[type=submit]")


def test_a_wrong_token_cannot_sign_in(page, ui):
    sign_in(page, ui, "not-a-token")
    assert page.locator("form.signin .error").is_visible()
    assert "令牌无效" in page.locator(".error").inner_text()
    assert page.context.cookies()[0]["httpOnly"]
    response = page.goto(f"{ui}/queue")
    assert response is not None and response.url.endswith("/ui/")  # sent back to sign in


def test_the_viewer_sees_the_queue_and_filters_by_tier(page, ui, served_env):
    sign_in(page, ui, served_env.tokens["viewer"])
    page.wait_for_url("**/ui/queue")
    assert "不作为执法依据" in page.locator("footer").inner_text()
    cookie = next(c for c in page.context.cookies() if c["name"] == "riskwarn_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    assert served_env.tokens["viewer"] not in cookie["value"]
    rows = page.locator("table.queue tbody tr")
    assert rows.count() > 0
    assert page.locator("table.queue th").nth(5).inner_text() == "首要原因"
    assert page.locator("td.top-reason").first.inner_text() not in ("", "—")
    page.select_option("select[name=tier]", "D")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**tier=D**")
    tiers = page.locator("table.queue td.tier").all_inner_texts()
    assert tiers and set(tiers) == {"D"}
    page.goto(f"{ui}/queue?lang=en")
    assert page.locator("table.queue th").nth(5).inner_text() == "Top reason"
    page.goto(f"{ui}/queue")  # the language stays in its cookie
    assert "never the basis" in page.locator("footer").inner_text()


def test_a_firm_page_shows_charts_and_timeline(page, ui, served_env):
    sign_in(page, ui, served_env.tokens["viewer"])
    page.wait_for_url("**/ui/queue")
    page.locator("table.queue tbody tr a").first.click()
    page.wait_for_url("**/ui/firm/**")
    assert page.locator("svg.bar-chart rect").count() > 0
    assert page.locator("svg.line-chart polyline").count() == 1
    assert page.locator("ol.timeline li").count() > 0
    assert page.locator("form.decide").count() == 0  # a viewer cannot decide


def _undecided_firm(world, offset):
    from serving.store import decisions
    from serving.store.database import open_database

    rows, _ = decisions.review_queue(open_database(world.database), world.run_id, tier="B",
                                     limit=offset + 1)
    assert rows[offset]["decision"] is None
    return rows[offset]["uscc"]


def test_the_second_officer_sees_the_first_decision(browser, ui, served_env):
    uscc = _undecided_firm(served_env, 3)
    first, second = browser.new_page(), browser.new_page()
    try:
        for page, role in ((first, "officer"), (second, "admin")):
            sign_in(page, ui, served_env.tokens[role])
            page.wait_for_url("**/ui/queue")
            page.goto(f"{ui}/firm/{uscc}")
            assert page.locator("form.decide").is_visible()
        first.check("input[value=confirm]")
        first.fill("textarea[name=note]", "近期投诉集中")
        first.click("form.decide button[type=submit]")
        assert first.locator(".notice").is_visible()
        assert "officer" in first.locator(".first-decision").inner_text()
        second.check("input[value=dismiss]")
        second.select_option("select[name=reason_code]", "data_error")
        second.click("form.decide button[type=submit]")
        shown = second.locator(".first-decision").inner_text()
        assert "officer" in shown and "确认" in shown and "首次决定保持不变" in shown
        assert second.locator("form.decide").count() == 0
        from sqlalchemy import select

        from serving.store.database import open_database
        from serving.store.schema import audit_log

        with open_database(served_env.database).connect() as c:
            attempts = c.execute(select(audit_log.c.action, audit_log.c.user_name).where(
                audit_log.c.target == f"{served_env.run_id}/{uscc}")).all()
        assert sorted(map(tuple, attempts)) == [("decision", "officer"),
                                                ("decision refused", "admin")]
    finally:
        first.context.close()
        second.context.close()


def test_forms_without_the_csrf_token_are_refused(ui, served_env):
    with httpx.Client(base_url=ui) as http:
        form = http.get("/").text
        csrf = re.search(r'name="csrf" value="([^"]+)"', form)
        assert csrf is not None
        token = served_env.tokens["officer"]
        assert http.post("/signin", data={"token": token}).status_code == 403
        assert http.post("/signin", data={"token": token, "csrf": "forged"}).status_code == 403
        signed = http.post("/signin", data={"token": token, "csrf": csrf.group(1)})
        assert signed.status_code == 303 and signed.headers["location"].endswith("/ui/queue")
        uscc = _undecided_firm(served_env, 4)
        refused = http.post(f"/firm/{uscc}/decision", data={"decision": "confirm"})
        assert refused.status_code == 403
        assert _undecided_firm(served_env, 4) == uscc  # nothing recorded
        assert http.get("/queue").status_code == 200


def test_the_queue_exports_to_excel_and_csv(page, ui, served_env):
    import io

    import pandas as pd
    from sqlalchemy import select

    from serving.store.database import open_database
    from serving.store.schema import audit_log
    from serving.ui.downloads import QUEUE_COLUMNS

    sign_in(page, ui, served_env.tokens["branch"])
    page.wait_for_url("**/ui/queue")
    page.goto(f"{ui}/queue?tier=D")
    with page.expect_download() as info:
        page.click("a.export-xlsx")
    download = info.value
    assert download.suggested_filename == "queue.xlsx"
    head = pd.read_excel(download.path(), header=None, dtype=str)
    at = int(head.index[head[0] == "统一社会信用代码"][0])  # context lines above the header
    table = pd.read_excel(download.path(), skiprows=at, dtype={"乡镇代码": str})
    assert len(table.columns) == len(QUEUE_COLUMNS)
    assert len(table) > 0 and set(table["等级"]) == {"D"}
    assert set(table["乡镇代码"]) == {"441900003000"}  # the user's towns only
    answer = page.request.get(f"{ui}/queue.csv?tier=D")
    assert answer.ok and answer.headers["content-type"].startswith("text/csv")
    assert answer.headers["content-disposition"] == 'attachment; filename="queue.csv"'
    assert answer.body().startswith(b"\xef\xbb\xbf")  # a BOM, so Excel shows Chinese
    csv = pd.read_csv(io.BytesIO(answer.body()), encoding="utf-8-sig", dtype=str,
                      skiprows=at)
    assert list(csv.columns) == list(table.columns) and len(csv) == len(table)
    with open_database(served_env.database).connect() as connection:
        exports = connection.execute(select(audit_log.c.user_name, audit_log.c.target).where(
            audit_log.c.action == "export")).all()
    assert ("branch", "queue.xlsx") in exports and ("branch", "queue.csv") in exports


def _make_plan(ui, served_env):
    api = ui.removesuffix("/ui")
    answer = httpx.post(f"{api}/schedule", json={"start": "2026-01-05", "end": "2026-01-16"},
                        headers={"Authorization": f"Bearer {served_env.tokens['scheduler']}"},
                        timeout=60)
    assert answer.status_code == 200, answer.text
    assert answer.json()["visits"]
    return answer.json()["plan_id"]


def test_plans_list_visits_and_keep_the_first_outcome(browser, ui, served_env):
    plan_id = _make_plan(ui, served_env)
    first, second = browser.new_page(), browser.new_page()
    try:
        for page, role in ((first, "officer"), (second, "admin")):
            sign_in(page, ui, served_env.tokens[role])
            page.wait_for_url("**/ui/queue")
            page.click("header a[href$='/plans']")
            page.wait_for_url("**/ui/plans")
            assert f"计划 {plan_id}" in page.locator("main").inner_text()
            assert page.locator("table.plan tbody tr").count() > 0
        uscc = first.locator("tr.visit form.outcome").first.evaluate(
            "f => f.closest('tr').dataset.uscc")
        row = f"tr.visit[data-uscc='{uscc}'] form.outcome"
        first.select_option(f"{row} select[name=result]", "rectify")
        first.fill(f"{row} input[name=note]", "标签不规范")
        first.click(f"{row} button[type=submit]")
        assert first.locator(".notice").is_visible()
        shown = first.locator(f"tr.visit[data-uscc='{uscc}'] .outcome-recorded").first
        assert "责令整改" in shown.inner_text() and "officer" in shown.inner_text()
        second.select_option(f"{row} select[name=result]", "no_problem")
        second.click(f"{row} button[type=submit]")
        assert "首次记录保持不变" in second.locator(".error").inner_text()
        kept = second.locator(f"tr.visit[data-uscc='{uscc}'] .outcome-recorded").first
        assert "责令整改" in kept.inner_text() and "officer" in kept.inner_text()
        answer = first.request.get(f"{ui}/plan/{plan_id}.xlsx")
        assert answer.ok and answer.headers["content-type"].endswith("spreadsheetml.sheet")
    finally:
        first.context.close()
        second.context.close()


def test_viewers_and_branch_users_see_their_part_of_a_plan(page, ui, served_env):
    _make_plan(ui, served_env)
    sign_in(page, ui, served_env.tokens["viewer"])
    page.wait_for_url("**/ui/queue")
    page.goto(f"{ui}/plans")
    assert page.locator("table.plan tbody tr").count() > 0
    assert page.locator("form.outcome").count() == 0  # a viewer records nothing
    page.context.clear_cookies()
    sign_in(page, ui, served_env.tokens["branch"])
    page.wait_for_url("**/ui/queue")
    page.goto(f"{ui}/plans")
    towns = {row.get_attribute("data-town") for row in page.locator("tr.visit").all()}
    assert towns <= {"441900003000"}


def test_the_model_page_shows_the_champion_and_its_pictures(page, ui, served_env):
    from training import tracking

    champion = tracking.version_by_alias("food", "champion")
    assert champion is not None
    sign_in(page, ui, served_env.tokens["viewer"])
    page.wait_for_url("**/ui/queue")
    page.click("header a[href$='/models']")
    page.wait_for_url("**/ui/models")
    assert page.locator("tr.model-champion td.version").first.inner_text() == str(
        champion.version)
    # the gate's measure: precision at capacity on random inspections with its interval
    assert "%" in page.locator("tr.model-champion td.num").first.inner_text()
    pictures = page.locator("img.picture")
    assert pictures.count() >= 3  # calibration by tier, calibration curve, bias audit
    for source in (pictures.nth(0).get_attribute("src"), pictures.nth(1).get_attribute("src")):
        answer = page.request.get(f"{ui.removesuffix('/ui')}{source}")
        assert answer.ok and answer.headers["content-type"] == "image/png"
        assert answer.body().startswith(b"\x89PNG")
    missing = page.request.get(f"{ui}/models/food/champion/nothing.png")
    assert missing.status == 404


def test_pictures_are_not_available_without_mlflow(page, ui, served_env, monkeypatch):
    from serving.ui import models_page

    monkeypatch.setenv("RISKWARN_MODEL_STORE", "bentoml")  # the Bento deployment: no MLflow
    assert models_page.picture("food", "1", "calibration") is None
    sign_in(page, ui, served_env.tokens["viewer"])
    page.wait_for_url("**/ui/queue")
    page.goto(f"{ui}/models?lang=en")
    assert page.locator("img.picture").count() == 0
    assert "Picture not available." in page.locator(".not-available").first.inner_text()


def test_the_overview_shows_the_heat_map_tier_counts_and_trend(page, ui, served_env):
    sign_in(page, ui, served_env.tokens["viewer"])
    page.wait_for_url("**/ui/queue")
    assert page.locator("header nav a").first.inner_text() == "风险总览"
    page.click("header a[href$='/overview']")
    page.wait_for_url("**/ui/overview")
    cells = page.locator("svg.heat-map rect.cell")
    assert cells.count() > 0
    assert "/" in cells.first.locator("title").text_content()  # C–D firms / firms
    assert "C–D 级企业占比" in page.locator("section.heat .legend").inner_text()
    counts = [int(n) for n in page.locator("tr.this-run td").all_inner_texts()]
    assert len(counts) == 4 and sum(counts) > 0
    assert page.locator("svg.trend-chart circle").count() > 0
    page.goto(f"{ui}/overview?lang=en")
    assert "Firms by tier" in page.locator("main").inner_text()
    page.context.clear_cookies()
    sign_in(page, ui, served_env.tokens["branch"])  # one town: one row of cells
    page.wait_for_url("**/ui/queue")
    page.goto(f"{ui}/overview")
    from features.towns import TOWN_NAMES

    assert page.locator("svg.heat-map text.row").all_text_contents() == [
        TOWN_NAMES["441900003000"]]
    branch = sum(int(n) for n in page.locator("tr.this-run td").all_inner_texts())
    assert 0 < branch < sum(counts)


SCREENSHOTS = Path(os.environ.get("RISKWARN_ARTIFACTS")
                   or Path(__file__).resolve().parents[2] / "build" / "ui-screenshots")
VIEWPORTS = {"desktop": (1280, 800), "tablet": (768, 1024)}


def test_every_page_fits_desktop_and_tablet_width_and_is_photographed(browser, ui, served_env):
    """Screenshots land in build/ui-screenshots (or $RISKWARN_ARTIFACTS) for a human look;
    the test checks that no page scrolls sideways at either width."""
    uscc = _undecided_firm(served_env, 6)
    pages = {"overview": "/overview", "queue": "/queue", "firm": f"/firm/{uscc}",
             "plans": "/plans", "models": "/models", "reports": "/reports"}
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for label, (width, height) in VIEWPORTS.items():
        context = browser.new_context(viewport={"width": width, "height": height})
        try:
            page = context.new_page()
            page.goto(f"{ui}/")
            page.screenshot(path=SCREENSHOTS / f"signin-{label}.png", full_page=True)
            sign_in(page, ui, served_env.tokens["officer"])
            page.wait_for_url("**/ui/queue")
            for name, path in pages.items():
                response = page.goto(f"{ui}{path}")
                assert response is not None and response.status == 200, (name, label)
                sideways = page.evaluate(
                    "document.documentElement.scrollWidth - window.innerWidth")
                shot = SCREENSHOTS / f"{name}-{label}.png"
                page.screenshot(path=shot, full_page=True)
                assert sideways <= 1, f"{name} scrolls {sideways}px sideways at {width}px"
                assert shot.stat().st_size > 5_000
        finally:
            context.close()


def test_an_officer_dismisses_with_a_reason_and_confirms_another(page, ui, served_env):
    dismissed, confirmed = _undecided_firm(served_env, 8), _undecided_firm(served_env, 9)
    sign_in(page, ui, served_env.tokens["officer"])
    page.wait_for_url("**/ui/queue")
    page.goto(f"{ui}/firm/{dismissed}")
    page.check("input[value=dismiss]")
    page.click("form.decide button[type=submit]")  # no reason yet: refused, in Chinese
    assert "排除须填写理由" in page.locator(".error").inner_text()
    page.check("input[value=dismiss]")
    page.select_option("select[name=reason_code]", "rectified")
    page.click("form.decide button[type=submit]")
    assert "经核实已整改到位" in page.locator(".first-decision").inner_text()
    page.goto(f"{ui}/firm/{confirmed}")
    page.check("input[value=confirm]")
    page.click("form.decide button[type=submit]")
    assert "确认" in page.locator(".first-decision").inner_text()
