"""CSV file -> staged batch: read (streaming), map columns, normalise, validate, reject.

The staged frame holds one row per accepted input row in canonical, normalised form; every row
refused carries a reason code and its raw cells. Nothing here touches the database.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from gtm.errors import TerminalError
from gtm.intake import reading
from gtm.intake.mapping import ColumnMapping, map_columns
from gtm.intake.normalize import companies, countries, domains, emails, identifiers, names

KINDS = ("contacts", "companies", "employees")
AUTO = "auto"  # the inbox sensor's kind: decided from which columns the file maps
BATCH_ROWS = 50_000

# Reason codes stored in import_rejects.
MISSING_EMAIL = "missing_email"
INVALID_EMAIL = "invalid_email"
INVALID_TIN = "invalid_tin"
INVALID_REGISTRATION_NUMBER = "invalid_registration_number"
MISSING_COMPANY = "missing_company"
INVALID_NUMBER = "invalid_number"
UNMAPPED_REQUIRED_COLUMN = "unmapped_required_column"
EXTRA_VALUES = "extra_values"

TEXT_COLUMNS = (
    "company_name", "normalized_name", "legal_form", "domain", "website", "tin",
    "registration_number", "country", "city", "industry", "segment", "full_name", "first_name",
    "last_name", "email", "position", "seniority", "department", "linkedin_url", "phone",
    "timezone", "language", "client_status",
)  # fmt: skip
STAGED_SCHEMA: dict[str, pl.DataType] = {
    "row_number": pl.Int64, **{c: pl.String for c in TEXT_COLUMNS},
    "size_employees": pl.Int64, "sme_registry": pl.Boolean,
    "email_is_role": pl.Boolean, "email_is_disposable": pl.Boolean,
}  # fmt: skip
REJECT_SCHEMA = {"row_number": pl.Int64, "reason_code": pl.String, "detail": pl.String,
                 "raw": pl.String}
_COMPANY_IDENTITY = ("company_name", "domain", "website", "tin", "registration_number")
_PERSON_IDENTITY = ("email", "full_name", "first_name", "last_name")
_TRUE = {"1", "true", "yes", "y", "да", "x", "+"}
_FALSE = {"0", "false", "no", "n", "нет", "-"}


class ImportKindError(TerminalError):
    """An unknown import kind was asked for."""


@dataclass
class StagedBatch:
    """A file read and normalised, with what it takes to apply it; the staged asset's value."""

    frame: pl.DataFrame
    rejects: pl.DataFrame
    mapping: ColumnMapping
    fmt: reading.CsvFormat
    rows_read: int
    kind: str
    file_name: str
    sha256: str
    forced: bool = False


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def missing_required_columns(mapping: ColumnMapping, kind: str) -> list[str]:
    """The identity columns a kind of import needs but the mapping lacks (as 'a|b|c' choices)."""
    mapped = set(mapping.field_to_source)
    needs = {"companies": [_COMPANY_IDENTITY], "employees": [_PERSON_IDENTITY],
             "contacts": [_PERSON_IDENTITY, _COMPANY_IDENTITY]}[kind]
    return ["|".join(group) for group in needs if not mapped & set(group)]


def infer_kind(mapping: ColumnMapping) -> str:
    """contacts when people and companies are mapped, else whichever of the two is."""
    mapped = set(mapping.field_to_source)
    people, firms = bool(mapped & set(_PERSON_IDENTITY)), bool(mapped & set(_COMPANY_IDENTITY))
    return "contacts" if people and firms else "employees" if people else "companies"


def stage_file(path: Path, kind: str, overrides: Mapping[str, str] | None = None,
               progress: Callable[[int], None] | None = None) -> StagedBatch:
    """Read, map and normalise a whole file; `progress(rows_done)` after each chunk."""
    if kind not in (*KINDS, AUTO):
        raise ImportKindError(f"unknown import kind {kind!r}; use one of {', '.join(KINDS)}")
    if not path.is_file():
        raise TerminalError(f"no such file: {path}")
    sha256 = file_sha256(path)
    fmt = reading.detect_format(path)
    mapping = map_columns(reading.read_header(path, fmt), overrides)
    if kind == AUTO:
        kind = infer_kind(mapping)
    missing = missing_required_columns(mapping, kind)
    normaliser = _RowNormaliser(mapping, kind, missing)
    frames, rejects, rows_read = [], [], 0
    for chunk in reading.iter_batches(path, fmt, BATCH_ROWS):
        staged, refused = normaliser.normalise(chunk)
        frames.append(staged)
        rejects.append(refused)
        rows_read += len(chunk)
        if progress:
            progress(rows_read)
    frame = pl.concat(frames) if frames else pl.DataFrame(schema=STAGED_SCHEMA)
    refused = pl.concat(rejects) if rejects else pl.DataFrame(schema=REJECT_SCHEMA)
    return StagedBatch(frame, refused, mapping, fmt, rows_read, kind, path.name, sha256)


