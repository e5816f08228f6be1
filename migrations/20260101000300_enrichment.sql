-- Enrichment: the per-stage result cache and the typed insights (DESIGN §3, issue 9).

create table public.enrichment_results (
    id uuid primary key default gen_random_uuid(),
    workspace_id uuid not null references public.workspaces (id) on delete cascade,
    entity text not null check (entity in ('company', 'employee')),
    entity_id uuid not null,
    stage text not null,
    input_hash text not null,
    status text not null default 'ok' check (status in ('ok', 'no_data', 'error', 'skipped')),
    output jsonb,
    error text,
    provider text,
    attempts integer not null default 1 check (attempts >= 0),
    fetched_at timestamptz not null default now(),
    expires_at timestamptz,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    unique (workspace_id, entity, entity_id, stage, input_hash)
);
comment on table public.enrichment_results is
    'Stage cache and provenance of enrichment: one row per (entity, stage, input hash) with the '
    'provider that answered, its output, status and freshness (expires_at). A stage re-runs only '
    'when its inputs changed or the row expired. entity_id points at companies or employees '
    '(polymorphic, no foreign key). Written by the enrichment assets.';
create index enrichment_results_entity_idx
    on public.enrichment_results (workspace_id, entity, entity_id, stage);
create index enrichment_results_retry_idx
    on public.enrichment_results (workspace_id, stage, status) where status = 'error';
create trigger set_updated_at before update on public.enrichment_results
    for each row execute function public.set_updated_at();

create table public.company_insights (
    id uuid primary key default gen_random_uuid(),
    workspace_id uuid not null references public.workspaces (id) on delete cascade,
    company_id uuid not null,
    summary text,
    icp_fit_score numeric,
    pains jsonb not null default '[]'::jsonb,
    triggers jsonb not null default '[]'::jsonb,
    recommended_angles jsonb not null default '[]'::jsonb,
    signals jsonb not null default '[]'::jsonb,
    sources jsonb not null default '[]'::jsonb,
    input_hash text,
    model text,
    mode text not null check (mode in ('llm', 'template', 'rules')),
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    unique (workspace_id, company_id),
    foreign key (workspace_id, company_id)
        references public.companies (workspace_id, id) on delete cascade
);
comment on table public.company_insights is
    'Current insights about a company (one row per company): summary, ICP fit, pains, triggers, '
    'recommended angles, dated signals with sources; mode says whether an LLM, a template or '
    'rules produced it. Written by the company_insights asset.';
create trigger set_updated_at before update on public.company_insights
    for each row execute function public.set_updated_at();

create table public.employee_insights (
    id uuid primary key default gen_random_uuid(),
    workspace_id uuid not null references public.workspaces (id) on delete cascade,
    employee_id uuid not null,
    summary text,
    icp_fit_score numeric,
    pains jsonb not null default '[]'::jsonb,
    triggers jsonb not null default '[]'::jsonb,
    recommended_angles jsonb not null default '[]'::jsonb,
    signals jsonb not null default '[]'::jsonb,
    sources jsonb not null default '[]'::jsonb,
    input_hash text,
    model text,
    mode text not null check (mode in ('llm', 'template', 'rules')),
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    unique (workspace_id, employee_id),
    foreign key (workspace_id, employee_id)
        references public.employees (workspace_id, id) on delete cascade
);
comment on table public.employee_insights is
    'Current insights about a contact (one row per employee), same shape as company_insights. '
    'Written by the employee_insights asset.';
create trigger set_updated_at before update on public.employee_insights
    for each row execute function public.set_updated_at();
