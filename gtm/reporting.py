"""Report views over `gtm.replies.metrics` rows: per-campaign daily series and a breakdown by
segment.

Both read the same send-day cohort rows as `gtm metrics` (a bounce or reply counts on the day
its message was sent), so the series of a campaign add up to its totals.
"""

from __future__ import annotations

from datetime import date, timedelta

import psycopg

from gtm.replies.metrics import COUNTS, summarize

# What a time series shows per day: the name and how it is read from a metrics row.
SERIES = ("sent", "bounced", "replied", "positive", "unsubscribed")


def _point(row: dict) -> dict[str, int]:
    return {"sent": row["sent"], "bounced": row["bounced_hard"] + row["bounced_soft"],
            "replied": row["replied"], "positive": row["positive"],
            "unsubscribed": row["unsubscribes"]}


def campaign_series(rows: list[dict]) -> dict[str, list[dict]]:
    """Per campaign name, one point per day from its first to its last send day (days with
    nothing sent are zeros, so a chart's x axis is true time): {"day": date, "sent": n, ...}."""
    by_campaign: dict[str, dict[date, dict[str, int]]] = {}
    for row in rows:
        days = by_campaign.setdefault(row["campaign"], {})
        point = days.setdefault(row["day"], dict.fromkeys(SERIES, 0))
        for name, n in _point(row).items():
            point[name] += n
    series = {}
    for campaign, days in sorted(by_campaign.items()):
        first, last = min(days), max(days)
        series[campaign] = [
            {"day": day, **days.get(day, dict.fromkeys(SERIES, 0))}
            for day in (first + timedelta(days=i) for i in range((last - first).days + 1))
        ]
    return series


def segment_breakdown(conn: psycopg.Connection, workspace_id: str,
                      rows: list[dict]) -> list[dict]:
    """Totals and rates per segment (all versions together), with the segment's name, the
    versions and campaigns that sent from it; a deleted segment is still listed, marked."""
    # Dropping the version before summarizing groups a segment's versions together.
    totals = summarize([{**r, "segment_version": None} for r in rows], "segment")
    ids = [t["segment_id"] for t in totals if t["segment_id"]]
    names = {r["id"]: r for r in conn.execute(
        "select id::text, name, deleted_at is not null as deleted from segments"
        " where workspace_id = %s and id = any(%s::uuid[])", (workspace_id, ids))}
    used: dict[str | None, tuple[set, set]] = {}
    for row in rows:
        versions, campaigns = used.setdefault(row["segment_id"], (set(), set()))
        versions.add(row["segment_version"])
        campaigns.add(row["campaign"])
    breakdown = []
    for total in totals:
        segment = names.get(total["segment_id"], {})
        versions, campaigns = used[total["segment_id"]]
        breakdown.append({
            **{k: total[k] for k in (*COUNTS, "reply_rate", "positive_rate", "bounce_rate")},
            "segment": segment.get("name"),
            "deleted": segment.get("deleted", False),
            "versions": sorted(v for v in versions if v is not None),
            "campaigns": sorted(campaigns),
        })
    return sorted(breakdown, key=lambda b: (b["segment"] is None, b["segment"] or ""))
