"""Writing rows out for spreadsheets and scripts, safely."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Sequence
from typing import TextIO

# A cell starting with these is run as a formula by Excel / LibreOffice / Sheets.
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formula(value: object) -> object:
    """Prefix a text cell a spreadsheet would evaluate with an apostrophe (OWASP CSV injection)."""
    if isinstance(value, str) and value.startswith(_FORMULA_PREFIXES):
        return "'" + value
    return value


def write_csv(out: TextIO, columns: Sequence[str], rows: Iterable[dict]) -> int:
    writer = csv.writer(out)
    writer.writerow(columns)
    count = 0
    for row in rows:
        writer.writerow(
            ["" if row.get(c) is None else neutralise_formula(row.get(c)) for c in columns]
        )
        count += 1
    return count


def write_json_lines(out: TextIO, columns: Sequence[str], rows: Iterable[dict]) -> int:
    count = 0
    for row in rows:
        out.write(json.dumps({c: row.get(c) for c in columns}, ensure_ascii=False, default=str))
        out.write("\n")
        count += 1
    return count
