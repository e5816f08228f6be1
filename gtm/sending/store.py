"""Reading the outbox and the few writes a human makes on it (resolving held messages)."""

from __future__ import annotations

from datetime import UTC, datetime

import psycopg

from gtm.errors import TerminalError

STATUSES = ("queued", "reserved", "sent", "failed", "held_unknown", "cancelled", "blocked")

_SELECT = """
select m.id::text, c.name as campaign, m.step, m.to_email, m.subject, m.status,
       m.scheduled_at, m.sent_at, m.attempts, m.next_attempt_at, m.error_kind, m.error_cause,
       coalesce(m.blocked_reason, m.last_error) as reason, m.rfc_message_id, m.provider,
       m.provider_message_id, m.reserved_at, m.resolution, snd.email as sender
from messages m
join campaigns c on c.id = m.campaign_id
join senders snd on snd.id = m.sender_id
where m.workspace_id = %(ws)s
"""


def list_messages(conn: psycopg.Connection, workspace_id: str, *, campaign: str | None = None,
                  status: str | None = None, limit: int = 100) -> list[dict]:
    if status is not None and status not in STATUSES:
        raise TerminalError(f"unknown message status {status!r}: use one of {', '.join(STATUSES)}")
    return conn.execute(
        _SELECT + """ and (%(campaign)s::text is null or c.name = %(campaign)s)
                      and (%(status)s::text is null or m.status = %(status)s)
                    order by m.scheduled_at nulls last, m.created_at, m.id limit %(limit)s""",
        {"ws": workspace_id, "campaign": campaign, "status": status, "limit": limit}).fetchall()


def held_messages(conn: psycopg.Connection, workspace_id: str) -> list[dict]:
    """What needs a human: outcome unknown (held_unknown) and the poison queue (failed)."""
    return conn.execute(
        _SELECT + " and m.status in ('held_unknown', 'failed') order by m.updated_at desc",
        {"ws": workspace_id}).fetchall()


def record_employee_send(conn: psycopg.Connection, employee_id: str, sent_at: datetime) -> None:
    """The PRD's outreach fields: when, and in how many campaigns the contact has been mailed."""
    conn.execute(
        """update employees e set outreach_sent_date = greatest(e.outreach_sent_date, %s),
                  campaign_status = 'sent',
                  campaign_number = (select count(distinct m.campaign_id) from messages m
                                     where m.workspace_id = e.workspace_id
                                       and m.employee_id = e.id and m.status = 'sent')
           where e.id = %s""", (sent_at, employee_id))


def resolve_message(conn: psycopg.Connection, workspace_id: str, message: str, *, sent: bool,
                    now: datetime | None = None) -> dict:
    """A human's decision on a held_unknown (or failed) message, found by id or Message-ID.

    sent=True: it did go out (seen in the provider's log or the recipient's reply) -> sent.
    sent=False: it did not -> queued again, with its retries reset; pre-flight runs again.
    """
    now = now or datetime.now(UTC)
    row = conn.execute(
        """select id::text, status, employee_id::text, reserved_at, draft_id::text from messages
           where workspace_id = %s and (id::text = %s or rfc_message_id = %s
                                        or rfc_message_id = '<' || %s || '>')
           for update""", (workspace_id, message, message, message)).fetchone()
    if row is None:
        raise TerminalError(f"no message {message!r} in the outbox; see `gtm outbox:held`")
    if row["status"] not in ("held_unknown", "failed"):
        raise TerminalError(f"message {row['id']} is {row['status']}: only held_unknown or failed "
                            "messages are resolved by hand")
    if sent:
        sent_at = row["reserved_at"] or now
        conn.execute(
            """update messages set status = 'sent', sent_at = %s, resolution = 'sent',
                      resolved_at = %s where id = %s""", (sent_at, now, row["id"]))
        conn.execute("update drafts set status = 'sent' where id = %s", (row["draft_id"],))
        record_employee_send(conn, row["employee_id"], sent_at)
    else:
        conn.execute(
            """update messages set status = 'queued', attempts = 0, next_attempt_at = null,
                      resolution = 'not_sent', resolved_at = %s where id = %s""", (now, row["id"]))
    return {"id": row["id"], "from": row["status"], "to": "sent" if sent else "queued"}


def day_summary(conn: psycopg.Connection, workspace_id: str, start: datetime,
                end: datetime) -> dict:
    """Messages sent in [start, end) and the whole outbox by status, for run metadata."""
    sent = conn.execute(
        """select count(*) as n from messages
           where workspace_id = %s and status = 'sent' and sent_at >= %s and sent_at < %s""",
        (workspace_id, start, end)).fetchone()["n"]
    by_status = {r["status"]: r["n"] for r in conn.execute(
        "select status, count(*) as n from messages where workspace_id = %s group by status",
        (workspace_id,))}
    return {"sent_in_period": sent, "outbox": by_status}
