"""Person names: split full names, fix capitalisation, build a matching key.

Splitting rules, in order:

* leading honorifics (Mr, Dr, Prof, г-н ...) and trailing suffixes (Jr, III, PhD ...) are
  dropped;
* "Last, First Middle" (a comma) is read surname first;
* a patronymic (-вич, -вна, -ична, -оглы, -vich, -vna ...) marks Russian order:
  «Иванов Иван Иванович» and «Иван Иванович Иванов» both give first Иван, last Иванов;
* two Cyrillic words where only the first has a surname ending (-ов, -ева, -ский ...) are
  surname first («Петрова Анна»);
* otherwise the first word is the first name, the last word the surname together with the
  particles before it (van, de la, von ...), and anything between is a middle name.

Capitalisation is only changed when a name is all upper or all lower case: "McDonald" or
"DeVries" typed on purpose stay as they are.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

_HONORIFICS = frozenset(
    """
    mr mrs ms miss mx dr prof professor sir dame lord lady herr frau hr fr mme mlle sr sra
    srta dott ing mag г-н г-жа гн гжа господин госпожа тов д-р проф
    """.split()
)
_SUFFIXES = frozenset("jr sr ii iii iv phd md mba esq cpa msc bsc".split())
_PARTICLES = frozenset(
    "van von der den de del della di da das dos du la le ten ter zu al el bin ibn".split()
)
_PATRONYMIC = re.compile(
    r"(?:вич|вна|ична|инична|оглы|кызы|vich|vna|ichna|ovna|evna|ogly|kyzy)$", re.IGNORECASE
)
# Turkic patronymics are two words: «Эльчин Ахмед оглы».
_TURKIC_PATRONYMIC_WORDS = frozenset({"оглы", "кызы", "ogly", "kyzy", "oglu", "qizi"})
_RU_SURNAME = re.compile(
    r"(?:ов|ев|ёв|ин|ын|ский|цкий|ской|ова|ева|ёва|ина|ына|ская|цкая)$", re.IGNORECASE
)
_CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)


@dataclass(frozen=True)
class PersonName:
    """A split name; parts are None when absent."""

    first: str | None
    last: str | None
    middle: str | None = None


def clean_name_part(value: str | None) -> str | None:
    """Trim, collapse whitespace, drop honorifics and suffixes, fix ALL CAPS / all lower case."""
    if value is None:
        return None
    return _join(_strip_titles(_words(value)))


def split_full_name(full_name: str | None) -> PersonName:
    """Split a full name into first, middle and last name (see the module rules)."""
    if not full_name or not full_name.strip():
        return PersonName(None, None)
    if "," in full_name:
        head, _, tail = full_name.partition(",")
        tail_words = _strip_titles(_words(tail.replace(",", " ")))
        # "Smith, John" is surname first; "John Smith, PhD" only had a suffix after the comma.
        if tail_words:
            return PersonName(
                first=_join(tail_words[:1]),
                last=_join(_strip_titles(_words(head))),
                middle=_join(tail_words[1:]),
            )
    words = _strip_titles(_words(full_name.replace(",", " ")))
    if len(words) > 2 and words[-1].casefold() in _TURKIC_PATRONYMIC_WORDS:
        words = [*words[:-2], f"{words[-2]} {words[-1]}"]
    if not words:
        return PersonName(None, None)
    if len(words) == 1:
        return PersonName(_join(words), None)
    patronymic = [i for i, w in enumerate(words) if _PATRONYMIC.search(w)]
    if len(words) == 3 and patronymic == [2]:
        return PersonName(_join(words[1:2]), _join(words[:1]), _join(words[2:]))
    if len(words) == 3 and patronymic == [1]:
        return PersonName(_join(words[:1]), _join(words[2:]), _join(words[1:2]))
    if len(words) == 2 and all(_CYRILLIC.search(w) for w in words):
        if _RU_SURNAME.search(words[0]) and not _RU_SURNAME.search(words[1]):
            return PersonName(_join(words[1:]), _join(words[:1]))
    start = len(words) - 1
    while start > 1 and words[start - 1].casefold() in _PARTICLES:
        start -= 1
    last = _join(words[start:], leading_particle_lower=True)
    return PersonName(_join(words[:1]), last, _join(words[1:start]))


def fix_capitalisation(name: str, leading_particle_lower: bool = False) -> str:
    """Title-case a name typed in one case; leave mixed case alone.

    Handles hyphens (Anna-Maria), apostrophes (O'Neil, D'Angelo), Mc (McDonald) and keeps
    particles lower case inside a name (Ludwig van Beethoven). A surname on its own starts
    upper case (Van der Berg) unless `leading_particle_lower` (it follows a first name).
    """
    if not (name.isupper() or name.islower()):
        return name
    words = name.split(" ")
    return " ".join(
        w.lower()
        if (i > 0 or leading_particle_lower) and w.lower() in _PARTICLES and i < len(words) - 1
        else _title_word(w)
        for i, w in enumerate(words)
    )


def person_name_key(first: str | None, last: str | None) -> str:
    """Matching key: casefold, no accents, ё->е, letters only, "first last"."""
    return " ".join(k for k in (_fold(first), _fold(last)) if k)


def _title_word(word: str) -> str:
    parts = re.split(r"([-'’])", word.lower())
    return "".join(_title_part(p) for p in parts)


def _title_part(part: str) -> str:
    if len(part) > 2 and part.startswith("mc"):
        return "Mc" + part[2].upper() + part[3:]
    return part[:1].upper() + part[1:]


def _fold(value: str | None) -> str:
    if not value:
        return ""
    text = unicodedata.normalize("NFKD", value.casefold().replace("ё", "е"))
    text = "".join(ch for ch in text if not unicodedata.combining(ch) and ch not in "'’`")
    return " ".join(re.findall(r"[^\W\d_]+", text))


def _words(value: str) -> list[str]:
    return unicodedata.normalize("NFKC", value).split()


def _strip_titles(words: list[str]) -> list[str]:
    """Drop honorifics from the front and suffixes from the end; a lone initial stays."""
    start, end = 0, len(words)
    while start < end and _title_key(words[start]) in _HONORIFICS:
        start += 1
    while end > start and _title_key(words[end - 1]) in _SUFFIXES:
        end -= 1
    return words[start:end]


def _title_key(word: str) -> str:
    return word.casefold().replace(".", "").rstrip(",")


def _join(words: Iterable[str], leading_particle_lower: bool = False) -> str | None:
    text = " ".join(words)
    return fix_capitalisation(text, leading_particle_lower) if text else None
