"""`gtm campaign:generate-drafts`, `draft:*`, `sender:offer`, `benchmark:run`, `pack:optimize`:
thin wrappers over `gtm.drafting`.

`campaign:generate-drafts` runs the `drafts` and `draft_judgements` assets of the campaign's
partition on the project's Dagster instance (so the run shows in the UI), in this process, and
draws their progress as the library reports it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from gtm.campaigns.store import get_campaign
from gtm.cli.output import console, err_console, print_json, print_table
from gtm.cli.workspace import in_workspace
from gtm.db import connect
from gtm.db.workspaces import ensure_workspace
from gtm.drafting.evaluation import optimize_pack, run_benchmark
from gtm.drafting.generate import COVERAGE_TARGET, choose_variants
from gtm.drafting.judge import HIGH_RISK
from gtm.drafting.regenerate import regenerate_draft
from gtm.drafting.runner import reporting
from gtm.drafting.sender_profile import set_sender_profile
from gtm.drafting.store import get_draft, list_drafts
from gtm.errors import ConfigError
from gtm.observability import trace_run
from gtm.packs.catalog import load_pack
from gtm.providers.llm import LLMClient, llm_mode
from gtm.settings import load_settings

_JSON = typer.Option(False, "--json", help="Machine-readable output.")
_NAME = typer.Argument(..., help="Campaign name.")
_OUTPUT = typer.Option(None, "--output", "-o",
                       help="Report file; default $GTM_HOME/benchmarks/PACK-VERSION-MODE.json.")
_STAGES = {"drafts": "writing drafts", "judgements": "judging drafts"}


def campaign_generate_drafts(
    name: str = _NAME,
    variants: str | None = typer.Option(None, "--variants", help="Comma-separated variants; "
                                        "default: every variant of the campaign's pack."),
    limit: int | None = typer.Option(None, "--limit", min=1, help="Only the top N contacts."),
    redo: bool = typer.Option(False, "--redo", help="Rewrite drafts nobody has reviewed yet."),
    json_output: bool = _JSON,
) -> None:
    """Write (and judge) a draft for every contact of a campaign in each variant.

    Drafts that exist are kept; failed ones are retried. Exits 1 when under 95 % of the
    audience got a draft, after listing why.

    Example: gtm campaign:generate-drafts nordic-q1 --variants direct,casual --limit 50
    """
    from gtm_assets.launch import materialize_assets  # Dagster loads only for commands that run

    settings = load_settings()
    with connect(settings) as conn:
        campaign = get_campaign(conn, ensure_workspace(conn, settings.workspace), name)
    chosen = choose_variants(load_pack(settings, campaign["pack"]),
                             [v.strip() for v in variants.split(",") if v.strip()]
                             if variants else None)
    config = {"variants": chosen, "limit": limit, "redo": redo}
    with _progress(json_output) as listener, reporting(listener):
        result = materialize_assets(
            settings, ["drafts", "draft_judgements"], partition_key=campaign["id"],
            dynamic_partitions="campaign", run_config={"ops": {"drafts": {"config": config}}},
            tags={"gtm/command": "campaign:generate-drafts", "gtm/campaign": name})
    drafts = _metadata(result, "drafts")
    judged = _metadata(result, "draft_judgements")
    checks = {c.check_name: {"passed": c.passed,
                             **{k: v.value for k, v in c.metadata.items()}}
              for c in result.get_asset_check_evaluations()}
    summary = {"campaign": name, "campaign_id": campaign["id"], "dagster_run_id": result.run_id,
               "drafts": drafts, "judgements": judged, "checks": checks}
    if json_output:
        print_json(summary)
    else:
        _print_summary(summary)
    coverage = checks["drafts_cover_the_audience"]
    if not coverage["passed"]:
        err_console.print(f"[red]error:[/] only {coverage['drafted']} of {coverage['expected']} "
                          f"drafts written (under {COVERAGE_TARGET:.0%}); see `gtm draft:list "
                          f"{name} --status failed`", highlight=False)
        raise typer.Exit(1)


@contextmanager
def _progress(quiet: bool) -> Iterator:
    if quiet:
        yield lambda stage, done, total: None
        return
    tasks: dict[str, int] = {}
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn())
    with Progress(*columns, console=console, transient=False) as bar:
        def update(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(_STAGES.get(stage, stage), total=total)
            bar.update(tasks[stage], completed=done, total=total)

        yield update


def _metadata(result, node: str) -> dict:
    materializations = result.asset_materializations_for_node(node)
    return {k: v.value for k, v in materializations[0].metadata.items()} if materializations \
        else {}


def _print_summary(s: dict) -> None:
    d, j = s["drafts"], s["judgements"]
    mode = d.get("mode")
    how = (f"LLM ({d.get('model')})" if mode == "llm" else
           "template mode: the pack's fallback templates, no LLM call")
    console.print(f"[bold]{s['campaign']}[/]: {d.get('generated', 0)} drafts written by {how}; "
                  f"{d.get('flagged', 0)} flagged by the guardrails, {d.get('failed', 0)} failed, "
                  f"{d.get('skipped', 0)} already there", highlight=False)
    source = "the LLM judge" if j.get("mode") == "llm" else "rules only (no judge model)"
    logged = d.get("ai_calls", 0) + j.get("ai_calls", 0)
    cost = (d.get("ai_cost_usd") or 0) + (j.get("ai_cost_usd") or 0)
    console.print(f"judged {j.get('judged', 0)} by {source}: {j.get('high_risk', 0)} high risk "
                  f"(risk ≥ {HIGH_RISK}); {logged} ai_interactions logged, cost ${cost:.4f}",
                  highlight=False)
    for note in d.get("notes") or []:
        console.print(f"[yellow]note:[/] {note}", highlight=False)
    for check, outcome in s["checks"].items():
        mark = "[green]passed[/]" if outcome["passed"] else "[red]failed[/]"
        console.print(f"check {check}: {mark}", highlight=False)
    missing = s["checks"].get("drafts_cover_the_audience", {}).get("missing") or []
    if missing:
        print_table("missing drafts", ("email", "variant", "reason"),
                    ((m["email"], m["variant"], m["reason"]) for m in missing[:20]))
    console.print(f"Dagster run {s['dagster_run_id']} · review: gtm draft:list "
                  f"{s['campaign']} --high-risk", highlight=False)


def draft_list(
    name: str = _NAME,
    status: str | None = typer.Option(None, "--status", help="generated | approved | skipped | "
                                      "rejected | sent | failed"),
    high_risk: bool = typer.Option(False, "--high-risk", help=f"Only risk ≥ {HIGH_RISK}."),
    variant: str | None = typer.Option(None, "--variant"),
    limit: int = typer.Option(100, "--limit", min=1),
    json_output: bool = _JSON,
) -> None:
    """List a campaign's drafts, riskiest first.

    Example: gtm draft:list nordic-q1 --high-risk
    """
    settings = load_settings()
    with connect(settings) as conn:
        workspace_id = ensure_workspace(conn, settings.workspace)
        campaign = get_campaign(conn, workspace_id, name)
        rows = list_drafts(conn, workspace_id, campaign["id"], status=status, variant=variant,
                           min_risk=HIGH_RISK if high_risk else None, limit=limit)
    if json_output:
        print_json(rows)
        return
    # The id column never shrinks: it is what draft:show and draft:regenerate take.
    table = Table(title=f"drafts of {name}", title_justify="left")
    for column in ("risk", "status", "variant", "email", "subject", "guardrails"):
        table.add_column(column)
    table.add_column("id", no_wrap=True, min_width=36)
    for r in rows:
        table.add_row(_risk(r["risk_score"]), r["status"], r["variant"], r["email"],
                      r["subject"] or r["error"] or "",
                      "ok" if r["guardrails_passed"] else ", ".join(r["guardrail_failures"] or []),
                      r["id"])
    console.print(table)


def draft_show(draft_id: str = typer.Argument(..., help="Draft id (see draft:list)."),
               json_output: bool = _JSON) -> None:
    """Show one draft: the email, how it was made, its guardrails, the judge and its history.

    Example: gtm draft:show 1b4e28ba-2fa1-11d2-883f-0016d3cca427
    """
    draft = in_workspace(get_draft, draft_id)
    if json_output:
        print_json(draft)
        return
    console.rule(f"{draft['email']} · {draft['campaign']} · {draft['variant']} · "
                 f"v{draft['version']} · {draft['status']}")
    console.print(f"made by: {draft['mode']}" + (f" ({draft['model']})" if draft["model"] else "")
                  + f", pack {draft['pack']}@{draft['pack_version']}, {draft['language']}",
                  highlight=False)
    if draft["error"]:
        console.print(f"[red]failed:[/] {draft['error']}", highlight=False)
    else:
        console.print(f"Subject: {draft['subject']}\n\n{draft['body']}", markup=False,
                      highlight=False)
    for result in (draft["guardrails"] or {}).get("results", []):
        if not result["passed"]:
            console.print(f"[red]guardrail {result['name']}:[/] {result['detail']}",
                          highlight=False)
    judge = draft["judge"] or {}
    if judge:
        console.print(f"risk {_risk(draft['risk_score'])} · quality {judge.get('quality')} · "
                      f"judge: {judge.get('source')}", highlight=False)
        for reason in judge.get("reasons", []):
            console.print(f"  - {reason}", markup=False, highlight=False)
    for revision in draft["revisions"]:
        console.print(f"v{revision['version']}: {revision['reason_tag']} by "
                      f"{revision['editor'] or 'unknown'} ({revision['note'] or ''})",
                      highlight=False)


def draft_regenerate(
    draft_id: str = typer.Argument(..., help="Draft id (see draft:list)."),
    version: int = typer.Option(..., "--version", help="The version you looked at (draft:show); "
                                "refused if the draft has changed since."),
    angle: str | None = typer.Option(None, "--angle"),
    variant: str | None = typer.Option(None, "--variant", help="Another tone of the pack."),
    language: str | None = typer.Option(None, "--language"),
    json_output: bool = _JSON,
) -> None:
    """Write one draft again with another angle, variant or language, and judge it.

    Example: gtm draft:regenerate 1b4e28ba-2fa1-11d2-883f-0016d3cca427 --version 1 --variant casual
    """
    settings = load_settings()
    with connect(settings) as conn:
        draft = regenerate_draft(conn, settings, draft_id, expected_version=version,
                                 angle=angle, variant=variant, language=language, editor="cli")
    if json_output:
        print_json(draft)
        return
    console.print(f"draft {draft_id} is now version {draft['version']} ({draft['mode']}), "
                  f"risk {_risk(draft['risk_score'])}", highlight=False)
    console.print(f"Subject: {draft['subject']}\n\n{draft['body']}", markup=False,
                  highlight=False)


def sender_offer(
    email: str = typer.Argument(..., help="Sender email (see sender:list)."),
    language: str | None = typer.Option(None, "--language", help="en | ru; default: every "
                                        "language."),
    offer: str | None = typer.Option(None, "--offer", help="What you do, for whom (1-2 "
                                     "sentences)."),
    problem: str | None = typer.Option(None, "--problem", help="The pain you remove (a noun "
                                       "phrase)."),
    proof: str | None = typer.Option(None, "--proof", help="One true result; never invented."),
    name: str | None = typer.Option(None, "--name", help="Signature name."),
    title: str | None = typer.Option(None, "--title"),
    company: str | None = typer.Option(None, "--company"),
    json_output: bool = _JSON,
) -> None:
    """Set what a sender offers, per language: the drafts' `sender.offer/problem/proof`.

    Example: gtm sender:offer me@acme.com --language en --offer "We research your leads."
    """
    profile = in_workspace(set_sender_profile, email, language=language, offer=offer,
                           problem=problem, proof=proof, name=name, title=title, company=company)
    if json_output:
        print_json({"email": profile.email, "config": profile.config})
        return
    for code in ("en", "ru"):
        missing = profile.missing(code)
        console.print(f"{profile.email} ({code}): " + (f"missing {', '.join(missing)}" if missing
                                                        else "offer, problem and proof set"),
                      markup=False, highlight=False)


def benchmark_run(
    pack: str = typer.Argument(..., help="Pack name."),
    output: Path | None = _OUTPUT,
    limit: int | None = typer.Option(None, "--limit", min=1, help="Only the first N devset "
                                     "records (each drafted in every variant)."),
    json_output: bool = _JSON,
) -> None:
    """Score a pack on its devset: draft every record in every variant, check the guardrails,
    judge, and write a report. In template mode this scores the fallback templates.

    Example: gtm benchmark:run cold_first_touch
    """
    settings = load_settings()
    loaded = load_pack(settings, pack)
    logging.getLogger("dspy").setLevel(logging.WARNING)  # the report says it all, once
    with _model_session(settings, f"benchmark:{loaded.name}") as (client, trace):
        report = run_benchmark(settings, loaded, client=client, trace=trace, limit=limit)
    path = output or (settings.home_dir / "benchmarks" /
                      f"{loaded.name}-{loaded.version}-{report['mode']}.json")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, ensure_ascii=False, indent=2, default=str),
                    encoding="utf-8")
    if json_output:
        print_json({**report, "report": str(path)})
        return
    console.print(f"[bold]{loaded.name}[/]@{loaded.version}: {report['note']}; judge: "
                  f"{report['judge_source']}", highlight=False)
    print_table(None, ("examples", "score", "guardrails passed", "mean risk", "mean quality",
                       "high risk", "failed"),
                [(report["examples"], report["score"], report["guardrails_pass_rate"],
                  report["mean_risk"], report["mean_quality"], report["high_risk"],
                  report["failed"])])
    for row in report["results"]:
        if row["error"] or row["failures"]:
            console.print(f"[red]{row['id']} ({row['variant']}):[/] "
                          f"{row['error'] or '; '.join(row['failures'])}", highlight=False)
    console.print(f"report: {path}", highlight=False)


def pack_optimize(
    pack: str = typer.Argument(..., help="Pack name."),
    budget: str = typer.Option("light", "--budget", help="GEPA budget: light | medium | heavy."),
    max_calls: int | None = typer.Option(None, "--max-calls", min=1, help="Cap on metric calls "
                                         "instead of a budget preset."),
    json_output: bool = _JSON,
) -> None:
    """Optimise the drafting program's instructions for a pack with DSPy's GEPA on its devset.
    Needs a model (every call is a paid call); saves the result for this pack version, which
    drafting then uses.

    Example: GTM_LLM_MODEL=openai/gpt-4o-mini gtm pack:optimize cold_first_touch --budget light
    """
    settings = load_settings()
    if llm_mode(settings, "drafting") == "template":
        raise ConfigError("pack:optimize needs a drafting model (set GTM_LLM_MODEL, see "
                          "docs/llm.md): template mode has no prompts to optimise")
    loaded = load_pack(settings, pack)
    with _model_session(settings, f"pack:optimize:{loaded.name}") as (client, trace), \
            nullcontext() if json_output else console.status("GEPA is optimising …"):
        result = optimize_pack(settings, loaded, client, trace=trace, budget=budget,
                               max_metric_calls=max_calls)
    if json_output:
        print_json(result)
        return
    console.print(f"{loaded.name}@{loaded.version}: devset score {result['score_before']} -> "
                  f"{result['score_after']} ({result['model']}, budget {result['budget']})",
                  highlight=False)
    for name, text in result["instructions"].items():
        console.print(f"[bold]{name}[/]: {text}", highlight=False)
    console.print(f"saved: {result['saved_to']} (used by drafting for this pack version)",
                  highlight=False)


@contextmanager
def _model_session(settings, name: str) -> Iterator[tuple]:
    """(client, trace) when some task has a model, so every call is logged; (None, None) in
    template mode, which calls nothing and needs no database."""
    if "llm" not in (llm_mode(settings, "drafting"), llm_mode(settings, "judge")):
        yield None, None
        return
    with connect(settings) as conn:
        workspace_id = ensure_workspace(conn, settings.workspace)
    client = LLMClient(settings)
    try:
        with trace_run(lambda: connect(settings), workspace_id, name) as trace:
            yield client, trace
    finally:
        client.close()


def _risk(value) -> str:
    return "—" if value is None else f"{float(value):.2f}"
