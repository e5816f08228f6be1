"""Every guardrail passing and failing, then `check_draft` over a shipped pack."""

import pytest

from gtm.drafting import guardrails as g
from gtm.drafting.context import (
    Company,
    Contact,
    Draft,
    DraftContext,
    PreviousMessage,
    Research,
    Sender,
)
from gtm.packs.catalog import BUNDLED_PACKS_DIR, load_pack
from gtm.packs.model import LanguageRules
from gtm.settings import Settings

OPT_OUT = 'P.S. Not relevant? Reply "no" and I won\'t email you again.'


def rules(**changes) -> LanguageRules:
    base = dict(language="en", max_words=30, max_subject_chars=20, tone="", required_phrases=(),
                forbidden_phrases=("synergy", "I hope this email finds you well"),
                opt_out_policy="required", opt_out_line=OPT_OUT)
    return LanguageRules(**{**base, **changes})


def draft(body: str = "Hi Ann,\n\nA short note.", subject: str = "hello",
          language: str = "en") -> Draft:
    return Draft(subject=subject, body=body, mode="llm", pack="p", pack_version="v",
                 variant="direct", language=language)


CONTEXT = DraftContext(
    contact=Contact(first_name="Ann", last_name="Lee", position="VP Sales", language="en"),
    company=Company(name="Northwind Analytics, Inc.", size_employees=120, domain="northwind.io"),
    research=Research(triggers=["Northwind is hiring four SDRs in Austin."]),
    sender=Sender(name="Michal", company="Leadline", proof="Brightwave saved 40% of list work."),
)


def test_not_empty() -> None:
    assert g.check_not_empty(draft()).passed
    failed = g.check_not_empty(draft(body="  ", subject=""))
    assert not failed.passed and failed.items == ["subject", "body"]


def test_body_length_does_not_count_the_opt_out_line() -> None:
    body = " ".join(["word"] * 30) + "\n\n" + OPT_OUT
    assert g.check_body_length(draft(body), rules()).passed
    failed = g.check_body_length(draft(" ".join(["word"] * 31)), rules())
    assert not failed.passed and failed.detail == "31 words > 30"
    assert g.check_body_length(draft("x " * 500), rules(max_words=None)).passed


def test_subject_length() -> None:
    assert g.check_subject_length(draft(subject="x" * 20), rules()).passed
    failed = g.check_subject_length(draft(subject="x" * 21), rules())
    assert not failed.passed and failed.detail == "21 characters > 20"


@pytest.mark.parametrize("leftover", ["{{ first_name }}", "{first_name}", "[Name]",
                                      "[insert pain point]", "<FIRST_NAME>", "<company name>",
                                      "%(name)s", "${name}", "$COMPANY", "TODO", "{% if x %}",
                                      "[Имя]"])
def test_placeholders_fail(leftover: str) -> None:
    result = g.check_placeholders(draft(f"Hi {leftover}, a note."))
    assert not result.passed and leftover in result.items


def test_clean_text_links_and_addresses_are_not_placeholders() -> None:
    body = "Hi Ann, see [the guide](https://x.io) or write to <ann@x.io> — 3 < 5."
    assert g.check_placeholders(draft(body)).passed


@pytest.mark.parametrize(("text", "expected"), [
    ("Hi Ann, is manual prospect research something your team is working on?", "en"),
    ("Анна, добрый день! Как у Вас сейчас устроена работа с лидами в Leadline?", "ru"),
    ("Hallo Anna, wir bieten eine Lösung für Ihr Vertriebsteam an und freuen uns.", None),
    ("Hi Anna, как у Вас дела with the sales team and лиды?", None),
    ("Hi", None),
])
def test_detect_language(text: str, expected) -> None:
    assert g.detect_language(text) == expected


def test_language_matches_the_contact() -> None:
    english = draft("Hi Ann, is manual prospect research something your team is working on?")
    russian = draft("Анна, добрый день! Как у Вас сейчас устроена работа с лидами?")
    assert g.check_language(english, "en").passed and g.check_language(russian, "ru").passed
    failed = g.check_language(english, "ru")
    assert not failed.passed and failed.detail == "expected ru, reads as en"
    assert not g.check_language(russian, "en").passed
    unchecked = g.check_language(english, "de")
    assert unchecked.passed and unchecked.detail.startswith("not checked")


def test_claims_in_the_context_pass() -> None:
    body = ("Hi Ann,\n\nNorthwind is hiring four SDRs in Austin. As VP Sales at Northwind "
            "Analytics, with 120 people: Brightwave saved 40% of list work.\n\nMichal, Leadline\n"
            f"See northwind.io.\n{OPT_OUT}")
    result = g.check_claims(draft(body), CONTEXT, rules())
    assert result.passed, result.items


