"""Campaigns: list with progress, create from a segment (audience frozen at once) with the
sender's schedule and caps, pause/resume."""

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
from gtm.errors import TerminalError
from gtm.packs.catalog import available_packs, resolve_pack
from gtm.segments import list_segments
from gtm.sending.outbox import start_sending
from gtm.sending.senders import add_sender, get_sender, list_senders
from gtm.web.app import page_context
from gtm.web.auth import User
from gtm.web.deps import CurrentUser, Db, check_csrf
from gtm.web.forms import DAYS, FieldError, campaign_cap, sender_form, sender_spec

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


def _campaigns_page(request: Request, conn: psycopg.Connection, user: User, *,
                    form: dict | None = None, error: FieldError | None = None):
    rows = []
    for c in list_campaigns(conn, user.workspace_id):
        status = campaign_status(conn, user.workspace_id, c["name"])
        status["replied"] = _replied(conn, c["id"])
        rows.append((status, progress(status)))
    senders = list_senders(conn, user.workspace_id)
    if form is None:
        form = {"name": "", "segment": "", "pack": "", "language": "", "description": "",
                "campaign_daily_cap": "",
                "sender": senders[0]["email"] if senders else "",
                **(sender_form(senders[0]) if senders else {})}
    return request.app.state.templates.TemplateResponse(
        request,
        "campaigns.html",
        page_context(
            request,
            campaigns=rows,
            segments=list_segments(conn, user.workspace_id),
            senders=senders,
            packs=available_packs(request.app.state.settings),
            languages=LANGUAGES,
            days=DAYS,
            form=form,
            error=error,
        ),
        status_code=400 if error else 200,
    )


@router.get("/campaigns")
def campaigns_page(request: Request, *, user: CurrentUser, conn: Db):
    return _campaigns_page(request, conn, user)


@router.get("/senders/settings")
def sender_settings_fragment(request: Request, *, sender: str, user: CurrentUser, conn: Db):
    """The schedule and caps fieldset for another sender: the campaign form swaps it in (htmx)
    when the sender changes."""
    return request.app.state.templates.TemplateResponse(
        request,
        "_sender_settings.html",
        page_context(request, days=DAYS, error=None,
                     form=sender_form(get_sender(conn, user.workspace_id, sender))),
    )


def posted_sender_settings(
    settings_for: Annotated[str, Form()] = "",
    window_days: Annotated[list[str] | None, Form()] = None,
    window_start: Annotated[str, Form()] = "",
    window_end: Annotated[str, Form()] = "",
    timezone: Annotated[str, Form()] = "",
    daily_cap: Annotated[str, Form()] = "",
    hourly_cap: Annotated[str, Form()] = "",
    min_gap_seconds: Annotated[str, Form()] = "",
    jitter_seconds: Annotated[str, Form()] = "",
    ramp_start: Annotated[str, Form()] = "",
    ramp_step: Annotated[str, Form()] = "",
    ramp_every_days: Annotated[str, Form()] = "",
) -> dict:
    return {"settings_for": settings_for, "window_days": window_days or [],
            "window_start": window_start, "window_end": window_end, "timezone": timezone,
            "daily_cap": daily_cap, "hourly_cap": hourly_cap, "min_gap_seconds": min_gap_seconds,
            "jitter_seconds": jitter_seconds, "ramp_start": ramp_start, "ramp_step": ramp_step,
            "ramp_every_days": ramp_every_days}


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
    campaign_daily_cap: Annotated[str, Form()] = "",
    settings: Annotated[dict, Depends(posted_sender_settings)],
    user: CurrentUser,
    conn: Db,
):
    """Save the sender's schedule and caps, create the campaign and freeze its audience, all in
    one transaction: invalid input stores nothing and shows the form again with the error."""
    form = {"name": name, "segment": segment, "sender": sender, "pack": pack,
            "language": language, "description": description,
            "campaign_daily_cap": campaign_daily_cap, **settings}
    try:
        mailbox = get_sender(conn, user.workspace_id, sender)
        if mailbox["email"].lower() != settings["settings_for"].strip().lower():
            # The fields were filled for another sender (the page ran without JavaScript):
            # saving them would overwrite this sender's schedule with someone else's.
            form.update(sender_form(mailbox))
            raise FieldError("sender", f"Sender: the schedule and caps now show {sender}'s "
                                       "settings; check them and create the campaign again")
        spec = sender_spec(mailbox, settings)
        campaign_spec = CampaignSpec(name, segment, sender,
                                     resolve_pack(request.app.state.settings, pack),
                                     language=language or None,
                                     description=description or None,
                                     daily_cap=campaign_cap(form))
        with conn.transaction():
            add_sender(conn, user.workspace_id, spec)
            campaign, _ = create_campaign(conn, user.workspace_id, campaign_spec)
            freeze_audience(conn, user.workspace_id, campaign["id"])
    except TerminalError as exc:
        error = exc if isinstance(exc, FieldError) else FieldError("", str(exc))
        return _campaigns_page(request, conn, user, form=form, error=error)
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
            sender=get_sender(conn, user.workspace_id, status["sender"]),
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
