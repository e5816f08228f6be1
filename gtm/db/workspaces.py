"""Workspaces: every row belongs to one; the CLI and assets act in the one named by settings."""

from __future__ import annotations

import re

import psycopg

from gtm.errors import TerminalError

_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")


def ensure_workspace(conn: psycopg.Connection, slug: str, name: str | None = None) -> str:
    """Return the id of workspace `slug`, creating it on first use."""
    if not _SLUG.match(slug):
        raise TerminalError(
            f"invalid workspace slug {slug!r} (GTM_WORKSPACE):"
            " use lowercase letters, digits, - and _"
        )
    try:
        row = conn.execute(
            "insert into workspaces (slug, name) values (%s, %s)"
            " on conflict (slug) do update set slug = excluded.slug returning id",
            (slug, name or slug),
        ).fetchone()
    except psycopg.errors.UndefinedTable:
        raise TerminalError("the database has no GTM schema yet: run `gtm db:migrate`") from None
    return str(row["id"])
