"""Bounce protection as an asset check on `sends`: it also pauses, so it protects on its own."""

from datetime import UTC, datetime, time

import dagster as dg

from gtm.sending.bounces import bounce_rates, enforce_bounce_limits
from gtm_assets.sending.assets import sends
from gtm_resources import SupabaseResource


@dg.asset_check(asset=sends, description="No campaign reached the bounce-rate limit today "
                "(those that do are paused, with the reason, and listed here).")
def bounce_rate_below_limit(supabase: SupabaseResource) -> dg.AssetCheckResult:
    settings = supabase.settings()
    today = datetime.combine(datetime.now(UTC).date(), time(0), tzinfo=UTC)
    with supabase.connect() as conn:
        workspace_id = supabase.workspace_id(conn)
        enforce_bounce_limits(conn, workspace_id, settings)
        rates = bounce_rates(conn, workspace_id, settings, paused_since=today)
    tripped = [r.campaign for r in rates if r.over_limit or r.auto_paused_at is not None]
    return dg.AssetCheckResult(
        passed=not tripped, severity=dg.AssetCheckSeverity.ERROR,
        metadata={"auto_paused_today": dg.MetadataValue.json(tripped),
                  "threshold": settings.sending_bounce_threshold,
                  "rates": dg.MetadataValue.json([r.to_json() for r in rates])})
