"""Guardrails: plain-code checks every draft gets, whichever mode wrote it.

Each check returns a `GuardrailResult` (name, passed, detail, items): the refine step feeds the
failures back to the LLM, the review UI shows them, and a draft that still fails is flagged,
never silently passed. All checks are heuristics that err towards flagging: a human reviews
anything they flag.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, computed_field

from gtm.drafting.context import Draft, DraftContext
from gtm.packs.model import LanguageRules, Pack


class GuardrailResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    passed: bool
    detail: str
    items: list[str] = Field(default_factory=list)


class GuardrailReport(BaseModel):
    model_config = ConfigDict(frozen=True)

    results: list[GuardrailResult]

    @computed_field
    @property
    def passed(self) -> bool:
        return all(result.passed for result in self.results)

    @property
    def failures(self) -> list[GuardrailResult]:
        return [result for result in self.results if not result.passed]


def check_draft(draft: Draft, context: DraftContext, pack: Pack) -> GuardrailReport:
    """Every guardrail, against the rules of the pack for the context's language."""
    rules = pack.rules(context.language)
    return GuardrailReport(results=[
        check_not_empty(draft),
        check_body_length(draft, rules),
        check_subject_length(draft, rules),
        check_placeholders(draft),
        check_language(draft, context.language),
        check_claims(draft, context, rules),
        check_opt_out(draft, rules),
        check_forbidden_phrases(draft, rules),
        check_required_phrases(draft, rules),
        check_reply_subject(draft, context),
    ])


def _result(name: str, passed: bool, detail: str, items: list[str] | None = None):
    return GuardrailResult(name=name, passed=passed, detail=detail, items=items or [])


# --- text helpers ---------------------------------------------------------------------------

_WORD = re.compile(r"\w[\w'’-]*")
_QUOTES = str.maketrans({"’": "'", "‘": "'", "«": '"', "»": '"', "“": '"', "”": '"', "„": '"',
                         "ё": "е", "Ё": "Е"})


def normalize_phrase(text: str) -> str:
    """Case, quotes, ё and spacing folded, so phrase checks ignore typography."""
    return " ".join(text.translate(_QUOTES).casefold().split())


def count_words(text: str) -> int:
    return len(_WORD.findall(text))


def _contains(text: str, phrase: str) -> bool:
    return _in_folded(normalize_phrase(text), phrase)


def _in_folded(folded_text: str, phrase: str) -> bool:
    """`phrase` in a text already folded by `normalize_phrase` (fold a text once, not once per
    phrase: a pack has dozens of forbidden phrases)."""
    folded = _folded_phrase(phrase)
    return bool(folded) and folded in folded_text


@lru_cache(maxsize=1024)
def _folded_phrase(phrase: str) -> str:
    return normalize_phrase(phrase)  # a pack's phrases: the same few dozen for every draft


# --- the checks -----------------------------------------------------------------------------

def check_not_empty(draft: Draft) -> GuardrailResult:
    empty = [part for part in ("subject", "body") if not getattr(draft, part).strip()]
    return _result("not_empty", not empty,
                   f"empty {' and '.join(empty)}" if empty else "subject and body present", empty)


def check_body_length(draft: Draft, rules: LanguageRules) -> GuardrailResult:
    """Words in the body; the opt-out line is policy, not copy, so it does not count."""
    words = count_words(draft.body)
    if rules.opt_out_line and _contains(draft.body, rules.opt_out_line):
        words -= count_words(rules.opt_out_line)
    if rules.max_words is None:
        return _result("body_length", True, f"{words} words (no limit)")
    passed = words <= rules.max_words
    return _result("body_length", passed, f"{words} words {'≤' if passed else '>'} "
                   f"{rules.max_words}")


def check_subject_length(draft: Draft, rules: LanguageRules) -> GuardrailResult:
    chars = len(draft.subject)
    if rules.max_subject_chars is None:
        return _result("subject_length", True, f"{chars} characters (no limit)")
    passed = chars <= rules.max_subject_chars
    return _result("subject_length", passed, f"{chars} characters "
                   f"{'≤' if passed else '>'} {rules.max_subject_chars}")


_PLACEHOLDERS = (
    re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.S),  # Jinja / Handlebars left unrendered
    re.compile(r"\{[^{}\n]{1,40}\}"),  # {first_name}
    re.compile(r"\[[^\[\]\n]{1,60}\](?!\()"),  # [Name], [insert pain point]; not a [link](url)
    re.compile(r"<\s*[^\W\d][\w ]{0,40}>"),  # <FIRST_NAME>, <company name>
    re.compile(r"%\(\w+\)s|\$\{\w+\}|\$[A-Z][A-Z_]+\b"),  # %(name)s, ${name}, $NAME
    re.compile(r"\b(?:TODO|TBD|FIXME|XXX+|lorem ipsum)\b", re.I),
)


