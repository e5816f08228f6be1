"""`gtm campaign:queue|send` and `gtm outbox:*`: thin wrappers over `gtm.sending`.

Queuing and dispatching run the `outbox` and `sends` assets on the project's Dagster instance,
so each run shows in the UI exactly like the scheduled ones.
"""

from __future__ import annotations

import sys
from contextlib import nullcontext
from datetime import UTC, datetime
from pathlib import Path

import typer

from gtm.campaigns.store import get_campaign
from gtm.cli.output import console, err_console, print_json, print_table
from gtm.cli.workspace import in_workspace
from gtm.db import connect
from gtm.db.workspaces import ensure_workspace
from gtm.errors import TerminalError
from gtm.sending.export import COLUMNS, export_campaign
from gtm.sending.outbox import start_sending
from gtm.sending.preflight import REASONS
from gtm.sending.store import held_messages, list_messages, resolve_message
from gtm.settings import Settings, load_settings

_JSON = typer.Option(False, "--json", help="Machine-readable output.")
_NAME = typer.Argument(..., help="Campaign name.")
_OUTPUT = typer.Option(None, "-o", "--output", help="File; default stdout.")


def _run(settings: Settings, asset: str, partition_key: str, command: str, **kwargs) -> dict:
    """Materialise one partition of a sending asset; its metadata as plain values."""
    from gtm_assets.launch import materialize_assets  # Dagster loads only when needed

    result = materialize_assets(settings, [asset], partition_key=partition_key,
                                tags={"gtm/command": command}, **kwargs)
    metadata = result.asset_materializations_for_node(asset)[0].metadata
    return {"dagster_run_id": result.run_id, **{k: v.value for k, v in metadata.items()}}


def _queue(settings: Settings, name: str, command: str) -> dict:
    with connect(settings) as conn:
        campaign = get_campaign(conn, ensure_workspace(conn, settings.workspace), name)
    return _run(settings, "outbox", campaign["id"], command, dynamic_partitions="campaign")


def campaign_queue(name: str = _NAME, json_output: bool = _JSON) -> None:
    """Queue the campaign's approved drafts in the outbox (pre-flight checked, slotted).

    Example: gtm campaign:queue nordic-q1
    """
    settings = load_settings()
    with nullcontext() if json_output else console.status(f"queuing {name} …"):
        report = _queue(settings, name, "campaign:queue")
    if json_output:
        print_json(report)
        return
    _print_queue(name, report)


def campaign_send(
    name: str = _NAME,
    now: bool = typer.Option(False, "--now", help="Dispatch due messages now, not at the next "
                             "schedule tick (windows and caps still apply)."),
    json_output: bool = _JSON,
) -> None:
    """Start (or resume) sending: queue approved drafts, move the campaign to `sending`.

    The dispatch schedule (`gtm up`) sends each message in its slot; --now runs a tick at once.

    Example: gtm campaign:send nordic-q1 --now
    """
    settings = load_settings()
    queued = _queue(settings, name, "campaign:send")
    with connect(settings) as conn:
        moved = start_sending(conn, ensure_workspace(conn, settings.workspace), name)
    result: dict = {"queue": queued, "campaign": moved}
    if now:
        with nullcontext() if json_output else console.status("dispatching due messages …"):
            result["dispatch"] = _run(settings, "sends", datetime.now(UTC).strftime("%Y-%m-%d"),
                                      "campaign:send --now")
    if json_output:
        print_json(result)
        return
    _print_queue(name, queued)
    console.print(f"campaign {name}: {moved['from']} → {moved['to']}")
    if now:
        d = result["dispatch"]
        console.print(f"dispatched: {d['sent']} sent, {d['retried']} retrying, {d['failed']} "
                      f"failed, {d['held']} held; blocked {_reasons(d['blocked'])}")
    else:
        console.print("the dispatch schedule sends each message in its slot "
                      "(`gtm up`; or run again with --now)")


