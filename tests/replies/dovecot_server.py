"""A throw-away Dovecot IMAP server on loopback for tests and the ingestion benchmark.

Its whole configuration lives in a temporary folder: a passwd-file userdb, Maildir storage,
plaintext auth on 127.0.0.1 only, no TLS. As a normal user every process runs as that user; as
root (CI) Dovecot refuses root for logins and mail, so those run as `dovenull` / `nobody`.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest


def dovecot_binary() -> str | None:
    return shutil.which("dovecot") or next(
        (p for p in ("/usr/sbin/dovecot", "/usr/local/sbin/dovecot") if Path(p).exists()), None)


def require_dovecot() -> str:
    """The binary, or skip; in CI (`CI` set) a missing Dovecot fails instead of skipping."""
    binary = dovecot_binary()
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("dovecot is not installed but CI is set: .ci/run must install "
                        "dovecot-imapd")
        pytest.skip("dovecot not installed (apt-get install dovecot-imapd)")
    return binary


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class DovecotServer:
    def __init__(self, binary: str, users: dict[str, str]):
        self.binary = binary
        self.users = users
        self.port = _free_port()
        self.host = "127.0.0.1"
        # Not under pytest's 0700 tmp tree: the unprivileged login/mail users must traverse it.
        self.root = Path(tempfile.mkdtemp(prefix="gtm-dovecot-"))
        self.root.chmod(0o755)
        self.is_root = os.geteuid() == 0
        self.mail_user = "nobody" if self.is_root else pwd.getpwuid(os.geteuid()).pw_name

    def mail_dir(self, user: str) -> Path:
        return self.root / "mail" / user

    def _config(self) -> str:
        me = pwd.getpwuid(os.geteuid()).pw_name
        mail_group = "nogroup" if self.is_root else os.popen("id -gn").read().strip()
        internal = "dovecot" if self.is_root else me
        login = "dovenull" if self.is_root else me
        return f"""
protocols = imap
listen = 127.0.0.1
base_dir = {self.root}/run
state_dir = {self.root}/state
log_path = {self.root}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {internal}
default_internal_group = {internal if self.is_root else mail_group}
default_login_user = {login}
first_valid_uid = 0
mail_location = maildir:{self.root}/mail/%u
namespace inbox {{
  inbox = yes
  separator = /
  mailbox Sent {{
    special_use = \\Sent
    auto = create
  }}
  mailbox Drafts {{
    special_use = \\Drafts
    auto = create
  }}
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {self.root}/passwd
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {self.root}/passwd
  default_fields = uid={self.mail_user} gid={mail_group} home={self.root}/home/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
service auth {{
  user = {me}
}}
service auth-worker {{
  user = {me}
}}
"""

    def start(self) -> DovecotServer:
        (self.root / "passwd").write_text(
            "".join(f"{u}:{{PLAIN}}{p}::::::\n" for u, p in self.users.items()))
        for sub in ("mail", "home"):
            (self.root / sub).mkdir()
            if self.is_root:
                shutil.chown(self.root / sub, self.mail_user, "nogroup")
        config = self.root / "dovecot.conf"
        config.write_text(self._config())
        # Output to a file, not a pipe: the daemonised master would hold a pipe open forever.
        with (self.root / "start.log").open("wb") as log:
            subprocess.run([self.binary, "-c", str(config)], check=True, stdout=log,
                           stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        for _ in range(200):  # bounded wait for the listener, not a timing assertion
            try:
                with socket.create_connection((self.host, self.port), timeout=1):
                    return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"dovecot did not listen: {(self.root / 'dovecot.log').read_text()}")

    def own_files(self, path: Path) -> None:
        """Give files written straight into a Maildir to the mail user (as root)."""
        if self.is_root:
            for item in [path, *path.rglob("*")]:
                shutil.chown(item, self.mail_user, "nogroup")

    def stop(self) -> None:
        pid_file = self.root / "run" / "master.pid"
        if pid_file.exists():
            pid = int(pid_file.read_text().strip())
            try:
                os.kill(pid, signal.SIGTERM)
                for _ in range(100):
                    os.kill(pid, 0)
                    time.sleep(0.05)
            except ProcessLookupError:
                pass
        shutil.rmtree(self.root, ignore_errors=True)
