"""The SQLite schema: numbered migrations shipped as ``migrations/NNN_name.sql`` and the code that applies them.

The schema version lives in the database itself (``PRAGMA user_version``).
"""

from __future__ import annotations

import logging
import re
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import aiosqlite

from bot.storage.base import SchemaTooNew
from bot.storage.sqlite.errors import domain_errors

log = logging.getLogger(__name__)

_MIGRATION_NAME = re.compile(r"(\d{3})_[a-z0-9_]+\.sql")


@dataclass(frozen=True, slots=True)
class Migration:
    """One numbered schema change, shipped as ``migrations/NNN_name.sql``."""

    version: int
    name: str
    sql: str


def load_migrations() -> list[Migration]:
    """Return the bundled migrations in order; they must be numbered 001, 002, ... without gaps."""
    folder = resources.files("bot.storage.sqlite").joinpath("migrations")
    migrations = []
    for entry in folder.iterdir():
        match = _MIGRATION_NAME.fullmatch(entry.name)
        if match:
            migrations.append(Migration(int(match[1]), entry.name, entry.read_text(encoding="utf-8")))
    migrations.sort(key=lambda migration: migration.version)
    versions = [migration.version for migration in migrations]
    if versions != list(range(1, len(migrations) + 1)):
        raise RuntimeError(f"migrations must be numbered 001, 002, ... without gaps; found {versions}")
    return migrations


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
