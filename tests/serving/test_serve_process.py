"""`riskwarn serve` as a real process, called over HTTP with BentoML's own client."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import bentoml
import httpx
import pytest

from tests.serving.conftest import AS_OF


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(world, tmp_path_factory):
    port = _free_port()
    env = {**os.environ, "MLFLOW_TRACKING_URI": world.registry,
           "RISKWARN_DATABASE_URL": world.database, "BENTOML_DO_NOT_TRACK": "true",
           "BENTOML_HOME": str(tmp_path_factory.mktemp("bentoml"))}
    log = Path(tmp_path_factory.mktemp("log")) / "serve.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "serving.cli", "serve", "--port", str(port)],
            env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert process.poll() is None, log.read_text()
            time.sleep(0.5)
        else:
            pytest.fail(f"riskwarn serve did not become ready:\n{log.read_text()}")
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def test_a_real_server_scores_a_firm_with_reasons(server, world):
    top = httpx.post(f"{server}/warnings", json={"limit": 1},
                     headers={"Authorization": f"Bearer {world.tokens['viewer']}"}).json()
    uscc = top["items"][0]["uscc"]
    with bentoml.SyncHTTPClient(server, token=world.tokens["viewer"]) as client:
        answer = client.score(firms=[{"uscc": uscc}])
    result = answer["results"][0]
    assert result["uscc"] == uscc and result["as_of"] == AS_OF
    assert result["reasons"] and result["reasons"][0]["text_zh"]


def test_the_real_server_refuses_without_a_token_and_publishes_metrics(server):
    assert httpx.post(f"{server}/score", json={"firms": [{"uscc": "x"}]}).status_code == 401
    metrics = httpx.get(f"{server}/metrics").text
    assert "riskwarn_requests" in metrics and "riskwarn_scored_firms" in metrics
