-- ICP profiles, contact scores, segments and their immutable versions (DESIGN §3, issue 4).

create table public.icp_profiles (
    id uuid primary key default gen_random_uuid(),
    workspace_id uuid not null references public.workspaces (id) on delete cascade,
    version integer not null check (version >= 1),
    definition jsonb not null,
    content_hash text not null,
    active boolean not null default false,
    created_by text,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    unique (workspace_id, version)
);
comment on table public.icp_profiles is
    'Versions of the ideal customer profile (industries, countries, size bands, seniority, '
    'weights, ...). content_hash is the Dagster data version; at most one active per workspace. '
    'Written by icp:set.';
create unique index icp_profiles_one_active
    on public.icp_profiles (workspace_id) where active;
create index icp_profiles_content_hash_idx on public.icp_profiles (workspace_id, content_hash);
create trigger set_updated_at before update on public.icp_profiles
    for each row execute function public.set_updated_at();

create table public.contact_scores (
    id uuid primary key default gen_random_uuid(),
    workspace_id uuid not null references public.workspaces (id) on delete cascade,
    employee_id uuid not null,
    icp_version integer not null,
    score numeric not null,
    reasons jsonb not null default '[]'::jsonb,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    unique (employee_id, icp_version),
    foreign key (workspace_id, employee_id)
        references public.employees (workspace_id, id) on delete cascade,
    foreign key (workspace_id, icp_version)
        references public.icp_profiles (workspace_id, version) on delete cascade
);
comment on table public.contact_scores is
    'ICP score of a contact under one ICP version, with its reasons '
    '([{"weight": 0.3, "reason": "industry=fintech"}, ...]). Written by the contact_scores asset.';
create index contact_scores_rank_idx
    on public.contact_scores (workspace_id, icp_version, score desc);
create trigger set_updated_at before update on public.contact_scores
    for each row execute function public.set_updated_at();

create table public.segments (
    id uuid primary key default gen_random_uuid(),
    workspace_id uuid not null references public.workspaces (id) on delete cascade,
    name text not null,
    description text,
    current_version integer not null default 1 check (current_version >= 1),
    deleted_at timestamptz,
    created_by text,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    unique (workspace_id, id)
);
comment on table public.segments is
    'A named, saved audience filter. Its definitions live in segment_versions; deleting a '
    'segment sets deleted_at (campaigns keep pointing at its versions). Written by segment:create '
    'and the web segment builder.';
create unique index segments_name_key
    on public.segments (workspace_id, name) where deleted_at is null;
create trigger set_updated_at before update on public.segments
    for each row execute function public.set_updated_at();

create table public.segment_versions (
    id uuid primary key default gen_random_uuid(),
    workspace_id uuid not null references public.workspaces (id) on delete cascade,
    segment_id uuid not null,
    version integer not null check (version >= 1),
    definition jsonb not null,
    sql_hash text,
    created_by text,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    unique (workspace_id, segment_id, version),
    foreign key (workspace_id, segment_id)
        references public.segments (workspace_id, id) on delete cascade
);
comment on table public.segment_versions is
    'Immutable versions of a segment''s filter definition (JSON filter language); sql_hash '
    'identifies the compiled SQL. Rows are never updated and only deleted with their segment, so '
    'a campaign stays reproducible.';
create trigger set_updated_at before update on public.segment_versions
    for each row execute function public.set_updated_at();
create trigger segment_versions_immutable before update or delete on public.segment_versions
    for each row execute function public.refuse_change();
