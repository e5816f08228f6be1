"""Classification: autoresponder headers first, rules on the extracted text, the LLM hook, and
the `reply:classify` / `bounce:parse` JSON contracts."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from typer.testing import CliRunner

from gtm.cli.app import app
from gtm.replies.classify import classify_message
from gtm.replies.parse import parse_message
from gtm.replies.samples import Original, compose_bounce, compose_reply

ORIGINAL = Original("<o.9@gtm-test.example>", "Anna Keller <anna@gtm-test.example>",
                    "Mark <mark@acme.com>", "Quick idea", "Hi Mark,\n\nInterested in a call? "
                    "If not, just say so and I'll stop.\n\nAnna",
                    datetime(2026, 3, 3, 10, 12, tzinfo=UTC))


def classify(text: str, *, client: str = "gmail", auto: str | None = None, llm=None):
    raw = compose_reply(ORIGINAL, "Mark <mark@acme.com>", text, client=client, auto=auto)
    return classify_message(parse_message(raw), llm_classify=llm)


@pytest.mark.parametrize("auto", ["rfc3834", "xautoreply", "precedence", "outlook_oof",
                                  "gmail_vacation", "yandex_auto", "mailru_auto"])
def test_autoresponder_headers_mean_out_of_office(auto: str) -> None:
    result = classify("Thanks for your email, I'll reply when I can.", client="none", auto=auto)
    assert (result.label, result.source) == ("out_of_office", "header")
    assert not result.is_human_reply


def test_ooo_text_without_headers_and_auto_submitted_no_is_human() -> None:
    assert classify("I'm on vacation until May 3 with no access to email.").label == \
        "out_of_office"
    raw = compose_reply(ORIGINAL, "Mark <mark@acme.com>", "Let's talk!", client="gmail")
    raw = raw.replace(b"Subject:", b"Auto-Submitted: no\r\nSubject:", 1)
    assert classify_message(parse_message(raw)).label == "positive"


def test_bounce_is_recognised_before_any_rule() -> None:
    result = classify_message(parse_message(compose_bounce(ORIGINAL, "mark@acme.com",
                                                           "qmail_text")))
    assert (result.label, result.source) == ("bounce", "header")


@pytest.mark.parametrize(("text", "label"), [
    ("Not interested, but send pricing.", "info_request"),
    ("Не интересно, но пришлите прайс на будущее.", "info_request"),
    ("Please remove me from your list. Not interested.", "unsubscribe"),
    ("Отпишите меня, пожалуйста.", "unsubscribe"),
    ("Sure, let's set up a call on Tuesday.", "positive"),
    ("Давайте созвонимся в четверг.", "positive"),
    ("No thanks, we built this in-house.", "negative"),
    ("Спасибо, нам не актуально.", "negative"),
])
def test_rules(text: str, label: str) -> None:
    result = classify(text)
    assert (result.label, result.source) == (label, "rules")


def test_referral_extracts_the_colleague() -> None:
    result = classify("I'm not the right person - please talk to Jessica Moore "
                      "(jessica.moore@acme.com), she runs sales ops.")
    assert result.label == "referral"
    assert result.referral == {"name": "Jessica Moore", "email": "jessica.moore@acme.com"}
    ru = classify("Этим занимается наш коммерческий директор Павел Ильин: p.ilyin@acme.com",
                  client="yandex")
    assert ru.label == "referral" and ru.referral["email"] == "p.ilyin@acme.com"


def test_llm_is_asked_only_when_rules_are_unsure() -> None:
    calls = []

    def llm(text, subject):
        calls.append(text)
        return {"label": "positive", "confidence": 0.77}

    unsure = classify("Hmm. Maybe later this year we revisit, ping me in September",
                      llm=llm)
    assert (unsure.label, unsure.source, unsure.confidence) == ("positive", "llm", 0.77)
    sure = classify("Not interested.", llm=llm)
    assert sure.source == "rules" and len(calls) == 1


def test_cli_json_contracts(tmp_path) -> None:
    reply = tmp_path / "reply.eml"
    reply.write_bytes(compose_reply(ORIGINAL, "Mark <mark@acme.com>",
                                    "Not interested, but send pricing.", client="outlook"))
    bounce = tmp_path / "bounce.eml"
    bounce.write_bytes(compose_bounce(ORIGINAL, "mark@acme.com", "gmail_not_found"))
    runner = CliRunner()
    result = runner.invoke(app, ["reply:classify", str(reply), str(bounce), "--json"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert lines[0] == {"file": str(reply), "label": "info_request", "confidence": 0.8,
                        "source": "rules"}
    assert lines[1]["label"] == "bounce" and set(lines[1]) == {"file", "label", "confidence",
                                                               "source"}
    result = runner.invoke(app, ["bounce:parse", str(bounce), str(reply), "--json"])
    assert result.exit_code == 0, result.output
    first, second = (json.loads(line) for line in result.output.splitlines())
    assert first == {"file": str(bounce), "is_bounce": True, "recipients": [
        {"address": "mark@acme.com", "kind": "hard", "status": "5.1.1",
         "reason": "user_unknown"}]}
    assert second == {"file": str(reply), "is_bounce": False, "recipients": []}
