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
