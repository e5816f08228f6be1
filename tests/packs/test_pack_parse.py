"""Parsing prompt packs: the good case, each missing section, front matter errors naming the field,
and the content-hash version."""

import hashlib
from pathlib import Path

import pytest

from gtm.packs.catalog import resolve_pack
from gtm.packs.model import SECTION_NAMES, PackError
from gtm.packs.parse import PackFormatError, parse_pack, parse_pack_file
from gtm.settings import Settings

FRONT = """---
name: mini
version: 1
description: a small pack for tests
kind: first_touch
languages: [en, ru]
variants:
  - {name: direct, label: Direct, angle: straight to the point}
  - {name: casual, label: Casual, angle: like a peer}
constraints:
  max_words: 60
  opt_out: {policy: required, text: {en: "Reply no to stop.", ru: "Ответьте «нет»."}}
---
"""
SECTIONS = {
    "system": "Write in {{ language_name }}.",
    "plan": "Plan an email to {{ contact.first_name }}.",
    "draft": "Write it as {{ variant.label }}.",
    "refine": "Fix: {{ draft.subject }}",
    "judge rubric": "Score: {{ draft.body }}",
    "fallback template (en)": "Subject: hello\n\nHi {{ contact.first_name }}.\n\n"
                              "{{ opt_out_line }}",
    "fallback template (ru)": "Subject: привет\n\nЗдравствуйте, {{ contact.first_name }}!\n\n"
                              "{{ opt_out_line }}",
}


def pack_text(front: str = FRONT, sections: dict[str, str] | None = None) -> str:
    body = "".join(f"## {heading}\n\n{text}\n\n"
                   for heading, text in (sections or SECTIONS).items())
    return front + "\n# Mini\n\nNotes for humans.\n\n" + body


def test_good_pack_parses_into_the_schema() -> None:
    text = pack_text()
    pack = parse_pack(text, source="mini.md")
    assert pack.name == "mini" and pack.meta.version == "1"  # YAML int label kept as text
    assert pack.version == hashlib.sha256(text.encode()).hexdigest()[:12]
    assert [v.name for v in pack.variants] == ["direct", "casual"]
    assert pack.variant().name == "direct" and pack.variant("casual").label == "Casual"
    assert pack.section("fallback template", "ru", "casual").text.startswith("Subject: привет")
    assert pack.section("system", "ru").text == "Write in {{ language_name }}."
    rules = pack.rules("ru")
    assert rules.opt_out_policy == "required" and rules.opt_out_line == "Ответьте «нет»."
    assert rules.max_words == 60 and rules.max_subject_chars is None


def test_most_specific_section_wins() -> None:
    sections = {**SECTIONS, "draft (ru)": "по-русски", "draft (casual)": "casual",
                "draft (ru, casual)": "по-русски, casual"}
    pack = parse_pack(pack_text(sections=sections))
    assert pack.section("draft", "ru", "casual").text == "по-русски, casual"
    assert pack.section("draft", "ru", "direct").text == "по-русски"
    assert pack.section("draft", "en", "casual").text == "casual"
    assert pack.section("draft", "en", "direct").text == "Write it as {{ variant.label }}."


@pytest.mark.parametrize("missing", SECTION_NAMES)
def test_each_missing_section_is_named(missing: str) -> None:
    sections = {h: t for h, t in SECTIONS.items() if not h.startswith(missing)}
    with pytest.raises(PackFormatError) as caught:
        parse_pack(pack_text(sections=sections), source="mini.md")
    assert [(p.where, p.message) for p in caught.value.problems] == \
        [(f"section '## {missing}'", "missing")]
    assert str(caught.value).startswith(f"mini.md: section '## {missing}': missing")


@pytest.mark.parametrize(("change", "field", "words"), [
    (("max_words: 60", "max_words: -3"), "front matter field constraints.max_words", "greater"),
    (("kind: first_touch", "kind: newsletter"), "front matter field kind", "first_touch"),
    (("name: mini", "name: Mini Pack"), "front matter field name", "pattern"),
    (("languages: [en, ru]", "languages: [en, EN]"), "front matter field languages", "two-letter"),
    (("description: a small pack for tests\n", "colour: red\ndescription: x\n"),
     "front matter field colour", "Extra inputs"),
    (("  - {name: casual, label: Casual, angle: like a peer}\n", "  - {name: casual}\n"),
     "front matter field variants.1.label", "required"),
])
def test_bad_front_matter_names_the_field(change, field: str, words: str) -> None:
    front = FRONT.replace(*change)
    with pytest.raises(PackFormatError) as caught:
        parse_pack(pack_text(front=front), source="mini.md")
    problem = caught.value.problems[0]
    assert problem.where == field and words in problem.message
    assert problem.line is not None


def test_front_matter_missing_unclosed_or_not_yaml() -> None:
    with pytest.raises(PackFormatError, match="front matter: missing"):
        parse_pack("## system\nhi\n")
    with pytest.raises(PackFormatError, match="front matter: not closed"):
        parse_pack("---\nname: x\n## system\n")
    with pytest.raises(PackFormatError) as caught:
        parse_pack(pack_text(front="---\nname: [unclosed\n---\n"))
    assert caught.value.problems[0].message.startswith("invalid YAML")
    assert caught.value.problems[0].line == 2  # "name: [unclosed" is line 2 of the file


def test_unknown_duplicate_and_badly_qualified_sections() -> None:
    sections = {**SECTIONS, "sytem": "typo", "draft (de)": "German", "plan ": "again"}
    with pytest.raises(PackFormatError) as caught:
        parse_pack(pack_text(sections=sections))
    messages = {p.where: p.message for p in caught.value.problems}
    assert messages["section '## sytem'"].startswith("unknown section")
    assert "'de' is not one of the pack's languages or variants" in messages[
        "section '## draft (de)'"]
    assert messages["section '## plan'"].startswith("written twice")


def test_headings_inside_code_fences_are_content() -> None:
    sections = {**SECTIONS, "system": "Example:\n```\n## not a section\n```\nEnd."}
    pack = parse_pack(pack_text(sections=sections))
    assert "## not a section" in pack.section("system", "en").text


def test_empty_section_is_a_problem() -> None:
    with pytest.raises(PackFormatError, match="section '## plan': empty"):
        parse_pack(pack_text(sections={**SECTIONS, "plan": ""}))


def test_version_is_the_content_hash_and_changes_with_one_byte(tmp_path: Path) -> None:
    path = tmp_path / "mini.md"
    path.write_text(pack_text(), encoding="utf-8")
    before = parse_pack_file(path).version
    settings = Settings(paths_packs=tmp_path)
    assert resolve_pack(settings, "mini").version == before  # campaigns record the same value
    path.write_text(pack_text().replace("Hi {{", "Hey {{"), encoding="utf-8")
    after = parse_pack_file(path).version
    assert after != before and len(after) == 12
    assert resolve_pack(settings, "mini").version == after


def test_unknown_variant_or_language_is_a_clear_error() -> None:
    pack = parse_pack(pack_text())
    with pytest.raises(PackError, match="no variant 'bold' .*direct, casual"):
        pack.variant("bold")
    with pytest.raises(PackError, match="not written for language 'de'"):
        pack.rules("de")
