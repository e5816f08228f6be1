"""Folding and spelling similarity shared by the person and the company matcher.

Inputs are strings `gtm.intake.normalize` has already cleaned; folding makes Cyrillic and Latin
renderings, accents and transliteration variants of one name comparable.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein, JaroWinkler

_CYRILLIC_TO_LATIN = str.maketrans({
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ж": "zh", "з": "z", "и": "i",
    "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t",
    "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y",
    "ь": "", "э": "e", "ю": "yu", "я": "ya", "і": "i", "є": "e", "ґ": "g",
})  # fmt: skip
# Spellings that transliteration (Юрий: Yuriy/Yury/Iurii) and loose Latin spelling produce;
# merging them on both sides lets Cyrillic and Latin renderings of one name meet.
_SKELETON_RULES = (
    ("shch", "sh"), ("sch", "sh"), ("tch", "ch"), ("ck", "k"), ("kh", "h"), ("ts", "c"),
    ("tz", "c"), ("x", "ks"), ("ph", "f"), ("w", "v"), ("zh", "j"),
)  # fmt: skip
_YO_AFTER_CONSONANT = re.compile(r"(?<=[bcdfghklmnprstvz])[iy]o")  # ё: Fyodorov, Fiodorov
SKELETON_DISCOUNT = 0.97  # equal only after transliteration folding: "Ian" and "Jan" collide
_NON_ALNUM = re.compile(r"[^\w]+|_")
_REPEATS = re.compile(r"(.)\1+")


@lru_cache(maxsize=1 << 18)
def fold(text: str) -> str:
    """Casefold, ё->е, strip accents and punctuation, collapse whitespace."""
    text = text.casefold().replace("ё", "е").replace("&", " and ")
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return " ".join(_NON_ALNUM.sub(" ", text).split())


@lru_cache(maxsize=1 << 18)
def latin(text: str) -> str:
    """`fold` then Cyrillic transliterated, so Иванов and Ivanov compare as strings."""
    return fold(text).translate(_CYRILLIC_TO_LATIN)


@lru_cache(maxsize=1 << 18)
def skeleton(text: str) -> str:
    """A spelling-insensitive key: transliteration variants merged, doubled letters collapsed."""
    text = latin(text)
    for old, new in _SKELETON_RULES:  # within words: "Rock Health" has no "kh"
        text = text.replace(old, new)
    text = _YO_AFTER_CONSONANT.sub("e", text).replace("y", "i").replace("j", "i")
    return _REPEATS.sub(r"\1", text.replace(" ", ""))


def string_similarity(a: str, b: str) -> float:
    """Jaro-Winkler (rewards a shared start) averaged with Damerau-Levenshtein (counts edits)."""
    if a == b:
        return 1.0
    if not a or not b:
        return 0.0
    return (JaroWinkler.similarity(a, b) + DamerauLevenshtein.normalized_similarity(a, b)) / 2


def spelling_similarity(a: str, b: str) -> float:
    """`string_similarity`, or a little less that of the skeletons when that is higher."""
    sa, sb = skeleton(a), skeleton(b)
    if sa == sb:
        return SKELETON_DISCOUNT
    return max(string_similarity(a, b), SKELETON_DISCOUNT * string_similarity(sa, sb))


def string_similarities(a: list[str], b: list[str]) -> np.ndarray:
    """`string_similarity` of each pair `(a[k], b[k])`, computed in C."""
    if not a:
        return np.zeros(0)
    kwargs = {"dtype": np.float64, "workers": -1 if len(a) > 1 << 14 else 1}
    similarity = (
        process.cpdist(a, b, scorer=JaroWinkler.normalized_similarity, **kwargs)
        + process.cpdist(a, b, scorer=DamerauLevenshtein.normalized_similarity, **kwargs)
    ) / 2
    aa, bb = np.asarray(a, dtype=object), np.asarray(b, dtype=object)
    similarity[(aa == "") | (bb == "")] = 0.0
    similarity[aa == bb] = 1.0
    return similarity


def spelling_similarities(a: list[str], b: list[str]) -> np.ndarray:
    """`spelling_similarity` of each pair `(a[k], b[k])`."""
    sa, sb = [skeleton(x) for x in a], [skeleton(x) for x in b]
    similarity = np.maximum(string_similarities(a, b),
                            SKELETON_DISCOUNT * string_similarities(sa, sb))  # fmt: skip
    similarity[np.asarray(sa, dtype=object) == np.asarray(sb, dtype=object)] = SKELETON_DISCOUNT
    return similarity