def test_claims_absent_from_the_context_are_listed() -> None:
    body = ("Hi Ann, Northwind grew 35% after HubSpot and Salesforce partnered with Acme Corp. "
            "Details at https://evil.example.com.")
    result = g.check_claims(draft(body), CONTEXT, rules())
    assert not result.passed
    assert result.items == ["https://evil.example.com", "35", "HubSpot", "Salesforce", "Acme",
                            "Corp"]


def test_claims_allow_russian_inflection_and_polite_vy() -> None:
    context = DraftContext(contact=Contact(first_name="Анна", language="ru"),
                           company=Company(name="ООО «Альфа Логистика»"))
    body = "Анна, добрый день! Вижу, что у Альфы Логистики новый офис. Вам это интересно?"
    assert g.check_claims(draft(body, language="ru"), context, rules(language="ru")).passed
    bad = "Анна, добрый день! Мы работаем с Газпромом."
    assert g.check_claims(draft(bad, language="ru"), context, rules(language="ru")).items == \
        ["Газпромом"]


def test_opt_out_policies() -> None:
    with_line, without = draft(f"Hi.\n\n{OPT_OUT}"), draft("Hi.")
    assert g.check_opt_out(with_line, rules()).passed
    missing = g.check_opt_out(without, rules())
    assert not missing.passed and missing.items == [OPT_OUT]
    assert not g.check_opt_out(with_line, rules(opt_out_line=None)).passed
    forbidden = rules(opt_out_policy="forbidden")
    assert g.check_opt_out(without, forbidden).passed
    assert not g.check_opt_out(with_line, forbidden).passed
    assert not g.check_opt_out(draft("Click to unsubscribe."), forbidden).passed
    assert g.check_opt_out(without, rules(opt_out_policy="optional")).passed


def test_forbidden_phrases_ignore_case_spacing_and_typography() -> None:
    assert g.check_forbidden_phrases(draft("A clean note."), rules()).passed
    failed = g.check_forbidden_phrases(draft("i hope  this email finds you WELL. Synergy!"),
                                       rules())
    assert not failed.passed and failed.items == ["synergy", "I hope this email finds you well"]
    russian = rules(forbidden_phrases=("Надеюсь, у вас всё хорошо",))
    assert not g.check_forbidden_phrases(draft("надеюсь, у Вас все хорошо"), russian).passed


def test_required_phrases() -> None:
    required = rules(required_phrases=("Leadline", "reply “no”"))
    assert g.check_required_phrases(draft('Leadline here. Just reply "no".'), required).passed
    failed = g.check_required_phrases(draft("Leadline here."), required)
    assert not failed.passed and failed.items == ["reply “no”"]


def test_reply_subject_only_on_a_real_thread() -> None:
    assert not g.check_reply_subject(draft(subject="Re: quick question"), CONTEXT).passed
    assert not g.check_reply_subject(draft(subject="Fwd: idea"), CONTEXT).passed
    threaded = CONTEXT.with_changes(previous=PreviousMessage(subject="quick question"))
    assert g.check_reply_subject(draft(subject="Re: quick question"), threaded).passed
    assert g.check_reply_subject(draft(subject="quick question"), CONTEXT).passed


def test_apply_opt_out() -> None:
    assert g.apply_opt_out("Hi.", rules()) == f"Hi.\n\n{OPT_OUT}"
    assert g.apply_opt_out(f"Hi.\n\n{OPT_OUT}", rules()) == f"Hi.\n\n{OPT_OUT}"
    assert g.apply_opt_out(f"Hi.\n\n{OPT_OUT}", rules(opt_out_policy="forbidden")) == "Hi."
    assert g.apply_opt_out("Hi.", rules(opt_out_policy="optional")) == "Hi."


def test_check_draft_reports_every_guardrail_and_the_failures() -> None:
    pack = load_pack(Settings(paths_packs=BUNDLED_PACKS_DIR), "cold_first_touch")
    line = pack.rules("en").opt_out_line
    good = draft(f"Hi Ann,\n\nNorthwind is hiring four SDRs in Austin. Is manual prospect "
                 f"research on your list this quarter?\n\nMichal\n\n{line}", subject="Northwind")
    report = g.check_draft(good, CONTEXT, pack)
    assert report.passed and report.failures == []
    assert [r.name for r in report.results] == [
        "not_empty", "body_length", "subject_length", "placeholders", "language",
        "unsupported_claims", "opt_out", "forbidden_phrases", "required_phrases",
        "reply_subject"]
    bad = draft("Hi {first_name}, I hope this email finds you well. Acme Corp loves us.",
                subject="Re: a very long subject line that goes on and on and on")
    failed = {r.name for r in g.check_draft(bad, CONTEXT, pack).failures}
    assert failed == {"subject_length", "placeholders", "unsupported_claims", "opt_out",
                      "forbidden_phrases", "reply_subject"}
    assert g.check_draft(bad, CONTEXT, pack).model_dump()["passed"] is False
