"""Sending: mailboxes, windows and the Postgres outbox (docs/sending.md).

senders    mailbox identities (caps, window, zone, ramp-up)      window / clock  DST-correct windows
outbox     approved drafts -> composed, pre-flight-checked messages
preflight  the checks run at queue time and inside each reservation
planner    pure slot computation per mailbox; scheduling  its database side
dispatch   one at-most-once tick: reserve (committed) -> provider -> outcome
bounces    bounce-rate auto-pause                                 store / export  outbox reads, CSV
"""
