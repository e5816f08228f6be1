"""`gtm user:add` creates a local account that can log in to the web app."""

from __future__ import annotations

import uuid

from typer.testing import CliRunner

from gtm.cli.app import app
from gtm.cli.web_commands import DEMO_EMAIL, DEMO_PASSWORD, demo_login
from gtm.db import connect
from gtm.web.auth import authenticate, load_user

runner = CliRunner()


def test_user_add_reads_the_password_from_stdin(migrated) -> None:
    email = f"cli-{uuid.uuid4().hex[:6]}@example.test"
    result = runner.invoke(app, ["user:add", email, "--password-stdin"],
                           input="a long password\n")
    assert result.exit_code == 0, result.output
    with connect(migrated) as conn:
        user_id = authenticate(conn, email, "a long password")
        assert user_id and authenticate(conn, email, "wrong password") is None
        assert load_user(conn, user_id).role == "owner"


def test_user_add_refuses_a_short_password(migrated) -> None:
    result = runner.invoke(app, ["user:add", "x@example.test", "--password-stdin"], input="abc\n")
    assert result.exit_code == 1 and "8 characters" in result.output


def test_demo_login_is_usable(migrated) -> None:
    url, email, password = demo_login(migrated)
    assert url.startswith("http://127.0.0.1:") and (email, password) == (DEMO_EMAIL, DEMO_PASSWORD)
    with connect(migrated) as conn:
        assert authenticate(conn, email, password)
