"""Sending windows: the days and hours a mailbox may send, in a time zone.

Stored in `senders.send_window` as `{"days": [1, 2, 3, 4, 5], "start": "09:00", "end": "17:00"}`
(ISO weekdays, Monday = 1). Written on the command line as `mon-fri 09:00-17:00`; an end of
`24:00` runs to midnight (`mon-sun 00:00-24:00` is "any time").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from gtm.errors import TerminalError

# "24:00": the window runs to the end of the day (a `time` cannot hold 24:00 itself).
END_OF_DAY = time.max
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_TEXT = re.compile(
    r"^\s*(?P<days>[a-z]{3}(?:\s*-\s*[a-z]{3})?(?:\s*,\s*[a-z]{3}(?:\s*-\s*[a-z]{3})?)*)"
    r"\s+(?P<start>\d{1,2}:\d{2})\s*-\s*(?P<end>\d{1,2}:\d{2})\s*$"
)


@dataclass(frozen=True)
class SendWindow:
    days: tuple[int, ...] = (1, 2, 3, 4, 5)
    start: time = time(9, 0)
    end: time = time(17, 0)

    def contains(self, moment: datetime, timezone: str) -> bool:
        """Whether `moment` (timezone-aware) falls inside the window in `timezone`."""
        return self.contains_local(moment.astimezone(zone(timezone)))

    def contains_local(self, local: datetime) -> bool:
        """Whether a local wall-clock moment (already in the window's zone) is inside."""
        return (
            local.isoweekday() in self.days
            and self.start <= local.time()
            and (self.end == END_OF_DAY or local.time() < self.end)
        )

    def to_json(self) -> dict:
        return {
            "days": list(self.days),
            "start": self.start.strftime("%H:%M"),
            "end": _format_time(self.end),
        }

    def describe(self) -> str:
        return f"{_describe_days(self.days)} {self.start:%H:%M}-{_format_time(self.end)}"

    @classmethod
    def from_json(cls, data: dict | None) -> SendWindow:
        if not data:
            return cls()
        return cls(tuple(data["days"]), _time(data["start"]), _time(data["end"]))


def parse_window(text: str) -> SendWindow:
    """`mon-fri 09:00-17:00`, `mon,wed,fri 10:00-12:30`, `sat-sun 10:00-14:00`."""
    match = _TEXT.match(text.lower())
    if not match:
        raise TerminalError(f"invalid sending window {text!r}: expected e.g. 'mon-fri 09:00-17:00'")
    days: set[int] = set()
    for part in match["days"].replace(" ", "").split(","):
        first, _, last = part.partition("-")
        lo, hi = _day(first, text), _day(last or first, text)
        if hi < lo:
            raise TerminalError(f"invalid sending window {text!r}: {part} runs backwards")
        days.update(range(lo, hi + 1))
    start, end = _time(match["start"]), _time(match["end"])
    if end <= start:
        raise TerminalError(f"invalid sending window {text!r}: the end must be after the start")
    return SendWindow(tuple(sorted(days)), start, end)


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise TerminalError(
            f"unknown time zone {name!r}: use an IANA name such as Europe/Oslo"
        ) from None


def _day(name: str, text: str) -> int:
    if name not in _DAYS:
        raise TerminalError(f"invalid sending window {text!r}: unknown day {name!r} (mon … sun)")
    return _DAYS.index(name) + 1


def _time(value: str) -> time:
    hours, _, minutes = value.partition(":")
    if hours.strip() == "24" and minutes.strip() == "00":
        return END_OF_DAY
    try:
        return time(int(hours), int(minutes))
    except ValueError:
        raise TerminalError(f"invalid time {value!r}: expected HH:MM") from None


def _format_time(value: time) -> str:
    return "24:00" if value == END_OF_DAY else value.strftime("%H:%M")


def _describe_days(days: tuple[int, ...]) -> str:
    if list(days) == list(range(days[0], days[-1] + 1)) and len(days) > 1:
        return f"{_DAYS[days[0] - 1]}-{_DAYS[days[-1] - 1]}"
    return ",".join(_DAYS[d - 1] for d in days)
