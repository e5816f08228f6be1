"""The campaign lifecycle as an explicit state machine.

drafting -> ready -> sending -> paused -> completed -> archived, with the few ways back that
make sense (a paused campaign resumes; a ready one goes back to drafting to fix drafts). Every
change is a conditional UPDATE on the status it was read in, so two concurrent commands cannot
both win.
"""

from __future__ import annotations

import psycopg

from gtm.errors import TerminalError

INITIAL = "drafting"
TRANSITIONS: dict[str, frozenset[str]] = {
    "drafting": frozenset({"ready", "archived"}),
    "ready": frozenset({"drafting", "sending", "archived"}),
    "sending": frozenset({"paused", "completed"}),
    "paused": frozenset({"sending", "completed", "archived"}),
    "completed": frozenset({"archived"}),
    "archived": frozenset(),
}
STATES = tuple(TRANSITIONS)


class IllegalTransition(TerminalError):
    def __init__(self, campaign: str, current: str, target: str):
        allowed = ", ".join(sorted(TRANSITIONS.get(current, ()))) or "none: it is final"
        super().__init__(
            f"campaign {campaign!r} is {current}; it cannot become {target} "
            f"(allowed from {current}: {allowed})"
        )
        self.current, self.target = current, target


def check_transition(campaign: str, current: str, target: str) -> None:
    if target not in TRANSITIONS:
        raise TerminalError(f"unknown campaign status {target!r}: use one of {', '.join(STATES)}")
    if target not in TRANSITIONS.get(current, frozenset()):
        raise IllegalTransition(campaign, current, target)


def transition(
    conn: psycopg.Connection, workspace_id: str, name: str, target: str, reason: str | None = None
) -> dict:
    """Move campaign `name` to `target`; returns {name, from, to}. Refuses illegal moves."""
    row = conn.execute(
        "select id, status from campaigns where workspace_id = %s and name = %s",
        (workspace_id, name),
    ).fetchone()
    if row is None:
        raise TerminalError(f"no campaign named {name!r}")
    check_transition(name, row["status"], target)
    moved = conn.execute(
        """update campaigns set status = %s, status_reason = %s,
                  started_at = case when %s = 'sending' then coalesce(started_at, now())
                                    else started_at end,
                  completed_at = case when %s = 'completed' then now() else completed_at end
           where id = %s and status = %s returning id""",
        (target, reason, target, target, row["id"], row["status"]),
    ).fetchone()
    if moved is None:  # someone changed it between our read and our write
        current = conn.execute(
            "select status from campaigns where id = %s", (row["id"],)
        ).fetchone()
        raise IllegalTransition(name, current["status"], target)
    return {"name": name, "from": row["status"], "to": target}
