"""Campaigns: list with progress, create from a segment (audience frozen at once), pause/resume."""

from __future__ import annotations

from typing import Annotated

import psycopg
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse

from gtm.campaigns.audience import freeze_audience, top_members
from gtm.campaigns.lifecycle import transition
from gtm.campaigns.store import (
    LANGUAGES,
    CampaignSpec,
    campaign_status,
    create_campaign,
    list_campaigns,
)
from gtm.packs.catalog import available_packs, resolve_pack
from gtm.segments import list_segments
from gtm.sending.outbox import start_sending
from gtm.sending.senders import list_senders
from gtm.web.app import page_context
from gtm.web.deps import CurrentUser, Db, check_csrf

router = APIRouter()
# What a reviewer may do to a campaign's state from the web: start, pause and resume.
WEB_TRANSITIONS = {
    "start": ("ready", "sending"),
    "pause": ("sending", "paused"),
    "resume": ("paused", "sending"),
}


def progress(status: dict) -> list[tuple[str, int]]:
    """The funnel shown as bars: audience, drafted, approved, queued, sent, replied."""
    drafts, messages = status["drafts"], status["messages"]
    replied = status.get("replied", 0)
    return [
        ("audience", status["members"]["total"]),
        ("drafted", sum(n for s, n in drafts.items() if s != "failed")),
        ("approved", drafts.get("approved", 0) + drafts.get("sent", 0)),
        ("queued", messages.get("queued", 0) + messages.get("reserved", 0)),
        ("sent", messages.get("sent", 0)),
        ("replied", replied),
    ]


def _replied(conn: psycopg.Connection, campaign_id: str) -> int:
    return conn.execute(
        "select count(distinct r.message_id) as n from reply_events r"
        " join messages m on m.id = r.message_id where m.campaign_id = %s"
        " and r.ignored_reason is null and r.label in"
        " ('positive', 'negative', 'info_request', 'referral', 'unsubscribe')",
        (campaign_id,),
    ).fetchone()["n"]


@router.get("/campaigns")
def campaigns_page(request: Request, *, error: str | None = None, user: CurrentUser, conn: Db):
    rows = []
    for c in list_campaigns(conn, user.workspace_id):
        status = campaign_status(conn, user.workspace_id, c["name"])
        status["replied"] = _replied(conn, c["id"])
        rows.append((status, progress(status)))
    return request.app.state.templates.TemplateResponse(
        request,
        "campaigns.html",
        page_context(
            request,
            campaigns=rows,
            segments=list_segments(conn, user.workspace_id),
            senders=list_senders(conn, user.workspace_id),
            packs=available_packs(request.app.state.settings),
            languages=LANGUAGES,
            error=error,
        ),
    )


@router.post("/campaigns", dependencies=[Depends(check_csrf)])
def campaign_create(
    request: Request,
    *,
    name: Annotated[str, Form()],
    segment: Annotated[str, Form()],
    sender: Annotated[str, Form()],
    pack: Annotated[str, Form()],
    language: Annotated[str, Form()] = "",
    description: Annotated[str, Form()] = "",
    user: CurrentUser,
    conn: Db,
):
    spec = CampaignSpec(
        name,
        segment,
        sender,
        resolve_pack(request.app.state.settings, pack),
        language=language or None,
        description=description or None,
    )
    campaign, _ = create_campaign(conn, user.workspace_id, spec)
    freeze_audience(conn, user.workspace_id, campaign["id"])
    return RedirectResponse(f"/campaigns/{campaign['name']}", status_code=303)


@router.get("/campaigns/{name}")
def campaign_detail(request: Request, *, name: str, user: CurrentUser, conn: Db):
    status = campaign_status(conn, user.workspace_id, name)
    status["replied"] = _replied(conn, status["id"])
    return request.app.state.templates.TemplateResponse(
        request,
        "campaign.html",
        page_context(
            request,
            c=status,
            progress=progress(status),
            members=top_members(conn, status["id"], limit=10),
        ),
    )


@router.post("/campaigns/{name}/{action}", dependencies=[Depends(check_csrf)])
def campaign_action(request: Request, *, name: str, action: str, user: CurrentUser, conn: Db):
    if action not in WEB_TRANSITIONS:
        return RedirectResponse(f"/campaigns/{name}", status_code=303)
    _, target = WEB_TRANSITIONS[action]
    reason = f"{action} by {user.email} (web)"
    if target == "sending":
        start_sending(conn, user.workspace_id, name, reason)
    else:
        transition(conn, user.workspace_id, name, target, reason=reason)
    return RedirectResponse(f"/campaigns/{name}", status_code=303)
