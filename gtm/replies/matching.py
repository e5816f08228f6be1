"""Threading: which of our messages an inbound message answers, and whose it is.

Order of evidence: In-Reply-To, then References (RFC 5322 threading headers carry our own
Message-IDs back); for bounces the returned original's Message-ID, then the failed recipient;
then the sender's address with the subject; then another address at the same company (not a
free-mail domain) with the subject, linked to the account. Messages we sent ourselves (From is
one of our senders, or the Message-ID is one of ours) are never replies.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import psycopg

from gtm.intake.normalize.domains import company_domain_from_email
from gtm.replies.bounces import BounceReport

_MESSAGE = """
select m.id::text, m.campaign_id::text, m.employee_id::text, m.to_email, m.subject,
       e.company_id::text
from messages m
left join employees e on e.workspace_id = m.workspace_id and e.id = m.employee_id
where m.workspace_id = %s
"""
_SUBJECT_PREFIX = re.compile(
    r"^\s*(?:re|fw|fwd|aw|wg|sv|vs|antw|rif|tr|r|ответ|отв|пересл|automatic reply|"
    r"автоматический ответ|auto|autoreply|out of office)\s*(?:\[\d+\])?\s*:\s*", re.IGNORECASE)


@dataclass(frozen=True)
class Match:
    matched_by: str | None
    message_id: str | None = None
    campaign_id: str | None = None
    employee_id: str | None = None  # the contact our message was addressed to
    to_email: str | None = None
    company_id: str | None = None
    replier_employee_id: str | None = None  # the known contact who wrote, if any


def normalize_subject(subject: str) -> str:
    previous = None
    subject = subject or ""
    while previous != subject:
        previous = subject
        subject = _SUBJECT_PREFIX.sub("", subject)
    return " ".join(subject.split()).casefold()


def _id_forms(ids: list[str]) -> list[str]:
    return [form for i in ids for form in (f"<{i}>", i)]


class Matcher:
    """Matching for one workspace; loads our sender addresses once per processing run."""

    def __init__(self, conn: psycopg.Connection, workspace_id: str):
        self.conn = conn
        self.workspace_id = workspace_id
        rows = conn.execute(
            "select lower(email) as email, lower(reply_to) as reply_to from senders"
            " where workspace_id = %s", (workspace_id,)).fetchall()
        self.own_addresses = {r["email"] for r in rows} | {r["reply_to"] for r in rows
                                                           if r["reply_to"]}

    def is_own(self, from_email: str, message_id: str | None) -> bool:
        """Sent by us: one of our sender addresses, or a Message-ID we assigned."""
        if from_email and from_email.lower() in self.own_addresses:
            return True
        if not message_id:
            return False
        row = self.conn.execute(
            "select 1 from messages where workspace_id = %s and rfc_message_id = any(%s)",
            (self.workspace_id, _id_forms([message_id]))).fetchone()
        return row is not None

    def match(self, *, from_email: str, subject: str, in_reply_to: list[str],
              references: list[str], bounce: BounceReport | None = None) -> Match:
        replier = self._employee(from_email)
        found = None
        for matched_by, ids in (("in_reply_to", in_reply_to), ("references", references[::-1]),
                                ("original_message_id", [bounce.original_message_id]
                                 if bounce and bounce.original_message_id else [])):
            if ids and (found := self._by_ids(ids)):
                return self._result(matched_by, found, replier)
        if bounce is not None and bounce.is_bounce:
            addresses = [r.address for r in bounce.recipients]
            if addresses and (found := self._latest_to(addresses)):
                return self._result("bounce_recipient", found, replier)
            return Match(None, replier_employee_id=replier and replier["id"])
        wanted = normalize_subject(subject)
        sent = self._sent_to([from_email]) if from_email else []
        for row in sent:
            if normalize_subject(row["subject"]) == wanted:
                return self._result("sender_subject", row, replier)
        if sent:
            return self._result("sender", sent[0], replier)
        domain = company_domain_from_email(from_email) if from_email else None
        if domain:
            for row in self._sent_to_domain(domain):
                if normalize_subject(row["subject"]) == wanted:
                    return self._result("company_subject", row, replier)
        company = replier["company_id"] if replier else self._company_by_domain(domain)
        return Match(None, company_id=company, replier_employee_id=replier and replier["id"])

    def _result(self, matched_by: str, row: dict, replier: dict | None) -> Match:
        company = row["company_id"] or (replier["company_id"] if replier else None)
        return Match(matched_by, row["id"], row["campaign_id"], row["employee_id"],
                     row["to_email"], company, replier and replier["id"])

    def _by_ids(self, ids: list[str]) -> dict | None:
        return self.conn.execute(
            _MESSAGE + " and m.rfc_message_id = any(%s) order by m.step desc, m.sent_at desc"
            " nulls last limit 1", (self.workspace_id, _id_forms(ids))).fetchone()

    def _latest_to(self, addresses: list[str]) -> dict | None:
        return self.conn.execute(
            _MESSAGE + " and lower(m.to_email) = any(%s) and m.status in ('sent', 'held_unknown')"
            " order by m.sent_at desc nulls last limit 1",
            (self.workspace_id, [a.lower() for a in addresses])).fetchone()

    def _sent_to(self, addresses: list[str]) -> list[dict]:
        return self.conn.execute(
            _MESSAGE + " and lower(m.to_email) = any(%s) and m.status in ('sent', 'held_unknown')"
            " order by m.sent_at desc nulls last limit 50",
            (self.workspace_id, [a.lower() for a in addresses])).fetchall()

    def _sent_to_domain(self, domain: str) -> list[dict]:
        return self.conn.execute(
            _MESSAGE + " and split_part(lower(m.to_email), '@', 2) = %s"
            " and m.status in ('sent', 'held_unknown') order by m.sent_at desc nulls last"
            " limit 50", (self.workspace_id, domain)).fetchall()

    def _employee(self, email: str) -> dict | None:
        if not email:
            return None
        return self.conn.execute(
            "select id::text, company_id::text from employees where workspace_id = %s"
            " and lower(email) = lower(%s)", (self.workspace_id, email)).fetchone()

    def _company_by_domain(self, domain: str | None) -> str | None:
        if not domain:
            return None
        row = self.conn.execute(
            "select id::text from companies where workspace_id = %s and lower(domain) = %s"
            " order by created_at limit 1", (self.workspace_id, domain)).fetchone()
        return row["id"] if row else None
