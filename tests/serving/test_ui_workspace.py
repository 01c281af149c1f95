"""The workspace for officers on a tablet: every column stays, times in the bureau's zone, a
dismissal needs a reason from a list, the reasons stand before the decision form and wrap,
and the queue is searched by name or credit code and filtered by decision."""

from __future__ import annotations

import re
from datetime import datetime

import httpx
import pytest

from serving.ui import charts
from tests.serving.ui_client import browser_sign_in, sign_in


def _firm(world, tier: str, offset: int = 0, towns=None) -> dict:
    from serving.store import decisions
    from serving.store.database import open_database

    rows, _ = decisions.review_queue(open_database(world.database), world.run_id, tier=tier,
                                     decision="undecided", towns=towns, limit=offset + 1)
    return rows[offset]


def test_every_column_stays_visible_at_tablet_width(browser, ui, served_env):
    answer = httpx.post(f"{ui.removesuffix('/ui')}/schedule",
                        json={"start": "2026-01-05", "end": "2026-01-16"}, timeout=60,
                        headers={"Authorization": f"Bearer {served_env.tokens['scheduler']}"})
    assert answer.status_code == 200, answer.text
    context = browser.new_context(viewport={"width": 768, "height": 1024})
    try:
        page = context.new_page()
        browser_sign_in(page, ui, served_env.tokens["officer"])
        for path in ("/queue", "/overview", "/plans", "/models"):
            page.goto(f"{ui}{path}")
            headers = page.locator("table.queue th")
            assert headers.count() > 0, path
            hidden = [headers.nth(i).inner_text() for i in range(headers.count())
                      if not headers.nth(i).is_visible()]
            assert hidden == [], f"{path} hides {hidden} at 768 px"
            sideways = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert sideways <= 1, f"{path} scrolls the page {sideways}px sideways"
    finally:
        context.close()


def test_local_time_is_the_bureaus_zone():
    from serving.ui.web import local_time

    assert local_time(datetime(2026, 1, 1, 6, 52)) == "2026-01-01 14:52"  # stored as UTC
    assert local_time(None) == ""


def test_a_decision_shows_its_time_in_the_bureaus_zone(client, served_env):
    from serving.store import decisions
    from serving.store.database import open_database
    from serving.ui.web import local_time

    engine = open_database(served_env.database)
    uscc = _firm(served_env, "C", 2)["uscc"]
    decisions.record_decision(engine, run_id=served_env.run_id, uscc=uscc, decision="escalate",
                              reason=None, note=None, decided_by="officer")
    stored = decisions.decision_for(engine, served_env.run_id, uscc)
    sign_in(client, served_env.tokens["viewer"])
    page = client.get(f"/ui/firm/{uscc}").text
    shown = re.search(r'class="first-decision"[^>]*>([^<]*)', page)
    assert shown is not None
    assert local_time(stored["decided_at"]) in shown.group(1) and "UTC" not in shown.group(1)


def _decide(client, csrf, uscc, **fields):
    return client.post(f"/ui/firm/{uscc}/decision", data={"csrf": csrf, **fields},
                       follow_redirects=False)


def test_a_dismissal_needs_a_reason_chosen_from_the_list(client, served_env):
    from serving.store import decisions
    from serving.store.database import open_database

    engine = open_database(served_env.database)
    csrf = sign_in(client, served_env.tokens["officer"])
    uscc, other = _firm(served_env, "C", 3)["uscc"], _firm(served_env, "C", 4)["uscc"]
    for fields, error in (({}, "排除须填写理由"),
                          ({"reason": "排除（须填写理由）"}, "排除须填写理由"),
                          ({"reason_code": "made_up"}, "排除须填写理由"),
                          ({"reason_code": "other", "reason_other": " "}, "须写明理由")):
        answer = _decide(client, csrf, uscc, decision="dismiss", **fields)
        assert answer.status_code == 400 and error in answer.text, fields
        assert decisions.decision_for(engine, served_env.run_id, uscc) is None
    page = client.get(f"/ui/firm/{uscc}").text
    assert page.index('class="reasons"') < page.index('class="decide"')  # reasons first
    assert "排除（须填写理由）" not in page
    assert _decide(client, csrf, uscc, decision="dismiss",
                   reason_code="rectified").status_code == 303
    assert decisions.decision_for(engine, served_env.run_id, uscc)["reason"] == "经核实已整改到位"
    assert _decide(client, csrf, other, decision="dismiss", reason_code="other",
                   reason_other="企业已迁出辖区").status_code == 303
    assert decisions.decision_for(engine, served_env.run_id, other)["reason"] == "企业已迁出辖区"


def test_long_reason_labels_wrap_instead_of_being_cut():
    label = "列入经营异常名录已1635天（满三年未移出，将列入严重违法失信名单）"
    svg = str(charts.bar_chart([label, "短"], [0.4, -0.1], "reasons"))
    shown = re.findall(r'<text class="label"[^>]*>(.*?)</text>', svg)
    assert [re.sub("<[^>]+>", "", s) for s in shown] == [label, "短"]
    assert "…" not in svg and shown[0].count("<tspan") > 1


@pytest.mark.parametrize("role", ["viewer", "branch"])
def test_the_queue_is_searched_by_name_or_code_and_filtered_by_decision(client, served_env,
                                                                        role):
    from serving.store import decisions
    from serving.store.database import open_database

    engine = open_database(served_env.database)
    towns = frozenset({"441900003000"}) if role == "branch" else None
    firm = _firm(served_env, "D", 0, towns)
    sign_in(client, served_env.tokens[role])
    for search in (firm["name"], firm["uscc"], firm["uscc"][:12].lower()):
        page = client.get("/ui/queue", params={"search": search}).text
        assert f"/firm/{firm['uscc']}" in page and f'value="{search}"' in page
        rows, total = decisions.review_queue(engine, served_env.run_id, search=search,
                                             towns=towns, limit=10_000)
        assert total == len(rows) and firm["uscc"] in {r["uscc"] for r in rows}
        assert all(search in r["name"] or r["uscc"].startswith(search.upper()) for r in rows)
        assert towns is None or {r["town_code"] for r in rows} <= towns
    assert client.get("/ui/queue", params={"search": "%"}).text.count("/ui/firm/") == 0
    dismissed, total = decisions.review_queue(engine, served_env.run_id, decision="dismiss",
                                              towns=towns, limit=10_000)
    page = client.get("/ui/queue", params={"decision": "dismiss"}).text
    assert page.count('class="tier-') == min(total, 25)
    assert {r["decision"] for r in dismissed} <= {"dismiss"}
    assert 'name="decision"' in page and "search=" in page  # kept in paging and exports
