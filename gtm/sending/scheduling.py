"""The planner's inputs from the database and its slots written back to `messages.scheduled_at`.

Reserved and held messages count against caps like sent ones (by their reservation time): a
message whose outcome is unknown may well have gone out.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import psycopg

from gtm.sending.clock import local_day
from gtm.sending.planner import Mailbox, Pending, RampUp, plan_mailbox
from gtm.sending.window import SendWindow, zone

SENDER_SELECT = """select s.id::text, s.email, s.display_name, s.reply_to, s.provider, s.config,
    s.daily_cap, s.hourly_cap, s.min_gap_seconds, s.jitter_seconds, s.send_window, s.timezone,
    s.ramp_up, s.active from senders s"""

_COUNTS = """
select campaign_id::text,
       count(*) filter (where ts >= %(day)s) as today,
       count(*) filter (where ts >= %(hour)s) as this_hour
from (select campaign_id, sent_at as ts from messages
      where sender_id = %(sender)s and status = 'sent' and sent_at >= %(since)s
      union all
      select campaign_id, reserved_at from messages
      where sender_id = %(sender)s and status in ('reserved', 'held_unknown')
        and reserved_at >= %(since)s) recent
group by campaign_id
"""

_SPAN = """
select (select min(sent_at) from messages where sender_id = %(sender)s and status = 'sent')
           as first_sent,
       greatest((select max(sent_at) from messages
                 where sender_id = %(sender)s and status = 'sent'),
                (select max(reserved_at) from messages where sender_id = %(sender)s
                 and status in ('reserved', 'held_unknown'))) as last_sent
"""

# Step n waits for step n-1 to be sent; messages of one campaign keep their audience rank.
_PENDING = """
select m.id::text, m.campaign_id::text, e.timezone, m.next_attempt_at, c.daily_cap
from messages m
join campaigns c on c.id = m.campaign_id
left join employees e on e.id = m.employee_id
left join campaign_members cm on cm.campaign_id = m.campaign_id and cm.employee_id = m.employee_id
where m.sender_id = %(sender)s and m.status = 'queued'
  and (c.status = 'sending' or c.id = any(%(also)s::uuid[]))
  and (m.step = 1 or exists (
        select 1 from messages p where p.campaign_id = m.campaign_id
        and p.employee_id = m.employee_id and p.step = m.step - 1 and p.status = 'sent'))
order by coalesce(cm.rank, 2147483647), m.step, m.created_at, m.id
"""


def load_sender(conn: psycopg.Connection, sender_id: str) -> dict:
    return conn.execute(SENDER_SELECT + " where s.id = %s", (sender_id,)).fetchone()


def senders_with_work(conn: psycopg.Connection, workspace_id: str) -> list[dict]:
    """Mailboxes with queued messages of a sending campaign, or reservations to look at."""
    ids = [r["sender_id"] for r in conn.execute(
        """select distinct m.sender_id from messages m join campaigns c on c.id = m.campaign_id
           where m.workspace_id = %s and (m.status = 'reserved'
                 or (m.status = 'queued' and c.status = 'sending'))""", (workspace_id,))]
    return conn.execute(SENDER_SELECT + " where s.id = any(%s) order by s.email",
                        (ids,)).fetchall()


def load_mailbox(conn: psycopg.Connection, sender: dict, now: datetime) -> Mailbox:
    tz = zone(sender["timezone"])
    local = now.astimezone(tz)
    day_start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    hour_start = now - timedelta(minutes=local.minute, seconds=local.second,
                                 microseconds=local.microsecond)
    params = {"sender": sender["id"], "day": day_start, "hour": hour_start,
              "since": min(day_start, hour_start)}
    counts = conn.execute(_COUNTS, params).fetchall()
    span = conn.execute(_SPAN, params).fetchone()
    return Mailbox(
        id=sender["id"], window=SendWindow.from_json(sender["send_window"]),
        timezone=sender["timezone"], daily_cap=sender["daily_cap"],
        hourly_cap=sender["hourly_cap"], min_gap_seconds=sender["min_gap_seconds"],
        jitter_seconds=sender["jitter_seconds"], ramp_up=RampUp.from_json(sender["ramp_up"]),
        first_send_day=local_day(span["first_sent"], tz) if span["first_sent"] else None,
        last_send_at=span["last_sent"],
        sent_today=sum(r["today"] for r in counts),
        sent_this_hour=sum(r["this_hour"] for r in counts),
        campaign_sent_today={r["campaign_id"]: r["today"] for r in counts})


def plan_sender(conn: psycopg.Connection, sender: dict, now: datetime, *,
                until: datetime | None = None,
                also_campaigns: tuple[str, ...] = ()) -> dict[str, datetime]:
    """Slots for the sender's queued messages of sending campaigns (plus `also_campaigns`,
    e.g. one being queued before it starts, for an estimate)."""
    rows = conn.execute(_PENDING, {"sender": sender["id"], "also": list(also_campaigns)}).fetchall()
    pending = [Pending(r["id"], r["campaign_id"], r["timezone"], r["next_attempt_at"])
               for r in rows]
    caps = {r["campaign_id"]: r["daily_cap"] for r in rows}
    return plan_mailbox(load_mailbox(conn, sender, now), pending, now, campaign_caps=caps,
                        until=until)


def reslot(conn: psycopg.Connection, sender: dict, now: datetime, *,
           also_campaigns: tuple[str, ...] = ()) -> dict[str, datetime]:
    """Plan the sender's queue from `now` and store each slot; a queued message the plan
    leaves out (beyond the planning horizon, or its campaign not sending) gets none."""
    slots = plan_sender(conn, sender, now, also_campaigns=also_campaigns)
    conn.execute(
        """update messages m set scheduled_at = v.slot
           from (select m2.id, s.slot from messages m2
                 left join unnest(%s::uuid[], %s::timestamptz[]) as s(id, slot) on s.id = m2.id
                 where m2.sender_id = %s and m2.status = 'queued') v
           where m.id = v.id and m.scheduled_at is distinct from v.slot""",
        (list(slots), list(slots.values()), sender["id"]))
    return slots
