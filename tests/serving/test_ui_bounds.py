"""Every number and date the pages take is bounded: out of range is the error page naming the
field (400), never a 500 (SQLite's INTEGER stops at 2^63 - 1)."""

from __future__ import annotations

import pytest

from tests.serving.ui_client import sign_in

HUGE = "99999999999999999999"


@pytest.mark.parametrize(("path", "field"), [
    ("/ui/queue?page=400000000000000000", "page"),
    ("/ui/queue?page=0", "page"),
    ("/ui/queue?page=x", "page"),
    (f"/ui/plans?plan_id={HUGE}", "plan_id"),
    ("/ui/plans?plan_id=-1", "plan_id"),
    (f"/ui/plan/{HUGE}.xlsx", "plan_id"),
    (f"/ui/plan/{HUGE}.csv", "plan_id"),
    ("/ui/plan/9223372036854775808.csv", "plan_id"),
])
def test_a_number_out_of_range_is_the_error_page_naming_its_field(client, served_env, path,
                                                                   field):
    sign_in(client, served_env.tokens["viewer"])
    answer = client.get(path)
    assert answer.status_code == 400, answer.text
    assert f'data-field="{field}"' in answer.text and f"（{field}）" in answer.text
    assert client.get("/ui/queue?page=2").status_code == 200  # the session goes on


def test_the_largest_plan_id_is_simply_not_found(client, served_env):
    sign_in(client, served_env.tokens["viewer"])
    assert client.get("/ui/plan/9223372036854775807.xlsx").status_code == 404


@pytest.mark.parametrize(("plan_id", "inspected_on", "status", "shown"), [
    (HUGE, "2026-01-06", 400, 'data-field="plan_id"'),
    ("1", "20260106-01-01", 400, "检查日期无效"),
    ("1", "99999-01-01", 400, "检查日期无效"),
])
def test_the_outcome_form_refuses_numbers_and_dates_out_of_range(client, served_env, plan_id,
                                                                 inspected_on, status, shown):
    csrf = sign_in(client, served_env.tokens["officer"])
    answer = client.post(f"/ui/plans/{plan_id}/91441900MA4W00000X/outcome",
                         data={"csrf": csrf, "result": "no_problem",
                               "inspected_on": inspected_on})
    assert answer.status_code == status, answer.text
    assert shown in answer.text
