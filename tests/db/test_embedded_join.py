"""Joining a running embedded server reads its pid file; anything else is left to pgserver."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from gtm.db.embedded import _running_socket_dir, embedded_url


def _write_pid_file(pg_dir: Path, pid: int, status: str = "ready", socket_dir: str | None = None,
                    port: int = 5432, data_dir: Path | None = None) -> None:
    # The layout PostgreSQL writes (see postmaster.pid in any data directory).
    socket_dir = str(pg_dir) if socket_dir is None else socket_dir
    lines = [str(pid), str((data_dir or pg_dir).resolve()), "1795261238", str(port), socket_dir, "",
             "  2203649   1081395", f"{status:<8}"]
    (pg_dir / "postmaster.pid").write_text("\n".join(lines) + "\n")


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_live_ready_postmaster_with_its_socket_is_joined(tmp_path: Path) -> None:
    _write_pid_file(tmp_path, os.getpid())
    (tmp_path / ".s.PGSQL.5432").touch()
    assert _running_socket_dir(tmp_path) == str(tmp_path)


@pytest.mark.parametrize("case", ["no pid file", "dead pid", "starting", "stopping",
                                  "no socket file", "tcp only", "copied", "truncated"])
def test_anything_but_a_live_ready_server_goes_to_pgserver(tmp_path: Path, case: str) -> None:
    (tmp_path / ".s.PGSQL.5432").touch()
    if case == "dead pid":
        _write_pid_file(tmp_path, _dead_pid())
    elif case in ("starting", "stopping"):
        _write_pid_file(tmp_path, os.getpid(), status=case)
    elif case == "no socket file":
        _write_pid_file(tmp_path, os.getpid(), port=5433)
    elif case == "tcp only":
        _write_pid_file(tmp_path, os.getpid(), socket_dir="")
    elif case == "copied":  # a copy of a data directory whose server runs elsewhere
        _write_pid_file(tmp_path, os.getpid(), data_dir=tmp_path / "elsewhere")
    elif case == "truncated":  # caught while PostgreSQL is still writing the file
        (tmp_path / "postmaster.pid").write_text(f"{os.getpid()}\n{tmp_path}\n")
    assert _running_socket_dir(tmp_path) is None


def test_a_running_server_is_joined_without_pgserver(settings) -> None:
    url = embedded_url(settings.pg_dir)  # makes sure the session's server is up
    probe = """
import json, sys
from gtm.db import connect, database_url
with connect() as conn:
    n = conn.execute("select 1 as n").fetchone()["n"]
print(json.dumps({"n": n, "url": database_url(), "pgserver": "pgserver" in sys.modules}))
"""
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         timeout=60, check=True).stdout
    assert json.loads(out) == {"n": 1, "url": url, "pgserver": False}
