"""Login through Supabase Auth with the real `supabase` client against a GoTrue-compatible
server on loopback: the JWT's user is mapped to its workspace membership; a wrong password is
refused; without SUPABASE_URL a membership with no local account is not enough."""

from __future__ import annotations

import re
import uuid

import pytest
from fastapi.testclient import TestClient
from gotrue_server import GoTrue
from loopback import free_port, serve

from gtm.db import connect
from gtm.db.workspaces import ensure_workspace
from gtm.errors import TerminalError
from gtm.web import create_app
from gtm.web.auth import LocalAccounts, SupabaseAccounts, load_user, password_backend


def _member(settings, user_id: str, email: str) -> str:
    with connect(settings) as conn:
        ws = ensure_workspace(conn, f"sb-{uuid.uuid4().hex[:8]}")
        conn.execute("insert into workspace_members (workspace_id, user_id, role, email)"
                     " values (%s, %s, 'member', %s)", (ws, user_id, email))
    return ws


def _login(client: TestClient, email: str, password: str):
    token = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/login").text).group(1)
    return client.post("/login", data={"email": email, "password": password,
                                       "csrf_token": token}, follow_redirects=False)


def test_supabase_user_logs_in_to_its_workspace_through_the_real_client(
        migrated, monkeypatch) -> None:
    member_id, outsider_id = str(uuid.uuid4()), str(uuid.uuid4())
    gotrue = GoTrue(secret="test-jwt-secret-at-least-32-bytes-long!",
                    users={"sb@example.test": ("pw-123456", member_id),
                           "outsider@example.test": ("pw-654321", outsider_id)})
    _member(migrated, member_id, "sb@example.test")
    with serve(gotrue.app()) as url:
        monkeypatch.setenv("SUPABASE_URL", url)
        monkeypatch.setenv("SUPABASE_ANON_KEY", gotrue.key)
        app = create_app(migrated)  # the backend comes from the environment, as in `gtm up`
        assert isinstance(app.state.password_backend, SupabaseAccounts)
        with TestClient(app) as client:
            refused = _login(client, "sb@example.test", "wrong-password")
            assert refused.status_code == 401 and "Wrong email or password" in refused.text
            assert gotrue.calls == ["token:password"]  # refused by GoTrue: no user lookup
            assert _login(client, "sb@example.test", "pw-123456").status_code == 303
            assert gotrue.calls[1:] == ["token:password", "user"]
            page = client.get("/campaigns")
            assert page.status_code == 200 and "sb@example.test" in page.text
        with TestClient(app) as client:  # a GoTrue user without a membership sees nothing
            assert _login(client, "outsider@example.test", "pw-654321").status_code == 303
            assert client.get("/campaigns", follow_redirects=False).status_code == 303


def test_an_unreachable_supabase_is_said_so_not_a_wrong_password(migrated, monkeypatch) -> None:
    gotrue = GoTrue(secret="test-jwt-secret-at-least-32-bytes-long!", users={})
    monkeypatch.setenv("SUPABASE_URL", f"http://127.0.0.1:{free_port()}")  # nothing listens
    monkeypatch.setenv("SUPABASE_ANON_KEY", gotrue.key)
    with TestClient(create_app(migrated)) as client:
        response = _login(client, "sb@example.test", "pw-123456")
    assert response.status_code == 400 and "did not answer" in response.text


def test_without_supabase_a_bare_membership_is_not_a_user(migrated, monkeypatch) -> None:
    monkeypatch.delenv("SUPABASE_URL", raising=False)
    user_id = str(uuid.uuid4())
    _member(migrated, user_id, "x@example.test")
    with connect(migrated) as conn:
        assert load_user(conn, user_id) is None
        assert load_user(conn, "not-a-uuid") is None
    assert isinstance(password_backend(), LocalAccounts)


def test_supabase_url_without_a_key_is_a_clear_error(monkeypatch) -> None:
    monkeypatch.setenv("SUPABASE_URL", "http://supabase.invalid")
    monkeypatch.delenv("SUPABASE_ANON_KEY", raising=False)
    monkeypatch.delenv("SUPABASE_KEY", raising=False)
    with pytest.raises(TerminalError, match="SUPABASE_ANON_KEY"):
        password_backend()
