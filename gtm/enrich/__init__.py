"""Enrichment: firmographics, triage, registry checks, research, signals, person enrichment,
insights and QC, each a stage run through one waterfall (`waterfall`) and cached in
`enrichment_results` (`cache`). `pipeline` has one function per stage for the assets and CLI."""

from gtm.enrich.pipeline import STAGES, run_enrichment

__all__ = ["STAGES", "run_enrichment"]
