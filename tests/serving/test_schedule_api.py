"""/schedule, /plan and /outcomes through the service, and outcomes reaching retraining."""

from __future__ import annotations

import pandas as pd
import pytest

from serving.store.database import open_database
from tests.serving.conftest import bearer

pytestmark = pytest.mark.clock  # make test runs these again a year ahead

PERIOD = {"start": "2026-01-05", "end": "2026-01-30"}


def _plan(client, world, role="scheduler", **extra):
    return client.post("/schedule", json={**PERIOD, **extra}, headers=bearer(world, role))


def test_a_scheduler_plans_and_the_server_draws_the_seed(client, world):
    assert _plan(client, world, "officer").status_code == 403
    r = _plan(client, world)
    assert r.status_code == 200, r.text
    plan = r.json()
    assert plan["plan_id"] >= 1 and plan["seed"] >= 0 and plan["visits"]
    visit = plan["visits"][0]
    assert set(visit) == {"date", "uscc", "industry", "town_code", "inspector_ids", "kind",
                          "tier", "probability"}
    assert len(set(visit["inspector_ids"])) == 2
    assert {v["kind"] for v in plan["visits"]} == {"random", "targeted"}
    found = plan["summary"]["expected_violations"]
    assert found["plan"] > found["pure_random"]
    other = _plan(client, world).json()
    assert other["plan_id"] != plan["plan_id"] and other["seed"] != plan["seed"]


def test_only_an_admin_may_pass_a_seed_and_it_replays_the_plan(client, world):
    assert _plan(client, world, seed=42).status_code == 403
    first, second = (_plan(client, world, "admin", seed=42).json() for _ in range(2))
    assert first["visits"] == second["visits"] and first["plan_id"] != second["plan_id"]


def test_bad_ratios_or_periods_are_400_naming_the_field(client, world):
    cases = [({"ratios": {"A": 0, "B": .1, "C": .4, "D": .8}}, "ratios", 422),
             ({"ratios": {"A": .03}}, "ratios", 422),
             ({"targeted_share": 1.5}, "targeted_share", 400),
             ({"start": "2026-02-01", "end": "2026-01-01"}, "end", 422),
             ({"start": "2026-13-01"}, "start", 400),
             ({"start": "1999-12-31"}, "start", 400),
             ({"seed": 2**63}, "seed", 400)]
    for body, field, status in cases:
        r = client.post("/schedule", json={**PERIOD, **body}, headers=bearer(world, "admin"))
        assert r.status_code == status, (body, r.text)
        assert field in r.text, (body, r.text)


def test_the_public_version_has_names_and_dates_but_no_class(client, world):
    plan_id = _plan(client, world).json()["plan_id"]
    r = client.post("/plan", json={"plan_id": plan_id, "public": True},
                    headers=bearer(world, "officer"))
    assert r.status_code == 200, r.text
    assert "tier" not in r.text and "probability" not in r.text
    visit = r.json()["visits"][0]
    assert set(visit) == {"date", "uscc", "name", "inspectors"} and visit["name"]
    full = client.post("/plan", json={"plan_id": plan_id}, headers=bearer(world, "officer"))
    someone = full.json()["visits"][0]["inspector_ids"][0]
    mine = client.post("/plan", json={"plan_id": plan_id, "inspector_id": someone},
                       headers=bearer(world, "officer")).json()["visits"]
    assert mine and all(someone in v["inspector_ids"] for v in mine)
    assert client.post("/plan", json={"plan_id": 10**6},
                       headers=bearer(world, "officer")).status_code == 404


