"""Printing for the CLI: rich tables for people, `--json` for scripts, errors on stderr."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from rich.console import Console
from rich.table import Table

console = Console()
err_console = Console(stderr=True, soft_wrap=True)  # an error stays one line


def print_json(data: Any) -> None:
    # Plain print, not rich: scripts need exact JSON with no markup or wrapping.
    print(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def print_table(title: str | None, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*("" if v is None else str(v) for v in row))
    console.print(table)


def print_mapping(title: str, data: Mapping[str, Any]) -> None:
    print_table(title, ("", ""), data.items())


def format_reasons(reasons: list[dict]) -> str:
    """'+0.25 industry=Software, -0.20 size 1200 > band 20-500' — how a score came about."""
    return ", ".join(f"{r['weight']:+.2f} {r['reason']}" for r in reasons)


def print_ranked_contacts(title: str, rows: Sequence[Mapping[str, Any]]) -> None:
    """Contacts with their ICP score and its reasons (`rank` shown when the rows have one)."""
    # A block per contact: the reasons are the point and would be crushed into a table column.
    if rows:
        console.print(f"[bold]{title}[/]")
    for r in rows:
        role = " at ".join(p for p in (r["position"], r["company"]) if p)
        rank = f"#{r['rank']} " if r.get("rank") is not None else ""
        score = "—" if r["score"] is None else f"{float(r['score']):.2f}"
        console.print(f"  {rank}[bold]{score}[/]  {r['name'] or r['email']}"
                      + (f", {role}" if role else "") + (f" <{r['email']}>" if r["email"] else ""),
                      highlight=False)
        if r["reasons"]:
            console.print(f"        {format_reasons(r['reasons'])}", highlight=False)
