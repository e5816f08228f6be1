"""The review screen: one draft per screen, keyboard driven; bulk approve/skip on a filtered list.

Every action posts the version the reviewer was looking at; a stale one is a conflict shown on
the page with the reviewer's own text kept in the form, so nothing typed is lost.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

import psycopg
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse

from gtm.campaigns.store import get_campaign
from gtm.drafting.judge import HIGH_RISK
from gtm.drafting.regenerate import DraftConflictError, regenerate_draft
from gtm.drafting.review import REASON_TAGS, approve_draft, edit_draft, skip_draft
from gtm.drafting.store import get_draft, list_drafts
from gtm.errors import GtmError, TerminalError
from gtm.packs.catalog import load_pack
from gtm.web.app import page_context
from gtm.web.auth import User
from gtm.web.deps import CurrentUser, Db, check_csrf

router = APIRouter()


def review_queue(
    conn: psycopg.Connection,
    workspace_id: str,
    campaign_id: str,
    *,
    risk: str | None = None,
    language: str | None = None,
) -> list[dict]:
    """Drafts waiting for a human, riskiest first; `risk="high"` and `language` narrow it."""
    drafts = list_drafts(
        conn,
        workspace_id,
        campaign_id,
        status="generated",
        min_risk=HIGH_RISK if risk == "high" else None,
        limit=None,
    )
    if language:
        drafts = [d for d in drafts if (d["language"] or "") == language]
    return drafts


def _filters(risk: str | None, language: str | None) -> str:
    query = {k: v for k, v in (("risk", risk), ("language", language)) if v}
    return ("?" + urlencode(query)) if query else ""


@router.get("/campaigns/{name}/review")
def review_list(
    request: Request,
    *,
    name: str,
    risk: str | None = None,
    language: str | None = None,
    flash: str | None = None,
    user: CurrentUser,
    conn: Db,
):
    campaign = get_campaign(conn, user.workspace_id, name)
    drafts = review_queue(conn, user.workspace_id, campaign["id"], risk=risk, language=language)
    return request.app.state.templates.TemplateResponse(
        request,
        "review_list.html",
        page_context(
            request,
            campaign=campaign,
            drafts=drafts,
            risk=risk or "",
            language=language or "",
            filters=_filters(risk, language),
            high_risk=HIGH_RISK,
            flash=flash,
        ),
    )


@router.post("/campaigns/{name}/review/bulk", dependencies=[Depends(check_csrf)])
async def review_bulk(request: Request, *, name: str, user: CurrentUser, conn: Db):
    form = await request.form()
    action = form.get("action")
    risk, language = form.get("risk") or None, form.get("language") or None
    if action not in ("approve", "skip"):
        raise TerminalError("choose approve or skip")
    campaign = get_campaign(conn, user.workspace_id, name)
    done = conflicts = 0
    for value in form.getlist("draft"):
        draft_id, _, version = str(value).partition(":")
        act = approve_draft if action == "approve" else skip_draft
        try:
            with conn.transaction():
                act(
                    conn,
                    user.workspace_id,
                    draft_id,
                    expected_version=int(version),
                    reviewer=user.email,
                )
            done += 1
        except (DraftConflictError, TerminalError, ValueError):
            conflicts += 1
    flash = f"{'Approved' if action == 'approve' else 'Skipped'} {done} draft(s)" + (
        f"; {conflicts} changed meanwhile and were left alone" if conflicts else ""
    )
    query = {k: v for k, v in (("risk", risk), ("language", language), ("flash", flash)) if v}
    return RedirectResponse(
        f"/campaigns/{campaign['name']}/review?{urlencode(query)}", status_code=303
    )


def _pack_choices(request: Request, conn: psycopg.Connection, draft: dict):
    """The pack's variants (tone, with their angle) and languages, for the regenerate form."""
    name = (
        draft.get("pack")
        or conn.execute(
            "select pack from campaigns where id = %s", (draft["campaign_id"],)
        ).fetchone()["pack"]
    )
    try:
        pack = load_pack(request.app.state.settings, name)
    except GtmError:  # the pack file is gone or broken: regenerate will say so
        return [], ["en", "ru"]
    return [(v.name, v.angle) for v in pack.variants], list(pack.meta.languages)


