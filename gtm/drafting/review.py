"""Human review of drafts: approve, skip, edit with a reason tag; bulk approve for a campaign.

Every single-draft action names the version the reviewer was looking at and is one conditional
UPDATE (`where id = $1 and version = $2`), so two reviewers never overwrite each other: the
second one gets `DraftConflictError` and reloads. Approving one variant of a contact's step
skips its other variants, so exactly one email per contact and step reaches the outbox.
"""

from __future__ import annotations

import psycopg
from psycopg import sql

from gtm.errors import TerminalError

REASON_TAGS = ("tone", "length", "personalisation", "accuracy", "language", "other")


class DraftConflictError(TerminalError):
    """The draft changed since the caller read it: reload, then decide again.

    Lives here, with the cheap review actions, so importing it does not load the LLM stack."""

    def __init__(self, draft_id: str, expected: int, current: int | None):
        self.draft_id, self.expected_version, self.current_version = draft_id, expected, current
        now = f"it is now version {current}" if current is not None else "it no longer exists"
        super().__init__(f"draft {draft_id} changed while you were looking at it: you have "
                         f"version {expected}, {now}; reload it and try again")


def approve_draft(conn: psycopg.Connection, workspace_id: str, draft_id: str, *,
                  expected_version: int, reviewer: str) -> dict:
    row = _change(conn, workspace_id, draft_id, expected_version,
                  "status = 'approved', approved_at = now(), approved_by = %(reviewer)s",
                  {"reviewer": reviewer})
    conn.execute(
        """update drafts set status = 'skipped', version = version + 1
           where campaign_id = %s and employee_id = %s and step = %s and id <> %s
             and status in ('generated', 'approved')""",
        (row["campaign_id"], row["employee_id"], row["step"], draft_id))
    return row


def skip_draft(conn: psycopg.Connection, workspace_id: str, draft_id: str, *,
               expected_version: int, reviewer: str) -> dict:
    return _change(conn, workspace_id, draft_id, expected_version,
                   "status = 'skipped', approved_at = null, approved_by = null", {})


def edit_draft(conn: psycopg.Connection, workspace_id: str, draft_id: str, *,
               expected_version: int, subject: str, body: str, reason_tag: str,
               editor: str, editor_user_id: str | None = None, note: str | None = None) -> dict:
    """Replace subject and body; the before/after and the reason go to `draft_revisions`."""
    if reason_tag not in REASON_TAGS:
        raise TerminalError(f"unknown reason tag {reason_tag!r}: "
                            f"use one of {', '.join(REASON_TAGS)}")
    if not body.strip():
        raise TerminalError("an edited draft needs a body")
    before = conn.execute("select subject, body from drafts where id = %s and workspace_id = %s",
                          (draft_id, workspace_id)).fetchone()
    row = _change(conn, workspace_id, draft_id, expected_version,
                  "subject = %(subject)s, body = %(body)s", {"subject": subject, "body": body})
    conn.execute(
        """insert into draft_revisions (workspace_id, draft_id, version, subject_before,
               subject_after, body_before, body_after, editor, editor_user_id, reason_tag, note)
           values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)""",
        (workspace_id, draft_id, row["version"], before["subject"], subject, before["body"], body,
         editor, editor_user_id, reason_tag, note))
    return row


def approve_campaign_drafts(conn: psycopg.Connection, workspace_id: str, campaign_id: str, *,
                            reviewer: str, max_risk: float) -> int:
    """Approve, per contact and step, the least risky draft that passed its guardrails and is
    at most `max_risk`; contacts with none stay for a human. Returns how many were approved."""
    rows = conn.execute(
        """select distinct on (employee_id, step) id::text, version
           from drafts
           where workspace_id = %s and campaign_id = %s and status = 'generated'
             and coalesce((guardrails->>'passed')::boolean, false)
             and risk_score is not null and risk_score <= %s
             and not exists (select 1 from drafts d2 where d2.campaign_id = drafts.campaign_id
                             and d2.employee_id = drafts.employee_id and d2.step = drafts.step
                             and d2.status = 'approved')
           order by employee_id, step, risk_score, variant""",
        (workspace_id, campaign_id, max_risk)).fetchall()
    for row in rows:
        approve_draft(conn, workspace_id, row["id"], expected_version=row["version"],
                      reviewer=reviewer)
    return len(rows)


def _change(conn: psycopg.Connection, workspace_id: str, draft_id: str, expected_version: int,
            assignments: str, params: dict) -> dict:
    # `assignments` is one of the literal SET clauses above, never user input.
    row = conn.execute(
        sql.SQL("update drafts set {}, version = version + 1"
                " where workspace_id = %(ws)s and id = %(id)s and version = %(expected)s"
                " and status in ('generated', 'approved', 'skipped')"
                " returning id::text, campaign_id, employee_id, step, status, version"
                ).format(sql.SQL(assignments)),
        {**params, "ws": workspace_id, "id": draft_id, "expected": expected_version},
    ).fetchone()
    if row is None:
        current = conn.execute(
            "select version, status from drafts where workspace_id = %s and id = %s",
            (workspace_id, draft_id)).fetchone()
        if current is not None and current["version"] == expected_version:
            raise TerminalError(f"draft {draft_id} is {current['status']}: "
                                "it can no longer be reviewed")
        raise DraftConflictError(draft_id, expected_version, current and current["version"])
    return dict(row)
