"""`gtm segment:create|preview|list|show` through the CLI, on committed data."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from gtm.cli.app import app

runner = CliRunner()
NORDIC = {"field": "country", "op": "in", "value": ["NO", "SE"]}
SME = {"and": [NORDIC, {"field": "sme_registry", "op": "eq", "value": True}]}


def _json(args: list[str]):
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_create_version_list_show(cli_world, tmp_path):
    created = _json(["segment:create", "Nordic", "--filter", json.dumps(NORDIC)])
    assert created["version"] == 1 and created["created"] is True
    again = _json(["segment:create", "Nordic", "--filter", '{"field": "country", "op": "in",'
                   ' "value": ["Sweden", "Norway"]}'])
    assert again["version"] == 1 and again["created"] is False
    path = tmp_path / "sme.json"
    path.write_text(json.dumps(SME), encoding="utf-8")
    second = _json(["segment:create", "Nordic", "--filter-file", str(path)])
    assert second["version"] == 2

    listed = _json(["segment:list"])
    assert [(r["name"], r["latest_version"]) for r in listed] == [("Nordic", 2)]

    shown = _json(["segment:show", "Nordic", "--version", "1"])
    assert shown["definition"] == NORDIC and [v["version"] for v in shown["versions"]] == [1, 2]
    assert "%(seg_p0)s" in shown["sql"] and "'NO'" not in shown["sql"]
    assert shown["params"]["seg_p0"] == "NO" and shown["params"]["seg_icp_version"] == 1

    human = runner.invoke(app, ["segment:create", "Nordic", "--filter", json.dumps(SME)])
    assert human.exit_code == 0 and "unchanged" in human.output
    for args in (["segment:list"], ["segment:show", "Nordic"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 0 and "Nordic" in result.output, result.output


def test_preview_pages_and_unsaved_filter(cli_world):
    _json(["segment:create", "Nordic", "--filter", json.dumps(NORDIC)])
    first = _json(["segment:preview", "Nordic", "--page-size", "3"])
    assert first["count"] == 4 and first["version"] == 1 and len(first["rows"]) == 3
    assert first["rows"][0]["score"] == 0.9
    rest = _json(["segment:preview", "Nordic", "--page-size", "3",
                  "--cursor", first["next_cursor"]])
    assert len(rest["rows"]) == 1 and rest["next_cursor"] is None
    seen = {r["employee_id"] for r in first["rows"] + rest["rows"]}
    assert seen == {cli_world.ids[k] for k in "abcd"}

    unsaved = _json(["segment:preview", "--filter", json.dumps(SME)])
    assert unsaved["segment"] is None and unsaved["count"] == 2

    human = runner.invoke(app, ["segment:preview", "Nordic", "--page-size", "2"])
    assert human.exit_code == 0, human.output
    assert "4 contacts" in human.output and "--cursor" in human.output


def test_errors_are_one_line(cli_world):
    cases = [
        (["segment:create", "X", "--filter", '{"field": "countyr", "op": "eq", "value": 1}'],
         "countyr"),
        (["segment:create", "X", "--filter", '{"field": "country", "op": "like", "value": 1}'],
         "like"),
        (["segment:create", "X", "--filter", "{nope"], "not valid JSON"),
        (["segment:create", "X"], "--filter"),
        (["segment:preview", "Missing"], "no segment 'Missing'"),
        (["segment:preview"], "NAME or --filter"),
        (["segment:preview", "--filter", '{"and": []}', "--cursor", "zzz"], "invalid cursor"),
        (["segment:show", "Missing"], "no segment"),
    ]
    for args, needle in cases:
        result = runner.invoke(app, args)
        assert result.exit_code == 1, (args, result.output)
        assert needle in result.output and "Traceback" not in result.output, result.output
