-- Row-level security on every table in public, by workspace membership (DESIGN §3, issue 2).
--
-- authenticated: sees and changes only rows of workspaces it is a member of (auth.uid() in
--   workspace_members); viewers read only; owners/admins also manage members and the workspace.
-- service_role: BYPASSRLS (Supabase's server key; our own backend connects as the table owner,
--   which RLS does not restrict either).
-- anon: no table privileges at all.
-- A table added by a later migration needs its own `enable row level security` and policies;
-- tests/db/test_rls.py fails naming any table that lacks them.

-- The caller's workspaces, optionally only those where it holds one of `roles`. SECURITY DEFINER
-- so that reading workspace_members from inside a policy does not recurse into its own policy.
-- Policies call it as `workspace_id in (select ...)`: evaluated once per statement, not per row.
create function public.current_workspace_ids(roles text[] default null) returns setof uuid
    language sql stable security definer
    set search_path = public
    as $fn$
        select m.workspace_id
        from public.workspace_members m
        where m.user_id = auth.uid()
          and (roles is null or m.role = any (roles))
    $fn$;
comment on function public.current_workspace_ids(text[]) is
    'Workspaces of auth.uid() (optionally only where its role is in roles); used by RLS policies.';

create function public.is_workspace_member(ws uuid) returns boolean
    language sql stable security definer
    set search_path = public
    as $fn$
        select exists (
            select 1 from public.workspace_members m
            where m.workspace_id = ws and m.user_id = auth.uid()
        )
    $fn$;
comment on function public.is_workspace_member(uuid) is
    'True when auth.uid() is a member of workspace ws (any role).';

revoke execute on function public.current_workspace_ids(text[]) from public;
revoke execute on function public.is_workspace_member(uuid) from public;
grant execute on function public.current_workspace_ids(text[]) to authenticated, service_role;
grant execute on function public.is_workspace_member(uuid) to authenticated, service_role;

-- workspaces: members read; owners/admins update; owners delete; created by service_role only.
alter table public.workspaces enable row level security;
create policy workspaces_member_read on public.workspaces for select to authenticated
    using (id in (select public.current_workspace_ids()));
create policy workspaces_admin_update on public.workspaces for update to authenticated
    using (id in (select public.current_workspace_ids(array['owner', 'admin'])))
    with check (id in (select public.current_workspace_ids(array['owner', 'admin'])));
create policy workspaces_owner_delete on public.workspaces for delete to authenticated
    using (id in (select public.current_workspace_ids(array['owner'])));

-- workspace_members: members see who else is in; owners/admins manage membership.
alter table public.workspace_members enable row level security;
create policy workspace_members_member_read on public.workspace_members for select to authenticated
    using (workspace_id in (select public.current_workspace_ids()));
create policy workspace_members_admin_write on public.workspace_members for all to authenticated
    using (workspace_id in (select public.current_workspace_ids(array['owner', 'admin'])))
    with check (workspace_id in (select public.current_workspace_ids(array['owner', 'admin'])));

-- Every other table: members read, every role but viewer writes.
do $rls$
declare
    t record;
begin
    for t in
        select c.relname
        from pg_catalog.pg_class c
        where c.relnamespace = 'public'::regnamespace
          and c.relkind in ('r', 'p')
          and c.relname not in ('workspaces', 'workspace_members')
        order by c.relname
    loop
        if not exists (
            select 1 from information_schema.columns
            where table_schema = 'public' and table_name = t.relname and column_name = 'workspace_id'
        ) then
            raise exception 'table public.% has no workspace_id: give it an explicit policy', t.relname;
        end if;
        execute format('alter table public.%I enable row level security', t.relname);
        execute format(
            'create policy %I on public.%I for select to authenticated '
            'using (workspace_id in (select public.current_workspace_ids()))',
            t.relname || '_member_read', t.relname);
        execute format(
            'create policy %I on public.%I for all to authenticated '
            'using (workspace_id in (select public.current_workspace_ids(array[''owner'', ''admin'', ''member''])))'
            ' with check (workspace_id in (select public.current_workspace_ids(array[''owner'', ''admin'', ''member''])))',
            t.relname || '_member_write', t.relname);
    end loop;
end
$rls$;

-- Privileges. RLS decides which rows; these decide which roles may try at all.
grant select, insert, update, delete on all tables in schema public to authenticated, service_role;
grant usage, select on all sequences in schema public to authenticated, service_role;
revoke all on all tables in schema public from anon;
revoke all on all sequences in schema public from anon;

-- Tables created later by this role get the same privileges (policies they must bring themselves).
alter default privileges in schema public
    grant select, insert, update, delete on tables to authenticated, service_role;
alter default privileges in schema public
    grant usage, select on sequences to authenticated, service_role;
alter default privileges in schema public revoke all on tables from anon;
alter default privileges in schema public revoke all on sequences from anon;
