"""Database access: one connection path (embedded PostgreSQL or a URL) and the migration runner."""

from gtm.db.connect import connect, database_url

__all__ = ["connect", "database_url"]
