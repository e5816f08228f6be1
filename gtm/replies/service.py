"""One call for "collect and process replies", shared by `gtm reply:sync`, the Dagster assets
(through their two steps) and `gtm demo`."""

from __future__ import annotations

from gtm.db import connect
from gtm.db.workspaces import ensure_workspace
from gtm.providers.mailbox import Mailbox, mailbox_from_settings
from gtm.replies.llm import llm_classifier
from gtm.replies.pipeline import ProcessReport, SyncReport, process_pending, sync_mailbox
from gtm.settings import Settings


def collect(settings: Settings, mailbox: Mailbox | None = None) -> SyncReport:
    """Step 1 (`inbound_mail`): store what is new in the mailbox."""
    mailbox = mailbox or mailbox_from_settings(settings)
    try:
        with connect(settings) as conn:
            return sync_mailbox(conn, ensure_workspace(conn, settings.workspace), mailbox)
    finally:
        mailbox.close()


def process(settings: Settings, *, session_key: str | None = None) -> ProcessReport:
    """Step 2 (`reply_events`): match, classify (LLM when configured) and apply effects."""
    with connect(settings) as conn:
        workspace_id = ensure_workspace(conn, settings.workspace)
        conn.commit()
        with llm_classifier(settings, lambda: connect(settings), workspace_id,
                            session_key) as llm_classify:
            return process_pending(conn, workspace_id, llm_classify=llm_classify)


def run_reply_sync(settings: Settings, *, mailbox: Mailbox | None = None) -> dict:
    """Both steps, in-process; returns {"sync": ..., "process": ...}."""
    synced = collect(settings, mailbox)
    processed = process(settings)
    return {"sync": synced.to_json(), "process": processed.to_json()}


def run_reply_sync_in_dagster(settings: Settings, *, tags: dict | None = None) -> dict:
    """Both steps as a run of `inbound_mail` -> `reply_events` (today's partition) on the
    project's Dagster instance, so it shows in the UI; returns the run id and both assets'
    materialisation metadata."""
    from datetime import UTC, datetime

    from gtm_assets.launch import materialize_assets  # Dagster only where a run is wanted

    today = datetime.now(UTC).date().isoformat()
    result = materialize_assets(settings, ["inbound_mail", "reply_events"], partition_key=today,
                                tags=tags or {})
    summary = {"dagster_run_id": result.run_id, "partition": today}
    for asset in ("inbound_mail", "reply_events"):
        metadata = result.asset_materializations_for_node(asset)[0].metadata
        summary[asset] = {k: v.value for k, v in metadata.items()}
    return summary
