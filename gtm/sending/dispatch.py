"""The dispatcher: one tick sends the messages whose slot has come, at most once each.

Per mailbox (a session advisory lock, so two dispatchers never work one mailbox and its gaps and
caps are counted by one of them):
1. reservations older than the lease with no outcome -> `held_unknown` (never retried);
2. the queue is planned from now (`scheduling.reslot`) and the slots up to now + horizon are
   taken in time order, waiting in real time for each (so gaps hold);
3. each message is *reserved* in its own transaction — row locked `FOR UPDATE SKIP LOCKED`,
   still `queued`, its campaign still `sending` (read `FOR SHARE`, so a pause either commits
   first and wins or waits for us), pre-flight passed — and that reservation is COMMITTED
   before the provider is called;
4. the provider's answer is recorded: sent, queued again with backoff (transient), failed
   (poison queue; bad addresses also suppressed) or held_unknown (the outcome is unknown).

A crash anywhere leaves either a `queued` message (never handed over) or a `reserved` one (maybe
handed over), which step 1 of a later tick holds for a human. Nothing is sent twice.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta

import psycopg

from gtm.db.workspaces import ensure_workspace
from gtm.errors import ConfigError
from gtm.providers.senders import (
    BadAddressError,
    DeliveryUnknownError,
    OutgoingEmail,
    RejectedError,
    SenderAdapter,
    TransientSendError,
    build_adapter,
)
from gtm.sending import mx, preflight
from gtm.sending.bounces import enforce_bounce_limits
from gtm.sending.scheduling import reslot, senders_with_work
from gtm.sending.store import record_employee_send
from gtm.settings import Settings

AdapterFactory = Callable[[dict], SenderAdapter]  # a sender row -> its adapter
_LOCK_CLASS = 0x6774  # advisory lock namespace of mailboxes ("gt")


@dataclass
class DispatchReport:
    sent: int = 0
    retried: int = 0  # transient error: queued again with backoff
    failed: int = 0  # poison queue (or retries exhausted)
    held: int = 0  # outcome unknown: held for a human
    blocked: dict[str, int] = field(default_factory=dict)  # pre-flight reasons at send time
    not_sending: int = 0  # due, but the campaign was paused meanwhile
    busy_mailboxes: int = 0  # another dispatcher holds them
    mailbox_errors: dict[str, str] = field(default_factory=dict)
    auto_paused: list[str] = field(default_factory=list)
    planned: int = 0  # queued messages with a slot

    def to_json(self) -> dict:
        return asdict(self)


def default_adapters(settings: Settings) -> AdapterFactory:
    return lambda sender: build_adapter(sender["provider"], settings, sender["config"])


def dispatch_due(connect: Callable[[], psycopg.Connection], settings: Settings, *,
                 now: datetime | None = None, horizon_seconds: float | None = None,
                 adapters: AdapterFactory | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> DispatchReport:
    """Run one tick for the workspace of `settings`.

    `now` fixes the clock (tests, demos): only slots due at `now` are sent and nothing waits.
    Otherwise the real clock runs and slots up to `horizon_seconds` (default
    `sending_horizon_seconds`) ahead are sent as they fall due.
    """
    fixed = now is not None
    start = now if fixed else datetime.now(UTC)
    horizon = 0.0 if fixed else (settings.sending_horizon_seconds if horizon_seconds is None
                                 else horizon_seconds)
    tick = _Tick(settings, adapters or default_adapters(settings),
                 (lambda: start) if fixed else (lambda: datetime.now(UTC)), sleep)
    conn = connect()
    conn.autocommit = True  # explicit transactions below; advisory locks outlive them
    try:
        return tick.run(conn, start, start + timedelta(seconds=horizon))
    finally:
        conn.close()  # also releases the mailbox locks


class _Tick:
    def __init__(self, settings: Settings, adapters: AdapterFactory,
                 clock: Callable[[], datetime], sleep: Callable[[float], None]):
        self.settings, self.adapters, self.clock, self.sleep = settings, adapters, clock, sleep
        self.policy = preflight.Policy.from_settings(settings)
        self.report = DispatchReport()
        self.me = f"{socket.gethostname()}:{os.getpid()}"

    def run(self, conn: psycopg.Connection, start: datetime, deadline: datetime) -> DispatchReport:
        with conn.transaction():
            self.ws = ensure_workspace(conn, self.settings.workspace)
            paused = enforce_bounce_limits(conn, self.ws, self.settings, start)
            self.report.auto_paused = [r.campaign for r in paused]
        senders = {s["id"]: s for s in senders_with_work(conn, self.ws)}
        timeline: list[tuple[datetime, int, str, str]] = []  # (slot, plan order, sender, msg)
        for sender in senders.values():
            if not conn.execute("select pg_try_advisory_lock(%s, hashtext(%s)) as ok",
                                (_LOCK_CLASS, sender["id"])).fetchone()["ok"]:
                self.report.busy_mailboxes += 1
                continue
            with conn.transaction():
                self._recover(conn, sender, start)
                slots = reslot(conn, sender, start) if sender["active"] else {}
            self.report.planned += len(slots)
            timeline += [(slot, order, sender["id"], mid)
                         for order, (mid, slot) in enumerate(slots.items()) if slot <= deadline]
        timeline.sort()
        with ExitStack() as open_adapters:
            adapters: dict[str, SenderAdapter | None] = {}
            for slot, _, sender_id, message_id in timeline:
                if sender_id not in adapters:
                    adapters[sender_id] = self._adapter(senders[sender_id], open_adapters)
                adapter = adapters[sender_id]
                if adapter is None:
                    continue
                wait = (slot - self.clock()).total_seconds()
                if wait > 0:
                    self.sleep(wait)
                email = self._reserve(conn, message_id, senders[sender_id])
                if email is not None and not self._send(conn, adapter, email):
                    adapters[sender_id] = None  # auth/config broken: leave the rest queued
        return self.report

    # -- steps -------------------------------------------------------------------------------

    def _recover(self, conn: psycopg.Connection, sender: dict, now: datetime) -> None:
        held = conn.execute(
            """update messages set status = 'held_unknown', error_kind = 'unknown',
                      error_cause = 'unknown_outcome',
                      last_error = 'the dispatcher stopped after reserving this message; it may '
                                   || 'or may not have been sent'
               where sender_id = %s and status = 'reserved' and reserved_at < %s""",
            (sender["id"], now - timedelta(seconds=self.settings.sending_lease_seconds))).rowcount
        self.report.held += held

    def _adapter(self, sender: dict, stack: ExitStack) -> SenderAdapter | None:
        try:
            return stack.enter_context(self.adapters(sender))
        except (ConfigError, RejectedError) as exc:
            self.report.mailbox_errors[sender["email"]] = str(exc)
            return None

    def _reserve(self, conn: psycopg.Connection, message_id: str,
                 sender: dict) -> OutgoingEmail | None:
        """Reserve and commit, or say why not (blocked, paused, taken, backing off)."""
        now = self.clock()
        with conn.transaction():
            m = conn.execute(
                """select m.id::text, m.campaign_id::text, m.employee_id::text, m.to_email,
                          m.subject, m.body, m.headers, m.rfc_message_id, m.in_reply_to,
                          m.next_attempt_at, e.first_name, e.last_name
                   from messages m left join employees e on e.id = m.employee_id
                   where m.id = %s and m.status = 'queued'
                   for update of m skip locked""", (message_id,)).fetchone()
            if m is None or (m["next_attempt_at"] is not None and m["next_attempt_at"] > now):
                return None
            campaign = conn.execute("select status from campaigns where id = %s for share",
                                    (m["campaign_id"],)).fetchone()
            if campaign["status"] != "sending":
                self.report.not_sending += 1
                return None
            reasons = preflight.check(
                conn, self.ws, [preflight.Candidate(m["id"], m["campaign_id"], m["employee_id"],
                                                    m["to_email"])],
                self.policy, mx.has_mx, at_send=True)
            if reasons:
                reason = reasons[m["id"]]
                conn.execute("update messages set status = 'blocked', blocked_reason = %s "
                             "where id = %s", (reason, m["id"]))
                self.report.blocked[reason] = self.report.blocked.get(reason, 0) + 1
                return None
            conn.execute(
                """update messages set status = 'reserved', reserved_at = %s, reserved_by = %s,
                          attempts = attempts + 1, provider = %s where id = %s""",
                (now, self.me, sender["provider"], m["id"]))
        name = " ".join(p for p in (m["first_name"], m["last_name"]) if p) or None
        return OutgoingEmail(
            id=m["id"], rfc_message_id=m["rfc_message_id"], from_email=sender["email"],
            from_name=sender["display_name"], to_email=m["to_email"], to_name=name,
            subject=m["subject"], body=m["body"], reply_to=sender["reply_to"],
            in_reply_to=m["in_reply_to"], headers=dict(m["headers"] or {}))

    def _send(self, conn: psycopg.Connection, adapter: SenderAdapter,
              email: OutgoingEmail) -> bool:
        """Call the provider and record what happened; False when the mailbox is unusable."""
        try:
            outcome = adapter.send(email)
        except TransientSendError as exc:
            self._retry_or_fail(conn, email, exc)
            return True
        except RejectedError as exc:
            self._poison(conn, email, exc)
            return exc.cause not in ("auth", "config")
        except DeliveryUnknownError as exc:
            self._hold(conn, email, str(exc))
            return True
        except BaseException as exc:
            # An error we did not classify: the provider may have taken the message.
            self._hold(conn, email, f"unexpected {type(exc).__name__}: {exc}")
            raise
        sent_at = self.clock()
        with conn.transaction():
            row = conn.execute(
                """update messages set status = 'sent', sent_at = %s, provider_message_id = %s,
                          last_error = null, error_kind = null, error_cause = null
                   where id = %s and status = 'reserved'
                   returning employee_id::text, draft_id::text""",
                (sent_at, outcome.provider_message_id, email.id)).fetchone()
            if row is not None:
                conn.execute("update drafts set status = 'sent' where id = %s", (row["draft_id"],))
                record_employee_send(conn, row["employee_id"], sent_at)
                self.report.sent += 1
        return True

    def _retry_or_fail(self, conn: psycopg.Connection, email: OutgoingEmail,
                       exc: TransientSendError) -> None:
        s = self.settings
        with conn.transaction():
            attempts = conn.execute("select attempts from messages where id = %s",
                                    (email.id,)).fetchone()["attempts"]
            if attempts >= s.sending_max_attempts:
                self._finish(conn, email.id, "failed", "transient", "retries_exhausted",
                             f"gave up after {attempts} attempts: {exc}")
                self.report.failed += 1
                return
            backoff = s.sending_retry_base_seconds * 2 ** (attempts - 1)
            delay = max(min(s.sending_retry_max_seconds, backoff), exc.retry_after or 0)
            conn.execute(
                """update messages set status = 'queued', next_attempt_at = %s, last_error = %s,
                          error_kind = 'transient', error_cause = 'transient'
                   where id = %s and status = 'reserved'""",
                (self.clock() + timedelta(seconds=delay), str(exc), email.id))
        self.report.retried += 1

    def _poison(self, conn: psycopg.Connection, email: OutgoingEmail, exc: RejectedError) -> None:
        with conn.transaction():
            self._finish(conn, email.id, "failed", "permanent", exc.cause, str(exc))
            if isinstance(exc, BadAddressError):
                conn.execute(
                    """insert into suppressions (workspace_id, email, reason, source, note)
                       values (%s, %s, 'invalid_address', 'dispatcher', %s)
                       on conflict (workspace_id, lower(email)) do nothing""",
                    (self.ws, email.to_email, str(exc)[:500]))
        self.report.failed += 1

    def _hold(self, conn: psycopg.Connection, email: OutgoingEmail, reason: str) -> None:
        with conn.transaction():
            self._finish(conn, email.id, "held_unknown", "unknown", "unknown_outcome", reason)
        self.report.held += 1

    @staticmethod
    def _finish(conn: psycopg.Connection, message_id: str, status: str, kind: str, cause: str,
                error: str) -> None:
        conn.execute(
            """update messages set status = %s, error_kind = %s, error_cause = %s, last_error = %s
               where id = %s and status = 'reserved'""", (status, kind, cause, error, message_id))
