"""CSV file -> staged batch: read (streaming), map columns, normalise, validate, reject.

The staged frame holds one row per accepted input row in canonical, normalised form; every row
refused carries a reason code and its raw cells. Nothing here touches the database.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from gtm.errors import TerminalError
from gtm.intake import reading
from gtm.intake.batches import file_sha256
from gtm.intake.mapping import CANONICAL_FIELDS, ColumnMapping, LlmFallback, map_columns
from gtm.intake.normalize import (
    companies,
    countries,
    domains,
    emails,
    identifiers,
    names,
)
from gtm.intake.normalize.columns import DistinctMemo, strip_to_null

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
_PASSTHROUGH = ("city", "industry", "segment", "position", "seniority", "department",
                "linkedin_url", "phone", "timezone", "language", "client_status")
_MAX_SIZE = 2**31 - 1  # employees.size_employees is a Postgres integer
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
               progress: Callable[[int], None] | None = None,
               llm_fallback: LlmFallback | None = None) -> StagedBatch:
    """Read, map and normalise a whole file; `progress(rows_done)` after each chunk.

    `llm_fallback` is asked only for the columns the synonyms and known formats left unmapped.
    """
    if kind not in (*KINDS, AUTO):
        raise ImportKindError(f"unknown import kind {kind!r}; use one of {', '.join(KINDS)}")
    if not path.is_file():
        raise TerminalError(f"no such file: {path}")
    sha256 = file_sha256(path)
    fmt = reading.detect_format(path)
    mapping = map_columns(reading.read_header(path, fmt), overrides, llm_fallback)
    if kind == AUTO:
        kind = infer_kind(mapping)
    missing = missing_required_columns(mapping, kind)
    normaliser = _ChunkNormaliser(mapping, kind, missing)
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


class _ChunkNormaliser:
    """Normalises chunks column by column; per-value normalisers run once per distinct value."""

    def __init__(self, mapping: ColumnMapping, kind: str, missing_columns: list[str]):
        self.sources = mapping.field_to_source
        self.kind = kind
        self.missing_columns = missing_columns
        self.memo = DistinctMemo()

    def normalise(self, chunk: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
        if self.missing_columns:
            detail = "no column maps to " + "; ".join(self.missing_columns)
            reasons = pl.repeat(UNMAPPED_REQUIRED_COLUMN, len(chunk), dtype=pl.String, eager=True)
            return pl.DataFrame(schema=STAGED_SCHEMA), _refused(chunk, reasons, lambda _: detail)
        raw = chunk.select(
            "row_number",
            *(strip_to_null(pl.col(src)).alias(f) for f, src in self.sources.items()),
            *(pl.lit(None, pl.String).alias(f) for f in CANONICAL_FIELDS if f not in self.sources),
        )
        row = self._company_fields(raw)
        if self.kind != "companies":
            row = self._person_fields(raw, row)
        extras = chunk.get_column(reading.EXTRA_VALUES, default=None)
        reasons = self._reasons(row.with_columns(_extra=extras))
        staged = row.filter(reasons.is_null()).select(
            pl.col(c).cast(t) if c in row.columns else pl.lit(None, t).alias(c)
            for c, t in STAGED_SCHEMA.items()
        )
        details = raw.with_columns(country=row["country"])
        return staged, _refused(chunk, reasons, lambda i: _detail(
            reasons[i], details.row(i, named=True), extras[i] if extras is not None else None))

    def _company_fields(self, raw: pl.DataFrame) -> pl.DataFrame:
        """Company and shared fields, with `_bad_<field>` set where a value fails its check."""
        memo = self.memo
        country = memo.apply_one("country", countries.to_iso_country, raw["country"], pl.String)
        domain = memo.apply_one("site", domains.domain_from_website, raw["domain"], pl.String)
        website = memo.apply_one("site", domains.domain_from_website, raw["website"], pl.String)
        checked = raw.with_columns(country=country)
        return pl.concat([
            raw.select("row_number", *_PASSTHROUGH, "website"),
            pl.DataFrame([country, domain.fill_null(website).alias("domain"),
                          memo.apply_one("sme", _boolean, raw["sme_registry"], pl.Boolean)]),
            memo.apply("company", _company_names, raw.select("company_name"),
                       {"company_name": pl.String, "normalized_name": pl.String,
                        "legal_form": pl.String}),
            memo.apply("tin", _identifier_check(identifiers.validate_tin),
                       checked.select("tin", "country"),
                       {"tin": pl.String, "_bad_tin": pl.Boolean}),
            memo.apply("registration_number",
                       _identifier_check(identifiers.validate_registration_number),
                       checked.select("registration_number", "country"),
                       {"registration_number": pl.String, "_bad_registration_number": pl.Boolean}),
            memo.apply("size", _checked_size, raw.select("size_employees"),
                       {"size_employees": pl.Int64, "_bad_size_employees": pl.Boolean}),
        ], how="horizontal")

    def _person_fields(self, raw: pl.DataFrame, row: pl.DataFrame) -> pl.DataFrame:
        """Person fields, and the company domain a work email gives when nothing else did."""
        memo = self.memo
        email = emails.normalize_email_column(raw["email"])
        first = memo.apply_one("name", names.clean_name_part, raw["first_name"], pl.String)
        last = memo.apply_one("name", names.clean_name_part, raw["last_name"], pl.String)
        # A full name is split only when neither part came in its own column.
        unsplit = raw.select(pl.when(pl.col("first_name").is_null() & pl.col("last_name").is_null())
                             .then(pl.col("full_name")))
        split = memo.apply("split", _split_name, unsplit, {"first": pl.String, "last": pl.String})
        host = email["email"].str.split("@").list.last()
        from_email = memo.apply_one("email_domain", _company_domain_of_mail_host, host, pl.String)
        return row.with_columns(
            email=email["email"], email_is_role=email["is_role"],
            email_is_disposable=email["is_disposable"], _email_reason=email["reason"],
            _raw_email=raw["email"],
            first_name=pl.when(raw["first_name"].is_not_null()).then(first)
            .otherwise(split["first"]),
            last_name=pl.when(raw["last_name"].is_not_null()).then(last)
            .otherwise(split["last"]),
            domain=pl.col("domain").fill_null(from_email),
        ).with_columns(
            full_name=pl.when(pl.any_horizontal(pl.col("first_name", "last_name").is_not_null()))
            .then(pl.concat_str("first_name", "last_name", separator=" ", ignore_nulls=True)),
        )

    def _reasons(self, row: pl.DataFrame) -> pl.Series:
        """Each row's reason code, null when accepted; the first failing check wins."""
        reason = (
            pl.when(pl.col("_extra").is_not_null()).then(pl.lit(EXTRA_VALUES))
            .when("_bad_tin").then(pl.lit(INVALID_TIN))
            .when("_bad_registration_number").then(pl.lit(INVALID_REGISTRATION_NUMBER))
            .when("_bad_size_employees").then(pl.lit(INVALID_NUMBER))
        )
        if self.kind == "companies":
            identified = pl.any_horizontal(
                pl.col("company_name", "domain", "tin", "registration_number").is_not_null())
            reason = reason.when(~identified).then(pl.lit(MISSING_COMPANY))
        else:
            has_company = pl.any_horizontal(
                pl.col("normalized_name", "domain", "tin").is_not_null())
            identified = pl.col("email").is_not_null() | (
                pl.col("last_name").is_not_null() & has_company)
            reason = (
                reason.when(pl.all_horizontal(pl.col("_raw_email", "_email_reason").is_not_null()))
                .then(pl.lit(INVALID_EMAIL))
                .when(~identified).then(pl.lit(MISSING_EMAIL))
            )
        return row.select(reason.otherwise(pl.lit(None, pl.String))).to_series()


