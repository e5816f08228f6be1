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
        report = run_benchmark(settings, pack, client=client, limit=6)
    finally:
        client.close()
    assert (report["mode"], report["judge_source"], report["examples"]) == ("llm", "llm", 6)
    assert report["model"] == "openai/test-model" and report["failed"] == 0
    assert report["guardrails_pass_rate"] == 1.0 and report["mean_risk"] == 0.2
    # Rubric scores 4,5,4,4,4,5,5 -> quality (31/7 - 1) / 4 = 0.857; (0.857 + 1 - 0.2) / 2.
    assert report["score"] == 82.85
    assert {r.task for r in recorder.rows} == {"drafting", "judge"}
    assert len(recorder.rows) == 6 * 3 == model_server.request_count  # plan, write, judge


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
    assert set(result["instructions"]) == {"plan.predict", "write.predict", "refine.predict"}
    program = build_program(pack, settings.home_dir)
    loaded = {name: p.signature.instructions for name, p in program.named_predictors()}
    assert loaded == result["instructions"]
