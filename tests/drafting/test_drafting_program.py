"""The DSPy drafting program and the judge, step by step, with DSPy's DummyLM."""

from __future__ import annotations

import dspy
import pytest
from dspy.utils import DummyLM

from gtm.drafting.judge import HIGH_RISK, Judge, judge_or_rules, rules_judgement
from gtm.drafting.program import (
    MAX_REFINES,
    CachedSystemChatAdapter,
    CollectContext,
    DraftingProgram,
    PlanAndWriteEmails,
    TemplateProgram,
    context_facts,
)
from gtm.packs.catalog import BUNDLED_PACKS_DIR, load_pack
from gtm.packs.devset import load_devset
from gtm.packs.parse import parse_pack
from gtm.settings import Settings

PLAN = {"hook": "hiring four SDRs in Austin", "angle": "ramping new SDRs", "proof_point": "none"}
CLEAN = {"subject": "ramping the new SDRs",
         "body": "Hi Sarah,\n\nNorthwind Analytics is hiring four SDRs for its Austin office. How "
                 "do new reps build their lead lists today?\n\nWorth a look?\n\nMichal Novak"}
FLAWED = {"subject": "ramping the new SDRs",
          "body": "Hi Sarah,\n\nWe helped [Customer] ramp reps. How do new reps build their "
                  "lists today?\n\nMichal Novak"}
OPT_OUT = 'P.S. If this isn\'t relevant, reply "no" and I won\'t email you again.'


def email(variant="direct", text=CLEAN, **changes):
    """One email of a plan+write answer."""
    return {"variant": variant, **PLAN, **text, **changes}


@pytest.fixture(scope="module")
def pack():
    return load_pack(Settings(paths_packs=BUNDLED_PACKS_DIR), "cold_first_touch")


@pytest.fixture(scope="module")
def sarah(pack):
    return load_devset(pack)[0].context  # full record with a research trigger


def run(pack, context, answers, variants=("direct",)):
    lm = DummyLM(answers)
    with dspy.context(lm=lm):
        return DraftingProgram(pack)(context=context, variants=list(variants)).results, lm


def test_one_call_plans_and_writes_every_variant(pack, sarah) -> None:
    variants = ("direct", "casual", "pattern_breaker")
    answer = {"emails": [email("direct", subject="Subject: ramping the new SDRs"),
                         email("Casual"), email("Pattern-breaker")]}
    results, lm = run(pack, sarah, [answer], variants)
    assert len(lm.history) == 1  # one model call for the contact, whatever the variants
    assert [r.variant for r in results] == list(variants)
    assert all(r.error is None and r.guardrails.passed and not r.flagged for r in results)
    assert [r.draft.variant for r in results] == list(variants)  # labels map to the names
    draft = results[0].draft
    assert (draft.mode, draft.model, draft.language) == ("llm", "dummy", "en")
    assert draft.subject == "ramping the new SDRs"  # a stray "Subject:" is not part of it
    assert draft.body.endswith(OPT_OUT) and results[0].refines == 0
    assert results[0].plan.hook == PLAN["hook"] and results[0].plan.proof_point is None
    prompt = lm.history[0]["messages"][-1]["content"]
    assert "Trigger: Northwind Analytics is hiring four SDRs" in prompt  # the facts
    assert prompt.count("Trigger: Northwind Analytics is hiring") == 2  # facts + brief, once
    assert prompt.count("You are a senior B2B outbound copywriter") == 1  # the same guidelines
    for i, variant in enumerate(variants, 1):
        assert f"--- Email {i} of 3: variant `{variant}` ---" in prompt
    assert "Write the email in English, Pattern-breaker variant" in prompt
    assert prompt.count("Shape:") == 1  # what the draft sections share comes once, at the end
    assert prompt.index("--- For every email ---\nShape:") > prompt.index("variant `casual`")


def test_a_system_section_that_varies_by_variant_is_sent_once_per_variant(pack, sarah) -> None:
    text = (BUNDLED_PACKS_DIR / "cold_first_touch.md").read_text(encoding="utf-8")
    varied = parse_pack(text.replace("You are a senior B2B", "Tone: {{ variant.label }}. You are "
                                     "a senior B2B"), source="varied.md")
    results, lm = run(varied, sarah, [{"emails": [email("direct"), email("casual")]}],
                      ("direct", "casual"))
    assert [r.error for r in results] == [None, None]
    prompt = lm.history[0]["messages"][-1]["content"]
    assert "For the 'direct' email:\nTone: Direct. You are" in prompt
    assert "For the 'casual' email:\nTone: Casual. You are" in prompt


