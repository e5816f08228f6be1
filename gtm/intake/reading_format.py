"""How to read a CSV file of unknown provenance: encoding, delimiter, Excel `sep=` line, preamble.

What is detected (`detect_format`):

* encoding: UTF-8, UTF-8 with BOM, UTF-16 with BOM (Excel's "Unicode text"), cp1251 (Russian
  Windows), cp1252 (Western Windows), latin-1 (cp1252 with bytes cp1252 leaves undefined).
  The whole file is scanned once so that a non-ASCII byte after the first megabyte cannot
  turn a "UTF-8" guess into a decode error half-way through an import.
* delimiter: `,` `;` tab `|`, chosen as the one that splits the first records most consistently
  (quotes respected); an Excel `sep=;` first line wins over the guess.
* preamble: records before the header that hold a single cell or nothing (LinkedIn's
  "Notes:" lines, a title row, blank lines) are skipped.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from gtm.errors import TerminalError

DELIMITERS = (",", ";", "\t", "|")

_SCAN_CHUNK_BYTES = 1 << 20
_SAMPLE_CHARS = 1 << 16
_SAMPLE_RECORDS = 200
_MAX_PREAMBLE_RECORDS = 20
_MAX_ENCODING_WORDS = 5000
# Text files hold (almost) no control characters; random bytes hold ~10-25 %. The floor keeps
# a few stray C1 characters in a small latin-1 file from condemning it.
_MAX_CONTROL_CHAR_RATIO = 0.01
_MIN_CONTROL_CHARS = 8
# Bytes that cp1252 leaves undefined: a file containing them can only be latin-1.
_CP1252_UNDEFINED = (b"\x81", b"\x8d", b"\x8f", b"\x90", b"\x9d")
_SEP_LINE = re.compile(r'sep=([^\r\n"A-Za-z0-9])(\r\n|\n|\r|$)', re.IGNORECASE)
_HIGH_BYTE_WORD = re.compile(rb"[A-Za-z\x80-\xff]+")


class CsvReadError(TerminalError):
    """The file cannot be read as CSV; `reason` says why in words a user can act on."""

    def __init__(self, path: str | Path, reason: str) -> None:
        super().__init__(str(path), reason)
        self.path = str(path)
        self.reason = reason

    def __str__(self) -> str:
        return f"cannot read {self.path}: {self.reason}"


@dataclass(frozen=True)
class CsvFormat:
    """How to read one file: what `detect_format` found, or what a user forces."""

    encoding: str
    delimiter: str
    has_sep_line: bool = False
    preamble_records: int = 0  # records (blank ones included) before the header


def detect_format(path: str | Path) -> CsvFormat:
    """Detect encoding, delimiter, Excel `sep=` line and preamble of the CSV file at `path`."""
    path = Path(path)
    encoding = detect_encoding(path)
    with open_text(path, encoding) as text:
        sample = text.read(_SAMPLE_CHARS)
        complete = text.read(1) == ""
    sep_match = _SEP_LINE.match(sample)
    body = sample[sep_match.end() :] if sep_match else sample
    if not body.strip():
        raise CsvReadError(path, "the file is empty: no header row")
    _reject_binary(path, body)
    delimiter = sep_match.group(1) if sep_match else sniff_delimiter(body, complete)
    records = _sample_records(body, delimiter, complete)
    return CsvFormat(
        encoding=encoding,
        delimiter=delimiter,
        has_sep_line=sep_match is not None,
        preamble_records=_find_header_index(path, records),
    )


def detect_encoding(path: str | Path) -> str:
    """Return the Python codec name for the file, scanning all of it once in 1 MB chunks."""
    path = Path(path)
    try:
        with path.open("rb") as f:
            head = f.read(4)
            f.seek(0)
            if head.startswith(codecs.BOM_UTF8):
                return _check_decodes(path, f, "utf-8-sig")
            if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
                return _check_decodes(path, f, "utf-16")
            return _guess_bomless(path, f)
    except OSError as exc:
        raise CsvReadError(path, exc.strerror or str(exc)) from exc


def sniff_delimiter(text: str, complete: bool = True) -> str:
    """Pick the delimiter that splits the sample's records into the most consistent width.

    Score per candidate: share of non-blank records whose cell count equals the most common
    count, then that count (more columns is the likelier reading). A file where no candidate
    yields two or more columns is a single-column file and gets `,`.
    """
    best, best_score = ",", (0.0, 1)
    for delimiter in DELIMITERS:
        counts = [len(r) for r in _sample_records(text, delimiter, complete) if any(r)]
        if not counts:
            continue
        by_count = Counter(counts)
        width = max(by_count, key=lambda c: (by_count[c], c))
        if width < 2:
            continue
        score = (by_count[width] / len(counts), width)
        if score > best_score:
            best, best_score = delimiter, score
    return best


# --- encoding ------------------------------------------------------------------------------------


def _check_decodes(path: Path, f: io.BufferedReader, encoding: str) -> str:
    """Verify that a file with a BOM decodes entirely and holds no NUL characters."""
    decoder = codecs.getincrementaldecoder(encoding)()
    offset = 0
    try:
        while chunk := f.read(_SCAN_CHUNK_BYTES):
            if "\x00" in decoder.decode(chunk):
                raise nul_error(path)
            offset += len(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError as exc:
        raise CsvReadError(
            path,
            f"starts with a {encoding} byte-order mark but is not valid {encoding} "
            f"near byte {offset + exc.start}",
        ) from exc
    return encoding


def _guess_bomless(path: Path, f: io.BufferedReader) -> str:
    """UTF-8 if the whole file is valid UTF-8, else cp1251 / cp1252 / latin-1 by content."""
    if _is_utf8(path, f):
        return "utf-8"
    f.seek(0)
    cp1252_ok = True
    pure_high_words = mixed_words = 0
    seen_words = 0
    while chunk := f.read(_SCAN_CHUNK_BYTES):
        if b"\x00" in chunk:
            raise nul_error(path)
        if chunk.isascii():
            continue
        cp1252_ok = cp1252_ok and not any(b in chunk for b in _CP1252_UNDEFINED)
        if seen_words < _MAX_ENCODING_WORDS:
            for word in _HIGH_BYTE_WORD.findall(chunk):
                if word.isascii():
                    continue
                seen_words += 1
                # Cyrillic in cp1251 is whole words of high bytes; Western accents sit inside
                # otherwise-ASCII words ("Müller", "Société").
                if any(0x41 <= b <= 0x7A for b in word):
                    mixed_words += 1
                elif len(word) >= 2:
                    pure_high_words += 1
    if pure_high_words > mixed_words:
        return "cp1251"
    return "cp1252" if cp1252_ok else "latin-1"


def _is_utf8(path: Path, f: io.BufferedReader) -> bool:
    """Whether the whole file decodes as UTF-8; the content analysis is for the files that don't."""
    utf8 = codecs.getincrementaldecoder("utf-8")()
    try:
        while chunk := f.read(_SCAN_CHUNK_BYTES):
            if b"\x00" in chunk:
                raise nul_error(path)
            utf8.decode(chunk)
        utf8.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def nul_error(path: Path) -> CsvReadError:
    return CsvReadError(
        path,
        "contains NUL bytes: a binary file (e.g. .xlsx) or UTF-16 without a byte-order "
        "mark; export it as CSV (UTF-8)",
    )


