"""Users and tokens (only hashes stored), roles, towns, and the append-only audit log."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import delete, exc, select, text, update

from features.towns import TOWN_CODES
from serving.store import schema
from serving.store.users import (
    ROLES,
    User,
    add_user,
    audit,
    hash_token,
    list_users,
    new_token,
    revoke_tokens,
    role_allows,
    user_for_token,
)

pytestmark = pytest.mark.clock  # make test runs these again a year ahead

DONGCHENG, NANCHENG = TOWN_CODES[0], TOWN_CODES[1]


def _table_text(engine, table) -> str:
    with engine.connect() as connection:
        return repr(connection.execute(select(table)).all())


def test_roles_include_the_ones_before():
    assert ROLES == ("viewer", "officer", "scheduler", "admin")
    assert role_allows("admin", "viewer") and role_allows("scheduler", "officer")
    assert role_allows("officer", "officer")
    assert not role_allows("officer", "scheduler") and not role_allows("viewer", "admin")
    with pytest.raises(ValueError, match="viewer, officer, scheduler, admin"):
        role_allows("superuser", "viewer")


def test_new_token_is_long_url_safe_and_fresh():
    tokens = {new_token() for _ in range(50)}
    assert len(tokens) == 50
    assert all(len(t) >= 43 and re.fullmatch(r"[A-Za-z0-9_-]+", t) for t in tokens)
    assert hash_token("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def test_add_user_returns_a_token_that_is_stored_only_as_its_hash(engine):
    token = add_user(engine, "li.wei", "officer", None)
    assert len(token) >= 32 and re.fullmatch(r"[A-Za-z0-9_-]+", token)
    for table in (schema.tokens, schema.users, schema.audit_log):
        assert token not in _table_text(engine, table)
    with engine.connect() as connection:
        stored = connection.execute(select(schema.tokens.c.token_hash)).scalars().all()
    assert stored == [hash_token(token)]
    assert user_for_token(engine, token) == User(1, "li.wei", "officer", None)


def test_wrong_empty_and_revoked_tokens_find_nobody(engine):
    token = add_user(engine, "li.wei", "officer", None)
    other = add_user(engine, "wang.fang", "viewer", None)
    assert user_for_token(engine, token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    assert user_for_token(engine, "") is None
    assert user_for_token(engine, hash_token(token)) is None  # the hash is not a token
    assert revoke_tokens(engine, "li.wei") == 1
    assert user_for_token(engine, token) is None
    assert user_for_token(engine, other) is not None  # other users keep their tokens
    assert revoke_tokens(engine, "li.wei") == 0
    with pytest.raises(ValueError, match="no user zhao"):
        revoke_tokens(engine, "zhao")


def test_inactive_user_is_refused(engine):
    token = add_user(engine, "li.wei", "admin", None)
    with engine.begin() as connection:
        connection.execute(update(schema.users).values(active=False))
    assert user_for_token(engine, token) is None


def test_add_user_checks_role_name_and_towns(engine):
    with pytest.raises(ValueError, match="viewer, officer, scheduler, admin"):
        add_user(engine, "li.wei", "boss", None)
    with pytest.raises(ValueError, match="name"):
        add_user(engine, "  ", "viewer", None)
    with pytest.raises(ValueError, match="999"):
        add_user(engine, "li.wei", "viewer", [DONGCHENG, "999"])
    with pytest.raises(ValueError, match="at least one town"):
        add_user(engine, "li.wei", "viewer", [])
    add_user(engine, "li.wei", "viewer", None)
    with pytest.raises(ValueError, match=r"user li\.wei exists"):
        add_user(engine, "li.wei", "admin", None)
    assert [(u["name"], u["role"]) for u in list_users(engine)] == [("li.wei", "viewer")]


def test_towns_restrict_what_a_user_sees(engine):
    token = add_user(engine, "chen.jing", "officer", [NANCHENG, DONGCHENG, DONGCHENG])
    user = user_for_token(engine, token)
    assert user is not None and user.towns == frozenset({DONGCHENG, NANCHENG})
    assert user.can_see_town(DONGCHENG) and not user.can_see_town(TOWN_CODES[5])
    everywhere = user_for_token(engine, add_user(engine, "admin", "admin", None))
    assert everywhere is not None and everywhere.can_see_town(TOWN_CODES[5])


def test_list_users_shows_no_secrets(engine):
    add_user(engine, "wang.fang", "scheduler", [DONGCHENG])
    add_user(engine, "li.wei", "viewer", None)
    revoke_tokens(engine, "li.wei")
    listed = list_users(engine)
    assert [(u["name"], u["towns"], u["live_tokens"], u["active"]) for u in listed] == [
        ("li.wei", None, 0, True), ("wang.fang", [DONGCHENG], 1, True)]
    assert not any("hash" in key for user in listed for key in user)


def test_add_and_revoke_are_audited(engine):
    add_user(engine, "wang.fang", "scheduler", [DONGCHENG])
    revoke_tokens(engine, "wang.fang")
    audit(engine, "wang.fang", "POST /score", "91441900000000001X", {"说明": "复核"})
    with engine.connect() as connection:
        rows = connection.execute(select(schema.audit_log).order_by(schema.audit_log.c.id)).all()
    assert [(r.user_name, r.action, r.target) for r in rows] == [
        (None, "users add", "wang.fang"), (None, "users revoke", "wang.fang"),
        ("wang.fang", "POST /score", "91441900000000001X")]
    assert json.loads(rows[0].detail) == {"role": "scheduler", "towns": [DONGCHENG]}
    assert rows[2].detail == '{"说明":"复核"}'  # readable, not \\u escapes
    assert rows[1].at <= rows[2].at


def test_audit_log_refuses_update_and_delete(engine):
    audit(engine, None, "score run", "run 1")
    for statement in (update(schema.audit_log).values(action="edited"),
                      delete(schema.audit_log)):
        with pytest.raises(exc.IntegrityError, match="append-only"), engine.begin() as connection:
            connection.execute(statement)
    with engine.connect() as connection:
        assert connection.execute(select(schema.audit_log.c.action)).scalars().all() == [
            "score run"]


@pytest.mark.postgres
@pytest.mark.parametrize("url", ["postgresql"], indirect=True)  # SQLite has no TRUNCATE
def test_audit_log_refuses_truncate_on_postgresql(engine):
    audit(engine, None, "score run")
    with pytest.raises(exc.IntegrityError, match="append-only"), engine.begin() as connection:
        connection.execute(text("TRUNCATE audit_log"))


def test_another_token_for_an_existing_user(engine):
    from serving.store.users import add_user, new_token_for, user_for_token

    first = add_user(engine, "demo-officer", "officer", None)
    second = new_token_for(engine, "demo-officer")
    assert first != second
    assert user_for_token(engine, first).name == user_for_token(engine, second).name
    with pytest.raises(ValueError, match="no user"):
        new_token_for(engine, "nobody")
