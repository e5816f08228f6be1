"""Persistent response cache: the same (model, messages, params) is answered once, ever.

SQLite in `$GTM_HOME/cache/llm.sqlite`: a cache is not data of record, so it stays out of
Postgres; WAL mode lets several processes (Dagster's multiprocess executor) share it.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import sqlite3
from concurrent.futures import ThreadPoolExecutor
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
    """get/put on one SQLite file, awaited from the LLM client's event loop.

    One worker thread owns the connection and runs every statement, in submission order: sqlite3's
    same-thread rule holds without a lock, and the loop never blocks on the file, nor on another
    process holding the write lock (up to the 30 s busy timeout), while other calls are in flight.
    """

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="gtm-llm-cache")
        self._conn: sqlite3.Connection | None = None
        self._closed = False
        try:
            self._worker.submit(self._open).result()  # a file that cannot be opened fails here
        except BaseException:
            self._worker.shutdown()
            raise

    async def get(self, key: str) -> CachedResponse | None:
        return await asyncio.wrap_future(self._worker.submit(self._get, key))

    async def put(self, key: str, response: CachedResponse) -> None:
        await asyncio.wrap_future(self._worker.submit(self._put, key, response))

    def close(self) -> None:
        """Close the file once the statements already submitted have run (again: a no-op)."""
        if self._closed:
            return
        self._closed = True
        try:
            self._worker.submit(self._conn.close).result()
        finally:
            self._worker.shutdown()

    # -- on the worker thread -----------------------------------------------------------------

    def _open(self) -> None:
        conn = sqlite3.connect(self.path, isolation_level=None, timeout=30)
        conn.execute("pragma journal_mode=wal")
        conn.execute("pragma synchronous=normal")  # WAL + normal: durable across crashes
        conn.execute(
            "create table if not exists llm_responses (key text primary key, model text not null,"
            " provider text not null, finish_reason text, text text not null,"
            " tokens_in integer, tokens_out integer,"
            " created_at text not null default (datetime('now')))"
        )
        self._conn = conn

    def _get(self, key: str) -> CachedResponse | None:
        row = self._conn.execute(
            "select text, model, provider, finish_reason, tokens_in, tokens_out"
            " from llm_responses where key = ?", (key,)).fetchone()
        return CachedResponse(*row) if row else None

    def _put(self, key: str, response: CachedResponse) -> None:
        self._conn.execute(
            "insert or replace into llm_responses"
            " (key, text, model, provider, finish_reason, tokens_in, tokens_out)"
            " values (?, ?, ?, ?, ?, ?, ?)",
            (key, response.text, response.model, response.provider, response.finish_reason,
             response.tokens_in, response.tokens_out))
