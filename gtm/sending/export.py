"""Exporting a campaign's queued messages for another sending tool (CSV, Lemlist).

Pre-flight runs again first: what must not be mailed is marked blocked and left out. With
`handoff`, the exported messages are cancelled in our outbox ("exported:<format>"), so the
other tool and our dispatcher can never both send them. Text cells a spreadsheet would run
as a formula are neutralised.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TextIO

import psycopg

from gtm.campaigns.store import get_campaign
from gtm.errors import TerminalError
from gtm.exports import write_csv
from gtm.sending import mx, preflight
from gtm.settings import Settings

# Lemlist imports email, firstName, lastName and companyName as lead fields and every other
# column as a custom variable: the sequence's step uses {{subject}} and {{body}}.
COLUMNS = {
    "csv": ("email", "first_name", "last_name", "company", "step", "subject", "body",
            "message_id", "scheduled_at"),
    "lemlist": ("email", "firstName", "lastName", "companyName", "subject", "body",
                "gtmMessageId"),
}

_QUEUED = """
select m.id::text, m.campaign_id::text, m.employee_id::text, m.to_email, m.step, m.subject,
       m.body, m.rfc_message_id, m.scheduled_at, e.first_name, e.last_name,
       co.name as company
from messages m
left join employees e on e.id = m.employee_id
left join companies co on co.id = e.company_id
where m.workspace_id = %s and m.campaign_id = %s and m.status = 'queued'
order by m.scheduled_at nulls last, m.created_at, m.id
for update of m
"""


@dataclass
class ExportReport:
    campaign: str
    format: str
    exported: int = 0
    blocked: dict[str, int] = field(default_factory=dict)
    handed_off: bool = False

    def to_json(self) -> dict:
        return asdict(self)


def export_campaign(conn: psycopg.Connection, workspace_id: str, name: str, fmt: str,
                    out: TextIO, settings: Settings, *, handoff: bool = False) -> ExportReport:
    if fmt not in COLUMNS:
        raise TerminalError(f"unknown export format {fmt!r}: use one of {', '.join(COLUMNS)}")
    campaign = get_campaign(conn, workspace_id, name)
    rows = conn.execute(_QUEUED, (workspace_id, campaign["id"])).fetchall()
    reasons = preflight.check(
        conn, workspace_id,
        [preflight.Candidate(r["id"], r["campaign_id"], r["employee_id"], r["to_email"])
         for r in rows], preflight.Policy.from_settings(settings), mx.has_mx, at_send=True)
    report = ExportReport(name, fmt, handed_off=handoff)
    for message_id, reason in reasons.items():
        conn.execute("update messages set status = 'blocked', blocked_reason = %s where id = %s",
                     (reason, message_id))
        report.blocked[reason] = report.blocked.get(reason, 0) + 1
    keep = [r for r in rows if r["id"] not in reasons]
    report.exported = write_csv(out, COLUMNS[fmt], (_row(r, fmt) for r in keep))
    if handoff and keep:
        conn.execute(
            """update messages set status = 'cancelled', last_error = %s
               where id = any(%s::uuid[]) and status = 'queued'""",
            (f"exported:{fmt}", [r["id"] for r in keep]))
    return report


def _row(r: dict, fmt: str) -> dict:
    if fmt == "lemlist":
        return {"email": r["to_email"], "firstName": r["first_name"], "lastName": r["last_name"],
                "companyName": r["company"], "subject": r["subject"], "body": r["body"],
                "gtmMessageId": r["rfc_message_id"]}
    return {"email": r["to_email"], "first_name": r["first_name"], "last_name": r["last_name"],
            "company": r["company"], "step": r["step"], "subject": r["subject"],
            "body": r["body"], "message_id": r["rfc_message_id"],
            "scheduled_at": r["scheduled_at"].isoformat() if r["scheduled_at"] else None}
