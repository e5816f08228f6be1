"""`gtm campaign:*` and `gtm sender:*`: thin wrappers over `gtm.campaigns` and `gtm.sending`.

`campaign:create` records the campaign, then freezes its audience by running the
`campaign_audience` asset on the project's Dagster instance, so the run shows in the UI.
"""

from __future__ import annotations

import getpass
from contextlib import nullcontext

import typer

from gtm.campaigns.audience import top_members
from gtm.campaigns.lifecycle import transition
from gtm.campaigns.store import (
    CampaignSpec,
    campaign_status,
    create_campaign,
    get_campaign,
    list_campaigns,
)
from gtm.cli.output import console, print_json, print_ranked_contacts, print_table
from gtm.cli.workspace import in_workspace
from gtm.db import connect
from gtm.db.workspaces import ensure_workspace
from gtm.drafting.review import approve_campaign_drafts
from gtm.errors import TerminalError
from gtm.packs.catalog import resolve_pack
from gtm.sending.senders import SENDER_COLUMNS, SenderSpec, add_sender, list_senders
from gtm.sending.window import parse_window
from gtm.settings import Settings, load_settings

_JSON = typer.Option(False, "--json", help="Machine-readable output.")
_NAME = typer.Argument(..., help="Campaign name.")
_REASON = typer.Option(None, "--reason", help="Why (kept with the campaign).")


def freeze_via_dagster(settings: Settings, campaign: dict, command: str) -> str:
    """Freeze the campaign's audience through its `campaign_audience` partition; the run id."""
    from gtm_assets.launch import materialize_assets  # Dagster loads only for commands that run

    result = materialize_assets(
        settings,
        ["campaign_audience"],
        partition_key=campaign["id"],
        dynamic_partitions="campaign",
        tags={"gtm/command": command, "gtm/campaign": campaign["name"]},
    )
    return result.run_id


def campaign_create(
    name: str = _NAME,
    segment: str = typer.Option(..., "--segment", help="Saved segment name."),
    pack: str = typer.Option(..., "--pack", help="Prompt pack name (prompt_packs/NAME.md)."),
    sender: str = typer.Option(..., "--sender", help="Sender email (see sender:list)."),
    segment_version: int | None = typer.Option(
        None, "--segment-version", min=1, help="Default: the segment's current version."
    ),
    language: str | None = typer.Option(None, "--language", help="en | ru; default: per contact."),
    daily_cap: int | None = typer.Option(
        None, "--daily-cap", min=1, help="Sends per day for this campaign, within the sender's "
        "caps (default: the sender's caps alone)."
    ),
    top: int = typer.Option(10, "--top", min=0, help="How many top-ranked contacts to print."),
    json_output: bool = _JSON,
) -> None:
    """Create a campaign and freeze its audience, ranked by ICP score.

    Example: gtm campaign:create q1 --segment nordic-cto --pack cold_first_touch --sender me@x.com
    """
    settings = load_settings()
    spec = CampaignSpec(
        name, segment, sender, resolve_pack(settings, pack), segment_version, language,
        daily_cap=daily_cap,
    )
    with connect(settings) as conn:
        workspace_id = ensure_workspace(conn, settings.workspace)
        campaign, _ = create_campaign(conn, workspace_id, spec)
    with nullcontext() if json_output else console.status(f"freezing the audience of {name} …"):
        run_id = freeze_via_dagster(settings, campaign, "campaign:create")
    with connect(settings) as conn:
        campaign = get_campaign(conn, workspace_id, name)
        best = top_members(conn, campaign["id"], top)
    if json_output:
        print_json({**campaign, "top": best, "dagster_run_id": run_id})
        return
    _print_campaign(campaign)
    print_ranked_contacts("top-ranked contacts", best)
    console.print(f"Dagster run {run_id}")


def campaign_list(json_output: bool = _JSON) -> None:
    """List campaigns, newest first.

    Example: gtm campaign:list
    """
    rows = in_workspace(list_campaigns)
    if json_output:
        print_json(rows)
        return
    print_table(
        "campaigns",
        ("name", "status", "segment", "sender", "pack", "audience"),
        (
            (
                r["name"],
                r["status"],
                f"{r['segment']} v{r['segment_version']}",
                r["sender"],
                f"{r['pack']}@{r['pack_version']}",
                r["audience_size"],
            )
            for r in rows
        ),
    )


def campaign_status_command(name: str = _NAME, json_output: bool = _JSON) -> None:
    """Show a campaign's state and its counts per state (audience, drafts, outbox).

    Example: gtm campaign:status nordic-q1
    """
    status = in_workspace(campaign_status, name)
    if json_output:
        print_json(status)
        return
    _print_campaign(status)
    counts = [
        ("audience", "members", status["members"]["total"]),
        ("audience", "stopped", status["members"]["stopped"]),
    ]
    counts += [("drafts", k, v) for k, v in sorted(status["drafts"].items())]
    counts += [("outbox", k, v) for k, v in sorted(status["messages"].items())]
    print_table("counts", ("", "state", "count"), counts)


def _print_campaign(c: dict) -> None:
    excluded = ", ".join(f"{k} {v}" for k, v in (c["audience_excluded"] or {}).items() if v)
    print_table(
        f"campaign {c['name']}",
        ("", ""),
        [
            ("status", c["status"] + (f" ({c['status_reason']})" if c["status_reason"] else "")),
            ("segment", f"{c['segment']} v{c['segment_version']}"),
            ("ICP version", c["icp_version"] or "none (unranked)"),
            ("pack", f"{c['pack']}@{c['pack_version']}"),
            ("sender", c["sender"]),
            ("language", c["language"] or "per contact"),
            ("daily cap", c["daily_cap"] or "the sender's caps"),
            (
                "audience",
                f"{c['audience_size']} contacts, frozen {c['audience_frozen_at']:%Y-%m-%d %H:%M}"
                if c["audience_frozen_at"]
                else "not frozen yet",
            ),
            ("left out", excluded or "none"),
        ],
    )


