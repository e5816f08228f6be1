"""`lint_pack` / `lint_file`: one issue per problem kind, naming the pack and where."""

import json
from pathlib import Path

import pytest

from gtm.packs import parse as parse_mod
from gtm.packs.catalog import load_pack
from gtm.packs.lint import errors, lint_file
from gtm.packs.model import PackError
from gtm.settings import Settings

FRONT = """---
name: mini
version: "0.1"
description: a small pack for lint tests
kind: first_touch
languages: [en, ru]
variants:
  - {name: direct, label: Direct, angle: straight to the point}
constraints:
  max_words: 40
  max_subject_chars: 40
  required_phrases: {}
  forbidden_phrases: {all: [synergy]}
  opt_out: {policy: required, text: {en: "Reply no to stop.", ru: "Ответьте «нет»."}}
variables: []
---
"""
SECTIONS = {
    "system": "Write in {{ language_name }}; at most {{ constraints.max_words }} words.",
    "plan": "Plan an email to {{ contact.first_name }} at {{ company.name }}.",
    "draft": "Write it{% if plan.hook %} around {{ plan.hook }}{% endif %}.",
    "refine": "{% for f in failures %}{{ f.name }} {% endfor %}{{ draft.body }}",
    "judge rubric": "Score: {{ draft.subject }}",
    "fallback template (en)": "Subject: hello\n\nHi {{ contact.first_name }},\n\n"
                              "A short note from us.\n\n{{ opt_out_line }}",
    "fallback template (ru)": "Subject: привет\n\nЗдравствуйте, {{ contact.first_name }}!\n\n"
                              "Короткое письмо от нас.\n\n{{ opt_out_line }}",
}
DEVSET = [
    {"id": "en", "context": {"contact": {"first_name": "Ann", "language": "en"}}},
    {"id": "ru", "context": {"contact": {"first_name": "Анна", "language": "ru"}}},
]


