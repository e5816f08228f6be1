"""`gtm demo`: the whole loop on embedded defaults, each step through the same code (and the same
Dagster assets) as its own command, re-runnable on the same GTM_HOME."""

from __future__ import annotations

from pathlib import Path

import typer

from gtm.campaigns.audience import top_members
from gtm.campaigns.lifecycle import transition
from gtm.campaigns.store import CampaignSpec, campaign_status, create_campaign, find_campaign
from gtm.cli.campaign_commands import freeze_via_dagster
from gtm.cli.enrich_commands import enrich_for_demo
from gtm.cli.icp_commands import set_icp_via_dagster
from gtm.cli.intake_commands import import_via_dagster
from gtm.cli.output import (
    console,
    print_json,
    print_mapping,
    print_ranked_contacts,
    print_table,
)
from gtm.cli.web_commands import demo_login
from gtm.db import connect
from gtm.db.inventory import table_counts
from gtm.db.workspaces import ensure_workspace
from gtm.drafting.review import approve_campaign_drafts
from gtm.drafting.sender_profile import set_sender_profile
from gtm.icp.profile import EXAMPLE_ICP_FILE
from gtm.intake.batches import summary_line
from gtm.packs.catalog import resolve_pack
from gtm.replies.demo import collect_and_report, drop_demo_replies
from gtm.segments import create_segment
from gtm.sending.dispatch import dispatch_due
from gtm.sending.outbox import queue_campaign, start_sending
from gtm.sending.senders import SenderSpec, add_sender
from gtm.sending.store import list_messages
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
DEMO_OFFER = {
    "en": {"offer": "We cut cloud bills by showing each team what its infrastructure costs.",
           "problem": "cloud costs that nobody owns"},
    "ru": {"offer": "Мы снижаем счета за облако, показывая каждой команде стоимость её "
                    "инфраструктуры.",
           "problem": "расходы на облако, за которые никто не отвечает"},
}
DEMO_MAX_RISK = 0.5  # the demo approves what a cautious reviewer would; the rest waits


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
    summary["enrichment"] = _enrich(settings, summary["import"]["batch_id"])
    summary["icp"] = _icp(settings)
    summary["campaign"] = _campaign(settings)
    summary["drafts"] = _drafts(settings, summary["campaign"]["id"])
    summary["sending"] = _send(settings)
    summary["replies"] = _replies(settings)
    url, email, password = demo_login(settings)
    summary["web"] = {"url": url, "login": email, "password": password}
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
    return {"file": SAMPLE_EXPORT.name, "status": report.status, "summary": summary_line(report),
            "batch_id": report.batch_id}


def _enrich(settings: Settings, batch_id: str) -> dict:
    """Firmographics, triage and insights for the sample companies (rules mode without an LLM,
    research skipped without a key — each labelled so)."""
    outcome = enrich_for_demo(settings, batch_id, limit=5)
    return {"stages": {k: v.get("message", v) if isinstance(v, dict) else v
                       for k, v in outcome["report"].items()},
            "companies": outcome["companies"]}


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
        # Open all week and no gap, so the demo sends whenever it is run (real mailboxes
        # should keep office hours and a gap: see docs/sending.md).
        add_sender(conn, workspace_id, SenderSpec(
            DEMO_SENDER, "Demo Founder", window=parse_window("mon-sun 00:00-24:00"),
            timezone="Europe/Oslo", daily_cap=40, min_gap_seconds=0))
        for language, offer in DEMO_OFFER.items():
            set_sender_profile(conn, workspace_id, DEMO_SENDER, language=language, **offer)
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
        "id": campaign["id"],
        "name": campaign["name"],
        "status": campaign["status"],
        "segment": f"{DEMO_SEGMENT} v{segment.version}",
        "audience": campaign["audience_size"],
        "left_out": campaign["audience_excluded"],
        "pack": f"{pack.name}@{pack.version}",
        "top": top,
    }


def _drafts(settings: Settings, campaign_id: str) -> dict:
    """Draft and judge through the campaign's assets (template mode without a model), then
    approve the low-risk drafts as a reviewer would."""
    from gtm_assets.launch import materialize_assets

    result = materialize_assets(settings, ["drafts", "draft_judgements"], partition_key=campaign_id,
                                dynamic_partitions="campaign", tags={"gtm/command": "demo"})
    metadata = result.asset_materializations_for_node("drafts")[0].metadata
    with connect(settings) as conn:
        workspace_id = ensure_workspace(conn, settings.workspace)
        approved = approve_campaign_drafts(conn, workspace_id, campaign_id, reviewer="demo",
                                           max_risk=DEMO_MAX_RISK)
        counts = campaign_status(conn, workspace_id, DEMO_CAMPAIGN)["drafts"]
    return {"mode": metadata["mode"].value, "approved_now": approved, "by_status": counts,
            "max_risk": DEMO_MAX_RISK}


