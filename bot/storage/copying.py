"""``python -m bot copy-db SOURCE TARGET``: copy every row between SQLite and PostgreSQL, then prove the copy.

Both ends are first opened as storages, so both are migrated to the current schema. The target must be empty.
The source is read from one snapshot (one read transaction), so a bot still writing to it cannot tear the
copy. Rows are copied table by table, in foreign-key order and keeping their ids, inside ONE transaction on
the target; the leaderboard counts of migration 002 are rebuilt by the target's own triggers. Before
committing, the per-player totals and per-player answer counts read back from the target must equal the
source's, or the whole copy is rolled back.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import sqlite3
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import aiosqlite
import asyncpg

from bot.storage.base import StorageError
from bot.storage.opening import is_postgres_url, open_storage
from bot.storage.postgresql.errors import domain_errors as postgres_errors
from bot.storage.postgresql.storage import redacted
from bot.storage.sqlite.errors import domain_errors as sqlite_errors

log = logging.getLogger(__name__)

CHUNK_ROWS = 5_000


@dataclass(frozen=True, slots=True)
class Table:
    """A table copied as is: its columns, its key order, and which columns hold times, dates or booleans."""

    name: str
    columns: tuple[str, ...]
    order_by: str
    times: frozenset[str] = field(default_factory=frozenset)
    dates: frozenset[str] = field(default_factory=frozenset)
    booleans: frozenset[str] = field(default_factory=frozenset)
    identity: bool = False


TABLES: tuple[Table, ...] = (
    Table("meta", ("key", "value"), "key"),
    Table("guild_settings", ("guild_id", "default_questions", "default_seconds"), "guild_id"),
    Table(
        "rounds",
        (
            "id",
            "guild_id",
            "channel_id",
            "starter_id",
            "question_count",
            "seconds",
            "category",
            "kind",
            "status",
            "started_at",
            "ended_at",
            "winner_id",
        ),
        "id",
        times=frozenset({"started_at", "ended_at"}),
        identity=True,
    ),
    Table(
        "round_questions",
        (
            "id",
            "round_id",
            "position",
            "question_id",
            "fact_id",
            "kind",
            "correct_choice",
            "opened_at",
            "deadline_at",
            "message_id",
            "closed_at",
        ),
        "id",
        times=frozenset({"opened_at", "deadline_at", "closed_at"}),
        identity=True,
    ),
    Table(
        "answers",
        (
            "round_question_id",
            "user_id",
            "guild_id",
            "choice",
            "text",
            "correct",
            "credit",
            "points",
            "attempts",
            "answered_at",
            "elapsed_ms",
        ),
        "round_question_id, user_id",
        times=frozenset({"answered_at"}),
        booleans=frozenset({"correct"}),
    ),
    Table(
        "player_totals",
        ("guild_id", "user_id", "points", "answers", "correct", "best_streak", "rounds_played", "rounds_won"),
        "guild_id, user_id",
    ),
    Table(
        "player_weekly",
        ("guild_id", "week_start", "user_id", "points", "answers", "correct"),
        "guild_id, week_start, user_id",
        dates=frozenset({"week_start"}),
    ),
    Table(
        "guild_aliases",
        ("guild_id", "fact_id", "alias", "added_by", "added_at"),
        "guild_id, fact_id, alias",
        times=frozenset({"added_at"}),
    ),
    Table(
        "disputes",
        (
            "id",
            "round_question_id",
            "guild_id",
            "user_id",
            "answer_text",
            "status",
            "created_at",
            "decided_by",
            "decided_at",
            "points_awarded",
        ),
        "id",
        times=frozenset({"created_at", "decided_at"}),
        identity=True,
    ),
    Table(
        "guild_packs",
        (
            "id",
            "guild_id",
            "name",
            "title",
            "document_date",
            "document_text",
            "pack_json",
            "created_by",
            "created_at",
        ),
        "id",
        times=frozenset({"created_at"}),
        dates=frozenset({"document_date"}),
        identity=True,
    ),
    Table(
        "guild_pack_facts",
        ("pack_id", "position", "fact_id", "status", "answer", "fact_json"),
        "pack_id, position",
    ),
)

TOTALS_SUMMARY_SQL = """
SELECT guild_id, user_id, points, answers, correct, best_streak, rounds_played, rounds_won
FROM player_totals ORDER BY guild_id, user_id
"""
ANSWER_COUNTS_SQL = "SELECT user_id, count(*) FROM answers GROUP BY user_id ORDER BY user_id"


class CopyRefused(StorageError):  # noqa: N818
    """The copy was not started (same database, missing source, non-empty target)."""


class CopyMismatch(StorageError):  # noqa: N818
    """The copied totals or answer counts differ from the source's; nothing was committed."""


@dataclass(frozen=True, slots=True)
class CopyReport:
    """What was copied: rows per table, players with totals, answers."""

    rows: dict[str, int]
    players: int
    answers: int