def check_placeholders(draft: Draft) -> GuardrailResult:
    found: list[str] = []
    for text in (draft.subject, draft.body):
        for pattern in _PLACEHOLDERS:
            found.extend(m.group(0) for m in pattern.finditer(text) if m.group(0) not in found)
    return _result("placeholders", not found,
                   f"unresolved: {', '.join(found)}" if found else "none", found)


_CYRILLIC = re.compile(r"[А-Яа-яЁё]")
_LATIN = re.compile(r"[A-Za-z]")
_ENGLISH_FUNCTION_WORDS = frozenset(
    "a an the and or but if so to of in on at by for with from about as is are was were be been "
    "it its this that these those you your yours we our us i my me he she they their them not "
    "no do does did can could will would should just what how when who why which there here "
    "have has had any some more most than then".split())
MIN_LETTERS = 20


def detect_language(text: str) -> str | None:
    """'ru', 'en', or None (too short, mixed scripts, or another Latin-script language).

    A script ratio tells Russian from English; English function words tell English from other
    Latin-script languages. Brand names in the other script do not flip the verdict.
    """
    cyrillic, latin = len(_CYRILLIC.findall(text)), len(_LATIN.findall(text))
    letters = cyrillic + latin
    if letters < MIN_LETTERS:
        return None
    if cyrillic / letters >= 0.6:
        return "ru"
    if latin / letters >= 0.85:
        words = re.findall(r"[a-z]+", text.lower())
        common = sum(word in _ENGLISH_FUNCTION_WORDS for word in words)
        return "en" if words and common / len(words) >= 0.12 else None
    return None


def check_language(draft: Draft, expected: str) -> GuardrailResult:
    text = f"{draft.subject}\n{draft.body}"
    if expected not in ("en", "ru"):
        return _result("language", True, f"not checked: no detector for {expected!r}")
    detected = detect_language(text)
    if detected is None and len(_CYRILLIC.findall(text) + _LATIN.findall(text)) < MIN_LETTERS:
        return _result("language", True, "too short to tell")
    passed = detected == expected
    return _result("language", passed,
                   f"{'reads as' if passed else 'expected ' + expected + ', reads as'} "
                   f"{detected or 'mixed or unknown'}", [] if passed else [detected or "unknown"])


# Capitalised words that are not claims: greetings, sign-offs, the pronoun "I", calendar words,
# Russian polite "Вы", and job/business abbreviations a role line may use.
_NOT_CLAIMS = frozenset(
    "hi hey hello dear thanks thank best cheers regards kind re fwd fw ps ok okay yes "
    "monday tuesday wednesday thursday friday saturday sunday january february march april may "
    "june july august september october november december english russian "
    "ceo cto cfo coo cmo cro cio cpo vp svp evp sdr sdrs bdr bdrs ae crm erp saas b2b b2c ai ml "
    "roi kpi okr api hr it fyi faq "
    "вы вас вам вами ваш ваша ваше ваши вашей вашего вашему вашим ваших вашу вашем "
    "привет здравствуйте добрый спасибо уважением".split())
_NUMBER = re.compile(r"(?<![^\W\d_])\d+(?:[.,]\d+)*")
_LETTERS = re.compile(r"[^\W\d_]+")
_URL = re.compile(r"\b(?:https?://|www\.)\S+|\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.I)


def check_claims(draft: Draft, context: DraftContext, rules: LanguageRules) -> GuardrailResult:
    """Numbers, names and links in the draft that appear nowhere in its context.

    Names are capitalised words not starting a sentence, and words with inner capitals or in
    all caps anywhere; Russian endings are allowed to differ ("Альфы" matches "Альфа").
    """
    folded_corpus, words, numbers = _corpus("\n".join([
        *_strings(context.model_dump()), rules.opt_out_line or "", *rules.required_phrases]))
    unsupported: dict[str, None] = {}
    for text, is_subject in ((draft.subject, True), (draft.body, False)):
        for found in _URL.findall(text):
            link = found.rstrip(".,;:!?)")  # the sentence's punctuation, not the link's
            if normalize_phrase(link) not in folded_corpus:
                unsupported.setdefault(link, None)
        text = _URL.sub(" ", text)
        for match in _NUMBER.finditer(text):
            if _digits(match.group(0)) not in numbers:
                unsupported.setdefault(match.group(0), None)
        for match in _LETTERS.finditer(text):
            word = match.group(0)
            if _is_name_like(text, match.start(), word, is_subject) and not _known(word, words):
                unsupported.setdefault(word, None)
    items = list(unsupported)
    return _result("unsupported_claims", not items,
                   f"not in the context: {', '.join(items)}" if items else "every name and "
                   "number is in the context", items)


@lru_cache(maxsize=256)
def _corpus(text: str) -> tuple[str, frozenset[str], frozenset[str]]:
    """The context folded, its words and its numbers: the same for every variant and refine of a
    contact's drafts, so computed once for them."""
    return (normalize_phrase(text), frozenset(normalize_phrase(w) for w in _LETTERS.findall(text)),
            frozenset(_digits(n) for n in _NUMBER.findall(text)))


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, str):
        yield value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        yield str(value)


