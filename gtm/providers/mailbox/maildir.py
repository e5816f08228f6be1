"""Maildir: the embedded reply inbox (`$GTM_HOME/mail`), and any Maildir a local MTA delivers to.

Read-only: messages are not moved to cur/ or flagged, so a person reading the same Maildir
with a mail client sees it unchanged. The unique part of a file name (before `:2,`) is the key
a message is stored under, so a client moving it from new/ to cur/ does not make it new again.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from gtm.providers.mailbox.base import FolderCursor, InboundMail, is_never_reply_folder

BATCH = 500


class MaildirMailbox:
    def __init__(self, root: Path, folders: list[str] | None = None):
        self.root = Path(root)
        # "" is the Maildir itself (INBOX); ".Name" are Maildir++ subfolders.
        names = folders or [""]
        self._folders = [f for f in names if not is_never_reply_folder(f.strip(".").lower())
                         and not is_never_reply_folder(f)]

    def folders(self) -> list[str]:
        return [self._name(f) for f in self._folders]

    def _name(self, folder: str) -> str:
        return f"maildir:{self.root / folder if folder else self.root}"

    def _path(self, mailbox: str) -> Path:
        return Path(mailbox.removeprefix("maildir:"))

    def poll_token(self) -> str:
        parts = []
        for folder in self._folders:
            base = self.root / folder if folder else self.root
            stamps = []
            for sub in ("new", "cur"):
                try:
                    stamps.append(str((base / sub).stat().st_mtime_ns))
                except FileNotFoundError:
                    stamps.append("-")
            parts.append(f"{folder or '.'}={'/'.join(stamps)}")
        return ";".join(parts)

    def keys(self, mailbox: str) -> dict[str, Path]:
        """Every message's key and current file, new/ and cur/."""
        base = self._path(mailbox)
        found: dict[str, Path] = {}
        for sub in ("new", "cur"):
            directory = base / sub
            if not directory.is_dir():
                continue
            for entry in os.scandir(directory):
                if entry.is_file() and not entry.name.startswith("."):
                    found[entry.name.split(":2,")[0]] = Path(entry.path)
        return found

    def fetch_new(self, mailbox: str, cursor: FolderCursor | None = None,
                  seen: set[str] | None = None) -> Iterator[list[InboundMail]]:
        seen = seen or set()
        fresh = sorted(((k, p) for k, p in self.keys(mailbox).items() if k not in seen),
                       key=lambda item: (item[1].stat().st_mtime_ns, item[0]))
        for start in range(0, len(fresh), BATCH):
            batch = []
            for key, path in fresh[start: start + BATCH]:
                try:
                    raw = path.read_bytes()
                    stamp = datetime.fromtimestamp(path.stat().st_mtime, UTC)
                except FileNotFoundError:  # moved by a mail client meanwhile: next sync
                    continue
                batch.append(InboundMail(mailbox, raw, stamp, maildir_key=key))
            yield batch

    def close(self) -> None:
        pass


def deliver(root: Path, raw: bytes, *, folder: str = "") -> str:
    """Put a message into a Maildir the way an MTA does (tmp/ then rename into new/)."""
    import mailbox as stdlib_mailbox

    base = Path(root) / folder if folder else Path(root)
    # `create=True` only builds a missing root; an existing empty folder (as `ensure_dirs`
    # leaves $GTM_HOME/mail) still needs its tmp/new/cur.
    for sub in ("tmp", "new", "cur"):
        (base / sub).mkdir(parents=True, exist_ok=True)
    box = stdlib_mailbox.Maildir(str(base), create=True)
    return box.add(raw)
