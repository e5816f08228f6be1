"""Replies for `gtm demo`: realistic answers to a campaign's sent messages dropped into the
Maildir, then collected, processed and summed up exactly as real mail would be.

    paths = drop_demo_replies(settings, conn, workspace_id, "Demo campaign")
    result = collect_and_report(settings, campaign="Demo campaign")
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import psycopg

from gtm.providers.mailbox.maildir import MaildirMailbox, deliver
from gtm.replies.samples import Original, compose_bounce, compose_reply
from gtm.settings import Settings


@dataclass(frozen=True)
class Scenario:
    kind: str  # "reply" | "bounce"
    text: str = ""
    client: str = "gmail"
    auto: str | None = None
    family: str = ""


# One of each outcome a campaign sees, EN and RU; cycled over the sent messages.
SCENARIOS = {
    "en": [
        Scenario("reply", "Hi,\n\nGood timing - we're looking at this right now. Happy to chat. "
                          "Does Thursday 2pm CET work?\n\nBest,\n{first}", "gmail"),
        Scenario("reply", "Thank you for your email. I am out of the office until next Monday "
                          "with limited access to email.", "none", auto="outlook_oof"),
        Scenario("bounce", family="postfix_user_unknown"),
        Scenario("reply", "Not interested right now, but could you send over pricing for next "
                          "quarter's planning?\n\nThanks,\n{first}", "outlook"),
        Scenario("reply", "Please remove me from your list.", "apple"),
        Scenario("reply", "I'm not the right person for this - please talk to our Head of Sales "
                          "Ops, Jessica Moore (jessica.moore@{domain}).", "gmail"),
        Scenario("reply", "Thanks, but we're happy with our current provider.", "outlook"),
    ],
    "ru": [
        Scenario("reply", "Добрый день!\n\nДа, интересно. Давайте созвонимся в четверг после "
                          "15:00.\n\n{first}", "gmail_ru"),
        Scenario("reply", "Здравствуйте! Я в отпуске до 20-го, отвечу после возвращения.",
                 "none", auto="rfc3834"),
        Scenario("bounce", family="yandex_ru"),
        Scenario("reply", "Сколько стоит? Пришлите, пожалуйста, коммерческое предложение.",
                 "yandex"),
        Scenario("reply", "Отпишите меня от рассылки.", "mailru"),
        Scenario("reply", "Не интересно, спасибо.", "outlook_ru"),
    ],
}

_SENT = """
select m.rfc_message_id, m.to_email, m.subject, m.body, m.sent_at,
       coalesce(s.display_name || ' <' || s.email || '>', s.email) as sender,
       coalesce(e.full_name, concat_ws(' ', e.first_name, e.last_name)) as name, e.first_name,
       coalesce(e.language, c.language) as language
from messages m
join campaigns c on c.id = m.campaign_id
join senders s on s.id = m.sender_id
join employees e on e.id = m.employee_id
where m.workspace_id = %s and m.status = 'sent' and (c.name = %s or c.id::text = %s)
order by m.sent_at, m.to_email
"""


def drop_demo_replies(settings: Settings, conn: psycopg.Connection, workspace_id: str,
                      campaign: str, *, limit: int | None = None) -> list[Path]:
    """Deliver one realistic reply, autoresponse or bounce per sent message of `campaign` into
    the Maildir (`settings.mail_dir`); returns the files written."""
    rows = conn.execute(_SENT, (workspace_id, campaign, campaign)).fetchall()
    written = []
    counters = {"en": 0, "ru": 0}
    for row in rows[:limit]:
        language = "ru" if (row["language"] or "").lower().startswith("ru") or \
            any("а" <= ch <= "я" for ch in (row["subject"] or "").lower()) else "en"
        scenarios = SCENARIOS[language]
        scenario = scenarios[counters[language] % len(scenarios)]
        counters[language] += 1
        person = f"{row['name'] or row['to_email']} <{row['to_email']}>"
        original = Original(row["rfc_message_id"] if row["rfc_message_id"].startswith("<")
                            else f"<{row['rfc_message_id']}>", row["sender"], person,
                            row["subject"], row["body"], row["sent_at"])
        if scenario.kind == "bounce":
            raw = compose_bounce(original, row["to_email"], scenario.family)
        else:
            text = scenario.text.format(first=row["first_name"] or "",
                                        domain=row["to_email"].split("@")[-1])
            raw = compose_reply(original, person, text, client=scenario.client,
                                auto=scenario.auto,
                                received_at=row["sent_at"] + timedelta(hours=2))
        key = deliver(settings.mail_dir, raw)
        written.append(settings.mail_dir / "new" / key)
    return written


def collect_and_report(settings: Settings, *, campaign: str | None = None,
                       via_dagster: bool = True) -> dict:
    """Collect the Maildir, process what arrived and return both reports with the campaign
    metrics (what `gtm reply:sync --json` and `gtm metrics --json` print). `via_dagster` runs
    the assets on the project's instance (the run shows in the UI); False runs in-process."""
    from gtm.db import connect
    from gtm.db.workspaces import ensure_workspace
    from gtm.replies.metrics import metric_rows, summarize
    from gtm.replies.service import run_reply_sync, run_reply_sync_in_dagster

    if via_dagster:
        result = run_reply_sync_in_dagster(settings, tags={"gtm/command": "demo"})
    else:
        result = run_reply_sync(settings, mailbox=MaildirMailbox(settings.mail_dir))
    with connect(settings) as conn:
        rows = metric_rows(conn, ensure_workspace(conn, settings.workspace), campaign=campaign)
    return {**result, "metrics": summarize(rows, "campaign")}
