"""DraftContext: language resolution, round trips, and loading contexts from Postgres."""

import psycopg
from psycopg.types.json import Jsonb

from gtm.drafting.context import (
    Company,
    Contact,
    DraftContext,
    load_contexts,
    load_workspace_contexts,
    resolve_language,
)


def test_language_resolution() -> None:
    assert resolve_language("ru-RU", Contact(language="en")) == "ru"
    assert resolve_language(None, Contact(language="Russian")) == "ru"
    assert resolve_language(None, Contact(country="KZ")) == "ru"
    assert resolve_language(None, Contact(country="DE")) == "en"
    assert DraftContext(contact=Contact(language="EN")).language == "en"


def test_short_name_and_round_trip() -> None:
    context = DraftContext(contact=Contact(first_name="Ann", last_name="Lee"),
                           company=Company(name="Acme Holdings Ltd."))
    assert context.contact.full_name == "Ann Lee" and context.company.short_name == "Acme Holdings"
    dumped = context.model_dump()  # computed fields included, as the DSPy program will see them
    assert dumped["company"]["short_name"] == "Acme Holdings"
    assert dumped["language_name"] == "English"
    assert DraftContext.model_validate(dumped) == context


def seed_workspace(conn: psycopg.Connection, slug: str) -> dict:
    ws = conn.execute("insert into workspaces (slug, name) values (%s, %s) returning id",
                      (slug, slug)).fetchone()["id"]
    acme = conn.execute(
        "insert into companies (workspace_id, name, domain, industry, size_employees, country)"
        " values (%s, 'ООО «Альфа»', 'alfa.ru', 'Логистика', 210, 'RU') returning id",
        (ws,)).fetchone()["id"]
    anna = conn.execute(
        "insert into employees (workspace_id, company_id, first_name, last_name, email, position,"
        " country) values (%s, %s, 'Анна', 'Смирнова', 'anna@alfa.ru', 'директор', 'RU')"
        " returning id", (ws, acme)).fetchone()["id"]
    bob = conn.execute(
        "insert into employees (workspace_id, company_id, first_name, email, language)"
        " values (%s, %s, 'Bob', 'bob@alfa.ru', 'en') returning id", (ws, acme)).fetchone()["id"]
    conn.execute(
        "insert into company_insights (workspace_id, company_id, summary, triggers, signals,"
        " recommended_angles, mode) values (%s, %s, 'Экспедитор.', %s, %s, %s, 'llm')",
        (ws, acme, Jsonb(["«Альфа» открыла филиал в Казани."]),
         Jsonb([{"summary": "Филиал в Казани", "date": "2026-01-10", "url": "https://alfa.ru"}]),
         Jsonb(["скорость запуска"])))
    # A template-mode insight is canned text: it must never reach a draft as research.
    conn.execute(
        "insert into employee_insights (workspace_id, employee_id, summary, pains, mode)"
        " values (%s, %s, 'Canned summary.', %s, 'template')", (ws, bob, Jsonb(["canned pain"])))
    conn.execute("insert into icp_profiles (workspace_id, version, definition, content_hash,"
                 " active) values (%s, 1, '{}', 'h', true)", (ws,))
    conn.execute("insert into contact_scores (workspace_id, employee_id, icp_version, score,"
                 " reasons) values (%s, %s, 1, 0.8, %s)",
                 (ws, anna, Jsonb([{"weight": 0.5, "reason": "country=RU"}])))
    return {"workspace_id": str(ws), "anna": str(anna), "bob": str(bob)}


def test_load_contexts_joins_company_insights_and_scores(db: psycopg.Connection) -> None:
    seeded = seed_workspace(db, "drafting-context")
    anna, bob = load_contexts(db, seeded["workspace_id"])  # best ICP score first
    assert anna.contact.id == seeded["anna"] and anna.language == "ru"
    assert anna.company.short_name == "Альфа" and anna.company.size_employees == 210
    assert anna.research.available and anna.research.summary == "Экспедитор."
    assert anna.research.triggers == ["«Альфа» открыла филиал в Казани."]
    assert anna.research.signals[0].text == "Филиал в Казани"
    assert anna.research.signals[0].source == "https://alfa.ru"
    assert anna.icp.score == 0.8 and anna.icp.reasons == ["country=RU"] and anna.icp.version == 1
    assert anna.angle == "скорость запуска"
    assert bob.language == "en" and bob.icp.score is None
    assert "canned pain" not in bob.research.pains and bob.research.person_summary is None

    only_bob = load_contexts(db, seeded["workspace_id"], employee_ids=[seeded["bob"]])
    assert [c.contact.id for c in only_bob] == [seeded["bob"]]
    assert len(load_workspace_contexts(db, "drafting-context", limit=1)) == 1
    assert load_workspace_contexts(db, "no-such-workspace") == []
