-- The outbox, replies and the suppression list (DESIGN §3, issues 6 and 7).

create table public.messages (
    id uuid primary key default gen_random_uuid(),
    workspace_id uuid not null references public.workspaces (id) on delete cascade,
    campaign_id uuid not null,
    employee_id uuid not null,
    draft_id uuid,
    sender_id uuid not null,
    step integer not null default 1 check (step >= 1),
    to_email text not null,
    subject text not null,
    body text not null,
    headers jsonb not null default '{}'::jsonb,
    rfc_message_id text not null unique,
    in_reply_to text,
    scheduled_at timestamptz,
    status text not null default 'queued' check (status in
        ('queued', 'reserved', 'sent', 'failed', 'held_unknown', 'cancelled', 'blocked')),
    reserved_at timestamptz,
    reserved_by text,
    sent_at timestamptz,
    attempts integer not null default 0 check (attempts >= 0),
    next_attempt_at timestamptz,
    last_error text,
    error_kind text check (error_kind in ('transient', 'permanent', 'unknown')),
    blocked_reason text,
    provider text,
    provider_message_id text,
    idempotency_key text,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    unique (campaign_id, employee_id, step),
    unique (workspace_id, id),
    check (status <> 'reserved' or reserved_at is not null),
    check (status <> 'sent' or sent_at is not null),
    check (status <> 'blocked' or blocked_reason is not null),
    foreign key (workspace_id, campaign_id) references public.campaigns (workspace_id, id),
    foreign key (workspace_id, employee_id) references public.employees (workspace_id, id),
    foreign key (workspace_id, draft_id)
        references public.drafts (workspace_id, id) on delete set null (draft_id),
    foreign key (workspace_id, sender_id) references public.senders (workspace_id, id)
);
comment on table public.messages is
    'The outbox: one email per (campaign, contact, step), its RFC 5322 Message-ID fixed before '
    'any send. Status queued -> reserved -> sent | failed | held_unknown | cancelled, or blocked '
    'by pre-flight. Dispatchers reserve with FOR UPDATE SKIP LOCKED; a reserved message whose '
    'outcome is unknown after a crash goes to held_unknown and is never retried automatically. '
    'Campaigns, contacts and senders with messages cannot be deleted (history). Written by '
    'approval and the dispatcher.';
comment on column public.messages.error_kind is
    'transient (retried with backoff), permanent (poison queue), unknown (held for a human).';
create index messages_dispatch_idx on public.messages (scheduled_at) where status = 'queued';
create index messages_stuck_idx on public.messages (status, reserved_at)
    where status in ('reserved', 'held_unknown');
create index messages_sender_sent_idx on public.messages (sender_id, sent_at)
    where status = 'sent';
create index messages_campaign_status_idx on public.messages (campaign_id, status);
create index messages_employee_idx on public.messages (workspace_id, employee_id);
create unique index messages_idempotency_key
    on public.messages (workspace_id, idempotency_key) where idempotency_key is not null;
create trigger set_updated_at before update on public.messages
    for each row execute function public.set_updated_at();

create table public.reply_events (
    id uuid primary key default gen_random_uuid(),
    workspace_id uuid not null references public.workspaces (id) on delete cascade,
    message_id uuid,
    employee_id uuid,
    company_id uuid,
    mailbox text not null,
    uidvalidity bigint,
    uid bigint,
    maildir_key text,
    rfc_message_id text,
    in_reply_to text,
    matched_by text check (matched_by in ('in_reply_to', 'references', 'sender_subject', 'sender')),
    from_email text,
    subject text,
    body_text text,
    received_at timestamptz,
    label text check (label in ('positive', 'negative', 'info_request', 'referral',
                                'out_of_office', 'unsubscribe', 'bounce')),
    confidence numeric check (confidence between 0 and 1),
    classifier text check (classifier in ('header', 'rules', 'llm')),
    reason text,
    referral jsonb,
    bounce_kind text check (bounce_kind in ('hard', 'soft')),
    smtp_status text,
    effects_applied_at timestamptz,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    check (uid is null or uidvalidity is not null),
    check (label is null or classifier is not null),
    check (bounce_kind is null or label = 'bounce'),
    foreign key (workspace_id, message_id)
        references public.messages (workspace_id, id) on delete set null (message_id),
    foreign key (workspace_id, employee_id)
        references public.employees (workspace_id, id) on delete set null (employee_id),
    foreign key (workspace_id, company_id)
        references public.companies (workspace_id, id) on delete set null (company_id)
);
comment on table public.reply_events is
    'One inbound message (reply, autoresponse or bounce) tied to the message it answers: label '
    'with confidence and classifier (header, rules, llm), bounce kind and SMTP status, extracted '
    'reply text. Unique by mailbox position (IMAP uidvalidity+uid, or Maildir key) so a message '
    'is processed once; effects_applied_at marks flags/suppressions/stops done. Written by reply '
    'processing.';
comment on column public.reply_events.referral is 'For label referral: {"name", "email"} when extracted.';
create unique index reply_events_imap_key
    on public.reply_events (workspace_id, mailbox, uidvalidity, uid) where uid is not null;
create unique index reply_events_maildir_key
    on public.reply_events (workspace_id, mailbox, maildir_key) where maildir_key is not null;
create index reply_events_message_idx on public.reply_events (message_id);
create index reply_events_employee_idx on public.reply_events (workspace_id, employee_id);
create index reply_events_received_idx on public.reply_events (workspace_id, received_at);
create trigger set_updated_at before update on public.reply_events
    for each row execute function public.set_updated_at();

create table public.suppressions (
    id uuid primary key default gen_random_uuid(),
    workspace_id uuid not null references public.workspaces (id) on delete cascade,
    email text not null,
    reason text not null check (reason in ('unsubscribe', 'hard_bounce', 'complaint',
                                           'invalid_address', 'manual', 'do_not_contact')),
    source text,
    note text,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);
comment on table public.suppressions is
    'Addresses never to be mailed (unsubscribe, hard bounce, complaint, invalid address, manual). '
    'Checked on every send path. Unique per workspace case-insensitively. Written by reply '
    'processing, the dispatcher and by hand.';
create unique index suppressions_email_key on public.suppressions (workspace_id, lower(email));
create trigger set_updated_at before update on public.suppressions
    for each row execute function public.set_updated_at();
