"""The intake pipeline against the real database: dedupe, merge rules, idempotency, atomicity."""

from pathlib import Path

import psycopg
import pytest

from gtm.db.workspaces import ensure_workspace
from gtm.intake import store
from gtm.intake.apply import apply_batch
from gtm.intake.staging import stage_file

HEADER = "First Name,Last Name,Title,Company,Email,Website,Country,INN\n"


def _csv(tmp_path: Path, name: str, rows: list[str], header: str = HEADER) -> Path:
    path = tmp_path / name
    path.write_text(header + "\n".join(rows) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def ws(db: psycopg.Connection, request) -> str:
    """A workspace of its own per test, so counts are exact."""
    return ensure_workspace(db, f"t-{request.node.name[:40].lower().replace('_', '-')}")


def _count(db, table: str, ws: str) -> int:
    return db.execute(f"select count(*) as n from {table} where workspace_id = %s",  # noqa: S608
                      (ws,)).fetchone()["n"]


def _import(db, ws, path: Path, kind="contacts", forced=False):
    return apply_batch(db, ws, stage_file(path, kind), session_key="test", forced=forced)


def test_dedupes_within_file_and_reports_reasons(db, ws, tmp_path) -> None:
    path = _csv(tmp_path, "a.csv", [
        "John,Smith,CTO,Acme Inc.,john@acme.com,https://www.acme.com,USA,",
        "John,Smith,CTO,ACME,JOHN@ACME.COM ,,United States,",            # same email, other case
        "Anna,Ivanova,CTO,\"ООО \"\"Ромашка\"\"\",anna@romashka.ru,,Россия,7707083893",
        "Bad,Email,CEO,Foo GmbH,not-an-email,foo.de,Germany,",
        "Ivan,Petrov,CEO,Bar,ivan@bar.ru,,Russia,1234567890",             # bad INN checksum
        ",,,,,,,",                                                          # blank: skipped
        "Solo,,,,,,,",                                                      # nobody identified
    ])
    report = _import(db, ws, path)
    assert report.rows_read == 6
    assert report.reasons == {"invalid_email": 1, "invalid_tin": 1, "missing_email": 1}
    assert report.employees.inserted == 2 and report.employees.duplicates_in_file == 1
    assert report.companies.inserted == 2
    rejects = db.execute("select row_number, reason_code, raw from import_rejects"
                         " where workspace_id = %s order by row_number", (ws,)).fetchall()
    assert [(r["row_number"], r["reason_code"]) for r in rejects] == [
        (5, "invalid_email"), (6, "invalid_tin"), (8, "missing_email")]
    assert rejects[0]["raw"]["Email"] == "not-an-email"
    anna = db.execute("select e.email, c.name, c.tin, c.normalized_name, c.country"
                      " from employees e join companies c on c.id = e.company_id"
                      " where e.workspace_id = %s and e.last_name = 'Ivanova'", (ws,)).fetchone()
    assert anna["tin"] == "7707083893" and anna["country"] == "RU"
    assert anna["normalized_name"] == "ромашка"


def test_reimport_is_a_noop_and_force_creates_no_duplicates(db, ws, tmp_path) -> None:
    path = _csv(tmp_path, "b.csv", [
        "John,Smith,CTO,Acme,john@acme.com,acme.com,US,",
        "Mary,Jones,VP,Acme,mary@acme.com,acme.com,US,",
    ])
    first = _import(db, ws, path)
    assert first.status == "applied" and first.employees.inserted == 2
    counts = (_count(db, "companies", ws), _count(db, "employees", ws))

    again = _import(db, ws, path)
    assert again.status == "already_applied"
    forced = _import(db, ws, path, forced=True)
    assert forced.status == "applied" and forced.forced
    assert forced.employees.inserted == 0 and forced.employees.duplicates_existing == 2
    assert forced.companies.inserted == 0
    assert (_count(db, "companies", ws), _count(db, "employees", ws)) == counts
    sources = db.execute("select sources from employees where workspace_id = %s", (ws,)).fetchall()
    assert all(len(r["sources"]) == 1 for r in sources)  # provenance not repeated by --force


def test_merge_fills_gaps_and_never_overwrites_with_empty(db, ws, tmp_path) -> None:
    _import(db, ws, _csv(tmp_path, "c1.csv", ["John,Smith,,Acme,john@acme.com,acme.com,US,"]))
    report = _import(db, ws, _csv(tmp_path, "c2.csv", [
        "John,Smith,CTO,,john@acme.com,,,",          # adds a title; empty cells change nothing
    ]))
    assert report.employees.duplicates_existing == 1 and report.employees.merged == 1
    john = db.execute("select e.position, e.country, c.name, c.domain, e.sources from employees e"
                      " join companies c on c.id = e.company_id where e.workspace_id = %s",
                      (ws,)).fetchone()
    assert (john["position"], john["country"], john["name"], john["domain"]) == (
        "CTO", "US", "Acme", "acme.com")
    assert len(john["sources"]) == 2
    third = _import(db, ws, _csv(tmp_path, "c3.csv", ["John,Smith,CEO,Acme,john@acme.com,,,"]))
    assert third.employees.merged == 0  # an existing value is kept, not replaced
    assert db.execute("select position from employees where workspace_id = %s",
                      (ws,)).fetchone()["position"] == "CTO"


def test_companies_match_existing_by_tin_domain_and_fuzzy_name(db, ws, tmp_path) -> None:
    header = "Company,Website,Country,INN\n"
    _import(db, ws, _csv(tmp_path, "d1.csv", [
        "Acme Corporation,acme.com,US,", "\"ООО Ромашка\",,RU,7707083893", "Globex,,DE,",
    ], header), kind="companies")
    report = _import(db, ws, _csv(tmp_path, "d2.csv", [
        "ACME Corp.,https://www.acme.com/about,USA,",   # domain
        "Ромашка АО,,Russia,7707083893",                 # tin
        "Globex GmbH,,Germany,",                          # normalised name + country
        "Globex,,FR,",                                    # same name, other country: another entity
    ], header), kind="companies")
    assert report.companies.duplicates_existing == 3
    assert report.companies.inserted == 1
    assert _count(db, "companies", ws) == 4


def test_a_failure_mid_batch_leaves_the_database_as_before(db, ws, tmp_path, monkeypatch) -> None:
    _import(db, ws, _csv(tmp_path, "e1.csv", ["John,Smith,,Acme,john@acme.com,acme.com,US,"]))
    before = (_count(db, "companies", ws), _count(db, "employees", ws),
              _count(db, "import_batches", ws))

    def crash(*args, **kwargs):
        raise RuntimeError("simulated crash after companies were written")

    monkeypatch.setattr(store, "write_employees", crash)
    staged = stage_file(_csv(tmp_path, "e2.csv", ["Mary,Jones,,Globex,mary@globex.com,,DE,"]),
                        "contacts")
    with pytest.raises(RuntimeError):
        apply_batch(db, ws, staged, session_key="test")
    after = (_count(db, "companies", ws), _count(db, "employees", ws),
             _count(db, "import_batches", ws))
    assert after == before
    monkeypatch.undo()
    assert apply_batch(db, ws, staged, session_key="test").employees.inserted == 1


def test_unmapped_required_column_rejects_every_row(db, ws, tmp_path) -> None:
    path = _csv(tmp_path, "f.csv", ["x,y", "z,w"], header="Foo,Bar\n")
    report = _import(db, ws, path)
    assert report.reasons == {"unmapped_required_column": 2}
    assert _count(db, "employees", ws) == 0


def test_employee_counts_a_float_or_an_integer_column_cannot_hold_are_rejected(tmp_path) -> None:
    path = _csv(tmp_path, "g.csv", [f"{name},acme.com,{size}" for name, size in (
        ("A", "inf"), ("B", "1e400"), ("C", "99999999999"), ("D", "nan"), ("E", "51-200"))],
        header="Company,Website,Employees\n")
    staged = stage_file(path, "companies")
    assert staged.rejects["reason_code"].to_list() == ["invalid_number"] * 4
    assert staged.frame["size_employees"].to_list() == [200]
