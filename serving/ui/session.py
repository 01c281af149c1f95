"""Sign-in sessions for the review workspace: a signed cookie holding the user id, the hash of
the token they signed in with (never the token) and a CSRF secret. Every request looks the
user up again, so a revoked token or a deactivated user ends the session at once.

The signing key is `RISKWARN_UI_SECRET` when set (needed when several workers serve the UI);
otherwise a random key per process, which ends every session when the service restarts.
"""

from __future__ import annotations

import hmac
import os
import secrets
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import Engine

from serving.store.users import User, user_for_token_hash

COOKIE = "riskwarn_session"
MAX_AGE_SECONDS = 8 * 3600  # one working day
_KEY = os.environ.get("RISKWARN_UI_SECRET") or secrets.token_urlsafe(32)
_signer = URLSafeTimedSerializer(_KEY, salt="riskwarn-ui")


def new_session(user: User | None = None, token_hash: str | None = None) -> dict[str, Any]:
    """A fresh session (anonymous, or signed in) with its own CSRF secret."""
    session: dict[str, Any] = {"csrf": secrets.token_urlsafe(24)}
    if user is not None:
        session.update(uid=user.id, th=token_hash)
    return session


def dump(session: dict[str, Any]) -> str:
    return _signer.dumps(session)


def load(cookie: str | None) -> dict[str, Any] | None:
    """The session in a cookie, or None when missing, forged or older than MAX_AGE_SECONDS."""
    if not cookie:
        return None
    try:
        session = _signer.loads(cookie, max_age=MAX_AGE_SECONDS)
    except BadSignature:
        return None
    return session if isinstance(session, dict) and isinstance(session.get("csrf"), str) else None


def csrf_ok(session: dict[str, Any] | None, sent: object) -> bool:
    """Whether a form's `csrf` field matches the session's secret (constant-time)."""
    return (session is not None and isinstance(sent, str) and bool(sent)
            and hmac.compare_digest(sent, session["csrf"]))


def session_user(engine: Engine, session: dict[str, Any] | None) -> User | None:
    """The active user whose unrevoked token this session was opened with, or None."""
    if not session or "uid" not in session or "th" not in session:
        return None
    return user_for_token_hash(engine, str(session["th"]), int(session["uid"]))
