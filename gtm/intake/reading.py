"""Read a CSV file of unknown provenance into batches of all-string polars frames.

The file is streamed (bounded memory for files of millions of rows) through Python's `csv`
module over a decoded text stream, which handles quoted delimiters and quoted newlines exactly.
How to read it (encoding, delimiter, `sep=` line, preamble) is detected by `reading_format`.

Row numbers: `row_number` counts CSV records as a spreadsheet shows them: the first record
after an Excel `sep=` line is 1 (Excel hides that line), preamble and blank records count,
and a record with quoted newlines is one row. Without a preamble the header is row 1 and the
first data row is 2.

Cell values are the source strings, except Excel's formula-protected `="00123"` which becomes
`00123`. Short records are padded with "", trailing empty header cells (Excel's phantom
columns) are dropped, and non-empty cells beyond the header go to `extra_values` as a JSON
array so that nothing in the file is silently lost. Blank records are skipped.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from itertools import chain, islice
from pathlib import Path
from typing import TextIO

import polars as pl

from gtm.intake.reading_format import (
    DELIMITERS,
    CsvFormat,
    CsvReadError,
    detect_encoding,
    detect_format,
    nul_error,
    open_text,
    sniff_delimiter,
)

__all__ = [
    "DELIMITERS", "EXTRA_VALUES", "RESERVED_COLUMNS", "ROW_NUMBER", "CsvFormat", "CsvReadError",
    "detect_encoding", "detect_format", "iter_batches", "make_unique_headers", "read_header",
    "sniff_delimiter",
]  # fmt: skip

ROW_NUMBER = "row_number"
EXTRA_VALUES = "extra_values"
RESERVED_COLUMNS = (ROW_NUMBER, EXTRA_VALUES)

_BLOCK_CHARS = 1 << 20


def make_unique_headers(raw: Sequence[str]) -> list[str]:
    """Strip header cells and make them unique: empty -> `column_<position>`, repeats -> `_2`.

    Trailing empty cells are dropped (Excel's phantom columns). A suffix never takes a name
    that appears elsewhere in the header, and the reserved output columns get suffixed too.
    """
    names = [cell.strip().lstrip("\ufeff") for cell in raw]
    while names and not names[-1]:
        names.pop()
    taken = set(RESERVED_COLUMNS) | {n for n in names if n}
    unique: list[str] = []
    used: set[str] = set()
    for position, name in enumerate(names, start=1):
        base = name or f"column_{position}"
        candidate, k = base, 2
        while (
            candidate in used
            or (candidate != name and candidate in taken)
            or (candidate in RESERVED_COLUMNS)
        ):
            candidate, k = f"{base}_{k}", k + 1
        used.add(candidate)
        unique.append(candidate)
    return unique


def read_header(path: str | Path, fmt: CsvFormat | None = None) -> list[str]:
    """Return the file's column names, made unique by `make_unique_headers`."""
    path = Path(path)
    fmt = fmt or detect_format(path)
    with _open_records(path, fmt) as records:
        return _read_header_record(path, records, fmt)[0]


def iter_batches(
    path: str | Path, fmt: CsvFormat | None = None, batch_size: int = 50_000
) -> Iterator[pl.DataFrame]:
    """Stream the data rows as frames of at most `batch_size` rows.

    Columns: `row_number` (Int64), one String column per header name, `extra_values` (String,
    null unless the record had non-empty cells beyond the header). A file with a header and no
    data yields nothing.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    path = Path(path)
    fmt = fmt or detect_format(path)
    with _open_records(path, fmt) as records:
        header, row_number = _read_header_record(path, records, fmt)
        width = len(header)
        rows: list[list[str]] = []
        numbers: list[int] = []
        extras: dict[int, str] = {}  # position in `rows` -> extra_values, for the few that have
        with _read_errors(path, records):
            while chunk := list(islice(records, batch_size)):
                first, row_number = row_number + 1, row_number + len(chunk)
                if set(map(len, chunk)) == {width} and all(map(any, chunk)):
                    rows += chunk  # the usual case: no blank, short or long record in the chunk
                    numbers += range(first, row_number + 1)
                else:
                    for number, record in enumerate(chunk, start=first):
                        if not any(record):
                            continue
                        if len(record) < width:
                            record += [""] * (width - len(record))
                        elif len(record) > width:
                            if extra := _extra_values(record[width:]):
                                extras[len(rows)] = extra
                            record = record[:width]
                        rows.append(record)
                        numbers.append(number)
                while len(rows) >= batch_size:
                    yield _to_frame(header, rows[:batch_size], numbers[:batch_size],
                                    [extras.get(i) for i in range(batch_size)])
                    del rows[:batch_size], numbers[:batch_size]
                    extras = {i - batch_size: e for i, e in extras.items() if i >= batch_size}
        if rows:
            yield _to_frame(header, rows, numbers, [extras.get(i) for i in range(len(rows))])


# --- records ------------------------------------------------------------------------------------


@contextmanager
def _open_records(path: Path, fmt: CsvFormat) -> Iterator[Iterator[list[str]]]:
    """Open the file as an iterator of CSV records positioned after the `sep=` line."""
    with open_text(path, fmt.encoding) as text:
        if fmt.has_sep_line:
            text.readline()
        lines = chain.from_iterable(_line_blocks(path, text))
        yield csv.reader(lines, delimiter=fmt.delimiter, strict=False)


def _line_blocks(path: Path, text: TextIO) -> Iterator[list[str]]:
    """The lines that iterating `text` gives, a large block at a time, checked for NUL.

    Reading blocks keeps the per-line work in C. The last line of a block may be cut short, or
    be a carriage return whose line feed opens the next block: it is carried over.
    """
    pending: list[str] = []
    while block := text.read(_BLOCK_CHARS):
        # Since Python 3.11 the csv module accepts NUL silently; a NUL means a binary file.
        if "\x00" in block:
            raise nul_error(path)
        if "\n" not in block and "\r" not in block:
            pending.append(block)
            continue
        lines = io.StringIO("".join(pending) + block, newline="").readlines()
        pending = [lines.pop()]
        yield lines
    if tail := "".join(pending):
        yield io.StringIO(tail, newline="").readlines()


@contextmanager
def _read_errors(path: Path, records: Iterator[list[str]]) -> Iterator[None]:
    """Re-raise the reader's low-level errors as `CsvReadError` naming the line."""
    try:
        yield
    except csv.Error as exc:
        line = getattr(records, "line_num", "?")
        raise CsvReadError(
            path, f"malformed CSV near line {line}: {exc} (an unbalanced quote?)"
        ) from exc
    except UnicodeDecodeError as exc:
        raise CsvReadError(path, f"is not valid {exc.encoding}: {exc.reason}") from exc


def _read_header_record(
    path: Path, records: Iterator[list[str]], fmt: CsvFormat
) -> tuple[list[str], int]:
    """Consume the preamble and the header; return the unique names and the header's row."""
    with _read_errors(path, records):
        for _ in range(fmt.preamble_records):
            if next(records, None) is None:
                break
        row_number = fmt.preamble_records
        for record in records:
            row_number += 1
            # A forced format may point at a blank record; the header is the next non-blank one.
            if any(record):
                return make_unique_headers(record), row_number
    raise CsvReadError(path, "no header row")


def _extra_values(cells: list[str]) -> str | None:
    while cells and not cells[-1]:
        cells.pop()
    return json.dumps(cells, ensure_ascii=False) if cells else None


def _to_frame(
    header: list[str], rows: list[list[str]], numbers: Sequence[int], extras: list[str | None]
) -> pl.DataFrame:
    frame = pl.DataFrame(rows, schema=dict.fromkeys(header, pl.String), orient="row")
    return frame.select(
        pl.Series(ROW_NUMBER, numbers, dtype=pl.Int64),
        *_unprotect_formulas(header),
        pl.Series(EXTRA_VALUES, extras, dtype=pl.String),
    )


def _unprotect_formulas(names: list[str]) -> list[pl.Expr]:
    """Excel's `="00123"` keeps leading zeros in Excel; the value is the quoted text."""
    exprs = []
    for name in names:
        col = pl.col(name)
        protected = col.str.starts_with('="') & col.str.ends_with('"') & (col.str.len_chars() >= 3)
        inner = col.str.slice(2, col.str.len_chars() - 3).str.replace_all('""', '"', literal=True)
        exprs.append(pl.when(protected).then(inner).otherwise(col).alias(name))
    return exprs