def _reject_binary(path: Path, sample: str) -> None:
    controls = sum(1 for ch in sample if (ch < " " and ch not in "\t\r\n") or "\x7f" <= ch < "\xa0")
    if controls >= _MIN_CONTROL_CHARS and controls > _MAX_CONTROL_CHAR_RATIO * len(sample):
        raise CsvReadError(
            path,
            f"does not look like a text file ({controls} control characters in the "
            f"first {len(sample)})",
        )


# --- text and records ----------------------------------------------------------------------------


@contextmanager
def open_text(path: Path, encoding: str) -> Iterator[TextIO]:
    try:
        with path.open("r", encoding=encoding, newline="") as text:
            yield text
    except OSError as exc:
        raise CsvReadError(path, exc.strerror or str(exc)) from exc
    except UnicodeDecodeError as exc:
        raise CsvReadError(path, f"is not valid {encoding}: {exc.reason}") from exc


def _sample_records(text: str, delimiter: str, complete: bool) -> list[list[str]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    try:
        records = [r for _, r in zip(range(_SAMPLE_RECORDS + 1), reader, strict=False)]
    except csv.Error:
        return []
    if not complete and len(records) > 1:
        records.pop()  # probably cut in the middle by the sample size
    return records


def _find_header_index(path: Path, records: list[list[str]]) -> int:
    """Index of the header record: the first non-blank one, skipping a single-cell preamble."""
    multi_column = any(len(r) >= 2 for r in records[: _MAX_PREAMBLE_RECORDS + 1])
    for index, record in enumerate(records[: _MAX_PREAMBLE_RECORDS + 1]):
        if any(record) and (len(record) >= 2 or not multi_column):
            return index
    if any(any(r) for r in records):
        return 0
    raise CsvReadError(path, "no header row")
