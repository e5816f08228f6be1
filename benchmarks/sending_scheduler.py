"""Scheduler throughput: slots for 100k queued messages across 50 mailboxes.

Each mailbox has its own window, zone, caps (daily, hourly, ramp-up), gap and jitter and two
campaigns; recipients are spread over 20 time zones. Measured:
- `gtm`: `gtm.sending.planner.plan_mailbox` for every mailbox (the dispatcher's planner);
- naive baseline: the obvious per-message loop — for each message in order, step a cursor one
  minute at a time until the recipient's window is open and the caps allow it. It is so slow
  that it runs on the first `NAIVE_MAILBOXES` mailboxes only; its per-message time is reported
  and scaled to the full queue. (It is also weaker: a recipient whose window is closed holds up
  everyone behind them.)
Writes benchmarks/results/sending_scheduler.json. Usage: python benchmarks/sending_scheduler.py
"""

from __future__ import annotations

import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.machine import machine_info, write_result  # noqa: E402
from gtm.sending.planner import Mailbox, Pending, RampUp, plan_mailbox  # noqa: E402
from gtm.sending.window import SendWindow, parse_window, zone  # noqa: E402

MAILBOXES, MESSAGES, NAIVE_MAILBOXES = 50, 100_000, 3
ZONES = ["UTC", "Europe/Oslo", "Europe/London", "Europe/Berlin", "Europe/Moscow",
         "America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles",
         "America/Sao_Paulo", "Asia/Tokyo", "Asia/Kolkata", "Asia/Kathmandu", "Asia/Dubai",
         "Asia/Singapore", "Australia/Sydney", "Australia/Lord_Howe", "Pacific/Auckland",
         "Africa/Johannesburg", "America/Santiago"]
WINDOWS = ["mon-fri 09:00-17:00", "mon-fri 08:00-16:00", "mon-thu 10:00-15:30",
           "mon-sat 07:00-19:00"]
NOW = datetime(2026, 3, 20, 6, 0, tzinfo=UTC)  # a week before Europe's DST change


def build(seed: int = 11) -> list[tuple[Mailbox, list[Pending], dict]]:
    rng = random.Random(seed)
    work = []
    per_mailbox = MESSAGES // MAILBOXES
    for m in range(MAILBOXES):
        mailbox = Mailbox(
            id=f"mb{m}", window=parse_window(rng.choice(WINDOWS)), timezone=rng.choice(ZONES),
            daily_cap=rng.choice([40, 50, 80]), hourly_cap=rng.choice([None, 10, 15]),
            min_gap_seconds=rng.choice([60, 90, 120]), jitter_seconds=rng.choice([0, 30, 60]),
            ramp_up=RampUp(10, 5, 2) if m % 5 == 0 else None)
        pending = [Pending(f"mb{m}-{i}", f"c{m}-{i % 2}", rng.choice(ZONES + [None]))
                   for i in range(per_mailbox)]
        work.append((mailbox, pending, {f"c{m}-0": 30, f"c{m}-1": None}))
    return work


def gtm_plan(work) -> tuple[float, int, datetime]:
    start = time.perf_counter()
    planned, last = 0, NOW
    for mailbox, pending, caps in work:
        slots = plan_mailbox(mailbox, pending, NOW, campaign_caps=caps)
        planned += len(slots)
        last = max(last, *slots.values())
    return time.perf_counter() - start, planned, last


def naive_plan(mailbox: Mailbox, pending: list[Pending], caps: dict) -> dict[str, datetime]:
    """One message at a time, a cursor stepped minute by minute (what a first version does)."""
    tz, step = zone(mailbox.timezone), timedelta(minutes=1)
    gap = timedelta(seconds=mailbox.min_gap_seconds)
    per_day: dict = {}
    per_hour: dict = {}
    per_campaign: dict = {}
    slots, cursor = {}, NOW
    today = NOW.astimezone(tz).date()
    for msg in pending:
        t = cursor
        window: SendWindow = mailbox.window
        while True:
            local = t.astimezone(tz)
            day, hour = local.date(), (local.date(), local.hour)
            cap = caps.get(msg.campaign_id)
            if (per_day.get(day, 0) >= mailbox.cap_on(day, today)
                    or (mailbox.hourly_cap and per_hour.get(hour, 0) >= mailbox.hourly_cap)
                    or (cap is not None and per_campaign.get((msg.campaign_id, day), 0) >= cap)
                    or not window.contains(t, msg.timezone or mailbox.timezone)):
                t += step
                continue
            break
        slots[msg.id] = t
        per_day[day] = per_day.get(day, 0) + 1
        per_hour[hour] = per_hour.get(hour, 0) + 1
        per_campaign[(msg.campaign_id, day)] = per_campaign.get((msg.campaign_id, day), 0) + 1
        cursor = t + gap
    return slots


def main() -> dict:
    work = build()
    gtm_seconds, planned, last = gtm_plan(work)
    start = time.perf_counter()
    naive_messages = 0
    for mailbox, pending, caps in work[:NAIVE_MAILBOXES]:
        naive_messages += len(naive_plan(mailbox, pending, caps))
    naive_seconds = time.perf_counter() - start
    naive_per_message = naive_seconds / naive_messages
    result = {
        "benchmark": "sending_scheduler", "machine": machine_info(),
        "mailboxes": MAILBOXES, "messages": MESSAGES, "zones": len(ZONES),
        "gtm_seconds": round(gtm_seconds, 3), "gtm_planned": planned,
        "gtm_messages_per_second": round(planned / gtm_seconds),
        "plan_spans_days": (last - NOW).days,
        "naive_measured_messages": naive_messages,
        "naive_measured_seconds": round(naive_seconds, 3),
        "naive_seconds_scaled_to_all": round(naive_per_message * MESSAGES, 1),
        "speedup_vs_naive": round(naive_per_message * MESSAGES / gtm_seconds, 1),
    }
    write_result("sending_scheduler", result)
    return result


if __name__ == "__main__":
    main()
