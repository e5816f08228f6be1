"""Sending: mailbox identities, sending windows, and (issue 6) the outbox and its adapters."""
