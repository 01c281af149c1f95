"""POST /decisions: review decisions, never overwritten, feeding the targeted list."""

from __future__ import annotations

import pytest

from tests.serving.conftest import bearer

pytestmark = pytest.mark.clock  # make test runs these again a year ahead


def _quiet_firm(client, world, offset):
    r = client.post("/warnings", json={"tier": "A", "limit": 1, "offset": offset},
                    headers=bearer(world, "admin"))
    return r.json()["items"][0]["uscc"]


def test_officers_decide_once_and_the_second_sees_the_first(client, world):
    uscc = _quiet_firm(client, world, 0)
    body = {"uscc": uscc, "decision": "escalate", "note": "需联合检查"}
    assert client.post("/decisions", json=body, headers=bearer(world, "viewer")).status_code \
        == 403
    first = client.post("/decisions", json=body, headers=bearer(world, "officer"))
    assert first.status_code == 200, first.text
    assert first.json()["decided_by"] == "officer"
    second = client.post("/decisions", json={"uscc": uscc, "decision": "dismiss",
                                             "reason": "误报"},
                         headers=bearer(world, "admin"))
    assert second.status_code == 409
    assert second.json()["first"]["decision"] == "escalate"


def test_refusals_name_the_field(client, world):
    h = bearer(world, "officer")
    uscc = _quiet_firm(client, world, 1)
    r = client.post("/decisions", json={"uscc": uscc, "decision": "dismiss"}, headers=h)
    assert r.status_code == 422 and r.json()["field"] == "reason"
    r = client.post("/decisions", json={"uscc": uscc, "decision": "ignore"}, headers=h)
    assert r.status_code == 400 and r.json()["field"] == "decision"
    r = client.post("/decisions", json={"uscc": "91441900MA0000015D", "decision": "confirm"},
                    headers=h)
    assert r.status_code == 404


def test_confirmed_firms_head_the_next_plans_targeted_visits(client, world):
    uscc = _quiet_firm(client, world, 2)  # tier A: never targeted on probability alone
    r = client.post("/decisions", json={"uscc": uscc, "decision": "confirm"},
                    headers=bearer(world, "officer"))
    assert r.status_code == 200, r.text
    plan = client.post("/schedule", json={"start": "2026-03-02", "end": "2026-03-27"},
                       headers=bearer(world, "scheduler")).json()
    kind = {v["uscc"]: v["kind"] for v in plan["visits"]}
    assert uscc in kind  # drawn at random, or else first of the targeted list
    if kind[uscc] == "targeted":
        assert plan["summary"]["targeted"]["food"]["confirmed"] >= 1
