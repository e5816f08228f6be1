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
from typing import Annotated, Any, Literal

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, NoDecode, PydanticBaseSettingsSource, SettingsConfigDict

from gtm.errors import ConfigError

CONFIG_ENV = "GTM_CONFIG"
DEFAULT_CONFIG_FILE = "gtm.toml"
# Keys that may only come from the environment, so a committed gtm.toml never leaks them.
SECRET_FIELDS = frozenset({"database_url", "dagster_pg_url", "web_secret_key", "llm_api_key",
                           "sending_smtp_password", "sending_resend_api_key",
                           "sending_smartlead_api_key", "mail_imap_password"})


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

    # LLM (docs/llm.md). No model = template mode: prompt-pack templates, no provider is called.
    llm_model: str | None = Field(default=None, description="litellm model for every task.")
    llm_api_base: str | None = Field(
        default=None, description="Endpoint for the provider of llm_model (Ollama, a proxy)."
    )
    llm_api_key: SecretStr | None = Field(
        default=None, description="Key for the provider of llm_model; else litellm's env vars."
    )
    llm_fallbacks: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Models tried in order when a task's model fails."
    )
    llm_model_drafting: str | None = None
    llm_model_judge: str | None = None
    llm_model_research: str | None = None
    llm_model_classification: str | None = None
    llm_model_column_mapping: str | None = None
    llm_concurrency: int = Field(default=8, ge=1, description="Calls in flight per provider.")
    llm_rpm: int = Field(default=0, ge=0, description="Requests a minute per provider; 0 = no cap.")
    llm_tpm: int = Field(default=0, ge=0, description="Tokens per minute per provider; 0 = no cap.")
    llm_timeout_seconds: float = Field(default=60.0, gt=0)
    llm_max_retries: int = Field(default=4, ge=0, description="Retries per model on 429/5xx.")
    llm_retry_base_seconds: float = Field(default=1.0, ge=0, description="First backoff cap.")
    llm_retry_max_seconds: float = Field(default=30.0, ge=0, description="Largest backoff.")
    llm_breaker_failures: int = Field(default=5, ge=1, description="Failures opening the circuit.")
    llm_breaker_cooldown_seconds: float = Field(default=30.0, ge=0)
    llm_cache: bool = Field(default=True, description="Persistent response cache in cache_dir.")

    @field_validator("llm_fallbacks", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        # The environment gives one string ("a, b"); gtm.toml gives a list.
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value
    paths_packs: Path | None = Field(default=None, description="Prompt packs; the bundled ones")
    web_secret_key: SecretStr | None = Field(
        default=None, description="Signs web session cookies; unset = a random key per process."
    )

    # Reply collection (docs/replies.md). The IMAP password only from the environment.
    mail_source: Literal["maildir", "imap"] = Field(
        default="maildir", description="Where replies are read: maildir ($GTM_HOME/mail) or imap.")
    mail_folders: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Folders to read; default INBOX (IMAP) / the Maildir.")
    mail_imap_host: str | None = None
    mail_imap_port: int = Field(default=993, ge=1, le=65535)
    mail_imap_ssl: bool = Field(default=True, description="Implicit TLS (port 993).")
    mail_imap_username: str | None = None
    mail_imap_password: SecretStr | None = None
    mail_batch_size: int = Field(default=500, ge=1, description="Messages per IMAP FETCH.")

    @field_validator("mail_folders", mode="before")
    @classmethod
    def _folders_list(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    # Sending (docs/sending.md). Secrets (SMTP password, API keys) only from the environment.
    sending_lease_seconds: int = Field(
        default=600, ge=1, description="A reservation older than this with no outcome is held.")
    sending_horizon_seconds: int = Field(
        default=240, ge=0, description="One dispatch tick also sends slots due this much later.")
    sending_max_attempts: int = Field(default=5, ge=1, description="Tries on transient errors.")
    sending_retry_base_seconds: float = Field(default=60.0, ge=0, description="First backoff.")
    sending_retry_max_seconds: float = Field(default=3600.0, ge=0, description="Largest backoff.")
    sending_bounce_threshold: float = Field(
        default=0.05, gt=0, le=1, description="Bounce rate that auto-pauses a campaign.")
    sending_bounce_min_sends: int = Field(default=50, ge=1, description="Sends before judging.")
    sending_bounce_window: int = Field(default=200, ge=1, description="Last N sends judged.")
    sending_allow_role_addresses: bool = False
    sending_allow_disposable_addresses: bool = False
    sending_check_mx: bool = Field(default=False, description="MX lookup in pre-flight.")
    sending_unsubscribe_mailto: str | None = Field(
        default=None, description="List-Unsubscribe mailbox; default the sender's reply-to.")
    sending_unsubscribe_url: str | None = Field(
        default=None, description="One-click https URL; {message_id} is replaced.")
    sending_smtp_host: str | None = None
    sending_smtp_port: int = Field(default=587, ge=1, le=65535)
    sending_smtp_security: str = Field(default="starttls", description="starttls | ssl | none")
    sending_smtp_username: str | None = None
    sending_smtp_password: SecretStr | None = None
    sending_smtp_ca_file: Path | None = None
    sending_smtp_timeout_seconds: float = Field(default=30.0, gt=0)
    sending_resend_api_key: SecretStr | None = None
    sending_resend_base_url: str = "https://api.resend.com"
    sending_smartlead_api_key: SecretStr | None = None
    sending_smartlead_base_url: str = "https://server.smartlead.ai/api/v1"
    sending_smartlead_campaign_id: int | None = None
    sending_http_timeout_seconds: float = Field(default=30.0, gt=0)

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
