"""Creating, finding and summarising campaigns."""

from __future__ import annotations

from dataclasses import dataclass

import psycopg
from psycopg import sql

from gtm.campaigns.lifecycle import INITIAL
from gtm.errors import TerminalError
from gtm.icp import active_icp
from gtm.packs.catalog import PackRef
from gtm.segments import get_segment
from gtm.sending.senders import get_sender

LANGUAGES = ("en", "ru")


@dataclass
class CampaignSpec:
    name: str
    segment: str
    sender: str
    pack: PackRef
    segment_version: int | None = None  # None: the segment's current version
    language: str | None = None  # None: each contact's own language
    description: str | None = None
    daily_cap: int | None = None  # None: only the sender's caps apply


def create_campaign(
    conn: psycopg.Connection, workspace_id: str, spec: CampaignSpec
) -> tuple[dict, bool]:
    """Record the campaign with the segment, ICP and pack versions it is built from.

    Returns (campaign, created). Repeating the same spec while the audience is not frozen yet
    (a failed freeze run) returns the existing campaign so the freeze can be retried; anything
    else under an existing name is refused.
    """
    name = spec.name.strip()
    if not name:
        raise TerminalError("a campaign needs a name")
    if spec.language is not None and spec.language not in LANGUAGES:
        raise TerminalError(
            f"unsupported --language {spec.language!r}: use one of {', '.join(LANGUAGES)}"
        )
    if spec.daily_cap is not None and spec.daily_cap < 1:
        raise TerminalError(f"a campaign daily cap must be 1 or more, got {spec.daily_cap}")
    segment = get_segment(conn, workspace_id, spec.segment, spec.segment_version)
    sender = get_sender(conn, workspace_id, spec.sender)
    icp = active_icp(conn, workspace_id)
    values = {
        "segment_id": str(segment.segment_id),
        "segment_version": segment.version,
        "icp_version": icp.version if icp else None,
        "sender_id": sender["id"],
        "pack": spec.pack.name,
        "pack_version": spec.pack.version,
        "language": spec.language,
        "daily_cap": spec.daily_cap,
    }
    existing = find_campaign(conn, workspace_id, name)
    if existing is not None:
        same = all(
            str(existing[k]) == str(v) if v is not None else existing[k] is None
            for k, v in values.items()
        )
        if same and existing["audience_frozen_at"] is None:
            return existing, False
        raise TerminalError(
            f"campaign {name!r} already exists ({existing['status']}); "
            "see `gtm campaign:status " + name + "`"
        )
    conn.execute(
        """insert into campaigns (workspace_id, name, description, segment_id, segment_version,
                                  icp_version, sender_id, pack, pack_version, language, daily_cap,
                                  status)
           values (%(workspace_id)s, %(name)s, %(description)s, %(segment_id)s, %(segment_version)s,
                   %(icp_version)s, %(sender_id)s, %(pack)s, %(pack_version)s, %(language)s,
                   %(daily_cap)s, %(status)s)""",
        {
            **values,
            "workspace_id": workspace_id,
            "name": name,
            "description": spec.description,
            "status": INITIAL,
        },
    )
    return find_campaign(conn, workspace_id, name), True


_SELECT = """
select c.id::text, c.name, c.status, c.status_reason, c.segment_id::text, s.name as segment,
       c.segment_version, c.icp_version, c.sender_id::text, snd.email as sender, c.pack,
       c.pack_version, c.language, c.daily_cap, c.audience_frozen_at, c.audience_size,
       c.audience_excluded,
       c.created_at, c.started_at, c.completed_at
from campaigns c
left join segments s on s.workspace_id = c.workspace_id and s.id = c.segment_id
left join senders snd on snd.workspace_id = c.workspace_id and snd.id = c.sender_id
where c.workspace_id = %s
"""


def find_campaign(conn: psycopg.Connection, workspace_id: str, name: str) -> dict | None:
    return conn.execute(_SELECT + " and c.name = %s", (workspace_id, name)).fetchone()


def get_campaign(conn: psycopg.Connection, workspace_id: str, name: str) -> dict:
    campaign = find_campaign(conn, workspace_id, name)
    if campaign is None:
        raise TerminalError(f"no campaign named {name!r}; see `gtm campaign:list`")
    return campaign


def list_campaigns(conn: psycopg.Connection, workspace_id: str) -> list[dict]:
    return conn.execute(_SELECT + " order by c.created_at desc", (workspace_id,)).fetchall()


def campaign_status(conn: psycopg.Connection, workspace_id: str, name: str) -> dict:
    """The campaign with its counts per state: audience, drafts and outbox messages."""
    campaign = get_campaign(conn, workspace_id, name)
    members = conn.execute(
        """select count(*) as total, count(stopped_at) as stopped
           from campaign_members where campaign_id = %s""",
        (campaign["id"],),
    ).fetchone()
    return {
        **campaign,
        "members": dict(members),
        "drafts": _counts(conn, "drafts", campaign["id"]),
        "messages": _counts(conn, "messages", campaign["id"]),
    }


def _counts(conn: psycopg.Connection, table: str, campaign_id: str) -> dict[str, int]:
    query = sql.SQL("select status, count(*) as n from {} where campaign_id = %s group by status")
    return {
        r["status"]: r["n"]
        for r in conn.execute(query.format(sql.Identifier(table)), (campaign_id,))
    }
