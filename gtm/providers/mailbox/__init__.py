"""Mailboxes replies are read from: a Maildir folder (the embedded default, `$GTM_HOME/mail`) or
an IMAP account (imapclient). Both hand out `InboundMail` with a stable position (IMAP
UIDVALIDITY + UID, or the Maildir key) that reply processing stores, so nothing is read twice.
"""

from gtm.providers.mailbox.base import (
    NEVER_REPLY_FOLDERS,
    FolderCursor,
    InboundMail,
    Mailbox,
    MailboxError,
)
from gtm.providers.mailbox.factory import mailbox_from_settings

__all__ = ["NEVER_REPLY_FOLDERS", "FolderCursor", "InboundMail", "Mailbox", "MailboxError",
           "mailbox_from_settings"]
