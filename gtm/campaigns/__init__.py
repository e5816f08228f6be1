"""Campaigns: a frozen, ranked audience from a segment version, a sender, a pack, a lifecycle."""
