"""What a classified inbound message changes: reply flags, sequence stops, suppressions.

Idempotent twice over: the event is claimed by setting `effects_applied_at` only where it is
null (so a second run does nothing), and every write is itself a no-op when repeated (flags set
to true, `stopped_at` kept when already set, suppressions inserted on conflict do nothing).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import psycopg
from psycopg import sql

from gtm.replies.classify import HUMAN_LABELS

_FLAGS = {"positive": "reply_positive", "negative": "reply_negative",
          "info_request": "reply_info_request", "unsubscribe": "reply_negative"}


@dataclass
class Effects:
    flags: list[str] = field(default_factory=list)
    stopped_members: int = 0
    suppressed: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        return {"flags": self.flags, "stopped_members": self.stopped_members,
                "suppressed": self.suppressed}


def apply_effects(conn: psycopg.Connection, workspace_id: str, event_id: str) -> Effects | None:
    """Apply an event's effects once; None when they were applied before."""
    event = conn.execute(
        """update reply_events set effects_applied_at = now()
           where id = %s and workspace_id = %s and effects_applied_at is null
             and processed_at is not null
           returning label, message_id::text, employee_id::text, company_id::text, from_email,
                     bounce_recipients""", (event_id, workspace_id)).fetchone()
    if event is None:
        return None
    effects = Effects()
    label = event["label"]
    message = _message(conn, event["message_id"]) if event["message_id"] else None
    contacts = [i for i in {event["employee_id"], message and message["employee_id"]} if i]
    if label in _FLAGS and contacts:
        column = sql.Identifier(_FLAGS[label])
        conn.execute(sql.SQL("update employees set {col} = true where workspace_id = %s"
                             " and id = any(%s) and not {col}").format(col=column),
                     (workspace_id, contacts))
        effects.flags.append(_FLAGS[label])
    if label in HUMAN_LABELS:
        effects.stopped_members += _stop(conn, workspace_id, contacts, f"reply:{label}")
        if message and message["stop_account"] and event["company_id"]:
            effects.stopped_members += _stop_account(conn, workspace_id, message["campaign_id"],
                                                     event["company_id"], f"account reply:{label}")
    if label == "unsubscribe":
        for address in {event["from_email"], message and message["to_email"]} - {None}:
            if _suppress(conn, workspace_id, address, "unsubscribe", f"reply_event:{event_id}"):
                effects.suppressed.append(address.lower())
    if label == "bounce":
        for recipient in event["bounce_recipients"] or []:
            if recipient["kind"] != "hard":
                continue
            address = recipient["address"]
            if _suppress(conn, workspace_id, address, "hard_bounce", f"reply_event:{event_id}"):
                effects.suppressed.append(address)
            bounced = [r["id"] for r in conn.execute(
                """update employees set reply_bounce = true
                   where workspace_id = %s and lower(email) = lower(%s)
                   returning id::text""", (workspace_id, address))]
            if bounced:
                effects.flags.append("reply_bounce")
            effects.stopped_members += _stop(conn, workspace_id, bounced, "hard_bounce")
    return effects


def _message(conn: psycopg.Connection, message_id: str) -> dict | None:
    return conn.execute(
        """select m.campaign_id::text, m.employee_id::text, m.to_email,
                  coalesce((c.settings ->> 'stop_account_on_reply')::boolean, false)
                      as stop_account
           from messages m join campaigns c on c.id = m.campaign_id
           where m.id = %s""", (message_id,)).fetchone()


def _stop(conn: psycopg.Connection, workspace_id: str, employee_ids: list[str],
          reason: str) -> int:
    """Stop the contacts' sequences in every campaign: a conversation (or a dead address) makes
    any automated follow-up wrong, not only the campaign the reply came from."""
    if not employee_ids:
        return 0
    return conn.execute(
        """update campaign_members set stopped_at = now(), stop_reason = %s
           where workspace_id = %s and employee_id = any(%s) and stopped_at is null""",
        (reason, workspace_id, employee_ids)).rowcount


def _stop_account(conn: psycopg.Connection, workspace_id: str, campaign_id: str,
                  company_id: str, reason: str) -> int:
    return conn.execute(
        """update campaign_members cm set stopped_at = now(), stop_reason = %s
           from employees e
           where cm.workspace_id = %s and cm.campaign_id = %s and e.id = cm.employee_id
             and e.company_id = %s and cm.stopped_at is null""",
        (reason, workspace_id, campaign_id, company_id)).rowcount


def _suppress(conn: psycopg.Connection, workspace_id: str, email: str, reason: str,
              source: str) -> bool:
    return conn.execute(
        """insert into suppressions (workspace_id, email, reason, source)
           values (%s, lower(%s), %s, %s)
           on conflict (workspace_id, lower(email)) do nothing""",
        (workspace_id, email, reason, source)).rowcount == 1
