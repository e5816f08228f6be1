"""Template mode: the shipped packs' fallback templates rendered for real and sparse contacts."""

import re

import pytest

from gtm.drafting.context import Contact, DraftContext, PreviousMessage, Research, Sender
from gtm.drafting.guardrails import check_draft
from gtm.drafting.templates import PlanOutline, render_fallback, render_prompts, render_section
from gtm.packs.catalog import BUNDLED_PACKS_DIR, load_pack
from gtm.packs.devset import load_devset
from gtm.packs.model import Pack, PackError
from gtm.settings import Settings

CYRILLIC = re.compile(r"[А-Яа-яЁё]")


@pytest.fixture(scope="module", params=["cold_first_touch", "follow_up_bump"])
def pack(request) -> Pack:
    return load_pack(Settings(paths_packs=BUNDLED_PACKS_DIR), request.param)


def test_every_devset_contact_and_variant_passes_the_guardrails(pack: Pack) -> None:
    for record in load_devset(pack):
        for variant in pack.variants:
            draft = render_fallback(pack, variant.name, record.context)
            assert draft.mode == "template" and draft.pack == pack.name
            assert draft.pack_version == pack.version and draft.variant == variant.name
            report = check_draft(draft, record.context, pack)
            assert report.passed, (record.id, variant.name, report.failures)


@pytest.mark.parametrize("language", ["en", "ru"])
@pytest.mark.parametrize("variant", ["direct", "casual", "pattern_breaker"])
def test_missing_optional_data_renders_cleanly(pack: Pack, language: str, variant: str) -> None:
    bare = DraftContext(contact=Contact(email="someone@example.com"), language=language)
    draft = render_fallback(pack, variant, bare)
    text = f"{draft.subject}\n{draft.body}"
    assert "None" not in text and "{" not in text and "[" not in text
    assert "  " not in text and " ," not in text and draft.subject.strip()
    assert check_draft(draft, bare, pack).passed, check_draft(draft, bare, pack).failures


@pytest.mark.parametrize(("language", "cyrillic"), [("en", False), ("ru", True)])
def test_contact_language_picks_the_template(pack: Pack, language: str, cyrillic: bool) -> None:
    context = DraftContext(contact=Contact(first_name="Alex", language=language))
    draft = render_fallback(pack, "direct", context)
    assert draft.language == language
    assert bool(CYRILLIC.search(draft.body)) is cyrillic


def test_russian_country_without_a_language_gets_russian(pack: Pack) -> None:
    context = DraftContext(contact=Contact(first_name="Анна", country="RU"))
    assert render_fallback(pack, None, context).language == "ru"


def test_template_mode_never_pretends_to_have_researched() -> None:
    pack = load_pack(Settings(paths_packs=BUNDLED_PACKS_DIR), "cold_first_touch")
    sender = Sender(name="Michal", offer="We help sales teams prepare campaigns.",
                    problem="manual prospect research")
    plain = DraftContext(contact=Contact(first_name="Sam", position="CTO", language="en"),
                         sender=sender)
    trigger = "Acme opened a sales office in Warsaw."
    researched = plain.with_changes(research=Research(triggers=[trigger], mode="llm"))
    for variant in pack.variants:
        honest = render_fallback(pack, variant.name, plain).body
        assert not re.search(r"notic|I saw|caught my attention|I read", honest)
        assert trigger in render_fallback(pack, variant.name, researched).body


def test_follow_up_threads_only_on_a_real_first_email() -> None:
    pack = load_pack(Settings(paths_packs=BUNDLED_PACKS_DIR), "follow_up_bump")
    context = DraftContext(contact=Contact(first_name="Sam", language="en"))
    assert not render_fallback(pack, "direct", context).subject.lower().startswith("re:")
    threaded = context.with_changes(previous=PreviousMessage(subject="idea for Acme"))
    assert render_fallback(pack, "direct", threaded).subject == "Re: idea for Acme"


def test_prompts_render_with_context_and_variant(pack: Pack) -> None:
    record = load_devset(pack)[0]
    prompts = render_prompts(pack, "casual", record.context)
    assert set(prompts) == {"system", "plan", "draft"}
    assert "Casual" in prompts["draft"] and "{{" not in "".join(prompts.values())
    assert record.context.language_name in prompts["system"]


def test_sections_that_need_a_draft_refuse_to_render_without_one(pack: Pack) -> None:
    context = load_devset(pack)[0].context
    with pytest.raises(PackError, match="needs draft"):
        render_section(pack, "refine", None, context)
    with pytest.raises(PackError, match="takes no draft"):
        render_section(pack, "plan", None, context, draft=None)
    draft = render_fallback(pack, "direct", context)
    refine = render_section(pack, "refine", "direct", context, draft=draft,
                            plan=PlanOutline(hook="the Austin office"),
                            failures=check_draft(draft, context, pack).results[:1])
    assert draft.body in refine and "not_empty" in refine
    assert draft.subject in render_section(pack, "judge rubric", "direct", context, draft=draft)
