"""`gtm icp:set` and `gtm icp:show` through the CLI, on the project's Dagster instance."""

import json
from pathlib import Path

import dagster as dg
import pytest
from typer.testing import CliRunner

from gtm.cli.app import app
from gtm.icp.profile import EXAMPLE_ICP_FILE

SAMPLE = Path(__file__).resolve().parents[2] / "gtm" / "intake" / "samples" / "apollo_export.csv"
runner = CliRunner()


@pytest.fixture
def workspace_env(migrated, monkeypatch, request) -> str:
    slug = f"cli-{request.node.name[:30].lower().replace('_', '-')}"
    monkeypatch.setenv("GTM_WORKSPACE", slug)
    return slug


def _invoke(*args: str):
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result


def test_set_scores_the_sample_then_set_again_is_a_noop(workspace_env, tmp_path: Path) -> None:
    missing = runner.invoke(app, ["icp:show"])
    assert missing.exit_code == 1 and "gtm icp:set" in missing.output
    _invoke("contacts:import", str(SAMPLE), "--json")

    first = json.loads(_invoke("icp:set", str(EXAMPLE_ICP_FILE), "--json", "--top", "3").output)
    assert first["version"] == 1 and first["created"] is True
    assert first["report"]["contacts"] == 13 and first["report"]["excluded"] == 1
    assert first["counts"] == {"employees": 13, "scored": 13, "matches": first["report"]["matches"],
                               "excluded": 1, "unscored": 0}
    best = first["top_contacts"][0]
    assert best["score"] == 1.0 and best["reasons"][0]["weight"] > 0
    assert len(first["top_contacts"]) == 3
    run = dg.DagsterInstance.get().get_run_by_id(first["dagster_run_id"])
    assert run.tags["gtm/command"] == "icp:set" and run.tags["gtm/icp_version"] == "1"

    again = json.loads(_invoke("icp:set", str(EXAMPLE_ICP_FILE), "--json").output)
    assert again["created"] is False and again["version"] == 1
    assert again["dagster_run_id"] is None and again["report"] is None  # nothing to re-score

    shown = json.loads(_invoke("icp:show", "--json").output)
    assert shown["version"] == 1 and shown["content_hash"] == first["content_hash"]
    assert shown["definition"]["company"]["size_bands"] == [{"min": 20, "max": 500}]
    assert shown["counts"]["scored"] == 13

    edited = tmp_path / "icp.toml"
    edited.write_text(EXAMPLE_ICP_FILE.read_text(encoding="utf-8").replace(
        "max = 500", "max = 5000"), encoding="utf-8")
    text = _invoke("icp:set", str(edited)).output
    assert "ICP v2" in text and "stored as a new version" in text
    assert "top contacts" in text and "size 1200 in band 20-5000" in text
    assert "ICP v2" in _invoke("icp:show").output


def test_an_invalid_file_is_one_line_naming_the_field(workspace_env, tmp_path: Path) -> None:
    path = tmp_path / "icp.toml"
    path.write_text('name = "x"\n[person]\nseniority = ["cxo"]\n[company]\nindustry = ["saas"]\n',
                    encoding="utf-8")
    result = runner.invoke(app, ["icp:set", str(path)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "person.seniority[0]" in result.output
    assert "company.industry: unknown field" in result.output
    assert runner.invoke(app, ["icp:show"]).exit_code == 1  # nothing was stored


def test_import_prints_the_aha_line_once_an_icp_is_active(migrated, monkeypatch, tmp_path) -> None:
    """'N rows -> M unique contacts …, K match your ICP': new contacts are scored on import."""
    import json as _json

    from typer.testing import CliRunner

    from gtm.cli.app import app
    from gtm.icp.profile import EXAMPLE_ICP_FILE

    monkeypatch.setenv("GTM_WORKSPACE", "cli-aha-line")
    runner = CliRunner()
    first = tmp_path / "first.csv"
    first.write_text("Email,Title,Company,Industry,# Employees,Country\n"
                     "ann@fjord.no,CTO,Fjord AS,Software,50,Norway\n", encoding="utf-8")
    before = _json.loads(runner.invoke(app, ["contacts:import", str(first), "--json"]).output)
    assert before["icp_matches"] is None and "match your ICP" not in before["summary"]
    assert runner.invoke(app, ["icp:set", str(EXAMPLE_ICP_FILE), "--json"]).exit_code == 0

    second = tmp_path / "second.csv"
    second.write_text("Email,Title,Company,Industry,# Employees,Country\n"
                      "bo@saimaa.fi,CTO,Saimaa Cloud Oy,Cloud,40,Finland\n"
                      "cy@saimaa.fi,Marketing intern,Saimaa Cloud Oy,Cloud,40,Finland\n",
                      encoding="utf-8")
    result = runner.invoke(app, ["contacts:import", str(second), "--json"])
    report = _json.loads(result.output)
    assert report["icp_matches"] == 1, result.output  # the CTO fits, the intern does not
    assert report["summary"].endswith(", 1 match your ICP")
