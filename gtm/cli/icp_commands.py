"""`gtm icp:show` and `gtm icp:set FILE`.

`icp:set` stores the file as a new ICP version when it changed, then runs the scoring assets
(`icp_profile` observed, `contact_scores` materialised) on the project's Dagster instance, so the
re-score shows in the UI as one run; this module only validates, stores and prints.
"""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

import typer

from gtm.cli.output import console, print_json, print_ranked_contacts, print_table
from gtm.db import connect
from gtm.db.workspaces import ensure_workspace
from gtm.errors import TerminalError
from gtm.icp import (
    IcpVersion,
    active_icp,
    load_icp_file,
    score_counts,
    set_icp,
    top_contacts,
)
from gtm.icp.profile import DEFAULT_ICP_FILE
from gtm.icp.scoring import ScoringReport
from gtm.icp.store import ScoreCounts
from gtm.settings import Settings, load_settings

SCORING_ASSETS = ["icp_profile", "contact_scores"]

_JSON = typer.Option(False, "--json", help="Machine-readable output.")
_ICP_FILE = typer.Argument(DEFAULT_ICP_FILE, dir_okay=False,
                           help="ICP TOML file (default: playbook/icp.toml).")


@dataclass
class IcpSetResult:
    icp: IcpVersion
    created: bool
    counts: ScoreCounts
    top: list[dict]
    report: ScoringReport | None = None  # None: nothing to re-score, no run launched
    run_id: str | None = None

    def to_json(self) -> dict:
        return {"version": self.icp.version, "created": self.created,
                "content_hash": self.icp.content_hash, "dagster_run_id": self.run_id,
                "report": self.report.to_json() if self.report else None,
                "counts": vars(self.counts) | {"unscored": self.counts.unscored},
                "top_contacts": self.top}


def set_icp_via_dagster(settings: Settings, path: Path, *, top: int = 10) -> IcpSetResult:
    """Validate and store the ICP file, then re-score through Dagster when anything changed."""
    from gtm_assets.launch import materialize_assets  # Dagster loads only for commands that run

    definition = load_icp_file(path)
    with connect(settings) as conn:
        workspace_id = ensure_workspace(conn, settings.workspace)
        icp, created = set_icp(conn, workspace_id, definition, created_by="cli")
        stale = score_counts(conn, workspace_id, icp).unscored > 0
    report = run_id = None
    # Same ICP and every contact scored under it: a run would only repeat the last one.
    if created or stale:
        result = materialize_assets(settings, SCORING_ASSETS, tags={
            "gtm/command": "icp:set", "gtm/file": path.name, "gtm/icp_version": str(icp.version)})
        metadata = result.asset_materializations_for_node("contact_scores")[0].metadata
        report, run_id = ScoringReport.from_json(metadata["report"].value), result.run_id
    with connect(settings) as conn:
        return IcpSetResult(icp, created, score_counts(conn, workspace_id, icp),
                            top_contacts(conn, workspace_id, icp.version, limit=top),
                            report, run_id)


def icp_set(path: Path = _ICP_FILE,
            top: int = typer.Option(10, "--top", min=0, help="Top contacts to show."),
            json_output: bool = _JSON) -> None:
    """Make FILE the ICP (a new version if it changed) and re-score every contact.

    Example: gtm icp:set playbook/icp.toml
    """
    spinner = nullcontext() if json_output else console.status(f"scoring with {path.name} …")
    with spinner:
        outcome = set_icp_via_dagster(load_settings(), path, top=top)
    if json_output:
        print_json(outcome.to_json())
        return
    icp = outcome.icp
    state = "stored as a new version" if outcome.created else "unchanged, already active"
    console.print(f"[bold]ICP v{icp.version}[/] {icp.definition.name!r}: {state} "
                  f"(sha256 {icp.content_hash[:12]})")
    if outcome.report is not None:
        _print_report(outcome.report)
    _print_counts(outcome.counts, icp)
    print_ranked_contacts("top contacts", outcome.top)
    if outcome.run_id:
        console.print(f"Dagster run {outcome.run_id}")


def icp_show(json_output: bool = _JSON) -> None:
    """Show the active ICP: version, content hash, definition, and how many contacts it scored.

    Example: gtm icp:show --json
    """
    settings = load_settings()
    with connect(settings) as conn:
        workspace_id = ensure_workspace(conn, settings.workspace)
        icp = active_icp(conn, workspace_id)
        if icp is None:
            raise TerminalError(f"no ICP yet: set one with `gtm icp:set {DEFAULT_ICP_FILE}`")
        counts = score_counts(conn, workspace_id, icp)
    if json_output:
        print_json(icp.to_json() | {"counts": vars(counts) | {"unscored": counts.unscored}})
        return
    definition = icp.definition
    console.print(f"[bold]ICP v{icp.version}[/] {definition.name!r} — sha256 {icp.content_hash}, "
                  f"set {icp.created_at:%Y-%m-%d %H:%M}")
    if definition.description:
        console.print(" ".join(definition.description.split()))
    rows = [(f"{section}.{key}", _cell(value))
            for section, values in definition.model_dump(mode="json").items()
            if isinstance(values, dict) for key, value in values.items() if value not in ([], None)]
    print_table("definition", ("field", "value"),
                [("min_score", definition.min_score), *rows])
    _print_counts(counts, icp)


def _cell(value) -> str:
    if isinstance(value, list):
        return ", ".join(f"{v['min']}-{v['max'] or ''}" if isinstance(v, dict) else str(v)
                         for v in value)
    return str(value)


def _print_report(report: ScoringReport) -> None:
    console.print(report.summary_line())
    widest = max(report.distribution.values(), default=0) or 1
    print_table("score distribution", ("score", "contacts", ""),
                ((bucket, n, "█" * round(30 * n / widest))
                 for bucket, n in report.distribution.items()))
    print_table("top reasons", ("reason", "contacts"),
                ((r["reason"], r["contacts"]) for r in report.top_reasons))


def _print_counts(counts: ScoreCounts, icp: IcpVersion) -> None:
    console.print(f"{counts.scored} of {counts.employees} contacts scored under v{icp.version}: "
                  f"{counts.matches} at or above {icp.definition.min_score}, "
                  f"{counts.excluded} excluded"
                  + (f", {counts.unscored} not scored yet" if counts.unscored else ""))
