"""The reply mailbox as a Dagster resource: Maildir by default, IMAP by configuration."""

import os

import dagster as dg

from gtm.providers.mailbox import Mailbox, mailbox_from_settings
from gtm.settings import Settings, load_settings


class MailboxResource(dg.ConfigurableResource):
    """Where replies are collected from. Unset fields fall back to GTM settings (`GTM_MAIL_*`,
    gtm.toml `[mail]`); the IMAP password is an `EnvVar`, never a literal."""

    source: str | None = None  # "maildir" | "imap"
    imap_host: str | None = None
    imap_username: str | None = None
    imap_password: str | None = None

    def settings(self) -> Settings:
        overrides = {"mail_source": self.source, "mail_imap_host": self.imap_host,
                     "mail_imap_username": self.imap_username,
                     "mail_imap_password": self.imap_password}
        return load_settings(**{k: v for k, v in overrides.items() if v})

    def mailbox(self) -> Mailbox:
        return mailbox_from_settings(self.settings())


def mailbox_resource_from_env() -> MailboxResource:
    if os.environ.get("GTM_MAIL_IMAP_PASSWORD"):
        return MailboxResource(imap_password=dg.EnvVar("GTM_MAIL_IMAP_PASSWORD"))
    return MailboxResource()
