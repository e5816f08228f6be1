"""`gtm segment:create|preview|list|show`: saved audience filters (docs/segments.md).

Thin: parse the filter text, call `gtm.segments`, print. Segments are plain database rows, so no
Dagster run is involved; campaigns read them when they snapshot their audience.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from rich.syntax import Syntax

from gtm.cli.output import console, print_json, print_mapping, print_table
from gtm.cli.workspace import in_workspace
from gtm.db import connect
from gtm.db.workspaces import ensure_workspace
from gtm.errors import TerminalError
from gtm.segments import (
    active_icp_version,
    audience_query,
    create_segment,
    get_segment,
    list_segments,
    list_versions,
    preview_segment,
)
from gtm.settings import load_settings

_JSON = typer.Option(False, "--json", help="Machine-readable output.")
_NAME = typer.Argument(..., help="Segment name, e.g. RU_Fintech_CTOs_Q1.")
_FILTER = typer.Option(None, "--filter", "-f", help="Filter as JSON text (docs/segments.md).")
_FILTER_FILE = typer.Option(None, "--filter-file", exists=True, dir_okay=False, readable=True,
                            help="File holding the filter JSON.")
_VERSION = typer.Option(None, "--version", "-v", min=1, help="A past version (default: latest).")


def _read_filter(filter_json: str | None, filter_file: Path | None) -> str | None:
    if filter_json is not None and filter_file is not None:
        raise TerminalError("give the filter once: --filter JSON or --filter-file FILE, not both")
    return filter_file.read_text(encoding="utf-8") if filter_file is not None else filter_json


def segment_create(name: str = _NAME, filter_json: str | None = _FILTER,
                   filter_file: Path | None = _FILTER_FILE,
                   description: str | None = typer.Option(None, "--description", "-d"),
                   json_output: bool = _JSON) -> None:
    """Save a segment; saving a changed filter adds a version, an unchanged one adds nothing.

    Example: gtm segment:create Nordic_CTOs --filter '{"and": [{"field": "country", "op": "in",
    "value": ["NO", "SE"]}, {"field": "position", "op": "contains", "value": "cto"}]}'
    """
    definition = _read_filter(filter_json, filter_file)
    if definition is None:
        raise TerminalError("segment:create needs --filter JSON or --filter-file FILE")
    saved = in_workspace(create_segment, name, definition, created_by="cli",
                         description=description)
    if json_output:
        print_json(saved.to_json())
    elif saved.created:
        console.print(f"saved segment [bold]{saved.name}[/] version {saved.version}")
    else:
        console.print(f"segment [bold]{saved.name}[/] unchanged: the filter equals version "
                      f"{saved.version}, no new version")


def segment_preview(name: str | None = typer.Argument(None, help="Saved segment name."),
                    version: int | None = _VERSION, filter_json: str | None = _FILTER,
                    filter_file: Path | None = _FILTER_FILE,
                    page_size: int = typer.Option(20, "--page-size", "-n", min=1, max=1000),
                    cursor: str | None = typer.Option(None, "--cursor",
                                                      help="next_cursor of the previous page."),
                    json_output: bool = _JSON) -> None:
    """Count a segment's contacts and show one page of them, best ICP score first.

    Preview a saved segment by NAME, or an unsaved filter with --filter / --filter-file.

    Example: gtm segment:preview Nordic_CTOs --page-size 50
    """
    unsaved = _read_filter(filter_json, filter_file)
    if (name is None) == (unsaved is None):
        raise TerminalError("segment:preview needs a segment NAME or --filter/--filter-file")
    settings = load_settings()
    with connect(settings) as conn:
        workspace_id = ensure_workspace(conn, settings.workspace)
        saved = get_segment(conn, workspace_id, name, version) if name is not None else None
        definition = saved.definition if saved is not None else unsaved
        result = preview_segment(conn, workspace_id, definition, page_size=page_size,
                                 cursor=cursor)
    if json_output:
        print_json({"segment": name, "version": saved.version if saved else None,
                    **result.to_json()})
        return
    title = f"{name} v{saved.version}" if saved is not None else "unsaved filter"
    columns = ("name", "email", "position", "company", "country", "score", "outreach_sent_date")
    print_table(f"{title}: {result.count} contacts", columns,
                ([_cell(row[c]) for c in columns] for row in result.rows))
    if result.icp_version is None:
        console.print("no active ICP version: nobody is scored (set one with icp:set)")
    if result.next_cursor:
        again = f"segment:preview {name}" if name is not None else "segment:preview --filter …"
        console.print(f"next page: gtm {again} --cursor {result.next_cursor}", highlight=False)


def segment_list(json_output: bool = _JSON) -> None:
    """List saved segments with their latest version.

    Example: gtm segment:list
    """
    rows = in_workspace(list_segments)
    if json_output:
        print_json(rows)
        return
    columns = ("name", "latest_version", "version_created_at", "created_by", "description")
    print_table("segments", columns, ([_cell(r[c]) for c in columns] for r in rows))


def segment_show(name: str = _NAME, version: int | None = _VERSION,
                 json_output: bool = _JSON) -> None:
    """Show a segment's filter, its versions, and the SQL it compiles to (values as %(name)s).

    Example: gtm segment:show Nordic_CTOs --version 1
    """
    settings = load_settings()
    with connect(settings) as conn:
        workspace_id = ensure_workspace(conn, settings.workspace)
        saved = get_segment(conn, workspace_id, name, version)
        versions = list_versions(conn, workspace_id, name)
        query, params = audience_query(workspace_id, saved.definition,
                                       active_icp_version(conn, workspace_id))
        sql_text = query.as_string(conn)
    if json_output:
        print_json({**saved.to_json(), "versions": versions, "sql": sql_text, "params": params})
        return
    print_mapping(f"segment {saved.name}", {
        "version": f"{saved.version} of {saved.latest_version}", "sql_hash": saved.sql_hash,
        "created": f"{_cell(saved.created_at)} by {saved.created_by or '?'}"})
    console.print(Syntax(json.dumps(saved.definition, indent=2, ensure_ascii=False), "json"))
    console.print(Syntax(sql_text, "sql", word_wrap=True))
    print_mapping("parameters", {k: repr(v) for k, v in params.items()})
    print_table("versions", ("version", "created_at", "created_by", "sql_hash"),
                ((v["version"], _cell(v["created_at"]), v["created_by"], v["sql_hash"][:12])
                 for v in versions))


def _cell(value: Any) -> Any:
    """Dates without microseconds, scores to 3 places: a table is for reading."""
    if hasattr(value, "isoformat"):
        return value.isoformat(timespec="minutes") if hasattr(value, "hour") else value.isoformat()
    if isinstance(value, float):
        return f"{value:.3f}"
    return value
