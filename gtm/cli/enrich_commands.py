"""`gtm enrich:run`: the enrichment stages for a batch, a company or the whole workspace.

With `--batch` the enrichment assets run for that `import_batch` partition on the project's
Dagster instance (the run shows in the UI). Without it (the whole workspace, or `--company`
across batches) the same `gtm.enrich.pipeline` functions run directly with a progress bar;
only stale or changed records do work either way. Offline (no EXA_API_KEY,
GTM_REGISTRIES_ENABLED unset, no LLM model) it runs firmographics, triage and rules insights,
and says that research and registry checks were skipped.
"""

from __future__ import annotations

import os
from contextlib import contextmanager, nullcontext

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from gtm.cli.output import console, print_json, print_table
from gtm.db import connect
from gtm.db.workspaces import ensure_workspace
from gtm.enrich.entities import any_companies
from gtm.enrich.pipeline import STAGES, run_enrichment
from gtm.errors import TerminalError
from gtm.settings import load_settings


def _providers():
    from gtm_resources.research import registries_resource_from_env, research_resource_from_env

    research = research_resource_from_env()
    if research.api_key is not None:  # an EnvVar in the resource; read the value here
        research = type(research)(api_key=os.environ["EXA_API_KEY"])
    return research.provider(), registries_resource_from_env().clients()


_BATCH = typer.Option(None, "--batch", help="import_batch partition key.")
_STAGE = typer.Option(None, "--stage", help=f"Only this stage (repeatable): {', '.join(STAGES)}")
_COMPANY = typer.Option(None, "--company", help="Only this company id (repeatable).")
_REFRESH = typer.Option(False, "--refresh", help="Ignore cached results and re-run.")
_JSON = typer.Option(False, "--json", help="Machine-readable output.")


def enrich_run(batch: str | None = _BATCH, stage: list[str] | None = _STAGE,
               company: list[str] | None = _COMPANY, refresh: bool = _REFRESH,
               json_output: bool = _JSON) -> None:
    """Run enrichment (firmographics -> triage -> registries / research -> insights -> QC).

    Example: gtm enrich:run --batch 3f2a9c01d4e5b6a7 --stage firmographics
    """
    stage, company = stage or [], company or []
    unknown = [s for s in stage if s not in STAGES]
    if unknown:
        raise TerminalError(f"unknown stage {unknown[0]!r}; stages: {', '.join(STAGES)}")
    settings = load_settings()
    selected = [s for s in STAGES if not stage or s in stage]
    if batch:
        report = _run_via_dagster(settings, batch, selected, company, refresh, json_output)
    else:
        report = _run_direct(settings, selected, company, refresh, json_output)
    if json_output:
        print_json(report)
        return
    _print(report)


def _run_via_dagster(settings, batch, selected, company, refresh, json_output) -> dict:
    from gtm_assets.launch import materialize_assets  # Dagster loads only for commands that run

    with connect(settings) as conn:
        workspace_id = ensure_workspace(conn, settings.workspace)
        if not any_companies(conn, workspace_id, batch=batch, company_ids=company or None):
            raise TerminalError(f"no companies in batch {batch!r}")
    config = {"refresh": refresh, "company_ids": company}
    with console.status(f"enriching batch {batch} on Dagster ({len(selected)} assets)",
                        spinner="dots") if not json_output else nullcontext():
        result = materialize_assets(
            settings, selected, partition_key=batch, dynamic_partitions="import_batch",
            run_config={"ops": {name: {"config": config} for name in selected}},
            tags={"gtm/command": "enrich:run"})
    reports = {}
    for event in result.get_asset_materialization_events():
        materialization = event.event_specific_data.materialization
        reports[materialization.asset_key.path[-1]] = materialization.metadata["report"].value
    return {**{name: reports[name] for name in STAGES if name in reports},
            "dagster_run_id": result.run_id}