def _company_names(name: str) -> tuple[str | None, str | None, str | None]:
    return (companies.clean_company_display_name(name),
            companies.normalize_company_name(name) or None, companies.legal_form(name))


def _identifier_check(validate: Callable[[str, str | None], identifiers.IdResult]):
    def check(value: str, country: str | None) -> tuple[str | None, bool]:
        result = validate(value, country)
        return result.value, not result.valid
    return check


def _checked_size(value: str) -> tuple[int | None, bool]:
    try:
        return _size(value), False
    except (ValueError, OverflowError):
        return None, True


def _split_name(full_name: str) -> tuple[str | None, str | None]:
    split = names.split_full_name(full_name)
    return split.first, split.last


def _company_domain_of_mail_host(host: str) -> str | None:
    return domains.company_domain_from_email(f"@{host}")


def _size(value: str | None) -> int | None:
    """Employee counts as exports write them: '250', '1,200', '51-200' (upper bound), '10000+'."""
    if not value:
        return None
    text = value.replace(",", "").replace(" ", "").replace("\u00a0", "").rstrip("+")
    if "-" in text:
        text = text.rsplit("-", 1)[1]
    number = int(float(text))
    if not 0 <= number <= _MAX_SIZE:
        raise ValueError(value)
    return number


def _boolean(value: str | None) -> bool | None:
    if not value:
        return None
    folded = value.strip().casefold()
    return True if folded in _TRUE else False if folded in _FALSE else None


def _detail(reason: str, raw: dict, extra: str | None) -> str:
    """A refused row's reason in words, quoting the offending cell."""
    if reason == EXTRA_VALUES:
        return f"more cells than header columns: {(extra or '')[:80]}"
    if reason in (INVALID_TIN, INVALID_REGISTRATION_NUMBER):
        field = "tin" if reason == INVALID_TIN else "registration_number"
        return f"{field} {raw[field]!r} fails its check for {raw['country'] or '?'}"
    if reason == INVALID_NUMBER:
        return f"size_employees {raw['size_employees']!r} is not a number"
    if reason == INVALID_EMAIL:
        return f"email {raw['email']!r} is not a valid address"
    if reason == MISSING_COMPANY:
        return "no company name, domain or identifier"
    return "no email, and no name + company to identify the person"


def _refused(chunk: pl.DataFrame, reasons: pl.Series,
             detail: Callable[[int], str]) -> pl.DataFrame:
    """The refused rows of a chunk with reason, detail and their non-empty raw cells as JSON."""
    indexes = reasons.is_not_null().arg_true().to_list()
    records = [{"row_number": chunk["row_number"][i], "reason_code": reasons[i],
                "detail": detail(i), "raw": _raw_json(chunk, i)} for i in indexes]
    return pl.DataFrame(records, schema=REJECT_SCHEMA)


def _raw_json(chunk: pl.DataFrame, index: int) -> str:
    row = chunk.row(index, named=True)
    return json.dumps({k: v for k, v in row.items() if k != "row_number" and v not in (None, "")},
                      ensure_ascii=False)