def _insight(conn: psycopg.Connection, workspace_id: str, employee_id: str) -> dict:
    """The latest research on the contact's company and on the contact: summary and signals."""
    company = conn.execute(
        """select i.summary, i.signals from company_insights i
           join employees e on e.workspace_id = i.workspace_id and e.company_id = i.company_id
           where e.workspace_id = %s and e.id = %s order by i.created_at desc limit 1""",
        (workspace_id, employee_id),
    ).fetchone()
    person = conn.execute(
        """select summary, signals from employee_insights
           where workspace_id = %s and employee_id = %s order by created_at desc limit 1""",
        (workspace_id, employee_id),
    ).fetchone()
    signals = [*((company or {}).get("signals") or []), *((person or {}).get("signals") or [])]
    return {
        "company_summary": (company or {}).get("summary"),
        "person_summary": (person or {}).get("summary"),
        "signals": [
            s
            if isinstance(s, str)
            else (s.get("text") or s.get("title") or str(s))
            if isinstance(s, dict)
            else str(s)
            for s in signals
        ][:5],
    }


def _render_draft(
    request: Request,
    conn: psycopg.Connection,
    user: User,
    draft_id: str,
    *,
    risk: str | None,
    language: str | None,
    conflict: str | None = None,
    mine: dict | None = None,
    flash: str | None = None,
    status_code: int = 200,
):
    draft = get_draft(conn, user.workspace_id, draft_id)
    member = conn.execute(
        "select rank, score, snapshot from campaign_members where campaign_id = %s"
        " and employee_id = %s",
        (draft["campaign_id"], draft["employee_id"]),
    ).fetchone()
    snapshot = (member or {}).get("snapshot") or {}
    insight = _insight(conn, user.workspace_id, draft["employee_id"])
    variants, languages = _pack_choices(request, conn, draft)
    queue = review_queue(
        conn, user.workspace_id, draft["campaign_id"], risk=risk, language=language
    )
    ids = [d["id"] for d in queue]
    position = ids.index(draft_id) if draft_id in ids else None
    prev_id = ids[position - 1] if position else None
    next_id = (
        ids[position + 1]
        if position is not None and position + 1 < len(ids)
        else (ids[0] if position is None and ids else None)
    )
    judgement = draft["judgements"][-1] if draft["judgements"] else None
    return request.app.state.templates.TemplateResponse(
        request,
        "review.html",
        page_context(
            request,
            draft=draft,
            snapshot=snapshot,
            member=member,
            judgement=judgement,
            insight=insight,
            variants=variants,
            languages=languages,
            high_risk=draft["risk_score"] is not None and draft["risk_score"] >= HIGH_RISK,
            reason_tags=REASON_TAGS,
            prev_id=prev_id,
            next_id=next_id,
            position=position,
            total=len(ids),
            filters=_filters(risk, language),
            risk=risk or "",
            language=language or "",
            conflict=conflict,
            mine=mine,
            flash=flash,
        ),
        status_code=status_code,
    )


@router.get("/drafts/{draft_id}")
def review_draft(
    request: Request,
    *,
    draft_id: str,
    risk: str | None = None,
    language: str | None = None,
    flash: str | None = None,
    user: CurrentUser,
    conn: Db,
):
    return _render_draft(request, conn, user, draft_id, risk=risk, language=language, flash=flash)


def _after(
    conn: psycopg.Connection,
    user: User,
    draft_id: str,
    campaign_id: str,
    before: list,
    risk: str | None,
    language: str | None,
    flash: str,
) -> RedirectResponse:
    """Go on to the next draft of the queue as it was before the action, else the list."""
    now = {
        d["id"]
        for d in review_queue(conn, user.workspace_id, campaign_id, risk=risk, language=language)
    }
    start = before.index(draft_id) + 1 if draft_id in before else 0
    candidates = [i for i in before[start:] + before[:start] if i in now and i != draft_id]
    query = {k: v for k, v in (("risk", risk), ("language", language), ("flash", flash)) if v}
    if candidates:
        return RedirectResponse(f"/drafts/{candidates[0]}?{urlencode(query)}", status_code=303)
    name = conn.execute("select name from campaigns where id = %s", (campaign_id,)).fetchone()
    return RedirectResponse(f"/campaigns/{name['name']}/review?{urlencode(query)}", status_code=303)


