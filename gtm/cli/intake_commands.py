"""`gtm contacts:import|company:import|employee:import` and the listing commands.

Imports run the intake assets on the project's Dagster instance (so the run shows in the UI);
this module only parses, checks for a no-op, and prints.
"""

from __future__ import annotations

import sys
from contextlib import nullcontext
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from gtm.cli.output import console, print_json, print_table
from gtm.cli.workspace import in_workspace
from gtm.db import connect
from gtm.db.contacts import (
    COMPANY_LIST_COLUMNS,
    EMPLOYEE_COLUMNS,
    get_company,
    iter_employees,
    list_companies,
    list_employees,
)
from gtm.db.workspaces import ensure_workspace
from gtm.errors import TerminalError
from gtm.settings import Settings, load_settings

if TYPE_CHECKING:
    from gtm.intake.batches import ImportReport

# The intake, ICP, enrichment and export modules load polars, Dagster and more: each is imported
# in the function that needs it, so a listing or a no-op re-import does not pay for the others.

INTAKE_ASSETS = ["staged_contacts", "companies", "employees", "import_report"]

_MAP = typer.Option([], "--map", help="Override a column: 'Source Column=field'. Repeatable.")
_FORCE = typer.Option(False, "--force", help="Re-apply a file that was already imported.")
_JSON = typer.Option(False, "--json", help="Machine-readable output.")
_FILE = typer.Argument(..., exists=True, dir_okay=False, readable=True, help="CSV file.")
_FORMAT = typer.Option("csv", "--format", help="csv | json (JSON lines).")
_OUTPUT = typer.Option(None, "--output", "-o", help="File to write (default: stdout).")


def import_via_dagster(settings: Settings, path: Path, kind: str, overrides: dict[str, str],
                       force: bool) -> tuple[ImportReport, str | None]:
    """Run the intake assets for one file; (report, run id), run id None for a no-op."""
    from gtm.intake.batches import applied_report, batch_key, file_sha256, load_report

    sha256 = file_sha256(path)
    with connect(settings) as conn:
        workspace_id = ensure_workspace(conn, settings.workspace)
        previous = None if force else applied_report(conn, workspace_id, sha256)
    if previous is not None:
        previous.status = "already_applied"
        return previous, None
    # Dagster loads only when there is work: the no-op answer above stays fast.
    from gtm_assets.launch import materialize_assets

    config = {"path": str(path.resolve()), "kind": kind, "map": overrides, "force": force}
    result = materialize_assets(
        settings, INTAKE_ASSETS, partition_key=batch_key(sha256), dynamic_partitions="import_batch",
        run_config={"ops": {"staged_contacts": {"config": config}}},
        tags={"gtm/command": f"{kind}:import", "gtm/file": path.name},
    )
    with connect(settings) as conn:
        return load_report(conn, workspace_id, batch_key(sha256)), result.run_id


def icp_matches(settings: Settings, report: ImportReport) -> int | None:
    """Contacts of the batch that match the active ICP (None without one), scoring the new ones
    first through the `contact_scores` asset, as the daemon's eager automation would."""
    from gtm.icp import active_icp, batch_matches

    with connect(settings) as conn:
        workspace_id = ensure_workspace(conn, settings.workspace)
        icp = active_icp(conn, workspace_id)
    if icp is None or report.kind == "companies":
        return None
    if report.status != "already_applied":
        from gtm_assets.launch import materialize_assets

        materialize_assets(settings, ["contact_scores"],
                           tags={"gtm/command": f"{report.kind}:import"})
    with connect(settings) as conn:
        return batch_matches(conn, workspace_id, report.batch_id, icp)


def run_import(path: Path, kind: str, mapping: list[str], force: bool, json_output: bool) -> None:
    from gtm.intake.mapping import parse_map_overrides

    overrides = parse_map_overrides(mapping)
    settings = load_settings()
    spinner = nullcontext() if json_output else console.status(f"importing {path.name} …")
    with spinner:
        report, run_id = import_via_dagster(settings, path, kind, overrides, force)
        matches = icp_matches(settings, report)
    _print_report(report, json_output, run_id=run_id, matches=matches)


def _print_report(report: ImportReport, json_output: bool, run_id: str | None = None,
                  matches: int | None = None) -> None:
    from gtm.intake.batches import report_rows, summary_line

    # The line a user reads first: "847 rows -> 612 unique contacts …, 340 match your ICP".
    summary = summary_line(report) + ("" if matches is None else f", {matches} match your ICP")
    if json_output:
        print_json({**report.to_json(), "summary": summary, "icp_matches": matches,
                    "dagster_run_id": run_id})
        return
    console.print(f"[bold]{report.file_name}[/] (batch {report.batch_id}, {report.kind})")
    mapped = [(c["source"], c["field"] or "—", c["method"] or "unmapped")
              for c in report.mapping.get("columns", [])]
    print_table(f"column mapping ({report.mapping.get('detected_format') or 'generic'})",
                ("column", "field", "how"), mapped)
    print_table("import report", ("", "companies", "employees"), report_rows(report))
    if report.reasons:
        print_table("rejected rows", ("reason", "rows"), sorted(report.reasons.items()))
    console.print(summary)
    if run_id:
        console.print(f"Dagster run {run_id}")


