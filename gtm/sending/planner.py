"""Slots: when each queued message of one mailbox may go, as a pure function of the state.

Rules, all at once: the mailbox's window read in each recipient's own zone (the sender's zone
when the contact has none), the mailbox's daily cap (lowered by its ramp-up while it is new) and
hourly cap — both shared by every campaign using it and counted in the sender's zone — each
campaign's daily cap, a minimum gap plus a per-message jitter between two sends, and a
not-before time for retries. Messages are taken in priority order whenever their window is open.

The plan always starts from `now`, so a slot that passed while nothing ran (downtime, a pause)
is simply planned again from the present: the backlog is spread by the same gaps and caps,
never sent as a burst.

Cost: messages are grouped by (campaign, recipient zone); the open/close interval of each
group's window is cached, so planning is O(messages x groups) comparisons, not zone math.
"""

from __future__ import annotations

import heapq
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from gtm.errors import TerminalError
from gtm.sending.clock import (
    hour_key,
    local_day,
    next_close,
    next_open,
    start_of_next_day,
    start_of_next_hour,
)
from gtm.sending.window import SendWindow, zone

# Nothing is planned further ahead than this: a mailbox with cap 0 must not loop forever.
PLAN_DAYS = 400


@dataclass(frozen=True)
class RampUp:
    """A new mailbox's daily cap: `start`, raised by `step` every `every_days` days of sending."""

    start: int
    step: int = 0
    every_days: int = 1

    @classmethod
    def from_json(cls, data: Mapping | None) -> RampUp | None:
        if not data:
            return None
        return cls(int(data.get("start", 0)), int(data.get("step", 0)),
                   max(1, int(data.get("every_days", 1))))

    def cap(self, days_since_first_send: int) -> int:
        return self.start + self.step * (max(0, days_since_first_send) // self.every_days)


@dataclass(frozen=True)
class Mailbox:
    """A sender and what it has already sent, as the planner needs it."""

    id: str
    window: SendWindow
    timezone: str
    daily_cap: int
    hourly_cap: int | None = None
    min_gap_seconds: int = 0
    jitter_seconds: int = 0
    ramp_up: RampUp | None = None
    first_send_day: date | None = None  # local date of the mailbox's first send ever
    last_send_at: datetime | None = None
    sent_today: int = 0  # in the sender's local day of `now`
    sent_this_hour: int = 0  # in the sender's local hour of `now`
    campaign_sent_today: Mapping[str, int] = field(default_factory=dict)

    def cap_on(self, day: date, today: date) -> int:
        if self.ramp_up is None:
            return self.daily_cap
        first = self.first_send_day or today
        return min(self.daily_cap, self.ramp_up.cap((day - first).days))


@dataclass(frozen=True)
class Pending:
    id: str
    campaign_id: str
    timezone: str | None = None  # the recipient's; None: the sender's
    not_before: datetime | None = None  # a retry's backoff


def jitter(message_id: str, jitter_seconds: int) -> timedelta:
    """A stable pseudo-random extra gap per message (the same on every re-plan)."""
    if jitter_seconds <= 0:
        return timedelta(0)
    return timedelta(seconds=zlib.crc32(message_id.encode()) % (jitter_seconds + 1))


def plan_mailbox(mailbox: Mailbox, pending: Iterable[Pending], now: datetime, *,
                 campaign_caps: Mapping[str, int | None] | None = None,
                 until: datetime | None = None) -> dict[str, datetime]:
    """{message id: slot} for the messages that fit before `until` (default: PLAN_DAYS ahead).

    `pending` is in priority order (best first). A message left out has no slot in that span.
    """
    return _Planner(mailbox, campaign_caps or {}, now).run(pending, until)


class _Group:
    """Messages of one campaign to recipients in one zone, and when that zone's window is open."""

    __slots__ = ("campaign_id", "tz", "heap", "opens", "closes")

    def __init__(self, campaign_id: str, tz: ZoneInfo):
        self.campaign_id, self.tz = campaign_id, tz
        self.heap: list[tuple[int, str]] = []
        self.opens: datetime | None = None
        self.closes: datetime | None = None

    def open_at(self, t: datetime, window: SendWindow) -> datetime | None:
        """`t` when the window is open at `t`, else when it next opens (None: never)."""
        if self.opens is not None and (t < self.opens or self.closes is None or t < self.closes):
            return max(t, self.opens)
        self.opens = next_open(t, window, self.tz)
        self.closes = None if self.opens is None else next_close(self.opens, window, self.tz)
        return self.opens


class _Planner:
    def __init__(self, mailbox: Mailbox, campaign_caps: Mapping[str, int | None], now: datetime):
        self.mb, self.caps, self.now = mailbox, campaign_caps, now
        self.tz = zone(mailbox.timezone)
        self.today = local_day(now, self.tz)
        self.now_hour = hour_key(now, self.tz)
        self.gap = timedelta(seconds=mailbox.min_gap_seconds)

    def run(self, pending: Iterable[Pending], until: datetime | None) -> dict[str, datetime]:
        end = until if until is not None else self.now + timedelta(days=PLAN_DAYS)
        groups: dict[tuple[str, str], _Group] = {}
        waiting: list[tuple[datetime, int, Pending]] = []  # retries not yet allowed
        for rank, msg in enumerate(pending):
            if msg.not_before is not None and msg.not_before > self.now:
                heapq.heappush(waiting, (msg.not_before, rank, msg))
            else:
                self._group(groups, msg).heap.append((rank, msg.id))
        for group in groups.values():
            heapq.heapify(group.heap)

        t = self.now
        if self.mb.last_send_at is not None:
            t = max(t, self.mb.last_send_at + self.gap)
        day, day_count, campaign_counts = None, 0, {}
        hour, hour_count = None, 0
        slots: dict[str, datetime] = {}
        while t < end and (waiting or any(g.heap for g in groups.values())):
            while waiting and waiting[0][0] <= t:
                _, rank, msg = heapq.heappop(waiting)
                heapq.heappush(self._group(groups, msg).heap, (rank, msg.id))
            if local_day(t, self.tz) != day:
                day = local_day(t, self.tz)
                fresh = day == self.today
                day_count = self.mb.sent_today if fresh else 0
                campaign_counts = dict(self.mb.campaign_sent_today) if fresh else {}
            if day_count >= self.mb.cap_on(day, self.today):
                t = start_of_next_day(t, self.tz)
                continue
            if hour_key(t, self.tz) != hour:
                hour = hour_key(t, self.tz)
                hour_count = self.mb.sent_this_hour if hour == self.now_hour else 0
            if self.mb.hourly_cap is not None and hour_count >= self.mb.hourly_cap:
                t = start_of_next_hour(t, self.tz)
                continue

            best: _Group | None = None
            wake: list[datetime] = [waiting[0][0]] if waiting else []
            for group in groups.values():
                if not group.heap:
                    continue
                cap = self.caps.get(group.campaign_id)
                if cap is not None and campaign_counts.get(group.campaign_id, 0) >= cap:
                    wake.append(start_of_next_day(t, self.tz))
                    continue
                opens = group.open_at(t, self.mb.window)
                if opens is None:
                    continue
                if opens > t:
                    wake.append(opens)
                elif best is None or group.heap[0] < best.heap[0]:
                    best = group
            if best is None:
                if not wake:
                    break
                t = min(wake)
                continue
            _, message_id = heapq.heappop(best.heap)
            slots[message_id] = t
            day_count += 1
            hour_count += 1
            campaign_counts[best.campaign_id] = campaign_counts.get(best.campaign_id, 0) + 1
            t = t + self.gap + jitter(message_id, self.mb.jitter_seconds)
        return slots

    def _group(self, groups: dict[tuple[str, str], _Group], msg: Pending) -> _Group:
        name = msg.timezone or self.mb.timezone
        key = (msg.campaign_id, name)
        if key not in groups:
            groups[key] = _Group(msg.campaign_id, _zone_or(name, self.tz))
        return groups[key]


def _zone_or(name: str, fallback: ZoneInfo) -> ZoneInfo:
    """A contact's zone as imported may be junk; the sender's zone then applies."""
    try:
        return zone(name)
    except TerminalError:
        return fallback