def _act(
    request: Request,
    conn: psycopg.Connection,
    user: User,
    draft_id: str,
    version: int,
    risk: str | None,
    language: str | None,
    action,
    flash: str,
    mine: dict | None = None,
):
    draft = get_draft(conn, user.workspace_id, draft_id)
    before = [
        d["id"]
        for d in review_queue(
            conn, user.workspace_id, draft["campaign_id"], risk=risk, language=language
        )
    ]
    try:
        with conn.transaction():
            action(version)
    except DraftConflictError as exc:
        return _render_draft(
            request,
            conn,
            user,
            draft_id,
            risk=risk,
            language=language,
            conflict=str(exc),
            mine=mine,
            status_code=409,
        )
    return _after(conn, user, draft_id, draft["campaign_id"], before, risk, language, flash)


def _decision_route(decide, flash: str):
    """Approve and skip: the same form (the version seen, the queue's filters), one action."""

    def decision(
        request: Request,
        *,
        draft_id: str,
        version: Annotated[int, Form()],
        risk: Annotated[str, Form()] = "",
        language: Annotated[str, Form()] = "",
        user: CurrentUser,
        conn: Db,
    ):
        return _act(
            request,
            conn,
            user,
            draft_id,
            version,
            risk or None,
            language or None,
            lambda v: decide(
                conn, user.workspace_id, draft_id, expected_version=v, reviewer=user.email
            ),
            flash,
        )

    return decision


for _name, _decide, _flash in (("approve", approve_draft, "Approved."),
                               ("skip", skip_draft, "Skipped.")):
    router.post(f"/drafts/{{draft_id}}/{_name}", dependencies=[Depends(check_csrf)],
                name=_name)(_decision_route(_decide, _flash))


@router.post("/drafts/{draft_id}/edit", dependencies=[Depends(check_csrf)])
def edit(
    request: Request,
    *,
    draft_id: str,
    version: Annotated[int, Form()],
    subject: Annotated[str, Form()] = "",
    body: Annotated[str, Form()] = "",
    reason_tag: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
    risk: Annotated[str, Form()] = "",
    language: Annotated[str, Form()] = "",
    user: CurrentUser,
    conn: Db,
):
    body = body.replace("\r\n", "\n")  # browsers post textareas with CRLF line ends
    mine = {"subject": subject, "body": body, "reason_tag": reason_tag, "note": note}
    if reason_tag not in REASON_TAGS:
        return _render_draft(
            request,
            conn,
            user,
            draft_id,
            risk=risk or None,
            language=language or None,
            mine=mine,
            status_code=400,
            conflict="Choose why you edited it (a reason tag) before saving.",
        )
    return _act(
        request,
        conn,
        user,
        draft_id,
        version,
        risk or None,
        language or None,
        lambda v: edit_draft(
            conn,
            user.workspace_id,
            draft_id,
            expected_version=v,
            subject=subject,
            body=body,
            reason_tag=reason_tag,
            editor=user.email,
            editor_user_id=user.id,
            note=note or None,
        ),
        "Edited.",
        mine=mine,
    )


@router.post("/drafts/{draft_id}/regenerate", dependencies=[Depends(check_csrf)])
def regenerate(
    request: Request,
    *,
    draft_id: str,
    version: Annotated[int, Form()],
    angle: Annotated[str, Form()] = "",
    variant: Annotated[str, Form()] = "",
    to_language: Annotated[str, Form()] = "",
    risk: Annotated[str, Form()] = "",
    language: Annotated[str, Form()] = "",
    user: CurrentUser,
    conn: Db,
):
    get_draft(conn, user.workspace_id, draft_id)  # scopes the id to the user's workspace
    try:
        with conn.transaction():
            regenerate_draft(
                conn,
                request.app.state.settings,
                draft_id,
                expected_version=version,
                angle=angle or None,
                variant=variant or None,
                language=to_language or None,
                editor=user.email,
                editor_user_id=user.id,
            )
    except DraftConflictError as exc:
        return _render_draft(
            request,
            conn,
            user,
            draft_id,
            risk=risk or None,
            language=language or None,
            conflict=str(exc),
            status_code=409,
        )
    query = {
        k: v for k, v in (("risk", risk), ("language", language), ("flash", "Regenerated.")) if v
    }
    return RedirectResponse(f"/drafts/{draft_id}?{urlencode(query)}", status_code=303)
