"""Auth and CSRF on every route, enumerated from the app (a route added later is covered)."""

from __future__ import annotations

import re
import uuid

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from gtm.db import connect
from gtm.db.workspaces import ensure_workspace
from gtm.web.auth import SESSION_COOKIE, add_user

PUBLIC = {("GET", "/login"), ("POST", "/login")}


def _routes(app) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []

    def walk(routes):
        for route in routes:
            if isinstance(route, APIRoute):
                found.extend((m, route.path) for m in sorted(route.methods) if m != "HEAD")
            elif hasattr(route, "original_router"):
                walk(route.original_router.routes)

    walk(app.routes)
    assert len(found) > 10, found
    return found


def _concrete(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: {"action": "pause", "name": "q1"}.get(
        m.group(1), str(uuid.uuid4())), path)


def test_every_route_but_login_needs_a_user(app, web) -> None:
    with TestClient(app) as anonymous:
        for method, path in _routes(app):
            if (method, path) in PUBLIC:
                continue
            response = anonymous.request(method, _concrete(path), follow_redirects=False)
            if method == "GET":
                assert response.status_code == 303, (method, path)
                assert response.headers["location"].startswith("/login"), (method, path)
            else:  # refused before anything runs: by CSRF or by the login check
                assert response.status_code in (401, 403), (method, path, response.status_code)


def test_every_post_without_a_valid_csrf_token_is_refused(app, client, web) -> None:
    with connect(web.settings) as conn:
        before = conn.execute("select status, version from drafts where id = %s",
                              (web.drafts[0],)).fetchone()
    for method, path in _routes(app):
        if method != "POST":
            continue
        url = _concrete(path).replace("{draft_id}", web.drafts[0])
        if "/drafts/" in path:
            url = re.sub(r"/drafts/[^/]+", f"/drafts/{web.drafts[0]}", url)
        for data in ({"version": "1"}, {"version": "1", "csrf_token": "forged"}):
            response = client.post(url, data=data, follow_redirects=False)
            assert response.status_code == 403, (path, data, response.status_code)
    with connect(web.settings) as conn:
        after = conn.execute("select status, version from drafts where id = %s",
                             (web.drafts[0],)).fetchone()
    assert after == before


def test_login_with_wrong_password_fails_and_session_cookie_is_hardened(app, web) -> None:
    with TestClient(app) as c:
        page = c.get("/login")
        cookie = page.headers["set-cookie"]
        assert "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()
        token = re.search(r'name="csrf-token" content="([^"]+)"', page.text).group(1)
        bad = c.post("/login", data={"email": web.email, "password": "nope-nope",
                                     "csrf_token": token}, follow_redirects=False)
        assert bad.status_code == 401 and "Wrong email or password" in bad.text
        good = c.post("/login", data={"email": web.email.upper(),
                                      "password": "correct horse battery",
                                      "csrf_token": token, "next": "//evil.example/"},
                      follow_redirects=False)
        assert good.status_code == 303 and good.headers["location"] == "/campaigns"
        assert c.get("/campaigns").status_code == 200


def test_a_tampered_session_cookie_is_ignored(app, client) -> None:
    client.cookies.set(SESSION_COOKIE, client.cookies.get(SESSION_COOKIE)[:-2] + "xx")
    response = client.get("/campaigns", follow_redirects=False)
    assert response.status_code == 303


def test_logout_ends_the_session(client) -> None:
    assert client.post("/logout", data={"csrf_token": client.csrf},
                       follow_redirects=False).status_code == 303
    assert client.get("/campaigns", follow_redirects=False).status_code == 303


def test_a_user_sees_only_its_own_workspace(app, client, seed_web, web) -> None:
    other = seed_web()
    # Same campaign name in both workspaces: each user sees its own drafts.
    assert client.get(f"/drafts/{web.drafts[0]}").status_code == 200
    response = client.get(f"/drafts/{other.drafts[0]}")
    assert response.status_code == 400 and "no draft" in response.text
    denied = client.post(f"/drafts/{other.drafts[0]}/approve",
                         data={"version": "1", "csrf_token": client.csrf})
    assert denied.status_code == 400
    with connect(web.settings) as conn:
        status = conn.execute("select status from drafts where id = %s",
                              (other.drafts[0],)).fetchone()["status"]
    assert status == "generated"


def test_a_user_without_membership_cannot_log_in_to_anything(app, migrated) -> None:
    email = f"lonely-{uuid.uuid4().hex[:6]}@example.test"
    with connect(migrated) as conn:
        user_id = add_user(conn, ensure_workspace(conn, f"w-{uuid.uuid4().hex[:8]}"), email,
                           "longpassword")
        conn.execute("delete from workspace_members where user_id = %s", (user_id,))
    with TestClient(app) as c:
        token = re.search(r'name="csrf-token" content="([^"]+)"', c.get("/login").text).group(1)
        c.post("/login", data={"email": email, "password": "longpassword", "csrf_token": token})
        assert c.get("/campaigns", follow_redirects=False).status_code == 303


@pytest.mark.parametrize("password", ["short"])
def test_add_user_refuses_short_passwords(migrated, password) -> None:
    from gtm.errors import TerminalError
    with connect(migrated) as conn, pytest.raises(TerminalError):
        add_user(conn, ensure_workspace(conn, "default"), "a@b.test", password)


def test_repeated_failed_logins_are_throttled(app, web) -> None:
    with TestClient(app) as c:
        token = re.search(r'name="csrf-token" content="([^"]+)"', c.get("/login").text).group(1)
        codes = [c.post("/login", data={"email": web.email, "password": "wrong-guess",
                                        "csrf_token": token}).status_code for _ in range(11)]
        assert codes == [401] * 10 + [429]
        right = c.post("/login", data={"email": web.email, "password": "correct horse battery",
                                       "csrf_token": token}, follow_redirects=False)
        assert right.status_code == 429  # even the right password waits out the window
