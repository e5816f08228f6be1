"""The founders' web app (issue 8): FastAPI + Jinja2, server-rendered; see docs/web.md."""

from gtm.web.app import create_app

__all__ = ["create_app"]
