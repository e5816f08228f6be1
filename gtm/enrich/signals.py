"""`signals`: dated buying signals (funding, hiring, leadership change, expansion, legal events)
found by keyword rules in research documents and registry records, each with its source URL.

A signal's `text` is generated ("hiring: 'hiring' on equinor.com"), never a quote, so text from
a fetched page cannot travel into insights or drafts through it; the matching sentence is kept
only as `evidence` in enrichment_results for a human to read.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any
from urllib.parse import urlparse

from gtm.enrich.waterfall import Answer, Stage

STAGE = "signals"
SIGNAL_KEYWORDS: dict[str, tuple[str, ...]] = {
    "funding": ("raised", "raises", "funding round", "series a", "series b", "series c",
                "seed round", "investment round", "привлекла", "привлек", "раунд инвестиций"),
    "hiring": ("hiring", "is recruiting", "job openings", "open positions", "вакансии",
               "нанимает"),
    "leadership_change": ("appointed", "new ceo", "joins as", "named chief", "steps down",
                          "назначен", "новый генеральный директор"),
    "expansion": ("expands", "expansion", "opens office", "new office", "enters the market",
                  "launches in", "расширяет", "открыла офис"),
    "legal_event": ("lawsuit", "bankruptcy", "insolvency", "fined", "investigation",
                    "банкротств", "штраф"),
}
_PATTERNS = {kind: re.compile(r"(?:^|\W)(" + "|".join(re.escape(w) for w in words) + ")",
                              re.IGNORECASE)
             for kind, words in SIGNAL_KEYWORDS.items()}
_SENTENCE = re.compile(r"[^.!?\n]{0,300}")


def find_signals(company: dict[str, Any]) -> list[dict[str, Any]]:
    signals: list[dict[str, Any]] = []
    for document in ((company.get("research") or {}).get("documents")) or []:
        text = f"{document.get('title') or ''}. {document.get('text') or ''}"
        host = urlparse(document.get("url") or "").hostname or "unknown source"
        for kind, pattern in _PATTERNS.items():
            match = pattern.search(text)
            if match:
                start = text.rfind(".", 0, match.start()) + 1
                signals.append({
                    "kind": kind, "text": f"{kind.replace('_', ' ')}: "
                    f"'{match.group(1).lower()}' on {host}",
                    "date": document.get("published"), "source_url": document.get("url"),
                    "evidence": _SENTENCE.match(text, start).group(0).strip()[:300]})
    record = (company.get("registry") or {}).get("record") or {}
    flags = record.get("flags") or {}
    for flag in ("bankrupt", "under_liquidation", "forced_liquidation"):
        if flags.get(flag):
            signals.append({"kind": "legal_event", "text": f"registry: {flag.replace('_', ' ')}",
                            "date": (company.get("registry") or {}).get("retrieved_at"),
                            "source_url": record.get("source_url"), "evidence": flag})
    return signals


class SignalRules:
    name = "rules"

    def lookup(self, entity: dict[str, Any]) -> Answer | None:
        signals = find_signals(entity)
        return Answer({"signals": signals}, self.name) if signals else None


def _signal_inputs(company: dict[str, Any]) -> dict[str, Any]:
    documents = ((company.get("research") or {}).get("documents")) or []
    record = (company.get("registry") or {}).get("record") or {}
    return {"documents": [(d.get("url"), d.get("published"), len(d.get("text") or ""))
                          for d in documents], "flags": record.get("flags")}


def _only_if(company: dict[str, Any]) -> str | None:
    if not company.get("research") and not company.get("registry"):
        return "no research documents or registry record"
    return None


SIGNALS_STAGE = Stage(STAGE, "company", _signal_inputs, [SignalRules()], only_if=_only_if,
                      ttl=timedelta(days=14))
