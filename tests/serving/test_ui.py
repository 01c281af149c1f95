"""The review workspace at /ui in headless Chromium (Playwright), served by uvicorn from the
same BentoML app the API tests use."""

from __future__ import annotations

import re
import socket
import threading
import time

import httpx
import pytest

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-dev-shm-usage"]


@pytest.fixture(scope="session")
def browser_type_launch_args():
    """Debian's Chromium; `playwright install` is never run."""
    return {"executable_path": "/usr/bin/chromium", "args": CHROMIUM_ARGS}


@pytest.fixture(scope="module")
def ui(served_env, asgi_app):
    """The service on a free local port (uvicorn in a thread); yields the UI's address."""
    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(asgi_app, host="127.0.0.1", port=port,
                                           log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the service did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}/ui"
    server.should_exit = True
    thread.join(timeout=10)


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
        second.fill("input[name=reason]", "误报")
        second.click("form.decide button[type=submit]")
        shown = second.locator(".first-decision").inner_text()
        assert "officer" in shown and "确认" in shown and "首次决定保持不变" in shown
        assert second.locator("form.decide").count() == 0
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
