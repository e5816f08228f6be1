"""Reply classification quality on the labelled set (benchmarks/data/replies_labelled.yaml,
rendered by benchmarks/replies_dataset.py: EN/RU replies quoted by real clients,
autoresponders with and without headers, bounces of several MTAs).

The rules were tuned only on the `dev` split; the `holdout` split (fixed by a hash of each id)
was evaluated once the rules were written and is reported separately. No LLM is used here
(rules and headers only), so the figures are reproducible offline.
Writes benchmarks/results/replies_classification.json.
Usage: python benchmarks/replies_classification.py
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.machine import machine_info  # noqa: E402
from benchmarks.replies_dataset import build_samples  # noqa: E402
from gtm.replies.classify import LABELS, classify_message  # noqa: E402
from gtm.replies.parse import parse_message  # noqa: E402


def score(pairs: list[tuple[str, str]]) -> dict:
    """Accuracy, per-label precision/recall/F1 and macro F1 of (gold, predicted) pairs."""
    if not pairs:
        return {}
    per_label = {}
    for label in LABELS:
        tp = sum(g == label and p == label for g, p in pairs)
        fp = sum(g != label and p == label for g, p in pairs)
        fn = sum(g == label and p != label for g, p in pairs)
        precision = tp / (tp + fp) if tp + fp else None
        recall = tp / (tp + fn) if tp + fn else None
        f1 = (2 * precision * recall / (precision + recall)
              if precision and recall else (0.0 if tp + fn else None))
        per_label[label] = {"support": tp + fn, "precision": _r(precision), "recall": _r(recall),
                            "f1": _r(f1)}
    f1s = [v["f1"] for v in per_label.values() if v["f1"] is not None]
    return {"messages": len(pairs), "accuracy": _r(sum(g == p for g, p in pairs) / len(pairs)),
            "macro_f1": _r(sum(f1s) / len(f1s)), "per_label": per_label}


def _r(value):
    return None if value is None else round(value, 4)


def main() -> dict:
    results = []
    for sample in build_samples():
        verdict = classify_message(parse_message(sample.raw))
        results.append({"id": sample.id, "split": sample.split, "language": sample.language,
                        "gold": sample.label, "label": verdict.label, "source": verdict.source,
                        "confidence": round(verdict.confidence, 3)})
    pairs = {name: [(r["gold"], r["label"]) for r in results if keep(r)] for name, keep in {
        "holdout": lambda r: r["split"] == "holdout", "dev": lambda r: r["split"] == "dev",
        "all": lambda r: True, "all_en": lambda r: r["language"] == "en",
        "all_ru": lambda r: r["language"] == "ru"}.items()}
    result = {
        "benchmark": "replies_classification",
        "machine": machine_info(),
        "dataset": {"messages": len(results), "labels": Counter(r["gold"] for r in results),
                    "splits": Counter(r["split"] for r in results),
                    "languages": Counter(r["language"] for r in results)},
        "method": "headers + rules (no LLM); rules tuned on dev only",
        "scores": {name: score(p) for name, p in pairs.items()},
        "sources": Counter(r["source"] for r in results),
        "errors": [r for r in results if r["gold"] != r["label"]],
    }
    out = Path(__file__).parent / "results" / "replies_classification.json"
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    return result


if __name__ == "__main__":
    summary = main()
    for name in ("holdout", "dev", "all"):
        s = summary["scores"][name]
        print(f"{name}: {s['messages']} messages, accuracy {s['accuracy']}, "
              f"macro F1 {s['macro_f1']}")
    print("errors:", json.dumps(summary["errors"], ensure_ascii=False))
