"""Sending windows: parsing the command-line form and deciding whether a moment is inside."""

from datetime import UTC, datetime, time

import pytest

from gtm.errors import TerminalError
from gtm.sending.window import SendWindow, parse_window


@pytest.mark.parametrize(
    ("text", "days", "start", "end"),
    [
        ("mon-fri 09:00-17:00", (1, 2, 3, 4, 5), time(9), time(17)),
        ("Mon,Wed,Fri 10:00-12:30", (1, 3, 5), time(10), time(12, 30)),
        ("sat-sun 8:00 - 9:15", (6, 7), time(8), time(9, 15)),
        ("mon-tue,thu 07:00-08:00", (1, 2, 4), time(7), time(8)),
    ],
)
def test_parse_window(text, days, start, end) -> None:
    window = parse_window(text)
    assert (window.days, window.start, window.end) == (days, start, end)
    assert SendWindow.from_json(window.to_json()) == window
    assert parse_window(window.describe()) == window


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("weekdays 09:00-17:00", "expected e.g."),
        ("fri-mon 09:00-17:00", "runs backwards"),
        ("mon-fri 17:00-09:00", "end must be after"),
        ("mon-fri 25:00-26:00", "invalid time"),
        ("mon-fxi 09:00-17:00", "unknown day 'fxi'"),
    ],
)
def test_bad_window_is_refused_with_the_reason(text, message) -> None:
    with pytest.raises(TerminalError, match=message):
        parse_window(text)


def test_contains_uses_the_senders_time_zone() -> None:
    window = parse_window("mon-fri 09:00-17:00")
    # Monday 2026-11-23 07:30 UTC is 08:30 in Oslo (outside) and 10:30 in Moscow (inside).
    moment = datetime(2026, 11, 23, 7, 30, tzinfo=UTC)
    assert not window.contains(moment, "Europe/Oslo")
    assert window.contains(moment, "Europe/Moscow")
    saturday = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
    assert not window.contains(saturday, "UTC")
    assert not window.contains(datetime(2026, 11, 23, 17, 0, tzinfo=UTC), "UTC")  # end excluded


def test_unknown_time_zone() -> None:
    with pytest.raises(TerminalError, match="unknown time zone 'Mars/Base'"):
        parse_window("mon 09:00-10:00").contains(datetime.now(UTC), "Mars/Base")
