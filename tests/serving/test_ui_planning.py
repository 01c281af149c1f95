"""Planning in the workspace (issue 20): a scheduler chooses the period, previews the plan with
its summary and unplaced visits, publishes exactly what was previewed, opens the public
version, and records an outcome from the per-inspector view — at desktop and tablet width,
with every column kept."""

from __future__ import annotations

import pytest

from tests.serving.ui_client import browser_sign_in, csrf_of, sign_in

WIDTHS = {"desktop": 1280, "tablet": 768}
PERIODS = {"desktop": ("2026-02-02", "2026-02-13"), "tablet": ("2026-03-02", "2026-03-13")}


def _fits(page, where: str) -> None:
    headers = page.locator("table.queue th")
    hidden = [headers.nth(i).inner_text() for i in range(headers.count())
              if not headers.nth(i).is_visible()]
    assert hidden == [], f"{where} hides {hidden}"
    sideways = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert sideways <= 1, f"{where} scrolls the page {sideways}px sideways"


@pytest.mark.parametrize("width", list(WIDTHS))
def test_a_scheduler_previews_publishes_and_records_an_outcome(browser, ui, served_env, width):
    context = browser.new_context(viewport={"width": WIDTHS[width], "height": 1000})
    try:
        page = context.new_page()
        browser_sign_in(page, ui, served_env.tokens["scheduler"])
        page.goto(f"{ui}/plans")
        page.click("main a[href$='/plans/new']")
        start, end = PERIODS[width]
        page.fill("input[name=start]", start)
        page.fill("input[name=end]", end)
        page.click("button[value=preview]")
        assert page.locator(".plan-summary").is_visible()
        previewed = {r.get_attribute("data-uscc") for r in page.locator("tr.visit").all()}
        assert previewed
        _fits(page, f"preview at {width}")
        page.click("button[value=publish]")
        page.wait_for_url("**/ui/plans?plan_id=*&published=1")
        assert page.locator(".notice").is_visible()
        published = {r.get_attribute("data-uscc") for r in page.locator("tr.visit").all()}
        assert published == previewed  # the plan stored is the plan previewed
        assert page.locator("tr.inspector-head").count() > 0  # per inspector, by day
        _fits(page, f"plan at {width}")
        row = page.locator("tr.visit:has(form.outcome)").first
        uscc, day = row.get_attribute("data-uscc"), row.locator("td").nth(1).inner_text()
        form = row.locator("form.outcome")
        assert form.locator("select[name=result]").input_value() == ""  # no result chosen
        assert form.locator("input[name=inspected_on]").input_value() == day  # the visit's
        form.locator("select[name=result]").select_option("no_problem")
        form.locator("button[type=submit]").click()
        assert page.locator(".notice").is_visible()
        recorded = page.locator(f"tr.visit[data-uscc='{uscc}'] .outcome-recorded").first
        assert "未发现问题" in recorded.inner_text() and day in recorded.inner_text()
        page.click("a.public-link")
        page.wait_for_url("**/ui/plans/*/public")
        text = page.locator("main").inner_text()
        assert uscc in text and "风险概率" not in text  # dates, firms, inspectors only
        _fits(page, f"public version at {width}")
    finally:
        context.close()


@pytest.mark.clock  # make test runs it again a year ahead (browsers are not run under faketime)
def test_only_schedulers_plan_and_only_what_they_previewed_is_published(client, served_env):
    csrf = sign_in(client, served_env.tokens["officer"])
    assert client.get("/ui/plans/new").status_code == 403
    body = {"csrf": csrf, "start": "2026-04-06", "end": "2026-04-17", "action": "preview"}
    assert client.post("/ui/plans/new", data=body).status_code == 403
    csrf = sign_in(client, served_env.tokens["scheduler"])
    body["csrf"] = csrf
    unseen = client.post("/ui/plans/new", data={**body, "action": "publish"})
    assert unseen.status_code == 409  # nothing previewed for this period yet
    bad = client.post("/ui/plans/new", data={**body, "end": "2026-03-01"})
    assert bad.status_code == 400  # end before start
    shown = client.post("/ui/plans/new", data=body)
    assert shown.status_code == 200 and "plan-summary" in shown.text
    other = client.post("/ui/plans/new", data={**body, "csrf": csrf_of(shown.text),
                                                "end": "2026-04-24", "action": "publish"})
    assert other.status_code == 409  # a different period than the one previewed
    done = client.post("/ui/plans/new", data={**body, "csrf": csrf_of(other.text),
                                               "action": "publish"}, follow_redirects=False)
    assert done.status_code == 303 and "published=1" in done.headers["location"]
