"""The app factory: `create_app(settings)` wires sessions, CSRF, templates and the routers.

uvicorn.run(create_app(load_settings()), host="127.0.0.1", port=8000)
"""

from __future__ import annotations

import secrets
from pathlib import Path

import jinja2
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.middleware.base import BaseHTTPMiddleware

from gtm.errors import GtmError
from gtm.settings import Settings
from gtm.web.auth import (
    SESSION_COOKIE,
    SESSION_MAX_AGE,
    LoginThrottle,
    PasswordBackend,
    Sessions,
)
from gtm.web.auth import password_backend as default_password_backend
from gtm.web.deps import LoginRequired

HERE = Path(__file__).parent


def create_app(settings: Settings, password_backend: PasswordBackend | None = None) -> FastAPI:
    from gtm.web.routes import auth_pages, campaigns, report, review, segments

    app = FastAPI(title="GTM", docs_url=None, redoc_url=None, openapi_url=None)
    key = settings.web_secret_key.get_secret_value() if settings.web_secret_key else None
    app.state.settings = settings
    app.state.password_backend = password_backend or default_password_backend()
    app.state.login_throttle = LoginThrottle()
    app.state.sessions = Sessions(key or secrets.token_urlsafe(32))
    app.state.templates = templates()
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    # htmx comes from a package (django-js-lib-htmx ships it; Django itself is not needed).
    app.mount("/vendor/htmx", StaticFiles(directory=htmx_dir()), name="htmx")
    app.add_middleware(BaseHTTPMiddleware, dispatch=_session_middleware)
    for router in (
        auth_pages.router,
        segments.router,
        campaigns.router,
        review.router,
        report.router,
    ):
        app.include_router(router)
    app.add_exception_handler(LoginRequired, _login_required)
    app.add_exception_handler(GtmError, _gtm_error)
    return app


def htmx_dir() -> Path:
    import js_lib_htmx

    return Path(js_lib_htmx.__file__).parent / "static" / "htmx"


def templates() -> Jinja2Templates:
    # Autoescape everything: LLM output and imported data are untrusted.
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    return Jinja2Templates(env=env)


async def _session_middleware(request: Request, call_next) -> Response:
    sessions: Sessions = request.app.state.sessions
    session = sessions.load(request.cookies.get(SESSION_COOKIE))
    fresh = None
    if session is None:  # an anonymous session still carries a CSRF token (the login form)
        fresh, csrf = sessions.dump(None)
        session = {"uid": None, "csrf": csrf}
    request.state.session = session
    response = await call_next(request)
    new_cookie = getattr(request.state, "new_session_cookie", None) or fresh
    if new_cookie:
        set_session_cookie(response, new_cookie, request.url.scheme == "https")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "frame-ancestors 'none'; form-action 'self'",
    )
    return response


def set_session_cookie(response: Response, value: str, secure: bool) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        value,
        max_age=SESSION_MAX_AGE,
        httponly=True,
        samesite="lax",
        secure=secure,
        path="/",
    )


async def _login_required(request: Request, exc: LoginRequired) -> Response:
    if request.method == "GET" and "application/json" not in request.headers.get("accept", ""):
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
    return JSONResponse({"detail": "login required"}, status_code=401)


async def _gtm_error(request: Request, exc: GtmError) -> Response:
    return request.app.state.templates.TemplateResponse(
        request, "error.html", page_context(request, message=str(exc)), status_code=400
    )


def page_context(request: Request, **values) -> dict:
    return {
        "user": getattr(request.state, "user", None),
        "csrf_token": request.state.session["csrf"],
        **values,
    }
