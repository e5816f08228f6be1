"""Sending domain: the outbox per campaign and the `sends` dispatcher run every few minutes."""
