"""Persistent response cache: the same (model, messages, params) is answered once, ever.

SQLite in `$GTM_HOME/cache/llm.sqlite`: a cache is not data of record, so it stays out of
Postgres; WAL mode lets several processes (Dagster's multiprocess executor) share it.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Parameters that change how a call is made, not what it answers.
_NOT_KEYED = frozenset({"timeout", "api_key", "extra_headers", "metadata", "num_retries",
                        "max_retries", "user"})


@dataclass(frozen=True)
class CachedResponse:
    text: str
    model: str
    provider: str
    finish_reason: str | None
    tokens_in: int | None
    tokens_out: int | None


def cache_key(model: str, messages: list[dict], params: dict[str, Any],
              api_base: str | None = None) -> str:
    """sha256 of the canonical JSON of what determines the answer."""
    keyed = {k: _jsonable(v) for k, v in params.items() if k not in _NOT_KEYED and v is not None}
    payload = {"model": model, "api_base": api_base, "messages": messages, "params": keyed}
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _jsonable(value: Any) -> Any:
    # A pydantic response_format class is keyed by its schema, not its (unstable) repr.
    schema = getattr(value, "model_json_schema", None)
    return schema() if callable(schema) else value


class ResponseCache:
    """Thread-safe get/put on one SQLite file."""

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None,
                                     timeout=30)
        self._conn.execute("pragma journal_mode=wal")
        self._conn.execute("pragma synchronous=normal")  # WAL + normal: durable across crashes
        self._conn.execute(
            "create table if not exists llm_responses (key text primary key, model text not null,"
            " provider text not null, finish_reason text, text text not null,"
            " tokens_in integer, tokens_out integer,"
            " created_at text not null default (datetime('now')))"
        )

    def get(self, key: str) -> CachedResponse | None:
        with self._lock:
            row = self._conn.execute(
                "select text, model, provider, finish_reason, tokens_in, tokens_out"
                " from llm_responses where key = ?", (key,)).fetchone()
        return CachedResponse(*row) if row else None

    def put(self, key: str, response: CachedResponse) -> None:
        with self._lock:
            self._conn.execute(
                "insert or replace into llm_responses"
                " (key, text, model, provider, finish_reason, tokens_in, tokens_out)"
                " values (?, ?, ?, ?, ?, ?, ?)",
                (key, response.text, response.model, response.provider, response.finish_reason,
                 response.tokens_in, response.tokens_out))

    def close(self) -> None:
        with self._lock:
            self._conn.close()