def enrich_for_demo(settings, batch: str, *, limit: int = 10) -> dict:
    """For `gtm demo`: run the enrichment assets for the sample batch on Dagster, then return
    {"report": per-stage counts, "companies": firmographics + insights (mode-labelled)}."""
    from gtm.enrich.demo import enrichment_overview

    report = _run_via_dagster(settings, batch, list(STAGES), [], False, True)
    message = (report.get("research_L2") or {}).get("message", "")
    with connect(settings) as conn:
        workspace_id = ensure_workspace(conn, settings.workspace)
        companies = enrichment_overview(conn, workspace_id, batch=batch, limit=limit,
                                        research=message)
    return {"report": report, "companies": companies}


def _run_direct(settings, selected, company, refresh, json_output) -> dict:
    research, registries = _providers()
    with connect(settings) as conn:
        workspace_id = ensure_workspace(conn, settings.workspace)
        if not any_companies(conn, workspace_id, company_ids=company or None):
            raise TerminalError("no companies match (check --company)")
    # The AI trace wraps the stages' transaction: its interactions (which reference the
    # companies and contacts being written) are flushed after that transaction commits.
    with _insights_programs(settings, workspace_id) as programs, connect(settings) as conn, \
            Progress(TextColumn("[bold]enrich"), BarColumn(), MofNCompleteColumn(),
                     console=console, disable=json_output, transient=True) as progress:
        task = progress.add_task("enrich", total=None)
        return run_enrichment(
            conn, workspace_id, company_ids=company or None,
            stages=selected, refresh=refresh, research=research, registries=registries,
            **programs, progress=lambda n: progress.advance(task, n))


@contextmanager
def _insights_programs(settings, workspace_id: str):
    """The DSPy insights programs on the LLM layer inside an `enrich:run` AI trace, as
    `run_enrichment` keywords; none in rules mode."""
    from gtm.providers.llm import LLMClient, dspy_lm, llm_mode

    if llm_mode(settings, "research") != "llm":
        yield {}
        return
    from gtm.concurrency import workers_for
    from gtm.enrich.insights_program import (
        CompanyInsightsProgram,
        EmployeeInsightsProgram,
        insights_generator,
    )
    from gtm.observability import trace_run

    lm = dspy_lm(LLMClient(settings), "research")
    with trace_run(lambda: connect(settings), workspace_id, "enrich:run") as trace:
        yield {"generate": insights_generator(CompanyInsightsProgram(), lm, trace),
               "generate_employee": insights_generator(EmployeeInsightsProgram(), lm, trace),
               "model": settings.llm_model, "llm_workers": workers_for(settings)}


def _print(report: dict) -> None:
    rows = []
    for name, part in report.items():
        if not isinstance(part, dict):
            continue
        for label, counts in ((f"{name} (companies)", part.get("companies")),
                              (f"{name} (employees)", part.get("employees"))):
            if counts:
                rows.append(_row(label, counts))
        if "companies" not in part or name == "enrichment_qc":
            rows.append(_row(name, part))
    print_table("enrichment", ("stage", "ran", "cached", "skipped",
                                                     "errors", "note"), rows)
    if (report.get("research_L2") or {}).get("message"):
        console.print("research skipped: no key (set EXA_API_KEY)")
    if report.get("dagster_run_id"):
        console.print(f"Dagster run {report['dagster_run_id']}")


def _row(label: str, counts: dict) -> tuple:
    ran = counts.get("ok", 0) + counts.get("no_data", 0) + counts.get("written", 0)
    note = counts.get("message") or ""
    if counts.get("modes"):
        note = "mode: " + ", ".join(f"{k}={v}" for k, v in counts["modes"].items())
    if "firmographics_coverage" in counts:
        note = (f"coverage {counts['firmographics_coverage']}, "
                f"conflicts {counts['conflict_count']}")
    if counts.get("skip_reasons"):
        note = "; ".join(f"{k}: {v}" for k, v in counts["skip_reasons"].items())
    return (label, ran, counts.get("cached", ""), counts.get("skipped", ""),
            counts.get("errors", ""), note)
