"""Sign-in sessions for the review workspace: an encrypted cookie holding the user id, the hash
of the token they signed in with (never the token) and a CSRF secret. Every request looks the
user up again, so a revoked token or a deactivated user ends the session at once.

The cookie is a Fernet token (`cryptography`: AES-128-CBC and HMAC-SHA256, with its issue time,
so `MAX_AGE_SECONDS` is checked on the server): the browser can neither read nor change what
it holds. A signed-only cookie (itsdangerous) is base64 JSON that anyone holding it can read,
and it carried the SHA-256 of the token; Fernet keeps the stateless design (no session table,
several workers share the key) and is the maintained, audited primitive for exactly this.

The key is derived from `RISKWARN_UI_SECRET` when set (needed when several workers serve the
UI); otherwise a random key per process, which ends every session when the service restarts.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import Engine

from serving.store.users import User, user_for_token_hash

COOKIE = "riskwarn_session"
MAX_AGE_SECONDS = 8 * 3600  # one working day


def _fernet(secret: str | None) -> Fernet:
    """A Fernet keyed by `secret` (any text, stretched to 32 bytes), or by a random key."""
    if not secret:
        return Fernet(Fernet.generate_key())
    digest = hashlib.sha256(b"riskwarn-ui-session:" + secret.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


_box = _fernet(os.environ.get("RISKWARN_UI_SECRET"))


def new_session(user: User | None = None, token_hash: str | None = None) -> dict[str, Any]:
    """A fresh session (anonymous, or signed in) with its own CSRF secret."""
    session: dict[str, Any] = {"csrf": secrets.token_urlsafe(24)}
    if user is not None:
        session.update(uid=user.id, th=token_hash)
    return session


def dump(session: dict[str, Any]) -> str:
    return _box.encrypt(json.dumps(session, separators=(",", ":")).encode()).decode("ascii")


def load(cookie: str | None) -> dict[str, Any] | None:
    """The session in a cookie, or None when missing, forged or older than MAX_AGE_SECONDS."""
    if not cookie:
        return None
    try:
        session = json.loads(_box.decrypt(cookie.encode("ascii"), ttl=MAX_AGE_SECONDS))
    except (InvalidToken, UnicodeEncodeError, ValueError):
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
