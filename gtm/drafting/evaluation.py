"""Scoring a pack on its devset (`gtm benchmark:run`) and optimising it (`gtm pack:optimize`).

Every devset record is drafted in every variant of the pack (one example per record: the program
writes all of a contact's variants in one call) and scored with `dspy.Evaluate`; an example's
score is the mean of its drafts' scores:

    draft score = 0                            when the draft fails a guardrail (after refining)
                                               or the model's answer had no email for its variant
                = (quality + (1 - risk)) / 2   otherwise, from the judge (0..1)

With a drafting model that is the DSPy program; without one it is the pack's fallback templates
(`TemplateProgram`), and the report says so. The judge is the LLM judge when a judge model is
configured, else the rules (`judge_source: rules`). GEPA (`optimize_pack`) improves the program's
instructions against the same metric, fed back the guardrail failures and the judge's reasons,
and saves the result for this pack version (`build_program` loads it).
"""

from __future__ import annotations

import threading
from contextlib import nullcontext
from datetime import UTC, datetime
from statistics import mean
from typing import Any

import dspy

from gtm.drafting.judge import HIGH_RISK, Judge, Judgement, judge_or_rules
from gtm.drafting.program import (
    DraftingProgram,
    TemplateProgram,
    build_program,
    optimized_program_path,
)
from gtm.errors import ConfigError, TerminalError
from gtm.packs.devset import load_devset
from gtm.packs.model import Pack
from gtm.providers.llm import CallContext, LLMClient, dspy_lm, llm_mode
from gtm.settings import Settings

BUDGETS = ("light", "medium", "heavy")


def devset_examples(pack: Pack) -> list[dspy.Example]:
    """Each devset record, as a DSPy example with inputs (context, variants: all the pack's)."""
    records = load_devset(pack)
    if not records:
        raise TerminalError(f"pack {pack.name!r} has no devset (prompt_packs/devsets/"
                            f"{pack.name}.jsonl): nothing to score it on")
    variants = [variant.name for variant in pack.variants]
    return [dspy.Example(id=record.id, context=record.context, variants=variants)
            .with_inputs("context", "variants") for record in records]


def draft_score(result: Any, judgement: Judgement | None) -> float:
    """One variant's score; 0 for a variant the model left unwritten (no judgement)."""
    if judgement is None or not result.guardrails.passed:
        return 0.0
    return round((judgement.quality + 1 - judgement.risk) / 2, 4)


class _Scorer:
    """The metric: judges each draft of a prediction (in the judge's LM), keeps the verdicts for
    the report."""

    def __init__(self, pack: Pack, judge_lm: Any | None):
        self.pack, self.judge_lm = pack, judge_lm
        self.judge = Judge(pack) if judge_lm is not None else None
        self.verdicts: dict[tuple[str, str], Judgement] = {}
        self._lock = threading.Lock()

    def judgements(self, example: dspy.Example, prediction: Any) -> list[Judgement | None]:
        """One verdict per variant result; None for a variant without a draft."""
        verdicts = []
        with dspy.context(lm=self.judge_lm) if self.judge_lm is not None else nullcontext():
            for result in prediction.results:
                verdicts.append(None if result.error is not None else judge_or_rules(
                    self.judge, result.draft, example.context, self.pack))
        with self._lock:
            for result, verdict in zip(prediction.results, verdicts, strict=True):
                if verdict is not None:
                    self.verdicts[(example.id, result.variant)] = verdict
        return verdicts

    def score(self, prediction: Any, verdicts: list[Judgement | None]) -> float:
        scores = [draft_score(r, v) for r, v in zip(prediction.results, verdicts, strict=True)]
        return round(mean(scores), 4) if scores else 0.0

    def __call__(self, example: dspy.Example, prediction: Any, trace: Any = None) -> float:
        return self.score(prediction, self.judgements(example, prediction))

    def feedback(self, gold: dspy.Example, pred: Any, trace: Any = None,
                 pred_name: str | None = None, pred_trace: Any = None) -> dspy.Prediction:
        """GEPA's metric: the score plus what to fix, in words, variant by variant."""
        verdicts = self.judgements(gold, pred)
        notes = []
        for result, verdict in zip(pred.results, verdicts, strict=True):
            if result.error is not None:
                notes.append(f"{result.variant}: no email: {result.error}")
                continue
            failures = [f"{f.name}: {f.detail}" for f in result.guardrails.failures]
            notes.append(f"{result.variant}: " + (
                "guardrail failures: " + "; ".join(failures) + ". " if failures else
                "every guardrail passed. ") + "Judge: " + "; ".join(verdict.reasons[:5]))
        return dspy.Prediction(score=self.score(pred, verdicts), feedback="\n".join(notes))


