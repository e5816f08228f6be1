"""Login, logout and the home redirect."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse

from gtm.web.app import page_context
from gtm.web.auth import LoginThrottle
from gtm.web.deps import CurrentUser, Db, check_csrf

router = APIRouter()


def _safe_next(target: str | None) -> str:
    # Only local paths: never an open redirect to another site.
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/campaigns"


@router.get("/login")
def login_page(request: Request, *, next: str | None = None):
    return request.app.state.templates.TemplateResponse(
        request, "login.html", page_context(request, next=_safe_next(next), error=None)
    )


@router.post("/login", dependencies=[Depends(check_csrf)])
def login(
    request: Request,
    *,
    email: Annotated[str, Form()],
    password: Annotated[str, Form()],
    next: Annotated[str, Form()] = "/campaigns",
    conn: Db,
):
    throttle: LoginThrottle = request.app.state.login_throttle
    if throttle.blocked(email):
        return request.app.state.templates.TemplateResponse(
            request, "login.html",
            page_context(request, next=_safe_next(next),
                         error="Too many failed logins for this email: wait a few minutes."),
            status_code=429)
    user_id = request.app.state.password_backend.authenticate(conn, email, password)
    if user_id is None:
        throttle.failed(email)
        return request.app.state.templates.TemplateResponse(
            request,
            "login.html",
            page_context(request, next=_safe_next(next), error="Wrong email or password."),
            status_code=401,
        )
    throttle.succeeded(email)
    # A new session (and CSRF token) on login: a pre-login cookie is never reused.
    request.state.new_session_cookie, _ = request.app.state.sessions.dump(user_id)
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/logout", dependencies=[Depends(check_csrf)])
def logout(request: Request, *, user: CurrentUser):
    request.state.new_session_cookie, _ = request.app.state.sessions.dump(None)
    return RedirectResponse("/login", status_code=303)


@router.get("/")
def home(user: CurrentUser):
    return RedirectResponse("/campaigns", status_code=303)
