-- Core: the shared trigger functions and the tenancy tables (workspaces, workspace_members).
--
-- Conventions for every table in public (tests/db/test_schema.py enforces them from the catalog):
--   id uuid primary key default gen_random_uuid()
--   workspace_id uuid not null references workspaces on delete cascade   (except workspaces)
--   created_at / updated_at timestamptz not null default now(), updated_at kept by
--   the one trigger function public.set_updated_at()
--   a comment saying what the table is
-- A foreign key to another tenant table includes workspace_id — (workspace_id, x_id) references
-- x(workspace_id, id) — so a row can never point into another workspace, whatever RLS allows.

create function public.set_updated_at() returns trigger
    language plpgsql
    set search_path = pg_catalog
    as $fn$
begin
    -- A no-op update (an idempotent re-import writing the same values) keeps the old timestamp.
    -- clock_timestamp(): two updates in one transaction still move it forward.
    if new is distinct from old then
        new.updated_at := clock_timestamp();
    end if;
    return new;
end
$fn$;
comment on function public.set_updated_at() is
    'Trigger function: bumps updated_at when a row really changes. Attached to every table.';

-- Append-only tables: rows may not be updated, and deleted only by a cascade from their parent
-- (pg_trigger_depth() > 1: the delete comes from a foreign-key action, not from a statement).
create function public.refuse_change() returns trigger
    language plpgsql
    set search_path = pg_catalog
    as $fn$
begin
    if tg_op = 'DELETE' and pg_trigger_depth() > 1 then
        return old;
    end if;
    raise exception '% rows are immutable (% refused); create a new version instead',
        tg_table_name, tg_op
        using errcode = 'restrict_violation';
end
$fn$;
comment on function public.refuse_change() is
    'Trigger function for immutable tables: refuses UPDATE, and DELETE except by cascade.';

create table public.workspaces (
    id uuid primary key default gen_random_uuid(),
    slug text not null unique check (slug ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
    name text not null,
    settings jsonb not null default '{}'::jsonb,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);
comment on table public.workspaces is
    'A tenant: one company using GTM. Every other table belongs to exactly one workspace.';
create trigger set_updated_at before update on public.workspaces
    for each row execute function public.set_updated_at();

create table public.workspace_members (
    id uuid primary key default gen_random_uuid(),
    workspace_id uuid not null references public.workspaces (id) on delete cascade,
    user_id uuid not null,
    role text not null default 'member' check (role in ('owner', 'admin', 'member', 'viewer')),
    email text,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    unique (workspace_id, user_id)
);
comment on table public.workspace_members is
    'Who may use a workspace and how: user_id is auth.uid() (Supabase auth.users.id or a local '
    'account id); viewers read, members write, owners/admins also manage members.';
comment on column public.workspace_members.user_id is
    'auth.uid() of the user; no foreign key because auth.users exists only on Supabase.';
create index workspace_members_user_id_idx on public.workspace_members (user_id);
create trigger set_updated_at before update on public.workspace_members
    for each row execute function public.set_updated_at();
