"""What a draft may be written from: one contact's `DraftContext`, and the `Draft` itself.

Every prompt variable a pack can use is a field here (`gtm pack:lint` checks packs against these
models), and the guardrails treat this context as the only source of truth: a name or number in a
draft that is not somewhere in its context is reported as an unsupported claim.

Objects are always present (an empty `Research`, an empty `PreviousMessage`) so a template can
test `research.available` or `previous.subject` without ever touching an undefined value.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any, Literal

import psycopg
from pydantic import BaseModel, ConfigDict, Field, computed_field, model_validator

# Private helpers on purpose: intake's legal-form list is the one the whole system dedupes with.
from gtm.intake.normalize.companies import _strip_legal_forms, _unquote

LANGUAGE_NAMES = {"en": "English", "ru": "Russian"}
DEFAULT_LANGUAGE = "en"
# Where a contact without a recorded language most likely reads business email in Russian.
_RUSSIAN_READING_COUNTRIES = frozenset({"RU", "BY", "KZ", "KG"})


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _drop_computed(cls, data: Any) -> Any:
        # model_dump() includes computed fields; dropping them keeps dump -> validate lossless.
        if isinstance(data, dict) and cls.model_computed_fields:
            return {k: v for k, v in data.items() if k not in cls.model_computed_fields}
        return data


class Contact(_Part):
    id: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    full_name: str | None = None
    email: str | None = None
    position: str | None = None
    seniority: str | None = None
    department: str | None = None
    country: str | None = None
    timezone: str | None = None
    language: str | None = None
    linkedin_url: str | None = None

    @model_validator(mode="after")
    def _fill_full_name(self) -> Contact:
        if not self.full_name:
            joined = " ".join(p for p in (self.first_name, self.last_name) if p)
            object.__setattr__(self, "full_name", joined or None)
        return self


class Company(_Part):
    name: str | None = None
    domain: str | None = None
    industry: str | None = None
    size_employees: int | None = None
    country: str | None = None
    segment: str | None = None

    @computed_field
    @property
    def short_name(self) -> str | None:
        """The name people say: no legal form, no quotes ("ООО «Альфа»" -> "Альфа")."""
        return _strip_legal_forms(_unquote(self.name)) or None if self.name else None


class Signal(_Part):
    text: str
    date: str | None = None
    source: str | None = None


class Research(_Part):
    """Insights from real research (LLM or rules over fetched data), never template output.

    `triggers` and `pains` are whole sentences about the company or person ("Acme opened a sales
    office in Warsaw in January 2026."), so a fallback template can quote them as they are.
    """

    summary: str | None = None
    person_summary: str | None = None
    pains: list[str] = Field(default_factory=list)
    triggers: list[str] = Field(default_factory=list)
    signals: list[Signal] = Field(default_factory=list)
    recommended_angles: list[str] = Field(default_factory=list)
    mode: str | None = None

    @computed_field
    @property
    def available(self) -> bool:
        return bool(self.summary or self.person_summary or self.pains or self.triggers
                    or self.signals)


class Icp(_Part):
    score: float | None = None
    reasons: list[str] = Field(default_factory=list)
    version: int | None = None


class Sender(_Part):
    """Who writes, and what they offer, in the draft's language.

    `offer`: one or two sentences on what you do and for whom. `problem`: a short noun phrase for
    the pain you remove ("manual prospect research"; in Russian, nominative case). `proof`: one
    true result you can stand behind, or nothing: packs never invent proof.
    """

    name: str | None = None
    title: str | None = None
    company: str | None = None
    email: str | None = None
    offer: str | None = None
    problem: str | None = None
    proof: str | None = None


class PreviousMessage(_Part):
    """The earlier email of the sequence a follow-up refers to (empty on a first touch)."""

    subject: str | None = None
    body: str | None = None
    sent_at: str | None = None


class DraftContext(_Part):
    contact: Contact
    company: Company = Field(default_factory=Company)
    research: Research = Field(default_factory=Research)
    icp: Icp = Field(default_factory=Icp)
    angle: str | None = None
    sender: Sender = Field(default_factory=Sender)
    previous: PreviousMessage = Field(default_factory=PreviousMessage)
    language: str = ""

    @model_validator(mode="after")
    def _resolve_language(self) -> DraftContext:
        chosen = resolve_language(self.language or None, self.contact)
        object.__setattr__(self, "language", chosen)
        return self

    @computed_field
    @property
    def language_name(self) -> str:
        return LANGUAGE_NAMES.get(self.language, self.language)

    def with_changes(self, **changes: Any) -> DraftContext:
        """A validated copy (model_copy would skip the language resolution)."""
        return DraftContext.model_validate({**self.model_dump(), **changes})


def normalize_language(value: str | None) -> str | None:
    """"ru-RU", "RU", "Russian", "русский" -> "ru"; None when nothing usable is given."""
    if not value or not value.strip():
        return None
    text = value.strip().lower()
    names = {"english": "en", "russian": "ru", "русский": "ru", "английский": "en"}
    if text in names:
        return names[text]
    code = re.split(r"[-_]", text)[0]
    return code if re.fullmatch(r"[a-z]{2}", code) else None


def resolve_language(requested: str | None, contact: Contact) -> str:
    """The draft's language: the explicit choice, else the contact's, else guessed from country."""
    for candidate in (requested, contact.language):
        if code := normalize_language(candidate):
            return code
    if (contact.country or "").upper() in _RUSSIAN_READING_COUNTRIES:
        return "ru"
    return DEFAULT_LANGUAGE


class Draft(_Part):
    """One email as produced by template mode or the LLM program, with how it was made."""

    subject: str
    body: str
    mode: Literal["template", "llm"]
    pack: str
    pack_version: str
    variant: str
    language: str
    angle: str | None = None
    model: str | None = None


# --- loading contexts from the database ------------------------------------------------------

_CONTEXT_QUERY = """
select e.id::text as employee_id, e.first_name, e.last_name, e.full_name, e.email, e.position,
       e.seniority, e.department, e.country, e.timezone, e.language, e.linkedin_url,
       c.name as company_name, c.domain, c.industry, c.size_employees,
       c.country as company_country, c.segment,
       ci.summary as company_summary, ci.pains as company_pains, ci.triggers as company_triggers,
       ci.signals as company_signals, ci.recommended_angles as company_angles,
       ci.mode as company_mode,
       ei.summary as person_summary, ei.pains as person_pains, ei.triggers as person_triggers,
       ei.signals as person_signals, ei.recommended_angles as person_angles,
       ei.mode as person_mode,
       s.score, s.reasons, s.icp_version
from employees e
left join companies c on c.workspace_id = e.workspace_id and c.id = e.company_id
-- Template-mode insights are canned text: they must never reach a draft as research.
left join company_insights ci on ci.workspace_id = e.workspace_id
     and ci.company_id = e.company_id and ci.mode <> 'template'
left join employee_insights ei on ei.workspace_id = e.workspace_id
     and ei.employee_id = e.id and ei.mode <> 'template'
left join icp_profiles p on p.workspace_id = e.workspace_id and p.active
-- A campaign is scored with the ICP version it was created with, not whatever is active now.
left join contact_scores s on s.workspace_id = e.workspace_id and s.employee_id = e.id
     and s.icp_version = coalesce(%(icp)s, p.version)
where e.workspace_id = %(ws)s
  and (%(ids)s::uuid[] is null or e.id = any(%(ids)s::uuid[]))
order by s.score desc nulls last, e.last_name, e.first_name, e.id
limit %(limit)s
"""


def load_contexts(conn: psycopg.Connection, workspace_id: str, *,
                  employee_ids: Sequence[str] | None = None, limit: int | None = None,
                  sender: Sender | None = None, angle: str | None = None,
                  language: str | None = None,
                  icp_version: int | None = None) -> list[DraftContext]:
    """Contexts for employees of a workspace (all, or `employee_ids`), best ICP score first.

    `sender`, `angle`, `language` and `icp_version` are the campaign's choices; without
    `language` each contact gets its own (see `resolve_language`), without `icp_version` the
    scores of the active ICP are used.
    """
    rows = conn.execute(_CONTEXT_QUERY, {"ws": workspace_id, "limit": limit, "icp": icp_version,
                                         "ids": list(employee_ids) if employee_ids else None})
    return [context_from_row(row, sender=sender, angle=angle, language=language) for row in rows]


def load_previous_messages(conn: psycopg.Connection, workspace_id: str,
                           employee_ids: Sequence[str],
                           before_step: int) -> dict[str, PreviousMessage]:
    """The latest email actually sent to each contact at an earlier step, for follow-up packs.

    Only sent messages count: a draft nobody sent is not something a bump may refer to.
    """
    rows = conn.execute(
        """select distinct on (employee_id) employee_id::text, subject, body, sent_at
           from messages
           where workspace_id = %s and employee_id = any(%s::uuid[]) and status = 'sent'
             and step < %s
           order by employee_id, sent_at desc""",
        (workspace_id, list(employee_ids), before_step))
    return {r["employee_id"]: PreviousMessage(subject=r["subject"], body=r["body"],
                                              sent_at=r["sent_at"].date().isoformat())
            for r in rows}


def load_workspace_contexts(conn: psycopg.Connection, slug: str, *, limit: int | None = None,
                            sender: Sender | None = None) -> list[DraftContext]:
    """`load_contexts` by workspace slug, for read-only previews: [] when the workspace does not
    exist yet (where `ensure_workspace` would create it)."""
    row = conn.execute("select id::text from workspaces where slug = %s", (slug,)).fetchone()
    return [] if row is None else load_contexts(conn, row["id"], limit=limit, sender=sender)


def context_from_row(row: dict, *, sender: Sender | None = None, angle: str | None = None,
                     language: str | None = None) -> DraftContext:
    person_first = ("person_", "company_")
    research = Research(
        summary=row.get("company_summary"),
        person_summary=row.get("person_summary"),
        pains=_texts(row.get(p + "pains") for p in person_first),
        triggers=_texts(row.get(p + "triggers") for p in person_first),
        signals=[s for p in person_first for item in (row.get(p + "signals") or [])
                 if (s := _signal(item)) is not None],
        recommended_angles=_texts(row.get(p + "angles") for p in person_first),
        mode=row.get("person_mode") or row.get("company_mode"),
    )
    score = row.get("score")
    return DraftContext(
        contact=Contact(id=row.get("employee_id"), first_name=row.get("first_name"),
                        last_name=row.get("last_name"), full_name=row.get("full_name"),
                        email=row.get("email"), position=row.get("position"),
                        seniority=row.get("seniority"), department=row.get("department"),
                        country=row.get("country"), timezone=row.get("timezone"),
                        language=row.get("language"), linkedin_url=row.get("linkedin_url")),
        company=Company(name=row.get("company_name"), domain=row.get("domain"),
                        industry=row.get("industry"), size_employees=row.get("size_employees"),
                        country=row.get("company_country"), segment=row.get("segment")),
        research=research,
        icp=Icp(score=float(score) if score is not None else None,
                reasons=_texts([row.get("reasons")], key="reason"),
                version=row.get("icp_version")),
        angle=angle or (research.recommended_angles[0] if research.recommended_angles else None),
        sender=sender or Sender(),
        language=language or "",
    )


def _texts(groups: Iterable[Any], key: str = "text") -> list[str]:
    """Flatten JSON lists of strings or objects into unique non-empty strings, in order."""
    seen: dict[str, None] = {}
    for group in groups:
        for item in group or []:
            text = item.get(key) or item.get("text") if isinstance(item, dict) else item
            if isinstance(text, str) and text.strip():
                seen.setdefault(text.strip(), None)
    return list(seen)


def _signal(item: Any) -> Signal | None:
    if isinstance(item, str):
        return Signal(text=item) if item.strip() else None
    if not isinstance(item, dict):
        return None
    text = item.get("text") or item.get("summary") or item.get("title")
    if not text:
        return None
    return Signal(text=str(text), date=_str(item.get("date")),
                  source=_str(item.get("source") or item.get("url")))


def _str(value: Any) -> str | None:
    return None if value is None else str(value)
