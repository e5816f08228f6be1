"""The import asset offers unmapped columns to the configured model, and the trace records it."""

import json
from pathlib import Path

from support.openai_server import DUMMY_KEY, OpenAITestServer
from typer.testing import CliRunner

from gtm.cli.app import app
from gtm.db import connect
from gtm.settings import load_settings


def test_import_maps_an_unknown_column_with_the_model(migrated, monkeypatch, tmp_path: Path):
    answer = {"mappings": [{"column": "Mitarbeiterzahl", "field": "size_employees",
                            "confidence": 0.9}]}
    with OpenAITestServer(answer=lambda body: json.dumps(answer)) as server:
        for name, value in {"GTM_WORKSPACE": "llm-mapping", "GTM_LLM_MODEL": "openai/test-model",
                            "GTM_LLM_API_BASE": server.base_url, "GTM_LLM_API_KEY": DUMMY_KEY,
                            "GTM_PATHS_CACHE": str(tmp_path / "cache")}.items():
            monkeypatch.setenv(name, value)
        path = tmp_path / "odd.csv"
        path.write_text("Email,Company,Mitarbeiterzahl\nann@fjord.no,Fjord AS,250\n",
                        encoding="utf-8")
        result = CliRunner().invoke(app, ["contacts:import", str(path), "--json"])
        assert result.exit_code == 0, result.output
        report = json.loads(result.output)
        assert server.request_count == 1
    columns = {c["source"]: (c["field"], c["method"]) for c in report["mapping"]["columns"]}
    assert columns["Mitarbeiterzahl"] == ("size_employees", "llm")
    with connect(load_settings()) as conn:
        size = conn.execute("select size_employees from companies c join workspaces w"
                            " on w.id = c.workspace_id where w.slug = 'llm-mapping'").fetchone()
        traced = conn.execute("select task from ai_interactions i join workspaces w"
                              " on w.id = i.workspace_id where w.slug = 'llm-mapping'").fetchall()
    assert size["size_employees"] == 250 and [t["task"] for t in traced] == ["column_mapping"]
