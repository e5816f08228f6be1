"""The segment form's condition rows <-> a filter of the segment language.

The builder covers one level: condition rows combined with AND or OR (one row: the condition
alone). Rows travel as indexed fields (`field_0`, `op_0`, `value_0`, ...), so the form works as
a plain GET/POST without JavaScript; htmx only re-renders the rows. Anything deeper (nested
groups, `not`) is edited as JSON. Validation is the segment language's own (`gtm.segments`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from gtm.segments import FIELDS, SegmentError

# Every operator of the whitelist, in the order the fields declare them.
OPERATORS = tuple(dict.fromkeys(op for f in FIELDS.values() for op in f.operators))
# Each field's operators as JSON, for the form's script to disable the others.
FIELD_OPS = json.dumps({name: f.operators for name, f in FIELDS.items()})
LIST_OPS = ("in", "not_in", "between")
MAX_ROWS = 50
_ROW_KEY = re.compile(r"^field_(\d{1,3})$")
_PATH = re.compile(r"^filter(?:\.(?:and|or)\[(\d+)\])?: ")


@dataclass
class Row:
    field: str = ""
    op: str = ""
    value: str = ""

    @property
    def operators(self) -> tuple[str, ...]:
        """The chosen field's operators (all of them until a field is chosen)."""
        known = FIELDS.get(self.field)
        return known.operators if known else OPERATORS


@dataclass
class Builder:
    name: str = ""
    definition: str = ""  # the JSON text field: when filled it wins over the rows
    combine: str = "and"
    rows: list[Row] = field(default_factory=lambda: [Row()])

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> Builder:
        """The form as posted (query string or body), with `add` / `remove=N` applied."""
        indices = sorted(int(m[1]) for key in params if (m := _ROW_KEY.match(key)))
        rows = [Row(_get(params, f"field_{i}"), _get(params, f"op_{i}"),
                    _get(params, f"value_{i}")) for i in indices[:MAX_ROWS]]
        remove = _get(params, "remove")
        if remove.isdigit() and int(remove) < len(rows):
            del rows[int(remove)]
        if _get(params, "add") and len(rows) < MAX_ROWS:
            rows.append(Row())
        combine = "or" if _get(params, "combine") == "or" else "and"
        return cls(_get(params, "name"), _get(params, "definition"), combine, rows or [Row()])

    @classmethod
    def for_definition(cls, name: str, definition: Any) -> Builder:
        """The builder showing a saved filter: as rows when it fits, else as JSON."""
        if isinstance(definition, dict) and "field" in definition:
            return cls(name, rows=[_row(definition)])
        if isinstance(definition, dict) and len(definition) == 1:
            (combine, items), = definition.items()
            if (combine in ("and", "or") and isinstance(items, list) and 0 < len(items)
                    <= MAX_ROWS and all(isinstance(i, dict) and "field" in i for i in items)):
                return cls(name, combine=combine, rows=[_row(i) for i in items])
        return cls(name, json.dumps(definition, indent=2, ensure_ascii=False))

    def filter(self, *, strict: bool) -> Any:
        """The filter to preview or save, or None when there is nothing yet. Not strict (the
        live count while typing): rows without a field or operator are left out. Strict (save):
        a row with a field but no operator is an error; blank rows are dropped."""
        if self.definition.strip():
            try:
                return json.loads(self.definition)
            except json.JSONDecodeError as exc:
                raise SegmentError(
                    f"the filter is not valid JSON: {exc.msg} at {exc.pos}") from None
        conditions = []
        for i, row in enumerate(self.rows):
            if not row.field or not row.op:
                if strict and row.field:
                    raise SegmentError(f"Condition {i + 1}: pick an operator for {row.field}")
                continue
            conditions.append(_condition(row))
        if not conditions:
            return None
        return conditions[0] if len(conditions) == 1 else {self.combine: conditions}

    def query(self) -> str:
        """The builder as a query string: the edit link and the preview's next page."""
        params: list[tuple[str, str]] = [("name", self.name)]
        if self.definition.strip():
            params.append(("definition", self.definition))
        else:
            params.append(("combine", self.combine))
            for i, row in enumerate(self.rows):
                params += [(f"field_{i}", row.field), (f"op_{i}", row.op),
                           (f"value_{i}", row.value)]
        return urlencode(params)


def row_error(message: str) -> str:
    """A filter error's JSON path (`filter.and[1]: ...`) read as the builder's row number."""
    match = _PATH.match(message)
    if not match:
        return message
    return f"Condition {int(match[1] or 0) + 1}: {message[match.end():]}"


def _get(params: Mapping[str, Any], key: str) -> str:
    value = params.get(key)
    return value.strip() if isinstance(value, str) else ""


def _condition(row: Row) -> dict:
    if row.op == "is_null" and not row.value:
        return {"field": row.field, "op": row.op}  # the language reads this as "is null"
    return {"field": row.field, "op": row.op, "value": parse_value(row.op, row.value)}


def parse_value(op: str, text: str) -> Any:
    """JSON when the text is JSON (42, true, ["NO", "SE"], "quoted"), else the text itself; for
    in / not_in / between, plain text is a comma-separated list."""
    try:
        return json.loads(text)
    except ValueError:
        pass
    if op in LIST_OPS:
        return [parse_value("", part.strip()) for part in text.split(",") if part.strip()]
    return text


def value_text(value: Any) -> str:
    """The inverse of `parse_value`: plain text when it reads back as the same value."""
    if isinstance(value, str):
        try:
            json.loads(value)
        except ValueError:
            return value
    return json.dumps(value, ensure_ascii=False)


def _row(condition: dict) -> Row:
    if "value" not in condition:
        return Row(str(condition["field"]), str(condition.get("op", "")), "")
    return Row(str(condition["field"]), str(condition.get("op", "")),
               value_text(condition["value"]))
