"""Text extraction: the new reply without quoted history or signature, every client's quoting."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from gtm.replies.parse import message_text, parse_message, split_reply
from gtm.replies.samples import Original, compose_reply

ORIGINAL = Original("<o.1@gtm-test.example>", "Anna Keller <anna@gtm-test.example>",
                    "Mark <mark@acme.com>", "Quick idea for Acme",
                    "Hi Mark,\n\nInterested in a call next week? Pricing is per seat.\n\nAnna",
                    datetime(2026, 3, 3, 10, 12, tzinfo=UTC))
CLIENTS = ["gmail", "gmail_html", "outlook", "apple", "thunderbird", "gmail_ru", "apple_ru",
           "yandex", "mailru", "outlook_ru", "none"]


@pytest.mark.parametrize("client", CLIENTS)
def test_each_client_quote_style_is_stripped(client: str) -> None:
    raw = compose_reply(ORIGINAL, "Mark <mark@acme.com>", "Not for us, thanks.", client=client)
    reply, quoted = split_reply(message_text(parse_message(raw)))
    assert reply == "Not for us, thanks."
    assert "Pricing" not in reply
    if client != "none":
        assert "Pricing is per seat" in quoted


@pytest.mark.parametrize("text", [
    "Sounds good.\n\n--\nMark Ellison\nVP Sales | Acme\n+1 555 0100",
    "Sounds good.\n\nBest regards,\nMark Ellison\nVP Sales",
    "Sounds good.\n\nSent from my iPhone",
    "Sounds good.\n\nС уважением,\nМарк\nДиректор",
    "Sounds good.\n\nОтправлено из мобильной Почты Mail.ru",
])
def test_signatures_are_cut(text: str) -> None:
    assert split_reply(text)[0] == "Sounds good."


def test_wrapped_gmail_attribution_and_russian_pishet() -> None:
    wrapped = ("Yes please.\n\nOn Tue, Mar 3, 2026 at 10:12 AM Anna Keller <\n"
               "anna@gtm-test.example> wrote:\n> Interested?\n")
    assert split_reply(wrapped)[0] == "Yes please."
    pishet = "Да, давайте.\n\nАнна пишет:\n> Удобно созвониться?\n"
    assert split_reply(pishet)[0] == "Да, давайте."


def test_outlook_header_block_without_separator() -> None:
    text = ("Please send pricing.\n\nFrom: Anna Keller <anna@gtm-test.example>\n"
            "Sent: Tuesday, March 3, 2026 10:12 AM\nTo: Mark\nSubject: Quick idea\n\nHi Mark")
    assert split_reply(text)[0] == "Please send pricing."


def test_html_only_message_is_rendered_to_text() -> None:
    raw = compose_reply(ORIGINAL, "Mark <mark@acme.com>", "Hi,<br>Let&#39;s talk.<br>Mark",
                        client="gmail_html")
    reply, _ = split_reply(message_text(parse_message(raw)))
    assert reply.startswith("Hi,\nLet's talk.")