class _RowNormaliser:
    """Normalises chunks row by row, memoising the per-value work that repeats across rows."""

    def __init__(self, mapping: ColumnMapping, kind: str, missing_columns: list[str]):
        self.sources = mapping.field_to_source
        self.kind = kind
        self.missing_columns = missing_columns
        self._memo: dict[str, dict] = {}

    def _cached(self, name: str, fn: Callable, value):
        memo = self._memo.setdefault(name, {})
        if value not in memo:
            memo[value] = fn(value)
        return memo[value]

    def normalise(self, chunk: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
        columns = {f: chunk[src].to_list() for f, src in self.sources.items()}
        row_numbers = chunk["row_number"].to_list()
        extras = chunk["extra_values"].to_list() if "extra_values" in chunk.columns else None
        accepted: list[dict] = []
        refused: list[dict] = []
        for i, row_number in enumerate(row_numbers):
            raw = {f: _blank_to_none(values[i]) for f, values in columns.items()}
            if self.missing_columns:
                reason = (UNMAPPED_REQUIRED_COLUMN,
                          "no column maps to " + "; ".join(self.missing_columns))
            elif extras is not None and extras[i] is not None:
                reason = (EXTRA_VALUES, f"more cells than header columns: {extras[i][:80]}")
            else:
                row, reason = self._row(raw)
                if reason is None:
                    row["row_number"] = row_number
                    accepted.append(row)
                    continue
            refused.append({"row_number": row_number, "reason_code": reason[0],
                            "detail": reason[1], "raw": _raw_json(chunk, i)})
        return (pl.DataFrame(accepted, schema=STAGED_SCHEMA),
                pl.DataFrame(refused, schema=REJECT_SCHEMA))

    def _row(self, raw: dict) -> tuple[dict, tuple[str, str] | None]:
        row: dict = {}
        country = self._cached("country", countries.to_iso_country, raw.get("country"))
        row["country"] = country
        for field in ("city", "industry", "segment", "position", "seniority", "department",
                      "linkedin_url", "phone", "timezone", "language", "client_status"):
            row[field] = raw.get(field)

        # Company identity.
        name = raw.get("company_name")
        if name:
            row["company_name"] = self._cached("display", companies.clean_company_display_name, name)
            row["normalized_name"] = self._cached("norm", companies.normalize_company_name, name) or None
            row["legal_form"] = self._cached("form", companies.legal_form, name)
        row["website"] = raw.get("website")
        row["domain"] = (self._cached("site", domains.domain_from_website, raw.get("domain"))
                         or self._cached("site", domains.domain_from_website, raw.get("website")))
        for field, validate, code in (
            ("tin", identifiers.validate_tin, INVALID_TIN),
            ("registration_number", identifiers.validate_registration_number,
             INVALID_REGISTRATION_NUMBER),
        ):
            result = validate(raw.get(field), country)
            if not result.valid:
                return row, (code, f"{field} {raw.get(field)!r} fails its check for {country or '?'}")
            row[field] = result.value
        try:
            row["size_employees"] = _size(raw.get("size_employees"))
        except ValueError:
            return row, (INVALID_NUMBER, f"size_employees {raw.get('size_employees')!r} is not a number")
        row["sme_registry"] = _boolean(raw.get("sme_registry"))

        if self.kind == "companies":
            if not any(row.get(f) for f in ("company_name", "domain", "tin", "registration_number")):
                return row, (MISSING_COMPANY, "no company name, domain or identifier")
            return row, None

        # Person identity.
        email = emails.normalize_email(raw.get("email"))
        if raw.get("email") and not email.valid:
            return row, (INVALID_EMAIL, f"email {raw.get('email')!r} is not a valid address")
        row["email"] = email.email
        row["email_is_role"] = email.is_role
        row["email_is_disposable"] = email.is_disposable
        first, last = raw.get("first_name"), raw.get("last_name")
        split = names.split_full_name(raw.get("full_name")) if not (first or last) else None
        row["first_name"] = names.clean_name_part(first) if first else (split and split.first)
        row["last_name"] = names.clean_name_part(last) if last else (split and split.last)
        row["full_name"] = " ".join(p for p in (row["first_name"], row["last_name"]) if p) or None
        if not row["domain"] and email.email:
            row["domain"] = domains.company_domain_from_email(email.email)
        has_company = bool(row.get("normalized_name") or row.get("domain") or row.get("tin"))
        if not email.email and not (row["last_name"] and has_company):
            return row, (MISSING_EMAIL, "no email, and no name + company to identify the person")
        return row, None


def _blank_to_none(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value or None


def _size(value: str | None) -> int | None:
    """Employee counts as exports write them: '250', '1,200', '51-200' (upper bound), '10000+'."""
    if not value:
        return None
    text = value.replace(",", "").replace(" ", "").replace("\u00a0", "").rstrip("+")
    if "-" in text:
        text = text.rsplit("-", 1)[1]
    number = int(float(text))
    if number < 0:
        raise ValueError(value)
    return number


def _boolean(value: str | None) -> bool | None:
    if not value:
        return None
    folded = value.strip().casefold()
    return True if folded in _TRUE else False if folded in _FALSE else None


def _raw_json(chunk: pl.DataFrame, index: int) -> str:
    row = chunk.row(index, named=True)
    return json.dumps({k: v for k, v in row.items() if k != "row_number" and v not in (None, "")},
                      ensure_ascii=False)
