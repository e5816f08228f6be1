"""Campaigns domain: a frozen audience per campaign partition; drafts and the outbox follow."""
