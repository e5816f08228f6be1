"""Run assets on the project's Dagster instance, so CLI-started work shows in the Dagster UI.

The CLI calls this (lazily, keeping `gtm` itself free of Dagster) instead of re-implementing
what an asset does: one implementation, whoever triggers it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import dagster as dg

from gtm.dagster_home import prepare_dagster_home
from gtm.errors import GtmError, TerminalError
from gtm.settings import Settings


def materialize_assets(
    settings: Settings,
    selection: Sequence[str],
    *,
    partition_key: str | None = None,
    dynamic_partitions: str | None = None,
    run_config: Mapping | None = None,
    tags: Mapping[str, str] | None = None,
) -> dg.ExecuteInProcessResult:
    """Materialize the named assets (and their checks) in-process on the project's instance.

    With `dynamic_partitions`, `partition_key` is first added to that dynamic partitions
    definition, as a sensor would do.
    """
    prepare_dagster_home(settings)
    from gtm_assets.definitions import defs

    repo_assets = list(defs.assets or [])
    instance = dg.DagsterInstance.get()
    if dynamic_partitions and partition_key:
        instance.add_dynamic_partitions(dynamic_partitions, [partition_key])
    result = dg.materialize(
        [*repo_assets, *(defs.asset_checks or [])],
        selection=list(selection),
        instance=instance,
        resources=dict(defs.resources or {}),
        partition_key=partition_key,
        # The console logger stays quiet: the CLI prints its own summary and the full event log
        # is still stored on the instance for the UI.
        run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}},
                    **(run_config or {})},
        tags={"gtm/trigger": "cli", **(tags or {})},
        raise_on_error=False,
    )
    if not result.success:
        raise _first_failure(result)
    return result


def _first_failure(result: dg.ExecuteInProcessResult) -> GtmError:
    """The failing step's own `GtmError` when there is one, so the CLI prints its message."""
    for event in result.all_events:
        if event.is_step_failure and event.step_failure_data.error is not None:
            err = event.step_failure_data.error
            while err.cause is not None and err.cls_name in {"DagsterExecutionStepExecutionError"}:
                err = err.cause
            return TerminalError(f"{event.step_key} failed: {err.message.strip().splitlines()[-1]}")
    return TerminalError(f"Dagster run {result.run_id} failed")
