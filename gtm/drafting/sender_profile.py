"""What a sender offers, in each language: the `sender` a draft is written from.

The packs need `sender.offer`, `sender.problem` and `sender.proof` in the draft's language. They
live in `senders.config` (non-secret provider config is there too), under their own keys:

    {"offer": {"en": "We turn a raw contact list into ...", "ru": "..."},
     "problem": {"en": "manual prospect research", "ru": "..."},
     "proof": {"en": "Brightwave cut list work from two days to one afternoon."},
     "name": "Michal Novak", "title": "Founder", "company": "Leadline"}

A plain string instead of a per-language map applies to every language (as does an `"all"` key
in a map, as in the packs). Without an offer the
drafts still work: the LLM is told "not given" and the fallback templates ask about the problem
without pitching; `missing_profile` names what is absent so generation reports it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from gtm.drafting.context import Sender, normalize_language
from gtm.errors import TerminalError
from gtm.packs.model import ALL_LANGUAGES

PER_LANGUAGE = ("offer", "problem", "proof")
SHARED = ("name", "title", "company")


@dataclass(frozen=True)
class SenderProfile:
    """One `senders` row as drafting sees it."""

    email: str
    display_name: str | None
    config: dict[str, Any]

    def for_language(self, language: str) -> Sender:
        values = {key: _text(self.config.get(key), language) for key in PER_LANGUAGE}
        return Sender(name=_text(self.config.get("name"), language) or self.display_name,
                      title=_text(self.config.get("title"), language),
                      company=_text(self.config.get("company"), language),
                      email=self.email, **values)

    def missing(self, language: str) -> list[str]:
        """The per-language fields a draft in `language` will have to do without."""
        return [key for key in PER_LANGUAGE if not _text(self.config.get(key), language)]


def _text(value: Any, language: str) -> str | None:
    if isinstance(value, dict):
        value = value.get(language) or value.get(ALL_LANGUAGES)
    return value.strip() or None if isinstance(value, str) else None


def load_sender_profile(conn: psycopg.Connection, workspace_id: str,
                        sender_id: str | None) -> SenderProfile | None:
    if sender_id is None:
        return None
    row = conn.execute("select email, display_name, config from senders"
                       " where workspace_id = %s and id = %s", (workspace_id, sender_id)).fetchone()
    return None if row is None else SenderProfile(row["email"], row["display_name"],
                                                   row["config"] or {})


def set_sender_profile(conn: psycopg.Connection, workspace_id: str, email: str, *,
                       language: str | None = None, **fields: str | None) -> SenderProfile:
    """Merge offer/problem/proof (for `language`, or for every language when None) and
    name/title/company into the sender's config; a None field is left as it is."""
    unknown = set(fields) - set(PER_LANGUAGE) - set(SHARED)
    if unknown:
        raise TerminalError(f"unknown sender profile field(s): {', '.join(sorted(unknown))}")
    code = normalize_language(language) if language else None
    if language and code is None:
        raise TerminalError(f"invalid --language {language!r}: use a two-letter code (en, ru)")
    row = conn.execute("select config from senders where workspace_id = %s"
                       " and lower(email) = lower(%s) for update",
                       (workspace_id, email.strip())).fetchone()
    if row is None:
        raise TerminalError(f"no sender {email!r}: add it with `gtm sender:add {email}`")
    config = dict(row["config"] or {})
    for key, value in fields.items():
        if value is None:
            continue
        if key in PER_LANGUAGE and code is not None:
            current = config.get(key)
            # A plain string meant "every language": it stays so for the other languages.
            by_language = dict(current) if isinstance(current, dict) else (
                {ALL_LANGUAGES: current} if isinstance(current, str) else {})
            by_language[code] = value
            config[key] = by_language
        else:
            config[key] = value
    updated = conn.execute(
        """update senders set config = %s where workspace_id = %s and lower(email) = lower(%s)
           returning email, display_name, config""",
        (Jsonb(config), workspace_id, email.strip())).fetchone()
    return SenderProfile(updated["email"], updated["display_name"], updated["config"])
