"""Replies: collection, threading, text extraction, bounces, classification, effects, metrics
(docs/replies.md). The Dagster assets and the CLI call `gtm.replies.service`."""
