"""AI traces: an `ai_traces` run groups the `ai_interactions` rows of its model calls.

Rows are written by a background thread in batches (one multi-row insert per batch on its own
connection), so a call only pays for a queue put. `flush()` waits until every queued row is
committed; rows a failed insert could not write are kept and retried at the next flush, and
the flush raises until they are written, so a trace never ends with rows silently dropped.

    with trace_run(lambda: connect(settings), workspace_id, "drafts", campaign_id=cid) as trace:
        client.complete_sync("drafting", messages, context=CallContext(trace=trace))
    trace.summary()  # calls, errors, cached, tokens, cost: Dagster materialisation metadata
"""

from __future__ import annotations

import contextvars
import logging
import queue
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Protocol

import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

from gtm.errors import TransientError

log = logging.getLogger(__name__)

ConnFactory = Callable[[], psycopg.Connection]

_current_trace: contextvars.ContextVar[Trace | None] = contextvars.ContextVar(
    "gtm_current_trace", default=None)


def new_trace_id() -> str:
    return secrets.token_hex(16)  # W3C trace-context sizes: 16 bytes trace, 8 bytes span


def new_span_id() -> str:
    return secrets.token_hex(8)


@dataclass
class Interaction:
    """One model (or template) call as stored in `ai_interactions`; input/output redacted."""

    task: str
    span_id: str = field(default_factory=new_span_id)
    trace_id: str | None = None
    parent_span_id: str | None = None
    mode: str = "llm"
    provider: str | None = None
    model: str | None = None
    pack: str | None = None
    pack_version: str | None = None
    input: Any = None
    output: Any = None
    error_code: str | None = None
    latency_ms: int | None = None
    tokens_in: int | None = None
    tokens_out: int | None = None
    cost_usd: float | None = None
    cached: bool = False
    session_key: str | None = None
    batch_id: str | None = None
    campaign_id: str | None = None
    employee_id: str | None = None
    company_id: str | None = None
    # When the call happened: rows are written later, in batches sharing one transaction time.
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))


class Recorder(Protocol):
    def record(self, interaction: Interaction) -> None: ...


_COLUMNS = [f.name for f in fields(Interaction)]
_UUID_COLUMNS = {"campaign_id", "employee_id", "company_id"}
_INSERT = sql.SQL("insert into ai_interactions (workspace_id, {}) values (%s, {})").format(
    sql.SQL(", ").join(map(sql.Identifier, _COLUMNS)),
    sql.SQL(", ").join(sql.SQL("%s::uuid" if c in _UUID_COLUMNS else "%s") for c in _COLUMNS),
)
_STOP = object()


