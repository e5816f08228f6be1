"""Dispatch throughput to a local SMTP server (aiosmtpd, loopback, no TLS) versus a plain
`smtplib` loop sending the same messages over one connection (composing each with
`email.message.EmailMessage` and `send_message`, as a script would).

The `gtm` path does everything the outbox promises per message: plan the mailbox, reserve the
message in its own committed transaction (row lock, campaign status, pre-flight), hand it to
the SMTP adapter (one reused session), record the outcome and update the contact. The ratio
says what that safety costs against sending blindly. Runs on a throw-away GTM_HOME with the
embedded PostgreSQL. Writes benchmarks/results/sending_dispatch.json.
Usage: python benchmarks/sending_dispatch.py [MESSAGES]
"""

from __future__ import annotations

import json
import smtplib
import sys
import time
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.machine import machine_info, scratch_home, write_result  # noqa: E402

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def _setup(conn, ws: str, port: int, messages: int) -> None:
    from gtm.sending.outbox import queue_campaign, start_sending
    from gtm.sending.senders import SenderSpec, add_sender
    from gtm.sending.window import parse_window
    from gtm.settings import load_settings

    sender, _ = add_sender(conn, ws, SenderSpec(
        "anna@sender.io", "Anna", provider="smtp", daily_cap=messages, min_gap_seconds=0,
        window=parse_window("mon-sun 00:00-24:00")))
    conn.execute("update senders set config = %s where id = %s",
                 (json.dumps({"smtp_host": "127.0.0.1", "smtp_port": port,
                              "smtp_security": "none"}), sender["id"]))
    campaign = conn.execute(
        "insert into campaigns (workspace_id, name, sender_id, pack, status, language) values "
        "(%s, 'bench', %s, 'cold_first_touch', 'ready', 'en') returning id", (ws, sender["id"])
    ).fetchone()["id"]
    employees = conn.execute(
        """insert into employees (workspace_id, first_name, last_name, email)
           select %s, 'Kari', 'Nordmann', 'person' || i || '@fjord.example'
           from generate_series(1, %s) i returning id""", (ws, messages)).fetchall()
    with conn.cursor() as cur:
        cur.executemany(
            """insert into campaign_members (workspace_id, campaign_id, employee_id, rank)
               values (%s, %s, %s, %s)""",
            [(ws, campaign, e["id"], i) for i, e in enumerate(employees, 1)])
        cur.executemany(
            """insert into drafts (workspace_id, campaign_id, employee_id, subject, body,
                                   language, status, approved_at)
               values (%s, %s, %s, 'A question', 'Hi Kari, one short question.', 'en',
                       'approved', now())""", [(ws, campaign, e["id"]) for e in employees])
    queue_campaign(conn, ws, "bench", load_settings(), now=NOW)
    start_sending(conn, ws, "bench")


def main(messages: int) -> dict:
    home = scratch_home("gtm-bench-")
    from gtm.db import connect
    from gtm.db.embedded import stop
    from gtm.db.migrate import migrate
    from gtm.db.workspaces import ensure_workspace
    from gtm.sending.dispatch import dispatch_due
    from gtm.settings import load_settings
    from tests.sending.smtp_testserver import SmtpTestServer

    settings = load_settings()
    try:
        with connect(settings, autocommit=True) as conn:
            migrate(conn)
            ws = ensure_workspace(conn, settings.workspace)
            with SmtpTestServer() as server:
                _setup(conn, ws, server.port, messages)
                start = time.perf_counter()
                report = dispatch_due(lambda: connect(settings), settings, now=NOW)
                gtm_seconds = time.perf_counter() - start
                assert report.sent == messages, report
                rows = conn.execute("select to_email, subject, body, rfc_message_id "
                                    "from messages where workspace_id = %s", (ws,)).fetchall()
                server.received.clear()

                start = time.perf_counter()
                with smtplib.SMTP("127.0.0.1", server.port) as smtp:
                    for row in rows:
                        msg = EmailMessage()
                        msg["From"], msg["To"] = "Anna <anna@sender.io>", row["to_email"]
                        msg["Subject"], msg["Message-ID"] = row["subject"], row["rfc_message_id"]
                        msg.set_content(row["body"])
                        smtp.send_message(msg)
                plain_seconds = time.perf_counter() - start
                assert len(server.received) == messages
    finally:
        stop(home / "pg")
    result = {
        "benchmark": "sending_dispatch", "machine": machine_info(), "messages": messages,
        "gtm_seconds": round(gtm_seconds, 3),
        "gtm_messages_per_second": round(messages / gtm_seconds, 1),
        "plain_smtplib_seconds": round(plain_seconds, 3),
        "plain_messages_per_second": round(messages / plain_seconds, 1),
        "gtm_throughput_vs_plain": round(plain_seconds / gtm_seconds, 3),
    }
    write_result("sending_dispatch", result)
    return result


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
