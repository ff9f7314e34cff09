"""`PostgresStorage`: the `Storage` interface on PostgreSQL, through an asyncpg pool.

Chosen by ``DATABASE_URL=postgresql://...``; several bot processes (shards) can share one database.

Connections. A pool; each transaction holds one connection for its task, so nested storage calls by that task
run on it (as savepoints), while other tasks use other connections. asyncpg prepares every statement once per
connection and keeps it in its statement cache, so repeated queries skip parsing and planning.

Concurrency. Several processes write at once: totals and leaderboard counts only ever move by increments
under row locks (``INSERT ... ON CONFLICT ... DO UPDATE``, triggers of migration 002), never read-modify-write.
A deadlock or serialization failure rolls back the whole transaction, which is then run again (a few times)
before the caller sees `StorageUnavailable`.

Durability. A confirmed write has been committed by the server (``synchronous_commit`` as the server is
configured), so it survives the bot process being killed.

Group commit. As in SQLite, `record_answer` hands the answer to an `AnswerWriter`, which writes each batch
in one transaction and settles every waiter after COMMIT.

This module holds the pool, transactions, the integrity check and the answer path; every other query is shared
with SQLite (`bot.storage.sql.SQLStorage`), told of PostgreSQL by `bot.storage.postgresql.dialect.POSTGRESQL`.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from typing import Any, TypeAlias, TypeVar
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from bot.storage.answer_writer import AnswerWriter, PendingAnswer, answer_refusals, check_window
from bot.storage.base import AnswerInput, StorageUnavailable
from bot.storage.postgresql.dialect import POSTGRESQL
from bot.storage.postgresql.errors import TransientConflict, domain_errors
from bot.storage.postgresql.rows import answer_params
from bot.storage.postgresql.schema import load_migrations, migrate
from bot.storage.postgresql.statements import ANSWER_UPSERT_SQL
from bot.storage.sql import SQLStorage

log = logging.getLogger(__name__)

log = logging.getLogger(__name__)

PooledConnection: TypeAlias = "asyncpg.pool.PoolConnectionProxy[asyncpg.Record]"

T = TypeVar("T")

TRANSIENT_ATTEMPTS = 5
"""How many times a transaction that hit a deadlock or serialization failure is run before giving up."""


def redacted(url: str) -> str:
    """Return a database URL without its password, for logs and messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    user = f"{parts.username}:***@" if parts.username else ""
    return urlunsplit((parts.scheme, user + host, parts.path, parts.query, parts.fragment))


def _row_count(status: str) -> int:
    """Return the row count of a command status such as ``UPDATE 3`` or ``INSERT 0 1``."""
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else 0


