"""The DSPy drafting program and the judge, step by step, with DSPy's DummyLM."""

from __future__ import annotations

import dspy
import pytest
from dspy.utils import DummyLM

from gtm.drafting.judge import HIGH_RISK, Judge, judge_or_rules, rules_judgement
from gtm.drafting.program import MAX_REFINES, DraftingProgram, TemplateProgram, context_facts
from gtm.packs.catalog import BUNDLED_PACKS_DIR, load_pack
from gtm.packs.devset import load_devset
from gtm.settings import Settings

PLAN = {"hook": "hiring four SDRs in Austin", "angle": "ramping new SDRs", "proof_point": "none"}
CLEAN = {"subject": "ramping the new SDRs",
         "body": "Hi Sarah,\n\nNorthwind Analytics is hiring four SDRs for its Austin office. How "
                 "do new reps build their lead lists today?\n\nWorth a look?\n\nMichal Novak"}
FLAWED = {"subject": "ramping the new SDRs",
          "body": "Hi Sarah,\n\nWe helped [Customer] ramp reps. How do new reps build their "
                  "lists today?\n\nMichal Novak"}
OPT_OUT = 'P.S. If this isn\'t relevant, reply "no" and I won\'t email you again.'


@pytest.fixture(scope="module")
def pack():
    return load_pack(Settings(paths_packs=BUNDLED_PACKS_DIR), "cold_first_touch")


@pytest.fixture(scope="module")
def sarah(pack):
    return load_devset(pack)[0].context  # full record with a research trigger


def run(pack, context, answers, variant="direct"):
    lm = DummyLM(answers)
    with dspy.context(lm=lm):
        return DraftingProgram(pack)(context=context, variant=variant), lm


def test_plan_then_draft_passes_with_the_opt_out_added_in_code(pack, sarah) -> None:
    result, lm = run(pack, sarah, [PLAN, {**CLEAN, "subject": "Subject: ramping the new SDRs"}])
    draft = result.draft
    assert (draft.mode, draft.model, draft.variant, draft.language) == ("llm", "dummy", "direct",
                                                                        "en")
    assert draft.subject == "ramping the new SDRs"  # a stray "Subject:" is not part of it
    assert draft.body.endswith(OPT_OUT) and result.guardrails.passed
    assert (result.refines, result.flagged) == (0, False)
    assert result.plan.hook == PLAN["hook"] and result.plan.proof_point is None
    assert len(lm.history) == 2
    write_prompt = lm.history[1]["messages"][-1]["content"]
    assert "hook: hiring four SDRs in Austin" in write_prompt  # the plan reaches the writer
    assert "Trigger: Northwind Analytics is hiring four SDRs" in write_prompt  # and the facts


def test_a_failing_draft_is_refined_with_its_failures(pack, sarah) -> None:
    result, lm = run(pack, sarah, [PLAN, FLAWED, CLEAN])
    assert result.guardrails.passed and result.refines == 1 and not result.flagged
    refine_prompt = lm.history[2]["messages"][-1]["content"]
    assert "placeholders: unresolved: [Customer]" in refine_prompt
    assert "[Customer]" in refine_prompt  # the draft to fix is in the brief


def test_a_draft_still_failing_after_the_refines_is_flagged_not_passed(pack, sarah) -> None:
    other = {**FLAWED, "body": FLAWED["body"].replace("ramp reps", "ramp their reps")}
    result, _ = run(pack, sarah, [PLAN, FLAWED, other, FLAWED])
    assert result.refines == MAX_REFINES and result.flagged
    assert "placeholders" in [f.name for f in result.guardrails.failures]
    assert "[Customer]" in result.draft.body


def test_refining_stops_when_the_model_repeats_itself(pack, sarah) -> None:
    result, lm = run(pack, sarah, [PLAN, FLAWED, FLAWED])
    assert result.flagged and result.refines == 1 and len(lm.history) == 3


def test_a_refine_the_model_cannot_answer_leaves_the_draft_flagged(pack, sarah) -> None:
    result, _ = run(pack, sarah, [PLAN, FLAWED])  # DummyLM has no third answer: it raises
    assert result.flagged and result.refine_error and "[Customer]" in result.draft.body


def test_russian_context_gets_russian_prompts(pack) -> None:
    russian = next(r.context for r in load_devset(pack) if r.context.language == "ru")
    answer = {"subject": "вопрос о поиске клиентов",
              "body": "Добрый день!\n\nКак сейчас ваша команда ищет новых клиентов?"}
    result, lm = run(pack, russian, [PLAN, answer], variant="casual")
    assert "Write in Russian" in lm.history[0]["messages"][-1]["content"]
    assert result.draft.language == "ru" and result.draft.body.endswith("больше не напишу.")


def test_template_program_has_the_same_output_without_a_model(pack, sarah) -> None:
    result = TemplateProgram(pack)(context=sarah, variant="casual")
    assert result.draft.mode == "template" and result.guardrails.passed and not result.flagged


def test_facts_list_only_what_is_known(pack) -> None:
    sparse = next(r.context for r in load_devset(pack) if r.id == "en-sparse")
    facts = context_facts(sparse)
    assert "Quillsoft GmbH" in facts and "Research: none. Do not imply any." in facts
    assert "Trigger" not in facts and "None" not in facts


def test_judge_scores_and_the_guardrails_floor_the_risk(pack, sarah) -> None:
    clean, _ = run(pack, sarah, [PLAN, CLEAN])
    verdict = {"scores": {"Relevance": 5, "accuracy": 4, "clarity": 3}, "risk": 0.15,
               "reasons": ["clear ask"]}
    with dspy.context(lm=DummyLM([verdict])):
        judged = Judge(pack)(draft=clean.draft, context=sarah)
    assert (judged.source, judged.risk, judged.quality) == ("llm", 0.15, 0.75)
    assert judged.scores == {"relevance": 5, "accuracy": 4, "clarity": 3}
    assert not judged.high_risk

    flagged = clean.draft.model_copy(update={"body": clean.draft.body + " [Customer]"})
    with dspy.context(lm=DummyLM([verdict])):
        judged = Judge(pack)(draft=flagged, context=sarah)
    assert judged.risk >= 0.9 and judged.high_risk  # the model said 0.15; a placeholder says no
    assert "placeholders" in judged.guardrail_failures


def test_rules_judgement_says_it_is_rules(pack, sarah) -> None:
    draft = TemplateProgram(pack)(context=sarah, variant="direct").draft
    verdict = rules_judgement(draft, sarah, pack)
    assert verdict.source == "rules" and verdict.reasons[0].startswith("rules only")
    assert verdict.risk < HIGH_RISK and verdict.model is None


def test_a_failing_judge_call_falls_back_to_rules_and_says_why(pack, sarah) -> None:
    draft = TemplateProgram(pack)(context=sarah, variant="direct").draft
    with dspy.context(lm=DummyLM([])):
        verdict = judge_or_rules(Judge(pack), draft, sarah, pack)
    assert verdict.source == "rules" and verdict.error
    assert verdict.reasons[0].startswith("rules only: the LLM judge failed")
