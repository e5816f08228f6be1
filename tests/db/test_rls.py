"""Row-level security on every table in `public`, enumerated from the catalog.

The tables are never listed here: a table added by a later migration is covered automatically,
or the row factory below fails naming the table (and column) it cannot fill.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import psycopg
import pytest
from psycopg import errors, sql
from psycopg.types.json import Jsonb

# Values for columns whose check constraint a type-based value would not meet, by column name
# (so a new table with e.g. an `email` column needs nothing here).
BY_COLUMN_NAME: dict[str, Callable[[int], object]] = {
    "slug": lambda n: f"ws-{n}-{uuid.uuid4().hex[:8]}",
    "sha256": lambda n: hashlib.sha256(str(n).encode()).hexdigest(),
    "email": lambda n: f"user{n}.{uuid.uuid4().hex[:8]}@example.test",
    "to_email": lambda n: f"to{n}@example.test",
    "country": lambda n: "NO",
}
# Nullable columns a table's check constraints need filled (e.g. a draft needs a body unless
# it failed). Keep this small: it is the only per-table knowledge in this file.
ALSO_FILL: dict[str, tuple[str, ...]] = {"drafts": ("body",)}

_ANY_ARRAY = re.compile(r"\(\(?(\w+)\)?(?:::text)? = ANY \(\(?ARRAY\[(.*?)\]")
_LITERAL = re.compile(r"'((?:[^']|'')*)'")


@dataclass
class Column:
    name: str
    type: str
    required: bool  # NOT NULL and no default (and not generated / identity)


@dataclass
class ForeignKey:
    parent: str
    child_cols: list[str]
    parent_cols: list[str]


@dataclass
class Table:
    name: str
    columns: list[Column]
    fks: list[ForeignKey]
    allowed: dict[str, str] = field(default_factory=dict)  # column -> a value its IN-check allows
    immutable: bool = False

    @property
    def ws_col(self) -> str:
        return "id" if self.name == "workspaces" else "workspace_id"


def load_catalog(conn: psycopg.Connection) -> dict[str, Table]:
    tables: dict[str, Table] = {}
    for r in conn.execute(
            "select relname from pg_class where relnamespace = 'public'::regnamespace"
            " and relkind in ('r', 'p') order by relname").fetchall():
        tables[r["relname"]] = Table(r["relname"], [], [])
    for r in conn.execute(
            """
            select c.relname as table, a.attname as name,
                   format_type(a.atttypid, a.atttypmod) as type,
                   a.attnotnull and not a.atthasdef and a.attidentity = '' and a.attgenerated = ''
                       as required
            from pg_attribute a join pg_class c on c.oid = a.attrelid
            where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p')
              and a.attnum > 0 and not a.attisdropped
            order by c.relname, a.attnum
            """).fetchall():
        tables[r["table"]].columns.append(Column(r["name"], r["type"], r["required"]))
    for r in conn.execute(
            """
            select c.conrelid::regclass::text as child, c.confrelid::regclass::text as parent,
                   array(select a.attname::text from unnest(c.conkey) with ordinality k(n, i)
                         join pg_attribute a on a.attrelid = c.conrelid and a.attnum = k.n
                         order by k.i) as child_cols,
                   array(select a.attname::text from unnest(c.confkey) with ordinality k(n, i)
                         join pg_attribute a on a.attrelid = c.confrelid and a.attnum = k.n
                         order by k.i) as parent_cols
            from pg_constraint c
            where c.contype = 'f' and c.connamespace = 'public'::regnamespace
            """).fetchall():
        tables[r["child"]].fks.append(ForeignKey(r["parent"], r["child_cols"], r["parent_cols"]))
    for r in conn.execute(
            "select conrelid::regclass::text as table, pg_get_constraintdef(oid) as def"
            " from pg_constraint where contype = 'c' and connamespace = 'public'::regnamespace"
            ).fetchall():
        for column, items in _ANY_ARRAY.findall(r["def"]):
            first = _LITERAL.search(items)
            if first:
                tables[r["table"]].allowed.setdefault(column, first.group(1).replace("''", "'"))
    for r in conn.execute(
            "select tgrelid::regclass::text as table from pg_trigger"
            " where tgfoid = 'public.refuse_change()'::regprocedure").fetchall():
        tables[r["table"]].immutable = True
    return tables


class RowFactory:
    """Builds and inserts a valid row for any table of a workspace, generically from the catalog:
    required columns get type-appropriate values, foreign keys get a parent row of the same
    workspace (reused, or fresh and inserted first, recursively)."""

    def __init__(self, conn: psycopg.Connection, tables: dict[str, Table]):
        self.conn = conn
        self.tables = tables
        self.rows: dict[tuple[str, uuid.UUID], dict] = {}  # the first row per (table, workspace)
        self._n = itertools.count(1)

    def workspace(self, slug: str) -> uuid.UUID:
        row = self.conn.execute(
            "insert into workspaces (slug, name) values (%s, %s) returning *",
            (f"{slug}-{uuid.uuid4().hex[:8]}", slug)).fetchone()
        self.rows[("workspaces", row["id"])] = row
        return row["id"]

    def existing(self, table: str, ws: uuid.UUID) -> dict:
        """The cached row of `table` in `ws`, inserting one (as the current role) if needed."""
        if (table, ws) not in self.rows:
            self.rows[(table, ws)] = self.insert(table, ws)
        return self.rows[(table, ws)]

    def values(self, table: str, ws: uuid.UUID, *, fresh_parents: bool,
               _stack: tuple[str, ...] = ()) -> dict[str, object]:
        if table in _stack:
            raise AssertionError(f"{table}: foreign-key cycle {' -> '.join(_stack + (table,))}")
        t = self.tables[table]
        required = {c.name for c in t.columns if c.required} | set(ALSO_FILL.get(table, ()))
        values: dict[str, object] = {}
        for fk in t.fks:
            parent = fk.parent.removeprefix("public.")
            if parent == "workspaces":
                continue
            if not (set(fk.child_cols) - {"workspace_id"}) & required:
                continue  # an optional reference: leave it null
            if fresh_parents:
                parent_values = self.values(parent, ws, fresh_parents=True,
                                            _stack=_stack + (table,))
                parent_row = self._insert_values(parent, parent_values)
            else:
                parent_row = self.existing(parent, ws)
            for child_col, parent_col in zip(fk.child_cols, fk.parent_cols, strict=True):
                values[child_col] = parent_row[parent_col]
        if t.ws_col == "workspace_id":
            values["workspace_id"] = ws
        for col in t.columns:
            if col.name in values or col.name not in required:
                continue
            values[col.name] = self._value(t, col)
        return values

    def insert(self, table: str, ws: uuid.UUID, *, fresh_parents: bool = False) -> dict:
        return self._insert_values(table, self.values(table, ws, fresh_parents=fresh_parents))

    def _insert_values(self, table: str, values: dict[str, object]) -> dict:
        query = sql.SQL("insert into {} ({}) values ({}) returning *").format(
            sql.Identifier("public", table),
            sql.SQL(", ").join(map(sql.Identifier, values)),
            sql.SQL(", ").join(sql.Placeholder() * len(values)))
        try:
            with self.conn.transaction():
                return self.conn.execute(query, list(values.values())).fetchone()
        except psycopg.Error as exc:
            raise RowFactoryError(
                f"{table}: cannot insert a generic row {values!r}: {exc}") from exc

    def _value(self, t: Table, col: Column) -> object:
        n = next(self._n)
        if col.name in t.allowed:
            return t.allowed[col.name]
        if col.name in BY_COLUMN_NAME:
            return BY_COLUMN_NAME[col.name](n)
        base = col.type.split("(")[0]
        if base == "uuid":
            return uuid.uuid4()
        if base in ("text", "character varying", "character"):
            return f"{t.name}-{col.name}-{n}"
        if base in ("integer", "bigint", "smallint"):
            return n
        if base in ("numeric", "real", "double precision"):
            return 0.5
        if base == "boolean":
            return False
        if base in ("jsonb", "json"):
            return Jsonb({})
        if base == "timestamp with time zone":
            return dt.datetime.now(dt.UTC)
        if base == "date":
            return dt.date.today()
        if base == "text[]":
            return []
        raise AssertionError(f"{t.name}.{col.name}: no generic value for type {col.type}; "
                             "extend RowFactory._value or BY_COLUMN_NAME")


class RowFactoryError(AssertionError):
    pass


# --------------------------------------------------------------------------------------- tests

def test_every_table_has_rls_enabled_and_a_policy(db):
    rows = db.execute(
        """
        select c.relname, c.relrowsecurity,
               (select count(*) from pg_policy p where p.polrelid = c.oid) as policies,
               (select count(*) from pg_policy p where p.polrelid = c.oid
                  and 'authenticated'::regrole = any (p.polroles)) as for_authenticated
        from pg_class c
        where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p')
        order by c.relname
        """).fetchall()
    assert len(rows) >= 20
    missing = [f"{r['relname']} (rls={r['relrowsecurity']}, policies={r['policies']})"
               for r in rows if not r["relrowsecurity"] or not r["for_authenticated"]]
    assert not missing, ("tables without RLS or without a policy for authenticated: "
                         + ", ".join(missing))


def test_anon_has_no_table_privileges(db):
    rows = db.execute(
        """
        select c.relname from pg_class c
        where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p')
          and (has_table_privilege('anon', c.oid, 'select')
               or has_table_privilege('anon', c.oid, 'insert')
               or has_table_privilege('anon', c.oid, 'update')
               or has_table_privilege('anon', c.oid, 'delete'))
        """).fetchall()
    assert not rows, f"anon has privileges on {[r['relname'] for r in rows]}"


def _claims(conn: psycopg.Connection, role: str, user: uuid.UUID | None) -> None:
    conn.execute("reset role")
    conn.execute(sql.SQL("set local role {}").format(sql.Identifier(role)))
    claims = {"role": role} if user is None else {"sub": str(user), "role": role}
    conn.execute("select set_config('request.jwt.claims', %s, true)", (json.dumps(claims),))


def _count(conn, table: Table, ws: uuid.UUID) -> int:
    return conn.execute(sql.SQL("select count(*) as n from {} where {} = %s").format(
        sql.Identifier("public", table.name), sql.Identifier(table.ws_col)), (ws,)).fetchone()["n"]


def _rowcount(conn, template: str, table: Table, ws: uuid.UUID) -> int:
    return conn.execute(sql.SQL(template).format(
        t=sql.Identifier("public", table.name), ws=sql.Identifier(table.ws_col)), (ws,)).rowcount


def _expect_error(conn, failures: list[str], label: str, kinds: tuple[type[Exception], ...],
                  action: Callable[[], object]) -> None:
    try:
        with conn.transaction():
            action()
    except kinds:
        return
    except psycopg.Error as exc:
        failures.append(f"{label}: expected {[k.__name__ for k in kinds]}, got {exc!r}")
        return
    failures.append(f"{label}: succeeded but must be refused")


def _check(conn, failures: list[str], label: str, action: Callable[[], object]) -> None:
    """Run `action` in a savepoint; an exception or a falsy result is recorded as a failure."""
    try:
        with conn.transaction():
            ok = action()
    except (psycopg.Error, AssertionError) as exc:
        failures.append(f"{label}: {exc!r}")
        return
    if not ok:
        failures.append(f"{label}: failed")


def test_authenticated_user_is_confined_to_its_workspaces(db):
    tables = load_catalog(db)
    rows = RowFactory(db, tables)
    ws_a, ws_b = rows.workspace("alpha"), rows.workspace("beta")
    user_a, user_b, viewer_a = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    for ws, user, role in ((ws_a, user_a, "owner"), (ws_b, user_b, "owner"),
                           (ws_a, viewer_a, "viewer")):
        member = db.execute("insert into workspace_members (workspace_id, user_id, role)"
                            " values (%s, %s, %s) returning *", (ws, user, role)).fetchone()
        rows.rows.setdefault(("workspace_members", ws), member)
    # As the superuser: one valid row in every table for B, and for A.
    for name in tables:
        rows.existing(name, ws_b)
        rows.existing(name, ws_a)

    failures: list[str] = []
    _claims(db, "authenticated", user_a)
    assert db.execute("select auth.uid() as u").fetchone()["u"] == user_a
    for t in tables.values():
        name = t.name
        # Workspace B is invisible and untouchable.
        _check(db, failures, f"{name}: select sees no row of B",
               lambda t=t: _count(db, t, ws_b) == 0)
        _check(db, failures, f"{name}: select sees only A",
               lambda t=t: db.execute(sql.SQL("select count(*) as n from {} where {} <> %s").format(
                   sql.Identifier("public", t.name), sql.Identifier(t.ws_col)),
                   (ws_a,)).fetchone()["n"] == 0)
        b_values = rows.values(name, ws_b, fresh_parents=False)
        _expect_error(db, failures, f"{name}: insert into B", (errors.InsufficientPrivilege,),
                      lambda name=name, v=b_values: _raw_insert(db, name, v))
        _check(db, failures, f"{name}: update of B affects no row",
               lambda t=t: _rowcount(db, "update {t} set updated_at = updated_at where {ws} = %s",
                                     t, ws_b) == 0)
        _check(db, failures, f"{name}: delete of B affects no row",
               lambda t=t: _rowcount(db, "delete from {t} where {ws} = %s", t, ws_b) == 0)
        if name != "workspaces":
            a_row = rows.rows[(name, ws_a)]
            # (An immutable table's trigger refuses the update before RLS gets to.)
            refused = (errors.InsufficientPrivilege,) + (
                (errors.RestrictViolation,) if t.immutable else ())
            _expect_error(db, failures, f"{name}: move an A row to B", refused,
                          lambda name=name, a_row=a_row: db.execute(
                              sql.SQL("update {} set workspace_id = %s where id = %s").format(
                                  sql.Identifier("public", name)), (ws_b, a_row["id"])))

        # Positive controls: a policy that refuses everything must fail this test too.
        _check(db, failures, f"{name}: select sees its own A row",
               lambda t=t: _count(db, t, ws_a) >= 1)
        if name == "workspaces":
            _check(db, failures, "workspaces: owner updates its workspace",
                   lambda t=t: _rowcount(db, "update {t} set name = name || '!' where {ws} = %s",
                                         t, ws_a) == 1)
        else:
            _check(db, failures, f"{name}: insert into A (with fresh parents) and delete it",
                   lambda name=name, t=t: _insert_and_delete(db, rows, t, ws_a))
            if t.immutable:
                _expect_error(db, failures, f"{name}: immutable rows refuse update",
                              (errors.RestrictViolation,),
                              lambda t=t: _rowcount(db, "update {t} set updated_at = updated_at"
                                                    " where {ws} = %s", t, ws_a))
            else:
                _check(db, failures, f"{name}: update of own A rows",
                       lambda t=t: _rowcount(db, "update {t} set updated_at = updated_at"
                                             " where {ws} = %s", t, ws_a) >= 1)

    # A viewer of A reads A but changes nothing.
    _claims(db, "authenticated", viewer_a)
    for t in tables.values():
        name = t.name
        _check(db, failures, f"{name}: viewer reads A", lambda t=t: _count(db, t, ws_a) >= 1)
        _check(db, failures, f"{name}: viewer sees no row of B",
               lambda t=t: _count(db, t, ws_b) == 0)
        if name != "workspaces":
            a_values = rows.values(name, ws_a, fresh_parents=False)
            _expect_error(db, failures, f"{name}: viewer insert into A",
                          (errors.InsufficientPrivilege,),
                          lambda name=name, v=a_values: _raw_insert(db, name, v))
        _check(db, failures, f"{name}: viewer update affects no row",
               lambda t=t: _rowcount(db, "update {t} set updated_at = updated_at where {ws} = %s",
                                     t, ws_a) == 0)
        _check(db, failures, f"{name}: viewer delete affects no row",
               lambda t=t: _rowcount(db, "delete from {t} where {ws} = %s", t, ws_a) == 0)

    # An authenticated JWT of a user in no workspace sees nothing at all.
    _claims(db, "authenticated", uuid.uuid4())
    for t in tables.values():
        _check(db, failures, f"{t.name}: outsider sees nothing",
               lambda t=t: db.execute(sql.SQL("select count(*) as n from {}").format(
                   sql.Identifier("public", t.name))).fetchone()["n"] == 0)

    # service_role bypasses RLS: both workspaces visible.
    _claims(db, "service_role", None)
    for t in tables.values():
        _check(db, failures, f"{t.name}: service_role sees A and B",
               lambda t=t: _count(db, t, ws_a) >= 1 and _count(db, t, ws_b) >= 1)

    # anon: no privilege at all, even carrying a member's claims.
    _claims(db, "anon", user_a)
    for t in tables.values():
        _expect_error(db, failures, f"{t.name}: anon select", (errors.InsufficientPrivilege,),
                      lambda t=t: _count(db, t, ws_a))
    db.execute("reset role")

    assert not failures, f"{len(failures)} RLS failures:\n" + "\n".join(failures)


def _raw_insert(conn, table: str, values: dict[str, object]) -> None:
    conn.execute(sql.SQL("insert into {} ({}) values ({})").format(
        sql.Identifier("public", table),
        sql.SQL(", ").join(map(sql.Identifier, values)),
        sql.SQL(", ").join(sql.Placeholder() * len(values))), list(values.values()))


def _insert_and_delete(conn, rows: RowFactory, table: Table, ws: uuid.UUID) -> bool:
    new = rows.insert(table.name, ws, fresh_parents=True)
    if table.immutable:
        return new[table.ws_col] == ws
    deleted = conn.execute(sql.SQL("delete from {} where id = %s").format(
        sql.Identifier("public", table.name)), (new["id"],)).rowcount
    return deleted == 1


def test_deleting_a_workspace_removes_its_rows_in_every_table(db):
    tables = load_catalog(db)
    rows = RowFactory(db, tables)
    doomed, kept = rows.workspace("doomed"), rows.workspace("kept")
    for name in tables:
        rows.existing(name, doomed)
        rows.existing(name, kept)
    db.execute("delete from workspaces where id = %s", (doomed,))
    left = {t.name: _count(db, t, doomed) for t in tables.values()}
    assert not any(left.values()), f"rows left behind: { {k: v for k, v in left.items() if v} }"
    assert all(_count(db, t, kept) >= 1 for t in tables.values())


def test_row_factory_fails_loudly_naming_the_table(db):
    """The generic filler must name a table it cannot fill instead of skipping it."""
    db.execute("create table public.zz_probe (id uuid primary key default gen_random_uuid(),"
               " workspace_id uuid not null references workspaces on delete cascade,"
               " shape point not null)")
    tables = load_catalog(db)
    rows = RowFactory(db, tables)
    ws = rows.workspace("probe")
    with pytest.raises(AssertionError, match="zz_probe.shape"):
        rows.existing("zz_probe", ws)
