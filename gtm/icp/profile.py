"""The ideal customer profile as a typed definition: TOML in, validated model, canonical hash.

The model normalises as it validates (keywords lower-cased, lists de-duplicated and sorted,
countries to ISO 3166-1 alpha-2, domains to their registrable form), so two files that mean the
same ICP — keys or list items in another order, "Norway" for "NO" — give the same canonical JSON
and the same content hash, and storing the second creates no new version.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)

from gtm.errors import TerminalError
from gtm.icp.vocabulary import DEPARTMENTS, SENIORITY_LEVELS
from gtm.intake.normalize.countries import to_iso_country

DEFAULT_ICP_FILE = Path("playbook") / "icp.toml"
# The example shipped with the repository (what `gtm demo` can start from).
EXAMPLE_ICP_FILE = Path(__file__).resolve().parents[2] / "playbook" / "icp.toml"

Keyword = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Seniority = Literal[SENIORITY_LEVELS]  # type: ignore[valid-type]
Department = Literal[DEPARTMENTS]  # type: ignore[valid-type]
Weight = Annotated[float, Field(ge=0, le=10)]


class IcpDefinitionError(TerminalError):
    """An ICP file or definition that does not validate; the message names each bad field."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _keywords(values: list[str]) -> list[str]:
    # lower(), not casefold(): it must match what polars' to_lowercase() makes of the data ("ß").
    return sorted({v.lower() for v in values})


def _countries(values: list[str]) -> list[str]:
    codes = []
    for value in values:
        code = to_iso_country(value)
        if code is None:
            raise ValueError(f"{value!r} is not a country (use ISO 3166-1 alpha-2, e.g. 'NO')")
        codes.append(code)
    return sorted(set(codes))


class SizeBand(_Strict):
    """A range of company headcount, bounds included; no `max` means open-ended."""

    min: int = Field(default=0, ge=0)
    max: int | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> SizeBand:
        if self.max is not None and self.max < self.min:
            raise ValueError(f"max ({self.max}) is below min ({self.min})")
        return self

    @property
    def label(self) -> str:
        return f"{self.min}+" if self.max is None else f"{self.min}-{self.max}"


class CompanyCriteria(_Strict):
    industries: list[Keyword] = Field(
        default_factory=list, description="Whole-word keywords, any of which in the industry fits.")
    countries: list[str] = Field(default_factory=list, description="ISO-2 codes (or names).")
    size_bands: list[SizeBand] = Field(default_factory=list, description="Headcount ranges.")

    _industries = field_validator("industries")(_keywords)
    _countries = field_validator("countries")(_countries)

    @field_validator("size_bands")
    @classmethod
    def _sorted_bands(cls, bands: list[SizeBand]) -> list[SizeBand]:
        return sorted(set(bands), key=lambda b: (b.min, b.max is None, b.max or 0))


class PersonCriteria(_Strict):
    seniority: list[Seniority] = Field(default_factory=list)
    departments: list[Department] = Field(default_factory=list)
    title_keywords: list[Keyword] = Field(
        default_factory=list, description="A title with any of these (whole words) fits.")
    title_exclude: list[Keyword] = Field(
        default_factory=list, description="A title with any of these counts against the fit.")

    _sorted = field_validator("seniority", "departments")(lambda v: sorted(set(v)))
    _titles = field_validator("title_keywords", "title_exclude")(_keywords)


class Exclusions(_Strict):
    """Contacts that must score 0 whatever else fits: customers, competitors, off-limits markets."""

    client_status: list[Keyword] = Field(default_factory=list)
    domains: list[Keyword] = Field(default_factory=list, description="Company or email domains.")
    industries: list[Keyword] = Field(default_factory=list)
    countries: list[str] = Field(default_factory=list)

    _keywords = field_validator("client_status", "industries")(_keywords)
    _countries = field_validator("countries")(_countries)

    @field_validator("domains")
    @classmethod
    def _domains(cls, values: list[str]) -> list[str]:
        domains = []
        for value in values:
            from gtm.intake.normalize.domains import domain_from_website
            domain = domain_from_website(value)
            if domain is None:
                raise ValueError(f"{value!r} is not a domain")
            domains.append(domain)
        return sorted(set(domains))


class Weights(_Strict):
    """Relative weight of each criterion; only criteria the ICP fills in take part."""

    industry: Weight = 0.25
    country: Weight = 0.15
    size: Weight = 0.2
    seniority: Weight = 0.15
    department: Weight = 0.1
    title: Weight = 0.15
    insight: Weight = Field(default=0.2,
                            description="company_insights.icp_fit_score, when present.")


class IcpDefinition(_Strict):
    name: str = Field(min_length=1, max_length=200)
    description: str = ""
    min_score: float = Field(default=0.5, ge=0, le=1,
                             description="A contact at or above this score is an ICP match.")
    company: CompanyCriteria = Field(default_factory=CompanyCriteria)
    person: PersonCriteria = Field(default_factory=PersonCriteria)
    exclude: Exclusions = Field(default_factory=Exclusions)
    weights: Weights = Field(default_factory=Weights)

    @model_validator(mode="after")
    def _scores_something(self) -> IcpDefinition:
        if not self.criteria_weights():
            raise ValueError("the ICP scores nothing: fill in at least one criterion (e.g. "
                             "company.industries) whose weight is above 0")
        return self

    def criteria_weights(self) -> dict[str, float]:
        """criterion -> weight, for the profile criteria that take part (insight aside)."""
        filled = {
            "industry": self.company.industries, "country": self.company.countries,
            "size": self.company.size_bands, "seniority": self.person.seniority,
            "department": self.person.departments,
            "title": self.person.title_keywords,
        }
        return {name: getattr(self.weights, name) for name, values in filled.items()
                if values and getattr(self.weights, name) > 0}

    def canonical_json(self) -> str:
        return json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"),
                          ensure_ascii=False)

    def content_hash(self) -> str:
        """sha256 of the canonical JSON: the ICP's identity, and its Dagster data version."""
        return hashlib.sha256(self.canonical_json().encode("utf-8")).hexdigest()


def parse_icp(data: Mapping[str, Any], source: str = "ICP") -> IcpDefinition:
    """Validate a definition; every error, with the dotted field it concerns, in one message."""
    try:
        return IcpDefinition.model_validate(data)
    except ValidationError as exc:
        problems = [_describe(error) for error in exc.errors()]
        raise IcpDefinitionError(f"{source}: " + "; ".join(problems)) from None


def load_icp_file(path: Path) -> IcpDefinition:
    """Read and validate an ICP TOML file (see docs/icp.md for the format)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise IcpDefinitionError(f"cannot read ICP file {path}: {exc.strerror}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise IcpDefinitionError(f"{path}: invalid TOML: {exc}") from None
    return parse_icp(data, str(path))


def _describe(error: Mapping[str, Any]) -> str:
    loc = error["loc"]
    field = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".")
    if error["type"] == "extra_forbidden":
        allowed = ", ".join(sorted(_model_at(loc[:-1]).model_fields))
        return f"{field}: unknown field (allowed: {allowed})"
    message = error["msg"].removeprefix("Value error, ")
    return f"{field or 'definition'}: {message}"


def _model_at(loc: tuple) -> type[BaseModel]:
    """The model class that a validation error location points into."""
    model: type[BaseModel] = IcpDefinition
    for part in loc:
        if isinstance(part, int):
            continue
        annotation = model.model_fields[part].annotation
        args = typing.get_args(annotation)
        model = args[0] if args else annotation  # list[SizeBand] -> SizeBand
    return model
