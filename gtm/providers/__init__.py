"""Clients of the outside world (LLMs, research, registries, senders, mailboxes).

Each provider sits behind one interface so the rest of GTM never imports a vendor SDK directly
and every external call can be tested against a local stand-in.
"""
