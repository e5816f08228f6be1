"""The database schema as an asset, so a fresh instance's first run is visible in the UI."""

import dagster as dg

from gtm.db.inventory import table_counts
from gtm.db.migrate import migrate
from gtm_resources import SupabaseResource


@dg.asset(group_name="platform", kinds={"postgres"})
def database_schema(context: dg.AssetExecutionContext,
                    supabase: SupabaseResource) -> dg.MaterializeResult:
    """Applies pending migrations and ensures the configured workspace exists."""
    with supabase.connect(autocommit=True) as conn:
        applied = migrate(conn)
        supabase.workspace_id(conn)
        counts = table_counts(conn)
    context.log.info("applied %d migration(s)", len(applied))
    return dg.MaterializeResult(
        metadata={
            "migrations_applied": [m.filename for m in applied],
            "tables": len(counts),
            "rows": dg.MetadataValue.json(counts),
        }
    )


@dg.asset_check(asset=database_schema, blocking=True)
def every_table_has_rls(supabase: SupabaseResource) -> dg.AssetCheckResult:
    """Row-level security must be on for every public table.

    One without it leaks across workspaces.
    """
    with supabase.connect() as conn:
        rows = conn.execute(
            "select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace"
            " where n.nspname = 'public' and c.relkind = 'r' and not c.relrowsecurity"
        ).fetchall()
    missing = sorted(r["relname"] for r in rows)
    return dg.AssetCheckResult(passed=not missing, metadata={"tables_without_rls": missing})
