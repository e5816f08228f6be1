"""The migrations and the schema they build: ledger behaviour, conventions every table follows
(enumerated from the catalog, so a table added later is checked too), and the key constraints."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import psycopg
import pytest
from psycopg import errors

from gtm.db.migrate import default_migrations_dir, discover, migrate, status
from gtm.errors import MigrationError

MIGRATIONS = default_migrations_dir()
SHIM = MIGRATIONS / "20260101000000_supabase_shim.sql"


# --------------------------------------------------------------------------- migrations / ledger

def _ledger(conn: psycopg.Connection) -> list[str]:
    return [r["version"] for r in conn.execute(
        "select version from gtm_meta.schema_migrations order by version").fetchall()]


def _copy_migrations(tmp_path: Path) -> Path:
    target = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS, target)
    return target


def test_migrations_apply_on_empty_database_then_are_a_noop(empty_db):
    files = discover()
    assert files, "no migration files found"
    applied = migrate(empty_db)
    assert [m.version for m in applied] == [m.version for m in files]
    assert _ledger(empty_db) == [m.version for m in files]
    assert migrate(empty_db) == []
    assert {s.state for s in status(empty_db)} == {"applied"}


def test_status_never_writes(empty_db):
    states = status(empty_db)
    assert states and {s.state for s in states} == {"pending"}
    row = empty_db.execute(
        "select to_regclass('gtm_meta.schema_migrations') as ledger,"
        " to_regnamespace('gtm_meta') as schema").fetchone()
    assert row == {"ledger": None, "schema": None}


def test_edited_applied_migration_is_refused(empty_db, tmp_path):
    directory = _copy_migrations(tmp_path)
    migrate(empty_db, discover(directory))
    before = _ledger(empty_db)
    edited = directory / "20260101000200_intake.sql"
    edited.write_text(edited.read_text() + "\n-- an innocent-looking edit\n")
    (directory / "29990101000000_later.sql").write_text("create table public.later_probe (x int);")

    with pytest.raises(MigrationError, match="20260101000200_intake.sql"):
        migrate(empty_db, discover(directory))
    assert _ledger(empty_db) == before
    assert empty_db.execute("select to_regclass('public.later_probe') as t").fetchone()["t"] is None
    assert {s.state for s in status(empty_db, discover(directory))} >= {"modified", "pending"}


def test_deleted_applied_migration_is_refused(empty_db, tmp_path):
    directory = _copy_migrations(tmp_path)
    migrate(empty_db, discover(directory))
    before = _ledger(empty_db)
    (directory / "20260101000700_observability.sql").unlink()

    with pytest.raises(MigrationError, match="20260101000700_observability"):
        migrate(empty_db, discover(directory))
    assert _ledger(empty_db) == before


def test_failing_migration_rolls_back_alone(empty_db, tmp_path):
    directory = _copy_migrations(tmp_path)
    (directory / "29990101000000_broken.sql").write_text(
        "create table public.broken_probe (x int);\nselect 1 / 0;\n")

    with pytest.raises(MigrationError, match="29990101000000_broken.sql"):
        migrate(empty_db, discover(directory))
    assert _ledger(empty_db) == [m.version for m in discover()]
    probe = empty_db.execute("select to_regclass('public.broken_probe') as t").fetchone()
    assert probe["t"] is None


# --------------------------------------------------------------------------- Supabase shim

def test_shim_is_idempotent_and_implements_auth_functions(empty_db):
    text = SHIM.read_text()
    empty_db.execute(text)
    empty_db.execute(text)  # a second run (e.g. on Supabase, where all of it exists) is a no-op
    roles = {r["rolname"]: r for r in empty_db.execute(
        "select rolname, rolcanlogin, rolinherit, rolbypassrls from pg_roles"
        " where rolname in ('anon', 'authenticated', 'service_role')").fetchall()}
    assert set(roles) == {"anon", "authenticated", "service_role"}
    assert not any(r["rolcanlogin"] for r in roles.values())
    assert roles["service_role"]["rolbypassrls"]
    assert not roles["authenticated"]["rolbypassrls"]

    user = uuid.uuid4()
    with empty_db.transaction():
        empty_db.execute("select set_config('request.jwt.claims', %s, true)",
                         (f'{{"sub": "{user}", "role": "authenticated", "email": "a@x.io"}}',))
        row = empty_db.execute(
            "select auth.uid() as uid, auth.role() as role, auth.email() as email,"
            " auth.jwt() ->> 'sub' as sub").fetchone()
        assert row == {"uid": user, "role": "authenticated", "email": "a@x.io", "sub": str(user)}
        # The legacy per-claim setting wins, as in Supabase.
        other = uuid.uuid4()
        empty_db.execute("select set_config('request.jwt.claim.sub', %s, true)", (str(other),))
        assert empty_db.execute("select auth.uid() as uid").fetchone()["uid"] == other
    with empty_db.transaction():
        empty_db.execute("select set_config('request.jwt.claims', '', true)")
        row = empty_db.execute("select auth.uid() as uid, auth.jwt() as jwt").fetchone()
        assert row == {"uid": None, "jwt": None}


def test_shim_leaves_existing_supabase_objects_alone(empty_db):
    # As on Supabase: auth.uid() already exists (owned by someone else); the shim must not
    # replace it.
    empty_db.execute("create schema auth")
    empty_db.execute("create function auth.uid() returns uuid language sql stable"
                     " as $$ select '00000000-0000-0000-0000-000000000001'::uuid $$")
    empty_db.execute(SHIM.read_text())
    assert str(empty_db.execute("select auth.uid() as u").fetchone()["u"]).endswith("0001")
    assert empty_db.execute("select auth.jwt() as j").fetchone()["j"] is None  # created


# --------------------------------------------------------------------------- table conventions

def _tables(db) -> list[str]:
    return [r["relname"] for r in db.execute(
        "select relname from pg_class where relnamespace = 'public'::regnamespace"
        " and relkind in ('r', 'p') order by relname").fetchall()]


def test_the_data_model_is_all_there(db):
    expected = {
        "workspaces", "workspace_members", "import_batches", "import_rejects", "companies",
        "employees", "enrichment_results", "company_insights", "employee_insights",
        "icp_profiles", "contact_scores", "segments", "segment_versions", "senders", "campaigns",
        "campaign_members", "drafts", "draft_revisions", "messages", "reply_events",
        "suppressions", "ai_traces", "ai_interactions",
    }
    assert expected <= set(_tables(db))


def test_every_table_follows_the_conventions(db):
    problems = []
    for table in _tables(db):
        cols = {r["column_name"]: r for r in db.execute(
            "select column_name, data_type, is_nullable, column_default"
            " from information_schema.columns where table_schema = 'public' and table_name = %s",
            (table,)).fetchall()}
        pk = db.execute(
            "select array_agg(a.attname::text) as cols from pg_constraint c"
            " join pg_attribute a on a.attrelid = c.conrelid and a.attnum = any (c.conkey)"
            " where c.conrelid = %s::regclass and c.contype = 'p'",
            (f"public.{table}",)).fetchone()["cols"]
        if pk != ["id"] or cols.get("id", {}).get("data_type") != "uuid" \
                or "gen_random_uuid" not in (cols["id"]["column_default"] or ""):
            problems.append(f"{table}: id uuid primary key default gen_random_uuid()")
        if table != "workspaces":
            ws = cols.get("workspace_id")
            if not ws or ws["data_type"] != "uuid" or ws["is_nullable"] != "NO":
                problems.append(f"{table}: workspace_id uuid not null")
            cascade = db.execute(
                "select 1 from pg_constraint where conrelid = %s::regclass and contype = 'f'"
                " and confrelid = 'public.workspaces'::regclass and confdeltype = 'c'"
                " and conkey = array[(select attnum from pg_attribute where attrelid ="
                " %s::regclass and attname = 'workspace_id')]",
                (f"public.{table}", f"public.{table}")).fetchone()
            if not cascade:
                problems.append(f"{table}: workspace_id references workspaces on delete cascade")
        for name in ("created_at", "updated_at"):
            col = cols.get(name)
            if not col or col["data_type"] != "timestamp with time zone" \
                    or col["is_nullable"] != "NO" or col["column_default"] != "now()":
                problems.append(f"{table}: {name} timestamptz not null default now()")
        trigger = db.execute(
            "select 1 from pg_trigger where tgrelid = %s::regclass and not tgisinternal"
            " and tgfoid = 'public.set_updated_at()'::regprocedure"
            " and tgtype & 2 = 2 and tgtype & 16 = 16",  # BEFORE, UPDATE
            (f"public.{table}",)).fetchone()
        if not trigger:
            problems.append(f"{table}: before update trigger public.set_updated_at()")
        if not db.execute("select obj_description(%s::regclass, 'pg_class') as d",
                          (f"public.{table}",)).fetchone()["d"]:
            problems.append(f"{table}: comment on table")
    assert not problems, "\n".join(problems)


def test_foreign_keys_between_tenant_tables_stay_inside_the_workspace(db):
    """A reference from one tenant table to another must include workspace_id on both sides,
    so no row can point into another workspace (foreign-key checks ignore RLS)."""
    rows = db.execute(
        """
        select c.conname, c.conrelid::regclass::text as child,
               c.confrelid::regclass::text as parent,
               array(select attname::text from pg_attribute
                     where attrelid = c.conrelid and attnum = any (c.conkey)) as child_cols,
               array(select attname::text from pg_attribute
                     where attrelid = c.confrelid and attnum = any (c.confkey)) as parent_cols
        from pg_constraint c
        where c.contype = 'f' and c.connamespace = 'public'::regnamespace
          and c.confrelid <> 'public.workspaces'::regclass
        """).fetchall()
    assert rows
    bad = [f"{r['child']}.{r['conname']} -> {r['parent']}" for r in rows
           if "workspace_id" not in r["child_cols"] or "workspace_id" not in r["parent_cols"]]
    assert not bad, "foreign keys without workspace_id: " + ", ".join(bad)


# --------------------------------------------------------------------------- behaviour

def _workspace(db, slug: str | None = None) -> uuid.UUID:
    slug = slug or f"ws-{uuid.uuid4().hex[:10]}"
    return db.execute("insert into workspaces (slug, name) values (%s, %s) returning id",
                      (slug, slug)).fetchone()["id"]


def test_updated_at_changes_on_real_updates_only(db):
    ws = _workspace(db)
    row = db.execute("insert into companies (workspace_id, name) values (%s, 'Acme')"
                     " returning id, created_at, updated_at", (ws,)).fetchone()
    assert row["updated_at"] == row["created_at"]
    same = db.execute("update companies set name = 'Acme' where id = %s returning updated_at",
                      (row["id"],)).fetchone()
    assert same["updated_at"] == row["updated_at"]  # no-op update keeps the timestamp
    changed = db.execute("update companies set name = 'Acme Inc' where id = %s"
                         " returning updated_at", (row["id"],)).fetchone()
    assert changed["updated_at"] > row["updated_at"]


def test_employee_email_unique_per_workspace_case_insensitively(db):
    a, b = _workspace(db), _workspace(db)
    insert = "insert into employees (workspace_id, email) values (%s, %s)"
    db.execute(insert, (a, "Jane.Doe@Example.com"))
    db.execute(insert, (b, "jane.doe@example.com"))  # another workspace: fine
    db.execute(insert, (a, None))
    db.execute(insert, (a, None))  # contacts without email are allowed, any number
    with pytest.raises(errors.UniqueViolation), db.transaction():
        db.execute(insert, (a, "jane.doe@EXAMPLE.com"))


def test_company_identifiers_unique_per_workspace(db):
    a, b = _workspace(db), _workspace(db)
    insert = ("insert into companies (workspace_id, name, tin, registration_number, country)"
              " values (%s, %s, %s, %s, %s)")
    db.execute(insert, (a, "Acme", "7707083893", "1027700132195", "RU"))
    db.execute(insert, (b, "Acme", "7707083893", "1027700132195", "RU"))
    with pytest.raises(errors.UniqueViolation, match="companies_tin_key"), db.transaction():
        db.execute(insert, (a, "Acme 2", "7707083893", None, None))
    with pytest.raises(errors.UniqueViolation, match="registration_number"), db.transaction():
        db.execute(insert, (a, "Acme 3", None, "1027700132195", "RU"))
    db.execute(insert, (a, "Acme NO", None, "1027700132195", "NO"))  # same number, other country
    with pytest.raises(errors.CheckViolation), db.transaction():
        db.execute(insert, (a, "Bad", None, None, "ru"))  # country is an upper-case ISO code


def _outbox_parents(db, ws):
    company = db.execute("insert into companies (workspace_id, name) values (%s, 'Acme')"
                         " returning id", (ws,)).fetchone()["id"]
    employee = db.execute("insert into employees (workspace_id, company_id, email)"
                          " values (%s, %s, %s) returning id",
                          (ws, company, f"{uuid.uuid4().hex}@acme.test")).fetchone()["id"]
    sender = db.execute("insert into senders (workspace_id, email) values (%s, %s) returning id",
                        (ws, f"{uuid.uuid4().hex}@us.test")).fetchone()["id"]
    campaign = db.execute("insert into campaigns (workspace_id, name, sender_id)"
                          " values (%s, %s, %s) returning id",
                          (ws, f"c-{uuid.uuid4().hex}", sender)).fetchone()["id"]
    return company, employee, sender, campaign


def test_messages_unique_per_campaign_employee_step(db):
    ws = _workspace(db)
    _, employee, sender, campaign = _outbox_parents(db, ws)
    insert = ("insert into messages (workspace_id, campaign_id, employee_id, sender_id, step,"
              " to_email, subject, body, rfc_message_id)"
              " values (%s, %s, %s, %s, %s, %s, %s, %s, %s)")

    def values(step):
        return (ws, campaign, employee, sender, step, "j@acme.test", "Hi", "Body",
                f"<{uuid.uuid4()}@gtm.test>")

    db.execute(insert, values(1))
    db.execute(insert, values(2))
    with pytest.raises(errors.UniqueViolation), db.transaction():
        db.execute(insert, values(1))
    # The Message-ID is fixed before sending and unique everywhere.
    mid = f"<{uuid.uuid4()}@gtm.test>"
    db.execute(insert, values(3)[:-1] + (mid,))
    with pytest.raises(errors.UniqueViolation), db.transaction():
        db.execute(insert, values(4)[:-1] + (mid,))
    # A sent message must say when.
    with pytest.raises(errors.CheckViolation), db.transaction():
        db.execute("update messages set status = 'sent' where workspace_id = %s and step = 1",
                   (ws,))


def test_references_cannot_cross_workspaces(db):
    a, b = _workspace(db), _workspace(db)
    company_b = db.execute("insert into companies (workspace_id, name) values (%s, 'B')"
                           " returning id", (b,)).fetchone()["id"]
    with pytest.raises(errors.ForeignKeyViolation), db.transaction():
        db.execute("insert into employees (workspace_id, company_id) values (%s, %s)",
                   (a, company_b))


def test_one_active_icp_and_unique_scores(db):
    ws = _workspace(db)
    insert = ("insert into icp_profiles (workspace_id, version, definition, content_hash, active)"
              " values (%s, %s, '{}', %s, %s)")
    db.execute(insert, (ws, 1, "h1", True))
    db.execute(insert, (ws, 2, "h2", False))
    with pytest.raises(errors.UniqueViolation), db.transaction():
        db.execute(insert, (ws, 3, "h3", True))
    employee = db.execute("insert into employees (workspace_id) values (%s) returning id",
                          (ws,)).fetchone()["id"]
    score = ("insert into contact_scores (workspace_id, employee_id, icp_version, score)"
             " values (%s, %s, %s, 0.5)")
    db.execute(score, (ws, employee, 1))
    db.execute(score, (ws, employee, 2))
    with pytest.raises(errors.UniqueViolation), db.transaction():
        db.execute(score, (ws, employee, 1))
    with pytest.raises(errors.ForeignKeyViolation), db.transaction():
        db.execute(score, (ws, employee, 99))  # no such ICP version


def test_suppressions_and_replies_unique(db):
    ws = _workspace(db)
    db.execute("insert into suppressions (workspace_id, email, reason) values (%s, %s, 'manual')",
               (ws, "x@y.test"))
    with pytest.raises(errors.UniqueViolation), db.transaction():
        db.execute("insert into suppressions (workspace_id, email, reason)"
                   " values (%s, %s, 'unsubscribe')", (ws, "X@Y.TEST"))
    reply = ("insert into reply_events (workspace_id, mailbox, uidvalidity, uid)"
             " values (%s, 'INBOX', 7, %s)")
    db.execute(reply, (ws, 1))
    db.execute(reply, (ws, 2))
    with pytest.raises(errors.UniqueViolation), db.transaction():
        db.execute(reply, (ws, 1))
    with pytest.raises(errors.CheckViolation), db.transaction():
        db.execute("insert into reply_events (workspace_id, mailbox, label)"
                   " values (%s, 'INBOX', 'maybe')", (ws,))


def test_segment_versions_are_immutable_but_go_with_their_workspace(db):
    ws = _workspace(db)
    segment = db.execute("insert into segments (workspace_id, name) values (%s, 'CTOs')"
                         " returning id", (ws,)).fetchone()["id"]
    db.execute("insert into segment_versions (workspace_id, segment_id, version, definition)"
               " values (%s, %s, 1, '{}')", (ws, segment))
    with pytest.raises(errors.RestrictViolation, match="immutable"), db.transaction():
        db.execute("update segment_versions set definition = '{\"x\": 1}' where segment_id = %s",
                   (segment,))
    with pytest.raises(errors.RestrictViolation, match="immutable"), db.transaction():
        db.execute("delete from segment_versions where segment_id = %s", (segment,))
    # A campaign pins a version: the segment cannot be hard-deleted under it.
    db.execute("insert into campaigns (workspace_id, name, segment_id, segment_version)"
               " values (%s, 'Q1', %s, 1)", (ws, segment))
    with pytest.raises(errors.ForeignKeyViolation), db.transaction():
        db.execute("delete from segments where id = %s", (segment,))
    db.execute("delete from workspaces where id = %s", (ws,))
    assert db.execute("select count(*) as n from segment_versions where workspace_id = %s",
                      (ws,)).fetchone()["n"] == 0


def test_draft_status_and_revision_reason_are_closed_domains(db):
    ws = _workspace(db)
    _, employee, _, campaign = _outbox_parents(db, ws)
    draft = db.execute("insert into drafts (workspace_id, campaign_id, employee_id, subject, body)"
                       " values (%s, %s, %s, 'Hi', 'Body') returning id, version",
                       (ws, campaign, employee)).fetchone()
    assert draft["version"] == 1
    with pytest.raises(errors.CheckViolation), db.transaction():
        db.execute("update drafts set status = 'maybe' where id = %s", (draft["id"],))
    with pytest.raises(errors.CheckViolation), db.transaction():
        db.execute("insert into draft_revisions (workspace_id, draft_id, version, reason_tag)"
                   " values (%s, %s, 2, 'whim')", (ws, draft["id"]))
    # Optimistic concurrency: a stale version updates nothing.
    cur = db.execute("update drafts set body = 'B2', version = version + 1"
                     " where id = %s and version = %s", (draft["id"], 1))
    assert cur.rowcount == 1
    cur = db.execute("update drafts set body = 'B3', version = version + 1"
                     " where id = %s and version = %s", (draft["id"], 1))
    assert cur.rowcount == 0


def test_indexes_for_segments_and_dispatch_exist(db):
    names = {r["indexname"] for r in db.execute(
        "select indexname from pg_indexes where schemaname = 'public'").fetchall()}
    for name in ("employees_company_idx", "employees_country_idx", "employees_position_idx",
                 "employees_outreach_sent_idx", "employees_campaign_status_lower_idx",
                 "companies_country_idx", "companies_industry_lower_idx",
                 "companies_segment_lower_idx", "contact_scores_rank_idx",
                 "messages_dispatch_idx", "employees_email_key"):
        assert name in names, name
    # Segment filters compare text as lower(col): plain twins of these would only slow imports.
    for name in ("employees_campaign_status_idx", "employees_client_status_idx",
                 "companies_industry_idx", "companies_segment_idx"):
        assert name not in names, name


def test_lower_indexes_skip_the_rows_imports_leave_empty(db):
    # Partial: imports leave these columns null; every segment condition an index can serve on
    # them implies `is not null` (migrations/20260102001100_intake_write_indexes.sql).
    definitions = {r["indexname"]: r["indexdef"] for r in db.execute(
        "select indexname, indexdef from pg_indexes where schemaname = 'public'").fetchall()}
    for table, column in (("companies", "industry"), ("companies", "segment"),
                          ("employees", "seniority"), ("employees", "department"),
                          ("employees", "client_status"), ("employees", "campaign_status")):
        definition = definitions[f"{table}_{column}_lower_idx"]
        assert definition.endswith(f"(workspace_id, lower({column})) WHERE ({column} IS NOT NULL)")
