-- Local web accounts (issue 8): used when Supabase Auth is not configured (SUPABASE_URL unset).
--
-- users.id is the user_id of workspace_members (auth.uid() for local accounts); workspace_id is
-- the workspace the account was created in. Password hashes are argon2id (argon2-cffi).

create table public.users (
    id uuid primary key default gen_random_uuid(),
    workspace_id uuid not null references public.workspaces (id) on delete cascade,
    email text not null check (email ~ '^[^@[:space:]]+@[^@[:space:]]+$'),
    password_hash text not null,
    disabled_at timestamptz,
    last_login_at timestamptz,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    unique (workspace_id, id)
);
comment on table public.users is
    'Local web accounts (gtm user:add) when Supabase Auth is not configured: email and argon2 '
    'password hash; id is the user_id in workspace_members. Read by the web login only.';
create unique index users_email_idx on public.users (lower(email));
create trigger set_updated_at before update on public.users
    for each row execute function public.set_updated_at();

-- Like workspace_members: members read their workspace's accounts; owners/admins manage them.
-- The web app itself connects as the table owner.
alter table public.users enable row level security;
create policy users_member_read on public.users for select to authenticated
    using (workspace_id in (select public.current_workspace_ids()));
create policy users_admin_write on public.users for all to authenticated
    using (workspace_id in (select public.current_workspace_ids(array['owner', 'admin'])))
    with check (workspace_id in (select public.current_workspace_ids(array['owner', 'admin'])));