def contacts_import(path: Path = _FILE, map: list[str] = _MAP, force: bool = _FORCE,
                    json_output: bool = _JSON) -> None:
    """Import one file of people with their companies (the common case).

    Example: gtm contacts:import apollo-export.csv --map "Work Email=email"
    """
    run_import(path, "contacts", map, force, json_output)


def company_import(path: Path = _FILE, map: list[str] = _MAP, force: bool = _FORCE,
                   json_output: bool = _JSON) -> None:
    """Import companies (dedupe by tax id, registration number, domain, name).

    Example: gtm company:import companies.csv
    """
    run_import(path, "companies", map, force, json_output)


def employee_import(path: Path = _FILE, map: list[str] = _MAP, force: bool = _FORCE,
                    json_output: bool = _JSON) -> None:
    """Import people (dedupe by email, then name within the same company).

    Example: gtm employee:import linkedin-connections.csv
    """
    run_import(path, "employees", map, force, json_output)


def _company_with_facts(conn, workspace_id: str, company: str) -> dict:
    from gtm.enrich.demo import company_facts_with_sources

    row = get_company(conn, workspace_id, company)
    return {**row, "facts": company_facts_with_sources(conn, workspace_id, row["id"])}


def company_list(search: str | None = typer.Option(None, "--search", "-s", help="Name or domain."),
                 limit: int = typer.Option(50, min=1), json_output: bool = _JSON) -> None:
    """List companies.

    Example: gtm company:list --search acme
    """
    rows = in_workspace(list_companies, search=search, limit=limit)
    if json_output:
        print_json(rows)
    else:
        print_table("companies", COMPANY_LIST_COLUMNS,
                    ([r[c] for c in COMPANY_LIST_COLUMNS] for r in rows))


def company_inspect(company: str = typer.Argument(..., help="Company id, domain or name."),
                    json_output: bool = _JSON) -> None:
    """Show one company with its provenance, enrichment facts (each with its source) and employees.

    Example: gtm company:inspect acme.com
    """
    row = in_workspace(_company_with_facts, company)
    if json_output:
        print_json(row)
        return
    people = row.pop("employees")
    facts = row.pop("facts")
    print_table(row["name"], ("field", "value"),
                ((k, v) for k, v in row.items() if v not in (None, "", [], {})))
    if facts:
        print_table("enrichment facts", ("stage", "field", "value", "source", "retrieved"),
                    ((f.get("stage"), f.get("field"), f.get("value"), f.get("source"),
                      f.get("retrieved_at")) for f in facts))
    print_table("employees", ("id", "name", "email", "position"),
                ((p["id"], f"{p['first_name'] or ''} {p['last_name'] or ''}".strip(), p["email"],
                  p["position"]) for p in people))


def employee_list(search: str | None = typer.Option(None, "--search", "-s", help="Name or email."),
                  limit: int = typer.Option(50, min=1), json_output: bool = _JSON) -> None:
    """List employees (contacts).

    Example: gtm employee:list --search ivanov
    """
    rows = in_workspace(list_employees, search=search, limit=limit)
    if json_output:
        print_json(rows)
        return
    columns = ("first_name", "last_name", "email", "position", "company", "country")
    print_table("employees", columns, ([r[c] for c in columns] for r in rows))


def employee_export(fmt: str = _FORMAT, output: Path | None = _OUTPUT) -> None:
    """Export every employee. CSV cells that a spreadsheet would run as formulas are neutralised.

    Example: gtm employee:export --format csv -o contacts.csv
    """
    from gtm.exports import write_csv, write_json_lines

    writers = {"csv": write_csv, "json": write_json_lines}
    if fmt not in writers:
        raise TerminalError(f"unknown --format {fmt!r}; use csv or json")
    settings = load_settings()
    with connect(settings) as conn:
        workspace_id = ensure_workspace(conn, settings.workspace)
        out = output.open("w", encoding="utf-8", newline="") if output else sys.stdout
        try:
            count = writers[fmt](out, EMPLOYEE_COLUMNS, iter_employees(conn, workspace_id))
        finally:
            if output:
                out.close()
    if output:
        console.print(f"wrote {count} employees to {output}")
