"""Sending providers behind one interface (`SenderAdapter.send(OutgoingEmail) -> SendOutcome`).

    with build_adapter("smtp", settings, sender_config) as adapter:
        outcome = adapter.send(email)

`file` (the embedded default) writes `.eml` files; `smtp`, `resend` and `smartlead` talk to the
real services. Non-secret settings come from `[sending]` in gtm.toml, overridable per sender in
`senders.config`; secrets only from the environment — `GTM_SENDING_SMTP_PASSWORD` etc., or per
sender the variable named by `password_env` / `api_key_env` in its config.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from pydantic import SecretStr

from gtm.errors import ConfigError
from gtm.providers.senders.base import (
    AuthError,
    BadAddressError,
    ContentRejectedError,
    DeliveryUnknownError,
    OutgoingEmail,
    ProviderConfigError,
    RejectedError,
    SenderAdapter,
    SendOutcome,
    TransientSendError,
)
from gtm.providers.senders.file import FileSender
from gtm.providers.senders.http import HttpConfig, ResendSender, SmartleadSender
from gtm.providers.senders.smtp import SmtpConfig, SmtpSender
from gtm.settings import Settings

__all__ = [
    "AuthError", "BadAddressError", "ContentRejectedError", "DeliveryUnknownError", "FileSender",
    "OutgoingEmail", "ProviderConfigError", "RejectedError", "ResendSender", "SendOutcome",
    "SenderAdapter", "SmartleadSender", "SmtpSender", "TransientSendError", "build_adapter",
]


def build_adapter(provider: str, settings: Settings,
                  config: Mapping | None = None) -> SenderAdapter:
    """The adapter for a sender's `provider`, configured from settings and its `config`."""
    config = config or {}
    if provider == "file":
        return FileSender(Path(config["outbox_dir"]) if config.get("outbox_dir")
                          else settings.outbox_dir)
    if provider == "smtp":
        host = config.get("smtp_host") or settings.sending_smtp_host
        if not host:
            raise ConfigError("SMTP sender without a host: set GTM_SENDING_SMTP_HOST "
                              "([sending] smtp_host) or smtp_host in the sender's config")
        ca_file = config.get("smtp_ca_file") or settings.sending_smtp_ca_file
        return SmtpSender(SmtpConfig(
            host=host, port=int(config.get("smtp_port") or settings.sending_smtp_port),
            security=config.get("smtp_security") or settings.sending_smtp_security,
            username=config.get("smtp_username") or settings.sending_smtp_username,
            password=_secret(config.get("password_env"), settings.sending_smtp_password),
            timeout=settings.sending_smtp_timeout_seconds,
            ca_file=Path(ca_file) if ca_file else None))
    if provider == "resend":
        return ResendSender(HttpConfig(
            _secret(config.get("api_key_env"), settings.sending_resend_api_key) or "",
            config.get("resend_base_url") or settings.sending_resend_base_url,
            settings.sending_http_timeout_seconds))
    if provider == "smartlead":
        return SmartleadSender(
            HttpConfig(_secret(config.get("api_key_env"), settings.sending_smartlead_api_key) or "",
                       config.get("smartlead_base_url") or settings.sending_smartlead_base_url,
                       settings.sending_http_timeout_seconds),
            config.get("smartlead_campaign_id") or settings.sending_smartlead_campaign_id)
    raise ConfigError(f"unknown sending provider {provider!r}: use file, smtp, resend or smartlead")


def _secret(env_name: str | None, default: SecretStr | None) -> str | None:
    """A per-sender secret is named by its environment variable, never stored in the database."""
    if env_name:
        value = os.environ.get(env_name)
        if not value:
            raise ConfigError(f"the sender's secret variable {env_name} is not set")
        return value
    return default.get_secret_value() if default else None
