"""Bounce protection: a sending campaign whose recent bounce rate reaches the limit pauses.

A bounce is a `reply_events` row with label `bounce` tied to the message (reply processing
writes it with `message_id`), counted unless its `bounce_kind` is `soft` (a full mailbox says
nothing about the list's quality). The rate is over the campaign's last `bounce_window` sent
messages and is judged only once there are `bounce_min_sends` of them. The dispatcher checks
before every tick and the `sends` asset check reports the same figures.

An auto-pause records `campaigns.bounce_paused_at`; only sends after it count again, so a
campaign a human resumes (after cleaning its list) starts a fresh window instead of pausing at
once on the same old bounces.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime

import psycopg

from gtm.campaigns.lifecycle import IllegalTransition, transition
from gtm.settings import Settings

_RATES = """
select c.id::text, c.name, c.status, c.bounce_paused_at, count(recent.id) as sends,
       count(recent.id) filter (where exists (
           select 1 from reply_events r where r.message_id = recent.id and r.label = 'bounce'
             and r.bounce_kind is distinct from 'soft')) as bounces
from campaigns c
left join lateral (
    select m.id from messages m where m.campaign_id = c.id and m.status = 'sent'
      and (c.bounce_paused_at is null or m.sent_at > c.bounce_paused_at)
    order by m.sent_at desc limit %(window)s) recent on true
where c.workspace_id = %(ws)s
  and (c.status = any(%(statuses)s) or c.bounce_paused_at >= %(paused_since)s)
group by c.id, c.name, c.status, c.bounce_paused_at
order by c.name
"""


@dataclass(frozen=True)
class BounceRate:
    campaign: str
    status: str
    auto_paused_at: datetime | None
    sends: int
    bounces: int
    rate: float
    over_limit: bool

    def to_json(self) -> dict:
        paused = self.auto_paused_at
        return {**asdict(self), "auto_paused_at": paused.isoformat() if paused else None}


def bounce_rates(conn: psycopg.Connection, workspace_id: str, settings: Settings, *,
                 paused_since: datetime | None = None) -> list[BounceRate]:
    """Sending campaigns, plus those auto-paused since `paused_since` when given."""
    rows = conn.execute(_RATES, {"ws": workspace_id, "window": settings.sending_bounce_window,
                                 "statuses": ["sending"],
                                 "paused_since": paused_since or datetime.max.replace(tzinfo=UTC)}
                        ).fetchall()
    return [BounceRate(r["name"], r["status"], r["bounce_paused_at"], r["sends"], r["bounces"],
                       r["bounces"] / r["sends"] if r["sends"] else 0.0,
                       is_over_limit(r["sends"], r["bounces"], settings)) for r in rows]


def is_over_limit(sends: int, bounces: int, settings: Settings) -> bool:
    return (sends >= settings.sending_bounce_min_sends
            and bounces / sends >= settings.sending_bounce_threshold)


def enforce_bounce_limits(conn: psycopg.Connection, workspace_id: str, settings: Settings,
                          now: datetime | None = None) -> list[BounceRate]:
    """Pause every sending campaign over the limit; the ones paused now."""
    paused = []
    for rate in bounce_rates(conn, workspace_id, settings):
        if rate.status != "sending" or not rate.over_limit:
            continue
        reason = (f"auto-pause: bounce rate {rate.rate:.1%} over the last {rate.sends} sends "
                  f"(limit {settings.sending_bounce_threshold:.1%})")
        try:
            transition(conn, workspace_id, rate.campaign, "paused", reason)
        except IllegalTransition:  # paused or completed by someone else meanwhile
            continue
        conn.execute("update campaigns set bounce_paused_at = %s "
                     "where workspace_id = %s and name = %s",
                     (now or datetime.now(UTC), workspace_id, rate.campaign))
        paused.append(rate)
    return paused
