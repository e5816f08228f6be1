"""Reply collection and processing, the two steps behind `inbound_mail` and `reply_events`.

`sync_mailbox` fetches what is new in each folder and stores it raw in `reply_events` (one
commit per batch, so an interrupted sync loses nothing and refetches at most one batch).
`process_pending` then matches, classifies and applies effects to every stored, unprocessed
message. Both are safe to run again at any time: nothing is stored or applied twice.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import psycopg
from psycopg.types.json import Jsonb

from gtm.providers.mailbox import FolderCursor, InboundMail, Mailbox
from gtm.replies.classify import LlmClassify, classify_message
from gtm.replies.effects import apply_effects
from gtm.replies.matching import Matcher
from gtm.replies.parse import address_of, header_text, message_ids, message_text, parse_message


@dataclass
class SyncReport:
    fetched: int = 0
    stored: int = 0
    duplicates: int = 0
    folders: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        return asdict(self)


@dataclass
class ProcessReport:
    processed: int = 0
    own_messages: int = 0
    matched: int = 0
    labels: dict = field(default_factory=dict)
    sources: dict = field(default_factory=dict)
    suppressed: list = field(default_factory=list)
    stopped_members: int = 0

    def to_json(self) -> dict:
        return asdict(self)


_INSERT = """
insert into reply_events (workspace_id, mailbox, uidvalidity, uid, maildir_key, rfc_message_id,
                          in_reply_to, references_ids, from_email, subject, received_at,
                          raw_message, dedupe_key)
values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
on conflict do nothing
"""


def sync_mailbox(conn: psycopg.Connection, workspace_id: str, mailbox: Mailbox) -> SyncReport:
    """Store every new message of every folder of `mailbox`; advance the folder cursors."""
    report = SyncReport()
    for name in mailbox.folders():
        cursor = _load_cursor(conn, workspace_id, name)
        seen = _maildir_keys(conn, workspace_id, name) if name.startswith("maildir:") else None
        fetched = stored = 0
        for batch in mailbox.fetch_new(name, cursor, seen):
            rows = [_row(workspace_id, mail) for mail in batch]
            with conn.cursor() as cur:
                cur.executemany(_INSERT, rows)
                stored += cur.rowcount if cur.rowcount >= 0 else 0
            fetched += len(batch)
            uids = [m.uid for m in batch if m.uid is not None]
            if uids:
                cursor = FolderCursor(batch[0].uidvalidity, max(uids))
                _save_cursor(conn, workspace_id, name, cursor)
            conn.commit()
        report.folders[name] = {"fetched": fetched, "stored": stored}
        report.fetched += fetched
        report.stored += stored
    report.duplicates = report.fetched - report.stored
    return report


def _row(workspace_id: str, mail: InboundMail) -> tuple:
    msg = parse_message(mail.raw)
    message_id = next(iter(message_ids(header_text(msg, "Message-ID"))), None)
    in_reply_to = message_ids(header_text(msg, "In-Reply-To"))
    references = message_ids(header_text(msg, "References"))
    dedupe = message_id or "sha256:" + hashlib.sha256(mail.raw).hexdigest()
    return (workspace_id, mail.mailbox, mail.uidvalidity, mail.uid, mail.maildir_key, message_id,
            in_reply_to[0] if in_reply_to else None, references, address_of(msg, "From") or None,
            header_text(msg, "Subject")[:1000], _date(msg, mail.received_at), mail.raw, dedupe)


def _date(msg, fallback: datetime | None) -> datetime:
    # The server's arrival time is trustworthy; the Date header is the sender's clock.
    if fallback is not None:
        return fallback
    try:
        value = parsedate_to_datetime(header_text(msg, "Date"))
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    except (TypeError, ValueError, IndexError):
        return datetime.now(UTC)


def _load_cursor(conn, workspace_id: str, mailbox: str) -> FolderCursor | None:
    row = conn.execute("select uidvalidity, last_uid from mailbox_cursors"
                       " where workspace_id = %s and mailbox = %s",
                       (workspace_id, mailbox)).fetchone()
    return FolderCursor(row["uidvalidity"], row["last_uid"]) if row else None


def _save_cursor(conn, workspace_id: str, mailbox: str, cursor: FolderCursor) -> None:
    conn.execute(
        """insert into mailbox_cursors (workspace_id, mailbox, uidvalidity, last_uid,
                                        last_synced_at)
           values (%s, %s, %s, %s, now())
           on conflict (workspace_id, mailbox) do update set uidvalidity = excluded.uidvalidity,
             last_uid = excluded.last_uid, last_synced_at = now()""",
        (workspace_id, mailbox, cursor.uidvalidity, cursor.last_uid))


def _maildir_keys(conn, workspace_id: str, mailbox: str) -> set[str]:
    return {r["maildir_key"] for r in conn.execute(
        "select maildir_key from reply_events where workspace_id = %s and mailbox = %s"
        " and maildir_key is not null", (workspace_id, mailbox))}


_PENDING = """
select id::text, raw_message, from_email, subject, rfc_message_id, in_reply_to, references_ids
from reply_events
where workspace_id = %s and processed_at is null
order by received_at nulls last, created_at
limit %s
for update skip locked
"""
_UPDATE = """
update reply_events set message_id = %s, employee_id = %s, company_id = %s, matched_by = %s,
       label = %s, confidence = %s, classifier = %s, reason = %s, referral = %s,
       bounce_kind = %s, smtp_status = %s, bounce_recipients = %s, body_text = %s,
       processed_at = now()
