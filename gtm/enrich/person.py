"""`person_enrichment` (offline): what a contact's email and profile say about reaching them -
role mailbox, free or disposable mail, whether the email's domain is the company's, and the
LinkedIn handle. Rules only; every fact carries its source like firmographics facts."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from gtm.enrich.waterfall import Answer, Stage
from gtm.intake.normalize.domains import domain_from_email, is_free_mail_domain
from gtm.intake.normalize.emails import is_disposable, is_role_account

STAGE = "person_enrichment"
_LINKEDIN = re.compile(r"linkedin\.com/in/([^/?#]+)", re.IGNORECASE)


def person_facts(employee: dict[str, Any], at: str | None = None) -> dict[str, dict[str, Any]]:
    at = at or datetime.now(UTC).isoformat(timespec="seconds")
    facts: dict[str, dict[str, Any]] = {}

    def fact(name: str, value: Any, source: str) -> None:
        facts[name] = {"value": value, "source": source, "retrieved_at": at}

    email = employee.get("email")
    if email:
        domain = domain_from_email(email)
        fact("role_mailbox", is_role_account(email), "rules:email_local_part")
        fact("free_mail", is_free_mail_domain(domain), "rules:free_mail_domains")
        fact("disposable", is_disposable(email), "rules:disposable_domains")
        if employee.get("company_domain") and domain:
            fact("email_matches_company_domain",
                 domain == employee["company_domain"] or domain.endswith(
                     "." + employee["company_domain"]), "rules:email_vs_company_domain")
    match = _LINKEDIN.search(employee.get("linkedin_url") or "")
    if match:
        fact("linkedin_handle", match.group(1).lower(), "input:linkedin_url")
    reachable = bool(email) and not (facts.get("disposable") or {}).get("value")
    fact("reachable_by_email", reachable, "rules:person_enrichment")
    return facts


class PersonRules:
    name = "offline_rules"

    def lookup(self, entity: dict[str, Any]) -> Answer:
        return Answer({"facts": person_facts(entity)}, self.name)


PERSON_STAGE = Stage(
    STAGE, "employee",
    lambda e: {k: e.get(k) for k in ("email", "linkedin_url", "company_domain")},
    [PersonRules()], ttl=timedelta(days=180))
