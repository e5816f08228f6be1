"""The `file` sender, the embedded default: each message becomes an `.eml` file in the outbox.

Files are written to a temporary name and renamed into place, so a crash never leaves half a
message that looks sent. Every send gets its own file name, so a (forbidden) second send of
the same message would show as a second file rather than silently overwrite the first.
"""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime
from pathlib import Path

from gtm.providers.senders.base import OutgoingEmail, SenderAdapter, SendOutcome, TransientSendError


class FileSender(SenderAdapter):
    name = "file"

    def __init__(self, outbox_dir: Path):
        self.outbox_dir = outbox_dir

    def send(self, email: OutgoingEmail) -> SendOutcome:
        now = datetime.now(UTC)
        data = email.to_mime(now).as_bytes()
        name = f"{now:%Y%m%dT%H%M%S%fZ}-{email.id}-{uuid.uuid4().hex[:8]}.eml"
        try:
            self.outbox_dir.mkdir(parents=True, exist_ok=True)
            tmp = self.outbox_dir / f".{name}.tmp"
            with open(tmp, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.outbox_dir / name)
        except OSError as exc:  # a full disk or a read-only folder: nothing was "sent"
            raise TransientSendError(f"cannot write {self.outbox_dir}: {exc}") from exc
        return SendOutcome(self.name, name)
