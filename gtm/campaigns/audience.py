"""Freezing a campaign's audience: the segment version's contacts, ranked by the ICP score of
the campaign's ICP version, copied once into `campaign_members` with a snapshot of each contact
and company. Later imports, edits and re-scores change nothing in it."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

from gtm.errors import TerminalError
from gtm.segments import audience_query


@dataclass
class FreezeReport:
    campaign: str
    members: int
    excluded: dict[str, int]
    already_frozen: bool

    def to_json(self) -> dict:
        return asdict(self)


_INSERT = """
insert into campaign_members (workspace_id, campaign_id, employee_id, rank, score, snapshot)
select %(workspace_id)s, %(campaign_id)s, e.id,
       row_number() over (order by a.score desc nulls last, e.id), a.score,
       jsonb_build_object(
         'first_name', e.first_name, 'last_name', e.last_name, 'email', e.email,
         'position', e.position, 'seniority', e.seniority, 'department', e.department,
         'country', e.country, 'timezone', e.timezone, 'language', e.language,
         'linkedin_url', e.linkedin_url, 'reasons', coalesce(a.reasons, '[]'::jsonb),
         'company', case when c.id is null then null else jsonb_build_object(
           'id', c.id, 'name', c.name, 'domain', c.domain, 'industry', c.industry,
           'size_employees', c.size_employees, 'country', c.country) end)
from ({audience}) a
join employees e on e.workspace_id = %(workspace_id)s and e.id = a.employee_id
left join companies c on c.workspace_id = e.workspace_id and c.id = e.company_id
where e.email is not null
  and not exists (select 1 from suppressions s
                  where s.workspace_id = %(workspace_id)s and lower(s.email) = lower(e.email))
"""

_EXCLUDED = """
select count(*) filter (where e.email is null) as no_email,
       count(*) filter (where e.email is not null and exists (
         select 1 from suppressions s
         where s.workspace_id = %(workspace_id)s and lower(s.email) = lower(e.email))) as suppressed
from ({audience}) a join employees e on e.workspace_id = %(workspace_id)s and e.id = a.employee_id
"""


def freeze_audience(conn: psycopg.Connection, workspace_id: str, campaign_id: str) -> FreezeReport:
    """Fill `campaign_members` once; a second call reports the existing snapshot unchanged.

    Contacts without an email or on the suppression list are left out and counted by reason.
    Runs in the caller's transaction; the campaign row is locked so two runs cannot both fill.
    """
    campaign = conn.execute(
        """select c.name, c.audience_frozen_at, c.audience_size, c.audience_excluded,
                  c.icp_version, v.definition
           from campaigns c
           join segment_versions v on v.workspace_id = c.workspace_id
                and v.segment_id = c.segment_id and v.version = c.segment_version
           where c.workspace_id = %s and c.id = %s for update of c""",
        (workspace_id, campaign_id),
    ).fetchone()
    if campaign is None:
        raise TerminalError(
            f"no campaign with id {campaign_id} and a segment version in this workspace"
        )
    if campaign["audience_frozen_at"] is not None:
        return FreezeReport(
            campaign["name"],
            campaign["audience_size"],
            campaign["audience_excluded"],
            already_frozen=True,
        )
    query, params = audience_query(workspace_id, campaign["definition"], campaign["icp_version"])
    params = {**params, "workspace_id": workspace_id, "campaign_id": campaign_id}
    inserted = conn.execute(sql.SQL(_INSERT).format(audience=query), params).rowcount
    excluded = dict(conn.execute(sql.SQL(_EXCLUDED).format(audience=query), params).fetchone())
    conn.execute(
        """update campaigns set audience_frozen_at = now(), audience_size = %s,
                  audience_excluded = %s where id = %s""",
        (inserted, Jsonb(excluded), campaign_id),
    )
    return FreezeReport(campaign["name"], inserted, excluded, already_frozen=False)


def top_members(conn: psycopg.Connection, campaign_id: str, limit: int = 10) -> list[dict]:
    """The best-ranked contacts of a frozen audience, with the reasons of their score."""
    return [
        dict(r)
        for r in conn.execute(
            """select rank, score, snapshot->>'first_name' as first_name,
                  snapshot->>'last_name' as last_name,
                  concat_ws(' ', snapshot->>'first_name', snapshot->>'last_name') as name,
                  snapshot->>'email' as email,
                  snapshot->>'position' as position, snapshot->'company'->>'name' as company,
                  snapshot->'reasons' as reasons
           from campaign_members where campaign_id = %s order by rank limit %s""",
            (campaign_id, limit),
        )
    ]
