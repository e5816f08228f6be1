"""`gtm pack:list|lint|simulate` through the CLI runner."""

import json
import uuid
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gtm.cli.app import app
from gtm.db import connect

runner = CliRunner()


def test_pack_list() -> None:
    result = runner.invoke(app, ["pack:list", "--json"])
    assert result.exit_code == 0, result.output
    packs = {p["name"]: p for p in json.loads(result.output)}
    assert packs["cold_first_touch"]["kind"] == "first_touch"
    assert len(packs["follow_up_bump"]["version"]) == 12


def test_pack_lint_all_shipped_packs_pass() -> None:
    result = runner.invoke(app, ["pack:lint"])
    assert result.exit_code == 0, result.output
    assert "cold_first_touch.md: ok" in result.output and "follow_up_bump.md: ok" in result.output


def test_pack_lint_a_broken_file_exits_1_with_one_line_per_problem(tmp_path: Path) -> None:
    broken = tmp_path / "broken.md"
    shipped = (Path(__file__).parents[2] / "prompt_packs" / "cold_first_touch.md").read_text()
    broken.write_text(shipped.replace("name: cold_first_touch", "name: broken")
                      .replace("## fallback template (ru, casual)", "## fallback template (de)")
                      .replace("{{ sender.offer }}", "{{ sender.ofer }}", 1), encoding="utf-8")
    result = runner.invoke(app, ["pack:lint", str(broken), "cold_first_touch"])
    assert result.exit_code == 1
    problems = [line for line in result.output.splitlines() if ": error: " in line]
    assert any("broken.md" in line and "'## fallback template (de)'" in line for line in problems)
    assert any("broken.md" in line and "unknown variable 'sender.ofer'" in line
               for line in problems)
    assert "cold_first_touch.md: ok" in result.output

    as_json = json.loads(runner.invoke(app, ["pack:lint", str(broken), "--json"]).output)
    assert as_json[0]["ok"] is False and as_json[0]["issues"][0]["pack"] == "broken"


def test_pack_lint_unknown_pack_is_one_clear_error() -> None:
    result = runner.invoke(app, ["pack:lint", "nope"])
    assert result.exit_code == 1 and "unknown prompt pack 'nope'" in result.output


def test_simulate_from_the_devset_rotates_variants_and_says_template(migrated) -> None:
    result = runner.invoke(app, ["pack:simulate", "cold_first_touch", "--contacts", "4",
                                 "--devset", "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["source"] == "devset" and len(out["contacts"]) == 4
    assert [c["variant"] for c in out["contacts"]] == ["direct", "casual", "pattern_breaker",
                                                       "direct"]
    for contact in out["contacts"]:
        assert contact["draft"]["mode"] == "template" and contact["guardrails"]["passed"]
        assert set(contact["prompts"]) == {"system", "plan", "draft"}

    human = runner.invoke(app, ["pack:simulate", "follow_up_bump", "-n", "1", "--devset",
                                "--variant", "casual", "--language", "ru"])
    assert human.exit_code == 0, human.output
    assert "mode=template" in human.output and "nothing is saved" in human.output
    assert "здравствуйте" in human.output and "guardrails: all passed" in human.output


@pytest.fixture
def workspace_with_contacts(migrated, monkeypatch) -> str:
    slug = f"packs-{uuid.uuid4().hex[:8]}"
    with connect(migrated) as conn:
        ws = conn.execute("insert into workspaces (slug, name) values (%s, %s) returning id",
                          (slug, slug)).fetchone()["id"]
        company = conn.execute("insert into companies (workspace_id, name) values (%s, 'Zeta')"
                               " returning id", (ws,)).fetchone()["id"]
        conn.execute("insert into employees (workspace_id, company_id, first_name, email,"
                     " position, language) values (%s, %s, 'Zoe', 'zoe@zeta.io', 'CTO', 'en')",
                     (ws, company))
    monkeypatch.setenv("GTM_WORKSPACE", slug)
    return slug


def test_simulate_uses_database_contacts_and_saves_nothing(workspace_with_contacts) -> None:
    with connect() as conn:
        before = conn.execute("select (select count(*) from drafts) d,"
                              " (select count(*) from ai_interactions) a").fetchone()
    result = runner.invoke(app, ["pack:simulate", "cold_first_touch", "--contacts", "5",
                                 "--variant", "direct", "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["source"] == "database" and len(out["contacts"]) == 1
    draft = out["contacts"][0]["draft"]
    assert draft["body"].startswith("Hi Zoe,") and "CTO at Zeta" in draft["body"]
    with connect() as conn:
        after = conn.execute("select (select count(*) from drafts) d,"
                             " (select count(*) from ai_interactions) a").fetchone()
    assert after == before


def test_simulate_falls_back_to_the_devset_for_an_empty_workspace(migrated, monkeypatch) -> None:
    monkeypatch.setenv("GTM_WORKSPACE", f"empty-{uuid.uuid4().hex[:8]}")
    result = runner.invoke(app, ["pack:simulate", "cold_first_touch", "-n", "1", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["source"] == "devset"


def test_simulate_rejects_unknown_variant_and_language(migrated) -> None:
    bad_variant = runner.invoke(app, ["pack:simulate", "cold_first_touch", "--devset",
                                      "--variant", "bold"])
    assert bad_variant.exit_code == 1 and "no variant 'bold'" in bad_variant.output
    bad_language = runner.invoke(app, ["pack:simulate", "cold_first_touch", "--devset",
                                       "--language", "de"])
    assert bad_language.exit_code == 1 and "written in en, ru" in bad_language.output
