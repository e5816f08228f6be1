"""The embedded server is started once per GTM_HOME and shared by concurrent processes."""

import json
import os
import subprocess
import sys
from pathlib import Path

import psutil

from gtm.db.embedded import stop

# Each worker connects (starting the server if needed), writes a row, and reports the postmaster.
_WORKER = """
import json, os, sys
from gtm.db import connect
with connect(autocommit=True) as conn:
    with conn.transaction():  # CREATE TABLE IF NOT EXISTS itself races; not what is tested
        conn.execute("select pg_advisory_xact_lock(1)")
        conn.execute("create table if not exists probe (pid int, tag text)")
    conn.execute("insert into probe values (%s, %s)", (os.getpid(), sys.argv[1]))
    pid = conn.execute("select pg_postmaster_start_time()::text as t").fetchone()["t"]
    n = conn.execute("select count(*) as n from probe").fetchone()["n"]
print(json.dumps({"started": pid, "rows": n}))
"""


def _run_workers(home: Path, tags: list[str]) -> list[dict]:
    env = {**os.environ, "GTM_HOME": str(home)}
    env.pop("GTM_DATABASE_URL", None)
    procs = [subprocess.Popen([sys.executable, "-c", _WORKER, tag], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for tag in tags]
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        results.append(json.loads(out.strip().splitlines()[-1]))
    return results


def _postmasters_for(pg_dir: Path) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter(attrs=["name", "cmdline"]):
        cmd = proc.info["cmdline"] or []
        # Only the postmaster carries the data directory on its command line (`-D <pg_dir>`).
        if proc.info["name"] == "postgres" and str(pg_dir) in " ".join(cmd):
            found.append(proc)
    return found


def test_concurrent_processes_share_one_fresh_server(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    try:
        first = _run_workers(home, ["a", "b", "c"])
        # All three raced on an uninitialised data directory: one server, one start time.
        assert len({r["started"] for r in first}) == 1
        assert len(_postmasters_for(home / "pg")) == 1
        # The server outlives the processes that started it; a later process reuses it.
        later = _run_workers(home, ["d"])
        assert later[0]["started"] == first[0]["started"]
        assert later[0]["rows"] == 4
    finally:
        assert stop(home / "pg")
    assert _postmasters_for(home / "pg") == []


def test_stopped_server_restarts_with_data_intact(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    try:
        _run_workers(home, ["before"])
        assert stop(home / "pg")
        assert not stop(home / "pg")  # second stop: nothing to stop
        assert _run_workers(home, ["after"])[0]["rows"] == 2
    finally:
        stop(home / "pg")
