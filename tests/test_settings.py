"""Settings: defaults < gtm.toml < GTM_* env, sections flattened, secrets only from env."""

from pathlib import Path

import pytest

from gtm.errors import ConfigError
from gtm.settings import load_settings


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for var in ("GTM_HOME", "GTM_DATABASE_URL", "SUPABASE_DB_URL", "GTM_CONFIG", "GTM_WEB_PORT",
                "GTM_WORKSPACE", "GTM_DAGSTER_PG_URL"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_defaults_put_all_state_under_home(clean_env: Path) -> None:
    s = load_settings()
    assert s.home_dir == clean_env / ".gtm"
    assert s.uses_embedded_database
    for path in (s.pg_dir, s.dagster_dir, s.inbox_dir, s.outbox_dir, s.mail_dir, s.cache_dir):
        assert path.is_relative_to(s.home_dir)


def test_toml_sections_map_to_flat_fields_and_env_wins(clean_env: Path, monkeypatch) -> None:
    (clean_env / "gtm.toml").write_text(
        'workspace = "acme"\n[web]\nport = 9000\nhost = "0.0.0.0"\n'
    )
    s = load_settings()
    assert (s.workspace, s.web_port, s.web_host) == ("acme", 9000, "0.0.0.0")
    monkeypatch.setenv("GTM_WEB_PORT", "9100")
    assert load_settings().web_port == 9100


def test_supabase_db_url_is_accepted_and_masked(clean_env: Path, monkeypatch) -> None:
    monkeypatch.setenv("SUPABASE_DB_URL", "postgresql://postgres:hunter2@db.example:5432/postgres")
    s = load_settings()
    assert not s.uses_embedded_database
    assert s.database_url.get_secret_value().endswith("/postgres")
    assert "hunter2" not in repr(s)


def test_secret_in_toml_is_refused_naming_the_variable(clean_env: Path) -> None:
    (clean_env / "gtm.toml").write_text('[database]\nurl = "postgresql://u:p@h/db"\n')
    with pytest.raises(ConfigError, match="GTM_DATABASE_URL"):
        load_settings()


def test_unknown_toml_key_is_refused(clean_env: Path) -> None:
    (clean_env / "gtm.toml").write_text("[web]\nprot = 1\n")
    with pytest.raises(ConfigError, match=r"\[web\] prot"):
        load_settings()


def test_invalid_value_names_the_variable(clean_env: Path, monkeypatch) -> None:
    monkeypatch.setenv("GTM_WEB_PORT", "eighty")
    with pytest.raises(ConfigError, match="GTM_WEB_PORT"):
        load_settings()


def test_missing_explicit_config_file_is_an_error(clean_env: Path, monkeypatch) -> None:
    monkeypatch.setenv("GTM_CONFIG", str(clean_env / "nope.toml"))
    with pytest.raises(ConfigError, match="GTM_CONFIG"):
        load_settings()


def test_example_config_documents_every_setting_with_its_default(clean_env: Path) -> None:
    """gtm.example.toml stays complete and truthful: every variable named, defaults as shipped."""
    from gtm.settings import Settings

    example = (Path(__file__).resolve().parents[1] / "gtm.example.toml").read_text()
    for name in Settings.model_fields:
        assert f"GTM_{name.upper()}" in example, f"GTM_{name.upper()} missing from gtm.example.toml"
    defaults = load_settings()
    (clean_env / "gtm.toml").write_text(example)
    assert load_settings() == defaults
