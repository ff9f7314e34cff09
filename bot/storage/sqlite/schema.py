"""The SQLite schema: numbered migrations shipped as ``migrations/NNN_name.sql`` and the code that applies them.

The schema version lives in the database itself (``PRAGMA user_version``).
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Sequence
from pathlib import Path

import aiosqlite

from bot.storage.base import SchemaTooNew
from bot.storage.migration_files import Migration, read_migrations
from bot.storage.sqlite.errors import domain_errors

log = logging.getLogger(__name__)


def load_migrations() -> list[Migration]:
    """Return the SQLite migrations in order; they must be numbered 001, 002, ... without gaps."""
    return read_migrations("bot.storage.sqlite")


def split_sql_statements(script: str) -> list[str]:
    """Split a migration into statements; each must end with ';' at the end of a line."""
    statements: list[str] = []
    buffer = ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            statements.append(buffer.strip())
            buffer = ""
    leftover = [line for line in buffer.splitlines() if line.strip() and not line.strip().startswith("--")]
    if leftover:
        raise ValueError(f"incomplete SQL statement at the end of a migration: {leftover[0]!r}")
    return statements


async def migrate(connection: aiosqlite.Connection, migrations: Sequence[Migration], path: Path) -> None:
    """Bring the schema to the newest version in one transaction; refuse a database from newer code."""
    latest = len(migrations)
    with domain_errors():
        # IMMEDIATE takes the write lock before reading the version, so two processes cannot both migrate.
        await connection.execute("BEGIN IMMEDIATE")
        try:
            (version_row,) = await connection.execute_fetchall("PRAGMA user_version")
            current = int(version_row[0])
            if current > latest:
                raise SchemaTooNew(
                    f"{path} has schema version {current}, but this code only knows versions up to {latest}; "
                    "run a newer version of the bot (or restore a backup)"
                )
            for migration in migrations[current:]:
                log.info("Applying migration %s to %s", migration.name, path)
                for statement in split_sql_statements(migration.sql):
                    await connection.execute_fetchall(statement)
            if current < latest:
                await connection.execute(f"PRAGMA user_version = {latest}")
            await connection.execute("COMMIT")
        except BaseException:
            try:
                await connection.execute("ROLLBACK")
            except sqlite3.Error as exc:
                log.debug("ROLLBACK of the migration of %s: %s", path, exc)
            raise
