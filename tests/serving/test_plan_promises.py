"""Plans keep their promises (issue 20), through the service on a generated market scored for
quasi-financial risk: an officer confirms the top quasi-financial warning, the next two-week
plan places it, nearly every wanted visit is placed, and each one that is not is listed with
its reason in the answer and in the stored plan."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.serving.conftest import QUARTERS, World, bearer

pytestmark = pytest.mark.clock  # make test runs these again a year ahead

TWO_WEEKS = {"start": "2026-01-05", "end": "2026-01-16"}
REASONS = {"no_qualified_pair", "recusal", "outside_window", "capacity"}


@pytest.fixture(scope="module")
def world(market, tmp_path_factory) -> World:
    """The session's market with a quasi-financial champion and one scoring run, in a registry
    and database of this module's own (the shared world scores food only)."""
    from features.dataset import as_of_dates, build_dataset
    from serving.batch.score import score_run
    from serving.store.database import open_database
    from serving.store.users import add_user
    from training import tracking
    from training.train import train_industry

    root = tmp_path_factory.mktemp("quasi-financial")
    registry = f"sqlite:///{root / 'mlruns' / 'mlflow.db'}"
    database = f"sqlite:///{root / 'riskwarn.db'}"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MLFLOW_TRACKING_URI", registry)
        tracking.client()
        build_dataset(market, root / "features", as_of_dates(QUARTERS, None),
                      ["quasi_financial"])
        trained = train_industry(root / "features", "quasi_financial", seed=0)
        tracking.set_alias("quasi_financial", "champion", trained.version)
        engine = open_database(database)
        run = score_run(engine, str(market), pd.Timestamp("2026-01-01"))
    tracking.client()  # MLflow keeps a process-wide URI: point it back
    tokens = {role: add_user(engine, role, role, None) for role in ("officer", "scheduler")}
    return World(market, database, registry, tokens, run.run_id)


# served_env: tests/serving/conftest.py's, over this module's world


def test_the_confirmed_top_warning_is_in_the_next_plan(client, world):
    top = client.post("/warnings", json={"industry": "quasi_financial", "limit": 1},
                      headers=bearer(world, "officer")).json()["items"][0]
    r = client.post("/decisions", json={"uscc": top["uscc"], "decision": "confirm"},
                    headers=bearer(world, "officer"))
    assert r.status_code == 200, r.text
    r = client.post("/schedule", json=TWO_WEEKS, headers=bearer(world, "scheduler"))
    assert r.status_code == 200, r.text
    plan = r.json()
    placed = {v["uscc"]: v for v in plan["visits"]}
    assert top["uscc"] in placed, [u for u in plan["unplaced"] if u["uscc"] == top["uscc"]]
    summary = plan["summary"]
    assert summary["by_kind"]["confirmed"] == {"placed": 1, "wanted": 1}
    assert summary["capacity"]["share_used"] < 1
    assert summary["visits"] >= 0.95 * summary["wanted"]  # capacity allows: nearly all placed
    assert summary["unplaced"] == len(plan["unplaced"])
    assert {u["reason"] for u in plan["unplaced"]} <= REASONS
    assert all(set(u) >= {"uscc", "kind", "reason"} for u in plan["unplaced"])
    stored = client.post("/plan", json={"plan_id": plan["plan_id"]},
                         headers=bearer(world, "officer")).json()
    assert sorted(u["uscc"] for u in stored["unplaced"]) == sorted(
        u["uscc"] for u in plan["unplaced"])
    public = client.post("/plan", json={"plan_id": plan["plan_id"], "public": True},
                         headers=bearer(world, "officer")).json()
    assert "unplaced" not in public  # the 公示 version lists visits only
