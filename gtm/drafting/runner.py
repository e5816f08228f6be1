"""What drafting and judging a campaign share: the campaign's pack, sender and contexts, running
many DSPy calls at once, and telling a progress bar how far along the work is.

Concurrency (`gtm.concurrency.run_concurrently`, shared with enrichment): results come back as
each finishes, so every draft is stored as soon as it exists: a progress bar moves, and an
interrupted run keeps what it finished.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

import psycopg

from gtm.drafting.context import DraftContext, load_contexts, load_previous_messages
from gtm.drafting.sender_profile import SenderProfile, load_sender_profile
from gtm.errors import TerminalError
from gtm.packs.catalog import load_pack
from gtm.packs.model import Pack
from gtm.settings import Settings

Progress = Callable[[str, int, int], None]  # (stage, done, total)


@dataclass
class CampaignWork:
    """A campaign as drafting needs it."""

    campaign: dict
    pack: Pack
    sender: SenderProfile | None
    notes: list[str] = field(default_factory=list)

    @property
    def id(self) -> str:
        return self.campaign["id"]

    @property
    def step(self) -> int:
        return self.pack.meta.step


def load_campaign_work(conn: psycopg.Connection, settings: Settings, workspace_id: str,
                       campaign_id: str) -> CampaignWork:
    campaign = conn.execute(
        """select id::text, name, pack, pack_version, sender_id::text, language, icp_version,
                  audience_frozen_at, audience_size
           from campaigns where workspace_id = %s and id = %s""",
        (workspace_id, campaign_id)).fetchone()
    if campaign is None:
        raise TerminalError(f"no campaign with id {campaign_id} in this workspace")
    if campaign["audience_frozen_at"] is None:
        raise TerminalError(f"campaign {campaign['name']!r} has no frozen audience yet: "
                            "`gtm campaign:create` freezes it")
    if not campaign["pack"]:
        raise TerminalError(f"campaign {campaign['name']!r} has no prompt pack")
    pack = load_pack(settings, campaign["pack"])
    work = CampaignWork(dict(campaign), pack,
                        load_sender_profile(conn, workspace_id, campaign["sender_id"]))
    if campaign["pack_version"] and campaign["pack_version"] != pack.version:
        work.notes.append(
            f"pack {pack.name} changed since the campaign was created (version "
            f"{campaign['pack_version']} -> {pack.version}); new drafts record {pack.version}")
    return work


def load_campaign_contexts(conn: psycopg.Connection, work: CampaignWork, workspace_id: str,
                           employee_ids: Sequence[str]) -> dict[str, DraftContext]:
    """Each contact's context in a language the pack is written in, with the sender's offer in
    that language; what had to be improvised is added to `work.notes`."""
    if not employee_ids:
        return {}
    pack = work.pack
    contexts = load_contexts(conn, workspace_id, employee_ids=employee_ids,
                             language=work.campaign["language"],
                             icp_version=work.campaign["icp_version"])
    previous = (load_previous_messages(conn, workspace_id, employee_ids, work.step)
                if pack.meta.kind == "follow_up" else {})
    out: dict[str, DraftContext] = {}
    unsupported: dict[str, int] = {}
    for context in contexts:
        language = context.language
        if language not in pack.languages:
            unsupported[language] = unsupported.get(language, 0) + 1
            language = pack.languages[0]
        out[context.contact.id] = with_sender(context, work, language,
                                              previous.get(context.contact.id))
    for language, count in sorted(unsupported.items()):
        work.notes.append(f"{count} contact(s) read {language!r}, which pack {pack.name} is not "
                          f"written in: drafted in {pack.languages[0]!r}")
    if work.sender is None:
        work.notes.append("the campaign has no sender: drafts say nothing about what you offer")
    else:
        for language in sorted({c.language for c in out.values()}):
            if missing := work.sender.missing(language):
                work.notes.append(
                    f"sender {work.sender.email} has no {'/'.join(missing)} for {language!r}: "
                    f"drafts in {language!r} go without it (set it with `gtm sender:offer "
                    f"{work.sender.email} --language {language} ...`)")
    return out


def with_sender(context: DraftContext, work: CampaignWork, language: str,
                previous=None) -> DraftContext:
    changes: dict = {"language": language}
    if work.sender is not None:
        changes["sender"] = work.sender.for_language(language)
    if previous is not None:
        changes["previous"] = previous
    return context.with_changes(**changes)


# --- progress for a CLI running the assets in-process ------------------------------------------

_listeners: list[Progress] = []
_listeners_lock = threading.Lock()


@contextmanager
def reporting(listener: Progress) -> Iterator[None]:
    """Receive `report_progress` calls made while the block runs (the CLI's progress bar, while
    the Dagster run executes the drafting assets in this process)."""
    with _listeners_lock:
        _listeners.append(listener)
    try:
        yield
    finally:
        with _listeners_lock:
            _listeners.remove(listener)


def report_progress(stage: str, done: int, total: int) -> None:
    """The progress callback the assets pass to `generate_drafts` / `judge_drafts`."""
    with _listeners_lock:
        listeners = list(_listeners)
    for listener in listeners:
        listener(stage, done, total)
