"""When a sending window opens and closes, in UTC, for a window read in some time zone.

A window is days and wall-clock hours in a zone; DST makes wall-clock time skip (spring) or
repeat (autumn) an hour, so "09:00 local" is not always one instant. Instead of converting
wall times and hoping, these functions list every instant where membership can change —
the window's start and end on each nearby local day (both folds), local midnights and the
zone's offset transitions — and test each candidate with `SendWindow.contains_local`, the
same predicate the rest of the code uses. Membership is constant between candidates, so the
first candidate that is inside (or outside) is the exact answer, whatever the zone does.
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from gtm.sending.window import END_OF_DAY, SendWindow, zone

# How far ahead to look: every weekday appears within 7 days, plus a day of slack either side.
_LOOKAHEAD_DAYS = 9
_DAY = timedelta(days=1)


def next_open(moment: datetime, window: SendWindow, tz: ZoneInfo | str) -> datetime | None:
    """The earliest instant >= `moment` inside `window` in `tz`; None if the window is empty."""
    tz = zone(tz) if isinstance(tz, str) else tz
    if window.contains_local(moment.astimezone(tz)):
        return moment
    for candidate in _candidates(moment, tz, (window.start, time(0))):
        if window.contains_local(candidate.astimezone(tz)):
            return candidate
    return None


def next_close(moment: datetime, window: SendWindow, tz: ZoneInfo | str) -> datetime | None:
    """The earliest instant > `moment` outside `window`; None if it stays open (e.g. 24/7)."""
    tz = zone(tz) if isinstance(tz, str) else tz
    edges = (time(0),) if window.end == END_OF_DAY else (window.end, time(0))
    for candidate in _candidates(moment, tz, edges):
        if not window.contains_local(candidate.astimezone(tz)):
            return candidate
    return None


def local_day(moment: datetime, tz: ZoneInfo) -> date:
    return moment.astimezone(tz).date()


def start_of_next_day(moment: datetime, tz: ZoneInfo) -> datetime:
    """The first instant of the next local day (after a skipped midnight: the first that exists)."""
    following = local_day(moment, tz) + _DAY
    start = _to_utc(tz, following, time(0), 0)
    return start if start > moment else moment + timedelta(hours=1)


def start_of_next_hour(moment: datetime, tz: ZoneInfo) -> datetime:
    """The next full hour of local time (zones with :30 or :45 offsets have their own hours)."""
    local = moment.astimezone(tz)
    into_hour = timedelta(minutes=local.minute, seconds=local.second,
                          microseconds=local.microsecond)
    return moment - into_hour + timedelta(hours=1)


def hour_key(moment: datetime, tz: ZoneInfo) -> tuple:
    local = moment.astimezone(tz)
    return local.date(), local.hour, local.fold


def _candidates(moment: datetime, tz: ZoneInfo, edges: tuple[time, ...]) -> tuple[datetime, ...]:
    """The candidates after `moment`, in time order."""
    found = _candidates_from(tz, edges, moment.astimezone(tz).date(),
                             moment.astimezone(UTC).date())
    return found[bisect_right(found, moment):]


@lru_cache(maxsize=65536)
def _candidates_from(tz: ZoneInfo, edges: tuple[time, ...], local: date,
                     utc: date) -> tuple[datetime, ...]:
    found: set[datetime] = set()
    for offset in range(-1, _LOOKAHEAD_DAYS):
        day = local + timedelta(days=offset)
        for edge in edges:
            found.add(_to_utc(tz, day, edge, 0))
            found.add(_to_utc(tz, day, edge, 1))
        found.update(_transitions(tz, utc + timedelta(days=offset)))
    return tuple(sorted(found))


@lru_cache(maxsize=65536)
def _to_utc(tz: ZoneInfo, day: date, at: time, fold: int) -> datetime:
    return datetime.combine(day, at, tzinfo=tz).replace(fold=fold).astimezone(UTC)


@lru_cache(maxsize=65536)
def _transitions(tz: ZoneInfo, utc_day: date) -> tuple[datetime, ...]:
    """The instant the zone's UTC offset changes during `utc_day`, if it does.

    Offsets change at most once a day in every real zone; the instant is found by bisection to
    the second (transitions fall on whole seconds).
    """
    lo = datetime.combine(utc_day, time(0), tzinfo=UTC)
    hi = lo + _DAY
    before = lo.astimezone(tz).utcoffset()
    if hi.astimezone(tz).utcoffset() == before:
        return ()
    lo_s, hi_s = 0, 86400  # invariant: offset at lo_s is `before`, at hi_s it is not
    while hi_s - lo_s > 1:
        mid = (lo_s + hi_s) // 2
        if (lo + timedelta(seconds=mid)).astimezone(tz).utcoffset() == before:
            lo_s = mid
        else:
            hi_s = mid
    return (lo + timedelta(seconds=hi_s),)
