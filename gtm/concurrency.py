"""Running many slow provider calls at once (LLM programs, web research, registries) while the
calling thread keeps the database.

One worker thread per item in flight; `on_done` runs on the calling thread as each item
finishes, so a stage can write every result on its one connection (psycopg connections are not
shared across threads) as soon as it exists: a progress bar moves, and an interrupted run keeps
what it finished.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import TypeVar

from gtm.settings import Settings

T = TypeVar("T")
R = TypeVar("R")


def run_concurrently(work: Callable[[T], R], items: Sequence[T], *, workers: int,
                     on_done: Callable[[T, R | Exception], None]) -> None:
    """Call `work(item)` for every item on `workers` threads; `on_done(item, result or error)`
    runs on the calling thread as each finishes. An error in `on_done` (the database) stops
    the rest: unstarted items are cancelled rather than computed for nothing."""
    if workers <= 1 or len(items) <= 1:
        for item in items:
            try:
                result: R | Exception = work(item)
            except Exception as exc:  # one item's failure is its result, not the run's
                result = exc
            on_done(item, result)
        return
    with ThreadPoolExecutor(max_workers=min(workers, len(items)),
                            thread_name_prefix="gtm-worker") as pool:
        pending: dict[Future, T] = {pool.submit(work, item): item for item in items}
        try:
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    item = pending.pop(future)
                    error = future.exception()
                    on_done(item, error if error is not None else future.result())
        except BaseException:
            for future in pending:
                future.cancel()
            raise


def workers_for(settings: Settings) -> int:
    """Workers for LLM calls. The client's per-provider limits decide how many calls really are
    in flight (`GTM_LLM_CONCURRENCY`); there are twice as many workers as slots because a
    worker waiting out a retry backoff holds no slot, and its slot should not idle."""
    return settings.llm_concurrency * 2
