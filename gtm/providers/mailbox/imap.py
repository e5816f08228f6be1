"""IMAP (imapclient): UID-based collection that only ever fetches new messages.

Per folder we keep UIDVALIDITY and the highest UID stored (`mailbox_cursors`). A sync asks the
server for `UID last+1:*` and fetches those in batches with `BODY.PEEK[]` (one round trip per
batch; PEEK leaves the \\Seen flag alone, so the user's unread mail stays unread). Folders are
opened read-only (EXAMINE). A changed UIDVALIDITY means the server renumbered the folder: it is
read again from UID 1 and reply processing drops what it already has by Message-ID.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import UTC, datetime

from gtm.errors import ConfigError
from gtm.providers.mailbox.base import (
    FolderCursor,
    InboundMail,
    MailboxError,
    is_never_reply_folder,
)

# Lazily imported so `gtm` works without a mail server configured.
_IMAP_ERRORS: tuple[type[BaseException], ...] = (OSError, socket.timeout)


class ImapMailbox:
    def __init__(self, host: str, port: int, username: str, password: str, *, ssl: bool = True,
                 folders: list[str] | None = None, batch_size: int = 500, timeout: float = 30.0):
        self.host, self.port, self.username = host, port, username
        self._password = password
        self.ssl = ssl
        self._folders = folders or ["INBOX"]
        self.batch_size = batch_size
        self.timeout = timeout
        self._conn = None

    # -- connection ---------------------------------------------------------------------------
    def _client(self):
        if self._conn is None:
            from imapclient import IMAPClient
            from imapclient.exceptions import IMAPClientError, LoginError

            try:
                conn = IMAPClient(self.host, port=self.port, ssl=self.ssl, timeout=self.timeout)
                conn.login(self.username, self._password)
            except LoginError as exc:
                raise ConfigError(f"IMAP login to {self.host} as {self.username} refused "
                                  "(GTM_MAIL_IMAP_USERNAME / GTM_MAIL_IMAP_PASSWORD)") from exc
            except (*_IMAP_ERRORS, IMAPClientError) as exc:
                raise MailboxError(f"cannot reach IMAP server {self.host}:{self.port}: "
                                   f"{exc}") from exc
            self._check_folders(conn)
            self._conn = conn
        return self._conn

    def _check_folders(self, conn) -> None:
        listed = {name: flags for flags, _, name in conn.list_folders()}
        for folder in self._folders:
            if folder not in listed:
                raise ConfigError(f"IMAP folder {folder!r} does not exist on {self.host} "
                                  f"(GTM_MAIL_FOLDERS); folders: {', '.join(sorted(listed))}")
            if is_never_reply_folder(folder, listed[folder]):
                raise ConfigError(f"IMAP folder {folder!r} holds sent mail or drafts: it is never "
                                  "read for replies (GTM_MAIL_FOLDERS)")

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.logout()
            except Exception:  # noqa: BLE001 - closing a dead connection is not an error
                pass
            self._conn = None

    # -- reading ------------------------------------------------------------------------------
    def folders(self) -> list[str]:
        return [self._name(f) for f in self._folders]

    def _name(self, folder: str) -> str:
        return f"imap:{self.username}@{self.host}/{folder}"

    def _folder(self, mailbox: str) -> str:
        return mailbox.split("/", 1)[1]

    def poll_token(self) -> str:
        conn = self._client()
        parts = []
        for folder in self._folders:
            status = conn.folder_status(folder, [b"UIDVALIDITY", b"UIDNEXT", b"MESSAGES"])
            parts.append(f"{folder}={status[b'UIDVALIDITY']}:{status[b'UIDNEXT']}:"
                         f"{status[b'MESSAGES']}")
        return ";".join(parts)

    def fetch_new(self, mailbox: str, cursor: FolderCursor | None = None,
                  seen: set[str] | None = None) -> Iterator[list[InboundMail]]:
        conn = self._client()
        selected = conn.select_folder(self._folder(mailbox), readonly=True)
        uidvalidity = int(selected[b"UIDVALIDITY"])
        start = 1 if cursor is None or cursor.uidvalidity != uidvalidity else cursor.last_uid + 1
        # `n:*` always matches the highest UID, even when it is below n: filter.
        uids = sorted(u for u in conn.search(["UID", f"{start}:*"]) if u >= start)
        for offset in range(0, len(uids), self.batch_size):
            chunk = uids[offset: offset + self.batch_size]
            fetched = conn.fetch(chunk, [b"BODY.PEEK[]", b"INTERNALDATE"])
            batch = []
            for uid in chunk:
                data = fetched.get(uid)
                if data is None or b"BODY[]" not in data:
                    continue  # expunged between SEARCH and FETCH
                batch.append(InboundMail(mailbox, data[b"BODY[]"],
                                         _aware(data.get(b"INTERNALDATE")),
                                         uidvalidity=uidvalidity, uid=uid))
            yield batch


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    # imapclient returns server-local naive datetimes unless normalised; treat naive as UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
