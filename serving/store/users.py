"""Users, their bearer tokens (only SHA-256 hashes are stored) and the append-only audit log."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, exc, func, insert, select, update

from features.towns import TOWN_CODES
from serving.store.columns import dump_json, load_json
from serving.store.schema import ROLES, audit_log, tokens, users

__all__ = ["ROLES", "User", "add_user", "audit", "hash_token", "list_users", "new_token",
           "revoke_tokens", "role_allows", "user_for_token"]

_NAME_LENGTH = 64  # users.name is String(64)


@dataclass(frozen=True)
class User:
    """An active user found by token; `towns` None means every town."""

    id: int
    name: str
    role: str
    towns: frozenset[str] | None

    def can_see_town(self, town_code: str) -> bool:
        return self.towns is None or town_code in self.towns


def role_allows(role: str, needed: str) -> bool:
    """Whether `role` may do what `needed` may (each role includes the ones before it)."""
    return _role_rank(role) >= _role_rank(needed)


def new_token() -> str:
    """A fresh bearer token: 43 URL-safe characters carrying 256 random bits."""
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """The SHA-256 hex digest stored in place of the token."""
    return hashlib.sha256(token.encode()).hexdigest()


def add_user(engine: Engine, name: str, role: str, towns: list[str] | None) -> str:
    """Create a user with one token and audit it; returns the token, which is never stored.

    `towns` lists the town codes the user may see; None means all towns.
    """
    name = name.strip()
    if not name or len(name) > _NAME_LENGTH:
        raise ValueError(f"a user name needs 1 to {_NAME_LENGTH} characters")
    _role_rank(role)
    town_list = _checked_towns(towns)
    token = new_token()
    now = datetime.now(UTC)
    try:
        with engine.begin() as connection:
            user_id = connection.execute(
                insert(users).returning(users.c.id),
                {"name": name, "role": role, "towns": dump_json(town_list),
                 "created_at": now, "active": True},
            ).scalar_one()
            connection.execute(insert(tokens), {"user_id": user_id,
                                                "token_hash": hash_token(token),
                                                "created_at": now})
            audit(connection, None, "users add", name, {"role": role, "towns": town_list})
    except exc.IntegrityError as error:
        if _user_id(engine, name) is not None:
            raise ValueError(f"user {name} exists") from error
        raise
    return token


def new_token_for(engine: Engine, name: str) -> str:
    """Another token for an existing user, audited; returns it (stored only as its hash)."""
    user_id = _user_id(engine, name)
    if user_id is None:
        raise ValueError(f"no user {name}")
    token = new_token()
    with engine.begin() as connection:
        connection.execute(insert(tokens), {"user_id": user_id, "token_hash": hash_token(token),
                                            "created_at": datetime.now(UTC)})
        audit(connection, None, "users token", name)
    return token


def user_for_token(engine: Engine, token: str) -> User | None:
    """The active user holding this unrevoked token, or None."""
    return user_for_token_hash(engine, hash_token(token)) if token else None


def user_for_token_hash(engine: Engine, token_hash: str, user_id: int | None = None
                        ) -> User | None:
    """The active user whose unrevoked token has this hash (and, if given, this id)."""
    conditions = [tokens.c.token_hash == token_hash, tokens.c.revoked_at.is_(None),
                  users.c.active.is_(True)]
    if user_id is not None:
        conditions.append(users.c.id == user_id)
    query = (select(users.c.id, users.c.name, users.c.role, users.c.towns)
             .join(tokens, tokens.c.user_id == users.c.id).where(*conditions))
    with engine.connect() as connection:
        row = connection.execute(query).first()
    if row is None:
        return None
    towns = load_json(row.towns)
    return User(row.id, row.name, row.role, None if towns is None else frozenset(towns))


def revoke_tokens(engine: Engine, name: str) -> int:
    """Revoke every live token of user `name` and audit it; returns how many were live."""
    with engine.begin() as connection:
        user_id = connection.execute(select(users.c.id).where(users.c.name == name)).scalar()
        if user_id is None:
            raise ValueError(f"no user {name}")
        revoked = connection.execute(
            update(tokens).where(tokens.c.user_id == user_id, tokens.c.revoked_at.is_(None))
            .values(revoked_at=datetime.now(UTC))).rowcount
        audit(connection, None, "users revoke", name, {"tokens": revoked})
    return revoked


def list_users(engine: Engine) -> list[dict[str, Any]]:
    """Every user with role, towns (None = all), created_at, active and live token count."""
    live = (select(tokens.c.user_id, func.count().label("n")).where(tokens.c.revoked_at.is_(None))
            .group_by(tokens.c.user_id).subquery())
    query = (select(users.c.name, users.c.role, users.c.towns, users.c.created_at,
                    users.c.active, func.coalesce(live.c.n, 0).label("live_tokens"))
             .outerjoin(live, live.c.user_id == users.c.id).order_by(users.c.name))
    with engine.connect() as connection:
        rows = connection.execute(query).mappings().all()
    return [{**row, "towns": load_json(row["towns"])} for row in rows]


AuditRow = tuple[str | None, str, str | None, dict[str, Any] | None, datetime | None]


def audit(engine_or_connection: Engine | Connection, user_name: str | None, action: str,
          target: str | None = None, detail: dict[str, Any] | None = None,
          at: datetime | None = None) -> None:
    """Append one audit row, at `at` (default now); on a Connection it joins the caller's
    transaction."""
    if isinstance(engine_or_connection, Connection):
        audit_many(engine_or_connection, [(user_name, action, target, detail, at)])
        return
    with engine_or_connection.begin() as connection:
        audit_many(connection, [(user_name, action, target, detail, at)])


def audit_many(connection: Connection, rows: list[AuditRow]) -> None:
    """Append audit rows (user, action, target, detail, at) in one statement of the caller's
    transaction: the request writer's group commits insert their rows together."""
    now = datetime.now(UTC)
    connection.execute(insert(audit_log), [
        {"at": at or now, "user_name": user, "action": action, "target": target,
         "detail": dump_json(detail)} for user, action, target, detail, at in rows])


def _role_rank(role: str) -> int:
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}: roles are {', '.join(ROLES)}")
    return ROLES.index(role)


def _checked_towns(towns: list[str] | None) -> list[str] | None:
    if towns is None:
        return None
    if not towns:
        raise ValueError("towns must be None (all towns) or at least one town code")
    unknown = sorted(set(towns) - set(TOWN_CODES))
    if unknown:
        raise ValueError(f"unknown town codes: {', '.join(unknown)}")
    return sorted(set(towns))


def _user_id(engine: Engine, name: str) -> int | None:
    with engine.connect() as connection:
        return connection.execute(select(users.c.id).where(users.c.name == name)).scalar()
