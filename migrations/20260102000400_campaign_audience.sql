-- When a campaign's audience was frozen and how large it was (issue 4). An empty audience is a
-- legitimate snapshot, so "no members" cannot stand for "not frozen yet".

alter table public.campaigns
    add column audience_frozen_at timestamptz,
    add column audience_size integer check (audience_size >= 0),
    add column audience_excluded jsonb not null default '{}'::jsonb;
comment on column public.campaigns.audience_frozen_at is
    'Set once, when campaign_members was filled from the segment version; never re-filled after.';
comment on column public.campaigns.audience_excluded is
    'Matching contacts left out of the snapshot, by reason: {"no_email": 3, "suppressed": 1}.';
alter table public.campaigns alter column status set default 'drafting';