def write_pack(tmp_path: Path, *, front: str = FRONT, sections: dict | None = None,
               devset: list | None = DEVSET, name: str = "mini") -> Path:
    body = "".join(f"## {h}\n\n{t}\n\n" for h, t in (sections or SECTIONS).items())
    path = tmp_path / f"{name}.md"
    path.write_text(front + body, encoding="utf-8")
    if devset is not None:
        (tmp_path / "devsets").mkdir(exist_ok=True)
        (tmp_path / "devsets" / f"{name}.jsonl").write_text(
            "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in devset), encoding="utf-8")
    return path


def lines(path: Path) -> list[str]:
    return [str(issue) for issue in lint_file(path)]


def test_a_good_pack_is_clean(tmp_path: Path) -> None:
    assert lint_file(write_pack(tmp_path)) == []


def test_unknown_variables_name_the_section_line_and_a_suggestion(tmp_path: Path) -> None:
    sections = {**SECTIONS, "plan": "Plan.\n\nFor {{ contct.first_name }}.",
                "draft": "Write to {{ contact.first_nmae }}.",
                "fallback template (en)": SECTIONS["fallback template (en)"] + " {{ draft.body }}"}
    path = write_pack(tmp_path, sections=sections)
    found = lines(path)
    assert f"{path}:25: error: section '## plan': unknown variable 'contct' " \
           "(did you mean 'contact'?)" in found
    assert any("section '## draft': unknown variable 'contact.first_nmae' (did you mean "
               "'contact.first_name'?)" in line for line in found)
    # `draft` exists only for refine and the judge rubric, not in a fallback template
    assert any("'## fallback template (en)': unknown variable 'draft'" in line for line in found)


def test_template_syntax_error(tmp_path: Path) -> None:
    path = write_pack(tmp_path, sections={**SECTIONS, "draft": "{% if plan.hook %}no end"})
    assert any("section '## draft': template syntax:" in line for line in lines(path))


def test_phrase_both_required_and_forbidden(tmp_path: Path) -> None:
    front = FRONT.replace("required_phrases: {}", "required_phrases: {en: [Synergy now]}")
    found = lines(write_pack(tmp_path, front=front))
    assert any("constraints (en): 'Synergy now' is required but 'synergy' is forbidden" in line
               for line in found)


def test_max_words_smaller_than_the_required_phrases(tmp_path: Path) -> None:
    front = FRONT.replace("required_phrases: {}",
                          "required_phrases: {all: [one two three four five six seven eight]}")
    front = front.replace("max_words: 40", "max_words: 5")
    found = lines(write_pack(tmp_path, front=front))
    assert any("the required phrases alone are 8 words, more than max_words 5" in line
               for line in found)


def test_language_without_fallback_template(tmp_path: Path) -> None:
    sections = {h: t for h, t in SECTIONS.items() if h != "fallback template (ru)"}
    found = lines(write_pack(tmp_path, sections=sections))
    assert any("error: language ru: no '## fallback template (ru)' for variant 'direct'" in line
               for line in found)


def test_unqualified_fallback_template_in_a_two_language_pack(tmp_path: Path) -> None:
    sections = {h: t for h, t in SECTIONS.items() if not h.startswith("fallback")}
    sections["fallback template"] = SECTIONS["fallback template (en)"]
    found = lines(write_pack(tmp_path, sections=sections))
    assert any("'## fallback template': a fallback template is text in one language" in line
               for line in found)


def test_opt_out_required_without_text(tmp_path: Path) -> None:
    front = FRONT.replace(', ru: "Ответьте «нет»."', "")
    found = lines(write_pack(tmp_path, front=front))
    assert any("constraints (ru): opt_out.policy is required but opt_out.text has no 'ru' line"
               in line for line in found)


def test_opt_out_line_containing_a_forbidden_phrase(tmp_path: Path) -> None:
    front = FRONT.replace("Reply no to stop.", "Reply no to stop the synergy.")
    found = lines(write_pack(tmp_path, front=front))
    assert any("the opt-out line contains the forbidden 'synergy'" in line for line in found)


def test_duplicate_variant_names(tmp_path: Path) -> None:
    front = FRONT.replace("  - {name: direct, label: Direct, angle: straight to the point}\n",
                          "  - {name: direct, label: Direct, angle: a}\n"
                          "  - {name: direct, label: Blunt, angle: b}\n")
    found = lines(write_pack(tmp_path, front=front))
    assert any("front matter field variants: duplicate variant 'direct'" in line for line in found)


def test_name_must_match_the_file(tmp_path: Path) -> None:
    found = lines(write_pack(tmp_path, name="other"))
    assert any("front matter field name: 'mini' differs from the file name 'other'" in line
               for line in found)


def test_fallback_template_needs_a_subject_line(tmp_path: Path) -> None:
    sections = {**SECTIONS, "fallback template (en)": "Hi {{ contact.first_name }}"}
    found = lines(write_pack(tmp_path, sections=sections))
    assert any("'## fallback template (en)': must start with a 'Subject: ...' line" in line
               for line in found)


def test_phrase_language_that_the_pack_does_not_have(tmp_path: Path) -> None:
    front = FRONT.replace("forbidden_phrases: {all: [synergy]}", "forbidden_phrases: {de: [x]}")
    found = lines(write_pack(tmp_path, front=front))
    assert any("constraints.forbidden_phrases: 'de' is not one of the pack's languages" in line
               for line in found)


def test_declared_variables_unknown_is_an_error_drift_is_a_warning(tmp_path: Path) -> None:
    front = FRONT.replace("variables: []",
                          "variables: [contact.first_name, contact.age, company.domain]")
    issues = lint_file(write_pack(tmp_path, front=front))
    by_severity = {(i.severity, i.message) for i in issues}
    assert ("error", "unknown variable 'contact.age'") in by_severity
    assert ("warning", "'company.domain' is declared but no section uses it") in by_severity
    assert ("warning", "'company.name' is used but not declared") in by_severity


def test_devset_missing_is_a_warning_bad_line_an_error(tmp_path: Path) -> None:
    issues = lint_file(write_pack(tmp_path, devset=None))
    assert [(i.severity, i.where) for i in issues] == [("warning", "devset mini.jsonl")]
    bad = [{"id": "x", "context": {"contact": {"first_nam": "Ann"}}}]
    issues = lint_file(write_pack(tmp_path, devset=bad))
    assert issues[0].severity == "error" and issues[0].where == "devset line 1"
    assert "contact.first_nam" in issues[0].message


def test_devset_render_that_fails_a_guardrail_is_an_error(tmp_path: Path) -> None:
    front = FRONT.replace("max_words: 40", "max_words: 3")
    found = lines(write_pack(tmp_path, front=front))
    assert any("devset record 'en' (en), variant direct: template mode fails guardrail "
               "body_length" in line for line in found)


def test_unparseable_file_is_reported_not_raised(tmp_path: Path) -> None:
    path = write_pack(tmp_path, front=FRONT.replace("max_words: 40", "max_words: lots"))
    issues = lint_file(path)
    assert [i.where for i in issues] == ["front matter field constraints.max_words"]
    assert issues[0].line is not None and str(issues[0]).startswith(f"{path}:")


def test_load_pack_refuses_a_pack_with_errors(tmp_path: Path) -> None:
    write_pack(tmp_path, sections={**SECTIONS, "draft": "{{ nope }}"})
    with pytest.raises(PackError, match="prompt pack 'mini' has errors: .*unknown variable 'nope'"):
        load_pack(Settings(paths_packs=tmp_path), "mini")
    write_pack(tmp_path)
    assert load_pack(Settings(paths_packs=tmp_path), "mini").name == "mini"
    assert errors(lint_file(tmp_path / "mini.md")) == []


@pytest.fixture
def parse_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The `source` of every pack `load_pack` parses (the real parser still runs)."""
    calls: list[str] = []
    real = parse_mod.parse_pack

    def counting(data, **kwargs):
        calls.append(kwargs.get("source", "<pack>"))
        return real(data, **kwargs)

    monkeypatch.setattr(parse_mod, "parse_pack", counting)
    return calls


def test_load_pack_parses_a_file_once_until_it_changes(tmp_path: Path, parse_calls) -> None:
    settings = Settings(paths_packs=tmp_path)
    path = write_pack(tmp_path)
    first = load_pack(settings, "mini")
    assert load_pack(settings, "mini") is first
    assert parse_calls == [str(path)]

    write_pack(tmp_path, sections={**SECTIONS, "plan": "Plan a note to {{ company.name }}."})
    changed = load_pack(settings, "mini")
    assert changed.version != first.version
    assert changed.section("plan", "en").text.startswith("Plan a note to")
    assert load_pack(settings, "mini") is changed
    assert parse_calls == [str(path), str(path)]


def test_a_pack_with_errors_is_refused_on_every_load(tmp_path: Path, parse_calls) -> None:
    settings = Settings(paths_packs=tmp_path)
    write_pack(tmp_path)
    clean = load_pack(settings, "mini")
    write_pack(tmp_path, sections={**SECTIONS, "draft": "{{ nope }}"})
    for _ in range(2):  # not cached: re-linted (and refused) each time, never the old pack
        with pytest.raises(PackError, match="unknown variable 'nope'"):
            load_pack(settings, "mini")
    assert len(parse_calls) == 3
    write_pack(tmp_path)  # the clean bytes again: the pack kept for that hash, no parse
    assert load_pack(settings, "mini") is clean
    assert len(parse_calls) == 3
