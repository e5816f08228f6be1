"""Senders in the database: add, update on the same address, validation naming the field."""

import pytest

from gtm.db.workspaces import ensure_workspace
from gtm.errors import TerminalError
from gtm.sending.senders import SenderSpec, add_sender, get_sender, list_senders
from gtm.sending.window import parse_window


def test_add_then_update_same_address_case_insensitively(db) -> None:
    ws = ensure_workspace(db, "senders-a")
    sender, created = add_sender(db, ws, SenderSpec("Anna@Acme.com", "Anna", daily_cap=40,
                                                    window=parse_window("mon-fri 08:00-16:00"),
                                                    timezone="Europe/Oslo"))
    assert created and sender["email"] == "anna@acme.com"
    assert sender["window"] == "mon-fri 08:00-16:00"
    again, created = add_sender(db, ws, SenderSpec("ANNA@acme.com", "Anna B", daily_cap=10))
    assert not created and again["id"] == sender["id"] and again["daily_cap"] == 10
    assert [s["email"] for s in list_senders(db, ws)] == ["anna@acme.com"]
    assert list_senders(db, ensure_workspace(db, "senders-b")) == []


@pytest.mark.parametrize(("spec", "message"), [
    (SenderSpec("not-an-email"), "invalid sender email"),
    (SenderSpec("a@acme.com", provider="pigeon"), "unknown provider 'pigeon'"),
    (SenderSpec("a@acme.com", daily_cap=-1), "daily_cap must be 0 or more"),
    (SenderSpec("a@acme.com", timezone="Nowhere/City"), "unknown time zone"),
    (SenderSpec("a@acme.com", reply_to="nope"), "invalid --reply-to"),
])
def test_invalid_sender_is_refused(db, spec, message) -> None:
    with pytest.raises(TerminalError, match=message):
        add_sender(db, ensure_workspace(db, "senders-c"), spec)


def test_unknown_sender_names_the_fix(db) -> None:
    with pytest.raises(TerminalError, match="gtm sender:add ghost@acme.com"):
        get_sender(db, ensure_workspace(db, "senders-d"), "ghost@acme.com")
