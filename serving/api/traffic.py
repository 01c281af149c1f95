"""BentoML's request timeout, without keeping every request alive for the whole timeout.

BentoML 1.4's `TimeoutMiddleware` (`bentoml/_internal/server/http/traffic.py`) schedules
`loop.call_later(timeout, ...)` for each request and never cancels it. Each timer holds the
request's waiter future and a copy of its context (with the tracing span), so under load
`timeout × request rate` of them stay alive (tens of thousands at 120 s): the cycle collector
walks them all in each full pass, the 20–100 ms stalls left in benchmarks/RESULTS.md. This
subclass answers exactly as BentoML's does and cancels its timer as soon as the response has
begun (or the request timed out). `install()` puts it where BentoML looks the class up when it
builds the service's middleware, so it must run before the server starts (at import of
`serving.api.service`). No maintained option does this: BentoML refuses `timeout: 0`.
"""

from __future__ import annotations

import asyncio
from typing import Any

from bentoml._internal.server.http import traffic as bentoml_traffic
from starlette.responses import JSONResponse
from starlette.types import Message, Receive, Scope, Send


class TimeoutMiddleware(bentoml_traffic.TimeoutMiddleware):
    """504 when a request has not begun its response within `timeout` seconds."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        loop = asyncio.get_running_loop()
        begun: asyncio.Future[Any] = loop.create_future()
        timer = loop.call_later(self.timeout, self._set_timer_out, begun)

        async def sending(message: Message) -> None:
            if not begun.done():
                begun.set_result(None)
            await send(message)

        answer = asyncio.ensure_future(self.app(scope, receive, sending))
        try:
            await begun
        except TimeoutError:
            if answer.cancel():
                late = JSONResponse({"error": "not able to answer the request within "
                                              f"{self.timeout:g} seconds"}, status_code=504)
                await late(scope, receive, send)
            return
        finally:
            timer.cancel()
        await answer


def install() -> None:
    """Make BentoML build its timeout middleware from this class."""
    bentoml_traffic.TimeoutMiddleware = TimeoutMiddleware  # type: ignore[misc]