def _move(name: str, target: str, reason: str | None, json_output: bool) -> None:
    moved = in_workspace(transition, name, target, reason)
    if json_output:
        print_json(moved)
    else:
        console.print(f"campaign {name}: {moved['from']} → {moved['to']}")


def campaign_ready(
    name: str = _NAME, reason: str | None = _REASON, json_output: bool = _JSON
) -> None:
    """Mark drafting done: the campaign is ready to send.

    Example: gtm campaign:ready nordic-q1
    """
    _move(name, "ready", reason, json_output)


def campaign_pause(
    name: str = _NAME, reason: str | None = _REASON, json_output: bool = _JSON
) -> None:
    """Pause a sending campaign; nothing more is dispatched until it resumes.

    Example: gtm campaign:pause nordic-q1 --reason "holiday"
    """
    _move(name, "paused", reason, json_output)


def campaign_resume(
    name: str = _NAME, reason: str | None = _REASON, json_output: bool = _JSON
) -> None:
    """Resume a paused campaign.

    Example: gtm campaign:resume nordic-q1
    """
    _move(name, "sending", reason, json_output)


def campaign_complete(
    name: str = _NAME, reason: str | None = _REASON, json_output: bool = _JSON
) -> None:
    """Mark a sending or paused campaign completed.

    Example: gtm campaign:complete nordic-q1
    """
    _move(name, "completed", reason, json_output)


def campaign_archive(
    name: str = _NAME, reason: str | None = _REASON, json_output: bool = _JSON
) -> None:
    """Archive a campaign (final).

    Example: gtm campaign:archive nordic-q1
    """
    _move(name, "archived", reason, json_output)


def sender_add(
    email: str = typer.Argument(..., help="Mailbox address."),
    name: str | None = typer.Option(None, "--name", help="Display name."),
    reply_to: str | None = typer.Option(None, "--reply-to"),
    provider: str = typer.Option("file", "--provider", help="file | smtp | resend | smartlead"),
    daily_cap: int = typer.Option(50, "--daily-cap", min=0, help="Emails per day (all campaigns)."),
    hourly_cap: int | None = typer.Option(None, "--hourly-cap", min=0),
    min_gap: int = typer.Option(60, "--min-gap", min=0, help="Seconds between two sends."),
    window: str = typer.Option("mon-fri 09:00-17:00", "--window", help="Days and hours to send."),
    timezone: str = typer.Option("UTC", "--timezone", help="IANA zone of the window."),
    jitter: int = typer.Option(0, "--jitter", min=0, help="Random extra 0..N s on the gap."),
    ramp_up: str | None = typer.Option(
        None, "--ramp-up", help="New mailbox warm-up START:STEP:EVERY_DAYS, e.g. 10:5:2."),
    json_output: bool = _JSON,
) -> None:
    """Add a sending mailbox, or update it when the address exists.

    Example: gtm sender:add anna@acme.com --daily-cap 40 --window "mon-fri 08:00-16:00"
    """
    spec = SenderSpec(email, name, reply_to, provider, daily_cap, hourly_cap, min_gap,
                      parse_window(window), timezone, jitter, _ramp_up(ramp_up))
    sender, created = in_workspace(add_sender, spec)
    if json_output:
        print_json({**sender, "created": created})
    else:
        console.print(
            f"sender {sender['email']} {'added' if created else 'updated'}: "
            f"{sender['provider']}, {sender['daily_cap']}/day, "
            f"{sender['window']} {sender['timezone']}"
        )


def _ramp_up(text: str | None) -> dict | None:
    if text is None:
        return None
    try:
        start, step, every_days = (int(part) for part in text.split(":"))
    except ValueError:
        raise TerminalError(f"invalid --ramp-up {text!r}: expected START:STEP:EVERY_DAYS, "
                            "e.g. 10:5:2") from None
    return {"start": start, "step": step, "every_days": every_days}


def sender_list(json_output: bool = _JSON) -> None:
    """List sending mailboxes.

    Example: gtm sender:list
    """
    rows = in_workspace(list_senders)
    if json_output:
        print_json(rows)
        return
    print_table("senders", SENDER_COLUMNS, ([r[c] for c in SENDER_COLUMNS] for r in rows))


def campaign_approve(
    name: str = _NAME,
    max_risk: float = typer.Option(0.4, "--max-risk", min=0, max=1,
                                   help="Approve only drafts the judge rates at most this risky."),
    json_output: bool = _JSON,
) -> None:
    """Bulk-approve, per contact, the least risky draft that passed its guardrails.

    Drafts above --max-risk or failing a guardrail stay for a human (the web review).
    Example: gtm campaign:approve q1 --max-risk 0.3
    """
    settings = load_settings()
    with connect(settings) as conn:
        workspace_id = ensure_workspace(conn, settings.workspace)
        campaign = get_campaign(conn, workspace_id, name)
        approved = approve_campaign_drafts(conn, workspace_id, campaign["id"],
                                           reviewer=f"cli:{getpass.getuser()}", max_risk=max_risk)
        drafts = campaign_status(conn, workspace_id, name)["drafts"]
    if json_output:
        print_json({"name": name, "approved": approved, "drafts": drafts})
    else:
        console.print(f"campaign {name}: {approved} drafts approved; now "
                      + ", ".join(f"{v} {k}" for k, v in sorted(drafts.items())))