def _digits(number: str) -> str:
    return re.sub(r"\D", "", number)


def _is_name_like(text: str, start: int, word: str, is_subject: bool) -> bool:
    inner_capital = any(ch.isupper() for ch in word[1:])
    if len(word) < 2 or (not inner_capital and (not word[0].isupper() or is_subject)):
        return False  # subjects are often Title Case: only inner capitals count there
    if normalize_phrase(word) in _NOT_CLAIMS:
        return False
    if inner_capital:
        return True  # "HubSpot", "GTM": a product or an acronym wherever it stands
    before = text[:start].rstrip(" \t\"'“”«»„(*•–—-")
    return bool(before) and before[-1] not in ".!?…:\n"


def _known(word: str, corpus_words: frozenset[str]) -> bool:
    folded = normalize_phrase(word)
    if folded in corpus_words or (folded.endswith("s") and folded[:-1] in corpus_words):
        return True
    if len(folded) >= 5:  # inflected forms: compare stems
        stem = folded[:max(4, len(folded) - 2)]
        return any(candidate.startswith(stem) for candidate in corpus_words)
    return False


_OPT_OUT_WORDS = re.compile(r"unsubscribe|opt[ -]?out|отпис", re.I)


def check_opt_out(draft: Draft, rules: LanguageRules) -> GuardrailResult:
    line = rules.opt_out_line
    present = bool(line) and _contains(draft.body, line)
    if rules.opt_out_policy == "required":
        if not line:
            return _result("opt_out", False, f"required, but the pack has no opt-out line for "
                           f"{rules.language!r}")
        return _result("opt_out", present, "opt-out line present" if present else
                       f"missing the opt-out line: {line}", [] if present else [line])
    if rules.opt_out_policy == "forbidden":
        found = [line] if present else _OPT_OUT_WORDS.findall(draft.body)
        return _result("opt_out", not found, "no opt-out line (forbidden here)" if not found
                       else f"opt-out text where the pack forbids it: {', '.join(found)}", found)
    return _result("opt_out", True, f"optional ({'present' if present else 'absent'})")


def check_forbidden_phrases(draft: Draft, rules: LanguageRules) -> GuardrailResult:
    text = normalize_phrase(f"{draft.subject}\n{draft.body}")
    found = [phrase for phrase in rules.forbidden_phrases if _in_folded(text, phrase)]
    return _result("forbidden_phrases", not found,
                   f"uses: {', '.join(found)}" if found else "none used", found)


def check_required_phrases(draft: Draft, rules: LanguageRules) -> GuardrailResult:
    text = normalize_phrase(f"{draft.subject}\n{draft.body}")
    missing = [phrase for phrase in rules.required_phrases if not _in_folded(text, phrase)]
    return _result("required_phrases", not missing,
                   f"missing: {', '.join(missing)}" if missing else "all present", missing)


_REPLY_PREFIX = re.compile(r"^\s*(?:re|fwd?|aw|отв|пересл)\s*:", re.I)


def check_reply_subject(draft: Draft, context: DraftContext) -> GuardrailResult:
    """'Re:'/'Fwd:' only on a real earlier message: a fake thread is a deceptive subject."""
    fake = bool(_REPLY_PREFIX.match(draft.subject)) and not context.previous.subject
    return _result("reply_subject", not fake, "subject pretends to continue a thread that does "
                   "not exist" if fake else "honest subject")


def apply_opt_out(body: str, rules: LanguageRules) -> str:
    """Make the body obey the opt-out policy in code: append the line when it is required and
    missing, remove it when forbidden. The LLM program runs this before the guardrails."""
    line = rules.opt_out_line
    if not line:
        return body
    if rules.opt_out_policy == "required" and not _contains(body, line):
        return f"{body.rstrip()}\n\n{line}"
    if rules.opt_out_policy == "forbidden" and _contains(body, line):
        return body.replace(line, "").rstrip()
    return body
