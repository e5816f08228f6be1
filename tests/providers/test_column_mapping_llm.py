"""LLM fallback for CSV columns the synonym mapper left unmapped (issue 3, item 4)."""

from __future__ import annotations

import json

from gtm.intake.mapping import map_columns
from gtm.intake.mapping_llm import (
    column_mapping_fallback,
    parse_suggestions,
    samples_from_rows,
    suggest_column_mapping,
)

ANSWER = {"mappings": [
    {"column": "Kundennummer Steuer", "field": "tin", "confidence": 0.93},
    {"column": "Mitarbeiterzahl", "field": "size_employees", "confidence": 0.88},
    {"column": "Mystery", "field": "favourite_colour", "confidence": 0.99},  # invented field
    {"column": "Not In File", "field": "city", "confidence": 0.99},  # invented column
    {"column": "Bemerkung", "field": "industry", "confidence": 0.3},  # not sure enough
    {"column": "Mystery", "field": "tin", "confidence": 0.7},  # tin goes to the surer claim
]}


def test_suggestions_fill_only_free_known_fields(client, openai_server, recorder) -> None:
    openai_server.answer = lambda body: "```json\n" + json.dumps(ANSWER) + "\n```"
    headers = ["Email", "Kundennummer Steuer", "Mitarbeiterzahl", "Mystery", "Bemerkung"]
    mapping = map_columns(headers, llm_fallback=column_mapping_fallback(
        client, samples={"Mitarbeiterzahl": ["250", "1200"]}))
    assert {c.source: (c.field, c.method) for c in mapping.columns} == {
        "Email": ("email", "synonym"),
        "Kundennummer Steuer": ("tin", "llm"),
        "Mitarbeiterzahl": ("size_employees", "llm"),
        "Mystery": (None, None),
        "Bemerkung": (None, None),
    }
    body = openai_server.requests[0].body
    prompt = body["messages"][-1]["content"]
    assert '"Mitarbeiterzahl" e.g. ["250", "1200"]' in prompt
    assert "- email" not in prompt and "- tin: tax id" in prompt  # only fields still free
    assert body["response_format"] == {"type": "json_object"} and body["temperature"] == 0
    assert recorder.rows[-1].task == "column_mapping"


def test_a_failed_call_leaves_columns_unmapped(client, openai_server, recorder) -> None:
    openai_server.fail_next(400)
    mapping = map_columns(["Email", "Mystery"], llm_fallback=column_mapping_fallback(client))
    assert mapping.unmapped == ["Mystery"]
    assert recorder.rows[-1].error_code == "bad_request"


def test_nothing_to_ask_makes_no_call(client, openai_server) -> None:
    assert suggest_column_mapping(client, ["A"], ["not_a_field"]) == {}
    assert openai_server.request_count == 0


def test_parser_tolerates_junk() -> None:
    fields = ["tin", "city"]
    assert parse_suggestions("not json", ["A"], fields) == {}
    assert parse_suggestions('{"mappings": "nope"}', ["A"], fields) == {}
    assert parse_suggestions('[{"column": "A", "field": "city", "confidence": "high"}]',
                             ["A"], fields) == {}
    one_column_two_fields = json.dumps([{"column": "A", "field": "city", "confidence": 0.7},
                                        {"column": "A", "field": "tin", "confidence": 0.9}])
    assert parse_suggestions(one_column_two_fields, ["A"], fields)["A"].field == "tin"


def test_samples_are_a_few_distinct_short_values() -> None:
    rows = [{"A": " x ", "B": ""}, {"A": "x"}, {"A": "y" * 100}, {"A": "z"}, {"A": "w"}]
    assert samples_from_rows(rows, ["A", "B"]) == {"A": ["x", "y" * 60, "z"], "B": []}
