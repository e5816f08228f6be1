"""Where packs live and which version a file is: its content hash, so a campaign records exactly
the text it was drafted with."""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from gtm.errors import TerminalError
from gtm.settings import Settings

if TYPE_CHECKING:
    from gtm.packs.model import Pack

# The packs that ship with GTM sit beside the package (editable install / source checkout).
BUNDLED_PACKS_DIR = Path(__file__).resolve().parents[2] / "prompt_packs"


@dataclass(frozen=True)
class PackRef:
    name: str
    version: str
    path: Path


def packs_dir(settings: Settings) -> Path:
    if settings.paths_packs:
        return settings.paths_packs.expanduser().resolve()
    return BUNDLED_PACKS_DIR


def available_packs(settings: Settings) -> list[str]:
    directory = packs_dir(settings)
    return sorted(p.stem for p in directory.glob("*.md")) if directory.is_dir() else []


def resolve_pack(settings: Settings, name: str) -> PackRef:
    """The pack file named `name` and its version (first 12 hex of the sha256 of its bytes)."""
    path = _pack_path(settings, name)
    return PackRef(name, content_version(path.read_bytes()), path)


def _pack_path(settings: Settings, name: str) -> Path:
    path = packs_dir(settings) / f"{name}.md"
    if not path.is_file():
        known = ", ".join(available_packs(settings)) or "none"
        raise TerminalError(
            f"unknown prompt pack {name!r} in {packs_dir(settings)} (available: {known})")
    return path


def content_version(data: bytes) -> str:
    """A pack's version: the first 12 hex of the sha256 of its bytes."""
    return hashlib.sha256(data).hexdigest()[:12]


# Lint-clean packs by file, with the sha256 of the bytes they were parsed from: every draft run
# and web regeneration loads its pack, and parsing plus lint take 30-100 ms, while reading and
# hashing the file take microseconds. An edited file hashes differently and is parsed and linted
# again; a pack with errors is never kept, so it is refused on every load until fixed.
_clean_packs: dict[Path, tuple[str, Pack]] = {}
_clean_packs_lock = threading.Lock()


def load_pack(settings: Settings, name: str) -> Pack:
    """The parsed pack, refused (PackError naming the first problem) if lint finds any error.

    The devset is not rendered here: that is `gtm pack:lint`'s job, not every draft run's.
    """
    # Imported here: the pack model imports PackRef from this module.
    from gtm.packs.lint import errors, lint_pack
    from gtm.packs.model import PackError
    from gtm.packs.parse import parse_pack

    path = _pack_path(settings, name)
    data = path.read_bytes()  # read once: the hash and the parse see the same bytes
    digest = hashlib.sha256(data).hexdigest()
    with _clean_packs_lock:
        known = _clean_packs.get(path)
    if known is not None and known[0] == digest:
        return known[1]  # frozen model: safe to share between callers and threads
    pack = parse_pack(data, source=str(path), path=path)
    problems = errors(lint_pack(pack, devset=False))
    if problems:
        more = f" (+{len(problems) - 1} more)" if len(problems) > 1 else ""
        raise PackError(f"prompt pack {name!r} has errors: {problems[0]}{more}; "
                        "run `gtm pack:lint`")
    with _clean_packs_lock:
        _clean_packs[path] = (digest, pack)
    return pack
