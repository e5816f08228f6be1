"""Windows, slots and caps across time zones and DST changes, property-based.

Moments are drawn around real offset transitions of zones with awkward rules (30-minute DST in
Lord Howe, +5:45 Kathmandu, southern-hemisphere DST, Samoa's skipped day), so the planner meets
skipped and repeated wall-clock hours far more often than a uniform draw would.
"""

from collections import Counter, defaultdict
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from gtm.sending.clock import _transitions, next_close, next_open
from gtm.sending.planner import Mailbox, Pending, RampUp, plan_mailbox
from gtm.sending.window import END_OF_DAY, SendWindow

ZONES = ["UTC", "Europe/Oslo", "America/New_York", "Australia/Lord_Howe", "America/Santiago",
         "Asia/Kathmandu", "Pacific/Chatham", "Pacific/Apia", "Europe/Moscow", "Asia/Tokyo"]


def _transition_instants() -> list[datetime]:
    found = []
    for name in ZONES:
        tz = ZoneInfo(name)
        day = date(2011, 1, 1)
        while day < date(2013, 1, 1) or date(2026, 1, 1) <= day < date(2027, 6, 1):
            found.extend(_transitions(tz, day))
            day += timedelta(days=1)
            if day == date(2013, 1, 1):
                day = date(2026, 1, 1)
    return sorted(found)


TRANSITIONS = _transition_instants()

moments = st.one_of(
    st.builds(lambda t, minutes: t + timedelta(minutes=minutes),
              st.sampled_from(TRANSITIONS), st.integers(-3 * 1440, 3 * 1440)),
    st.datetimes(min_value=datetime(2011, 1, 1), max_value=datetime(2027, 1, 1),
                 timezones=st.just(UTC)),
)


