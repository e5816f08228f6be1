"""One settings object for the whole system: defaults < `gtm.toml` < `GTM_*` environment.

`gtm.toml` is grouped in sections (`[database] url = ...`); each key maps to a flat field named
`<section>_<key>` whose environment variable is `GTM_<SECTION>_<KEY>` (`GTM_DATABASE_URL`).
Secrets are read only from the environment: a secret-looking key in `gtm.toml` is refused.
"""

from __future__ import annotations

import os
import tomllib
from functools import cached_property
from pathlib import Path
from typing import Any

from pydantic import AliasChoices, Field, SecretStr, ValidationError
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from gtm.errors import ConfigError

CONFIG_ENV = "GTM_CONFIG"
DEFAULT_CONFIG_FILE = "gtm.toml"
# Keys that may only come from the environment, so a committed gtm.toml never leaks them.
SECRET_FIELDS = frozenset({"database_url", "dagster_pg_url", "web_secret_key"})


def config_file_path() -> Path:
    """The TOML file in force: `$GTM_CONFIG`, else `./gtm.toml` (which may be absent)."""
    return Path(os.environ.get(CONFIG_ENV, DEFAULT_CONFIG_FILE))


class _SectionedTomlSource(PydanticBaseSettingsSource):
    """Reads `gtm.toml` and flattens `[section] key` into the field `section_key`."""

    def __init__(self, settings_cls: type[BaseSettings], path: Path):
        super().__init__(settings_cls)
        self.path = path

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        raise NotImplementedError  # __call__ is overridden; pydantic-settings requires the method

    def __call__(self) -> dict[str, Any]:
        if not self.path.is_file():
            if CONFIG_ENV in os.environ:
                raise ConfigError(f"{CONFIG_ENV}={self.path} does not exist")
            return {}
        try:
            raw = tomllib.loads(self.path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{self.path}: invalid TOML: {exc}") from exc
        flat: dict[str, Any] = {}
        for key, value in raw.items():
            if isinstance(value, dict):
                flat.update({f"{key}_{sub}": v for sub, v in value.items()})
            else:
                flat[key] = value
        known = set(self.settings_cls.model_fields)
        for name in flat:
            if name not in known:
                raise ConfigError(f"{self.path}: unknown setting {_toml_key(name)!r}")
            if name in SECRET_FIELDS:
                raise ConfigError(
                    f"{self.path}: {_toml_key(name)!r} is a secret; set GTM_{name.upper()} "
                    "in the environment instead"
                )
        return flat


def _toml_key(field_name: str) -> str:
    section, _, key = field_name.partition("_")
    return f"[{section}] {key}" if key else field_name


class Settings(BaseSettings):
    """Every setting GTM reads. `gtm.example.toml` documents each one with its default."""

    model_config = SettingsConfigDict(env_prefix="GTM_", extra="ignore", frozen=True)

    home: Path = Field(default=Path(".gtm"), description="Root of all local state.")
    workspace: str = Field(default="default", description="Workspace slug the CLI acts in.")

    database_url: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("GTM_DATABASE_URL", "SUPABASE_DB_URL", "database_url"),
        description="Postgres/Supabase DSN; unset = embedded PostgreSQL under $GTM_HOME/pg.",
    )
    database_connect_timeout: int = Field(default=10, ge=1, description="Seconds.")

    dagster_pg_url: SecretStr | None = Field(
        default=None, description="Postgres DSN for Dagster run/event storage; unset = SQLite."
    )
    dagster_port: int = Field(default=3000, ge=1, le=65535)

    web_host: str = Field(default="127.0.0.1")
    web_port: int = Field(default=8000, ge=1, le=65535)

    paths_inbox: Path | None = Field(default=None, description="CSV inbox; default $GTM_HOME/inbox")
    paths_outbox: Path | None = Field(default=None, description="File sender; $GTM_HOME/outbox")
    paths_mail: Path | None = Field(default=None, description="Maildir replies; $GTM_HOME/mail")
    paths_cache: Path | None = Field(default=None, description="Caches; $GTM_HOME/cache")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, _SectionedTomlSource(settings_cls, config_file_path()))

    # Derived locations: one place decides where each kind of state lives under GTM_HOME.
    @cached_property
    def home_dir(self) -> Path:
        return self.home.expanduser().resolve()

    @property
    def pg_dir(self) -> Path:
        return self.home_dir / "pg"

    @property
    def dagster_dir(self) -> Path:
        return self.home_dir / "dagster"

    @property
    def inbox_dir(self) -> Path:
        return self._under_home(self.paths_inbox, "inbox")

    @property
    def outbox_dir(self) -> Path:
        return self._under_home(self.paths_outbox, "outbox")

    @property
    def mail_dir(self) -> Path:
        return self._under_home(self.paths_mail, "mail")

    @property
    def cache_dir(self) -> Path:
        return self._under_home(self.paths_cache, "cache")

    def _under_home(self, configured: Path | None, default: str) -> Path:
        return (configured.expanduser().resolve() if configured else self.home_dir / default)

    def ensure_dirs(self) -> None:
        """Create the local state folders (idempotent)."""
        for path in (self.home_dir, self.dagster_dir, self.inbox_dir, self.outbox_dir,
                     self.mail_dir, self.cache_dir):
            path.mkdir(parents=True, exist_ok=True)

    @property
    def uses_embedded_database(self) -> bool:
        return self.database_url is None


def load_settings(**overrides: Any) -> Settings:
    """Build the settings, turning validation failures into one `ConfigError` naming the key."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        first = exc.errors()[0]
        name = ".".join(str(p) for p in first["loc"]) or "settings"
        raise ConfigError(f"invalid setting {name} (GTM_{name.upper()}): {first['msg']}") from exc
