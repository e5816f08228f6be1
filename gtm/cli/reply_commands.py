"""`gtm reply:sync|classify`, `gtm bounce:parse`, `gtm metrics` (docs/replies.md).

`reply:sync` runs the Dagster assets `inbound_mail` -> `reply_events` for today's partition, so
the run shows in the Dagster UI. `reply:classify` and `bounce:parse` read message files and
touch no database (unless an LLM is configured, whose calls are logged); with `--json` they
print one JSON object per file, one per line: the contract scripts rely on.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer

from gtm.cli.output import console, print_json, print_table
from gtm.cli.workspace import in_workspace
from gtm.settings import load_settings

_JSON = typer.Option(False, "--json", help="Machine-readable output.")
_FILES = typer.Argument(..., exists=True, dir_okay=False, readable=True,
                        help="Whole RFC 5322 messages (.eml).")


def _line(data: dict) -> None:
    # One compact object per line (JSON Lines): one file's answer never spans lines.
    print(json.dumps(data, ensure_ascii=False, default=str))


def reply_sync(json_output: bool = _JSON) -> None:
    """Collect new mail from the reply mailbox and process it (match, classify, effects).

    Example: gtm reply:sync
    """
    from gtm.replies.service import run_reply_sync_in_dagster

    settings = load_settings()
    settings.ensure_dirs()
    summary = run_reply_sync_in_dagster(settings, tags={"gtm/command": "reply:sync"})
    if json_output:
        print_json(summary)
        return
    mail, events = summary["inbound_mail"], summary["reply_events"]
    console.print(f"Dagster run {summary['dagster_run_id']}: fetched {mail['fetched']} "
                  f"message(s), stored {mail['stored']} new; processed {events['processed']} "
                  f"({events['matched']} matched to our outbox, {events['own_messages']} our own)")
    if events["labels"]:
        print_table("labels", ("label", "messages"), sorted(events["labels"].items()))
    if events["suppressed"] or events["stopped_members"]:
        console.print(f"suppressed {events['suppressed']} address(es); stopped "
                      f"{events['stopped_members']} sequence(s)")


def reply_classify(files: list[Path] = _FILES, json_output: bool = _JSON) -> None:
    """Classify reply messages: label, confidence and source (header, rules or llm).

    Example: gtm reply:classify reply.eml --json
    """
    from gtm.replies.classify import classify_message
    from gtm.replies.parse import parse_message

    results = []
    with _llm_classify() as llm_classify:
        for path in files:
            result = classify_message(parse_message(path.read_bytes()), llm_classify=llm_classify)
            results.append((path, result))
            if json_output:
                _line({"file": str(path), "label": result.label,
                       "confidence": round(result.confidence, 3), "source": result.source})
    if not json_output:
        print_table("replies", ("file", "label", "confidence", "source", "reason", "referral"),
                    [(p.name, r.label, f"{r.confidence:.2f}", r.source, r.reason,
                      _referral(r.referral)) for p, r in results])


def _referral(referral: dict | None) -> str:
    if not referral:
        return ""
    return " ".join(v for v in (referral.get("name"), referral.get("email")) if v)


def _llm_classify():
    from contextlib import nullcontext

    from gtm.providers.llm import llm_mode

    settings = load_settings()
    if llm_mode(settings, "classification") != "llm":
        return nullcontext(None)
    from gtm.db import connect
    from gtm.db.workspaces import ensure_workspace
    from gtm.replies.llm import llm_classifier

    with connect(settings) as conn:
        workspace_id = ensure_workspace(conn, settings.workspace)
    return llm_classifier(settings, lambda: connect(settings), workspace_id, "reply:classify")


def bounce_parse(files: list[Path] = _FILES, json_output: bool = _JSON) -> None:
    """Parse delivery failure notices: failed recipients, hard/soft, status code and reason.

    Example: gtm bounce:parse undelivered.eml --json
    """
    from gtm.replies.bounces import parse_bounce
    from gtm.replies.parse import parse_message

    rows = []
    for path in files:
        report = parse_bounce(parse_message(path.read_bytes()))
        if json_output:
            _line({"file": str(path), **report.to_json()})
            continue
        if not report.recipients:
            rows.append((path.name, "yes" if report.is_bounce else "no", "", "", "", ""))
        for r in report.recipients:
            rows.append((path.name, "yes", r.address, r.kind, r.status or "", r.reason))
    if not json_output:
        print_table("bounces", ("file", "bounce", "address", "kind", "status", "reason"), rows)


def metrics(campaign: str | None = typer.Option(None, "--campaign", "-c",
                                                help="One campaign (name or id)."),
            by: str = typer.Option("campaign", "--by",
                                   help="campaign | segment | sender | provider | angle | pack "
                                        "| day"),
            json_output: bool = _JSON) -> None:
    """Campaign outcomes: sent, delivered, bounces, replies by label, OOO, and rates.

    Example: gtm metrics --campaign Nordic_CTOs --by angle
    """
    from gtm.errors import TerminalError
    from gtm.replies.metrics import GROUPS, metric_rows, summarize

    if by not in GROUPS:
        raise TerminalError(f"--by {by!r}: use one of {', '.join(GROUPS)}")
    rows = in_workspace(metric_rows, campaign=campaign)
    totals = summarize(rows, by)
    if json_output:
        print_json({"by": by, "campaign": campaign, "rows": totals})
        return
    keys = GROUPS[by]
    columns = (*keys, "sent", "delivered", "bounced_hard", "bounced_soft", "replied", "positive",
               "negative", "info_requests", "referrals", "unsubscribes", "out_of_office",
               "reply_rate")
    print_table(f"metrics by {by}", columns,
                [[_cell(t[c]) for c in columns] for t in totals])
    if not totals:
        console.print("no sent messages yet" + (f" in campaign {campaign!r}" if campaign else ""))


def _cell(value) -> str:
    if isinstance(value, float):
        return f"{value:.1%}"
    return "" if value is None else str(value)
