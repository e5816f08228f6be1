"""The firmographics stage against the database: facts with provenance, write-back only into
empty fields, and the cache (a second run with the same inputs does no work)."""

import polars as pl

from gtm.enrich.firmographics import COMPANY_INPUTS, company_facts, company_facts_frame
from gtm.enrich.firmographics_stage import run_firmographics


def _company(db, company_id):
    return db.execute("select * from companies where id = %s", (company_id,)).fetchone()


def test_facts_are_stored_with_provenance_and_written_back(db, seeded):
    ws, batch = seeded["workspace_id"], seeded["batch"]
    report = run_firmographics(db, ws, batch=batch)
    assert report["companies"]["ok"] == 3  # "Nameless" has no facts at all
    assert report["companies"]["no_data"] == 1
    assert report["employees"]["ok"] == 3
    row = db.execute(
        "select output, provider, expires_at from enrichment_results where entity_id = %s"
        " and stage = 'firmographics'", (seeded["company_ids"][0],)).fetchone()
    facts = row["output"]["facts"]
    assert facts["domain"]["value"] == "equinor.com"
    assert facts["domain"]["source"] == "rules:website"
    assert facts["timezone"]["value"] == "Europe/Oslo"
    assert facts["language"]["value"] == "no"
    assert facts["size_band"]["value"] == "10001+"
    assert facts["industry_normalized"]["value"] == "energy"
    assert all("retrieved_at" in f for f in facts.values())
    assert row["provider"] == "offline_rules" and row["expires_at"] is not None

    equinor = _company(db, seeded["company_ids"][0])
    assert (equinor["domain"], equinor["legal_form"]) == ("equinor.com", "ASA")
    romashka = _company(db, seeded["company_ids"][1])
    assert romashka["legal_form"] == "ООО" and romashka["domain"] == "romashka.ru"

    employees = {r["email"]: r for r in db.execute(
        "select * from employees where id = any(%s::uuid[])", (seeded["employee_ids"],))}
    ivan = employees["ivan@romashka.ru"]
    assert (ivan["seniority"], ivan["department"]) == ("c_suite", "executive")
    assert (ivan["timezone"], ivan["language"], ivan["country"]) == (
        "Asia/Novosibirsk", "ru", "RU")
    anna = employees["anna@acme.de"]
    assert anna["seniority"] == "manager"  # never overwritten
    assert anna["department"] == "sales"  # was empty, so filled


def test_second_run_does_zero_work_and_changed_inputs_rerun(db, seeded):
    ws, batch = seeded["workspace_id"], seeded["batch"]
    run_firmographics(db, ws, batch=batch)
    again = run_firmographics(db, ws, batch=batch)
    for part in ("companies", "employees"):
        assert again[part]["cached"] == again[part]["considered"]
        assert again[part]["provider_calls"] == 0
        assert again[part]["written_back"] == 0
    db.execute("update companies set city = 'Oslo' where id = %s", (seeded["company_ids"][0],))
    changed = run_firmographics(db, ws, batch=batch)
    assert changed["companies"]["provider_calls"] == 1
    refreshed = run_firmographics(db, ws, batch=batch, refresh=True)
    assert refreshed["companies"]["provider_calls"] == 4


def test_frame_path_agrees_with_per_row_rules():
    rows = [
        {"id": "1", "name": "Equinor ASA", "domain": None, "website": "equinor.com",
         "country": "Norway", "city": None, "industry": "Oil", "size_employees": 5,
         "legal_form": None},
        {"id": "2", "name": "ООО Ромашка", "domain": "r.ru", "website": None, "country": "RU",
         "city": "Екатеринбург", "industry": None, "size_employees": None, "legal_form": None},
    ]
    frame = company_facts_frame(pl.DataFrame(rows, schema={
        "id": pl.String, **{c: pl.Int64 if c == "size_employees" else pl.String
                            for c in COMPANY_INPUTS}}))
    for row, fast in zip(rows, frame.iter_rows(named=True), strict=True):
        slow = {k: v["value"] for k, v in company_facts(row).items()}
        assert {k: v for k, v in fast.items() if k != "id" and v is not None} == slow
