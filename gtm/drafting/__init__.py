"""Drafting: the context a draft is written from, template mode and the guardrails (issue 5).

Public API (the DSPy program, the judge and the draft assets build on these):
    gtm.drafting.context     DraftContext (Contact, Company, Research, Icp, Sender,
                             PreviousMessage), Draft, resolve_language(...),
                             load_contexts(conn, workspace_id, ...) -> list[DraftContext]
    gtm.drafting.templates   render_section(pack, section, variant, context, **extras) -> str,
                             render_brief(pack, variants, context) -> str,
                             render_prompts(pack, variant, context) -> dict[str, str],
                             render_fallback(pack, variant, context) -> Draft (mode="template"),
                             PlanOutline, known_variables(section)
    gtm.drafting.guardrails  check_draft(draft, context, pack) -> GuardrailReport,
                             apply_opt_out(body, rules) -> str, detect_language(text)
    gtm.drafting.program     DraftingProgram(pack)(context=, variants=) (CollectContext ->
                             PlanAndWrite, one call for all variants -> guardrails -> Refine),
                             TemplateProgram(pack), build_program(pack, home), context_facts(ctx)
    gtm.drafting.judge       Judge(pack), Judgement, rules_judgement(...), judge_or_rules(...),
                             HIGH_RISK
    gtm.drafting.generate    generate_drafts(conn_factory, settings, workspace_id, campaign_id,
                             *, variants, limit, redo, client, trace, on_progress)
    gtm.drafting.judging     judge_drafts(conn_factory, settings, workspace_id, campaign_id, ...)
    gtm.drafting.regenerate  regenerate_draft(conn, settings, draft_id, *, expected_version,
                             angle, variant, language, editor, ...), DraftConflictError
    gtm.drafting.evaluation  run_benchmark(settings, pack, ...), optimize_pack(...)
    gtm.drafting.sender_profile  set_sender_profile(...), load_sender_profile(...)
    gtm.drafting.store       list_drafts, get_draft, draft_coverage, unusable_drafts, ...

Nothing is imported here on purpose: `gtm.packs` and `gtm.drafting` refer to each other's
modules, and an eager package import would make that a cycle.
"""
