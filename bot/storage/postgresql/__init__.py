"""The PostgreSQL backend of `Storage`, for several bot processes over one database (``DATABASE_URL``)."""

from bot.storage.postgresql.schema import load_migrations
from bot.storage.postgresql.storage import PostgresStorage, redacted

__all__ = ["PostgresStorage", "load_migrations", "redacted"]
