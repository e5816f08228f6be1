"""Regenerating one draft from the review screen: another angle, variant (tone) or language.

    draft = regenerate_draft(conn, settings, draft_id, angle="hiring", expected_version=3)

Optimistic concurrency: the caller says which version it was looking at. If the draft moved on
(someone edited, approved or regenerated it) nothing is written and `DraftConflictError` says so,
so no edit is ever lost. The model call runs with no lock held; the write is one conditional
UPDATE (`... where id = $1 and version = $2`). The old and new text go to `draft_revisions` with
reason tag `regenerate`, and the new version is judged at once so the review shows its risk.
Runs in the caller's transaction (the caller commits).
"""

from __future__ import annotations

import dspy
import psycopg
from psycopg.types.json import Jsonb

from gtm.db import connect
from gtm.drafting.context import normalize_language
from gtm.drafting.guardrails import check_draft
from gtm.drafting.judge import Judge, judge_or_rules, rules_judgement
from gtm.drafting.program import build_program, guardrail_summary
from gtm.drafting.review import DraftConflictError
from gtm.drafting.runner import load_campaign_contexts, load_campaign_work, with_sender
from gtm.drafting.store import get_draft, save_judgement
from gtm.drafting.templates import render_fallback
from gtm.errors import TerminalError
from gtm.observability.traces import trace_run
from gtm.providers.llm import CallContext, LLMClient, dspy_lm, llm_mode
from gtm.settings import Settings


def regenerate_draft(conn: psycopg.Connection, settings: Settings, draft_id: str, *,
                     expected_version: int, angle: str | None = None,
                     variant: str | None = None, language: str | None = None,
                     editor: str | None = None, editor_user_id: str | None = None,
                     client: LLMClient | None = None) -> dict:
    """Write the draft again (LLM program, or the pack's template in template mode) with the
    given angle, variant (the tone: one of the pack's variants) and/or language, judge it, and
    return it as `get_draft` does. Raises `DraftConflictError` on a stale `expected_version`."""
    row = _current(conn, draft_id, expected_version)
    workspace_id = str(row["workspace_id"])
    if row["in_outbox"]:
        raise TerminalError(f"draft {draft_id} is already in the outbox ({row['in_outbox']}); "
                            "cancel that message before regenerating")
    work = load_campaign_work(conn, settings, workspace_id, str(row["campaign_id"]))
    pack = work.pack
    new_variant = pack.variant(variant or row["variant"]).name
    if new_variant != row["variant"]:
        _refuse_taken_variant(conn, row, new_variant)
    new_language = _language(language, pack) or row["language"]
    context = load_campaign_contexts(conn, work, workspace_id, [str(row["employee_id"])]).get(
        str(row["employee_id"]))
    if context is None:
        raise TerminalError(f"the contact of draft {draft_id} no longer exists")
    context = with_sender(context, work, new_language or context.language, context.previous)
    if angle or row["angle"]:
        context = context.with_changes(angle=angle or row["angle"])
    new_version = expected_version + 1

    with trace_run(lambda: connect(settings), workspace_id, "regenerate_draft",
                   campaign_id=work.id, metadata={"draft_id": draft_id}) as trace:
        call = CallContext(trace=trace, pack=pack.name, pack_version=pack.version,
                           campaign_id=work.id, employee_id=str(row["employee_id"]))
        draft, report, refines, refine_error, judgement = _write_and_judge(
            settings, pack, context, new_variant, new_version, call, client)

    updated = conn.execute(
        """update drafts set subject = %s, body = %s, variant = %s, language = %s, angle = %s,
                  status = 'generated', guardrails = %s, risk_score = %s, judge = null,
                  mode = %s, model = %s, pack_version = %s, error = null, approved_at = null,
                  approved_by = null, version = version + 1
           where id = %s and version = %s returning version""",
        (draft.subject, draft.body, draft.variant, draft.language, draft.angle,
         Jsonb(guardrail_summary(report, refines, refine_error)), judgement.risk, draft.mode,
         draft.model, pack.version, draft_id, expected_version)).fetchone()
    if updated is None:
        raise DraftConflictError(draft_id, expected_version, _version_of(conn, draft_id))
    changes = {"angle": angle, "variant": variant and new_variant, "language": language and
               new_language}
    conn.execute(
        """insert into draft_revisions (workspace_id, draft_id, version, subject_before,
                                        subject_after, body_before, body_after, editor,
                                        editor_user_id, reason_tag, note)
           values (%s, %s, %s, %s, %s, %s, %s, %s, %s, 'regenerate', %s)""",
        (workspace_id, draft_id, new_version, row["subject"], draft.subject, row["body"],
         draft.body, editor, editor_user_id,
         "; ".join(f"{k}={v}" for k, v in changes.items() if v) or "same settings"))
    save_judgement(conn, workspace_id, work.id, draft_id, new_version, judgement.to_json(),
                   trace.trace_id)
    return get_draft(conn, workspace_id, draft_id)


