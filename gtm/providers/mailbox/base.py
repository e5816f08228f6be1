"""What every mailbox provider offers reply collection."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from gtm.errors import TransientError

# Folders whose messages are ours (sent, drafts) or not mail to answer: never read as replies,
# whatever the configuration says. Matched on IMAP SPECIAL-USE flags and on common names.
NEVER_REPLY_FOLDERS = ("\\Sent", "\\Drafts", "\\Trash", "\\Junk")
_NEVER_REPLY_NAMES = {"sent", "sent items", "sent mail", "sent messages", "[gmail]/sent mail",
                      "drafts", "[gmail]/drafts", "trash", "отправленные", "черновики",
                      "корзина", "inbox.sent", "inbox.drafts", ".sent", ".drafts"}


def is_never_reply_folder(name: str, flags: tuple = ()) -> bool:
    decoded = {f.decode() if isinstance(f, bytes) else str(f) for f in flags}
    return bool(decoded & set(NEVER_REPLY_FOLDERS)) or name.strip().lower() in _NEVER_REPLY_NAMES


class MailboxError(TransientError):
    """The mail server could not be reached or refused us (login, folder)."""


@dataclass(frozen=True)
class InboundMail:
    """One message as fetched, with where it sits in the mailbox."""

    mailbox: str  # "imap:user@host/INBOX" or "maildir:/path[/.Folder]"
    raw: bytes
    received_at: datetime | None = None
    uidvalidity: int | None = None
    uid: int | None = None
    maildir_key: str | None = None


@dataclass(frozen=True)
class FolderCursor:
    """How far a folder has been read: UIDVALIDITY and the highest UID stored."""

    uidvalidity: int | None
    last_uid: int


class Mailbox(Protocol):
    def folders(self) -> list[str]:
        """The mailbox names this source reads (as stored in reply_events.mailbox)."""

    def poll_token(self) -> str:
        """A cheap fingerprint of every folder's state; it changes when new mail arrives."""

    def fetch_new(self, mailbox: str, cursor: FolderCursor | None,
                  seen: set[str] | None = None) -> Iterator[list[InboundMail]]:
        """Batches of messages after `cursor` (IMAP) or not in `seen` (Maildir keys)."""

    def close(self) -> None: ...
