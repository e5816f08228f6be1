"""Pre-flight: the checks every message passes when it is queued and again inside the
transaction that reserves it for sending, so nothing that changed in between (an unsubscribe,
a bounce, a reply, another campaign starting at the same company) is ever mailed.

Facts come from one set-based query; the decision is the pure `first_reason`, in a fixed
order so the recorded reason is the most fundamental one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import psycopg

from gtm.intake.normalize.emails import normalize_email
from gtm.settings import Settings

# reason code -> what it means (shown by the CLI and docs/sending.md)
REASONS = {
    "invalid_email": "the address is missing or not a valid email",
    "hard_bounce": "the address bounced hard before",
    "unsubscribed": "the contact unsubscribed",
    "suppressed": "the address is on the suppression list",
    "role_address": "a role mailbox (info@, sales@ …); allow with allow_role_addresses",
    "disposable_address": "a disposable-mail domain; allow with allow_disposable_addresses",
    "already_replied": "the contact already replied to us",
    "sequence_stopped": "the contact's sequence in this campaign was stopped",
    "active_elsewhere": "the contact or their company is in another active campaign",
    "no_mx": "the recipient domain has no mail server (MX lookup)",
}
REPLY_LABELS = ("positive", "negative", "info_request", "referral")
ACTIVE_STATUSES = ("sending", "paused")
# Another campaign "has" a contact once it mailed them, may have (reserved, held) or — when we
# only queue — will. At send time a mere queued message does not count: whichever campaign
# sends first takes the account, instead of two queued campaigns blocking each other.
LIVE_AT_QUEUE = ("queued", "reserved", "sent", "held_unknown")
LIVE_AT_SEND = ("reserved", "sent", "held_unknown")


@dataclass(frozen=True)
class Policy:
    allow_role: bool = False
    allow_disposable: bool = False
    check_mx: bool = False

    @classmethod
    def from_settings(cls, settings: Settings) -> Policy:
        return cls(settings.sending_allow_role_addresses,
                   settings.sending_allow_disposable_addresses, settings.sending_check_mx)


@dataclass(frozen=True)
class Candidate:
    key: str
    campaign_id: str
    employee_id: str
    email: str | None


@dataclass(frozen=True)
class Facts:
    email: str | None
    suppression: str | None = None  # suppressions.reason
    bounced: bool = False  # reply_bounce flag or a hard bounce event
    unsubscribed: bool = False  # an unsubscribe reply event
    replied: bool = False
    stopped: bool = False
    active_elsewhere: str | None = None  # the other campaign's name


def first_reason(facts: Facts, policy: Policy,
                 has_mx: Callable[[str], bool | None] | None = None) -> str | None:
    """The reason this message must not be sent, or None when it may go."""
    normalized = normalize_email(facts.email)
    if not normalized.valid:
        return "invalid_email"
    if facts.suppression == "hard_bounce" or facts.bounced:
        return "hard_bounce"
    if facts.suppression == "unsubscribe" or facts.unsubscribed:
        return "unsubscribed"
    if facts.suppression is not None:
        return "suppressed"
    if normalized.is_role and not policy.allow_role:
        return "role_address"
    if normalized.is_disposable and not policy.allow_disposable:
        return "disposable_address"
    if facts.replied:
        return "already_replied"
    if facts.stopped:
        return "sequence_stopped"
    if facts.active_elsewhere is not None:
        return "active_elsewhere"
    domain = normalized.email.rsplit("@", 1)[1]
    if policy.check_mx and has_mx is not None and has_mx(domain) is False:
        return "no_mx"
    return None


_FACTS = """
with c(key, campaign_id, employee_id, email) as (
    select * from unnest(%(keys)s::text[], %(campaigns)s::uuid[], %(employees)s::uuid[],
                         %(emails)s::text[]))
select c.key, c.email,
       (select s.reason from suppressions s
        where s.workspace_id = %(ws)s and lower(s.email) = lower(c.email)) as suppression,
       coalesce(e.reply_bounce, false) or exists (
           select 1 from reply_events r
           where r.workspace_id = %(ws)s and r.employee_id = c.employee_id
             and r.label = 'bounce' and r.bounce_kind is distinct from 'soft') as bounced,
       exists (select 1 from reply_events r
               where r.workspace_id = %(ws)s and r.employee_id = c.employee_id
                 and r.label = 'unsubscribe') as unsubscribed,
       coalesce(e.reply_positive or e.reply_negative or e.reply_info_request, false) or exists (
           select 1 from reply_events r
           where r.workspace_id = %(ws)s and r.employee_id = c.employee_id
             and r.label = any(%(reply_labels)s)) as replied,
       cm.stopped_at is not null as stopped,
       coalesce(
         (select c2.name from messages m2 join campaigns c2 on c2.id = m2.campaign_id
          where m2.workspace_id = %(ws)s and m2.employee_id = c.employee_id
            and m2.campaign_id <> c.campaign_id and c2.status = any(%(active)s)
            and m2.status = any(%(live)s)
          limit 1),
         -- two lookups rather than one OR, so each can use its index
         (select c2.name from employees e2
          join messages m2 on m2.workspace_id = e2.workspace_id and m2.employee_id = e2.id
          join campaigns c2 on c2.id = m2.campaign_id
          where e.company_id is not null and e2.workspace_id = %(ws)s
            and e2.company_id = e.company_id and m2.campaign_id <> c.campaign_id
            and c2.status = any(%(active)s)
            and m2.status = any(%(live)s)
          limit 1)) as active_elsewhere
from c
left join employees e on e.workspace_id = %(ws)s and e.id = c.employee_id
left join campaign_members cm on cm.campaign_id = c.campaign_id
     and cm.employee_id = c.employee_id
"""


def gather_facts(conn: psycopg.Connection, workspace_id: str, candidates: Sequence[Candidate],
                 live: Sequence[str] = LIVE_AT_QUEUE) -> dict[str, Facts]:
    if not candidates:
        return {}
    rows = conn.execute(_FACTS, {
        "ws": workspace_id, "keys": [c.key for c in candidates],
        "campaigns": [c.campaign_id for c in candidates],
        "employees": [c.employee_id for c in candidates],
        "emails": [c.email for c in candidates],
        "reply_labels": list(REPLY_LABELS), "active": list(ACTIVE_STATUSES),
        "live": list(live)}).fetchall()
    return {r["key"]: Facts(r["email"], r["suppression"], r["bounced"], r["unsubscribed"],
                            r["replied"], r["stopped"], r["active_elsewhere"]) for r in rows}


def check(conn: psycopg.Connection, workspace_id: str, candidates: Sequence[Candidate],
          policy: Policy, has_mx: Callable[[str], bool | None] | None = None, *,
          at_send: bool = False) -> dict[str, str]:
    """{candidate key: reason} for every candidate that must not be sent."""
    facts = gather_facts(conn, workspace_id, candidates,
                         LIVE_AT_SEND if at_send else LIVE_AT_QUEUE)
    reasons = {key: first_reason(f, policy, has_mx) for key, f in facts.items()}
    return {key: reason for key, reason in reasons.items() if reason is not None}