def _write_and_judge(settings: Settings, pack, context, variant: str, seed: int,
                     call: CallContext, client: LLMClient | None):
    if llm_mode(settings, "drafting") == "template":
        draft = render_fallback(pack, variant, context)
        report = check_draft(draft, context, pack)
        return draft, report, 0, None, rules_judgement(draft, context, pack, report)
    own = client is None
    client = client or LLMClient(settings)
    try:
        # A new seed asks the model for a new answer instead of the cached one.
        lm = dspy_lm(client, "drafting").copy(seed=seed)
        with dspy.context(lm=lm, gtm_call_context=call):
            result = build_program(pack, settings.home_dir)(context=context,
                                                            variants=[variant]).results[0]
        if result.error is not None:
            raise result.error  # the model's answer had no usable email for this variant
        judge = Judge(pack) if llm_mode(settings, "judge") == "llm" else None
        with dspy.context(lm=dspy_lm(client, "judge") if judge else lm, gtm_call_context=call):
            judgement = judge_or_rules(judge, result.draft, context, pack)
    finally:
        if own:
            client.close()
    return result.draft, result.guardrails, result.refines, result.refine_error, judgement


def _current(conn: psycopg.Connection, draft_id: str, expected_version: int) -> dict:
    try:
        row = conn.execute(
            """select d.*, (select m.status from messages m where m.draft_id = d.id
                            and m.status <> 'cancelled' limit 1) as in_outbox
               from drafts d where d.id = %s""", (draft_id,)).fetchone()
    except psycopg.errors.InvalidTextRepresentation:
        conn.rollback()
        row = None
    if row is None:
        raise TerminalError(f"no draft with id {draft_id!r}")
    if row["version"] != expected_version:
        raise DraftConflictError(draft_id, expected_version, row["version"])
    if row["status"] == "sent":
        raise TerminalError(f"draft {draft_id} was already sent; it cannot be regenerated")
    return row


def _refuse_taken_variant(conn: psycopg.Connection, row: dict, variant: str) -> None:
    taken = conn.execute(
        """select id::text from drafts where campaign_id = %s and employee_id = %s
           and step = %s and variant = %s""",
        (row["campaign_id"], row["employee_id"], row["step"], variant)).fetchone()
    if taken is not None:
        raise TerminalError(f"this contact already has a {variant!r} draft ({taken['id']}): "
                            "regenerate that one instead")


def _language(language: str | None, pack) -> str | None:
    if language is None:
        return None
    code = normalize_language(language)
    if code not in pack.languages:
        raise TerminalError(f"pack {pack.name!r} is written in {', '.join(pack.languages)}, "
                            f"not {language!r}")
    return code


def _version_of(conn: psycopg.Connection, draft_id: str) -> int | None:
    row = conn.execute("select version from drafts where id = %s", (draft_id,)).fetchone()
    return row["version"] if row else None