def _send(settings: Settings) -> dict:
    """ready -> queue the approved drafts -> sending -> one dispatcher tick (file sender)."""
    with connect(settings) as conn:
        workspace_id = ensure_workspace(conn, settings.workspace)
        if find_campaign(conn, workspace_id, DEMO_CAMPAIGN)["status"] == "drafting":
            transition(conn, workspace_id, DEMO_CAMPAIGN, "ready", "demo: drafts reviewed")
        queued = queue_campaign(conn, workspace_id, DEMO_CAMPAIGN, settings)
        start_sending(conn, workspace_id, DEMO_CAMPAIGN, "demo")
    dispatched = dispatch_due(lambda: connect(settings), settings, horizon_seconds=0)
    with connect(settings) as conn:
        outbox = list_messages(conn, workspace_id, campaign=DEMO_CAMPAIGN, limit=10)
    return {"queued": queued.queued, "blocked": queued.blocked, "sent": dispatched.sent,
            "outbox_dir": str(settings.outbox_dir),
            "outbox": [{k: m[k] for k in ("to_email", "subject", "status") if k in m}
                       for m in outbox]}


def _replies(settings: Settings) -> dict:
    """Realistic replies (EN/RU, out-of-office, bounces, unsubscribes) to the sent messages land
    in the Maildir once; collecting and classifying them runs the reply assets."""
    with connect(settings) as conn:
        workspace_id = ensure_workspace(conn, settings.workspace)
        seen = conn.execute(
            "select count(*) as n from reply_events r join messages m on m.id = r.message_id"
            " join campaigns c on c.id = m.campaign_id where c.workspace_id = %s and c.name = %s",
            (workspace_id, DEMO_CAMPAIGN)).fetchone()["n"]
        dropped = [] if seen else drop_demo_replies(settings, conn, workspace_id, DEMO_CAMPAIGN)
    report = collect_and_report(settings, campaign=DEMO_CAMPAIGN)
    return {"dropped": len(dropped), "events": report["reply_events"],
            "metrics": report["metrics"], "dagster_run_id": report["dagster_run_id"]}


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
    enrichment = summary["enrichment"]
    console.print("   Enrichment (firmographics offline; insights in rules mode without an LLM; "
                  "research skipped without a key):")
    for c in enrichment["companies"]:
        insight = c["insights"] or {}
        facts = ", ".join(f"{k}={v}" for k, v in list(c["firmographics"].items())[:4])
        console.print(f"   - [bold]{c['company']}[/] triage {c['triage'].get('priority')}: {facts}"
                      + (f"; insight ({insight.get('mode')}): {insight.get('summary')}"
                         if insight else ""), highlight=False)
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
    print_ranked_contacts("top-ranked contacts", campaign["top"])
    drafts = summary["drafts"]
    console.print(f"4. Drafts made in [bold]{drafts['mode']}[/] mode"
                  + (" (no LLM configured: the pack's templates, not research)"
                     if drafts["mode"] == "template" else "")
                  + f"; approved {drafts['approved_now']} at risk <= {drafts['max_risk']}: "
                  + ", ".join(f"{v} {k}" for k, v in sorted(drafts["by_status"].items())))
    sending = summary["sending"]
    console.print(f"5. Outbox: {sending['queued']} queued, {sending['sent']} sent through the "
                  f"file sender to {sending['outbox_dir']}")
    if sending["outbox"]:
        print_table("outbox", ("to", "subject", "status"),
                    ((m.get("to_email"), m.get("subject"), m.get("status"))
                     for m in sending["outbox"]))
    replies = summary["replies"]
    console.print(f"6. Replies: {replies['dropped']} dropped into the Maildir, collected and "
                  "classified (headers and rules; the LLM only when configured)")
    for row in replies["metrics"]:
        print_mapping(f"metrics: {row.get('campaign', DEMO_CAMPAIGN)}",
                      {k: v for k, v in row.items() if isinstance(v, int | float)})
    print_table("tables", ("table", "rows"), sorted(summary["tables"].items()))
    web = summary["web"]
    console.print(f"7. Review the drafts in the web app: `gtm up` (or `gtm web`), then "
                  f"{web['url']} and log in as {web['login']} / {web['password']}")
    console.print(
        "Next: `gtm up` for the Dagster UI, `gtm campaign:status demo`, "
        "`gtm contacts:import YOUR.csv`."
    )
