"""`gtm ai:log` — what the models were asked, what they answered, what failed and what it cost."""

from __future__ import annotations

import typer

from gtm.cli.output import console, print_json, print_table
from gtm.db import connect
from gtm.db.workspaces import ensure_workspace
from gtm.observability.log import list_interactions, resolve_campaign_id
from gtm.settings import load_settings


def ai_log(
    campaign: str = typer.Option(None, "--campaign", help="Only calls about this campaign."),
    errors: bool = typer.Option(False, "--errors", help="Only failed calls."),
    trace: str = typer.Option(None, "--trace", help="Only calls of this trace id."),
    limit: int = typer.Option(50, "--limit", min=1, help="Newest N calls."),
    json_output: bool = typer.Option(False, "--json", help="Full rows with redacted payloads."),
) -> None:
    """List AI calls (ai_interactions), newest first.

    Example: gtm ai:log --campaign "Nordics Q3" --errors --limit 20
    """
    settings = load_settings()
    with connect(settings) as conn:
        workspace_id = ensure_workspace(conn, settings.workspace)
        campaign_id = resolve_campaign_id(conn, workspace_id, campaign) if campaign else None
        rows = list_interactions(conn, workspace_id, campaign_id=campaign_id, trace_id=trace,
                                 errors_only=errors, limit=limit, with_payload=json_output)
    if json_output:
        print_json(rows)
        return
    if not rows:
        console.print("no AI calls logged" + (" with errors" if errors else ""))
        return
    print_table("AI calls, newest first (--json for trace ids, input and output)",
                ("time", "task", "model", "result", "ms", "tokens", "cost $"),
                (_row(r) for r in rows))


def _row(r: dict) -> tuple:
    result = r["error_code"] or ("cached" if r["cached"] else r["mode"])
    tokens = "" if r["tokens_in"] is None else f"{r['tokens_in']}/{r['tokens_out']}"
    cost = "" if r["cost_usd"] is None else f"{r['cost_usd']:.6f}"
    return (r["created_at"].strftime("%m-%d %H:%M:%S"), r["task"], r["model"] or "",
            result, r["latency_ms"], tokens, cost)