class InteractionWriter:
    """Batches `ai_interactions` inserts for one workspace on a background thread."""

    def __init__(self, conn_factory: ConnFactory, workspace_id: str, *, batch_size: int = 500,
                 write_attempts: int = 3):
        self.workspace_id = str(workspace_id)
        self._conn_factory = conn_factory
        self._batch_size = batch_size
        self._write_attempts = write_attempts
        self._queue: queue.Queue = queue.Queue()
        self._unwritten: list[tuple] = []
        self._last_error: Exception | None = None
        self._conn: psycopg.Connection | None = None
        self._thread = threading.Thread(target=self._run, name="gtm-ai-interactions", daemon=True)
        self._thread.start()

    def record(self, interaction: Interaction) -> None:
        self._queue.put(self._row(interaction))

    def flush(self) -> None:
        """Block until every recorded row is committed; raise if some could not be written."""
        self._queue.join()
        if self._unwritten:
            self._queue.put(None)  # a wake-up with no row: retries the unwritten rows
            self._queue.join()
        if self._unwritten:
            raise TransientError(
                f"{len(self._unwritten)} ai_interactions rows not yet written: {self._last_error}")

    def close(self) -> None:
        try:
            self.flush()
        finally:
            self._queue.put(_STOP)
            self._thread.join()

    def _row(self, interaction: Interaction) -> tuple:
        values = []
        for name in _COLUMNS:
            value = getattr(interaction, name)
            if name in ("input", "output") and value is not None:
                value = Jsonb(value)
            elif name == "cost_usd" and value is not None:
                value = Decimal(str(round(value, 6)))
            values.append(value)
        return (self.workspace_id, *values)

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is _STOP:
                self._queue.task_done()
                if self._conn is not None:
                    self._conn.close()
                return
            batch = [first]
            while len(batch) < self._batch_size:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            rows = [*self._unwritten, *(r for r in batch if r is not None and r is not _STOP)]
            self._unwritten = self._write(rows)
            stop = any(r is _STOP for r in batch)
            for _ in batch:
                self._queue.task_done()
            if stop:
                self._queue.put(_STOP)

    def _write(self, rows: list[tuple]) -> list[tuple]:
        """Insert `rows` in one transaction; returns the rows left unwritten."""
        if not rows:
            return []
        for attempt in range(self._write_attempts):
            try:
                if self._conn is None or self._conn.closed:
                    self._conn = self._conn_factory()
                with self._conn.cursor() as cur:
                    cur.executemany(_INSERT, rows)
                self._conn.commit()
                return []
            except psycopg.Error as exc:
                self._last_error = exc
                log.warning("writing %d ai_interactions rows failed (attempt %d): %s",
                            len(rows), attempt + 1, exc)
                self._reset_connection()
                time.sleep(0.05 * 2**attempt)
        return rows

    def _reset_connection(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            except psycopg.Error:
                pass  # already broken: a new connection is opened on the next attempt
            self._conn = None


class Trace:
    """One `ai_traces` run: stamps its ids and context on every interaction it records."""

    def __init__(self, writer: InteractionWriter, name: str, *, trace_id: str | None = None,
                 session_key: str | None = None, batch_id: str | None = None,
                 campaign_id: str | None = None, run_id: str | None = None):
        self.writer = writer
        self.name = name
        self.trace_id = trace_id or new_trace_id()
        self.session_key, self.batch_id, self.run_id = session_key, batch_id, run_id
        self.campaign_id = str(campaign_id) if campaign_id else None
        self._lock = threading.Lock()
        self._totals = {"calls": 0, "errors": 0, "cached": 0, "template": 0, "tokens_in": 0,
                        "tokens_out": 0, "cost_usd": 0.0}

    @property
    def workspace_id(self) -> str:
        return self.writer.workspace_id

    def record(self, interaction: Interaction) -> None:
        interaction.trace_id = self.trace_id
        interaction.session_key = interaction.session_key or self.session_key
        interaction.batch_id = interaction.batch_id or self.batch_id
        interaction.campaign_id = interaction.campaign_id or self.campaign_id
        with self._lock:
            totals = self._totals
            totals["calls"] += 1
            totals["errors"] += interaction.error_code is not None
            totals["cached"] += interaction.cached
            totals["template"] += interaction.mode == "template"
            totals["tokens_in"] += interaction.tokens_in or 0
            totals["tokens_out"] += interaction.tokens_out or 0
            totals["cost_usd"] += interaction.cost_usd or 0.0
        self.writer.record(interaction)

    def summary(self) -> dict[str, Any]:
        """Totals so far: calls, errors, cached, template, tokens_in, tokens_out, cost_usd."""
        with self._lock:
            return {**self._totals, "cost_usd": round(self._totals["cost_usd"], 6)}


def current_trace() -> Trace | None:
    """The trace opened by the innermost `trace_run` in this context, if any."""
    return _current_trace.get()


@contextmanager
def trace_run(conn_factory: ConnFactory, workspace_id: str, name: str, *,
              session_key: str | None = None, batch_id: str | None = None,
              campaign_id: str | None = None, run_id: str | None = None,
              metadata: dict | None = None) -> Iterator[Trace]:
    """Open an `ai_traces` row, yield the `Trace`, then flush its interactions and close the row
    with status ok/error and the trace's totals in `metadata`."""
    writer = InteractionWriter(conn_factory, workspace_id)
    trace = Trace(writer, name, session_key=session_key, batch_id=batch_id,
                  campaign_id=campaign_id, run_id=run_id)
    with conn_factory() as conn:
        conn.execute(
            "insert into ai_traces (workspace_id, trace_id, name, session_key, batch_id,"
            " campaign_id, run_id, metadata) values (%s, %s, %s, %s, %s, %s::uuid, %s, %s)",
            (trace.workspace_id, trace.trace_id, name, session_key, batch_id, trace.campaign_id,
             run_id, Jsonb(metadata or {})))
    token = _current_trace.set(trace)
    status = "error"
    try:
        yield trace
        status = "ok"
    finally:
        _current_trace.reset(token)
        try:
            writer.close()
        except Exception:
            status = "error"
            raise
        finally:
            with conn_factory() as conn:
                conn.execute(
                    "update ai_traces set status = %s, ended_at = now(),"
                    " metadata = metadata || %s where workspace_id = %s and trace_id = %s",
                    (status, Jsonb({"summary": trace.summary()}), trace.workspace_id,
                     trace.trace_id))
