"""A request that got a 2xx has its audit row, with the request's own time, after a SIGKILL."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import httpx
from sqlalchemy import func, select

from serving.store.database import open_database
from serving.store.schema import audit_log
from tests.serving.servers import copy_database, serve_env, serving, stop_all

N = 40


def test_acknowledged_decisions_keep_their_audit_rows_through_a_sigkill(world, tmp_path):
    database = copy_database(world, tmp_path)
    with open_database(database).connect() as connection:  # earlier tests' rows in the copy
        before = connection.execute(select(func.max(audit_log.c.id))).scalar() or 0
    officer = {"Authorization": f"Bearer {world.tokens['officer']}"}
    with serving(serve_env(world, tmp_path / "bentoml", database), tmp_path / "serve.log"
                 ) as server:
        items = httpx.post(f"{server.url}/warnings", json={"limit": N}, headers=officer,
                           timeout=30).json()["items"]
        assert len(items) == N

        def decide(uscc: str) -> tuple[str, int, datetime, datetime]:
            sent = datetime.now(UTC)
            r = httpx.post(f"{server.url}/decisions", json={"uscc": uscc, "decision":
                                                            "escalate"},
                           headers=officer, timeout=60)
            return uscc, r.status_code, sent, datetime.now(UTC)

        with ThreadPoolExecutor(8) as pool:
            answered = list(pool.map(decide, [item["uscc"] for item in items]))
        stop_all(server.process)  # SIGKILL, server and workers, right after the last answer
    acknowledged = {uscc: (sent, back) for uscc, status, sent, back in answered
                    if status == 200}
    assert len(acknowledged) == N, answered

    with open_database(database).connect() as connection:
        rows = connection.execute(select(audit_log.c.at, audit_log.c.detail).where(
            audit_log.c.action == "POST /decisions", audit_log.c.id > before)).all()
    audited = {json.loads(row.detail)["uscc"]: row.at for row in rows
               if json.loads(row.detail)["status"] == 200}
    assert set(audited) == set(acknowledged), f"{len(audited)} of {N} audit rows survived"
    for uscc, (sent, back) in acknowledged.items():
        assert sent <= audited[uscc] <= back, (uscc, sent, audited[uscc], back)
