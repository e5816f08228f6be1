"""The packs GTM ships: lint clean, the promised variants and languages, and a devset each."""

import pytest

from gtm.packs.catalog import BUNDLED_PACKS_DIR, available_packs, load_pack
from gtm.packs.devset import load_devset
from gtm.packs.lint import lint_file
from gtm.settings import Settings

SHIPPED = ("cold_first_touch", "follow_up_bump")


@pytest.fixture(scope="module")
def bundled() -> Settings:
    return Settings(paths_packs=BUNDLED_PACKS_DIR)


def test_the_two_packs_ship(bundled: Settings) -> None:
    assert set(SHIPPED) <= set(available_packs(bundled))


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_pack_lints_clean_including_its_devset(name: str) -> None:
    assert [str(issue) for issue in lint_file(BUNDLED_PACKS_DIR / f"{name}.md")] == []


@pytest.mark.parametrize(("name", "kind", "step"), [("cold_first_touch", "first_touch", 1),
                                                    ("follow_up_bump", "follow_up", 2)])
def test_variants_languages_and_opt_out(bundled: Settings, name: str, kind: str, step: int) -> None:
    pack = load_pack(bundled, name)
    assert (pack.meta.kind, pack.meta.step) == (kind, step)
    assert pack.languages == ["en", "ru"]
    # the same variant names in both steps, so a contact keeps its tone across the sequence
    assert [(v.name, v.label) for v in pack.variants] == [
        ("direct", "Direct"), ("casual", "Casual"), ("pattern_breaker", "Pattern-breaker")]
    for language in pack.languages:
        rules = pack.rules(language)
        assert rules.opt_out_policy == "required" and rules.opt_out_line
        assert rules.max_words and rules.max_subject_chars and rules.forbidden_phrases


@pytest.mark.parametrize("name", SHIPPED)
def test_devset_covers_both_languages_and_missing_data(bundled: Settings, name: str) -> None:
    records = load_devset(load_pack(bundled, name))
    languages = {r.context.language for r in records}
    assert languages == {"en", "ru"}
    assert any(not r.context.contact.first_name for r in records)
    assert any(not r.context.research.available for r in records)
    assert len({r.id for r in records}) == len(records)
