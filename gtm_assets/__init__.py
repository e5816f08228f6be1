"""Dagster definitions for GTM: one folder per domain, merged in `definitions.py`."""
