"""`gtm user:add` (local web accounts) and `gtm web` (serve the web app with uvicorn)."""

from __future__ import annotations

import getpass
import sys

import typer

from gtm.cli.output import console
from gtm.db import connect
from gtm.db.workspaces import ensure_workspace
from gtm.errors import TerminalError
from gtm.settings import Settings, load_settings

DEMO_EMAIL = "demo@example.com"
DEMO_PASSWORD = "demo-password"


def user_add(email: str = typer.Argument(..., help="The login email."),
             password_stdin: bool = typer.Option(
                 False, "--password-stdin", help="Read the password from stdin (scripts)."),
             role: str = typer.Option("owner", "--role",
                                      help="owner, admin, member or viewer.")) -> None:
    """Create a local web account in the current workspace (or set a new password).

    Example: echo 's3cret-pass' | gtm user:add ann@example.com --password-stdin
    """
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass("Password: ")
        if password != getpass.getpass("Again: "):
            raise TerminalError("the passwords differ")
    from gtm.web.auth import add_user  # the web stack loads only for the web commands

    settings = load_settings()
    with connect(settings) as conn:
        add_user(conn, ensure_workspace(conn, settings.workspace), email, password, role=role)
    console.print(f"user {email} can log in to workspace {settings.workspace}")


def web(host: str | None = typer.Option(None, "--host", help="Default: [web] host."),
        port: int | None = typer.Option(None, "--port", help="Default: [web] port.")) -> None:
    """Serve the web app (login, segments, campaigns, review, report).

    Example: gtm web --port 8000
    """
    import uvicorn

    from gtm.web import create_app

    settings = load_settings()
    if settings.web_secret_key is None:
        console.print("[yellow]GTM_WEB_SECRET_KEY is unset: sessions end when the server stops")
    uvicorn.run(create_app(settings), host=host or settings.web_host,
                port=port or settings.web_port, log_level="info")


def demo_login(settings: Settings) -> tuple[str, str, str]:
    """Make sure the demo account exists in the settings' workspace; return (url, email, password)
    for `gtm demo` to print."""
    from gtm.web.auth import add_user

    with connect(settings) as conn:
        add_user(conn, ensure_workspace(conn, settings.workspace), DEMO_EMAIL, DEMO_PASSWORD)
    return f"http://{settings.web_host}:{settings.web_port}/", DEMO_EMAIL, DEMO_PASSWORD
