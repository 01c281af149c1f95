"""`riskwarn serve` and `demo` as real processes: signals, a busy port, the worker count."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys

import httpx
import psutil
import pytest

from tests.serving.servers import serve_env, serving, workers_of


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_to_serve_stops_its_server_and_workers(world, tmp_path, signum):
    env = serve_env(world, tmp_path / "bentoml")
    with serving(env, tmp_path / "serve.log") as server:
        below = psutil.Process(server.process.pid).children(recursive=True)
        assert workers_of(server.process.pid)
        os.kill(server.process.pid, signum)  # the wrapper only, as a service manager would
        server.process.wait(timeout=60)
        _, alive = psutil.wait_procs(below, timeout=30)
        assert not alive, [p.cmdline() for p in alive]
        with pytest.raises(httpx.HTTPError):
            httpx.get(f"{server.url}/readyz", timeout=2)


def test_serve_workers_n_starts_n_workers(world, tmp_path):
    with serving(serve_env(world, tmp_path / "bentoml"), tmp_path / "serve.log",
                 "--workers", "2") as server:
        assert len(workers_of(server.process.pid)) == 2, server.log.read_text()[-3000:]


@pytest.mark.parametrize("command", [["serve"], ["demo"]])
def test_a_busy_port_is_one_line_and_exit_2(world, tmp_path, command):
    """`demo` checks the port before its pipeline: nothing is generated."""
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "serving.cli", *command, "--port", str(port)],
            env=serve_env(world, tmp_path / "bentoml"), cwd=tmp_path, capture_output=True,
            text=True, timeout=120)
    lines = [line for line in (done.stdout + done.stderr).splitlines() if line.strip()]
    assert done.returncode == 2, lines
    assert len(lines) == 1 and str(port) in lines[0], lines