def test_an_outcome_is_recorded_once_and_reaches_the_next_retraining(client, world):
    from features.build import build_as_of
    from features.loading import load_sources
    from features.prepare import prepare
    from serving.store.plans import outcomes_as_inspections

    plan = _plan(client, world).json()
    visit = next(v for v in plan["visits"] if v["kind"] == "random")
    body = {"plan_id": plan["plan_id"], "uscc": visit["uscc"], "result": "rectify",
            "inspected_on": visit["date"], "note": "过期食品"}
    first = client.post("/outcomes", json=body, headers=bearer(world, "officer"))
    assert first.status_code == 200, first.text
    again = client.post("/outcomes", json={**body, "result": "no_problem"},
                        headers=bearer(world, "admin"))
    assert again.status_code == 409 and again.json()["first"]["result"] == "rectify"
    missing = client.post("/outcomes", json={**body, "uscc": "91441900MA0000015D"},
                          headers=bearer(world, "officer"))
    assert missing.status_code == 404
    future = client.post("/outcomes", json={**body, "inspected_on": "2099-01-01"},
                         headers=bearer(world, "officer"))
    assert future.status_code == 422
    # before the century (any plan), after the plan's end
    for day, status in (("0001-01-01", 400), (PERIOD["end"][:8] + "31", 422)):
        outside = client.post("/outcomes", json={**body, "inspected_on": day},
                              headers=bearer(world, "officer"))
        assert outside.status_code == status, outside.text
        assert outside.json()["field"] == "inspected_on", outside.text
    nowhere = client.post("/outcomes", json={**body, "plan_id": 10**6},
                          headers=bearer(world, "officer"))
    assert nowhere.status_code == 404 and "plan_id" in nowhere.text

    recorded = outcomes_as_inspections(open_database(world.database))
    mine = recorded.loc[recorded["uscc"] == visit["uscc"]]
    assert list(mine["kind"]) == ["random"] and list(mine["outcome"]) == ["rectify"]
    loaded = load_sources(world.sources)
    after = mine["known_at"].max() + pd.Timedelta(days=1)  # known from the day it was recorded
    before = build_as_of(prepare(loaded.tables), after, ["food"], only=[visit["uscc"]])["food"]
    loaded.tables["inspections"] = pd.concat([loaded.tables["inspections"], recorded],
                                             ignore_index=True)
    now = build_as_of(prepare(loaded.tables), after, ["food"], only=[visit["uscc"]])["food"]
    assert now["insp_random"].iloc[0] == before["insp_random"].iloc[0] + 1
    assert now["insp_random_violations"].iloc[0] == before["insp_random_violations"].iloc[0] + 1


def test_schedule_command_writes_excel_and_a_public_csv(served_env, tmp_path):
    from typer.testing import CliRunner

    from serving.cli import app

    runner = CliRunner()
    book = tmp_path / "plan.xlsx"
    r = runner.invoke(app, ["schedule", "--start", "2026-02-02", "--end", "2026-02-27",
                            "--out", str(book)])
    assert r.exit_code == 0, r.output
    assert "visits on" in r.output and book.exists()
    sheets = pd.read_excel(book, sheet_name=None)
    assert {"visits", "summary", "random_by_stratum"} <= set(sheets)
    assert {"tier", "probability", "inspector_ids"} <= set(sheets["visits"].columns)
    public = tmp_path / "plan.csv"
    r = runner.invoke(app, ["schedule", "--start", "2026-02-02", "--end", "2026-02-27",
                            "--out", str(public), "--public"])
    assert r.exit_code == 0, r.output
    shown = pd.read_csv(public, encoding="utf-8-sig")
    assert list(shown.columns) == ["date", "uscc", "name", "inspectors"]
    bad = runner.invoke(app, ["schedule", "--start", "2026-02-02", "--end", "2026-02-27",
                              "--out", str(tmp_path / "plan.pdf")])
    assert bad.exit_code == 2


def test_numbers_past_64_bits_are_400_naming_the_field(client, world):
    """SQLite's INTEGER is 64-bit: a larger id or offset is refused before it reaches it."""
    h = bearer(world, "admin")
    outcome = {"uscc": "91441900MA0000015D", "result": "rectify", "inspected_on": "2026-01-05"}
    for path, body, field in (("/warnings", {"offset": 2**63}, "offset"),
                              ("/plan", {"plan_id": 2**63}, "plan_id"),
                              ("/outcomes", {**outcome, "plan_id": 2**63}, "plan_id")):
        r = client.post(path, json=body, headers=h)
        assert r.status_code == 400 and r.json()["field"] == field, (path, r.text)
