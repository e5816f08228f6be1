"""Reporting: per campaign sent, bounced, replied, positive, unsubscribed, with a daily series
each; by segment, by angle and by day; and the held/poison messages that need a human."""

from __future__ import annotations

from fastapi import APIRouter, Request

from gtm.replies.metrics import metric_rows, summarize
from gtm.reporting import SERIES, campaign_series, segment_breakdown
from gtm.sending.store import held_messages
from gtm.web.app import page_context
from gtm.web.charts import line_chart
from gtm.web.deps import CurrentUser, Db

router = APIRouter()


@router.get("/report")
def report_page(request: Request, *, campaign: str | None = None, user: CurrentUser, conn: Db):
    rows = metric_rows(conn, user.workspace_id, campaign=campaign or None)
    by_day = summarize(rows, "day")
    series = campaign_series(rows)
    return request.app.state.templates.TemplateResponse(
        request,
        "report.html",
        page_context(
            request,
            by_campaign=summarize(rows, "campaign"),
            by_segment=segment_breakdown(conn, user.workspace_id, rows),
            by_angle=summarize(rows, "angle"),
            by_day=by_day,
            day_bars=[(str(r["day"]), r["sent"]) for r in by_day],
            series={name: (points, line_chart(points, SERIES))
                    for name, points in series.items()},
            held=held_messages(conn, user.workspace_id),
            campaign=campaign or "",
        ),
    )
