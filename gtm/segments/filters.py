"""The segment filter language: JSON in, a validated tree out (and back to canonical JSON).

    {"and": [{"field": "country", "op": "in", "value": ["NO", "SE"]},
             {"not": {"field": "position", "op": "contains", "value": "intern"}},
             {"field": "outreach_sent_date", "op": "older_than_days", "value": 60}]}

A node is a condition `{"field", "op", "value"}` or exactly one of `{"and": [...]}`,
`{"or": [...]}`, `{"not": {...}}`. Everything is checked here against the whitelist in
`fields.py` before any SQL exists, so a bad name or value never reaches the database.
Values are normalised (country names to ISO codes, `in` lists sorted and de-duplicated) so two
spellings of the same filter have one canonical JSON (`to_json`), which is what decides "same
definition".
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from gtm.segments.errors import (
    FilterError,
    FilterValueError,
    UnknownFieldError,
    UnknownOperatorError,
)
from gtm.segments.fields import FIELDS, Field

MAX_DEPTH = 20
MAX_NODES = 500  # conditions and and/or/not nodes together
MAX_LIST = 1000
MAX_TEXT = 1000
MAX_DAYS = 36_500
_INTEGER_FIELDS = {"company_size", "campaign_number"}
_BOOL_KEYS = ("and", "or", "not")
_LEAF_KEYS = ("field", "op", "value")


@dataclass(frozen=True)
class Condition:
    field: str
    op: str
    value: Any  # normalised; JSON-compatible


@dataclass(frozen=True)
class And:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    item: Node


Node = Condition | And | Or | Not


def parse_filter(definition: Any) -> Node:
    """Validate a filter (a dict, or its JSON text) and return its tree; FilterError if invalid."""
    if isinstance(definition, str | bytes):
        try:
            definition = json.loads(definition)
        except ValueError as exc:
            raise FilterError(f"not valid JSON ({exc})") from None
    counter = [0]
    return _parse(definition, "filter", 0, counter)


def to_json(node: Node) -> dict:
    """The canonical JSON form of a tree (what is stored in segment_versions.definition)."""
    if isinstance(node, Condition):
        return {"field": node.field, "op": node.op, "value": node.value}
    if isinstance(node, Not):
        return {"not": to_json(node.item)}
    key = "and" if isinstance(node, And) else "or"
    return {key: [to_json(item) for item in node.items]}


def display_order(definition: Any) -> Any:
    """Keys in reading order (field, op, value): jsonb gives them back sorted by length."""
    if isinstance(definition, list):
        return [display_order(item) for item in definition]
    if not isinstance(definition, dict):
        return definition
    order = {key: i for i, key in enumerate(_LEAF_KEYS)}
    return {key: display_order(definition[key])
            for key in sorted(definition, key=lambda k: order.get(k, len(order)))}


def _parse(raw: Any, path: str, depth: int, counter: list[int]) -> Node:
    if depth > MAX_DEPTH:
        raise FilterError(f"nested deeper than {MAX_DEPTH} levels", path=path)
    counter[0] += 1
    if counter[0] > MAX_NODES:
        raise FilterError(f"too large: more than {MAX_NODES} conditions and and/or/not nodes",
                          path=path)
    if not isinstance(raw, dict):
        raise FilterError("expected an object: a condition {\"field\", \"op\", \"value\"} or one "
                          "of {\"and\": [...]}, {\"or\": [...]}, {\"not\": {...}}", path=path)
    bool_keys = [k for k in _BOOL_KEYS if k in raw]
    if bool_keys:
        if len(raw) != 1:
            raise FilterError("a boolean node has exactly one key (and, or or not); found "
                              f"{', '.join(sorted(map(str, raw)))}", path=path)
        key = bool_keys[0]
        if key == "not":
            return Not(_parse(raw["not"], f"{path}.not", depth + 1, counter))
        items = raw[key]
        if not isinstance(items, list):
            raise FilterError(f"'{key}' takes a list of conditions", path=path)
        if key == "or" and not items:
            raise FilterError("'or' needs at least one condition", path=path)
        parsed = tuple(_parse(item, f"{path}.{key}[{i}]", depth + 1, counter)
                       for i, item in enumerate(items))
        return And(parsed) if key == "and" else Or(parsed)
    unknown = [k for k in raw if k not in _LEAF_KEYS]
    if unknown or "field" not in raw or "op" not in raw:
        found = ", ".join(repr(k) for k in (unknown or raw)) or "nothing"
        raise FilterError(f"a condition has keys field, op, value (and, or, not combine "
                          f"conditions); found {found}", path=path)
    return _condition(raw, path)


def _condition(raw: dict, path: str) -> Condition:
    name, op = raw["field"], raw["op"]
    field = FIELDS.get(name) if isinstance(name, str) else None
    if field is None:
        raise UnknownFieldError(name, FIELDS, path=path)
    if not isinstance(op, str) or op not in field.operators:
        raise UnknownOperatorError(op, field.name, field.operators, path=path)
    if op == "is_null" and "value" not in raw:
        return Condition(field.name, op, True)
    if "value" not in raw:
        raise FilterValueError(field.name, op, _expected(field, op) + " (\"value\" is missing)",
                               path=path)
    return Condition(field.name, op, _value(field, op, raw["value"], path))


def _value(field: Field, op: str, value: Any, path: str) -> Any:
    def bad() -> FilterValueError:
        return FilterValueError(field.name, op, _expected(field, op), path=path)

    if op == "is_null":
        if not isinstance(value, bool):
            raise bad()
        return value
    if op in ("older_than_days", "within_last_days"):
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_DAYS:
            raise bad()
        return value
    if op in ("in", "not_in"):
        if not isinstance(value, list) or not 1 <= len(value) <= MAX_LIST:
            raise bad()
        # in/not_in exist for text and number fields only, so the items compare with each other.
        return sorted({_scalar(field, item, bad) for item in value})
    if op == "between":
        if not isinstance(value, list) or len(value) != 2:
            raise bad()
        low, high = (_scalar(field, item, bad) for item in value)
        if _ordered(field, low) > _ordered(field, high):
            raise FilterValueError(field.name, op, "[low, high] with low <= high", path=path)
        return [low, high]
    return _scalar(field, value, bad, needs_text=op in ("contains", "starts_with"))


def _scalar(field: Field, value: Any, bad, *, needs_text: bool = False) -> Any:
    """One value of the field's type, normalised; `bad()` builds the error to raise."""
    if field.type == "bool":
        if not isinstance(value, bool):
            raise bad()
        return value
    if field.type == "number":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise bad()
        if isinstance(value, float) and not math.isfinite(value):
            raise bad()
        if field.name in _INTEGER_FIELDS:
            if isinstance(value, float) and not value.is_integer():
                raise bad()
            return int(value)
        return value
    if field.type == "date":
        if not isinstance(value, str):
            raise bad()
        try:
            parse_date(value)
        except ValueError:
            raise bad() from None
        return value
    if not isinstance(value, str) or not value or len(value) > MAX_TEXT or "\x00" in value:
        raise bad()
    try:
        value.encode("utf-8")  # a lone surrogate cannot be sent to the database
    except UnicodeEncodeError:
        raise bad() from None
    if field.normalise is not None and not needs_text:  # contains/starts_with ignore case anyway
        value = field.normalise(value)
        if value is None:
            raise bad()
    return value


