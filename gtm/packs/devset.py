"""A pack's devset: sample contacts with their context, one JSON object a line.

`prompt_packs/devsets/<pack>.jsonl` beside the pack. `pack:lint` renders every record in template
mode through the guardrails, `pack:simulate` falls back to it when the database has no contacts,
and `benchmark:run` scores the LLM program on it.

Each line: {"id": "en-research", "note": "why this case is here", "context": {DraftContext}}.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from gtm.drafting.context import DraftContext, Sender
from gtm.packs.model import Pack, PackError


class DevsetRecord(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    note: str | None = None
    context: DraftContext


class DevsetError(PackError):
    def __init__(self, path: Path, line: int, message: str):
        self.path, self.line = path, line
        super().__init__(f"{path}:{line}: {message}")


def devset_path(pack: Pack) -> Path | None:
    if pack.path is None:
        return None
    return pack.path.parent / "devsets" / f"{pack.name}.jsonl"


def load_devset(pack: Pack) -> list[DevsetRecord]:
    """The pack's devset records; [] when the pack has none. Raises DevsetError on a bad line."""
    path = devset_path(pack)
    if path is None or not path.is_file():
        return []
    records: list[DevsetRecord] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            records.append(DevsetRecord.model_validate(json.loads(line)))
        except json.JSONDecodeError as exc:
            raise DevsetError(path, number, f"invalid JSON: {exc.msg}") from None
        except ValidationError as exc:
            error = exc.errors()[0]
            field = ".".join(str(part) for part in error["loc"])
            raise DevsetError(path, number, f"field {field}: {error['msg']}") from None
    return records


def sample_sender(records: list[DevsetRecord], language: str) -> Sender:
    """The devset's sender for `language`: a stand-in offer for previews, never for sending."""
    for record in records:
        if record.context.language == language and record.context.sender.offer:
            return record.context.sender
    return Sender()
