"""The SQLite backend of `Storage` (the default): one file, through aiosqlite."""

from bot.storage.answer_writer import StorageStats
from bot.storage.migration_files import Migration
from bot.storage.sqlite.schema import load_migrations, split_sql_statements
from bot.storage.sqlite.statements import ANSWER_UPSERT_SQL, TOTALS_UPSERT_SQL, WEEKLY_UPSERT_SQL
from bot.storage.sqlite.storage import SQLiteStorage
from bot.storage.totals import GLOBAL_SCOPE

__all__ = [
    "ANSWER_UPSERT_SQL",
    "GLOBAL_SCOPE",
    "TOTALS_UPSERT_SQL",
    "WEEKLY_UPSERT_SQL",
    "Migration",
    "SQLiteStorage",
    "StorageStats",
    "load_migrations",
    "split_sql_statements",
]
