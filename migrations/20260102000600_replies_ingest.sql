-- Reply collection and reply metrics (issue 7): the raw inbound message kept for reprocessing,
-- a dedupe key across folders and UIDVALIDITY changes, per-mailbox sync cursors, and the daily
-- campaign metrics table.

alter table public.reply_events
    add column raw_message bytea,
    add column dedupe_key text,
    add column references_ids text[] not null default '{}',
    add column bounce_recipients jsonb,
    add column ignored_reason text,
    add column processed_at timestamptz;
comment on column public.reply_events.raw_message is
    'The message as fetched (RFC 5322 bytes), so it can be re-parsed or re-classified later.';
comment on column public.reply_events.dedupe_key is
    'Message-ID (or sha256 of the raw message when it has none): the same message seen in two '
    'folders, or again after a UIDVALIDITY change, is stored once.';
comment on column public.reply_events.ignored_reason is
    'Why the message is not a reply (own_message: we sent it; it is kept for the audit trail).';
comment on column public.reply_events.processed_at is
    'When matching and classification ran; null = fetched, waiting for reply processing.';
comment on column public.reply_events.bounce_recipients is
    'For bounces: every failed recipient [{"address", "kind", "status", "reason"}].';
create unique index reply_events_dedupe_key
    on public.reply_events (workspace_id, dedupe_key) where dedupe_key is not null;
create index reply_events_pending_idx
    on public.reply_events (workspace_id, created_at) where processed_at is null;

alter table public.reply_events drop constraint reply_events_matched_by_check;
alter table public.reply_events add constraint reply_events_matched_by_check check (matched_by in
    ('in_reply_to', 'references', 'sender_subject', 'sender', 'company_subject',
     'original_message_id', 'bounce_recipient'));

create table public.mailbox_cursors (
    id uuid primary key default gen_random_uuid(),
    workspace_id uuid not null references public.workspaces (id) on delete cascade,
    mailbox text not null,
    uidvalidity bigint,
    last_uid bigint not null default 0 check (last_uid >= 0),
    last_synced_at timestamptz,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    unique (workspace_id, mailbox)
);
comment on table public.mailbox_cursors is
    'Where reply collection stopped in each mailbox folder: IMAP UIDVALIDITY and the highest UID '
    'fetched (a new UIDVALIDITY restarts the folder; dedupe_key keeps replies single). Maildir '
    'folders use reply_events.maildir_key instead. Written by reply collection.';
create trigger set_updated_at before update on public.mailbox_cursors
    for each row execute function public.set_updated_at();

create table public.campaign_metrics (
    id uuid primary key default gen_random_uuid(),
    workspace_id uuid not null references public.workspaces (id) on delete cascade,
    day date not null,
    campaign_id uuid not null,
    segment_id uuid,
    segment_version integer,
    pack text,
    pack_version text,
    sender_id uuid,
    sender_email text,
    provider text,
    angle text,
    sent integer not null default 0,
    delivered integer not null default 0,
    bounced_hard integer not null default 0,
    bounced_soft integer not null default 0,
    replied integer not null default 0,
    positive integer not null default 0,
    negative integer not null default 0,
    info_requests integer not null default 0,
    referrals integer not null default 0,
    unsubscribes integer not null default 0,
    out_of_office integer not null default 0,
    computed_at timestamptz not null default now(),
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    unique nulls not distinct (workspace_id, day, campaign_id, sender_id, provider, angle),
    foreign key (workspace_id, campaign_id)
        references public.campaigns (workspace_id, id) on delete cascade
);
comment on table public.campaign_metrics is
    'Outcomes of the messages sent on `day` (the send-day cohort) by campaign, sender/provider '
    'and angle, with the campaign''s segment and pack version: sent, delivered, bounces, human '
    'replies by label, OOO. Each count is of messages, so a message with an OOO and a later '
    'positive reply counts in both. Recomputed by the campaign_metrics[daily] asset.';
create index campaign_metrics_campaign_idx on public.campaign_metrics (campaign_id, day);
create trigger set_updated_at before update on public.campaign_metrics
    for each row execute function public.set_updated_at();

-- Row-level security as for every table (20260101000900_rls.sql).
alter table public.mailbox_cursors enable row level security;
create policy mailbox_cursors_member_read on public.mailbox_cursors for select to authenticated
    using (workspace_id in (select public.current_workspace_ids()));
create policy mailbox_cursors_member_write on public.mailbox_cursors for all to authenticated
    using (workspace_id in (select public.current_workspace_ids(array['owner', 'admin', 'member'])))
    with check (workspace_id in (select public.current_workspace_ids(array['owner', 'admin', 'member'])));
alter table public.campaign_metrics enable row level security;
create policy campaign_metrics_member_read on public.campaign_metrics for select to authenticated
    using (workspace_id in (select public.current_workspace_ids()));
create policy campaign_metrics_member_write on public.campaign_metrics for all to authenticated
    using (workspace_id in (select public.current_workspace_ids(array['owner', 'admin', 'member'])))
    with check (workspace_id in (select public.current_workspace_ids(array['owner', 'admin', 'member'])));
