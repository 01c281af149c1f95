"""schemathesis (`st run`) against a real `riskwarn serve`: every operation, every check."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.serving.servers import copy_database, serve_env, serving

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = 12  # per operation in the suite; benchmarks/RESULTS.md records a run with 50


@pytest.fixture(scope="module")
def server(world, tmp_path_factory):
    """A server on a copy of the world's database: the fuzzer's plans stay its own."""
    root = tmp_path_factory.mktemp("fuzzed")
    env = serve_env(world, root / "bentoml", copy_database(world, root))
    with serving(env, root / "serve.log") as served:
        yield served


def st_run(url: str, token: str, examples: int, report: Path) -> subprocess.CompletedProcess[str]:
    """The command benchmarks/RESULTS.md shows, with `examples` per operation."""
    st = Path(sys.executable).with_name("schemathesis")
    return subprocess.run(
        [str(st), "run", f"{url}/docs.json", "--checks", "all", "-n", str(examples),
         "--seed", "1", "--generation-database", "none", "--workers", "1",
         "--request-timeout", "30", "-H", f"Authorization: Bearer {token}",
         "--report", "junit", "--report-dir", str(report)],
        capture_output=True, text=True, timeout=900, cwd=REPO)  # REPO/schemathesis.toml


def test_a_refused_request_is_one_log_line_without_its_body(server, world):
    """The log names endpoint, status and field; never the body, never a traceback."""
    secret = "SECRET-NOTE-4242 住址东莞市某路1号 "
    r = httpx.post(f"{server.url}/outcomes", json={
        "plan_id": 1, "uscc": "91441900MA0000015D", "result": "rectify",
        "inspected_on": "2026-01-05", "note": secret * 200},
        headers={"Authorization": f"Bearer {world.tokens['officer']}"}, timeout=30)
    assert r.status_code == 400 and r.json()["field"] == "note", r.text
    assert r.json() == {"error": r.json()["error"], "field": "note"}
    time.sleep(1)  # the server's log is written by its own process
    log = server.log.read_text()
    assert "SECRET-NOTE" not in log and "Traceback" not in log and "input_value" not in log
    lines = [line for line in log.splitlines() if "/outcomes" in line and "400" in line
             and "[INFO]" not in line]  # BentoML's access line is INFO: no body either
    assert len(lines) == 1 and "field=note" in lines[0], lines


def test_schemathesis_finds_no_failure_of_any_kind(server, world, tmp_path):
    done = st_run(server.url, world.tokens["admin"], EXAMPLES, tmp_path)
    assert done.returncode == 0, done.stdout[-8000:] + done.stderr[-2000:]
    assert "No issues found" in done.stdout or "passed" in done.stdout, done.stdout[-3000:]
