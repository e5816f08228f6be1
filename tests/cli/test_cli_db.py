"""`gtm db:*` driven through the CLI runner against a brand-new database."""

import json

import pytest
from typer.testing import CliRunner

from gtm.cli.app import app
from gtm.db.migrate import discover

runner = CliRunner()


@pytest.fixture
def fresh_db_env(empty_database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("GTM_DATABASE_URL", empty_database_url)
    return empty_database_url


def test_status_migrate_status_round_trip(fresh_db_env: str) -> None:
    files = discover()
    before = runner.invoke(app, ["db:status", "--json"])
    assert before.exit_code == 0, before.output
    assert [s["state"] for s in json.loads(before.output)] == ["pending"] * len(files)

    applied = runner.invoke(app, ["db:migrate", "--json"])
    assert applied.exit_code == 0, applied.output
    assert json.loads(applied.output)["applied"] == [m.filename for m in files]

    again = runner.invoke(app, ["db:migrate"])
    assert again.exit_code == 0 and "up to date" in again.output

    after = json.loads(runner.invoke(app, ["db:status", "--json"]).output)
    assert {s["state"] for s in after} == {"applied"}
    assert all(s["applied_at"] for s in after)


def test_db_url_prints_the_configured_dsn(fresh_db_env: str) -> None:
    result = runner.invoke(app, ["db:url"])
    assert result.exit_code == 0
    assert result.output.strip() == fresh_db_env


def test_db_url_embedded_points_into_gtm_home(settings, monkeypatch) -> None:
    result = runner.invoke(app, ["db:url"])
    assert result.exit_code == 0
    assert str(settings.pg_dir) in result.output


def test_unreachable_database_is_one_clear_line_and_exit_1(monkeypatch) -> None:
    monkeypatch.setenv("GTM_DATABASE_URL", "postgresql://u:topsecret@127.0.0.1:1/nope")
    monkeypatch.setenv("GTM_DATABASE_CONNECT_TIMEOUT", "2")
    result = runner.invoke(app, ["db:status"])
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: cannot connect")
    assert "topsecret" not in result.output


def test_bad_setting_is_one_clear_line(monkeypatch) -> None:
    monkeypatch.setenv("GTM_DATABASE_CONNECT_TIMEOUT", "soon")
    result = runner.invoke(app, ["db:status"])
    assert result.exit_code == 1
    assert "GTM_DATABASE_CONNECT_TIMEOUT" in result.output