where id = %s
"""


def process_pending(conn: psycopg.Connection, workspace_id: str, *,
                    llm_classify: LlmClassify | None = None, batch: int = 200) -> ProcessReport:
    """Match, classify and apply effects to every stored message not processed yet."""
    report = ProcessReport()
    matcher = Matcher(conn, workspace_id)
    while rows := conn.execute(_PENDING, (workspace_id, batch)).fetchall():
        for row in rows:
            _process_one(conn, workspace_id, matcher, row, llm_classify, report)
        conn.commit()
    return report


def _process_one(conn, workspace_id: str, matcher: Matcher, row: dict,
                 llm_classify: LlmClassify | None, report: ProcessReport) -> None:
    report.processed += 1
    if matcher.is_own(row["from_email"] or "", row["rfc_message_id"]):
        conn.execute("update reply_events set ignored_reason = 'own_message', processed_at = now()"
                     " where id = %s", (row["id"],))
        report.own_messages += 1
        return
    msg = parse_message(bytes(row["raw_message"]))
    result = classify_message(msg, llm_classify=llm_classify)
    bounce = result.bounce
    match = matcher.match(from_email=row["from_email"] or "", subject=row["subject"] or "",
                          in_reply_to=[row["in_reply_to"]] if row["in_reply_to"] else [],
                          references=list(row["references_ids"] or []), bounce=bounce)
    first = bounce.recipients[0] if bounce and bounce.recipients else None
    employee = match.replier_employee_id or match.employee_id
    body = result.reply_text or message_text(msg)[:4000]
    conn.execute(_UPDATE, (
        match.message_id, employee, match.company_id, match.matched_by, result.label,
        round(result.confidence, 3), result.source, result.reason,
        Jsonb(result.referral) if result.referral else None,
        (bounce.kind if bounce and bounce.recipients else None) if result.label == "bounce"
        else None,
        first.status if first else None,
        Jsonb([r.to_json() for r in bounce.recipients]) if bounce and bounce.recipients else None,
        body[:20000], row["id"]))
    effects = apply_effects(conn, workspace_id, row["id"])
    report.matched += match.message_id is not None
    report.labels[result.label] = report.labels.get(result.label, 0) + 1
    report.sources[result.source] = report.sources.get(result.source, 0) + 1
    if effects:
        report.suppressed.extend(effects.suppressed)
        report.stopped_members += effects.stopped_members