@dataclass(frozen=True, slots=True)
class Summary:
    """Per-player totals and per-player answer counts, compared between source and target."""

    totals: list[tuple[int, ...]]
    answer_counts: list[tuple[int, int]]


class _End(Protocol):
    def read(self, table: Table) -> AsyncIterator[list[tuple[Any, ...]]]: ...

    async def write(self, table: Table, rows: Sequence[tuple[Any, ...]]) -> None: ...

    async def count(self, table: Table) -> int: ...

    async def summary(self) -> Summary: ...

    async def begin(self) -> None: ...

    async def begin_snapshot(self) -> None: ...

    async def finish_load(self) -> None: ...

    async def commit(self) -> None: ...

    async def rollback(self) -> None: ...


class _SQLiteEnd:
    """Rows of a SQLite file in canonical Python values (aware UTC datetimes, dates, bools)."""

    def __init__(self, connection: aiosqlite.Connection) -> None:
        self.connection = connection

    async def read(self, table: Table) -> AsyncIterator[list[tuple[Any, ...]]]:
        with sqlite_errors():
            cursor = await self.connection.execute(
                f"SELECT {', '.join(table.columns)} FROM {table.name} ORDER BY {table.order_by}"
            )
        try:
            while True:
                with sqlite_errors():
                    rows = list(await cursor.fetchmany(CHUNK_ROWS))
                if not rows:
                    return
                yield [_row_from_sqlite(table, row) for row in rows]
        finally:
            await cursor.close()

    async def write(self, table: Table, rows: Sequence[tuple[Any, ...]]) -> None:
        placeholders = ", ".join("?" * len(table.columns))
        with sqlite_errors():
            await self.connection.executemany(
                f"INSERT INTO {table.name} ({', '.join(table.columns)}) VALUES ({placeholders})",
                [
                    tuple(_to_sqlite(column, value, table) for column, value in zip(table.columns, row, strict=True))
                    for row in rows
                ],
            )

    async def count(self, table: Table) -> int:
        with sqlite_errors():
            ((count,),) = await self.connection.execute_fetchall(f"SELECT count(*) FROM {table.name}")
        return int(count)

    async def summary(self) -> Summary:
        with sqlite_errors():
            totals = await self.connection.execute_fetchall(TOTALS_SUMMARY_SQL)
            counts = await self.connection.execute_fetchall(ANSWER_COUNTS_SQL)
        return Summary([tuple(row) for row in totals], [(int(row[0]), int(row[1])) for row in counts])

    async def begin(self) -> None:
        with sqlite_errors():
            await self.connection.execute("BEGIN IMMEDIATE")

    async def begin_snapshot(self) -> None:
        """Read everything from one snapshot (WAL: a read transaction sees the database as of its first read)."""
        with sqlite_errors():
            await self.connection.execute("BEGIN")

    async def finish_load(self) -> None:
        """Nothing to do: INTEGER PRIMARY KEY ids continue after the largest one by themselves."""

    async def commit(self) -> None:
        with sqlite_errors():
            await self.connection.execute("COMMIT")

    async def rollback(self) -> None:
        await self.connection.execute("ROLLBACK")


class _PostgresEnd:
    """Rows of a PostgreSQL database (asyncpg already speaks canonical Python values)."""

    def __init__(self, connection: asyncpg.Connection) -> None:
        self.connection = connection
        self.transaction: Any = None

    async def read(self, table: Table) -> AsyncIterator[list[tuple[Any, ...]]]:
        # A server-side cursor (inside the snapshot transaction): one pass over the table, CHUNK_ROWS at a time.
        with postgres_errors():
            cursor = await self.connection.cursor(
                f"SELECT {', '.join(table.columns)} FROM {table.name} ORDER BY {table.order_by}"
            )
        while True:
            with postgres_errors():
                rows = await cursor.fetch(CHUNK_ROWS)
            if not rows:
                return
            yield [tuple(row) for row in rows]

    async def write(self, table: Table, rows: Sequence[tuple[Any, ...]]) -> None:
        with postgres_errors():
            # COPY: fast, and row triggers (the leaderboard counts) still fire.
            await self.connection.copy_records_to_table(table.name, records=rows, columns=list(table.columns))

    async def count(self, table: Table) -> int:
        with postgres_errors():
            return int(await self.connection.fetchval(f"SELECT count(*) FROM {table.name}"))

    async def summary(self) -> Summary:
        with postgres_errors():
            totals = await self.connection.fetch(TOTALS_SUMMARY_SQL)
            counts = await self.connection.fetch(ANSWER_COUNTS_SQL)
        return Summary([tuple(row) for row in totals], [(int(row[0]), int(row[1])) for row in counts])

    async def begin(self) -> None:
        self.transaction = self.connection.transaction()
        with postgres_errors():
            await self.transaction.start()

    async def begin_snapshot(self) -> None:
        """Read everything from one snapshot, even while bots keep writing."""
        self.transaction = self.connection.transaction(isolation="repeatable_read", readonly=True)
        with postgres_errors():
            await self.transaction.start()

    async def finish_load(self) -> None:
        """Move each identity past the copied ids, so new rounds, questions and disputes get fresh ones."""
        for table in TABLES:
            if table.identity:
                with postgres_errors():
                    await self.connection.execute(
                        f"""
                        SELECT setval(pg_get_serial_sequence('{table.name}', 'id'),
                                      coalesce(max(id), 1), max(id) IS NOT NULL) FROM {table.name}
                        """
                    )

    async def commit(self) -> None:
        with postgres_errors():
            await self.transaction.commit()

    async def rollback(self) -> None:
        await self.transaction.rollback()


