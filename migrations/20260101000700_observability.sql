-- AI observability: traces and every model call inside them (DESIGN §3, issue 5).
-- References to campaigns, employees and batches here are loose (no foreign keys): logging a
-- call must never fail, nor block deleting what it mentions.

create table public.ai_traces (
    id uuid primary key default gen_random_uuid(),
    workspace_id uuid not null references public.workspaces (id) on delete cascade,
    trace_id text not null,
    name text not null,
    status text not null default 'running' check (status in ('running', 'ok', 'error')),
    started_at timestamptz not null default now(),
    ended_at timestamptz,
    session_key text,
    batch_id text,
    campaign_id uuid,
    run_id text,
    metadata jsonb not null default '{}'::jsonb,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    unique (workspace_id, trace_id)
);
comment on table public.ai_traces is
    'One traced unit of AI work (an asset run, a draft regeneration, a CLI command) grouping its '
    'ai_interactions; run_id is the Dagster run. Written by the observability layer.';
create index ai_traces_started_idx on public.ai_traces (workspace_id, started_at);
create index ai_traces_campaign_idx on public.ai_traces (workspace_id, campaign_id);
create trigger set_updated_at before update on public.ai_traces
    for each row execute function public.set_updated_at();

create table public.ai_interactions (
    id uuid primary key default gen_random_uuid(),
    workspace_id uuid not null references public.workspaces (id) on delete cascade,
    trace_id text,
    span_id text not null,
    parent_span_id text,
    task text not null,
    mode text not null default 'llm' check (mode in ('llm', 'template', 'rules')),
    provider text,
    model text,
    pack text,
    pack_version text,
    input jsonb,
    output jsonb,
    error_code text,
    latency_ms integer check (latency_ms >= 0),
    tokens_in integer check (tokens_in >= 0),
    tokens_out integer check (tokens_out >= 0),
    cost_usd numeric(14, 6) check (cost_usd >= 0),
    cached boolean not null default false,
    session_key text,
    batch_id text,
    campaign_id uuid,
    employee_id uuid,
    company_id uuid,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);
comment on table public.ai_interactions is
    'Every model (or template) call: trace/span ids, task, provider, model, prompt pack and '
    'version, redacted input and output, error code, latency, tokens, cost estimate, cache hit, '
    'and what it was about (session, batch, campaign, employee). Written by the LLM layer.';
create index ai_interactions_trace_idx on public.ai_interactions (workspace_id, trace_id);
create index ai_interactions_created_idx on public.ai_interactions (workspace_id, created_at);
create index ai_interactions_campaign_idx
    on public.ai_interactions (workspace_id, campaign_id, created_at);
create index ai_interactions_errors_idx on public.ai_interactions (workspace_id, created_at)
    where error_code is not null;
create trigger set_updated_at before update on public.ai_interactions
    for each row execute function public.set_updated_at();
