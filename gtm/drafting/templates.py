"""Rendering pack sections with Jinja: the prompts for the LLM and template mode's drafts.

One sandboxed environment with `StrictUndefined`: a pack is user-editable text, so it may not
reach Python internals, and a misspelt variable is an error rather than an empty string. A known
but missing value (`None`) renders as nothing, so optional data never prints "None".
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from jinja2 import StrictUndefined, Template, TemplateError, meta, nodes
from jinja2.sandbox import SandboxedEnvironment
from pydantic import BaseModel, ConfigDict

from gtm.drafting.context import Draft, DraftContext
from gtm.packs.model import FALLBACK, LanguageRules, Pack, PackError, PackSection, Variant


class PlanOutline(BaseModel):
    """The plan step's output, available to the `draft` and `refine` sections as `plan`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    hook: str | None = None
    angle: str | None = None
    proof_point: str | None = None


def _sentence(value: Any) -> str:
    """Quote a research sentence as a sentence: trimmed, capitalised, ending in punctuation."""
    text = " ".join(str(value or "").split())
    if not text:
        return ""
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?…" else text + "."


ENV = SandboxedEnvironment(
    undefined=StrictUndefined, autoescape=False, trim_blocks=True, lstrip_blocks=True,
    finalize=lambda value: "" if value is None else value,
)
ENV.filters["sentence"] = _sentence

# Variables every section sees besides the DraftContext fields, and the ones only some sections
# see (the plan step's output, the draft under review, the guardrail failures to fix).
COMMON_EXTRAS: dict[str, type[BaseModel] | None] = {
    "variant": Variant, "constraints": LanguageRules, "opt_out_line": None}
SECTION_EXTRAS: dict[str, dict[str, type[BaseModel] | None]] = {
    "system": {}, "plan": {}, "draft": {"plan": PlanOutline},
    "refine": {"plan": PlanOutline, "draft": Draft, "failures": None},
    "judge rubric": {"draft": Draft}, FALLBACK: {},
}
_REQUIRED_EXTRAS = {"refine": ("draft",), "judge rubric": ("draft",)}


def known_variables(section: str) -> dict[str, frozenset[str] | None]:
    """Variable name -> its attributes (None for a plain value) that `section` may use."""
    known: dict[str, frozenset[str] | None] = {}
    for name, field in DraftContext.model_fields.items():
        known[name] = _attributes(field.annotation)
    for name in DraftContext.model_computed_fields:
        known[name] = None
    for name, model in {**COMMON_EXTRAS, **SECTION_EXTRAS[section]}.items():
        known[name] = _attributes(model)
    return known


def _attributes(annotation: Any) -> frozenset[str] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return frozenset(annotation.model_fields) | frozenset(annotation.model_computed_fields)
    return None


@lru_cache(maxsize=512)
def compile_text(text: str) -> Template:
    return ENV.from_string(text)


def parse_text(text: str) -> nodes.Template:
    return ENV.parse(text)


def prompt_variables(pack: Pack, variant: str | None, context: DraftContext,
                     **extras: Any) -> dict[str, Any]:
    """The namespace a section is rendered with: the context's fields plus the pack's rules."""
    rules = pack.rules(context.language)
    namespace: dict[str, Any] = {name: getattr(context, name)
                                 for name in (*DraftContext.model_fields,
                                              *DraftContext.model_computed_fields)}
    namespace.update(variant=pack.variant(variant), constraints=rules,
                     opt_out_line=rules.opt_out_line)
    namespace.update(extras)
    return namespace


def render_section(pack: Pack, section: str, variant: str | None, context: DraftContext,
                   **extras: Any) -> str:
    """One section of `pack` filled in for `context` (in the context's language); variant None
    means the pack's first variant.

    extras: `plan` (PlanOutline) for draft/refine, `draft` (Draft) for refine and judge rubric,
    `failures` (guardrail results) for refine.
    """
    allowed = SECTION_EXTRAS.get(section)
    if allowed is None:
        raise PackError(f"no section kind {section!r}")
    unexpected = set(extras) - set(allowed)
    if unexpected:
        raise PackError(f"section {section!r} takes no {', '.join(sorted(unexpected))}")
    missing = [name for name in _REQUIRED_EXTRAS.get(section, ()) if name not in extras]
    if missing:
        raise PackError(f"section {section!r} needs {', '.join(missing)}")
    defaults = {"plan": PlanOutline(), "failures": []}
    extras = {**{k: v for k, v in defaults.items() if k in allowed}, **extras}
    chosen = pack.variant(variant)
    found = pack.section(section, context.language, chosen.name)
    return _tidy(_render(pack, found, prompt_variables(pack, chosen.name, context, **extras)))


