-- Supabase-compatible shim for plain PostgreSQL.
--
-- On a real Supabase project every object below already exists and belongs to Supabase's own
-- roles (supabase_admin, supabase_auth_admin): this file then changes nothing. On the embedded
-- server (or any other Postgres) it creates the same names with the same semantics, so every
-- later migration, policy and test runs unchanged in both places.
--
-- Rules: create only when absent (checked in pg_roles / pg_namespace / pg_proc), never
-- `create or replace` and never grant on objects this file did not just create.

-- Roles (cluster-wide: a second database on the same server finds them already there).
do $shim$
begin
    if not exists (select 1 from pg_catalog.pg_roles where rolname = 'anon') then
        create role anon nologin noinherit;
    end if;
    if not exists (select 1 from pg_catalog.pg_roles where rolname = 'authenticated') then
        create role authenticated nologin noinherit;
    end if;
    if not exists (select 1 from pg_catalog.pg_roles where rolname = 'service_role') then
        create role service_role nologin noinherit bypassrls;
    end if;
end
$shim$;

-- Schema auth and its request helpers, exactly as Supabase (GoTrue) defines them: PostgREST sets
-- `request.jwt.claims` (JSON text) per request; older versions set `request.jwt.claim.<name>`.
do $shim$
begin
    if not exists (select 1 from pg_catalog.pg_namespace where nspname = 'auth') then
        create schema auth;
        grant usage on schema auth to anon, authenticated, service_role;
    end if;

    if not exists (
        select 1 from pg_catalog.pg_proc
        where pronamespace = 'auth'::regnamespace and proname = 'uid'
    ) then
        create function auth.uid() returns uuid
            language sql stable
            as $fn$
                select coalesce(
                    nullif(current_setting('request.jwt.claim.sub', true), ''),
                    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')
                )::uuid
            $fn$;
        comment on function auth.uid() is
            'Supabase-compatible shim: the user id (JWT sub) of the current request, or null.';
        grant execute on function auth.uid() to anon, authenticated, service_role;
    end if;

    if not exists (
        select 1 from pg_catalog.pg_proc
        where pronamespace = 'auth'::regnamespace and proname = 'role'
    ) then
        create function auth.role() returns text
            language sql stable
            as $fn$
                select coalesce(
                    nullif(current_setting('request.jwt.claim.role', true), ''),
                    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role')
                )::text
            $fn$;
        comment on function auth.role() is
            'Supabase-compatible shim: the role claim of the current request JWT, or null.';
        grant execute on function auth.role() to anon, authenticated, service_role;
    end if;

    if not exists (
        select 1 from pg_catalog.pg_proc
        where pronamespace = 'auth'::regnamespace and proname = 'email'
    ) then
        create function auth.email() returns text
            language sql stable
            as $fn$
                select coalesce(
                    nullif(current_setting('request.jwt.claim.email', true), ''),
                    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'email')
                )::text
            $fn$;
        comment on function auth.email() is
            'Supabase-compatible shim: the email claim of the current request JWT, or null.';
        grant execute on function auth.email() to anon, authenticated, service_role;
    end if;

    if not exists (
        select 1 from pg_catalog.pg_proc
        where pronamespace = 'auth'::regnamespace and proname = 'jwt'
    ) then
        create function auth.jwt() returns jsonb
            language sql stable
            as $fn$
                select coalesce(
                    nullif(current_setting('request.jwt.claim', true), ''),
                    nullif(current_setting('request.jwt.claims', true), '')
                )::jsonb
            $fn$;
        comment on function auth.jwt() is
            'Supabase-compatible shim: all claims of the current request JWT as jsonb, or null.';
        grant execute on function auth.jwt() to anon, authenticated, service_role;
    end if;
end
$shim$;

-- The API roles reach the public schema; table privileges are granted table by table (RLS file).
grant usage on schema public to anon, authenticated, service_role;