def _minutes(m: int) -> time:
    return END_OF_DAY if m >= 1440 else time(m // 60, m % 60)


@st.composite
def windows(draw) -> SendWindow:
    days = tuple(sorted(draw(st.sets(st.integers(1, 7), min_size=1))))
    start = draw(st.integers(0, 23 * 4)) * 15
    end = draw(st.integers(start // 15 + 1, 24 * 4)) * 15
    return SendWindow(days, _minutes(start), _minutes(end))


def _inside(window: SendWindow, moment: datetime, tz: ZoneInfo) -> bool:
    return window.contains_local(moment.astimezone(tz))


def _sample(start: datetime, end: datetime, step=timedelta(minutes=10)):
    t = start
    while t < end:
        yield t
        t += step


@settings(max_examples=300, deadline=None)
@given(moments, windows(), st.sampled_from(ZONES))
def test_next_open_is_the_first_instant_inside(moment, window, zone) -> None:
    tz = ZoneInfo(zone)
    opens = next_open(moment, window, tz)
    assert opens is not None and opens >= moment
    assert _inside(window, opens, tz)
    assert opens == moment or not _inside(window, opens - timedelta(seconds=1), tz)
    assert not any(_inside(window, t, tz) for t in _sample(moment, opens))


@settings(max_examples=300, deadline=None)
@given(moments, windows(), st.sampled_from(ZONES))
def test_the_window_stays_open_until_next_close(moment, window, zone) -> None:
    tz = ZoneInfo(zone)
    opens = next_open(moment, window, tz)
    closes = next_close(opens, window, tz)
    if closes is None:  # open all week
        assert window.days == tuple(range(1, 8)) and window.start == time(0)
        return
    assert closes > opens and not _inside(window, closes, tz)
    assert all(_inside(window, t, tz) for t in _sample(opens, closes))
    assert _inside(window, closes - timedelta(seconds=1), tz)


def test_window_edges_on_every_transition_day() -> None:
    """Exhaustively: windows starting or ending in the quarter hours around each transition's
    wall-clock time, entered from the day before, in every zone above."""
    everyday = tuple(range(1, 8))
    for instant in TRANSITIONS:
        for zone in ZONES:
            tz = ZoneInfo(zone)
            local = (instant - timedelta(seconds=1)).astimezone(tz)
            if local.utcoffset() == instant.astimezone(tz).utcoffset():
                continue  # not this zone's transition
            wall = local.hour * 60 + (local.minute // 15) * 15
            for start in range(max(0, wall - 60), min(1440 - 15, wall + 75), 15):
                for length in (15, 45, 120, 1440):
                    window = SendWindow(everyday, _minutes(start), _minutes(start + length))
                    moment = instant - timedelta(hours=20)
                    opens = next_open(moment, window, tz)
                    assert _inside(window, opens, tz)
                    before = opens - timedelta(seconds=1)
                    assert opens == moment or not _inside(window, before, tz), (zone, window)
                    assert not any(_inside(window, t, tz) for t in _sample(moment, opens))
                    closes = next_close(opens, window, tz)
                    if closes is None:
                        continue
                    assert not _inside(window, closes, tz)
                    assert all(_inside(window, t, tz) for t in _sample(opens, closes))
                    # A repeated hour can open the same window a second time the same night.
                    again = next_open(closes, window, tz)
                    assert _inside(window, again, tz)
                    assert not any(_inside(window, t, tz) for t in _sample(closes, again))


@st.composite
def mailboxes(draw) -> Mailbox:
    ramp = draw(st.one_of(st.none(), st.builds(RampUp, st.integers(1, 5), st.integers(0, 3),
                                                st.integers(1, 3))))
    return Mailbox(
        id="m", window=draw(windows()), timezone=draw(st.sampled_from(ZONES)),
        daily_cap=draw(st.integers(1, 12)), hourly_cap=draw(st.one_of(st.none(),
                                                                      st.integers(1, 4))),
        min_gap_seconds=draw(st.sampled_from([0, 60, 600, 3600])),
        jitter_seconds=draw(st.sampled_from([0, 120])), ramp_up=ramp,
        sent_today=draw(st.integers(0, 3)), sent_this_hour=draw(st.integers(0, 1)))


@st.composite
def queues(draw, now: datetime) -> list[Pending]:
    n = draw(st.integers(1, 40))
    return [Pending(f"msg-{i}", draw(st.sampled_from(["c1", "c2"])),
                    draw(st.one_of(st.none(), st.sampled_from(ZONES))),
                    draw(st.one_of(st.none(), st.just(now + timedelta(hours=7)))))
            for i in range(n)]


@settings(max_examples=150, deadline=None)
@given(st.data(), mailboxes(), moments, st.one_of(st.none(), st.integers(1, 3)))
def test_every_slot_respects_window_caps_gaps_and_order(data, mailbox, now, campaign_cap) -> None:
    pending = data.draw(queues(now))
    caps = {"c1": campaign_cap, "c2": None}
    slots = plan_mailbox(mailbox, pending, now, campaign_caps=caps)
    by_id = {p.id: p for p in pending}
    assert set(slots) == set(by_id)  # within the planning horizon everything gets a slot
    sender_tz = ZoneInfo(mailbox.timezone)
    per_day, per_hour, per_campaign_day = Counter(), Counter(), Counter()
    for message_id, slot in slots.items():
        msg = by_id[message_id]
        assert slot >= now and (msg.not_before is None or slot >= msg.not_before)
        assert _inside(mailbox.window, slot, ZoneInfo(msg.timezone or mailbox.timezone))
        local = slot.astimezone(sender_tz)
        per_day[local.date()] += 1
        per_hour[(local.date(), local.hour, local.fold)] += 1
        per_campaign_day[(msg.campaign_id, local.date())] += 1
    today = now.astimezone(sender_tz)
    for day, count in per_day.items():
        already = mailbox.sent_today if day == today.date() else 0
        assert count + already <= mailbox.cap_on(day, today.date())
    if mailbox.hourly_cap is not None:
        for (day, hour, fold), count in per_hour.items():
            same = (day, hour, fold) == (today.date(), today.hour, today.fold)
            assert count + (mailbox.sent_this_hour if same else 0) <= mailbox.hourly_cap
    if campaign_cap is not None:
        assert all(n <= campaign_cap for (c, _), n in per_campaign_day.items() if c == "c1")
    ordered = sorted(slots.values())
    gap = timedelta(seconds=mailbox.min_gap_seconds)
    assert all(b - a >= gap for a, b in zip(ordered, ordered[1:], strict=False))
    # Within one campaign and recipient zone, audience rank order is kept.
    groups = defaultdict(list)
    for msg in pending:
        if msg.not_before is None:
            groups[(msg.campaign_id, msg.timezone or mailbox.timezone)].append(slots[msg.id])
    assert all(g == sorted(g) for g in groups.values())


@settings(max_examples=100, deadline=None)
@given(mailboxes(), moments, st.integers(1, 30))
def test_after_downtime_the_backlog_is_re_slotted_not_burst(mailbox, now, days_down) -> None:
    pending = [Pending(f"msg-{i}", "c1") for i in range(30)]
    before = plan_mailbox(mailbox, pending, now)
    later = now + timedelta(days=days_down)
    after = plan_mailbox(mailbox, pending, later)
    assert min(after.values()) >= later and len(after) == len(before)
    first_hour = [s for s in after.values() if s < later + timedelta(hours=1)]
    if mailbox.hourly_cap is not None:  # an hour of time overlaps at most two clock hours
        assert len(first_hour) <= 2 * mailbox.hourly_cap
    if mailbox.min_gap_seconds:
        assert len(first_hour) <= 1 + 3600 // mailbox.min_gap_seconds
