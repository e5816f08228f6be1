"""ai_traces runs and their ai_interactions rows: nothing lost under concurrency or failures."""

from __future__ import annotations

import threading

import psycopg
import pytest

from gtm.errors import TransientError
from gtm.observability import Interaction, InteractionWriter, trace_run


def _count(conn_factory, trace_id: str) -> int:
    with conn_factory() as conn:
        return conn.execute("select count(*) as n from ai_interactions where trace_id = %s",
                            (trace_id,)).fetchone()["n"]


def test_concurrent_recording_loses_nothing(workspace) -> None:
    conn_factory, workspace_id = workspace
    with trace_run(conn_factory, workspace_id, "burst", batch_id="b-9") as trace:
        def worker(n: int) -> None:
            for i in range(250):
                trace.record(Interaction(task="drafting", model="m", tokens_in=1, tokens_out=2,
                                         cost_usd=0.001, input={"n": n, "i": i},
                                         error_code="rate_limited" if i == 0 else None))

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert _count(conn_factory, trace.trace_id) == 2000
    assert trace.summary() == {"calls": 2000, "errors": 8, "cached": 0, "template": 0,
                               "tokens_in": 2000, "tokens_out": 4000, "cost_usd": 2.0}
    with conn_factory() as conn:
        run = conn.execute("select status, metadata, batch_id from ai_traces where trace_id = %s",
                           (trace.trace_id,)).fetchone()
        batches = conn.execute("select count(distinct batch_id) as n from ai_interactions"
                               " where trace_id = %s", (trace.trace_id,)).fetchone()
    assert run["status"] == "ok" and run["metadata"]["summary"]["errors"] == 8
    assert run["batch_id"] == "b-9" and batches["n"] == 1  # the trace's batch on every row


def test_a_failing_body_closes_the_trace_as_error_and_keeps_its_rows(workspace) -> None:
    conn_factory, workspace_id = workspace
    with pytest.raises(RuntimeError), trace_run(conn_factory, workspace_id, "fails") as trace:
        trace.record(Interaction(task="judge", mode="template"))
        raise RuntimeError("asset failed")
    with conn_factory() as conn:
        run = conn.execute("select status, ended_at from ai_traces where trace_id = %s",
                           (trace.trace_id,)).fetchone()
    assert run["status"] == "error" and run["ended_at"] is not None
    assert _count(conn_factory, trace.trace_id) == 1


def test_writer_retries_a_broken_connection(workspace) -> None:
    conn_factory, workspace_id = workspace
    calls = {"n": 0}

    def flaky():
        calls["n"] += 1
        if calls["n"] == 1:
            raise psycopg.OperationalError("server closed the connection unexpectedly")
        return conn_factory()

    writer = InteractionWriter(flaky, workspace_id)
    writer.record(Interaction(task="research", trace_id="t-flaky"))
    writer.close()
    assert _count(conn_factory, "t-flaky") == 1


def test_rows_that_cannot_be_written_are_reported_not_dropped(workspace) -> None:
    conn_factory, workspace_id = workspace
    down = {"db": True}

    def factory():
        if down["db"]:
            raise psycopg.OperationalError("connection refused")
        return conn_factory()

    writer = InteractionWriter(factory, workspace_id, write_attempts=1)
    writer.record(Interaction(task="research", trace_id="t-down"))
    with pytest.raises(TransientError, match="1 ai_interactions rows not yet written"):
        writer.flush()
    down["db"] = False  # the database is back: the kept row goes in on the next flush
    writer.close()
    assert _count(conn_factory, "t-down") == 1
