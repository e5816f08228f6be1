-- Senders, campaigns, frozen audiences, drafts and their edit history (DESIGN §3, issues 4, 5, 8).

create table public.senders (
    id uuid primary key default gen_random_uuid(),
    workspace_id uuid not null references public.workspaces (id) on delete cascade,
    email text not null,
    display_name text,
    reply_to text,
    provider text not null default 'file',
    config jsonb not null default '{}'::jsonb,
    daily_cap integer not null default 50 check (daily_cap >= 0),
    hourly_cap integer check (hourly_cap >= 0),
    min_gap_seconds integer not null default 60 check (min_gap_seconds >= 0),
    jitter_seconds integer not null default 0 check (jitter_seconds >= 0),
    send_window jsonb not null default '{}'::jsonb,
    timezone text not null default 'UTC',
    ramp_up jsonb,
    active boolean not null default true,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    unique (workspace_id, id)
);
comment on table public.senders is
    'A sending mailbox identity: address, provider (file, smtp, resend, smartlead, ...), '
    'non-secret provider config (secrets come from env), caps shared across campaigns, minimum '
    'gap, sending window (days/hours), time zone and ramp-up. Written by sender:add.';
comment on column public.senders.send_window is
    'Sending window, e.g. {"days": [1,2,3,4,5], "start": "09:00", "end": "17:00"}.';
create unique index senders_email_key on public.senders (workspace_id, lower(email));
create trigger set_updated_at before update on public.senders
    for each row execute function public.set_updated_at();

create table public.campaigns (
    id uuid primary key default gen_random_uuid(),
    workspace_id uuid not null references public.workspaces (id) on delete cascade,
    name text not null,
    description text,
    segment_id uuid,
    segment_version integer,
    icp_version integer,
    sender_id uuid,
    pack text,
    pack_version text,
    status text not null default 'draft' check (status in (
        'draft', 'drafting', 'generating', 'review', 'ready', 'scheduled',
        'sending', 'paused', 'completed', 'cancelled', 'archived')),
    status_reason text,
    schedule jsonb not null default '{}'::jsonb,
    settings jsonb not null default '{}'::jsonb,
    daily_cap integer check (daily_cap >= 0),
    language text,
    started_at timestamptz,
    completed_at timestamptz,
    created_by text,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    unique (workspace_id, name),
    unique (workspace_id, id),
    check (segment_version is null or segment_id is not null),
    foreign key (workspace_id, segment_id)
        references public.segments (workspace_id, id),
    foreign key (workspace_id, segment_id, segment_version)
        references public.segment_versions (workspace_id, segment_id, version),
    foreign key (workspace_id, icp_version)
        references public.icp_profiles (workspace_id, version),
    foreign key (workspace_id, sender_id)
        references public.senders (workspace_id, id)
);
comment on table public.campaigns is
    'An outreach campaign: the segment version, ICP version and prompt pack version it was built '
    'from, its sender, lifecycle status, schedule, caps and settings (e.g. stop the account on '
    'any reply). Written by campaign:create and the lifecycle commands.';
comment on column public.campaigns.status_reason is 'Why the status last changed (e.g. auto-pause: bounce rate).';
create index campaigns_status_idx on public.campaigns (workspace_id, status);
create trigger set_updated_at before update on public.campaigns
    for each row execute function public.set_updated_at();

create table public.campaign_members (
    id uuid primary key default gen_random_uuid(),
    workspace_id uuid not null references public.workspaces (id) on delete cascade,
    campaign_id uuid not null,
    employee_id uuid not null,
    rank integer,
    score numeric,
    snapshot jsonb not null default '{}'::jsonb,
    stopped_at timestamptz,
    stop_reason text,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    unique (campaign_id, employee_id),
    foreign key (workspace_id, campaign_id)
        references public.campaigns (workspace_id, id) on delete cascade,
    foreign key (workspace_id, employee_id)
        references public.employees (workspace_id, id) on delete cascade
);
comment on table public.campaign_members is
    'The frozen audience of a campaign: one row per contact with its rank, score and a snapshot '
    'of the contact and company at creation; later imports do not change it. stopped_at marks a '
    'sequence stop (reply, unsubscribe, bounce). Written by campaign:create and reply processing.';
create index campaign_members_employee_idx on public.campaign_members (workspace_id, employee_id);
create index campaign_members_rank_idx on public.campaign_members (campaign_id, rank);
create trigger set_updated_at before update on public.campaign_members
    for each row execute function public.set_updated_at();

create table public.drafts (
    id uuid primary key default gen_random_uuid(),
    workspace_id uuid not null references public.workspaces (id) on delete cascade,
    campaign_id uuid not null,
    employee_id uuid not null,
    step integer not null default 1 check (step >= 1),
    variant text not null default 'default',
    angle text,
    language text,
    subject text,
    body text,
    status text not null default 'generated'
        check (status in ('generated', 'approved', 'skipped', 'rejected', 'sent', 'failed')),
    version integer not null default 1 check (version >= 1),
    risk_score numeric,
    judge jsonb,
    guardrails jsonb,
    mode text check (mode in ('llm', 'template', 'rules')),
    model text,
    pack text,
    pack_version text,
    error text,
    approved_at timestamptz,
    approved_by text,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    unique (campaign_id, employee_id, step, variant),
    unique (workspace_id, id),
    check (status = 'failed' or body is not null),
    foreign key (workspace_id, campaign_id)
        references public.campaigns (workspace_id, id) on delete cascade,
    foreign key (workspace_id, employee_id)
        references public.employees (workspace_id, id) on delete cascade
);
comment on table public.drafts is
    'A generated email for one contact, step and variant of a campaign, with the judge''s risk '
    'score and reasons, guardrail results and how it was made (mode, model, pack). version is '
    'for optimistic concurrency: update ... set version = version + 1 where id = $1 and '
    'version = $2; zero rows means someone else edited it. Written by drafting and review.';
create index drafts_review_idx on public.drafts (campaign_id, status, risk_score desc);
create index drafts_employee_idx on public.drafts (workspace_id, employee_id);
create trigger set_updated_at before update on public.drafts
    for each row execute function public.set_updated_at();

create table public.draft_revisions (
    id uuid primary key default gen_random_uuid(),
    workspace_id uuid not null references public.workspaces (id) on delete cascade,
    draft_id uuid not null,
    version integer not null check (version >= 1),
    subject_before text,
    subject_after text,
    body_before text,
    body_after text,
    editor text,
    editor_user_id uuid,
    reason_tag text not null check (reason_tag in
        ('tone', 'length', 'personalisation', 'accuracy', 'language', 'other', 'regenerate')),
    note text,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    unique (draft_id, version),
    foreign key (workspace_id, draft_id)
        references public.drafts (workspace_id, id) on delete cascade
);
comment on table public.draft_revisions is
    'Edit history of a draft: before/after subject and body, who edited and why (reason tag). '
    'version is the draft version the edit produced. Feeds the learning loop. Written by review.';
create trigger set_updated_at before update on public.draft_revisions
    for each row execute function public.set_updated_at();
