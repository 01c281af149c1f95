"""The server process under `riskwarn serve`: a port checked before anything starts, and
signals passed on to the whole server (BentoML's arbiter and its workers)."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import socket
import subprocess
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from types import FrameType
from typing import Any, TypeVar

T = TypeVar("T")

STOP_SECONDS = 30.0  # after a forwarded signal, then the server's group is killed


def port_in_use(host: str, port: int) -> str | None:
    """Why `host:port` cannot be listened on (one line), or None when it can."""
    try:
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server does
            probe.bind((host, port))
    except OSError as exc:
        return f"cannot listen on {host}:{port}: {exc.strerror or exc}"
    return None


def run_forwarding(command: list[str], env: dict[str, str]) -> int:
    """Run `command` in its own process group; SIGTERM or SIGINT to this process goes to that
    whole group (so the workers stop too), SIGKILL follows if it has not ended in
    `STOP_SECONDS`. Returns the server's exit code."""
    server = subprocess.Popen(command, env=env, start_new_session=True)
    received: list[int] = []

    def forward(signum: int, _frame: FrameType | None) -> None:
        received.append(signum)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signum)

    previous = {s: signal.signal(s, forward) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        while True:
            try:
                code = server.wait(timeout=STOP_SECONDS if received else None)
                break
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(server.pid, signal.SIGKILL)
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        with contextlib.suppress(ProcessLookupError):  # nothing of the server outlives us
            os.killpg(server.pid, signal.SIGKILL)
    return 0 if received and code in (0, -signal.SIGTERM, -signal.SIGINT) else code


def in_child(function: Callable[..., T], *args: Any) -> T:
    """`function(*args)` in a new Python process (spawned, not forked), its exception raised
    here: what it imports and allocates is given back when it returns."""
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(function, *args).result()
