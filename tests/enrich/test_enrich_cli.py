"""`gtm enrich:run` offline: JSON report, research skipped, cached second run, bad stage."""

import json
import uuid

import pytest
from batches import add_batch
from typer.testing import CliRunner

from gtm.cli.app import app
from gtm.db import connect
from gtm.db.workspaces import ensure_workspace
from gtm.enrich.demo import company_facts_with_sources, enrichment_demo

runner = CliRunner()


@pytest.fixture
def cli_batch(migrated, monkeypatch):
    slug, batch = f"enrich-cli-{uuid.uuid4().hex[:8]}", uuid.uuid4().hex[:16]
    monkeypatch.setenv("GTM_WORKSPACE", slug)
    for var in ("EXA_API_KEY", "GTM_REGISTRIES_ENABLED", "GTM_LLM_MODEL"):
        monkeypatch.delenv(var, raising=False)
    with connect(migrated) as conn:
        ws = ensure_workspace(conn, slug)
        add_batch(conn, ws, batch)
        company = conn.execute(
            "insert into companies (workspace_id, name, domain, country, city, industry,"
            " size_employees, batch_id) values (%s, 'ООО «Вектор»', 'vector.ru', 'RU', 'Москва',"
            " 'Разработка ПО', 60, %s) returning id::text as id", (ws, batch)).fetchone()["id"]
        conn.execute("insert into employees (workspace_id, company_id, email, position, batch_id)"
                     " values (%s, %s, 'ceo@vector.ru', 'Генеральный директор', %s)",
                     (ws, company, batch))
    yield ws, batch, company
    with connect(migrated) as conn:
        conn.execute("delete from workspaces where id = %s", (ws,))


def test_enrich_run_offline_then_cached(cli_batch):
    ws, batch, company = cli_batch
    first = runner.invoke(app, ["enrich:run", "--batch", batch, "--json"])
    assert first.exit_code == 0, first.output
    report = json.loads(first.output)
    assert report["dagster_run_id"]  # --batch runs the assets on the project's instance
    assert report["firmographics"]["companies"]["ok"] == 1
    assert report["research_L2"]["message"] == "research skipped: no key"
    assert report["company_insights"]["modes"] == {"rules": 1}
    assert report["employee_insights"]["written"] == 1
    second = json.loads(runner.invoke(app, ["enrich:run", "--batch", batch, "--json"]).output)
    assert second["firmographics"]["companies"]["provider_calls"] == 0
    assert second["company_insights"]["written"] == 0
    assert second["employee_insights"]["written"] == 0
    with connect() as conn:
        person = conn.execute("select summary, mode from employee_insights ei join employees e"
                              " on e.id = ei.employee_id where e.email = 'ceo@vector.ru'"
                              " and e.workspace_id = %s", (ws,)).fetchone()
    assert person["mode"] == "rules"
    assert person["summary"].startswith("Генеральный директор (c_suite, executive) at ООО")

    table = runner.invoke(app, ["enrich:run", "--company", company, "--stage", "firmographics"])
    assert table.exit_code == 0 and "firmographics (companies)" in table.output

    with connect() as conn:
        facts = company_facts_with_sources(conn, ws, company)
        assert {"field": "timezone", "value": "Europe/Moscow"}.items() <= \
            next(f for f in facts if f["field"] == "timezone").items()
        demo = enrichment_demo(conn, ws, batch=batch)
    assert demo[0]["insights"]["mode"] == "rules"
    assert demo[0]["research"] == "research skipped: no key"


def test_unknown_stage_is_one_clear_error(cli_batch):
    result = runner.invoke(app, ["enrich:run", "--stage", "nope"])
    assert result.exit_code == 1
    assert "unknown stage 'nope'" in result.output


def test_enrich_for_demo_on_the_sample_export(migrated, monkeypatch):
    from gtm.cli.demo_command import SAMPLE_EXPORT
    from gtm.cli.enrich_commands import enrich_for_demo
    from gtm.cli.intake_commands import import_via_dagster
    from gtm.settings import load_settings

    slug = f"enrich-demo-{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("GTM_WORKSPACE", slug)
    for var in ("EXA_API_KEY", "GTM_REGISTRIES_ENABLED", "GTM_LLM_MODEL"):
        monkeypatch.delenv(var, raising=False)
    settings = load_settings()
    try:
        report, _ = import_via_dagster(settings, SAMPLE_EXPORT, "contacts", {}, force=True)
        shown = enrich_for_demo(settings, report.batch_id)
        assert shown["report"]["research_L2"]["message"] == "research skipped: no key"
        by_name = {c["company"]: c for c in shown["companies"]}
        assert by_name, shown
        assert all(c["insights"]["mode"] == "rules" for c in shown["companies"])
        assert any("timezone" in c["firmographics"] for c in shown["companies"])
    finally:
        with connect(settings) as conn:
            conn.execute("delete from workspaces where slug = %s", (slug,))


def test_enrich_run_without_batch_writes_llm_insights_for_companies_and_contacts(
        cli_batch, monkeypatch, tmp_path):
    """The direct path (no --batch) uses both insights programs through the real LLM layer."""
    from insights_model import insights_answer
    from support.openai_server import DUMMY_KEY, OpenAITestServer

    ws, _, company = cli_batch
    monkeypatch.setenv("GTM_PATHS_CACHE", str(tmp_path / "llm-cache"))
    with OpenAITestServer(answer=insights_answer) as server:
        monkeypatch.setenv("GTM_LLM_MODEL", "openai/test-model")
        monkeypatch.setenv("GTM_LLM_API_BASE", server.base_url)
        monkeypatch.setenv("GTM_LLM_API_KEY", DUMMY_KEY)
        result = runner.invoke(app, ["enrich:run", "--company", company, "--json"])
        calls = len(server.requests)
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["company_insights"]["modes"] == {"llm": 1}
    assert calls == 2  # one company, one contact
    with connect() as conn:
        person = conn.execute("select ei.mode, ei.model from employee_insights ei join employees e"
                              " on e.id = ei.employee_id where e.workspace_id = %s",
                              (ws,)).fetchone()
        logged = conn.execute(
            "select t.name, i.task, i.company_id::text, i.employee_id is not null as contact"
            " from ai_interactions i join ai_traces t on t.trace_id = i.trace_id"
            " where i.workspace_id = %s order by contact", (ws,)).fetchall()
    assert person == {"mode": "llm", "model": "openai/test-model"}
    assert [(r["name"], r["task"], r["company_id"], r["contact"]) for r in logged] == [
        ("enrich:run", "research", company, False), ("enrich:run", "research", company, True)]
