"""A token's user is read again behind its requests, and a revoked token still stops working
within TOKEN_CACHE_SECONDS (the clock moved by hand; real middleware and SQLite database)."""

from __future__ import annotations

import pytest
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from serving.api.auth import TOKEN_CACHE_SECONDS, TOKEN_REFRESH_SECONDS, TokenAuth
from serving.store.database import open_database
from serving.store.users import add_user, revoke_tokens


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def _who(request):
    return JSONResponse({"user": request.scope["state"]["user"].name})


@pytest.fixture
def served(tmp_path):
    engine = open_database(f"sqlite:///{tmp_path / 'riskwarn.db'}")
    token = add_user(engine, "li.wei", "viewer", None)
    auth = TokenAuth(Starlette(routes=[Route("/warnings", _who, methods=["POST"])]),
                     engine=lambda: engine)
    clock = Clock()
    auth.users.clock = clock
    reads: list[str] = []
    read = auth.users.read
    auth.users.read = lambda t: reads.append(t) or read(t)
    with TestClient(auth) as client:
        yield client, {"Authorization": f"Bearer {token}"}, engine, clock, auth, reads


def test_a_token_in_use_is_read_again_behind_its_requests(served):
    client, headers, _, clock, auth, reads = served
    assert client.post("/warnings", headers=headers).json() == {"user": "li.wei"}
    for _ in range(10):  # steady use for 3 x the cache time: each answer from memory
        clock.now += TOKEN_REFRESH_SECONDS - 0.5
        assert client.post("/warnings", headers=headers).status_code == 200
        auth.users.settle()
    assert 1 < len(reads) <= 11


def test_a_revoked_token_stops_working_within_the_stated_bound(served):
    client, headers, engine, clock, auth, _ = served
    assert client.post("/warnings", headers=headers).status_code == 200
    revoke_tokens(engine, "li.wei")
    clock.now += TOKEN_REFRESH_SECONDS + 0.1  # answered from memory, read again behind
    assert client.post("/warnings", headers=headers).status_code == 200
    auth.users.settle()
    assert client.post("/warnings", headers=headers).status_code == 401


def test_a_revoked_token_unused_meanwhile_is_refused_on_arrival(served):
    client, headers, engine, clock, _, _ = served
    assert client.post("/warnings", headers=headers).status_code == 200
    revoke_tokens(engine, "li.wei")
    clock.now += TOKEN_CACHE_SECONDS + 0.1
    assert client.post("/warnings", headers=headers).status_code == 401
