"""Sending providers as a Dagster resource: secrets as `EnvVar`s, everything else from settings.

The `sends` asset asks it for an adapter factory; a test replaces it with one that returns
fakes, or points `outbox_dir` at a temporary folder.
"""

import os
from pathlib import Path

import dagster as dg
from pydantic import SecretStr

from gtm.sending.dispatch import AdapterFactory, default_adapters
from gtm.settings import Settings

_SECRETS = {"smtp_password": "GTM_SENDING_SMTP_PASSWORD",
            "resend_api_key": "GTM_SENDING_RESEND_API_KEY",
            "smartlead_api_key": "GTM_SENDING_SMARTLEAD_API_KEY"}


class SenderResource(dg.ConfigurableResource):
    """Adapters for each sender's provider (file, smtp, resend, smartlead).

    Unset fields fall back to GTM settings (`GTM_SENDING_*`, gtm.toml [sending]).
    """

    smtp_password: str | None = None  # EnvVar, shown masked in the UI
    resend_api_key: str | None = None
    smartlead_api_key: str | None = None
    outbox_dir: str | None = None  # where the `file` sender writes; default $GTM_HOME/outbox

    def settings(self, base: Settings) -> Settings:
        updates = {f"sending_{name}": SecretStr(value) for name in _SECRETS
                   if (value := getattr(self, name))}
        if self.outbox_dir:
            updates["paths_outbox"] = Path(self.outbox_dir)
        return base.model_copy(update=updates) if updates else base

    def adapters(self, base: Settings) -> AdapterFactory:
        return default_adapters(self.settings(base))


def sender_resource_from_env() -> SenderResource:
    """The resource as the code location builds it: secrets present in the env stay `EnvVar`s."""
    return SenderResource(**{name: dg.EnvVar(var) for name, var in _SECRETS.items()
                             if os.environ.get(var)})
