"""`riskwarn serve` as a real process on a free loopback port, for tests that need one."""

from __future__ import annotations

import contextlib
import os
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import psutil
import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Served:
    url: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path


def serve_env(world, bentoml_home: Path, database: str | None = None) -> dict[str, str]:
    return {**os.environ, "MLFLOW_TRACKING_URI": world.registry,
            "RISKWARN_DATABASE_URL": database or world.database,
            "BENTOML_DO_NOT_TRACK": "true", "BENTOML_HOME": str(bentoml_home)}


def copy_database(world, folder: Path) -> str:
    """A copy of the world's SQLite database (its WAL included) in `folder`, as a URL."""
    target = folder / "riskwarn.db"
    with sqlite3.connect(world.database.removeprefix("sqlite:///")) as source, \
            sqlite3.connect(target) as copy:
        source.backup(copy)
    return f"sqlite:///{target}"


def wait_ready(served: Served, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{served.url}/readyz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        assert served.process.poll() is None, served.log.read_text()
        time.sleep(0.3)
    pytest.fail(f"riskwarn serve did not become ready:\n{served.log.read_text()}")


@contextlib.contextmanager
def serving(env: dict[str, str], log: Path, *args: str, new_session: bool = True
            ) -> Iterator[Served]:
    """`riskwarn serve --port <free> ARGS`, ready; its process group is killed on exit."""
    port = free_port()
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "serving.cli", "serve", "--port", str(port), *args],
            env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=new_session)
    served = Served(f"http://127.0.0.1:{port}", port, process, log)
    started: list[psutil.Process] = []
    try:
        wait_ready(served)
        with contextlib.suppress(psutil.NoSuchProcess):
            started = psutil.Process(process.pid).children(recursive=True)
        yield served
    finally:  # also what it started, should a failing test have orphaned it
        stop_all(process, started)


def workers_of(pid: int) -> list[psutil.Process]:
    """BentoML's worker processes below `pid` (a `riskwarn serve`)."""
    return [p for p in psutil.Process(pid).children(recursive=True)
            if "_bentoml_impl.worker" in " ".join(p.cmdline())]


def stop_all(process: subprocess.Popen[bytes], also: list[psutil.Process] | None = None
             ) -> None:
    """SIGKILL a process, every process below it (whatever group they are in) and `also`."""
    below: list[psutil.Process] = []
    with contextlib.suppress(psutil.NoSuchProcess):
        below = psutil.Process(process.pid).children(recursive=True)
    with contextlib.suppress(psutil.NoSuchProcess):
        process.kill()
    for p in [*below, *(also or [])]:
        with contextlib.suppress(psutil.NoSuchProcess):
            p.kill()  # psutil checks the pid still names the process it saw
    process.wait(timeout=30)
