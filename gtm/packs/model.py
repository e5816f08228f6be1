"""The typed form of a prompt pack: front matter (`PackMeta`) plus its Markdown sections.

A section heading may carry qualifiers in parentheses, a language and/or a variant:
`## fallback template (ru, casual)`. Looking a section up for (language, variant) takes the most
specific one written: (language, variant), then (language), then (variant), then the bare one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, PositiveInt, field_validator

from gtm.errors import TerminalError
from gtm.packs.catalog import PackRef

SECTION_NAMES = ("system", "plan", "draft", "refine", "judge rubric", "fallback template")
FALLBACK = "fallback template"
# The key of a phrase list that applies to every language of the pack.
ALL_LANGUAGES = "all"
NAME_PATTERN = r"^[a-z][a-z0-9_]*$"


class PackError(TerminalError):
    """A pack cannot be used: unknown variant, missing section, failed render."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Variant(_Strict):
    """One way to write the same email: `angle` tells the LLM (and the reader) how it differs."""

    name: str = Field(pattern=NAME_PATTERN)
    label: str
    angle: str


class OptOut(_Strict):
    policy: Literal["required", "forbidden", "optional"] = "optional"
    text: dict[str, str] = Field(default_factory=dict)


class Constraints(_Strict):
    max_words: PositiveInt | None = None
    max_subject_chars: PositiveInt | None = None
    tone: str = ""
    required_phrases: dict[str, list[str]] = Field(default_factory=dict)
    forbidden_phrases: dict[str, list[str]] = Field(default_factory=dict)
    opt_out: OptOut = Field(default_factory=OptOut)


class PackMeta(_Strict):
    """The YAML front matter. `version` is a human label; the pack's real version is its hash."""

    name: str = Field(pattern=NAME_PATTERN)
    version: str
    description: str
    kind: Literal["first_touch", "follow_up"]
    step: PositiveInt = 1
    languages: list[str] = Field(min_length=1)
    variants: list[Variant] = Field(min_length=1)
    constraints: Constraints = Field(default_factory=Constraints)
    variables: list[str] = Field(default_factory=list)

    @field_validator("version", mode="before")
    @classmethod
    def _label_as_text(cls, value: object) -> object:
        # YAML reads `version: 1.0` as a float; the label is text either way.
        return str(value) if isinstance(value, int | float) else value

    @field_validator("languages")
    @classmethod
    def _language_codes(cls, value: list[str]) -> list[str]:
        for code in value:
            if len(code) != 2 or not code.isalpha() or not code.islower():
                raise ValueError(f"{code!r} is not a two-letter lowercase language code")
        if len(set(value)) != len(value):
            raise ValueError("a language is listed twice")
        return value


class LanguageRules(_Strict):
    """The constraints of a pack resolved for one language: what guardrails and prompts use."""

    language: str
    max_words: int | None
    max_subject_chars: int | None
    tone: str
    required_phrases: tuple[str, ...]
    forbidden_phrases: tuple[str, ...]
    opt_out_policy: Literal["required", "forbidden", "optional"]
    opt_out_line: str | None


class PackSection(_Strict):
    name: str
    language: str | None = None
    variant: str | None = None
    text: str
    line: int = Field(description="1-based line of the heading in the pack file")
    text_line: int = Field(description="1-based line of the first line of `text`")

    @property
    def heading(self) -> str:
        qualifiers = ", ".join(q for q in (self.language, self.variant) if q)
        return f"{self.name} ({qualifiers})" if qualifiers else self.name


class Pack(_Strict):
    meta: PackMeta
    sections: tuple[PackSection, ...]
    version: str = Field(description="first 12 hex of the sha256 of the file's bytes")
    path: Path | None = None

    @property
    def name(self) -> str:
        return self.meta.name

    @property
    def languages(self) -> list[str]:
        return self.meta.languages

    @property
    def variants(self) -> list[Variant]:
        return self.meta.variants

    @property
    def ref(self) -> PackRef:
        return PackRef(self.name, self.version, self.path or Path(f"{self.name}.md"))

    def variant(self, name: str | None = None) -> Variant:
        """The named variant, or the first one when `name` is None."""
        if name is None:
            return self.variants[0]
        for variant in self.variants:
            if variant.name == name:
                return variant
        known = ", ".join(v.name for v in self.variants)
        raise PackError(f"pack {self.name!r} has no variant {name!r} (variants: {known})")

    def find_section(self, name: str, language: str | None,
                     variant: str | None = None) -> PackSection | None:
        by_key = {(s.name, s.language, s.variant): s for s in self.sections}
        for key in ((name, language, variant), (name, language, None), (name, None, variant),
                    (name, None, None)):
            if key in by_key:
                return by_key[key]
        return None

    def section(self, name: str, language: str, variant: str | None = None) -> PackSection:
        found = self.find_section(name, language, variant)
        if found is None:
            raise PackError(f"pack {self.name!r} has no '## {name}' section for language "
                            f"{language!r}" + (f", variant {variant!r}" if variant else ""))
        return found

    def rules(self, language: str) -> LanguageRules:
        if language not in self.languages:
            raise PackError(f"pack {self.name!r} is not written for language {language!r} "
                            f"(languages: {', '.join(self.languages)})")
        constraints = self.meta.constraints
        return LanguageRules(
            language=language, max_words=constraints.max_words,
            max_subject_chars=constraints.max_subject_chars, tone=constraints.tone,
            required_phrases=_phrases(constraints.required_phrases, language),
            forbidden_phrases=_phrases(constraints.forbidden_phrases, language),
            opt_out_policy=constraints.opt_out.policy,
            opt_out_line=constraints.opt_out.text.get(language),
        )


def _phrases(by_language: dict[str, list[str]], language: str) -> tuple[str, ...]:
    return tuple(by_language.get(ALL_LANGUAGES, [])) + tuple(by_language.get(language, []))
