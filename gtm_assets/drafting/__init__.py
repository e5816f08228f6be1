"""Drafting domain: drafts and their judgements per campaign partition (issue 5)."""
