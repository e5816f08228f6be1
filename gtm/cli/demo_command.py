"""`gtm demo`: the whole loop on embedded defaults, each step through the same code (and the same
Dagster assets) as its own command, re-runnable on the same GTM_HOME."""

from __future__ import annotations

from pathlib import Path

import typer

from gtm.campaigns.audience import top_members
from gtm.campaigns.store import CampaignSpec, create_campaign, find_campaign
from gtm.cli.campaign_commands import freeze_via_dagster, print_top
from gtm.cli.icp_commands import set_icp_via_dagster
from gtm.cli.intake_commands import import_via_dagster
from gtm.cli.output import console, print_json, print_table
from gtm.db import connect
from gtm.db.inventory import table_counts
from gtm.db.workspaces import ensure_workspace
from gtm.icp.profile import EXAMPLE_ICP_FILE
from gtm.intake.reports import summary_line
from gtm.packs.catalog import resolve_pack
from gtm.segments import create_segment
from gtm.sending.senders import SenderSpec, add_sender
from gtm.sending.window import parse_window
from gtm.settings import Settings, load_settings

SAMPLE_EXPORT = Path(__file__).resolve().parents[1] / "intake" / "samples" / "apollo_export.csv"
DEMO_SEGMENT = "demo-icp-fit"
# Contacts the example ICP rates at least this well; low enough to keep a small sample interesting.
DEMO_FILTER = {
    "and": [
        {"field": "icp_score", "op": "gte", "value": 0.3},
        {"field": "reply_negative", "op": "eq", "value": False},
    ]
}
DEMO_SENDER = "founder@demo-gtm.com"
DEMO_CAMPAIGN = "demo"
DEMO_PACK = "cold_first_touch"


_JSON = typer.Option(False, "--json", help="Machine-readable output.")


def demo(json_output: bool = _JSON) -> None:
    """Run the main job on embedded defaults and show what is there.

    Example: GTM_HOME=/tmp/gtm-demo gtm demo
    """
    settings = load_settings()
    settings.ensure_dirs()
    database = "embedded PostgreSQL" if settings.uses_embedded_database else "configured URL"
    summary = {
        "gtm_home": str(settings.home_dir),
        "database": database,
        "workspace": settings.workspace,
    }
    summary |= _schema(settings)
    summary["import"] = _import(settings)
    summary["icp"] = _icp(settings)
    summary["campaign"] = _campaign(settings)
    with connect(settings) as conn:
        summary["tables"] = table_counts(conn)
    if json_output:
        print_json(summary)
    else:
        _print(summary)


def _schema(settings: Settings) -> dict:
    from gtm_assets.launch import materialize_assets  # Dagster loads only for commands that run

    result = materialize_assets(settings, ["database_schema"], tags={"gtm/command": "demo"})
    applied = result.asset_materializations_for_node("database_schema")[0].metadata
    return {
        "dagster_run_id": result.run_id,
        "migrations_applied": applied["migrations_applied"].value,
    }


def _import(settings: Settings) -> dict:
    report, _ = import_via_dagster(settings, SAMPLE_EXPORT, "contacts", {}, force=False)
    return {"file": SAMPLE_EXPORT.name, "status": report.status, "summary": summary_line(report)}


def _icp(settings: Settings) -> dict:
    outcome = set_icp_via_dagster(settings, EXAMPLE_ICP_FILE, top=0)
    return {
        "version": outcome.icp.version,
        "name": outcome.icp.definition.name,
        "scored": outcome.counts.scored,
        "matches": outcome.counts.matches,
        "min_score": outcome.icp.definition.min_score,
    }


def _campaign(settings: Settings) -> dict:
    pack = resolve_pack(settings, DEMO_PACK)
    with connect(settings) as conn:
        workspace_id = ensure_workspace(conn, settings.workspace)
        segment = create_segment(conn, workspace_id, DEMO_SEGMENT, DEMO_FILTER, created_by="demo")
        add_sender(
            conn,
            workspace_id,
            SenderSpec(
                DEMO_SENDER,
                "Demo Founder",
                window=parse_window("mon-fri 09:00-17:00"),
                timezone="Europe/Oslo",
                daily_cap=40,
            ),
        )
        campaign = find_campaign(conn, workspace_id, DEMO_CAMPAIGN)
        if campaign is None or campaign["audience_frozen_at"] is None:
            campaign, _ = create_campaign(
                conn, workspace_id, CampaignSpec(DEMO_CAMPAIGN, DEMO_SEGMENT, DEMO_SENDER, pack)
            )
    if campaign["audience_frozen_at"] is None:
        freeze_via_dagster(settings, campaign, "demo")
    with connect(settings) as conn:
        campaign = find_campaign(conn, workspace_id, DEMO_CAMPAIGN)
        top = top_members(conn, campaign["id"], 5)
    return {
        "name": campaign["name"],
        "status": campaign["status"],
        "segment": f"{DEMO_SEGMENT} v{segment.version}",
        "audience": campaign["audience_size"],
        "left_out": campaign["audience_excluded"],
        "pack": f"{pack.name}@{pack.version}",
        "top": top,
    }


def _print(summary: dict) -> None:
    console.print(
        f"[bold]GTM demo[/] — home {summary['gtm_home']}, {summary['database']}, "
        f"workspace '{summary['workspace']}'"
    )
    console.print(
        f"Dagster run {summary['dagster_run_id']} materialized database_schema "
        f"({len(summary['migrations_applied'])} migration(s) applied)"
    )
    console.print(
        f"1. Imported the bundled sample {summary['import']['file']}: "
        f"{summary['import']['summary']}"
    )
    icp = summary["icp"]
    console.print(
        f"2. ICP v{icp['version']} {icp['name']!r}: {icp['scored']} contacts scored, "
        f"{icp['matches']} match (score >= {icp['min_score']})"
    )
    campaign = summary["campaign"]
    console.print(
        f"3. Campaign {campaign['name']!r} ({campaign['status']}) from segment "
        f"{campaign['segment']}, pack {campaign['pack']}: "
        f"{campaign['audience']} contacts frozen, ranked by ICP score"
    )
    print_top(campaign["top"])
    print_table("tables", ("table", "rows"), sorted(summary["tables"].items()))
    console.print(
        "Next: `gtm up` for the Dagster UI, `gtm campaign:status demo`, "
        "`gtm contacts:import YOUR.csv`."
    )
