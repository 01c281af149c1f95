"""`riskwarn users`: tokens printed once, stored hashed."""

from __future__ import annotations

import re
import subprocess
import sys

from sqlalchemy import select

from serving.store.database import open_database
from serving.store.schema import tokens


def test_users_add_prints_the_token_alone_on_the_last_line(tmp_path):
    url = f"sqlite:///{tmp_path / 'users.db'}"
    env = {"RISKWARN_DATABASE_URL": url, "PATH": "/usr/bin:/bin"}
    added = subprocess.run([sys.executable, "-m", "serving.cli", "users", "add", "li",
                            "--role", "officer", "--towns", "441900003000,441900004000"],
                           env=env, capture_output=True, text=True, timeout=120)
    assert added.returncode == 0, added.stderr
    token = added.stdout.splitlines()[-1]
    assert re.fullmatch(r"[A-Za-z0-9_-]{32,}", token)
    with open_database(url).connect() as c:
        stored = c.execute(select(tokens.c.token_hash)).scalars().all()
    assert len(stored) == 1 and token not in stored[0] and len(stored[0]) == 64
    again = subprocess.run([sys.executable, "-m", "serving.cli", "users", "add", "li",
                            "--role", "officer"], env=env, capture_output=True, text=True,
                           timeout=120)
    assert again.returncode == 2 and "exists" in again.stderr
    wrong = subprocess.run([sys.executable, "-m", "serving.cli", "users", "add", "wang",
                            "--role", "boss"], env=env, capture_output=True, text=True,
                           timeout=120)
    assert wrong.returncode == 2 and "boss" in wrong.stderr


def test_users_token_gives_an_existing_user_a_fresh_token_that_works(tmp_path):
    from serving.store.users import user_for_token

    url = f"sqlite:///{tmp_path / 'users.db'}"
    env = {"RISKWARN_DATABASE_URL": url, "PATH": "/usr/bin:/bin"}

    def riskwarn(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "serving.cli", *args], env=env,
                              capture_output=True, text=True, timeout=120)

    first = riskwarn("users", "add", "zhao", "--role", "viewer").stdout.splitlines()[-1]
    fresh = riskwarn("users", "token", "zhao")
    assert fresh.returncode == 0, fresh.stderr
    token = fresh.stdout.splitlines()[-1]
    assert re.fullmatch(r"[A-Za-z0-9_-]{32,}", token) and token != first
    engine = open_database(url)
    assert user_for_token(engine, token).name == user_for_token(engine, first).name == "zhao"
    nobody = riskwarn("users", "token", "nobody")
    assert nobody.returncode == 2 and "no user nobody" in nobody.stderr
