"""`gtm demo` on a brand-new GTM_HOME, as a user runs it: a separate process, embedded defaults."""

import json
import os
import subprocess
import sys
from pathlib import Path

from gtm.db.embedded import stop
from gtm.db.migrate import discover


def _gtm(home: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.endswith("DATABASE_URL")}
    env["GTM_HOME"] = str(home)
    return subprocess.run([sys.executable, "-m", "gtm.cli", *args], env=env, cwd=home,
                          capture_output=True, text=True, timeout=600)


def test_demo_bootstraps_a_fresh_home_and_is_rerunnable(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    try:
        first = _gtm(home, "demo", "--json")
        assert first.returncode == 0, first.stderr
        summary = json.loads(first.stdout)
        assert summary["migrations_applied"] == [m.filename for m in discover()]
        assert summary["tables"]["workspaces"] == 1
        assert summary["import"]["status"] == "applied"
        assert summary["tables"]["employees"] > 0 and summary["tables"]["import_rejects"] > 0
        assert (home / "pg" / "PG_VERSION").exists()
        assert (home / "dagster" / "dagster.yaml").exists()
        icp, campaign = summary["icp"], summary["campaign"]
        assert icp["version"] == 1 and icp["scored"] == summary["tables"]["employees"]
        assert 0 < campaign["audience"] <= icp["scored"] and campaign["status"] == "drafting"
        scores = [m["score"] for m in campaign["top"]]
        assert scores == sorted(scores, reverse=True) and all(m["reasons"] for m in campaign["top"])
        # No model configured: drafts come from the pack's templates and say so.
        assert summary["drafts"]["mode"] == "template" and summary["drafts"]["approved_now"] > 0
        sending = summary["sending"]
        assert sending["sent"] == sending["queued"] > 0
        assert len(list((home / "outbox").rglob("*.eml"))) == sending["sent"]
        assert summary["web"]["login"] and summary["web"]["url"].startswith("http://")
        replies = summary["replies"]
        assert replies["dropped"] == sending["sent"]
        totals = replies["metrics"][0]
        assert totals["sent"] == sending["sent"] and totals["replied"] > 0
        assert totals["out_of_office"] > 0 and totals["bounced_hard"] > 0

        second = _gtm(home, "demo", "--json")
        assert second.returncode == 0, second.stderr
        again = json.loads(second.stdout)
        assert again["migrations_applied"] == [] and again["tables"]["workspaces"] == 1
        assert again["import"]["status"] == "already_applied"
        assert again["tables"]["employees"] == summary["tables"]["employees"]
        assert again["dagster_run_id"] != summary["dagster_run_id"]
        # Re-running changes neither the ICP version nor the frozen audience.
        assert again["icp"]["version"] == 1 and again["campaign"]["status"] == "sending"
        assert {**again["campaign"], "status": "drafting"} == campaign
        assert again["sending"]["sent"] == 0 and again["replies"]["dropped"] == 0  # no double send
        assert len(list((home / "outbox").rglob("*.eml"))) == sending["sent"]
    finally:
        stop(home / "pg")
