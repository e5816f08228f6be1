"""Campaign metrics: what happened to the messages sent, by campaign, segment, sender/provider,
angle and pack version.

A row describes the messages sent on one day (the send-day cohort) and everything their
recipients did since: delivered, bounced hard/soft, replied (a human reply: positive, negative,
info request, referral or unsubscribe), each label, and out-of-office. Counts are of messages,
so rates divide cleanly by `delivered`. `campaign_metrics[daily]` stores the rows of one day;
`gtm metrics` computes the same query live over all days.
"""

from __future__ import annotations

from datetime import date

import psycopg

COUNTS = ("sent", "delivered", "bounced_hard", "bounced_soft", "replied", "positive", "negative",
          "info_requests", "referrals", "unsubscribes", "out_of_office")
GROUPS = {
    "campaign": ("campaign",),
    "segment": ("segment_id", "segment_version"),
    "sender": ("sender_email", "provider"),
    "provider": ("provider",),
    "angle": ("angle",),
    "pack": ("pack", "pack_version"),
    "day": ("day",),
}

_QUERY = """
with sent as (
    select m.id, m.campaign_id, m.sender_id, coalesce(m.provider, s.provider) as provider,
           d.angle, (m.sent_at at time zone 'UTC')::date as day
    from messages m
    left join senders s on s.id = m.sender_id
    left join drafts d on d.id = m.draft_id
    where m.workspace_id = %(ws)s and m.status = 'sent'
      and (%(day)s::date is null or (m.sent_at at time zone 'UTC')::date = %(day)s::date)
      and (%(campaign)s::text is null or m.campaign_id in (
            select c.id from campaigns c where c.workspace_id = %(ws)s
              and (c.name = %(campaign)s or c.id::text = %(campaign)s)))
), outcome as (
    select r.message_id,
           bool_or(r.label = 'bounce' and r.bounce_kind = 'hard') as hard,
           bool_or(r.label = 'bounce' and r.bounce_kind is distinct from 'hard') as soft,
           bool_or(r.label in ('positive', 'negative', 'info_request', 'referral',
                               'unsubscribe')) as replied,
           bool_or(r.label = 'positive') as positive, bool_or(r.label = 'negative') as negative,
           bool_or(r.label = 'info_request') as info, bool_or(r.label = 'referral') as referral,
           bool_or(r.label = 'unsubscribe') as unsub, bool_or(r.label = 'out_of_office') as ooo
    from reply_events r
    where r.workspace_id = %(ws)s and r.message_id in (select id from sent)
      and r.ignored_reason is null
    group by r.message_id
)
select sent.day, c.id::text as campaign_id, c.name as campaign, c.segment_id::text,
       c.segment_version, c.pack, c.pack_version, sent.sender_id::text,
       se.email as sender_email, sent.provider, sent.angle,
       count(*) as sent,
       count(*) filter (where not coalesce(o.hard or o.soft, false)) as delivered,
       count(*) filter (where o.hard) as bounced_hard,
       count(*) filter (where o.soft and not o.hard) as bounced_soft,
       count(*) filter (where o.replied) as replied,
       count(*) filter (where o.positive) as positive,
       count(*) filter (where o.negative) as negative,
       count(*) filter (where o.info) as info_requests,
       count(*) filter (where o.referral) as referrals,
       count(*) filter (where o.unsub) as unsubscribes,
       count(*) filter (where o.ooo) as out_of_office
from sent
join campaigns c on c.id = sent.campaign_id
left join senders se on se.id = sent.sender_id
left join outcome o on o.message_id = sent.id
group by sent.day, c.id, c.name, c.segment_id, c.segment_version, c.pack, c.pack_version,
         sent.sender_id, se.email, sent.provider, sent.angle
order by sent.day, c.name, se.email, sent.angle
"""


def metric_rows(conn: psycopg.Connection, workspace_id: str, *, day: date | None = None,
                campaign: str | None = None) -> list[dict]:
    """One row per (send day, campaign, sender, provider, angle)."""
    return conn.execute(_QUERY, {"ws": workspace_id, "day": day, "campaign": campaign}).fetchall()


def summarize(rows: list[dict], by: str = "campaign") -> list[dict]:
    """Rows added up by one of `GROUPS`, with reply, positive and bounce rates."""
    keys = GROUPS[by]
    totals: dict[tuple, dict] = {}
    for row in rows:
        key = tuple(row[k] for k in keys)
        total = totals.setdefault(key, {**{k: row[k] for k in keys}, **dict.fromkeys(COUNTS, 0)})
        for name in COUNTS:
            total[name] += row[name]
    for total in totals.values():
        delivered = total["delivered"]
        total["reply_rate"] = round(total["replied"] / delivered, 4) if delivered else None
        total["positive_rate"] = round(total["positive"] / delivered, 4) if delivered else None
        bounced = total["bounced_hard"] + total["bounced_soft"]
        total["bounce_rate"] = round(bounced / total["sent"], 4) if total["sent"] else None
    return sorted(totals.values(), key=lambda t: tuple(str(t[k]) for k in keys))


def write_daily_metrics(conn: psycopg.Connection, workspace_id: str, day: date) -> list[dict]:
    """Replace the stored rows of `day` with freshly computed ones; returns them."""
    rows = metric_rows(conn, workspace_id, day=day)
    conn.execute("delete from campaign_metrics where workspace_id = %s and day = %s",
                 (workspace_id, day))
    with conn.cursor() as cur:
        cur.executemany(
            """insert into campaign_metrics (workspace_id, day, campaign_id, segment_id,
                   segment_version, pack, pack_version, sender_id, sender_email, provider, angle,
                   sent, delivered, bounced_hard, bounced_soft, replied, positive, negative,
                   info_requests, referrals, unsubscribes, out_of_office)
               values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s,
                       %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)""",
            [(workspace_id, r["day"], r["campaign_id"], r["segment_id"], r["segment_version"],
              r["pack"], r["pack_version"], r["sender_id"], r["sender_email"], r["provider"],
              r["angle"], *(r[c] for c in COUNTS)) for r in rows])
    return rows
