"""Signing in to the review workspace from a plain HTTP client (Starlette's TestClient or
httpx), for the UI tests that need no browser."""

from __future__ import annotations

import re
from typing import Any


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found is not None, "no CSRF field on the page"
    return found.group(1)


def sign_in(http: Any, token: str, prefix: str = "/ui") -> str:
    """Signs `http` in with `token`; returns the session's CSRF token for forms."""
    http.cookies.clear()
    csrf = csrf_of(http.get(f"{prefix}/").text)
    answer = http.post(f"{prefix}/signin", data={"token": token, "csrf": csrf},
                       follow_redirects=False)
    assert answer.status_code == 303, answer.text
    return csrf_of(http.get(f"{prefix}/queue").text)


def browser_sign_in(page: Any, ui: str, token: str) -> None:
    """Signs a Playwright page in through the sign-in form and waits for the queue."""
    page.goto(f"{ui}/")
    page.fill("input[name=token]", token)
    page.click("form.signin button[type=submit]")
    page.wait_for_url("**/ui/queue")
