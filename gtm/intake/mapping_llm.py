"""The LLM's suggestions for the columns the synonym mapper left unmapped (task `column_mapping`).

The model only chooses among the canonical fields still free; anything else it says (an unknown
column or field, a low confidence, a second claim on a field) is dropped, so it can leave a
column unmapped but never invent a field. A failed call leaves the columns unmapped: an import
never fails because the hint did (the error is in `ai_interactions`).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from gtm.errors import GtmError
from gtm.intake.mapping import CANONICAL_FIELDS, LlmFallback
from gtm.providers.llm import CallContext, LLMClient
from gtm.providers.llm.client import parse_json_text

log = logging.getLogger(__name__)

TASK = "column_mapping"
MIN_CONFIDENCE = 0.6
_SAMPLES_PER_COLUMN = 3
_SAMPLE_CHARS = 60

# Fields whose name alone is ambiguous to a model.
_FIELD_HINTS = {
    "tin": "tax id (INN, VAT number, DIČ)",
    "registration_number": "company registry number (OGRN, org.nr, IČO, SIREN, Y-tunnus)",
    "size_employees": "number of employees",
    "sme_registry": "small/medium enterprise registry flag",
    "segment": "customer segment",
    "client_status": "customer / lead status",
    "position": "job title",
    "domain": "company web domain",
}

_SYSTEM = (
    "You map spreadsheet columns to a fixed list of CRM fields. Answer with JSON only: "
    '{"mappings": [{"column": <column name exactly as given>, "field": <one of the fields>, '
    '"confidence": <0..1>}]}. Use only the fields listed; map a column only if you are fairly '
    "sure; leave out columns that fit no field; never map two columns to one field."
)


@dataclass(frozen=True)
class ColumnSuggestion:
    column: str
    field: str
    confidence: float


def suggest_column_mapping(
    client: LLMClient, columns: Sequence[str], free_fields: Sequence[str], *,
    samples: Mapping[str, Sequence[str]] | None = None, context: CallContext | None = None,
    min_confidence: float = MIN_CONFIDENCE,
) -> dict[str, ColumnSuggestion]:
    """Ask the `column_mapping` model; {column: suggestion} for the suggestions that hold up.

    Raises what the client raises (template mode, provider errors).
    """
    fields = [f for f in free_fields if f in CANONICAL_FIELDS]
    if not columns or not fields:
        return {}
    result = client.complete_sync(
        TASK, _messages(columns, fields, samples or {}), context=context,
        response_format={"type": "json_object"}, temperature=0)
    return parse_suggestions(result.text, columns, fields, min_confidence)


def column_mapping_fallback(
    client: LLMClient, *, samples: Mapping[str, Sequence[str]] | None = None,
    context: CallContext | None = None, min_confidence: float = MIN_CONFIDENCE,
) -> LlmFallback:
    """The `llm_fallback` for `gtm.intake.mapping.map_columns`; never raises."""

    def fallback(unmapped: Sequence[str], free_fields: Sequence[str]) -> dict[str, str]:
        try:
            suggestions = suggest_column_mapping(client, unmapped, free_fields, samples=samples,
                                                 context=context, min_confidence=min_confidence)
        except GtmError as exc:
            log.warning("LLM column mapping skipped: %s", exc)
            return {}
        return {column: s.field for column, s in suggestions.items()}

    return fallback


def parse_suggestions(text: str, columns: Sequence[str], fields: Sequence[str],
                      min_confidence: float = MIN_CONFIDENCE) -> dict[str, ColumnSuggestion]:
    """Keep suggestions naming a given column and an allowed field with enough confidence; a field
    claimed twice goes to the more confident claim."""
    try:
        data = parse_json_text(text)
    except json.JSONDecodeError:
        log.warning("LLM column mapping answer is not JSON: %.200s", text)
        return {}
    entries = data.get("mappings") if isinstance(data, dict) else data
    known_columns, allowed = set(columns), set(fields) & set(CANONICAL_FIELDS)
    best_by_field: dict[str, ColumnSuggestion] = {}
    for entry in entries if isinstance(entries, list) else []:
        suggestion = _suggestion(entry)
        if (suggestion is None or suggestion.column not in known_columns
                or suggestion.field not in allowed or suggestion.confidence < min_confidence):
            continue
        held = best_by_field.get(suggestion.field)
        if held is None or suggestion.confidence > held.confidence:
            best_by_field[suggestion.field] = suggestion
    by_column: dict[str, ColumnSuggestion] = {}
    for suggestion in sorted(best_by_field.values(), key=lambda s: -s.confidence):
        by_column.setdefault(suggestion.column, suggestion)
    return by_column


def samples_from_rows(rows: Sequence[Mapping[str, str | None]], columns: Sequence[str],
                      per_column: int = _SAMPLES_PER_COLUMN) -> dict[str, list[str]]:
    """A few non-empty values per column (e.g. from the file's first rows) to show the model."""
    samples: dict[str, list[str]] = {c: [] for c in columns}
    for row in rows:
        for column in columns:
            value = (row.get(column) or "").strip()
            if value and len(samples[column]) < per_column and value not in samples[column]:
                samples[column].append(value[:_SAMPLE_CHARS])
    return samples


def _messages(columns: Sequence[str], fields: Sequence[str],
              samples: Mapping[str, Sequence[str]]) -> list[dict]:
    field_lines = [f"- {f}" + (f": {_FIELD_HINTS[f]}" if f in _FIELD_HINTS else "")
                   for f in fields]
    column_lines = []
    for column in columns:
        values = [str(v)[:_SAMPLE_CHARS]
                  for v in list(samples.get(column, []))[:_SAMPLES_PER_COLUMN]]
        column_lines.append(f"- {json.dumps(column, ensure_ascii=False)}"
                            + (f" e.g. {json.dumps(values, ensure_ascii=False)}" if values else ""))
    user = ("Fields:\n" + "\n".join(field_lines) + "\n\nColumns:\n" + "\n".join(column_lines))
    return [{"role": "system", "content": _SYSTEM}, {"role": "user", "content": user}]


def _suggestion(entry: object) -> ColumnSuggestion | None:
    if not isinstance(entry, dict):
        return None
    column, field, confidence = entry.get("column"), entry.get("field"), entry.get("confidence")
    if not isinstance(column, str) or not isinstance(field, str):
        return None
    try:
        confidence = float(confidence if confidence is not None else 0)
    except (TypeError, ValueError):
        return None
    return ColumnSuggestion(column, field.strip(), min(max(confidence, 0.0), 1.0))

