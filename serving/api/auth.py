"""Access control as ASGI middleware, in front of every API route.

`Authorization: Bearer <token>` is looked up by its SHA-256 hash; a missing or wrong token is a
401, a role below the route's a 403, a body that is not JSON a 415 (BentoML would answer some of
those with a 500). Every authorised request is appended to the audit log with its status and
arrival time, committed before its response starts (group commit, `serving.api.audit_queue`).
Health, metrics and the API schema stay open.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from datetime import UTC, datetime
from typing import Any

import anyio
from sqlalchemy import Engine

from serving.api.audit_queue import writer_for
from serving.store.revalidating import Revalidating
from serving.store.users import User, role_allows, user_for_token

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

OPEN_PATHS = frozenset({"/healthz", "/livez", "/readyz", "/metrics", "/docs.json", "/"})
OPEN_PREFIXES = ("/static_content/", "/docs", "/ui")  # /ui: its own cookie sign-in
ROLE_FOR: dict[str, str] = {"/score": "viewer", "/warnings": "viewer", "/firm": "viewer",
                            "/models": "viewer", "/users": "admin", "/schedule": "scheduler",
                            "/plan": "officer", "/outcomes": "officer",
                            "/decisions": "officer"}
TOKEN_CACHE_SECONDS = 5.0  # a revoked token stops working within this
TOKEN_REFRESH_SECONDS = 2.0  # a token in use is read again behind its requests after this


def bearer(scope: Scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            return token.strip() if scheme.lower() == "bearer" else None
    return None


def _content_type(scope: Scope) -> str:
    for name, value in scope.get("headers", []):
        if name == b"content-type":
            return str(value.decode("latin-1").split(";")[0].strip().lower())
    return ""


async def _answer(send: Send, status: int, body: dict[str, Any],
                  headers: list[tuple[bytes, bytes]] | None = None) -> None:
    data = json.dumps(body, ensure_ascii=False).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(data)).encode()), *(headers or [])]})
    await send({"type": "http.response.body", "body": data})


class TokenAuth:
    """Middleware: BentoML passes the app, then the options given to add_asgi_middleware."""

    def __init__(self, app: ASGIApp, engine: Callable[[], Engine]):
        self.app, self.engine = app, engine
        # a token's user is read again in the background while the token is in use, so no
        # request waits for that read; one unused for TOKEN_CACHE_SECONDS is read on arrival
        self.users: Revalidating[str, User | None] = Revalidating(
            lambda token: user_for_token(self.engine(), token),
            fresh_for=TOKEN_REFRESH_SECONDS, max_age=TOKEN_CACHE_SECONDS)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or path in OPEN_PATHS or path.startswith(OPEN_PREFIXES):
            await self.app(scope, receive, send)
            return
        token = bearer(scope)
        known, user = self.users.peek(token) if token else (True, None)
        if token and not known:
            user = await anyio.to_thread.run_sync(self.users.get, token)
        if user is None:
            await _answer(send, 401, {"error": "missing or invalid token: send "
                                      "'Authorization: Bearer <token>'"},
                          [(b"www-authenticate", b"Bearer")])
            return
        needed = ROLE_FOR.get(path, "viewer")
        if not role_allows(user.role, needed):
            await _answer(send, 403, {"error": f"role {user.role} may not call {path}: it "
                                      f"needs {needed} or above"})
            return
        method = scope.get("method", "")
        if method == "POST" and _content_type(scope) not in ("application/json", ""):
            await _answer(send, 415, {"error": "send the request body as application/json",
                                      "field": "content-type"})
            return
        scope.setdefault("state", {})["user"] = user
        at, audited = datetime.now(UTC), {"done": False}
        writer = writer_for(self.engine())

        def row(status: int) -> tuple[str, str, None, dict[str, Any], datetime]:
            audited["done"] = True
            return (user.name, f"{method} {path}", None,
                    {"status": status, **scope["state"].get("audit", {})}, at)

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":  # committed before it is answered
                await writer.write(*row(message["status"]))
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            if not audited["done"]:  # no answer started (the server answers 500)
                writer.put(*row(500))
