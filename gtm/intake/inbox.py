"""The CSV inbox: which files are new since the last look (the sensor's cursor logic)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from gtm.intake.batches import file_sha256

_SUFFIXES = {".csv", ".tsv", ".txt"}


@dataclass(frozen=True)
class InboxFile:
    path: Path
    sha256: str


def scan_inbox(inbox: Path, cursor: str | None) -> tuple[list[InboxFile], str]:
    """New or changed files (by name, size and mtime) and the cursor to store.

    Hashing is the expensive part, so it is done once per file version; the sha256 then decides
    (as the run key) whether the content was ever imported, whatever the file is called.
    """
    seen: dict[str, str] = json.loads(cursor) if cursor else {}
    found, current = [], {}
    if inbox.is_dir():
        for path in sorted(inbox.iterdir()):
            hidden = path.name.startswith(".")
            if not path.is_file() or path.suffix.lower() not in _SUFFIXES or hidden:
                continue
            stat = path.stat()
            version = f"{stat.st_size}:{stat.st_mtime_ns}"
            current[path.name] = version
            if seen.get(path.name) != version:
                found.append(InboxFile(path, file_sha256(path)))
    return found, json.dumps(current, sort_keys=True)
