"""What the service does when it starts, as a real `riskwarn serve`."""

from __future__ import annotations

import socket
import subprocess
import sys
from datetime import date
from pathlib import Path

from sqlalchemy import select, update

from serving.store import runs
from serving.store.database import open_database
from serving.store.schema import scoring_runs
from tests.serving.servers import copy_database, serve_env, serving, workers_of


def test_a_score_run_left_running_by_a_killed_process_is_failed_at_service_start(world,
                                                                                 tmp_path):
    database = copy_database(world, tmp_path)
    engine = open_database(database)
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                           capture_output=True, text=True, check=True)
    abandoned = runs.start_run(engine, date(2026, 1, 2), str(world.sources), {})
    with engine.begin() as connection:  # as a `score` killed mid-run leaves it
        connection.execute(update(scoring_runs).where(scoring_runs.c.id == abandoned).values(
            owner=f"{socket.gethostname()}:{ended.stdout.strip()}"))
    engine.dispose()
    with serving(serve_env(world, tmp_path / "bentoml", database), tmp_path / "serve.log"):
        pass
    with open_database(database).connect() as connection:
        status = connection.execute(select(scoring_runs.c.status).where(
            scoring_runs.c.id == abandoned)).scalar_one()
    assert status == "failed"


def test_the_workers_read_the_champions_kept_once_and_a_killed_server_leaves_no_more(
        world, tmp_path):
    """The champions are one entry under the prepared folder, named by what the registry
    holds: starting again (after a SIGKILL, which runs no clean-up) reuses the name."""
    env = {**serve_env(world, tmp_path / "bentoml", copy_database(world, tmp_path)),
           "RISKWARN_PREPARED_DIR": str(tmp_path / "prepared")}
    paths = set()
    for _ in range(2):
        with serving(env, tmp_path / "serve.log") as served:  # ends with SIGKILL
            workers = workers_of(served.process.pid)
            kept = {p.environ().get("RISKWARN_CHAMPIONS") for p in workers}
            assert len(workers) == 1 and len(kept) == 1 and None not in kept
            paths |= kept
    assert len(paths) == 1
    path = Path(paths.pop())
    assert path.parent == tmp_path / "prepared" and path.is_file()
    assert [p.name for p in path.parent.iterdir() if "champions" in p.name] == [path.name]
