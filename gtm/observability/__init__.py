"""AI observability: `ai_traces` runs, the `ai_interactions` rows of their model calls, and the
queries behind `gtm ai:log`."""

from gtm.observability.traces import (
    Interaction,
    InteractionWriter,
    Recorder,
    Trace,
    current_trace,
    new_span_id,
    new_trace_id,
    trace_run,
)

__all__ = ["Interaction", "InteractionWriter", "Recorder", "Trace", "current_trace",
           "new_span_id", "new_trace_id", "trace_run"]
