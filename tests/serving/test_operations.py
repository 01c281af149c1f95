"""What the service shows of the nightly loop: the gauge on /metrics, the banner on every page
while a step's latest attempt failed, and the admins' operations page."""

from __future__ import annotations

import re
from datetime import date

import httpx
import pytest

from serving.store import jobs
from serving.store.database import open_database
from tests.serving.servers import copy_database, serve_env, serving
from tests.serving.ui_client import sign_in


@pytest.fixture(scope="module")
def ops_client(world, asgi_app, tmp_path_factory):
    """The service on a copy of the world's database (the failures written here stay here)."""
    from starlette.testclient import TestClient

    database = copy_database(world, tmp_path_factory.mktemp("ops"))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MLFLOW_TRACKING_URI", world.registry)
        mp.setenv("RISKWARN_DATABASE_URL", database)
        mp.delenv("RISKWARN_SOURCES", raising=False)
        mp.delenv("RISKWARN_MODEL_STORE", raising=False)
        with TestClient(asgi_app) as client:
            yield client, open_database(database)


def _two_nights(engine) -> None:
    """validate and score complete on 2 January; score failed on the 3rd."""
    for step in ("validate", "score"):
        jobs.finish_job(engine, jobs.start_job(engine, date(2026, 1, 2), step), {"firms": 12})
    later = jobs.start_job(engine, date(2026, 1, 3), "score")
    jobs.fail_job(engine, later, "registrations.parquet: column uscc: missing")


def test_the_real_servers_metrics_carry_each_steps_last_success(world, tmp_path):
    database = copy_database(world, tmp_path)
    engine = open_database(database)
    _two_nights(engine)
    env = serve_env(world, tmp_path / "bentoml", database)
    with serving(env, tmp_path / "serve.log") as served:
        metrics = httpx.get(f"{served.url}/metrics", timeout=30).text
    found = dict(re.findall(
        r'riskwarn_last_success_timestamp_seconds\{step="(\w+)"\} ([0-9.e+]+)', metrics))
    assert set(found) == {"validate", "score"}
    last = jobs.last_success(engine)
    assert float(found["score"]) == pytest.approx(last["score"].timestamp())  # not the failure


def test_the_banner_and_operations_page_follow_the_jobs(ops_client, world):
    client, engine = ops_client
    _two_nights(engine)

    sign_in(client, world.tokens["viewer"])
    queue = client.get("/ui/queue").text
    assert "夜间作业失败：2026-01-03 的步骤 score" in queue and "column uscc: missing" in queue
    assert client.get("/ui/operations").status_code == 403
    assert "/ui/operations" not in queue  # the link is for admins only

    sign_in(client, world.tokens["admin"])
    page = client.get("/ui/operations?lang=en")
    assert page.status_code == 200
    assert page.text.count('class="job-complete"') == 2
    assert page.text.count('class="job-failed"') == 1 and "firms 12" in page.text

    jobs.finish_job(engine, jobs.start_job(engine, date(2026, 1, 3), "score"), {})
    assert "夜间作业失败" not in client.get("/ui/queue").text  # resolved: no banner
