-- Intake: import batches, rejected rows, companies and employees (DESIGN §3, issue 3).

create table public.import_batches (
    id uuid primary key default gen_random_uuid(),
    workspace_id uuid not null references public.workspaces (id) on delete cascade,
    batch_id text not null,
    session_key text,
    source text,
    file_name text,
    kind text check (kind in ('companies', 'employees', 'contacts')),
    sha256 text not null check (sha256 ~ '^[0-9a-f]{64}$'),
    status text not null default 'pending'
        check (status in ('pending', 'running', 'applied', 'failed', 'skipped')),
    forced boolean not null default false,
    mapping jsonb not null default '{}'::jsonb,
    report jsonb not null default '{}'::jsonb,
    error text,
    started_at timestamptz,
    finished_at timestamptz,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    unique (workspace_id, batch_id)
);
comment on table public.import_batches is
    'One import of one file: batch_id is the Dagster import_batch partition key; sha256 of the '
    'file is indexed, not unique, because --force may re-apply the same file. Holds the column '
    'mapping used and the import report. Written by the intake assets.';
create index import_batches_sha256_idx on public.import_batches (workspace_id, sha256);
create trigger set_updated_at before update on public.import_batches
    for each row execute function public.set_updated_at();

create table public.import_rejects (
    id uuid primary key default gen_random_uuid(),
    workspace_id uuid not null references public.workspaces (id) on delete cascade,
    batch_id text not null,
    row_number integer not null check (row_number >= 0),
    reason_code text not null,
    detail text,
    raw jsonb not null default '{}'::jsonb,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    foreign key (workspace_id, batch_id)
        references public.import_batches (workspace_id, batch_id) on delete cascade
);
comment on table public.import_rejects is
    'Every input row an import refused, with a reason code (missing_email, invalid_email, '
    'invalid_tin, unmapped_required_column, ...) and the raw row. Written by the intake assets.';
create index import_rejects_batch_idx on public.import_rejects (workspace_id, batch_id, row_number);
create trigger set_updated_at before update on public.import_rejects
    for each row execute function public.set_updated_at();

create table public.companies (
    id uuid primary key default gen_random_uuid(),
    workspace_id uuid not null references public.workspaces (id) on delete cascade,
    -- identity
    name text not null,
    normalized_name text,
    domain text,
    website text,
    legal_form text,
    tin text,
    registration_number text,
    country text check (country ~ '^[A-Z]{2}$'),
    city text,
    -- firmographics
    industry text,
    segment text,
    size_employees integer check (size_employees >= 0),
    sme_registry boolean,
    status text not null default 'new',
    research jsonb not null default '{}'::jsonb,
    -- provenance
    session_key text,
    batch_id text,
    sources jsonb not null default '[]'::jsonb,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    unique (workspace_id, id),
    foreign key (workspace_id, batch_id)
        references public.import_batches (workspace_id, batch_id) on delete set null (batch_id)
);
comment on table public.companies is
    'Deduplicated companies (accounts): identity, firmographics, research, provenance. Dedupe '
    'keys in order: tin, registration_number+country, domain, normalized_name+country. Written '
    'by intake and enrichment.';
comment on column public.companies.country is 'ISO 3166-1 alpha-2, upper case.';
comment on column public.companies.batch_id is 'import_batches.batch_id that created the row.';
comment on column public.companies.sources is 'Provenance list: [{batch_id, source, session_key, at}].';
create unique index companies_tin_key
    on public.companies (workspace_id, tin) where tin is not null;
create unique index companies_registration_number_key
    on public.companies (workspace_id, registration_number, country)
    where registration_number is not null and country is not null;
create index companies_domain_idx on public.companies (workspace_id, domain);
create index companies_normalized_name_idx
    on public.companies (workspace_id, normalized_name, country);
create index companies_country_idx on public.companies (workspace_id, country);
create index companies_industry_idx on public.companies (workspace_id, industry);
create index companies_segment_idx on public.companies (workspace_id, segment);
create index companies_batch_idx on public.companies (workspace_id, batch_id);
create trigger set_updated_at before update on public.companies
    for each row execute function public.set_updated_at();

create table public.employees (
    id uuid primary key default gen_random_uuid(),
    workspace_id uuid not null references public.workspaces (id) on delete cascade,
    company_id uuid,
    first_name text,
    last_name text,
    full_name text,
    email text,
    position text,
    seniority text,
    department text,
    linkedin_url text,
    phone text,
    country text check (country ~ '^[A-Z]{2}$'),
    city text,
    timezone text,
    language text,
    -- outreach state (the PRD's fields; the sender keeps them current)
    client_status text,
    campaign_status text,
    campaign_number integer,
    outreach_sent_date timestamptz,
    testing_status text,
    -- reply flags (set by reply processing)
    reply_positive boolean not null default false,
    reply_negative boolean not null default false,
    reply_info_request boolean not null default false,
    reply_bounce boolean not null default false,
    ai_research_data jsonb not null default '{}'::jsonb,
    -- provenance
    session_key text,
    batch_id text,
    sources jsonb not null default '[]'::jsonb,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    unique (workspace_id, id),
    foreign key (workspace_id, company_id)
        references public.companies (workspace_id, id) on delete set null (company_id),
    foreign key (workspace_id, batch_id)
        references public.import_batches (workspace_id, batch_id) on delete set null (batch_id)
);
comment on table public.employees is
    'Contacts (people at companies): names, email (unique per workspace, case-insensitive), '
    'role, location, outreach state, reply flags, research, provenance. Written by intake, '
    'enrichment, sending and reply processing.';
comment on column public.employees.outreach_sent_date is 'When the last outreach email was sent.';
create unique index employees_email_key
    on public.employees (workspace_id, lower(email)) where email is not null;
create index employees_company_idx on public.employees (workspace_id, company_id);
create index employees_country_idx on public.employees (workspace_id, country);
-- starts_with / equality on lower(position): lower(position) like 'head of%'
create index employees_position_idx
    on public.employees (workspace_id, lower(position) text_pattern_ops);
create index employees_outreach_sent_idx on public.employees (workspace_id, outreach_sent_date);
create index employees_campaign_status_idx on public.employees (workspace_id, campaign_status);
create index employees_client_status_idx on public.employees (workspace_id, client_status);
create index employees_batch_idx on public.employees (workspace_id, batch_id);
create trigger set_updated_at before update on public.employees
    for each row execute function public.set_updated_at();

-- Case-insensitive "contains" on position needs trigrams. pg_trgm ships with PostgreSQL contrib
-- and with Supabase but not with the embedded pgserver build: use it where it exists.
do $trgm$
declare
    opclass_schema text;
begin
    if not exists (select 1 from pg_catalog.pg_available_extensions where name = 'pg_trgm') then
        raise notice 'pg_trgm not available: employees.position contains-search stays unindexed';
        return;
    end if;
    if not exists (select 1 from pg_catalog.pg_extension where extname = 'pg_trgm') then
        create schema if not exists extensions;
        create extension pg_trgm with schema extensions;
    end if;
    select n.nspname into opclass_schema
    from pg_catalog.pg_opclass o join pg_catalog.pg_namespace n on n.oid = o.opcnamespace
    where o.opcname = 'gin_trgm_ops';
    execute format(
        'create index employees_position_trgm_idx on public.employees using gin (position %I.gin_trgm_ops)',
        opclass_schema);
end
$trgm$;