def outbox_list(
    campaign: str | None = typer.Option(None, "--campaign", help="Only this campaign."),
    status: str | None = typer.Option(None, "--status", help="queued, sent, blocked, …"),
    limit: int = typer.Option(100, "--limit", min=1),
    json_output: bool = _JSON,
) -> None:
    """List outbox messages, next slot first.

    Example: gtm outbox:list --campaign nordic-q1 --status queued
    """
    rows = in_workspace(list_messages, campaign=campaign, status=status, limit=limit)
    if json_output:
        print_json(rows)
        return
    print_table("outbox", ("campaign", "to", "status", "slot / sent", "attempts", "reason"),
                ((r["campaign"], r["to_email"], r["status"], _when(r), r["attempts"],
                  r["reason"] or "") for r in rows))


def outbox_held(json_output: bool = _JSON) -> None:
    """Messages needing a human: outcome unknown (held_unknown) and the poison queue (failed).

    Example: gtm outbox:held
    """
    rows = in_workspace(held_messages)
    if json_output:
        print_json(rows)
        return
    print_table("held and failed messages", ("id", "campaign", "to", "status", "cause", "error"),
                ((r["id"], r["campaign"], r["to_email"], r["status"], r["error_cause"],
                  r["reason"]) for r in rows))
    if rows:
        console.print("decide with `gtm outbox:resolve ID --sent` (it went out) or --not-sent "
                      "(queue it again)")


def outbox_resolve(
    message_id: str = typer.Argument(..., help="Outbox id or Message-ID."),
    sent: bool | None = typer.Option(None, "--sent/--not-sent",
                                     help="Whether the message did go out."),
    json_output: bool = _JSON,
) -> None:
    """Record a human decision on a held_unknown or failed message.

    Example: gtm outbox:resolve 3f0c…e1 --not-sent
    """
    if sent is None:
        raise TerminalError("say what happened: --sent or --not-sent")
    moved = in_workspace(resolve_message, message_id, sent=sent)
    if json_output:
        print_json(moved)
    else:
        console.print(f"message {moved['id']}: {moved['from']} → {moved['to']}")


def outbox_export(
    name: str = _NAME,
    fmt: str = typer.Option("csv", "--format", help=" | ".join(COLUMNS)),
    output: Path | None = _OUTPUT,
    handoff: bool = typer.Option(False, "--handoff", help="Cancel the exported messages here, "
                                 "so only the other tool sends them."),
) -> None:
    """Export the campaign's queued messages for another tool (formula cells neutralised).

    Example: gtm outbox:export nordic-q1 --format lemlist -o leads.csv --handoff
    """
    settings = load_settings()
    with connect(settings) as conn:
        workspace_id = ensure_workspace(conn, settings.workspace)
        out = output.open("w", encoding="utf-8", newline="") if output else sys.stdout
        try:
            report = export_campaign(conn, workspace_id, name, fmt, out, settings,
                                     handoff=handoff)
        finally:
            if output:
                out.close()
    # The summary goes to stderr: stdout may be the CSV itself.
    err_console.print(f"{report.exported} messages exported"
                      + (f" to {output}" if output else "")
                      + (" and cancelled here (handed off)" if handoff else "")
                      + (f"; blocked {_reasons(report.blocked)}" if report.blocked else ""))


def _print_queue(name: str, report: dict) -> None:
    console.print(f"{name}: {report['queued']} queued, {report['already_in_outbox']} already in "
                  f"the outbox; blocked {_reasons(report['blocked'])}")
    if report["first_slot"] not in (None, "None"):
        console.print(f"slots from {report['first_slot']} to {report['last_slot']}")
    for reason in report["blocked"]:
        console.print(f"  {reason}: {REASONS.get(reason, reason)}")


def _reasons(blocked: dict) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(blocked.items())) or "none"


def _when(row: dict) -> str:
    moment = row["sent_at"] or row["scheduled_at"] or row["next_attempt_at"]
    return f"{moment:%Y-%m-%d %H:%M} UTC" if moment else "—"
