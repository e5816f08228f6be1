"""The `gtm` application: command registry and the one place errors become exit codes."""

from __future__ import annotations

import click
import psycopg
import typer
from typer.core import TyperGroup

from gtm.cli import (
    ai_commands,
    campaign_commands,
    db_commands,
    demo_command,
    draft_commands,
    enrich_commands,
    icp_commands,
    intake_commands,
    pack_commands,
    platform_commands,
    reply_commands,
    segment_commands,
    send_commands,
    web_commands,
)
from gtm.cli.output import err_console
from gtm.errors import GtmError


class _GtmGroup(TyperGroup):
    """Turns any `GtmError` into one line on stderr and exit code 1 (2 is click's usage error)."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except GtmError as exc:
            _fail(str(exc))
        except psycopg.Error as exc:
            # A database error we did not anticipate: still one line, with the server's words.
            _fail(f"database error: {' '.join(str(exc).split())}")

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(super().list_commands(ctx))


def _fail(message: str):
    err_console.print(f"[red]error:[/] {message}", highlight=False, markup=True)
    raise typer.Exit(1) from None


app = typer.Typer(
    cls=_GtmGroup,
    help="GTM: from a messy CSV to researched prospects, reviewed emails and learning campaigns.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

app.command("db:url")(db_commands.db_url)
app.command("user:add")(web_commands.user_add)
app.command("web")(web_commands.web)
app.command("db:migrate")(db_commands.db_migrate)
app.command("db:status")(db_commands.db_status)
app.command("db:stop")(db_commands.db_stop)
app.command("contacts:import")(intake_commands.contacts_import)
app.command("company:import")(intake_commands.company_import)
app.command("employee:import")(intake_commands.employee_import)
app.command("company:list")(intake_commands.company_list)
app.command("company:inspect")(intake_commands.company_inspect)
app.command("employee:list")(intake_commands.employee_list)
app.command("employee:export")(intake_commands.employee_export)
app.command("segment:create")(segment_commands.segment_create)
app.command("segment:preview")(segment_commands.segment_preview)
app.command("segment:list")(segment_commands.segment_list)
app.command("segment:show")(segment_commands.segment_show)
app.command("icp:show")(icp_commands.icp_show)
app.command("icp:set")(icp_commands.icp_set)
app.command("ai:log")(ai_commands.ai_log)
app.command("pack:list")(pack_commands.pack_list)
app.command("pack:lint")(pack_commands.pack_lint)
app.command("pack:simulate")(pack_commands.pack_simulate)
app.command("campaign:create")(campaign_commands.campaign_create)
app.command("campaign:list")(campaign_commands.campaign_list)
app.command("campaign:status")(campaign_commands.campaign_status_command)
app.command("campaign:approve")(campaign_commands.campaign_approve)
app.command("campaign:ready")(campaign_commands.campaign_ready)
app.command("campaign:pause")(campaign_commands.campaign_pause)
app.command("campaign:resume")(campaign_commands.campaign_resume)
app.command("campaign:complete")(campaign_commands.campaign_complete)
app.command("campaign:archive")(campaign_commands.campaign_archive)
app.command("sender:add")(campaign_commands.sender_add)
app.command("sender:list")(campaign_commands.sender_list)
app.command("campaign:queue")(send_commands.campaign_queue)
app.command("campaign:send")(send_commands.campaign_send)
app.command("outbox:list")(send_commands.outbox_list)
app.command("outbox:held")(send_commands.outbox_held)
app.command("outbox:resolve")(send_commands.outbox_resolve)
app.command("outbox:export")(send_commands.outbox_export)
app.command("reply:sync")(reply_commands.reply_sync)
app.command("reply:classify")(reply_commands.reply_classify)
app.command("bounce:parse")(reply_commands.bounce_parse)
app.command("metrics")(reply_commands.metrics)
app.command("campaign:generate-drafts")(draft_commands.campaign_generate_drafts)
app.command("draft:list")(draft_commands.draft_list)
app.command("draft:show")(draft_commands.draft_show)
app.command("draft:regenerate")(draft_commands.draft_regenerate)
app.command("sender:offer")(draft_commands.sender_offer)
app.command("benchmark:run")(draft_commands.benchmark_run)
app.command("pack:optimize")(draft_commands.pack_optimize)
app.command("demo")(demo_command.demo)
app.command("enrich:run")(enrich_commands.enrich_run)
app.command("up")(platform_commands.up)


def main() -> None:
    app()
