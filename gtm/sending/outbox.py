"""Approval -> outbox: approved drafts become `messages` rows, composed once and for all.

Each row gets its RFC 5322 Message-ID (`<uuid@sender-domain>`, the uuid being the row id and the
providers' idempotency key), the body with the pack's opt-out line, the List-Unsubscribe
headers, and a first slot from the planner. Queuing is idempotent — (campaign, contact, step)
is unique — and runs pre-flight: a message that must not go is stored `blocked` with its reason,
so the report can list it and nobody wonders where it went.
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from urllib.parse import quote

import psycopg
from psycopg.types.json import Jsonb

from gtm.campaigns.lifecycle import transition
from gtm.campaigns.store import get_campaign
from gtm.drafting.guardrails import apply_opt_out
from gtm.errors import TerminalError
from gtm.packs.catalog import load_pack
from gtm.packs.model import LanguageRules
from gtm.sending import mx, preflight
from gtm.sending.scheduling import load_sender, reslot
from gtm.settings import Settings

QUEUEABLE = ("ready", "sending", "paused")


@dataclass
class QueueReport:
    campaign: str
    queued: int = 0
    blocked: dict[str, int] = field(default_factory=dict)
    already_in_outbox: int = 0
    first_slot: datetime | None = None
    last_slot: datetime | None = None

    def to_json(self) -> dict:
        return asdict(self)


# One approved draft per (contact, step): the latest approval wins if several variants were.
_APPROVED = """
select distinct on (d.employee_id, d.step)
       d.id::text as draft_id, d.employee_id::text, d.step, d.subject, d.body, d.language,
       e.email, p.rfc_message_id as previous_message_id
from drafts d
join employees e on e.workspace_id = d.workspace_id and e.id = d.employee_id
left join messages p on p.campaign_id = d.campaign_id and p.employee_id = d.employee_id
     and p.step = d.step - 1
where d.workspace_id = %s and d.campaign_id = %s and d.status = 'approved'
  and not exists (select 1 from messages m where m.campaign_id = d.campaign_id
                  and m.employee_id = d.employee_id and m.step = d.step)
order by d.employee_id, d.step, d.approved_at desc nulls last, d.updated_at desc, d.variant
"""

_INSERT = """
insert into messages (id, workspace_id, campaign_id, employee_id, draft_id, sender_id, step,
                      to_email, subject, body, headers, rfc_message_id, in_reply_to, status,
                      blocked_reason, idempotency_key, provider)
values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
on conflict (campaign_id, employee_id, step) do nothing
"""


def queue_campaign(conn: psycopg.Connection, workspace_id: str, name: str, settings: Settings,
                   *, now: datetime | None = None) -> QueueReport:
    """Queue the campaign's approved drafts that are not in the outbox yet."""
    now = now or datetime.now(UTC)
    campaign = get_campaign(conn, workspace_id, name)
    if campaign["status"] not in QUEUEABLE:
        raise TerminalError(f"campaign {name!r} is {campaign['status']}: only a ready, sending or "
                            f"paused campaign can queue (`gtm campaign:ready {name}` first)")
    if campaign["sender_id"] is None:
        raise TerminalError(f"campaign {name!r} has no sender")
    sender = load_sender(conn, campaign["sender_id"])
    drafts = conn.execute(_APPROVED, (workspace_id, campaign["id"])).fetchall()
    report = QueueReport(name)
    ids = {d["draft_id"]: str(uuid.uuid4()) for d in drafts}
    reasons = preflight.check(
        conn, workspace_id,
        [preflight.Candidate(d["draft_id"], campaign["id"], d["employee_id"], d["email"])
         for d in drafts],
        preflight.Policy.from_settings(settings), mx.has_mx)
    rules = _OptOutRules(settings, campaign["pack"], campaign["language"])
    domain = sender["email"].rsplit("@", 1)[1]
    rows = []
    for d in drafts:
        message_id = ids[d["draft_id"]]
        reason = reasons.get(d["draft_id"])
        rows.append((
            message_id, workspace_id, campaign["id"], d["employee_id"], d["draft_id"],
            sender["id"], d["step"], d["email"] or "", d["subject"] or "",
            rules.apply(d["body"], d["language"]),
            Jsonb(unsubscribe_headers(settings, sender, message_id)),
            f"<{message_id}@{domain}>", d["previous_message_id"],
            "blocked" if reason else "queued", reason, message_id, sender["provider"]))
    with conn.cursor() as cur:
        cur.executemany(_INSERT, rows)
    report.blocked = dict(Counter(reasons.values()))
    report.queued = len(drafts) - len(reasons)
    report.already_in_outbox = conn.execute(
        "select count(*) as n from messages where campaign_id = %s and id <> all(%s::uuid[])",
        (campaign["id"], list(ids.values()))).fetchone()["n"]
    slots = reslot(conn, sender, now, also_campaigns=(campaign["id"],))
    mine = sorted(slots[i] for i in ids.values() if i in slots)
    report.first_slot, report.last_slot = (mine[0], mine[-1]) if mine else (None, None)
    return report


def start_sending(conn: psycopg.Connection, workspace_id: str, name: str,
                  reason: str | None = None) -> dict:
    """ready -> sending, or resume paused -> sending; a sending campaign stays as it is."""
    campaign = get_campaign(conn, workspace_id, name)
    if campaign["status"] == "sending":
        return {"name": name, "from": "sending", "to": "sending"}
    return transition(conn, workspace_id, name, "sending", reason)


def unsubscribe_headers(settings: Settings, sender: dict, message_id: str) -> dict[str, str]:
    """RFC 2369 List-Unsubscribe (mailto, plus the https URL when configured) and RFC 8058
    one-click; the message id in both lets reply processing tell which message it was."""
    mailbox = settings.sending_unsubscribe_mailto or sender["reply_to"] or sender["email"]
    targets = [f"<mailto:{mailbox}?subject={quote('unsubscribe ' + message_id)}>"]
    if settings.sending_unsubscribe_url:
        targets.append(f"<{settings.sending_unsubscribe_url.replace('{message_id}', message_id)}>")
    return {"List-Unsubscribe": ", ".join(targets),
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


class _OptOutRules:
    """The pack's opt-out line per language. An `optional` line is still added when the pack
    has one: every cold email carries a way out."""

    def __init__(self, settings: Settings, pack_name: str | None, language: str | None):
        self.pack = load_pack(settings, pack_name) if pack_name else None
        self.language = language
        self._rules: dict[str, LanguageRules | None] = {}

    def apply(self, body: str | None, language: str | None) -> str:
        rules = self._for(language or self.language)
        return apply_opt_out(body or "", rules) if rules else (body or "")

    def _for(self, language: str | None) -> LanguageRules | None:
        if self.pack is None:
            return None
        language = language if language in self.pack.languages else self.pack.languages[0]
        if language not in self._rules:
            rules = self.pack.rules(language)
            if rules.opt_out_policy == "optional" and rules.opt_out_line:
                rules = rules.model_copy(update={"opt_out_policy": "required"})
            self._rules[language] = rules
        return self._rules[language]
