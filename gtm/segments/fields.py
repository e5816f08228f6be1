"""The whitelist: every field a segment filter may name, its type, and the SQL it stands for.

Nothing outside this table ever becomes SQL text: a field name is looked up here and replaced by
the fixed expression below; values always travel as parameters. Aliases: `e` employees,
`c` companies (left-joined through employees.company_id), `s` contact_scores of one ICP version.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from psycopg import sql

from gtm.intake.normalize.countries import to_iso_country

TEXT_OPS = ("eq", "neq", "in", "not_in", "contains", "starts_with", "is_null")
CODE_OPS = ("eq", "neq", "in", "not_in", "is_null")
NUMBER_OPS = ("eq", "neq", "in", "not_in", "gt", "gte", "lt", "lte", "between", "is_null")
BOOL_OPS = ("eq", "neq", "is_null")
DATE_OPS = ("gt", "gte", "lt", "lte", "between", "older_than_days", "within_last_days", "is_null")
OPS_BY_TYPE = {"text": TEXT_OPS, "number": NUMBER_OPS, "bool": BOOL_OPS, "date": DATE_OPS}


@dataclass(frozen=True)
class Field:
    name: str
    type: str  # text | number | bool | date
    table: str  # e | c | s
    column: str  # a fixed SQL expression over the table alias, never user input
    description: str
    # Text only. True: compared as lower(column) = lower(value), so 'fintech' finds 'Fintech'.
    # False: the value is normalised in Python (below) to the stored canonical form and compared
    # as is, which keeps the plain index usable.
    case_insensitive: bool = True
    normalise: Callable[[str], str | None] | None = None
    expected: str = ""  # what `normalise` accepts, for the error message
    ops: tuple[str, ...] = ()

    @property
    def operators(self) -> tuple[str, ...]:
        return self.ops or OPS_BY_TYPE[self.type]

    @property
    def sql(self) -> sql.Composable:
        return sql.SQL(self.column)


def _domain(value: str) -> str | None:
    return value.strip().lower().lstrip("@") or None


_COUNTRY = dict(type="text", case_insensitive=False, normalise=to_iso_country, ops=CODE_OPS,
                expected="a country: ISO code like 'NO' or a name like 'Norway'")
_DOMAIN = dict(type="text", case_insensitive=False, normalise=_domain,
               expected="a domain like 'acme.com'")

FIELDS: dict[str, Field] = {f.name: f for f in (
    # companies
    Field("company_name", "text", "c", "c.name", "Company display name."),
    Field("company_domain", table="c", column="c.domain", description="Company web domain.",
          **_DOMAIN),
    Field("country", table="c", column="c.country", description="Company country (ISO code).",
          **_COUNTRY),
    Field("industry", "text", "c", "c.industry", "Company industry as imported or enriched."),
    Field("segment", "text", "c", "c.segment", "Company segment (e.g. SMB, Enterprise)."),
    Field("sme_registry", "bool", "c", "c.sme_registry", "Listed in a national SME registry."),
    Field("company_size", "number", "c", "c.size_employees", "Company headcount."),
    Field("company_status", "text", "c", "c.status", "Company status (new, researched, ...)."),
    # employees
    Field("email", "text", "e", "e.email", "Contact e-mail address."),
    Field("email_domain", table="e", column="split_part(lower(e.email), '@', 2)",
          description="Domain part of the contact's e-mail.", **_DOMAIN),
    Field("position", "text", "e", "e.position", "Job title."),
    Field("seniority", "text", "e", "e.seniority", "Seniority (e.g. c-level, vp, manager)."),
    Field("department", "text", "e", "e.department", "Department or function."),
    Field("contact_country", table="e", column="e.country",
          description="The contact's own country (ISO code).", **_COUNTRY),
    Field("language", "text", "e", "e.language", "Preferred language of the contact."),
    Field("client_status", "text", "e", "e.client_status", "Prospect, client, churned, ..."),
    Field("campaign_status", "text", "e", "e.campaign_status", "Outreach state in campaigns."),
    Field("testing_status", "text", "e", "e.testing_status", "Testing status."),
    Field("campaign_number", "number", "e", "e.campaign_number", "Last campaign number."),
    Field("outreach_sent_date", "date", "e", "e.outreach_sent_date",
          "When the last outreach e-mail was sent (missing: never contacted)."),
    Field("imported_at", "date", "e", "e.created_at", "When the contact was first imported."),
    Field("reply_positive", "bool", "e", "e.reply_positive", "Replied positively."),
    Field("reply_negative", "bool", "e", "e.reply_negative", "Replied negatively."),
    Field("reply_info_request", "bool", "e", "e.reply_info_request", "Asked for information."),
    Field("reply_bounce", "bool", "e", "e.reply_bounce", "An e-mail to the contact bounced."),
    # contact_scores of the ICP version in force (missing: not scored)
    Field("icp_score", "number", "s", "s.score", "ICP score under the active ICP version."),
)}
