-- The judge's verdicts on drafts, one row per draft version (issue 5).
--
-- drafts.risk_score and drafts.judge hold the current verdict (the review queue's "high risk"
-- filter reads them); this table keeps every version's, so a regenerated or edited draft does not
-- erase what the judge said about the text a human then changed, and the judge can be calibrated
-- against what reviewers and recipients did.

create table public.draft_judgements (
    id uuid primary key default gen_random_uuid(),
    workspace_id uuid not null references public.workspaces (id) on delete cascade,
    campaign_id uuid not null,
    draft_id uuid not null,
    draft_version integer not null check (draft_version >= 1),
    source text not null check (source in ('llm', 'rules')),
    model text,
    risk_score numeric not null check (risk_score >= 0 and risk_score <= 1),
    quality_score numeric check (quality_score >= 0 and quality_score <= 1),
    scores jsonb not null default '{}'::jsonb,
    reasons jsonb not null default '[]'::jsonb,
    guardrail_failures jsonb not null default '[]'::jsonb,
    error text,
    trace_id text,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    unique (draft_id, draft_version),
    foreign key (workspace_id, campaign_id)
        references public.campaigns (workspace_id, id) on delete cascade,
    foreign key (workspace_id, draft_id)
        references public.drafts (workspace_id, id) on delete cascade
);
comment on table public.draft_judgements is
    'The LLM-as-judge (source llm) or rules-only (source rules, template mode) verdict on one '
    'version of a draft: risk 0 (send as is) to 1 (do not send), quality 0-1, rubric scores, '
    'reasons and failed guardrails; trace_id links the ai_interactions of the judging call. '
    'Written by the draft_judgements asset and draft regeneration.';
create index draft_judgements_campaign_idx on public.draft_judgements (campaign_id, risk_score desc);
create trigger set_updated_at before update on public.draft_judgements
    for each row execute function public.set_updated_at();

alter table public.draft_judgements enable row level security;
create policy draft_judgements_member_read on public.draft_judgements for select to authenticated
    using (workspace_id in (select public.current_workspace_ids()));
create policy draft_judgements_member_write on public.draft_judgements for all to authenticated
    using (workspace_id in (select public.current_workspace_ids(array['owner', 'admin', 'member'])))
    with check (workspace_id in (select public.current_workspace_ids(array['owner', 'admin', 'member'])));
