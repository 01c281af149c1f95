"""Refused requests: one answer shape, one log line, no body text in the log.

Input that does not match `/docs.json` is 400; input that does but breaks a rule of the
service is 422 (`api_status`). Every 4xx the API answers is `{"error": ..., "field": ...}`
(`serving.api.openapi` publishes it as `Refusal`). BentoML answers input its Pydantic models
refuse with a body of its own (`{"error": "1 validation error for Input", "detail": [...]}`):
`Refusals` rewrites it, naming the first field to blame. Each refused request is logged as one
line (`refused POST /warnings 400 field=offset`), never with a traceback or any of the body;
BentoML's own ERROR record with traceback (whose message quotes the input) is dropped.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

logger = logging.getLogger("bentoml.riskwarn.refusals")  # BentoML's handlers print it


def api_status(status: int) -> int:
    """The API's status for a workspace refusal: 400 stays for input that does not match the
    published schema (Pydantic's answer); input that matches it but breaks a rule the schema
    cannot state (a credit code's check digits, a date outside the plan's period, start after
    end) is 422."""
    return 422 if status == 400 else status


class RefusedInputRecords(logging.Filter):
    """Drops BentoML's "Exception on /path" record when the exception is a refusal (invalid
    input or another 4xx): the request's one line comes from `Refusals`."""

    def filter(self, record: logging.LogRecord) -> bool:
        from bentoml.exceptions import BentoMLException
        from pydantic import ValidationError

        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(exc, ValidationError):
            return False
        return not (isinstance(exc, BentoMLException) and exc.error_code.value < 500)


def quiet_bentoml() -> None:
    """Install the filter on the logger BentoML's `log_exception` writes to (idempotent)."""
    bentoml_logger = logging.getLogger("bentoml._internal.server.http_app")
    if not any(isinstance(f, RefusedInputRecords) for f in bentoml_logger.filters):
        bentoml_logger.addFilter(RefusedInputRecords())


def refusal(body: Any) -> dict[str, Any] | None:
    """The documented shape of a 4xx body, or None when it is not JSON of a known shape."""
    if isinstance(body, list) and body and isinstance(body[0], dict):
        body = body[0]  # BentoML answers some of its own 4xx as a one-item list
    if not isinstance(body, dict) or not isinstance(body.get("error"), str):
        return None
    detail = body.get("detail")
    if isinstance(detail, list) and detail and isinstance(detail[0], dict):  # Pydantic's
        first = detail[0]
        field = ".".join(str(part) for part in first.get("loc", ())) or "body"
        more = f" (and {len(detail) - 1} more)" if len(detail) > 1 else ""
        return {"error": f"{field}: {first.get('msg', 'invalid')}{more}", "field": field}
    return {key: value for key, value in body.items() if key != "detail"}


class Refusals:
    """ASGI middleware: documented 4xx bodies and one log line per refused request."""

    def __init__(self, app: ASGIApp):
        self.app = app
        quiet_bentoml()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        held: dict[str, Any] = {}

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start" and 400 <= message["status"] < 500:
                held.update(start=message, body=b"")
                return
            if "start" not in held or message["type"] != "http.response.body":
                await send(message)
                return
            held["body"] += message.get("body", b"")
            if not message.get("more_body", False):
                await self._refuse(scope, held["start"], held["body"], send)

        await self.app(scope, receive, sending)

    async def _refuse(self, scope: Scope, start: Message, body: bytes, send: Send) -> None:
        status = start["status"]
        try:
            shaped = refusal(json.loads(body))
        except ValueError:
            shaped = None
        if shaped is not None:
            body = json.dumps(shaped, ensure_ascii=False).encode()
            start = {**start, "headers": [
                *((k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"),
                (b"content-length", str(len(body)).encode())]}
        field = shaped.get("field") if shaped else None
        path = json.dumps(str(scope.get("path", "")))[1:-1][:100]  # one line, whatever the URL
        logger.warning("refused %s %s %d field=%s", scope.get("method", ""), path, status,
                       str(field or "-").split(".")[0][:64])  # a parameter's name, no key text
        await send(start)
        await send({"type": "http.response.body", "body": body})
