"""Reply ingestion throughput from a real IMAP server (Dovecot on loopback).

10,000 realistic replies are written into a Dovecot Maildir, then read over IMAP three ways:
- gtm fetch: `ImapMailbox.fetch_new` (UID SEARCH once, then `UID FETCH` of 500 UIDs per
  round trip with BODY.PEEK[]), messages only;
- naive fetch: SEARCH ALL, then one FETCH RFC822 per message, the loop one writes first;
- gtm sync: `sync_mailbox` end to end, fetch + parse + store in the embedded PostgreSQL.
Needs the `dovecot` binary (apt-get install dovecot-imapd). Writes
benchmarks/results/replies_ingestion.json. Usage: python benchmarks/replies_ingestion.py [N]
"""

from __future__ import annotations

import json
import os
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "replies"))  # the Dovecot launcher the tests use

from benchmarks.machine import machine_info, scratch_home  # noqa: E402

TEXTS = ["Thanks - let's talk next week.", "Not interested, thanks.", "How much does it cost?",
         "Please remove me from your list.", "Давайте созвонимся в четверг.",
         "Сколько стоит? Пришлите КП.", "I'm not the right person, talk to Jessica."]
CLIENTS = ["gmail", "outlook", "apple", "gmail_ru", "yandex", "mailru", "outlook_ru"]


def write_messages(server, user: str, count: int) -> None:
    from gtm.replies.samples import Original, compose_reply

    new = server.mail_dir(user) / "new"
    for sub in ("new", "cur", "tmp"):
        (server.mail_dir(user) / sub).mkdir(parents=True, exist_ok=True)
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    for i in range(count):
        person = f"Prospect {i} <p{i}@company{i % 800}.example>"
        original = Original(f"<bench.{i}@gtm-bench.example>", "Anna <anna@gtm-bench.example>",
                            person, f"Quick idea {i}", "Hi,\n\nWould a call make sense?\n\nAnna\n"
                            * 3, start + timedelta(minutes=i))
        raw = compose_reply(original, person, TEXTS[i % len(TEXTS)], client=CLIENTS[i % 7])
        (new / f"{1700000000 + i}.M{i}P1.bench").write_bytes(raw)
    server.own_files(server.mail_dir(user))


def naive_fetch(server, user: str, password: str) -> tuple[int, float]:
    from imapclient import IMAPClient

    started = time.perf_counter()
    client = IMAPClient(server.host, port=server.port, ssl=False)
    client.login(user, password)
    client.select_folder("INBOX", readonly=True)
    count = 0
    for uid in client.search(["ALL"]):
        data = client.fetch([uid], ["RFC822"])
        count += len(data[uid][b"RFC822"]) > 0
    client.logout()
    return count, time.perf_counter() - started


def gtm_fetch(server, user: str, password: str) -> tuple[int, float]:
    from gtm.providers.mailbox.imap import ImapMailbox

    started = time.perf_counter()
    box = ImapMailbox(server.host, server.port, user, password, ssl=False)
    count = sum(len(batch) for batch in box.fetch_new(box.folders()[0], None))
    box.close()
    return count, time.perf_counter() - started


def main(count: int) -> dict:
    from dovecot_server import DovecotServer, dovecot_binary

    binary = dovecot_binary()
    if binary is None:  # `make bench` goes on with the other benchmarks
        print("replies_ingestion skipped: dovecot is not installed (apt-get install "
              "dovecot-imapd)")
        return {}
    home = scratch_home("gtm-bench-replies-")
    from gtm.db import connect
    from gtm.db.embedded import stop
    from gtm.db.migrate import migrate
    from gtm.db.workspaces import ensure_workspace
    from gtm.providers.mailbox.imap import ImapMailbox
    from gtm.replies.pipeline import sync_mailbox

    server = DovecotServer(binary, {"bench": "bench"}).start()
    try:
        write_messages(server, "bench", count)
        # Warm-up: Dovecot indexes the new Maildir files on first SELECT; not timed for either.
        gtm_fetch(server, "bench", "bench")
        ours, ours_seconds = gtm_fetch(server, "bench", "bench")
        naive, naive_seconds = naive_fetch(server, "bench", "bench")
        with connect(autocommit=True) as conn:
            migrate(conn)
        with connect() as conn:
            workspace = ensure_workspace(conn, "bench")
            conn.commit()
            box = ImapMailbox(server.host, server.port, "bench", "bench", ssl=False)
            started = time.perf_counter()
            report = sync_mailbox(conn, workspace, box)
            sync_seconds = time.perf_counter() - started
            box.close()
    finally:
        server.stop()
        stop(home / "pg")
    result = {
        "benchmark": "replies_ingestion",
        "machine": machine_info(),
        "load_average_1m_at_end": round(os.getloadavg()[0], 2),
        "messages": count,
        "gtm_fetch": {"messages": ours, "seconds": round(ours_seconds, 3),
                      "messages_per_second": round(ours / ours_seconds)},
        "naive_fetch": {"messages": naive, "seconds": round(naive_seconds, 3),
                        "messages_per_second": round(naive / naive_seconds)},
        "speedup_fetch": round(naive_seconds / ours_seconds, 2),
        "gtm_sync_to_postgres": {"stored": report.stored, "seconds": round(sync_seconds, 3),
                                 "messages_per_second": round(report.stored / sync_seconds)},
    }
    out = Path(__file__).parent / "results" / "replies_ingestion.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    return result


if __name__ == "__main__":
    print(json.dumps(main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000), indent=2))
