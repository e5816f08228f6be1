-- Indexes for segment preview and audience snapshots (issue 4; docs/segments.md "Performance").
--
-- The segment compiler (gtm/segments/compile.py) compares text case-insensitively as
-- lower(column) = lower(value), so the indexes that serve eq / in on text are on lower(column);
-- country and domains are normalised to their stored form instead and use the plain indexes of
-- the intake migration. `contains` is ILIKE '%x%': only a pg_trgm index helps it, and
-- 20260101000200_intake.sql creates one on employees.position where the extension exists
-- (Supabase, stock PostgreSQL); the embedded build has no pg_trgm, so there it is a scan.
-- Indexes only, no table: RLS stays as 20260101000900_rls.sql sets it.

-- Company filters: a selective company condition drives the plan (companies -> employees by
-- employees_company_idx).
create index companies_industry_lower_idx on public.companies (workspace_id, lower(industry));
create index companies_segment_lower_idx on public.companies (workspace_id, lower(segment));
create index companies_size_idx on public.companies (workspace_id, size_employees);

-- Employee text filters compared case-insensitively.
create index employees_seniority_lower_idx on public.employees (workspace_id, lower(seniority));
create index employees_department_lower_idx
    on public.employees (workspace_id, lower(department));
create index employees_client_status_lower_idx
    on public.employees (workspace_id, lower(client_status));
create index employees_campaign_status_lower_idx
    on public.employees (workspace_id, lower(campaign_status));

-- Reply flags are true for a few per cent of contacts: partial indexes stay tiny and answer
-- "replied positively" (a follow-up segment) by an index-only scan. The negations
-- ("never bounced") match most rows and are better served by a scan anyway.
create index employees_reply_positive_idx on public.employees (workspace_id) where reply_positive;
create index employees_reply_negative_idx on public.employees (workspace_id) where reply_negative;
create index employees_reply_info_request_idx
    on public.employees (workspace_id) where reply_info_request;
create index employees_reply_bounce_idx on public.employees (workspace_id) where reply_bounce;

-- Keyset pages in rank order: score desc, then employee_id to break ties. With employee_id in
-- the key a page is one index range scan even when thousands of contacts share a score
-- (contact_scores_rank_idx alone would sort every tie group).
create index contact_scores_keyset_idx
    on public.contact_scores (workspace_id, icp_version, score desc, employee_id);
