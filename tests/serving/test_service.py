"""The BentoML service in process: answers, access control, refusals and the audit trail."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import select

from serving.store.database import open_database
from serving.store.schema import audit_log
from serving.store.users import User
from tests.serving.conftest import AS_OF, bearer


def _warnings(client, world, role="admin", **body):
    r = client.post("/warnings", json=body, headers=bearer(world, role))
    assert r.status_code == 200, r.text
    return r.json()


def test_health_and_schema_are_open_everything_else_needs_a_token(client, world):
    assert client.get("/healthz").status_code == 200
    assert client.get("/docs.json").status_code == 200
    for path in ("/score", "/warnings", "/firm", "/models", "/users"):
        r = client.post(path, json={})
        assert r.status_code == 401, path
        assert "token" in r.json()["error"]
    wrong = client.post("/warnings", json={}, headers={"Authorization": "Bearer nope" * 8})
    assert wrong.status_code == 401


def test_roles_each_include_the_one_before(client, world):
    assert client.post("/users", json={}, headers=bearer(world, "scheduler")).status_code == 403
    r = client.post("/users", json={}, headers=bearer(world, "admin"))
    assert r.status_code == 200
    names = {u["name"] for u in r.json()["users"]}
    assert {"viewer", "officer", "admin", "branch"} <= names
    assert world.tokens["admin"] not in r.text  # tokens are never shown again


def test_warnings_are_the_latest_run_ranked_and_paginated(client, world):
    first = _warnings(client, world, limit=5)
    assert first["run_id"] == world.run_id and first["as_of"] == AS_OF
    probabilities = [i["probability"] for i in first["items"]]
    assert probabilities == sorted(probabilities, reverse=True) and len(probabilities) == 5
    assert all(i["tier"] in "BCD" and i["top_reason"]["text_zh"] for i in first["items"][:3])
    second = _warnings(client, world, limit=5, offset=5)
    assert second["total"] == first["total"] > 10
    assert second["items"][0]["probability"] <= probabilities[-1]
    only_d = _warnings(client, world, tier="D", limit=1000)
    assert only_d["total"] == len(only_d["items"])
    assert {i["tier"] for i in only_d["items"]} == {"D"}


def test_score_answers_each_firm_in_order_and_never_fails_for_one_bad_code(client, world):
    top = _warnings(client, world, limit=2)["items"]
    quiet = _warnings(client, world, tier="A", limit=1)["items"][0]
    asked = [top[0]["uscc"], "not-a-code", quiet["uscc"], "91441900MA00000000", top[1]["uscc"]]
    r = client.post("/score", json={"firms": [{"uscc": u} for u in asked]},
                    headers=bearer(world, "viewer"))
    assert r.status_code == 200, r.text
    results = r.json()["results"]
    assert [x["uscc"] for x in results] == asked
    assert "malformed" in results[1]["error"] and "malformed" in results[3]["error"]
    for x in (results[0], results[2], results[4]):
        assert x["industry"] == "food" and x["as_of"] == AS_OF and x["model_version"]
        assert set(x["reasons"][0]) == {"code", "text_zh", "text_en", "value", "reference",
                                        "effect_pp"}
        assert x["reasons"][0]["effect_pp"] > 0
    assert results[0]["probability"] == pytest.approx(top[0]["probability"])
    assert results[2]["tier"] == "A"  # tier A has reasons too, stored by the batch


def test_the_batch_stores_reasons_for_every_tier(served_env):
    from serving.store import runs

    engine = open_database(served_env.database)
    firms = runs.run_frame(engine, served_env.run_id)
    stored = runs.scores_for(engine, served_env.run_id, list(firms["uscc"]))
    assert {r["tier"] for r in stored.values()} == {"A", "B", "C", "D"}
    assert all(isinstance(r["reasons"], list) for r in stored.values())  # none to compute


def test_fresh_scores_come_from_the_same_feature_code_as_the_batch(served_env):
    from serving.api.startup import load_workspace
    from serving.store import runs

    workspace = load_workspace()
    engine = open_database(served_env.database)
    stored, _ = runs.warnings_page(engine, served_env.run_id, limit=40)
    usccs = [r["uscc"] for r in stored]
    online = workspace._compute(usccs, pd.Timestamp(AS_OF))
    assert np.allclose([online[u]["probability"] for u in usccs],
                       [r["probability"] for r in stored], rtol=0, atol=1e-12)
    assert [online[u]["tier"] for u in usccs] == [r["tier"] for r in stored]


def test_the_warm_up_builds_the_rows_fresh_reads_and_only_those(served_env):
    from serving.api.startup import load_workspace

    workspace = load_workspace()
    workspace.warm()  # the service runs it in a thread at start
    assert [as_of for _, as_of in workspace._frames] == [workspace.fresh_as_of()]
    usccs = list(next(iter(workspace._frames.values()))["food"]["uscc"][:3])
    admin = User(1, "admin", "admin", None)
    answers = workspace.score(admin, usccs, fresh=True)
    assert [a["uscc"] for a in answers] == usccs and all("tier" in a for a in answers)
    assert len(workspace._frames) == 1  # answered from them: nothing more built


def test_malformed_requests_are_400_naming_the_field(client, world):
    """400: not what /docs.json describes; 422: described, but against a rule of the service."""
    h = bearer(world, "viewer")
    cases = [("/score", {"firms": []}, "firms"),
             ("/score", {"firms": [{"uscc": "x"}] * 1001}, "firms"),
             ("/score", {"firms": [{"uscc": "x"}], "fresh": "yes"}, "fresh"),
             ("/score", {"firms": [{"code": "x"}]}, "firms"),
             ("/warnings", {"limit": 0}, "limit"),
             ("/warnings", {"industry": "banking"}, "industry"),
             ("/warnings", {"min_probability": 2}, "min_probability"),
             ("/warnings", {"offset": 2**63}, "offset"),
             ("/firm", {"uscc": "nonsense"}, "uscc")]
    for path, body, field in cases:
        r = client.post(path, json=body, headers=h)
        assert r.status_code == (422 if path == "/firm" else 400), (path, body, r.text)
        assert r.json()["field"].split(".")[0] == field, (path, body, r.text)
    r = client.post("/score", content=b"--x--", headers={**h, "content-type":
                                                          "multipart/form-data"})
    assert r.status_code == 415 and r.json()["field"] == "content-type"
    r = client.post("/score", content=b"{not json", headers={**h, "content-type":
                                                              "application/json"})
    assert 400 <= r.status_code < 500


def test_a_branch_office_sees_only_its_towns(client, world):
    mine = _warnings(client, world, "branch", limit=1000)
    assert mine["total"] and {i["town_code"] for i in mine["items"]} == {"441900003000"}
    assert client.post("/warnings", json={"town_code": "441900004000"},
                       headers=bearer(world, "branch")).status_code == 403
    elsewhere = _warnings(client, world, town_code="441900004000", limit=1)["items"][0]
    r = client.post("/firm", json={"uscc": elsewhere["uscc"]}, headers=bearer(world, "branch"))
    assert r.status_code == 403
    r = client.post("/score", json={"firms": [{"uscc": elsewhere["uscc"]}]},
                    headers=bearer(world, "branch"))
    assert "outside your towns" in r.json()["results"][0]["error"]


def test_firm_detail_masks_the_legal_representative_for_viewers(client, world):
    uscc = _warnings(client, world, limit=1)["items"][0]["uscc"]
    seen = {}
    for role in ("viewer", "officer"):
        r = client.post("/firm", json={"uscc": uscc}, headers=bearer(world, role))
        assert r.status_code == 200, r.text
        seen[role] = r.json()
    full, masked = seen["officer"]["legal_rep_name"], seen["viewer"]["legal_rep_name"]
    assert full and masked == full[0] + "*" * (len(full) - 1)
    detail = seen["viewer"]
    assert detail["current"]["uscc"] == uscc and detail["current"]["reasons"]
    assert detail["history"][-1]["run_id"] == world.run_id
    assert detail["timeline"] and detail["timeline"] == sorted(
        detail["timeline"], key=lambda e: e["date"], reverse=True)
    unknown = client.post("/firm", json={"uscc": "91441900MA0000015D"},
                          headers=bearer(world, "viewer"))
    assert unknown.status_code == 404 and unknown.json()["field"] == "uscc"


def test_models_lists_the_champion_with_its_periods_and_metrics(client, world):
    r = client.post("/models", json={}, headers=bearer(world, "viewer"))
    assert r.status_code == 200, r.text
    champion = next(m for m in r.json()["models"] if m["alias"] == "champion")
    assert champion["industry"] == "food" and champion["test_period"]
    assert 0.5 < champion["metrics"]["test_roc_auc"] <= 1


def test_every_authorised_request_is_audited(client, world):
    from serving.api.audit_queue import flush_all

    client.post("/firm", json={"uscc": "91441900MA0000015D"}, headers=bearer(world, "officer"))
    flush_all()
    with open_database(world.database).connect() as c:
        rows = c.execute(select(audit_log).where(audit_log.c.user_name == "officer")
                         .order_by(audit_log.c.id.desc())).mappings().first()
    assert rows is not None and rows["action"] == "POST /firm"
    assert json.loads(rows["detail"])["uscc"] == "91441900MA0000015D"


def test_ready_only_once_the_warm_up_is_over(served_env, monkeypatch):
    import threading

    from serving.api.service import RiskWarn
    from serving.workspace.scores import Workspace

    release = threading.Event()
    monkeypatch.setattr(Workspace, "warm", lambda self: release.wait(30))
    service = RiskWarn()  # the plain instance; its warm-up now waits for `release`
    assert not service.__is_ready__()
    release.set()
    service.warming.join()
    assert service.__is_ready__()


def test_a_worker_listens_only_once_its_warm_up_is_over(served_env, monkeypatch):
    """BentoML starts a worker's listening after its startup hooks; the service's hook waits
    for the warm-up, so with several workers no request reaches one still warming."""
    import threading

    import anyio

    from serving.api.service import RiskWarn
    from serving.workspace.scores import Workspace

    assert getattr(RiskWarn.inner.accept_once_warm, "__bentoml_startup_hook__", False)
    release = threading.Event()
    monkeypatch.setattr(Workspace, "warm", lambda self: release.wait(30))
    service = RiskWarn()
    hook = threading.Thread(target=anyio.run, args=(service.accept_once_warm,))
    hook.start()
    hook.join(0.5)
    assert hook.is_alive() and not service.__is_ready__()  # still waiting for the warm-up
    release.set()
    hook.join(30)
    assert not hook.is_alive() and service.__is_ready__()


def test_workers_given_the_kept_champions_serve_them_without_importing_mlflow(served_env,
                                                                                tmp_path):
    """`riskwarn serve` keeps the champions once (`champions.keep`); a worker reading them
    (a new interpreter, as a BentoML worker is) never imports MLflow and scores alike."""
    import os
    import subprocess
    import sys

    from serving.api.startup import load_workspace
    from training import champions, served

    kept = champions.keep(tmp_path)
    probe = ("import sys\nfrom serving.api.startup import load_workspace\n"
             "w = load_workspace()\n"
             "print(sorted((k, c.version) for k, c in w.champions.items()), len(w.models),\n"
             "      'mlflow' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True, env={**os.environ, served.KEPT_ENV: str(kept)})
    registry = load_workspace()
    versions = sorted((k, c.version) for k, c in registry.champions.items())
    assert out.stdout.split("\n")[0] == f"{versions} {len(registry.models)} False"
    rows = registry.frames(registry.fresh_as_of())["food"].head(50)
    read = served.read(kept).champions["food"].fast
    x = read.encode(rows)
    assert np.array_equal(read.predict(x), registry.champions["food"].fast.predict(x))
