"""The waterfall every enrichment stage runs through.

A stage declares when it applies (`only_if`: returns a reason to skip, or None) and an ordered
list of providers; for each entity the first provider that answers wins and the rest are not
called. A provider raising is recorded (with its reason) and the next one is tried; an entity
whose providers all fail gets status `error` and is retried next run. One entity's failure never
fails the batch.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import psycopg

from gtm.concurrency import run_concurrently
from gtm.enrich.cache import StageResult, fresh_hashes, input_hash, save_results


@dataclass
class Answer:
    output: dict[str, Any]
    provider: str
    url: str | None = None


class Provider(Protocol):
    name: str

    def lookup(self, entity: dict[str, Any]) -> Answer | None:
        """An answer, or None when this provider knows nothing about the entity."""


@dataclass
class Stage:
    name: str
    entity: str  # company | employee
    inputs: Callable[[dict[str, Any]], dict[str, Any]]
    providers: Sequence[Provider]
    only_if: Callable[[dict[str, Any]], str | None] = lambda entity: None
    ttl: timedelta | None = timedelta(days=90)  # None: never stale
    # Entities whose providers are called at once; 1 (in the calling thread) for offline stages.
    workers: int = 1


@dataclass
class StageReport:
    stage: str
    considered: int = 0
    cached: int = 0
    ok: int = 0
    no_data: int = 0
    skipped: int = 0
    errors: int = 0
    provider_calls: int = 0
    failures: list[dict[str, str]] = field(default_factory=list)
    skip_reasons: dict[str, int] = field(default_factory=dict)
    results: list[StageResult] = field(default_factory=list)

    @property
    def worked(self) -> int:
        return self.ok + self.no_data + self.skipped + self.errors

    def to_json(self) -> dict[str, Any]:
        return {"stage": self.stage, "considered": self.considered, "cached": self.cached,
                "ok": self.ok, "no_data": self.no_data, "skipped": self.skipped,
                "errors": self.errors, "provider_calls": self.provider_calls,
                "skip_reasons": self.skip_reasons, "failures": self.failures[:50]}


def run_waterfall(stage: Stage, entity: dict[str, Any], digest: str) -> tuple[StageResult, int]:
    """One entity through the stage's providers in order until one answers: (result, provider
    calls made). It touches nothing shared, so it can run on a worker thread."""
    entity_id = str(entity["id"])
    failures = []
    calls = 0
    for provider in stage.providers:
        calls += 1
        try:
            answer = provider.lookup(entity)
        except Exception as exc:  # noqa: BLE001 - any provider failure is data, not a crash
            failures.append(f"{provider.name}: {type(exc).__name__}: {exc}")
            continue
        if answer is not None:
            output = dict(answer.output)
            if answer.url:
                output.setdefault("url", answer.url)
            return StageResult(entity_id, digest, "ok", output, provider=answer.provider), calls
    if failures:
        return StageResult(entity_id, digest, "error", error="; ".join(failures)[:1000]), calls
    return StageResult(entity_id, digest, "no_data",
                       {"providers": [p.name for p in stage.providers]}), calls


def run_stage(conn: psycopg.Connection, workspace_id: str, stage: Stage,
              entities: Sequence[dict[str, Any]], *, refresh: bool = False,
              now: datetime | None = None,
              progress: Callable[[int], None] | None = None) -> StageReport:
    """Run `stage` for the entities whose inputs changed or whose result is stale.

    The provider waterfalls run on up to `stage.workers` threads; counting, progress and every
    database write happen here, on the calling thread and its one connection, as results come
    back. Each batch written is in entity order, and `report.results` / `failures` are in entity
    order, so what is stored does not depend on which call finished first."""
    now = now or datetime.now(UTC)
    report = StageReport(stage.name, considered=len(entities))
    digests = {str(e["id"]): input_hash(stage.name, stage.inputs(e)) for e in entities}
    fresh = set() if refresh else fresh_hashes(conn, workspace_id, stage.entity, stage.name,
                                               list(digests), now)
    expires = now + stage.ttl if stage.ttl else None
    order = {str(e["id"]): i for i, e in enumerate(entities)}
    pending: list[StageResult] = []
    done: list[StageResult] = []

    def flush() -> None:
        pending.sort(key=lambda r: order[r.entity_id])
        save_results(conn, workspace_id, stage.entity, stage.name, pending, now)
        done.extend(pending)
        pending.clear()

    def record(result: StageResult) -> None:
        # Errors expire at once so the next run retries them.
        result.expires_at = now if result.status == "error" else expires
        pending.append(result)
        if progress:
            progress(1)
        if len(pending) >= 1000:
            flush()

    work: list[dict[str, Any]] = []
    for entity in entities:
        entity_id = str(entity["id"])
        if (entity_id, digests[entity_id]) in fresh:
            report.cached += 1
            if progress:
                progress(1)
        elif reason := stage.only_if(entity):
            report.skipped += 1
            report.skip_reasons[reason] = report.skip_reasons.get(reason, 0) + 1
            record(StageResult(entity_id, digests[entity_id], "skipped", {"reason": reason}))
        else:
            work.append(entity)

    def answered(entity: dict[str, Any], outcome: tuple[StageResult, int] | Exception) -> None:
        # run_waterfall catches provider errors itself; anything else is a bug, not data.
        if isinstance(outcome, Exception):
            raise outcome
        result, calls = outcome
        report.provider_calls += calls
        if result.status == "ok":
            report.ok += 1
        elif result.status == "error":
            report.errors += 1
        else:
            report.no_data += 1
        record(result)

    run_concurrently(lambda e: run_waterfall(stage, e, digests[str(e["id"])]), work,
                     workers=stage.workers, on_done=answered)
    flush()
    done.sort(key=lambda r: order[r.entity_id])
    report.results = done
    report.failures = [{"entity_id": r.entity_id, "reason": r.error}
                       for r in done if r.status == "error"]
    return report
