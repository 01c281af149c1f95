"""The workspace's answers carry a Content-Security-Policy the pages keep (no inline script or
style), refuse framing and sniffing, and its session cookie tells the browser nothing."""

from __future__ import annotations

import base64
import binascii
import contextlib
import zlib

from serving.ui.headers import POLICY
from tests.serving.ui_client import browser_sign_in, sign_in

PAGES = ("/overview", "/queue", "/plans", "/models")


def _checked(headers: dict[str, str]) -> None:
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert "script-src" not in headers["content-security-policy"]  # default-src 'none'
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"


def test_every_page_sends_the_headers_and_breaks_no_part_of_its_policy(page, ui, served_env):
    blocked: list[str] = []
    page.on("console", lambda m: blocked.append(m.text)
            if "Content Security Policy" in m.text else None)
    browser_sign_in(page, ui, served_env.tokens["officer"])
    uscc = page.locator("table.queue tbody tr a").first.get_attribute("href").rsplit("/", 1)[1]
    for path in (*PAGES, f"/firm/{uscc}", "/static/ui.css",
                 "/models/food/champion/nothing.png"):
        response = page.goto(f"{ui}{path}")
        assert response is not None
        headers = response.all_headers()
        _checked(headers)
        assert headers["content-security-policy"] == POLICY
    page.goto(f"{ui}/overview")
    assert page.locator("svg.heat-scale rect").count() == 5  # the legend, without inline style
    assert blocked == []


def _readable(cookie: str) -> bytes:
    """Everything a client could decode from the cookie: each dot-separated part as base64,
    inflated where it is zlib."""
    found = cookie.encode()
    for part in cookie.lstrip(".").split("."):
        try:
            raw = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
        except (binascii.Error, ValueError):
            continue
        found += raw
        with contextlib.suppress(zlib.error):
            found += zlib.decompress(raw)
    return found


def test_the_session_cookie_holds_nothing_readable_about_the_token(client, served_env):
    from serving.store.users import hash_token

    token = served_env.tokens["viewer"]
    sign_in(client, token)
    cookie = client.cookies["riskwarn_session"]
    readable = _readable(cookie)
    assert token.encode() not in readable
    assert hash_token(token).encode() not in readable
    assert b'"uid"' not in readable and b'"csrf"' not in readable
    client.cookies.set("riskwarn_session", cookie[:-4] + ("AAAA" if cookie[-4:] != "AAAA"
                                                          else "BBBB"))
    answer = client.get("/ui/queue", follow_redirects=False)
    assert answer.status_code == 303  # a changed cookie is no session
    _checked({k.lower(): v for k, v in answer.headers.items()})
