"""Local web accounts (argon2 hashes in `users`), signed session cookies and CSRF tokens.

A session is a signed (itsdangerous), HttpOnly, SameSite=Lax cookie holding the user id and a
random CSRF token; every form carries that token and every POST is refused without it. A user
works in the workspace it is a member of (`workspace_members`, oldest membership first).
"""

from __future__ import annotations

import hmac
import os
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Protocol

import psycopg
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from itsdangerous import BadSignature, URLSafeTimedSerializer

from gtm.errors import TerminalError

SESSION_COOKIE = "gtm_session"
SESSION_MAX_AGE = 14 * 24 * 3600
_hasher = PasswordHasher()
# Verifying against a dummy hash for unknown emails keeps login timing uniform.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


@dataclass(frozen=True)
class User:
    id: str
    email: str
    workspace_id: str
    role: str


def add_user(conn: psycopg.Connection, workspace_id: str, email: str, password: str,
             role: str = "owner") -> str:
    """Create (or re-password) a local account and make it a member of `workspace_id`."""
    email = email.strip()
    if "@" not in email:
        raise TerminalError(f"{email!r} is not an email address")
    if len(password) < 8:
        raise TerminalError("a password needs at least 8 characters")
    hashed = _hasher.hash(password)
    row = conn.execute("select id::text from users where lower(email) = lower(%s)",
                       (email,)).fetchone()
    if row is None:
        user_id = conn.execute(
            "insert into users (workspace_id, email, password_hash) values (%s, %s, %s)"
            " returning id::text", (workspace_id, email, hashed)).fetchone()["id"]
    else:
        user_id = row["id"]
        conn.execute("update users set password_hash = %s, disabled_at = null where id = %s",
                     (hashed, user_id))
    if conn.execute("select 1 from workspace_members where workspace_id = %s and user_id = %s",
                    (workspace_id, user_id)).fetchone() is None:
        conn.execute("insert into workspace_members (workspace_id, user_id, role, email)"
                      " values (%s, %s, %s, %s)", (workspace_id, user_id, role, email))
    return user_id


def authenticate(conn: psycopg.Connection, email: str, password: str) -> str | None:
    """The user id when `password` is right for `email`, else None."""
    row = conn.execute("select id::text, password_hash from users"
                       " where lower(email) = lower(%s) and disabled_at is null",
                       (email.strip(),)).fetchone()
    try:
        _hasher.verify(row["password_hash"] if row else _DUMMY_HASH, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    if row is None:
        return None
    conn.execute("update users set last_login_at = now() where id = %s", (row["id"],))
    return row["id"]


def load_user(conn: psycopg.Connection, user_id: str) -> User | None:
    """The user with its workspace (via workspace_members), or None when it has none.

    A local account must exist and not be disabled; a Supabase user (no `users` row) is known
    by its membership alone."""
    try:
        row = conn.execute(
            """select m.user_id::text as id, coalesce(u.email, m.email, '') as email,
                      m.workspace_id::text, m.role
               from workspace_members m left join users u on u.id = m.user_id
               where m.user_id = %s
                 and (u.id is not null and u.disabled_at is null
                      or u.id is null and %s)
               order by m.created_at limit 1""",
            (user_id, supabase_configured())).fetchone()
    except psycopg.errors.InvalidTextRepresentation:  # not a uuid: a forged or stale id
        conn.rollback()
        return None
    return None if row is None else User(row["id"], row["email"], row["workspace_id"], row["role"])


class PasswordBackend(Protocol):
    def authenticate(self, conn: psycopg.Connection, email: str, password: str) -> str | None:
        """The user id (workspace_members.user_id) when the password is right, else None."""


class LocalAccounts:
    """argon2 hashes in `users` (gtm user:add)."""

    def authenticate(self, conn: psycopg.Connection, email: str, password: str) -> str | None:
        return authenticate(conn, email, password)


class SupabaseAccounts:
    """Supabase Auth: email + password against the project's GoTrue, then the user the issued
    JWT belongs to, as GoTrue reports it (`get_user`); that id must be in workspace_members
    (checked by `load_user`)."""

    def __init__(self, url: str, key: str):
        self.url, self.key = url, key

    def _client(self):
        from supabase import ClientOptions, create_client

        # One client per login: the library keeps the signed-in session in the client, which
        # must never be shared between two users' requests; no refresh timer on a server.
        return create_client(self.url, self.key, ClientOptions(auto_refresh_token=False,
                                                               persist_session=False))

    def authenticate(self, conn: psycopg.Connection, email: str, password: str) -> str | None:
        from supabase_auth.errors import AuthApiError, AuthRetryableError

        auth = self._client().auth
        try:
            session = auth.sign_in_with_password(
                {"email": email.strip(), "password": password}).session
            user = auth.get_user(session.access_token).user if session else None
        except AuthRetryableError as exc:  # unreachable: say so, not "wrong password"
            raise TerminalError(f"Supabase Auth at {self.url} did not answer: {exc}") from None
        except AuthApiError:  # GoTrue refused: wrong email or password, unconfirmed, ...
            return None
        return str(user.id) if user is not None and user.id else None


def supabase_configured() -> bool:
    return bool(os.environ.get("SUPABASE_URL"))


def password_backend() -> PasswordBackend:
    """Supabase Auth when SUPABASE_URL (and SUPABASE_ANON_KEY or SUPABASE_KEY) are set, else
    local accounts."""
    url = os.environ.get("SUPABASE_URL")
    key = os.environ.get("SUPABASE_ANON_KEY") or os.environ.get("SUPABASE_KEY")
    if url and key:
        return SupabaseAccounts(url, key)
    if url:
        raise TerminalError("SUPABASE_URL is set but SUPABASE_ANON_KEY is not: set both, or "
                            "unset SUPABASE_URL to use local accounts (gtm user:add)")
    return LocalAccounts()


class Sessions:
    """Signs and reads the session cookie's payload: {"uid": ..., "csrf": ...}."""

    def __init__(self, secret_key: str):
        self._serializer = URLSafeTimedSerializer(secret_key, salt="gtm-web-session")

    def dump(self, user_id: str | None) -> tuple[str, str]:
        csrf = secrets.token_urlsafe(32)
        return self._serializer.dumps({"uid": user_id, "csrf": csrf}), csrf

    def load(self, cookie: str | None) -> dict | None:
        if not cookie:
            return None
        try:
            data = self._serializer.loads(cookie, max_age=SESSION_MAX_AGE)
        except BadSignature:
            return None
        return data if isinstance(data, dict) and data.get("csrf") else None


def csrf_ok(expected: str | None, given: str | None) -> bool:
    return bool(expected and given) and hmac.compare_digest(expected, given)


class LoginThrottle:
    """At most `limit` failed logins per email in `window` seconds (per process): slows down
    password guessing without locking anyone out for long."""

    def __init__(self, limit: int = 10, window: float = 900.0):
        self.limit, self.window = limit, window
        self._failures: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> list[float]:
        recent = [t for t in self._failures.get(key, []) if now - t < self.window]
        self._failures[key] = recent
        return recent

    def blocked(self, email: str) -> bool:
        with self._lock:
            return len(self._recent(email.strip().lower(), time.monotonic())) >= self.limit

    def failed(self, email: str) -> None:
        with self._lock:
            key = email.strip().lower()
            self._recent(key, time.monotonic()).append(time.monotonic())

    def succeeded(self, email: str) -> None:
        with self._lock:
            self._failures.pop(email.strip().lower(), None)