class PostgresStorage(SQLStorage):
    """`Storage` on a PostgreSQL database; create it with `PostgresStorage.open`."""

    dialect = POSTGRESQL

    def __init__(
        self, where: str, pool: asyncpg.Pool, *, acquire_timeout: float = 30.0, answer_window: float = 0.0
    ) -> None:
        self.where = where
        self._pool = pool
        self._acquire_timeout = acquire_timeout
        self._connections: dict[asyncio.Task[Any], PooledConnection] = {}
        self._closed = False
        self._commits = 0
        self._answers = AnswerWriter(self._write_answer_batch, name="answer-writer:postgresql", window=answer_window)

    @classmethod
    async def open(
        cls,
        url: str,
        *,
        min_connections: int = 2,
        max_connections: int = 10,
        command_timeout: float = 30.0,
        lock_timeout: float = 10.0,
        answer_window: float = 0.0,
    ) -> PostgresStorage:
        """Connect to the database at `url` and migrate it (under an advisory lock, once for all processes).

        `lock_timeout` bounds how long a statement waits for a row lock, `command_timeout` how long a statement
        runs or a free connection is waited for, before `StorageUnavailable`; `answer_window` is the answers'
        commit window in seconds (bot/storage/answer_writer.py; 0: none).
        """
        check_window(answer_window)
        if not 1 <= min_connections <= max_connections:
            raise ValueError(f"need 1 <= min_connections <= max_connections, got {min_connections}, {max_connections}")
        where = redacted(url)
        settings = {
            "application_name": "orbit-trivia",
            "timezone": "UTC",
            "lock_timeout": f"{round(lock_timeout * 1000)}ms",
        }
        try:
            with domain_errors():
                pool = await asyncpg.create_pool(
                    url,
                    min_size=min_connections,
                    max_size=max_connections,
                    command_timeout=command_timeout,
                    server_settings=settings,
                )
        except asyncpg.PostgresError as exc:  # wrong password, no such database, ...
            raise StorageUnavailable(f"cannot open {where}: {exc}") from exc
        except StorageUnavailable as exc:
            raise StorageUnavailable(f"cannot open {where}: {exc.__cause__ or exc}") from exc
        migrations = load_migrations()
        try:
            async with pool.acquire() as connection:
                await migrate(connection, migrations, where)
        except BaseException:
            await pool.close()
            raise
        log.info("Opened %s (schema version %s)", where, len(migrations))
        return cls(where, pool, acquire_timeout=command_timeout, answer_window=answer_window)

    async def close(self) -> None:
        """Write every queued answer, then close the pool."""
        if self._closed:
            return
        await self._answers.drain()
        if self._closed:
            return
        self._closed = True
        try:
            await asyncio.wait_for(self._pool.close(), timeout=10)
        except (TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError, OSError) as exc:
            log.warning("Closing the pool of %s: %s; terminating it", self.where, exc)
            self._pool.terminate()
        log.info("Closed %s", self.where)

    # ------------------------------------------------------------------ plumbing

    def _task_connection(self) -> PooledConnection | None:
        task = asyncio.current_task()
        return None if task is None else self._connections.get(task)

    def _owns_transaction(self) -> bool:
        return self._task_connection() is not None

    def _ensure_open(self) -> None:
        if self._closed:
            raise StorageUnavailable(f"storage {self.where} is closed")

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        """Run the block's writes in one transaction; a nested call by the same task uses a savepoint."""
        owned = self._task_connection()
        if owned is not None:
            async with self._savepoint(owned):
                yield
            return
        self._ensure_open()
        task = asyncio.current_task()
        assert task is not None  # storage is only used from tasks
        with domain_errors():  # a pool exhausted for that long is an outage: TimeoutError -> StorageUnavailable
            connection = await self._pool.acquire(timeout=self._acquire_timeout)
        try:
            transaction = connection.transaction()
            with domain_errors():
                await transaction.start()
            self._connections[task] = connection
            try:
                yield
                with domain_errors():
                    await transaction.commit()
                self._commits += 1
            except BaseException:
                await self._quiet_rollback(transaction)
                raise
            finally:
                del self._connections[task]
        finally:
            await self._pool.release(connection)

    @asynccontextmanager
    async def _savepoint(self, connection: PooledConnection) -> AsyncIterator[None]:
        savepoint = connection.transaction()
        with domain_errors():
            await savepoint.start()
        try:
            yield
        except BaseException:
            await self._quiet_rollback(savepoint)
            raise
        with domain_errors():
            await savepoint.commit()

    async def _quiet_rollback(self, transaction: Any) -> None:
        """Undo after a failure without hiding it (the connection may be broken; the pool then replaces it)."""
        try:
            await transaction.rollback()
        except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError) as exc:
            log.debug("ROLLBACK on %s: %s", self.where, exc)

    async def _write(self, work: Callable[[], Awaitable[T]]) -> T:
        """Run `work` in a transaction; rerun it from the start after a deadlock or serialization failure.

        Inside the caller's own transaction it runs once, as a savepoint: the caller owns the retry.
        """
        if self._owns_transaction():
            async with self.transaction():
                return await work()
        attempt = 1
        while True:
            try:
                async with self.transaction():
                    return await work()
            except TransientConflict as exc:
                if attempt >= TRANSIENT_ATTEMPTS:
                    raise
                log.info("Transaction on %s hit %s; running it again (attempt %s)", self.where, exc, attempt + 1)
                await asyncio.sleep(random.uniform(0, 0.02 * attempt))
                attempt += 1

    def _writer_in_transaction(self) -> PooledConnection:
        connection = self._task_connection()
        if connection is None:
            raise RuntimeError("storage writes must run inside transaction()")
        return connection

    async def _execute(self, sql: str, *args: object) -> int:
        """Run one write inside the current transaction; return how many rows it changed."""
        connection = self._writer_in_transaction()
        with domain_errors():
            status = await connection.execute(sql, *args)
        return _row_count(status)

    async def _execute_many(self, sql: str, rows: Iterable[Sequence[object]]) -> None:
        """Run one write per row inside the current transaction (pipelined by asyncpg)."""
        connection = self._writer_in_transaction()
        with domain_errors():
            await connection.executemany(sql, list(rows))

    async def _fetch(self, sql: str, *args: object) -> list[asyncpg.Record]:
        """Run a query: on the task's connection inside its transaction (to see its writes), else a pooled one."""
        self._ensure_open()
        connection = self._task_connection()
        with domain_errors():
            if connection is not None:
                return list(await connection.fetch(sql, *args))
            async with self._pool.acquire(timeout=self._acquire_timeout) as pooled:
                return list(await pooled.fetch(sql, *args))

    # The shared queries' primitives: PostgreSQL runs the shared SQL as written.
    _rows = _fetch
    _change = _execute
    _change_many = _execute_many

    # ------------------------------------------------------------------ meta

    async def integrity_check(self) -> str:
        """Return "ok", or every inconsistency found between the totals and what they are kept from."""
        problems = []
        checks = {
            "leaderboard size differs from the number of players": """
                SELECT s.guild_id FROM leaderboard_sizes AS s
                WHERE s.week_start = '-infinity'
                  AND s.players != (SELECT count(*) FROM player_totals AS t WHERE t.guild_id = s.guild_id)
            """,
            "points histogram differs from the players' points": """
                SELECT guild_id FROM (
                    SELECT guild_id, points, count(*) AS players FROM player_totals GROUP BY guild_id, points
                ) AS actual FULL JOIN points_histogram AS h USING (guild_id, points)
                WHERE coalesce(h.players, 0) != coalesce(actual.players, 0)
            """,
        }
        for problem, sql in checks.items():
            for row in await self._fetch(sql):
                problems.append(f"{problem} in guild {row[0]}")
        return "\n".join(problems) if problems else "ok"

    # ------------------------------------------------------------------ answers

    async def record_answer(self, answer: AnswerInput) -> None:
        """Store an answer durably (the latest attempt wins); raise `QuestionNotOpen` if it came too late.

        Returns only after the batch holding the answer has been committed.
        """
        if not self._answers.accepting:
            raise StorageUnavailable(f"storage {self.where} is closed")
        if self._owns_transaction():
            raise RuntimeError("record_answer commits by itself; call it outside transaction()")
        await self._answers.submit(answer, answer_params(answer))

    async def _write_answer_batch(self, batch: Sequence[PendingAnswer]) -> dict[int, Exception]:
        """Write one batch of answers in one transaction; return the refused ones by position in the batch."""

        async def work() -> dict[int, Exception]:
            await self._execute_many(ANSWER_UPSERT_SQL, [pending.params for pending in batch])
            return await self._answer_refusals(batch)

        return await self._write(work)

    async def _answer_refusals(self, batch: Sequence[PendingAnswer]) -> dict[int, Exception]:
        """Explain, by position in the batch, each answer the upsert's WHERE clause skipped.

        Runs in the batch's transaction, after the upserts locked the open questions they wrote to, so it sees
        the questions and rounds as the upsert saw them.
        """
        ids = sorted({pending.answer.round_question_id for pending in batch})
        rows = await self._fetch(
            """
            SELECT rq.id, rq.round_id, r.guild_id FROM round_questions AS rq JOIN rounds AS r ON r.id = rq.round_id
            WHERE rq.id = ANY($1::bigint[]) AND rq.closed_at IS NULL AND r.status = 'running'
            """,
            ids,
        )
        return answer_refusals([pending.answer for pending in batch], rows)
