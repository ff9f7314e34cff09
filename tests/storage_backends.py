"""One storage test, both backends: what a test needs to know about the database behind a storage."""

from __future__ import annotations

import asyncio
import itertools
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from bot.storage.opening import AnyStorage, is_postgres_url, open_storage
from bot.storage.postgresql import load_migrations as postgres_migrations
from bot.storage.sqlite import load_migrations as sqlite_migrations
from tests.postgres_cluster import PostgresCluster

BACKENDS = ("sqlite", "postgresql")
_database_numbers = itertools.count(1)


@dataclass(frozen=True)
class StorageBackend:
    """A fresh, empty database of one backend: open storages on it and look at it through its own driver."""

    name: str
    target: str | Path

    async def open(self, *, busy_timeout: float = 5.0, answer_window: float = 0.0) -> AnyStorage:
        """Open (and migrate) a storage on this database; writes wait `busy_timeout` s for others' locks, answers
        wait up to `answer_window` s for others to share their commit."""
        return await open_storage(self.target, busy_timeout=busy_timeout, answer_window=answer_window)

    @asynccontextmanager
    async def another_process_writing(self) -> AsyncIterator[None]:
        """Hold write locks from a separate connection, as another process's long transaction would."""
        if is_postgres_url(self.target):
            connection = await asyncpg.connect(str(self.target))
            try:
                transaction = connection.transaction()
                await transaction.start()
                await connection.execute("LOCK TABLE round_questions, answers, player_totals IN EXCLUSIVE MODE")
                try:
                    yield
                finally:
                    await transaction.rollback()
            finally:
                await connection.close()
            return
        blocker = sqlite3.connect(self.target, isolation_level=None)
        try:
            blocker.execute("BEGIN EXCLUSIVE")
            try:
                yield
            finally:
                blocker.execute("ROLLBACK")
        finally:
            blocker.close()

    async def scalar(self, sql: str) -> int:
        """Run a one-value query on a separate connection (what another process would see)."""
        if is_postgres_url(self.target):
            connection = await asyncpg.connect(str(self.target))
            try:
                return int(await connection.fetchval(sql))
            finally:
                await connection.close()
        with sqlite3.connect(self.target) as sqlite_connection:
            return int(sqlite_connection.execute(sql).fetchone()[0])

    @asynccontextmanager
    async def observer(self) -> AsyncIterator[Callable[[str], Awaitable[int]]]:
        """Yield a one-value query function on ONE separate connection, shared by many tasks in turn."""
        turn = asyncio.Lock()
        if is_postgres_url(self.target):
            connection = await asyncpg.connect(str(self.target))

            async def look(sql: str) -> int:
                async with turn:
                    return int(await connection.fetchval(sql))

            try:
                yield look
            finally:
                await connection.close()
            return
        sqlite_connection = sqlite3.connect(self.target)

        async def look_sqlite(sql: str) -> int:
            async with turn:
                return int(sqlite_connection.execute(sql).fetchone()[0])

        try:
            yield look_sqlite
        finally:
            sqlite_connection.close()

    @property
    def latest_version(self) -> int:
        """Return the newest schema version this code knows (the same number on both backends)."""
        return len(postgres_migrations() if self.name == "postgresql" else sqlite_migrations())

    async def schema_version(self) -> int:
        """Return the schema version stored in the database."""
        if self.name == "postgresql":
            return await self.scalar("SELECT max(version) FROM schema_version")
        return await self.scalar("PRAGMA user_version")

    async def set_schema_version(self, version: int) -> None:
        """Overwrite the stored schema version (to play a database migrated by newer code)."""
        if self.name == "postgresql":
            connection = await asyncpg.connect(str(self.target))
            try:
                await connection.execute("UPDATE schema_version SET version = $1", version)
            finally:
                await connection.close()
        else:
            with sqlite3.connect(self.target) as sqlite_connection:
                sqlite_connection.execute(f"PRAGMA user_version = {int(version)}")


async def make_backend(name: str, tmp_path: Path, cluster: PostgresCluster | None) -> StorageBackend:
    """Return a fresh database of the named backend."""
    if name == "sqlite":
        return StorageBackend(name, tmp_path / "trivia.db")
    assert cluster is not None
    return StorageBackend(name, await cluster.create_database(f"trivia_{next(_database_numbers)}"))
