"""`pack:lint`: everything that makes a pack unusable or self-contradictory, one issue per problem.

Errors make `load_pack` refuse the pack (and `gtm pack:lint` exit 1); warnings are drift worth
fixing (a declared variable nothing uses). Checks, in order: structure (parse), name, variants,
languages and their fallback templates, constraints, template variables, and finally every devset
record rendered in template mode through the guardrails.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

from jinja2 import TemplateSyntaxError, meta, nodes

from gtm.drafting.guardrails import check_draft, count_words, normalize_phrase
from gtm.drafting.templates import ENV, known_variables, parse_text, render_fallback, split_subject
from gtm.packs.devset import DevsetError, devset_path, load_devset
from gtm.packs.model import ALL_LANGUAGES, FALLBACK, SECTION_NAMES, Pack, PackError
from gtm.packs.parse import parse_pack_leniently


@dataclass(frozen=True)
class LintIssue:
    pack: str
    where: str
    message: str
    severity: Literal["error", "warning"] = "error"
    line: int | None = None
    path: str | None = None

    def __str__(self) -> str:
        location = f"{self.path or self.pack}" + (f":{self.line}" if self.line else "")
        return f"{location}: {self.severity}: {self.where}: {self.message}"

    def to_json(self) -> dict:
        return asdict(self)


def lint_file(path: Path, *, devset: bool = True) -> list[LintIssue]:
    """Parse and lint one pack file: structural problems first, then whatever else is wrong
    with the parts that did parse."""
    pack, problems = parse_pack_leniently(path.read_bytes(), path=path)
    issues = [LintIssue(pack.name if pack else path.stem, p.where, p.message, "error", p.line,
                        str(path)) for p in problems]
    if pack is not None:
        issues.extend(lint_pack(pack, devset=devset and not issues))
    return issues


def lint_pack(pack: Pack, *, devset: bool = True) -> list[LintIssue]:
    issues = [*_check_name(pack), *_check_variants(pack), *_check_languages(pack),
              *_check_constraints(pack), *_check_variables(pack)]
    # Rendering a pack that already has errors would only repeat them as guardrail noise.
    if devset and not any(issue.severity == "error" for issue in issues):
        issues.extend(_check_devset(pack))
    return issues


def errors(issues: list[LintIssue]) -> list[LintIssue]:
    return [issue for issue in issues if issue.severity == "error"]


def _issue(pack: Pack, where: str, message: str, severity: Literal["error", "warning"] = "error",
           line: int | None = None) -> LintIssue:
    return LintIssue(pack.name, where, message, severity, line,
                     str(pack.path) if pack.path else None)


def _check_name(pack: Pack) -> Iterator[LintIssue]:
    if pack.path is not None and pack.path.stem != pack.name:
        yield _issue(pack, "front matter field name",
                     f"{pack.name!r} differs from the file name {pack.path.stem!r}")


def _check_variants(pack: Pack) -> Iterator[LintIssue]:
    names: set[str] = set()
    labels: set[str] = set()
    for variant in pack.variants:
        for key, seen in ((variant.name, names), (variant.label.casefold(), labels)):
            if key in seen:
                yield _issue(pack, "front matter field variants",
                             f"duplicate variant {key!r}: each variant needs its own name "
                             "and label")
            seen.add(key)


def _check_languages(pack: Pack) -> Iterator[LintIssue]:
    constraints = pack.meta.constraints
    for field, keys in (("required_phrases", constraints.required_phrases),
                        ("forbidden_phrases", constraints.forbidden_phrases),
                        ("opt_out.text", constraints.opt_out.text)):
        for key in keys:
            if key not in pack.languages and not (key == ALL_LANGUAGES and field != "opt_out.text"):
                yield _issue(pack, f"front matter field constraints.{field}",
                             f"{key!r} is not one of the pack's languages "
                             f"({', '.join(pack.languages)})")
    multilingual = len(pack.languages) > 1
    for section in pack.sections:
        if section.name == FALLBACK and multilingual and section.language is None:
            yield _issue(pack, f"section '## {section.heading}'",
                         "a fallback template is text in one language: qualify it, e.g. "
                         f"'## {FALLBACK} ({pack.languages[0]})'", line=section.line)
    for language in pack.languages:
        for variant in pack.variants:
            found = pack.find_section(FALLBACK, language, variant.name)
            if found is None or (multilingual and found.language != language):
                yield _issue(pack, f"language {language}",
                             f"no '## {FALLBACK} ({language})' for variant {variant.name!r}")
    for section in pack.sections:
        if section.name == FALLBACK:
            try:
                split_subject(section.text, "")
            except PackError:
                yield _issue(pack, f"section '## {section.heading}'",
                             "must start with a 'Subject: ...' line", line=section.text_line)


def _check_constraints(pack: Pack) -> Iterator[LintIssue]:
    constraints = pack.meta.constraints
    for language in pack.languages:
        rules = pack.rules(language)
        where = f"front matter field constraints ({language})"
        for required in rules.required_phrases:
            for forbidden in rules.forbidden_phrases:
                a, b = normalize_phrase(required), normalize_phrase(forbidden)
                if a and b and (b in a or a in b):
                    yield _issue(pack, where, f"{required!r} is required but {forbidden!r} "
                                 "is forbidden")
        required_words = sum(count_words(p) for p in rules.required_phrases)
        if rules.max_words is not None and required_words > rules.max_words:
            yield _issue(pack, where, f"the required phrases alone are {required_words} words, "
                         f"more than max_words {rules.max_words}")
        if rules.opt_out_policy == "required" and not (rules.opt_out_line or "").strip():
            yield _issue(pack, where, "opt_out.policy is required but opt_out.text has no "
                         f"{language!r} line")
        line = rules.opt_out_line or ""
        for forbidden in rules.forbidden_phrases:
            if line and normalize_phrase(forbidden) in normalize_phrase(line):
                yield _issue(pack, where, f"the opt-out line contains the forbidden {forbidden!r}")
    if constraints.opt_out.policy == "forbidden" and constraints.opt_out.text:
        yield _issue(pack, "front matter field constraints.opt_out",
                     "policy is forbidden, so its text is never used", "warning")


def _check_variables(pack: Pack) -> Iterator[LintIssue]:
    declared = set(pack.meta.variables)
    everything = {name: attrs for section in SECTION_NAMES for name, attrs in
                  known_variables(section).items()}
    for name in sorted(declared):
        problem = _unknown(name, everything)
        if problem:
            yield _issue(pack, "front matter field variables", problem)
    used: set[str] = set()
    for section in pack.sections:
        where = f"section '## {section.heading}'"
        try:
            uses = list(_variable_uses(section.text))
        except TemplateSyntaxError as exc:
            yield _issue(pack, where, f"template syntax: {exc.message}",
                         line=section.text_line + (exc.lineno or 1) - 1)
            continue
        known = known_variables(section.name)
        for path, lineno in uses:
            used.add(path)
            problem = _unknown(path, known)
            if problem:
                yield _issue(pack, where, problem, line=section.text_line + lineno - 1)
    if not declared:
        return
    for path in sorted(used):
        if path not in declared and path.split(".")[0] not in declared:
            yield _issue(pack, "front matter field variables",
                         f"{path!r} is used but not declared", "warning")
    for name in sorted(declared):
        if not any(path == name or path.startswith(name + ".") for path in used):
            yield _issue(pack, "front matter field variables",
                         f"{name!r} is declared but no section uses it", "warning")


def _variable_uses(text: str) -> Iterator[tuple[str, int]]:
    """('contact.first_name', line) for every context variable a template reads."""
    ast = parse_text(text)
    roots = meta.find_undeclared_variables(ast) - set(ENV.globals)
    attributed: set[int] = set()
    for node in ast.find_all((nodes.Getattr, nodes.Getitem)):
        base = node.node
        if not (isinstance(base, nodes.Name) and base.name in roots):
            continue
        if isinstance(node, nodes.Getattr):
            attr = node.attr
        elif isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
            attr = node.arg.value
        else:
            continue
        attributed.add(id(base))
        yield f"{base.name}.{attr}", node.lineno
    for node in ast.find_all(nodes.Name):
        if node.ctx == "load" and node.name in roots and id(node) not in attributed:
            yield node.name, node.lineno


def _unknown(path: str, known: dict[str, frozenset[str] | None]) -> str | None:
    root, _, attr = path.partition(".")
    if root not in known:
        return f"unknown variable {root!r}{_suggest(root, known)}"
    attributes = known[root]
    if attr and attributes is not None and attr not in attributes:
        return f"unknown variable {path!r}{_suggest(attr, attributes, prefix=root + '.')}"
    return None


def _suggest(name: str, candidates, prefix: str = "") -> str:
    close = difflib.get_close_matches(name, list(candidates), n=1)
    return f" (did you mean {prefix + close[0]!r}?)" if close else ""


def _check_devset(pack: Pack) -> Iterator[LintIssue]:
    path = devset_path(pack)
    where = f"devset {path.name}" if path else "devset"
    try:
        records = load_devset(pack)
    except DevsetError as exc:
        yield _issue(pack, f"devset line {exc.line}", str(exc).split(": ", 1)[1])
        return
    if not records:
        yield _issue(pack, where, "missing or empty: add sample contacts so lint, simulate and "
                     "benchmark:run have something to render", "warning")
        return
    for record in records:
        context = record.context
        label = f"devset record {record.id!r} ({context.language})"
        if context.language not in pack.languages:
            yield _issue(pack, label, f"language {context.language!r} is not one of the pack's")
            continue
        for variant in pack.variants:
            try:
                draft = render_fallback(pack, variant.name, context)
            except PackError as exc:
                yield _issue(pack, f"{label}, variant {variant.name}", str(exc))
                continue
            for failure in check_draft(draft, context, pack).failures:
                yield _issue(pack, f"{label}, variant {variant.name}",
                             f"template mode fails guardrail {failure.name}: {failure.detail}")
