"""The mailbox in force: Maildir by default, IMAP when `GTM_MAIL_SOURCE=imap`."""

from __future__ import annotations

from gtm.errors import ConfigError
from gtm.providers.mailbox.base import Mailbox
from gtm.settings import Settings


def mailbox_from_settings(settings: Settings) -> Mailbox:
    if settings.mail_source == "imap":
        from gtm.providers.mailbox.imap import ImapMailbox

        for field in ("mail_imap_host", "mail_imap_username", "mail_imap_password"):
            if not getattr(settings, field):
                raise ConfigError(f"IMAP reply collection needs GTM_{field.upper()}")
        return ImapMailbox(settings.mail_imap_host, settings.mail_imap_port,
                           settings.mail_imap_username,
                           settings.mail_imap_password.get_secret_value(),
                           ssl=settings.mail_imap_ssl, folders=settings.mail_folders or None,
                           batch_size=settings.mail_batch_size)
    from gtm.providers.mailbox.maildir import MaildirMailbox

    return MaildirMailbox(settings.mail_dir, settings.mail_folders or None)
