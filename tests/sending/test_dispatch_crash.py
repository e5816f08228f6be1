"""At-most-once under SIGKILL: a dispatcher process is killed at random points, many times.

After each kill a recovery tick runs (later than the lease). Invariants, whatever the timing:
- no Message-ID is ever written to the outbox twice (never double-sent);
- every message ends sent, failed, cancelled, blocked or held_unknown (never lost, never stuck);
- every `sent` message was written exactly once.
"""

import os
import random
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from gtm.db import database_url
from gtm.sending.dispatch import dispatch_due
from gtm.sending.outbox import queue_campaign, start_sending

RUNS = 20
MESSAGES = 10
MONDAY_10 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
CHILD = Path(__file__).with_name("dispatch_child.py")
FINAL = {"sent", "failed", "cancelled", "blocked", "held_unknown"}


def _recover(world, now):
    """Tick until the killed dispatcher's session (and its mailbox lock) is gone."""
    for _ in range(200):
        report = dispatch_due(world.connect, world.settings, now=now)
        if report.busy_mailboxes == 0:
            return report
        time.sleep(0.05)
    raise AssertionError("the killed dispatcher's mailbox lock was never released")


def test_sigkill_at_random_points_never_double_sends_or_loses(world, eml_ids) -> None:
    rng = random.Random(6)
    world.sender(min_gap_seconds=0, daily_cap=10_000, window="mon-sun 00:00-24:00")
    env = {**os.environ, "GTM_DATABASE_URL": database_url(world.settings),
           "GTM_WORKSPACE": world.settings.workspace,
           "GTM_PATHS_OUTBOX": str(world.settings.outbox_dir)}
    outcomes = []
    for run in range(RUNS):
        now = MONDAY_10 + timedelta(hours=2 * run)  # each run after the last one's recovery
        campaign = world.campaign(f"crash-{run}")
        world.audience(campaign, MESSAGES, domain=f"run{run}.example")
        queue_campaign(world.conn, world.ws, f"crash-{run}", world.settings, now=now)
        start_sending(world.conn, world.ws, f"crash-{run}")

        child = subprocess.Popen([sys.executable, str(CHILD), now.isoformat(), str(run)],
                                 env=env, stdout=subprocess.PIPE, text=True)
        assert child.stdout.readline().strip() == "ready"
        for _ in range(rng.randrange(MESSAGES)):  # let k messages go, then kill mid-flight
            if child.stdout.readline().strip() != "sent":
                break
        time.sleep(rng.uniform(0, 0.06))
        child.send_signal(signal.SIGKILL)
        child.wait()
        child.stdout.close()

        _recover(world, now + timedelta(hours=1))
        statuses = world.statuses(campaign)
        outcomes.append(statuses)
        assert set(statuses) <= FINAL, f"run {run}: {statuses}"
        assert sum(statuses.values()) == MESSAGES

        written = eml_ids(world.settings.outbox_dir)
        assert max(written.values()) == 1, f"run {run}: a Message-ID was sent twice"
        for m in world.messages(campaign):
            if m["status"] == "sent":
                assert written[m["rfc_message_id"]] == 1
    print("outcomes per run:", [dict(o) for o in outcomes])
