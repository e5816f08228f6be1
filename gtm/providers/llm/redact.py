"""Remove secrets from anything about to be stored (prompts, parameters, error messages).

Two nets: patterns for the usual credential shapes, and the literal values of the secrets this
process actually holds (settings secrets and credential-named environment variables), so a key
pasted into a prompt is caught even when it has no recognisable shape.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from typing import Any

from gtm.settings import SECRET_FIELDS, Settings

MASK = "[REDACTED]"

# Each pattern with the literals one of which every match contains. Looking for a literal is a
# C substring search (microseconds on a 10 kB prompt), while running a pattern costs ~0.1 ms
# there, since its leading \b defeats the regex engine's prefix search; most prompts contain
# none of the literals, so most patterns never run. IGNORECASE patterns' literals are looked for
# in the lowered text (see `_caseless`).
_SHAPES = (
    # OpenAI (sk-, sk-proj-), Anthropic (sk-ant-)
    (re.compile(r"\bsk-[A-Za-z0-9_\-]{12,}"), ("sk-",)),
    (re.compile(r"(?i)\bbearer\s+[A-Za-z0-9._~+/=\-]{8,}"), ("bearer",)),
    (re.compile(r"(?i)\b(?:api[_-]?key|access[_-]?token|secret|password)\b(\s*[:=]\s*)[^\s,;'\"]+"),
     ("apikey", "api_key", "api-key", "token", "secret", "password")),
    (re.compile(r"\beyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}"),  # JWT
     ("eyJ",)),
    (re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"), ("AKIA", "ASIA")),  # AWS access key id
    (re.compile(r"\bgh[pousr]_[A-Za-z0-9]{30,}"),  # GitHub tokens
     ("ghp_", "gho_", "ghu_", "ghs_", "ghr_")),
    (re.compile(r"\bxox[abprs]-[A-Za-z0-9\-]{10,}"), ("xox",)),  # Slack tokens
)
_PATTERNS = tuple((pattern, literals, bool(pattern.flags & re.IGNORECASE))
                  for pattern, literals in _SHAPES)
# A DSN's password: postgresql://user:PASSWORD@host -> keep the user and host.
_URL_PASSWORD = re.compile(r"(?P<head>\b[a-z][a-z0-9+.\-]*://[^:/@\s]+:)[^@\s]+(?P<at>@)")
# The characters IGNORECASE matches to an ASCII letter that str.lower() does not turn into it
# (dotted and dotless i, long s): in a text holding one, a lowered literal could miss a match.
_ODD_CASE = ("\u0130", "\u0131", "\u017f")
_SECRET_KEY_NAMES = re.compile(r"(?i)(api[_-]?key|authorization|token|secret|password|cookie)")
_SECRET_ENV_NAMES = re.compile(r"(?i)(API_KEY|TOKEN|SECRET|PASSWORD|_KEY$|DB_URL|DATABASE_URL)")
_MIN_LITERAL = 8  # shorter env values ("1", "true") would mask ordinary words


class Redactor:
    """Masks secrets in strings and in nested JSON-like values."""

    def __init__(self, literals: Iterable[str] = ()):
        # Longest first, so a secret containing another is masked whole.
        self._literals = sorted({s for s in literals if len(s) >= _MIN_LITERAL}, key=len,
                                reverse=True)

    @classmethod
    def from_settings(cls, settings: Settings | None = None,
                      environ: Mapping[str, str] | None = None) -> Redactor:
        """Knows every secret setting and every credential-named environment variable."""
        environ = os.environ if environ is None else environ
        literals = [v for k, v in environ.items() if _SECRET_ENV_NAMES.search(k)]
        for name in SECRET_FIELDS:
            value = getattr(settings, name, None) if settings is not None else None
            if value is not None:
                literals.append(value.get_secret_value())
        return cls(literals)

    def text(self, value: str) -> str:
        for literal in self._literals:
            if literal in value:
                value = value.replace(literal, MASK)
        if "://" in value:
            value = _URL_PASSWORD.sub(lambda m: f"{m['head']}{MASK}{m['at']}", value)
        lowered = _caseless(value)
        for pattern, literals, caseless in _PATTERNS:
            haystack = lowered if caseless else value
            if haystack is None or any(literal in haystack for literal in literals):
                value, masked = pattern.subn(_mask_match, value)
                if masked:
                    lowered = _caseless(value)
        return value

    def value(self, value: Any) -> Any:
        """A copy of `value` with secrets masked; values of secret-named keys are masked whole."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, Mapping):
            return {str(k): (MASK if _is_secret_key(k, v) else self.value(v))
                    for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.value(v) for v in value]
        return value


def _caseless(text: str) -> str | None:
    """`text` lowered, in which an IGNORECASE pattern's lowercase literal is found whenever the
    pattern matches; None when a character in `_ODD_CASE` makes that unsure (run the pattern)."""
    if text.isascii() or not any(char in text for char in _ODD_CASE):
        return text.lower()
    return None


def _is_secret_key(key: Any, value: Any) -> bool:
    # Token *counts* (prompt_tokens, max_tokens) are numbers, not secrets.
    return isinstance(value, str) and bool(_SECRET_KEY_NAMES.search(str(key)))


def _mask_match(match: re.Match) -> str:
    # Keep "api_key=" so a reader still sees what was there.
    if match.lastindex:
        separator = match.group(1)
        prefix = match.group(0)[: match.start(1) - match.start(0)]
        return f"{prefix}{separator}{MASK}"
    return MASK
