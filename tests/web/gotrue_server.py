"""A GoTrue-compatible Supabase Auth server for tests: the two endpoints the `supabase` client
calls for a password login, with GoTrue's response shapes and real HS256 JWTs.

    POST /auth/v1/token?grant_type=password  {"email", "password"} -> a session with a JWT
    GET  /auth/v1/user  (Authorization: Bearer <JWT>)                -> the JWT's user

Both check the project's `apikey` header like Supabase's gateway does. Every call is logged in
`calls` so a test can see the client really went over HTTP.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field

import jwt
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

API_VERSION = {"x-supabase-api-version": "2024-01-01"}
CREATED = "2026-01-05T10:00:00Z"


def anon_key(secret: str) -> str:
    """A project's anon key: a JWT with role anon, signed with the project's secret."""
    return jwt.encode({"iss": "supabase", "role": "anon", "iat": int(time.time())}, secret,
                      algorithm="HS256")


@dataclass
class GoTrue:
    secret: str
    users: dict[str, tuple[str, str]]  # email -> (password, user id)
    calls: list[str] = field(default_factory=list)

    @property
    def key(self) -> str:
        return anon_key(self.secret)

    def user_json(self, user_id: str, email: str) -> dict:
        return {"id": user_id, "aud": "authenticated", "role": "authenticated", "email": email,
                "email_confirmed_at": CREATED, "phone": "", "confirmed_at": CREATED,
                "last_sign_in_at": CREATED, "created_at": CREATED, "updated_at": CREATED,
                "app_metadata": {"provider": "email", "providers": ["email"]},
                "user_metadata": {}, "identities": [], "is_anonymous": False}

    def app(self) -> FastAPI:
        app = FastAPI()
        expected_key = self.key

        def refused(status: int, code: str, message: str) -> JSONResponse:
            return JSONResponse({"code": status, "error_code": code, "msg": message},
                                status_code=status, headers=API_VERSION)

        @app.post("/auth/v1/token")
        async def token(request: Request, grant_type: str):
            self.calls.append(f"token:{grant_type}")
            if request.headers.get("apikey") != expected_key:
                return refused(401, "no_authorization", "Invalid API key")
            body = await request.json()
            password, user_id = self.users.get(body.get("email", ""), (None, None))
            if grant_type != "password" or password is None or body.get("password") != password:
                return refused(400, "invalid_credentials", "Invalid login credentials")
            now = int(time.time())
            claims = {"sub": user_id, "email": body["email"], "aud": "authenticated",
                      "role": "authenticated", "iat": now, "exp": now + 3600, "aal": "aal1",
                      "session_id": str(uuid.uuid4()), "iss": "http://gotrue.test/auth/v1"}
            return JSONResponse({
                "access_token": jwt.encode(claims, self.secret, algorithm="HS256"),
                "token_type": "bearer", "expires_in": 3600, "expires_at": now + 3600,
                "refresh_token": uuid.uuid4().hex, "user": self.user_json(user_id, body["email"]),
            }, headers=API_VERSION)

        @app.get("/auth/v1/user")
        async def user(request: Request):
            self.calls.append("user")
            if request.headers.get("apikey") != expected_key:
                return refused(401, "no_authorization", "Invalid API key")
            bearer = request.headers.get("authorization", "").removeprefix("Bearer ")
            try:
                claims = jwt.decode(bearer, self.secret, algorithms=["HS256"],
                                    audience="authenticated")
            except jwt.PyJWTError as exc:
                return refused(403, "bad_jwt", f"invalid JWT: {exc}")
            return JSONResponse(self.user_json(claims["sub"], claims["email"]),
                                headers=API_VERSION)

        return app
