"""The PostgreSQL schema: numbered migrations (the same version numbers as SQLite's) and the code applying them.

The version lives in the database (table ``schema_version``). Migrating runs in one transaction that first
takes a transaction-level advisory lock, so when several bot processes start at once exactly one migrates and
the others wait, then find the schema current.
"""

from __future__ import annotations

import logging
from typing import TypeAlias

import asyncpg

from bot.storage.base import SchemaTooNew
from bot.storage.migration_files import Migration, read_migrations
from bot.storage.postgresql.errors import domain_errors

log = logging.getLogger(__name__)

AnyConnection: TypeAlias = "asyncpg.Connection[asyncpg.Record] | asyncpg.pool.PoolConnectionProxy[asyncpg.Record]"

MIGRATION_LOCK_KEY = 0x0AB17_7217_1A
"""The advisory lock every process takes to migrate (any constant; only this application uses it)."""


def load_migrations() -> list[Migration]:
    """Return the PostgreSQL migrations in order; they must be numbered 001, 002, ... without gaps."""
    return read_migrations("bot.storage.postgresql")


async def schema_version(connection: AnyConnection) -> int:
    """Return the database's schema version (0 for an empty database)."""
    with domain_errors():
        if await connection.fetchval("SELECT to_regclass('schema_version')") is None:
            return 0
        return int(await connection.fetchval("SELECT coalesce(max(version), 0) FROM schema_version"))


async def migrate(connection: AnyConnection, migrations: list[Migration], where: str) -> None:
    """Bring the schema to the newest version in one transaction; refuse a database from newer code."""
    latest = len(migrations)
    with domain_errors():
        async with connection.transaction():
            await connection.execute("SELECT pg_advisory_xact_lock($1)", MIGRATION_LOCK_KEY)
            await connection.execute("CREATE TABLE IF NOT EXISTS schema_version (version integer NOT NULL)")
            current = await schema_version(connection)
            if current > latest:
                raise SchemaTooNew(
                    f"{where} has schema version {current}, but this code only knows versions up to {latest}; "
                    "run a newer version of the bot (or restore a backup)"
                )
            for migration in migrations[current:]:
                log.info("Applying migration %s to %s", migration.name, where)
                await connection.execute(migration.sql)
            if current < latest:
                await connection.execute("DELETE FROM schema_version")
                await connection.execute("INSERT INTO schema_version (version) VALUES ($1)", latest)
