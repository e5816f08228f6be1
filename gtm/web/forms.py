"""Form fields <-> library specs for the campaign form's sender schedule and caps.

The web converts text fields to the same `SenderSpec` the CLI's `sender:add` builds and lets the
library validate it (window, time zone, ramp-up); what only a form can get wrong (a blank or
non-numeric number, no day ticked) is checked here, each error naming its field.
"""

from __future__ import annotations

from gtm.errors import TerminalError
from gtm.sending.senders import SenderSpec
from gtm.sending.window import parse_window, zone

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # the window language's day names


class FieldError(TerminalError):
    """Invalid input in one form field: `field` is the input's name, the message names it too."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def sender_form(sender: dict) -> dict:
    """The form values showing a sender's current schedule and caps."""
    window = parse_window(sender["window"])
    ramp = sender["ramp_up"] or {}
    shown = window.to_json()
    return {
        "settings_for": sender["email"],
        "window_days": [DAYS[d - 1] for d in window.days],
        "window_start": shown["start"],
        "window_end": shown["end"],
        "timezone": sender["timezone"],
        "daily_cap": str(sender["daily_cap"]),
        "hourly_cap": _text(sender["hourly_cap"]),
        "min_gap_seconds": str(sender["min_gap_seconds"]),
        "jitter_seconds": str(sender["jitter_seconds"]),
        "ramp_start": _text(ramp.get("start")),
        "ramp_step": _text(ramp.get("step")),
        "ramp_every_days": _text(ramp.get("every_days")),
    }


def sender_spec(sender: dict, form: dict) -> SenderSpec:
    """The sender (identity unchanged) with the schedule and caps from the form, validated."""
    days = form["window_days"]
    if not days:
        raise FieldError("window_days", "Send days: tick at least one day")
    try:
        window = parse_window(f"{','.join(days)} {form['window_start']}-{form['window_end']}")
    except TerminalError as exc:
        raise FieldError("window_start", f"Send window: {exc}") from None
    timezone = form["timezone"].strip()
    try:
        zone(timezone)
    except TerminalError as exc:
        raise FieldError("timezone", f"Time zone: {exc}") from None
    ramp = None
    if form["ramp_start"].strip():
        ramp = {"start": _whole(form, "ramp_start", "Ramp-up start"),
                "step": _whole(form, "ramp_step", "Ramp-up step", default=0),
                "every_days": _whole(form, "ramp_every_days", "Ramp-up every (days)",
                                     default=1, least=1)}
    return SenderSpec(
        sender["email"], sender["display_name"], sender["reply_to"], sender["provider"],
        daily_cap=_whole(form, "daily_cap", "Daily cap"),
        hourly_cap=_whole(form, "hourly_cap", "Hourly cap", default=None),
        min_gap_seconds=_whole(form, "min_gap_seconds", "Minimum gap"),
        window=window, timezone=timezone,
        jitter_seconds=_whole(form, "jitter_seconds", "Jitter", default=0),
        ramp_up=ramp,
    ).validated()


def campaign_cap(form: dict) -> int | None:
    """The campaign's own daily cap (blank: the sender's caps alone)."""
    return _whole(form, "campaign_daily_cap", "Campaign daily cap", default=None, least=1)


_REQUIRED = object()


def _whole(form: dict, name: str, label: str, *, default=_REQUIRED, least: int = 0):
    text = form[name].strip()
    if not text:
        if default is _REQUIRED:
            raise FieldError(name, f"{label}: required")
        return default
    try:
        value = int(text)
    except ValueError:
        raise FieldError(name, f"{label}: {text!r} is not a whole number") from None
    if value < least:
        raise FieldError(name, f"{label}: must be {least} or more, got {value}")
    return value


def _text(value) -> str:
    return "" if value is None else str(value)