def render_for_variants(pack: Pack, section: str, variants: Sequence[str],
                        context: DraftContext) -> dict[str, str]:
    """`section` rendered for each of `variants`, rendering once for the variants it must read
    the same for (the same section text, which does not use `variant`)."""
    out: dict[str, str] = {}
    rendered: dict[tuple[str, str | None], str] = {}
    for name in (pack.variant(v).name for v in variants):
        text = pack.section(section, context.language, name).text
        key = (text, name if _uses_variable(text, "variant") else None)
        if key not in rendered:
            rendered[key] = render_section(pack, section, name, context)
        out[name] = rendered[key]
    return out


@lru_cache(maxsize=256)
def _uses_variable(text: str, name: str) -> bool:
    return name in meta.find_undeclared_variables(parse_text(text))


def render_brief(pack: Pack, variants: Sequence[str], context: DraftContext) -> str:
    """The drafting program's brief for one contact: each variant's plan and draft sections.

    With several variants, what their sections share is sent once: the top lines of the plan
    sections (the contact, their company, the research: all but the variant's own lines) before
    the variants, the bottom lines of the draft sections (the shape of the email) after them.
    A contact's context costs its tokens once however many variants are asked for.
    """
    names = list(dict.fromkeys(pack.variant(v).name for v in variants))
    plans = [render_section(pack, "plan", v, context).split("\n") for v in names]
    drafts = [render_section(pack, "draft", v, context).split("\n") for v in names]
    several = len(names) > 1
    head = _shared_lines(plans) if several else 0
    tail = _shared_lines([d[::-1] for d in drafts]) if several else 0
    parts = [f"Write {len(names)} email(s) to this person, one per variant, in this order: "
             f"{', '.join(names)}. Answer each with its variant name exactly as written here."]
    if head:
        parts.append("\n".join(plans[0][:head]))
    for i, (name, plan, draft) in enumerate(zip(names, plans, drafts, strict=True), 1):
        parts.append(f"--- Email {i} of {len(names)}: variant `{name}` ---\n"
                     + "\n".join(plan[head:]).strip() + "\n\n"
                     + "\n".join(draft[:len(draft) - tail]).strip())
    if tail:
        parts.append("--- For every email ---\n" + "\n".join(drafts[0][-tail:]).strip())
    return _tidy("\n\n".join(parts))


def _shared_lines(texts: list[list[str]]) -> int:
    """How many leading lines all `texts` share, leaving each at least its last line."""
    shared = 0
    while all(len(t) > shared + 1 and t[shared] == texts[0][shared] for t in texts):
        shared += 1
    return shared


def render_prompts(pack: Pack, variant: str | None, context: DraftContext) -> dict[str, str]:
    """The system, plan and draft sections for one variant, as the LLM program sends them (the
    brief joins the plan and draft sections of every variant asked for: `render_brief`)."""
    return {name: render_section(pack, name, variant, context)
            for name in ("system", "plan", "draft")}


def render_fallback(pack: Pack, variant: str | None, context: DraftContext) -> Draft:
    """Template mode: the pack's fallback template for this language and variant, as a Draft.

    The template's first line is `Subject: ...`; the rest is the body. The result says
    mode="template" so nobody mistakes it for an LLM's work.
    """
    chosen = pack.variant(variant)
    text = render_section(pack, FALLBACK, chosen.name, context)
    subject, body = split_subject(text, f"{pack.name}: '## {FALLBACK}'")
    return Draft(subject=subject, body=_tidy_prose(body), mode="template", pack=pack.name,
                 pack_version=pack.version, variant=chosen.name, language=context.language,
                 angle=context.angle)


def split_subject(text: str, where: str) -> tuple[str, str]:
    first, _, rest = text.strip().partition("\n")
    label, colon, subject = first.partition(":")
    if not colon or label.strip().lower() != "subject":
        raise PackError(f"{where}: the first line must be 'Subject: ...'")
    return " ".join(subject.split()), rest.strip()


def _render(pack: Pack, section: PackSection, namespace: dict[str, Any]) -> str:
    try:
        return compile_text(section.text).render(namespace)
    except TemplateError as exc:
        line = getattr(exc, "lineno", None)
        at = f" (line {section.text_line + line - 1})" if line else ""
        raise PackError(f"{pack.name}: '## {section.heading}'{at}: {exc}") from exc


def _tidy(text: str) -> str:
    """Trailing spaces off, at most one blank line in a row: what empty optional blocks leave."""
    lines = [line.rstrip() for line in text.strip().split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines))


def _tidy_prose(text: str) -> str:
    """Also close the gaps an empty value leaves inside a sentence ("Hi ," -> "Hi,")."""
    text = re.sub(r"[ \t]{2,}", " ", text)
    return _tidy(re.sub(r"[ \t]+([,.!?;:])", r"\1", text))
