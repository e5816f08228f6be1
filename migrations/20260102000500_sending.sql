-- The dispatcher's bookkeeping (issue 6): why a message failed, a human's decision on a held
-- one, when a campaign was auto-paused for bounces, and the indexes the per-mailbox planner and
-- cap counting read on every tick.

alter table public.messages
    add column error_cause text check (error_cause in (
        'bad_address', 'auth', 'content', 'config', 'rejected', 'unknown_outcome',
        'retries_exhausted', 'transient')),
    add column resolved_at timestamptz,
    add column resolution text check (resolution in ('sent', 'not_sent'));
comment on column public.messages.error_cause is
    'Why the last attempt failed: bad_address (also suppressed), auth, content, config, '
    'rejected (poison queue: failed + permanent); unknown_outcome (held_unknown); transient '
    '(queued again with next_attempt_at); retries_exhausted (failed after max attempts).';
comment on column public.messages.resolution is
    'A human''s decision on a held_unknown or failed message: sent (it did go out) or not_sent '
    '(queued again). Set by outbox:resolve, with resolved_at.';

alter table public.campaigns add column bounce_paused_at timestamptz;
comment on column public.campaigns.bounce_paused_at is
    'When the dispatcher last auto-paused the campaign for its bounce rate; only sends after it '
    'are judged again, so a resumed campaign gets a fresh window instead of pausing at once.';

-- The planner reads each mailbox's queue; cap counting reads each mailbox's recent sends
-- (sent_at is indexed already; reserved and held messages count by reserved_at).
create index messages_sender_queue_idx on public.messages (sender_id, status)
    where status in ('queued', 'reserved');
create index messages_sender_reserved_idx on public.messages (sender_id, reserved_at)
    where status in ('reserved', 'held_unknown');
create index messages_campaign_sent_idx on public.messages (campaign_id, sent_at desc)
    where status = 'sent';
