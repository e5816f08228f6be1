"""`benchmark:run` and `pack:optimize` on the real DSPy path against the loopback server."""

from __future__ import annotations

from gtm.drafting.evaluation import devset_examples, optimize_pack, run_benchmark
from gtm.drafting.program import build_program, optimized_program_path
from gtm.packs.catalog import load_pack
from gtm.providers.llm import LLMClient


class Recorder:
    def __init__(self) -> None:
        self.rows = []

    def record(self, interaction) -> None:
        self.rows.append(interaction)


def test_benchmark_scores_the_llm_program_with_the_llm_judge(llm_settings, model_server) -> None:
    settings = llm_settings()
    pack = load_pack(settings, "cold_first_touch")
    recorder = Recorder()
    client = LLMClient(settings, recorder=recorder)
    try:
        report = run_benchmark(settings, pack, client=client, limit=2)
    finally:
        client.close()
    # Two devset records, each drafted in its three variants.
    assert (report["mode"], report["judge_source"], report["examples"]) == ("llm", "llm", 6)
    assert [(r["id"], r["variant"]) for r in report["results"]][:3] == [
        (report["results"][0]["id"], v) for v in ("direct", "casual", "pattern_breaker")]
    assert report["model"] == "openai/test-model" and report["failed"] == 0
    assert report["guardrails_pass_rate"] == 1.0 and report["mean_risk"] == 0.2
    # Rubric scores 4,5,4,4,4,5,5 -> quality (31/7 - 1) / 4 = 0.857; (0.857 + 1 - 0.2) / 2.
    assert report["score"] == 82.85
    assert {r.task for r in recorder.rows} == {"drafting", "judge"}
    # One plan+write call per record, one judge call per draft.
    assert len(recorder.rows) == 2 + 6 == model_server.request_count


def test_a_variant_missing_from_the_answer_scores_zero_with_the_reason(llm_settings,
                                                                       model_server) -> None:
    settings = llm_settings()
    model_server.answer.drop_variants = {"casual"}
    client = LLMClient(settings, recorder=Recorder())
    try:
        report = run_benchmark(settings, load_pack(settings, "cold_first_touch"), client=client,
                               limit=2)
    finally:
        client.close()
    missing = [r for r in report["results"] if r["variant"] == "casual"]
    assert report["failed"] == 2 and len(missing) == 2
    assert all(r["score"] == 0.0 and "0 emails for variant 'casual'" in r["error"]
               for r in missing)
    assert all(r["error"] is None for r in report["results"] if r["variant"] != "casual")
    assert report["score"] < 82.85  # the missing third counts as 0, not as left out


def test_optimize_runs_gepa_and_drafting_uses_its_result(llm_settings, tmp_path) -> None:
    settings = llm_settings(home=tmp_path / "home")
    pack = load_pack(settings, "cold_first_touch")
    client = LLMClient(settings, recorder=Recorder())
    try:
        result = optimize_pack(settings, pack, client, max_metric_calls=30)
    finally:
        client.close()
    assert result["score_before"] > 0 and result["score_after"] > 0
    assert result["examples"] == len(devset_examples(pack))
    assert optimized_program_path(settings.home_dir, pack).is_file()
    assert set(result["instructions"]) == {"plan_write.predict", "refine.predict"}
    program = build_program(pack, settings.home_dir)
    loaded = {name: p.signature.instructions for name, p in program.named_predictors()}
    assert loaded == result["instructions"]
