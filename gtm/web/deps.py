"""Request plumbing shared by the routers: the session, the signed-in user, CSRF, the database."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

import psycopg
from fastapi import Depends, HTTPException, Request

from gtm.db import connect
from gtm.web.auth import User, csrf_ok, load_user


class LoginRequired(Exception):
    """Raised by `current_user`; the app turns it into a redirect to /login (or a 401)."""


def db(request: Request) -> Iterator[psycopg.Connection]:
    """One connection per request: committed when the handler returns, rolled back on error."""
    with connect(request.app.state.settings) as conn:
        yield conn


# scope="function": commit before the response goes out. With FastAPI's default ("request")
# the commit ran after sending, so a browser following a POST's redirect could read the page
# before the write was visible (a new campaign "not found", a pause not shown yet).
Db = Annotated[psycopg.Connection, Depends(db, scope="function")]


def current_user(request: Request, conn: Db) -> User:
    session = request.state.session
    user = load_user(conn, session["uid"]) if session.get("uid") else None
    if user is None:
        raise LoginRequired()
    request.state.user = user
    return user


async def check_csrf(request: Request) -> None:
    """Every POST carries the session's token in the form (`csrf_token`) or `X-CSRF-Token`."""
    given = request.headers.get("x-csrf-token")
    if given is None:
        form = await request.form()  # cached by Starlette: the handler's Form() reads it again
        value = form.get("csrf_token")
        given = value if isinstance(value, str) else None
    if not csrf_ok(request.state.session.get("csrf"), given):
        raise HTTPException(403, "missing or wrong CSRF token: reload the page and try again")


CurrentUser = Annotated[User, Depends(current_user)]