def _ordered(field: Field, value: Any) -> Any:
    return parse_date(value) if field.type == "date" else value


def parse_date(value: str) -> datetime:
    """An ISO date or date-time; a date alone, or a time without offset, is taken as UTC."""
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def number_param(field: Field, value: int | float) -> int | Decimal:
    """A number as a parameter of the column's own type, so an index on it stays usable."""
    if field.name in _INTEGER_FIELDS or isinstance(value, int):
        return value
    return Decimal(repr(value))


def _expected(field: Field, op: str) -> str:
    if op == "is_null":
        return "true or false"
    if op in ("older_than_days", "within_last_days"):
        return f"a whole number of days from 0 to {MAX_DAYS}"
    one = _one_expected(field, text=op in ("contains", "starts_with"))
    if op in ("in", "not_in"):
        return f"a list of 1 to {MAX_LIST} values, each {one}"
    if op == "between":
        return f"a list [low, high], each {one}"
    return one


def _one_expected(field: Field, *, text: bool = False) -> str:
    if field.type == "bool":
        return "true or false"
    if field.type == "number":
        return "an integer" if field.name in _INTEGER_FIELDS else "a number"
    if field.type == "date":
        return "an ISO date like '2026-01-31' (or a date-time)"
    if field.expected and not text:
        return field.expected
    return f"a non-empty text of at most {MAX_TEXT} characters without NUL"
