"""The one exception tree of GTM.

Callers (CLI, Dagster retry policies, the outbox) decide what to do by type, never by message:
a `TerminalError` will fail the same way if retried, a `TransientError` may succeed later.
"""

from __future__ import annotations


class GtmError(Exception):
    """Root of every error GTM raises on purpose. `str(err)` is one line a user can act on."""


class TerminalError(GtmError):
    """Retrying will not help: bad input, bad configuration, a broken invariant."""


class TransientError(GtmError):
    """Retrying may help: a timeout, a rate limit, a server that is still starting."""


class ConfigError(TerminalError):
    """A setting or environment variable is missing or invalid; the message names it."""


class MigrationError(TerminalError):
    """The migration ledger and the migration files disagree, or a migration failed."""