def test_a_missing_or_repeated_variant_fails_alone_with_the_reason(pack, sarah) -> None:
    answer = {"emails": [email("direct"), email("casual"), email("casual"), email("formal")]}
    results, _ = run(pack, sarah, [answer], ("direct", "casual", "pattern_breaker"))
    direct, casual, breaker = results
    assert direct.error is None and direct.guardrails.passed
    assert casual.error.code == "duplicate_variant" and "2 emails" in str(casual.error)
    assert breaker.error.code == "missing_variant" and "'formal'" in str(breaker.error)
    assert not hasattr(breaker, "draft")  # never filled in from another variant


def test_a_failing_draft_is_refined_with_its_failures(pack, sarah) -> None:
    answer = {"emails": [email("direct", FLAWED), email("casual")]}
    results, lm = run(pack, sarah, [answer, CLEAN], ("direct", "casual"))
    direct, casual = results
    assert direct.guardrails.passed and direct.refines == 1 and not direct.flagged
    assert casual.refines == 0 and len(lm.history) == 2  # only the failing draft is refined
    refine_prompt = lm.history[1]["messages"][-1]["content"]
    assert "placeholders: unresolved: [Customer]" in refine_prompt
    assert "[Customer]" in refine_prompt  # the draft to fix is in the brief


def test_a_draft_still_failing_after_the_refines_is_flagged_not_passed(pack, sarah) -> None:
    other = {**FLAWED, "body": FLAWED["body"].replace("ramp reps", "ramp their reps")}
    results, _ = run(pack, sarah, [{"emails": [email(text=FLAWED)]}, other, FLAWED])
    assert results[0].refines == MAX_REFINES and results[0].flagged
    assert "placeholders" in [f.name for f in results[0].guardrails.failures]
    assert "[Customer]" in results[0].draft.body


def test_refining_stops_when_the_model_repeats_itself(pack, sarah) -> None:
    results, lm = run(pack, sarah, [{"emails": [email(text=FLAWED)]}, FLAWED])
    assert results[0].flagged and results[0].refines == 1 and len(lm.history) == 2


def test_a_refine_the_model_cannot_answer_leaves_the_draft_flagged(pack, sarah) -> None:
    # DummyLM has no second answer: the refine call raises.
    results, _ = run(pack, sarah, [{"emails": [email(text=FLAWED)]}])
    assert results[0].flagged and results[0].refine_error
    assert "[Customer]" in results[0].draft.body


def test_russian_context_gets_russian_prompts(pack) -> None:
    russian = next(r.context for r in load_devset(pack) if r.context.language == "ru")
    answer = {"subject": "вопрос о поиске клиентов",
              "body": "Добрый день!\n\nКак сейчас ваша команда ищет новых клиентов?"}
    results, lm = run(pack, russian, [{"emails": [email("casual", answer)]}], ("casual",))
    assert "Write in Russian" in lm.history[0]["messages"][-1]["content"]
    assert results[0].draft.language == "ru"
    assert results[0].draft.body.endswith("больше не напишу.")


def test_the_drafting_adapter_sends_what_dspys_chat_adapter_sends(pack, sarah) -> None:
    collected = CollectContext(pack)(context=sarah, variants=["direct", "casual"])
    inputs = {"guidelines": collected.guidelines, "facts": collected.facts,
              "brief": collected.brief}
    for _ in range(2):  # the second time from its cache
        assert (CachedSystemChatAdapter().format(PlanAndWriteEmails, [], inputs)
                == dspy.ChatAdapter().format(PlanAndWriteEmails, [], inputs))


def test_template_program_has_the_same_output_without_a_model(pack, sarah) -> None:
    results = TemplateProgram(pack)(context=sarah, variants=["casual", "direct"]).results
    assert [r.variant for r in results] == ["casual", "direct"]
    assert all(r.draft.mode == "template" and r.guardrails.passed and not r.flagged
               for r in results)


def test_facts_list_only_what_is_known(pack) -> None:
    sparse = next(r.context for r in load_devset(pack) if r.id == "en-sparse")
    facts = context_facts(sparse)
    assert "Quillsoft GmbH" in facts and "Research: none. Do not imply any." in facts
    assert "Trigger" not in facts and "None" not in facts


def test_judge_scores_and_the_guardrails_floor_the_risk(pack, sarah) -> None:
    (clean,), _ = run(pack, sarah, [{"emails": [email()]}])
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
    draft = TemplateProgram(pack)(context=sarah, variants=["direct"]).results[0].draft
    verdict = rules_judgement(draft, sarah, pack)
    assert verdict.source == "rules" and verdict.reasons[0].startswith("rules only")
    assert verdict.risk < HIGH_RISK and verdict.model is None


def test_a_failing_judge_call_falls_back_to_rules_and_says_why(pack, sarah) -> None:
    draft = TemplateProgram(pack)(context=sarah, variants=["direct"]).results[0].draft
    with dspy.context(lm=DummyLM([])):
        verdict = judge_or_rules(Judge(pack), draft, sarah, pack)
    assert verdict.source == "rules" and verdict.error
    assert verdict.reasons[0].startswith("rules only: the LLM judge failed")
