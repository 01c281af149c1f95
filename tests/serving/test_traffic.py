"""The request timeout: answers as BentoML's does, and leaves no timer behind an answer."""

from __future__ import annotations

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from bentoml._internal.server.http import traffic as bentoml_traffic
from starlette.types import Message, Receive, Scope, Send

from serving.api import traffic

SCOPE = {"type": "http", "method": "GET", "path": "/score", "headers": []}


async def quick(scope: Scope, receive: Receive, send: Send) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"{}"})


def never_answers(forever: asyncio.Event) -> Any:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await forever.wait()
    return app


async def call(app: Any) -> list[Message]:
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b""}

    async def send(message: Message) -> None:
        sent.append(message)

    await app(dict(SCOPE), receive, send)
    return sent


def live_timers(loop: asyncio.AbstractEventLoop) -> int:
    """Timers still due on the loop (asyncio keeps them in `_scheduled`, not public)."""
    return sum(not handle.cancelled() for handle in loop._scheduled)  # type: ignore[attr-defined]


def run_alone(coroutine: Any) -> Any:
    """Run on a thread of its own: a browser test's session keeps a loop running on this one."""
    with ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, coroutine).result()


BENTOML_OWN = traffic.TimeoutMiddleware.__bases__[0]  # whether or not installed yet


@pytest.mark.parametrize(("middleware", "left"), [(traffic.TimeoutMiddleware, 0),
                                                  (BENTOML_OWN, 50)])
def test_no_timer_outlives_its_answer(middleware: type, left: int) -> None:
    """Fifty answered requests leave no timer (BentoML's own leaves all fifty for 120 s)."""
    async def run() -> int:
        app = middleware(quick, timeout=120)
        for _ in range(50):
            assert (await call(app))[0]["status"] == 200
        return live_timers(asyncio.get_running_loop())
    assert run_alone(run()) == left


def test_a_request_past_the_timeout_gets_a_json_504() -> None:
    async def run() -> tuple[list[Message], int]:
        app = traffic.TimeoutMiddleware(never_answers(asyncio.Event()), timeout=0.01)
        sent = await call(app)
        return sent, live_timers(asyncio.get_running_loop())
    sent, timers = run_alone(run())
    assert sent[0]["status"] == 504
    assert json.loads(sent[1]["body"]) == {
        "error": "not able to answer the request within 0.01 seconds"}
    assert timers == 0


def test_the_service_installs_it() -> None:
    import serving.api.service  # noqa: F401  (installs at import)

    assert bentoml_traffic.TimeoutMiddleware is traffic.TimeoutMiddleware
