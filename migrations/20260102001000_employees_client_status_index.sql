-- Drop employees_client_status_idx (workspace_id, client_status): every import writes each of
-- an employees index's entries, and this one serves no query. Segment filters compare text
-- case-insensitively (gtm/segments/compile.py: lower(e.client_status) = lower(value), in,
-- not in, between), which employees_client_status_lower_idx serves; no other query filters or
-- sorts on the bare column (checked with grep over gtm/ and gtm_assets/).
-- employees_campaign_status_idx, companies_industry_idx and companies_segment_idx are redundant
-- beside their lower() twins for the same reason, but tests/db/test_schema.py still lists them.
-- Indexes only, no table: RLS stays as 20260101000900_rls.sql sets it.
drop index if exists public.employees_client_status_idx;
