"""Login through Supabase Auth (a fake GoTrue client): the JWT's user id is mapped to its
workspace membership; without SUPABASE_URL a membership with no local account is not enough."""

from __future__ import annotations

import re
import uuid
from types import SimpleNamespace

import pytest
from fastapi.testclient import TestClient

from gtm.db import connect
from gtm.db.workspaces import ensure_workspace
from gtm.errors import TerminalError
from gtm.web import create_app
from gtm.web.auth import LocalAccounts, SupabaseAccounts, load_user, password_backend


class FakeGoTrue:
    def __init__(self, users: dict[str, tuple[str, str]]):
        self.users = users  # email -> (password, user id)

    def sign_in_with_password(self, credentials: dict):
        password, user_id = self.users.get(credentials["email"], (None, None))
        if password is None or password != credentials["password"]:
            raise RuntimeError("Invalid login credentials")
        return SimpleNamespace(user=SimpleNamespace(id=user_id, email=credentials["email"]))


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


def test_supabase_user_logs_in_to_its_workspace(migrated, monkeypatch) -> None:
    monkeypatch.setenv("SUPABASE_URL", "http://supabase.invalid")
    user_id, email = str(uuid.uuid4()), "sb@example.test"
    _member(migrated, user_id, email)
    gotrue = FakeGoTrue({email: ("pw-123456", user_id)})
    backend = SupabaseAccounts("http://supabase.invalid", "anon",
                               client=SimpleNamespace(auth=gotrue))
    with TestClient(create_app(migrated, password_backend=backend)) as client:
        assert _login(client, email, "wrong").status_code == 401
        assert _login(client, email, "pw-123456").status_code == 303
        page = client.get("/campaigns")
        assert page.status_code == 200 and email in page.text


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