def run_benchmark(settings: Settings, pack: Pack, *, client: LLMClient | None = None,
                  trace: Any = None, limit: int | None = None) -> dict:
    """Draft the devset, judge it, score it; the report as a JSON-able dict. `client` and
    `trace` are needed when a drafting or judge model is configured."""
    examples = devset_examples(pack)[:limit]
    drafting_mode, judge_mode = llm_mode(settings, "drafting"), llm_mode(settings, "judge")
    call = CallContext(trace=trace, pack=pack.name, pack_version=pack.version)
    if drafting_mode == "llm":
        program, lm = build_program(pack, settings.home_dir), dspy_lm(client, "drafting")
    else:
        program, lm = TemplateProgram(pack), None
    scorer = _Scorer(pack, dspy_lm(client, "judge") if judge_mode == "llm" else None)
    evaluate = dspy.Evaluate(devset=examples, metric=scorer, num_threads=settings.llm_concurrency,
                             display_progress=False, max_errors=len(examples) + 1)
    with dspy.context(lm=lm, gtm_call_context=call):
        result = evaluate(program)
    rows = [row for example, prediction, _ in result.results
            for row in _rows(example, prediction, scorer.verdicts)]
    drafted = [r for r in rows if r["error"] is None]
    note = ("template mode: no drafting model is configured, so this scores the pack's fallback "
            "templates, not the LLM program" if drafting_mode == "template" else
            "LLM program" + (" (GEPA-optimised)" if optimized_program_path(
                settings.home_dir, pack).is_file() else ""))
    return {
        "pack": pack.name, "pack_version": pack.version, "mode": drafting_mode,
        "model": getattr(lm, "model", None), "judge_source": "llm" if judge_mode == "llm"
        else "rules", "note": note, "created_at": datetime.now(UTC).isoformat(),
        "examples": len(rows), "score": result.score,
        "guardrails_pass_rate": _share([r["guardrails_passed"] for r in drafted]),
        "mean_risk": _mean([r["risk"] for r in drafted]),
        "mean_quality": _mean([r["quality"] for r in drafted]),
        "high_risk": sum(1 for r in drafted if r["risk"] >= HIGH_RISK),
        "failed": len(rows) - len(drafted), "results": rows,
    }


def optimize_pack(settings: Settings, pack: Pack, client: LLMClient, *, trace: Any = None,
                  budget: str = "light", max_metric_calls: int | None = None) -> dict:
    """Run GEPA on the devset; save the optimised program for this pack version and report the
    devset score before and after. Needs a drafting model: there is nothing to optimise in
    template mode."""
    if llm_mode(settings, "drafting") == "template":
        raise ConfigError("pack:optimize needs a drafting model (set GTM_LLM_MODEL, see "
                          "docs/llm.md): template mode has no prompts to optimise")
    if budget not in BUDGETS:
        raise TerminalError(f"unknown --budget {budget!r}: use one of {', '.join(BUDGETS)}")
    examples = devset_examples(pack)
    lm = dspy_lm(client, "drafting")
    scorer = _Scorer(pack, dspy_lm(client, "judge") if llm_mode(settings, "judge") == "llm"
                     else None)
    evaluate = dspy.Evaluate(devset=examples, metric=scorer, num_threads=settings.llm_concurrency,
                             display_progress=False, max_errors=len(examples) + 1)
    gepa = dspy.GEPA(
        metric=scorer.feedback, reflection_lm=dspy_lm(client, "drafting", temperature=1.0),
        num_threads=settings.llm_concurrency, seed=0,
        **({"max_metric_calls": max_metric_calls} if max_metric_calls else {"auto": budget}))
    student = DraftingProgram(pack)
    with dspy.context(lm=lm, gtm_call_context=CallContext(trace=trace, pack=pack.name,
                                                          pack_version=pack.version)):
        before = evaluate(student).score
        optimized = gepa.compile(student, trainset=examples, valset=examples)
        after = evaluate(optimized).score
    path = optimized_program_path(settings.home_dir, pack)
    path.parent.mkdir(parents=True, exist_ok=True)
    optimized.save(str(path))
    return {"pack": pack.name, "pack_version": pack.version, "model": lm.model,
            "budget": max_metric_calls or budget, "examples": len(examples),
            "score_before": before, "score_after": after, "saved_to": str(path),
            "instructions": {name: predictor.signature.instructions
                             for name, predictor in optimized.named_predictors()}}


def _rows(example: dspy.Example, prediction: Any,
          verdicts: dict[tuple[str, str], Judgement]) -> list[dict]:
    """One report row per variant of the example."""
    results = {r.variant: r for r in getattr(prediction, "results", None) or []}
    rows = []
    for variant in example.variants:
        result, verdict = results.get(variant), verdicts.get((example.id, variant))
        base = {"id": example.id, "variant": variant, "language": example.context.language}
        if result is None or result.error is not None or verdict is None:
            error = (str(result.error) if result is not None and result.error is not None else
                     "the program failed on this example (see gtm ai:log)")
            rows.append({**base, "score": 0.0, "error": error, "guardrails_passed": False,
                         "risk": None, "quality": None})
            continue
        rows.append({**base, "score": draft_score(result, verdict), "error": None,
                     "guardrails_passed": result.guardrails.passed,
                     "failures": [f"{f.name}: {f.detail}" for f in result.guardrails.failures],
                     "refines": result.refines, "risk": verdict.risk,
                     "quality": verdict.quality, "judge_source": verdict.source,
                     "reasons": verdict.reasons, "subject": result.draft.subject,
                     "body": result.draft.body})
    return rows


def _share(flags: list[bool]) -> float | None:
    return round(sum(flags) / len(flags), 4) if flags else None


def _mean(values: list[float]) -> float | None:
    return round(mean(values), 4) if values else None
