"""Drafting: the context a draft is written from, template mode and the guardrails (issue 5).

Public API (the DSPy program, the judge and the draft assets build on these):
    gtm.drafting.context     DraftContext (Contact, Company, Research, Icp, Sender,
                             PreviousMessage), Draft, resolve_language(...),
                             load_contexts(conn, workspace_id, ...) -> list[DraftContext]
    gtm.drafting.templates   render_section(pack, section, variant, context, **extras) -> str,
                             render_prompts(pack, variant, context) -> dict[str, str],
                             render_fallback(pack, variant, context) -> Draft (mode="template"),
                             PlanOutline, known_variables(section)
    gtm.drafting.guardrails  check_draft(draft, context, pack) -> GuardrailReport,
                             apply_opt_out(body, rules) -> str, detect_language(text)

Nothing is imported here on purpose: `gtm.packs` and `gtm.drafting` refer to each other's
modules, and an eager package import would make that a cycle.
"""
