"""Senders: the mailbox identities campaigns send from, with caps, window and time zone."""

from __future__ import annotations

from dataclasses import dataclass, field

import psycopg
from psycopg.types.json import Jsonb

from gtm.errors import TerminalError
from gtm.intake.normalize.emails import normalize_email
from gtm.sending.planner import RampUp
from gtm.sending.window import SendWindow, zone

PROVIDERS = ("file", "smtp", "resend", "smartlead")
SENDER_COLUMNS = ("email", "display_name", "provider", "daily_cap", "hourly_cap",
                  "min_gap_seconds", "window", "timezone", "active")


@dataclass
class SenderSpec:
    email: str
    display_name: str | None = None
    reply_to: str | None = None
    provider: str = "file"
    daily_cap: int = 50
    hourly_cap: int | None = None
    min_gap_seconds: int = 60
    window: SendWindow = field(default_factory=SendWindow)
    timezone: str = "UTC"
    jitter_seconds: int = 0  # a random extra 0..N seconds on top of the minimum gap
    ramp_up: dict | None = None  # {"start": 10, "step": 5, "every_days": 2} for a new mailbox

    def validated(self) -> SenderSpec:
        email = _valid_email(self.email, "sender email")
        reply_to = _valid_email(self.reply_to, "--reply-to") if self.reply_to else None
        if self.provider not in PROVIDERS:
            raise TerminalError(f"unknown provider {self.provider!r}: "
                                f"use one of {', '.join(PROVIDERS)}")
        for name in ("daily_cap", "hourly_cap", "min_gap_seconds", "jitter_seconds"):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise TerminalError(f"{name} must be 0 or more, got {value}")
        zone(self.timezone)
        ramp = RampUp.from_json(self.ramp_up)
        if ramp is not None and (ramp.start < 0 or ramp.step < 0):
            raise TerminalError(f"ramp_up start and step must be 0 or more, got {self.ramp_up}")
        return SenderSpec(email, self.display_name, reply_to, self.provider, self.daily_cap,
                          self.hourly_cap, self.min_gap_seconds, self.window, self.timezone,
                          self.jitter_seconds, self.ramp_up)


def add_sender(conn: psycopg.Connection, workspace_id: str, spec: SenderSpec) -> tuple[dict, bool]:
    """Create the sender, or update it when the address exists; (row, created)."""
    spec = spec.validated()
    row = conn.execute(
        """insert into senders (workspace_id, email, display_name, reply_to, provider, daily_cap,
                                hourly_cap, min_gap_seconds, send_window, timezone,
                                jitter_seconds, ramp_up)
           values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
           on conflict (workspace_id, lower(email)) do update set
             display_name = excluded.display_name, reply_to = excluded.reply_to,
             provider = excluded.provider, daily_cap = excluded.daily_cap,
             hourly_cap = excluded.hourly_cap, min_gap_seconds = excluded.min_gap_seconds,
             send_window = excluded.send_window, timezone = excluded.timezone,
             jitter_seconds = excluded.jitter_seconds, ramp_up = excluded.ramp_up, active = true
           returning id, (xmax = 0) as created""",
        (workspace_id, spec.email, spec.display_name, spec.reply_to, spec.provider, spec.daily_cap,
         spec.hourly_cap, spec.min_gap_seconds, Jsonb(spec.window.to_json()), spec.timezone,
         spec.jitter_seconds, Jsonb(spec.ramp_up) if spec.ramp_up else None),
    ).fetchone()
    return get_sender(conn, workspace_id, spec.email), bool(row["created"])


def get_sender(conn: psycopg.Connection, workspace_id: str, email: str) -> dict:
    row = conn.execute(_SELECT + " and lower(email) = lower(%s)",
                       (workspace_id, email.strip())).fetchone()
    if row is None:
        raise TerminalError(f"no sender {email!r}: add it with `gtm sender:add {email}`")
    return _present(row)


def list_senders(conn: psycopg.Connection, workspace_id: str) -> list[dict]:
    return [_present(r) for r in conn.execute(_SELECT + " order by email", (workspace_id,))]


_SELECT = """select id::text, email, display_name, reply_to, provider, daily_cap, hourly_cap,
                    min_gap_seconds, jitter_seconds, ramp_up, send_window, timezone, active
             from senders where workspace_id = %s"""


def _present(row: dict) -> dict:
    window = SendWindow.from_json(row.pop("send_window"))
    return {**row, "window": window.describe()}


def _valid_email(value: str, what: str) -> str:
    normalized = normalize_email(value)
    if normalized.email is None:
        raise TerminalError(f"invalid {what} {value!r}: {normalized.reason}")
    return normalized.email