def _row_from_sqlite(table: Table, row: Sequence[Any]) -> tuple[Any, ...]:
    return tuple(_from_sqlite(table, column, value) for column, value in zip(table.columns, row, strict=True))


def _row_to_sqlite(table: Table, row: Sequence[Any]) -> tuple[Any, ...]:
    return tuple(_to_sqlite(column, value, table) for column, value in zip(table.columns, row, strict=True))


def _from_sqlite(table: Table, column: str, value: Any) -> Any:
    if value is None:
        return None
    if column in table.times:
        return dt.datetime.fromisoformat(value).astimezone(dt.UTC)
    if column in table.dates:
        return dt.date.fromisoformat(value)
    if column in table.booleans:
        return bool(value)
    return value


def _to_sqlite(column: str, value: Any, table: Table) -> Any:
    if value is None:
        return None
    if column in table.times:
        return value.astimezone(dt.UTC).isoformat(timespec="microseconds")
    if column in table.dates:
        return value.isoformat()
    if column in table.booleans:
        return int(value)
    return value


def describe(target: str | Path) -> str:
    """Return a database's name for messages (a URL without its password)."""
    return redacted(str(target)) if is_postgres_url(target) else str(target)


@asynccontextmanager
async def _connect(target: str | Path) -> AsyncIterator[_End]:
    if is_postgres_url(target):
        with postgres_errors():
            connection = await asyncpg.connect(str(target))
        try:
            yield _PostgresEnd(connection)
        finally:
            await connection.close()
    else:
        with sqlite_errors():
            sqlite_connection = await aiosqlite.connect(target, isolation_level=None)
        try:
            await sqlite_connection.execute("PRAGMA foreign_keys = ON")
            yield _SQLiteEnd(sqlite_connection)
        finally:
            await sqlite_connection.close()


async def copy_database(source: str | Path, target: str | Path) -> CopyReport:
    """Copy every row of `source` into the empty `target`, check totals and answer counts, and commit.

    Raises `CopyRefused` before writing anything, `CopyMismatch` (nothing committed) if the check fails.
    """
    if str(source) == str(target):
        raise CopyRefused("the source and the target are the same database")
    if not is_postgres_url(source) and not await asyncio.to_thread(Path(source).is_file):
        raise CopyRefused(f"the source {source} does not exist")
    for end in (source, target):  # create or migrate both to the current schema
        storage = await open_storage(end)
        await storage.close()
    async with _connect(source) as reader, _connect(target) as writer:
        filled = [table.name for table in TABLES if await writer.count(table)]
        if filled:
            raise CopyRefused(
                f"the target {describe(target)} is not empty (rows in {', '.join(filled)}); nothing copied"
            )
        rows: dict[str, int] = {}
        await reader.begin_snapshot()  # a consistent copy even if a bot is still writing to the source
        await writer.begin()
        try:
            for table in TABLES:
                rows[table.name] = 0
                async for chunk in reader.read(table):
                    await writer.write(table, chunk)
                    rows[table.name] += len(chunk)
                log.info("Copied %s row(s) of %s", rows[table.name], table.name)
            await writer.finish_load()
            expected, copied = await reader.summary(), await writer.summary()
            if expected != copied:
                raise CopyMismatch(_mismatch(expected, copied))
            await writer.commit()
        except BaseException:
            try:
                await writer.rollback()
            except (sqlite3.Error, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                log.debug("ROLLBACK of the copy: %s", exc)
            raise
    return CopyReport(rows=rows, players=len({row[1] for row in expected.totals}), answers=rows["answers"])


def _mismatch(expected: Summary, copied: Summary) -> str:
    problems = []
    if expected.totals != copied.totals:
        missing = set(expected.totals) - set(copied.totals)
        problems.append(f"player totals differ ({len(missing)} source row(s) not matched in the target)")
    if expected.answer_counts != copied.answer_counts:
        problems.append("per-player answer counts differ")
    return "the copy does not match its source, so nothing was committed: " + "; ".join(problems)
