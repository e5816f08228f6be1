"""Dagster resources: typed configuration around `gtm.providers` and the database."""

from gtm_resources.supabase import SupabaseResource

__all__ = ["SupabaseResource"]
