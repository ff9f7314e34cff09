"""`SQLiteStorage`: the `Storage` interface on one SQLite file, through aiosqlite.

Connections. One *writer* connection does every write, one at a time, under an asyncio lock; a separate
*reader* connection (``query_only``) serves reads, so a leaderboard never waits for a write and never sees
half a transaction (WAL readers read a committed snapshot).

Durability. ``journal_mode=WAL`` with ``synchronous=NORMAL`` by default: a COMMIT has been written to the
WAL file (in the OS page cache) before it returns, so a confirmed answer survives the bot process being
killed (SIGKILL, OOM, crash), but the last transactions may be lost if the *machine* loses power or the OS
crashes. Pass ``synchronous="FULL"`` to `SQLiteStorage.open` to fsync the WAL on every commit as well;
group commit keeps that affordable.

Group commit. `record_answer` hands the answer to an `AnswerWriter` (bot/storage/answer_writer.py), which
writes everything queued so far as one upsert per answer inside one transaction, COMMITs, and only then
resolves every waiter. Before each batch's trip, the writer's thread is moved to the core the event loop runs on
(Linux; `affinity.CoreFollower`), where waking it and being woken by it cost far less than across cores.

Answers written at once (``answers_at_once=True``, the bot's ``SQLITE_ANSWER_WRITES=at_once``; off by default).
A third connection, used only on the event loop's thread, commits an answer right away when nothing else is
writing: measured here, an upsert and its COMMIT take about 20 µs of CPU, while the trip through aiosqlite's
thread (a queue put, a thread wake-up, a call back into the loop, and the writer task's turns) costs about
100 µs more per answer (0.12-0.16 ms of CPU per click in `python -m bench steady`; issue 12). It never waits on
a lock: its BEGIN fails at once if any other connection or process holds the write lock, and the answer goes the
queued way; it never checkpoints (the writer's thread does, every `CHECKPOINT_EVERY_COMMITS` answers); and a commit
slower than `SLOW_ANSWER_COMMIT_SECONDS` sends answers the queued way for `SLOW_DISK_PAUSE_SECONDS`. What it
cannot avoid is the disk itself: while one COMMIT's write to the WAL stalls (an overloaded or frozen disk),
the whole event loop waits with it, every server's clicks included. That is why it is an operator's choice
for a local, healthy disk, and not the default. With ``synchronous=FULL`` every COMMIT fsyncs, so answers
always go through the writer's thread.

Errors. "database is locked"/busy, disk full, I/O errors and the like become `StorageUnavailable`;
constraint violations become the matching domain error. A failed transaction is rolled back whole.

Layout of this package: `connection` (pragmas), `schema` (migrations), `statements` (SQLite's own SQL, and the
translation of the shared SQL), `rows` (value conversions), `dialect` (what the shared queries need to know of
SQLite), `errors` (driver errors to domain errors) and this module (connections, transactions, the answer
path). Every other query is shared with PostgreSQL: `bot.storage.sql.SQLStorage`.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Literal, TypeVar

import aiosqlite

from bot.storage.answer_writer import AnswerWriter, NotNow, PendingAnswer, answer_refusals, check_window
from bot.storage.base import (
    AnswerInput,
    StorageError,
    StorageUnavailable,
)
from bot.storage.sql import Row, SQLStorage
from bot.storage.sqlite.affinity import CoreFollower
from bot.storage.sqlite.connection import MIN_SQLITE_VERSION, connect, connect_answer_writer
from bot.storage.sqlite.dialect import SQLITE
from bot.storage.sqlite.errors import domain_errors, is_busy
from bot.storage.sqlite.rows import answer_params
from bot.storage.sqlite.schema import load_migrations, migrate
from bot.storage.sqlite.statements import ANSWER_UPSERT_SQL, sqlite_sql

log = logging.getLogger(__name__)

Params = Sequence[Any] | Mapping[str, Any]

T = TypeVar("T")

CHECKPOINT_EVERY_COMMITS = 250
"""Answers committed at once between two WAL checkpoints on the writer's thread (an answer adds about four pages
to the WAL, so this stays near SQLite's own automatic checkpoint at 1,000 pages)."""

SLOW_ANSWER_COMMIT_SECONDS = 0.02
"""An answer committed at once that took longer than this (the disk stalls) ..."""

SLOW_DISK_PAUSE_SECONDS = 30.0
"""... sends answers through the writer's thread for this long, so a slow disk never holds up the event loop."""


class SQLiteStorage(SQLStorage):
    """`Storage` on one SQLite file; create it with `SQLiteStorage.open`."""

    dialect = SQLITE

    def __init__(
        self,
        path: Path,
        writer: aiosqlite.Connection,
        reader: aiosqlite.Connection,
        answer_writer: sqlite3.Connection | None = None,
        writer_thread_id: int | None = None,
        *,
        answer_window: float = 0.0,
    ) -> None:
        self.path = path
        self._writer = writer
        self._writer_follower = CoreFollower(writer_thread_id)
        """Keeps the writer's thread on the loop's core, where waking it is cheap (see affinity.py)."""
        self._reader = reader
        self._answer_writer = answer_writer
        """Commits answers at once on the loop's thread (None: every answer goes through ``_writer``)."""
        self._at_once_paused_until = 0.0
        self._commits_since_checkpoint = 0
        self._checkpointer: asyncio.Task[None] | None = None
        self.checkpoints = 0
        self._write_lock = asyncio.Lock()
        self._transaction_owner: asyncio.Task[Any] | None = None
        self._savepoint_depth = 0
        self._closed = False
        self._commits = 0
        self._answers = AnswerWriter(
            self._write_answer_batch,
            name=f"answer-writer:{path.name}",
            write_now=None if answer_writer is None else self._write_answer_now,
            window=answer_window,
        )

    @classmethod
    async def open(
        cls,
        path: str | Path,
        *,
        busy_timeout: float = 5.0,
        synchronous: Literal["NORMAL", "FULL"] = "NORMAL",
        max_size_bytes: int | None = None,
        answers_at_once: bool = False,
        answer_window: float = 0.0,
    ) -> SQLiteStorage:
        """Open (creating if needed) and migrate the database at `path`.

        `busy_timeout` is how long a write waits for another process's lock before `StorageUnavailable`;
        `max_size_bytes` caps the file size (writes past it fail with `StorageUnavailable`);
        `answers_at_once` commits answers on the event loop's thread when nothing else writes (NORMAL only;
        see the module's docstring for what that trades); `answer_window` is the answers' commit window in seconds
        (bot/storage/answer_writer.py; 0: none).
        """
        if sqlite3.sqlite_version_info < MIN_SQLITE_VERSION:
            raise StorageError(f"SQLite {sqlite3.sqlite_version} is too old; version 3.37 or newer is needed")
        if synchronous not in ("NORMAL", "FULL"):
            raise ValueError(f"synchronous must be 'NORMAL' or 'FULL', got {synchronous!r}")
        if busy_timeout < 0:
            raise ValueError(f"busy_timeout must not be negative, got {busy_timeout}")
        check_window(answer_window)
        database = Path(path)
        database.parent.mkdir(parents=True, exist_ok=True)
        migrations = load_migrations()
        settings: dict[str, Any] = {
            "busy_timeout": busy_timeout,
            "synchronous": synchronous,
            "max_size_bytes": max_size_bytes,
        }
        writer = await connect(database, read_only=False, **settings)
        reader: aiosqlite.Connection | None = None
        try:
            await migrate(writer, migrations, database)
            reader = await connect(database, read_only=True, **settings)
            writer_thread_id = await _in_one_trip(writer, _native_thread_id)
            at_once = None
            if answers_at_once and synchronous == "NORMAL":  # with FULL, every COMMIT fsyncs: never on the loop
                at_once = connect_answer_writer(database, max_size_bytes=max_size_bytes)
        except BaseException:
            if reader is not None:
                await reader.close()
            await writer.close()
            raise
        log.info("Opened %s (schema version %s)", database, len(migrations))
        return cls(database, writer, reader, at_once, writer_thread_id, answer_window=answer_window)

    async def close(self) -> None:
        """Write every queued answer, then close both connections."""
        if self._closed:
            return
        await self._answers.drain()
        if self._checkpointer is not None:
            await asyncio.wait([self._checkpointer])
        async with self._write_lock:
            if self._closed:
                return
            self._closed = True
            if self._answer_writer is not None:
                self._answer_writer.close()  # first: the writer, closing last, checkpoints on its own thread
            try:
                with domain_errors():
                    await self._writer.execute_fetchall("PRAGMA optimize")
            except StorageError as exc:
                # Only a planner-statistics refresh is skipped (another process held the lock, say): nothing for
                # an operator to act on, and a one-line settings error must stay one line.
                log.info("Skipped PRAGMA optimize while closing %s: %s", self.path, exc)
            await self._reader.close()
            await self._writer.close()
        log.info("Closed %s", self.path)

    # ------------------------------------------------------------------ plumbing

    def _owns_transaction(self) -> bool:
        task = asyncio.current_task()
        return task is not None and task is self._transaction_owner

    def _ensure_open(self) -> None:
        if self._closed:
            raise StorageUnavailable(f"storage {self.path} is closed")

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        """Run the block's writes in one transaction; a nested call by the same task uses a savepoint."""
        if self._owns_transaction():
            async with self._savepoint():
                yield
            return
        self._ensure_open()
        async with self._write_lock:
            self._ensure_open()
            # Every control statement is queued before the lock is released, so even if this task is
            # cancelled, the connection's FIFO worker runs the ROLLBACK before the next BEGIN.
            try:
                with domain_errors():
                    await self._writer.execute("BEGIN IMMEDIATE")
                self._transaction_owner = asyncio.current_task()
                yield
                with domain_errors():
                    await self._writer.execute("COMMIT")
                self._commits += 1
            except BaseException:
                await self._quiet_rollback("ROLLBACK")
                raise
            finally:
                self._transaction_owner = None
                self._savepoint_depth = 0

    @asynccontextmanager
    async def _savepoint(self) -> AsyncIterator[None]:
        self._savepoint_depth += 1
        name = f"nested_{self._savepoint_depth}"
        try:
            with domain_errors():
                await self._writer.execute(f"SAVEPOINT {name}")
            yield
            with domain_errors():
                await self._writer.execute(f"RELEASE {name}")
        except BaseException:
            await self._quiet_rollback(f"ROLLBACK TO {name}", f"RELEASE {name}")
            raise
        finally:
            self._savepoint_depth -= 1

    async def _quiet_rollback(self, *statements: str) -> None:
        """Undo after a failure without hiding it (the statement may find nothing to undo)."""
        for statement in statements:
            try:
                await self._writer.execute(statement)
            except sqlite3.Error as exc:
                # A failed BEGIN, or SQLite already rolled back by itself (it may, on a full disk).
                log.debug("%s on %s: %s", statement, self.path, exc)

    def _writer_in_transaction(self) -> aiosqlite.Connection:
        if not self._owns_transaction():
            raise RuntimeError("storage writes must run inside transaction()")
        return self._writer

    async def _execute(self, sql: str, params: Params = ()) -> int:
        """Run one write inside the current transaction; return how many rows it changed."""
        connection = self._writer_in_transaction()
        with domain_errors():
            cursor = await connection.execute(sql, params)
        return cursor.rowcount

    async def _execute_many(self, sql: str, rows: Iterable[Params]) -> int:
        """Run one write per row inside the current transaction; return how many rows they changed in all."""
        connection = self._writer_in_transaction()
        with domain_errors():
            cursor = await connection.executemany(sql, rows)
        return cursor.rowcount

    async def _fetch(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        """Run a query: on the writer inside the caller's own transaction (to see its writes), else the reader."""
        self._ensure_open()
        connection = self._writer if self._owns_transaction() else self._reader
        with domain_errors():
            return list(await connection.execute_fetchall(sql, params))

    async def _rows(self, sql: str, *args: object) -> Sequence[Row]:
        """Run a shared statement (translated once into SQLite's form); see `SQLStorage._rows`."""
        return await self._fetch(sqlite_sql(sql), args)

    async def _change(self, sql: str, *args: object) -> int:
        """Run one shared write statement inside the current transaction; return how many rows it changed."""
        return await self._execute(sqlite_sql(sql), args)

    async def _change_many(self, sql: str, rows: Iterable[Sequence[object]]) -> None:
        """Run a shared write statement once per row of parameters inside the current transaction."""
        await self._execute_many(sqlite_sql(sql), rows)

    async def _write(self, work: Callable[[], Awaitable[T]]) -> T:
        """Run `work` in a transaction (a savepoint inside the caller's own): SQLite's single writer never
        deadlocks, so nothing is run again."""
        async with self.transaction():
            return await work()

    # ------------------------------------------------------------------ meta

    async def integrity_check(self) -> str:
        """Return "ok", or every problem SQLite's integrity and foreign-key checks report."""
        problems = [str(row[0]) for row in await self._fetch("PRAGMA integrity_check")]
        if problems == ["ok"]:
            problems = []
        for row in await self._fetch("PRAGMA foreign_key_check"):
            problems.append(f"foreign key: {row[0]} row {row[1]} refers to a missing {row[2]} row")
        return "\n".join(problems) if problems else "ok"

    # ------------------------------------------------------------------ answers

    async def record_answer(self, answer: AnswerInput) -> None:
        """Store an answer durably (the latest attempt wins); raise `QuestionNotOpen` if it came too late.

        Returns only after the batch holding the answer has been committed.
        """
        if not self._answers.accepting:
            raise StorageUnavailable(f"storage {self.path} is closed")
        if self._owns_transaction():
            raise RuntimeError("record_answer commits by itself; call it outside transaction()")
        await self._answers.submit(answer, answer_params(answer))

    def _write_answer_now(self, answer: AnswerInput, params: Params) -> Exception | None:
        """Commit one answer at once on the loop's thread (`WriteNow`); raise `NotNow` if that could wait."""
        connection = self._answer_writer
        if connection is None or self._closed or self._write_lock.locked():
            raise NotNow  # a transaction or batch of the writer's holds SQLite's write lock: its BEGIN would fail
        started = time.perf_counter()
        if started < self._at_once_paused_until:
            raise NotNow
        try:
            with domain_errors():
                try:
                    open_rows = _write_answers(connection, [params], [answer.round_question_id])
                except sqlite3.OperationalError as error:
                    if is_busy(error):
                        raise NotNow from error  # another connection or process writes: nothing was written
                    raise
        finally:
            took = time.perf_counter() - started
            if took > SLOW_ANSWER_COMMIT_SECONDS:
                self._at_once_paused_until = started + took + SLOW_DISK_PAUSE_SECONDS
                log.warning(
                    "An answer's commit to %s took %.0f ms: answers go through the writer's thread for %.0f s",
                    self.path,
                    took * 1000,
                    SLOW_DISK_PAUSE_SECONDS,
                )
        self._commits += 1
        self._commits_since_checkpoint += 1
        if self._commits_since_checkpoint >= CHECKPOINT_EVERY_COMMITS:
            self._checkpoint_soon()
        return None if open_rows is None else answer_refusals([answer], open_rows).get(0)

    def _checkpoint_soon(self) -> None:
        """Start a WAL checkpoint on the writer's thread, unless one is running."""
        if self._checkpointer is None or self._checkpointer.done():
            self._commits_since_checkpoint = 0
            self._checkpointer = asyncio.create_task(self._checkpoint(), name=f"wal-checkpoint:{self.path.name}")

    async def _checkpoint(self) -> None:
        """Copy the WAL's committed pages into the database (PASSIVE: waits for no reader or writer)."""
        async with self._write_lock:  # not inside one of the writer's transactions
            if self._closed:
                return
            try:
                with domain_errors():
                    await self._writer.execute_fetchall("PRAGMA wal_checkpoint(PASSIVE)")
                self.checkpoints += 1
            except StorageError as exc:
                log.info("Skipped a WAL checkpoint of %s: %s", self.path, exc)

    async def _write_answer_batch(self, batch: Sequence[PendingAnswer]) -> dict[int, Exception]:
        """Write one batch of answers in one transaction, in one trip to the writer's thread; return the refused
        ones by position in the batch."""
        self._ensure_open()
        params = [pending.params for pending in batch]
        question_ids = sorted({pending.answer.round_question_id for pending in batch})
        async with self._write_lock:  # no other transaction's statements between ours
            self._ensure_open()
            self._writer_follower.follow()
            with domain_errors():
                open_rows = await _in_one_trip(self._writer, _write_answers, params, question_ids)
            self._commits += 1
        return {} if open_rows is None else answer_refusals([pending.answer for pending in batch], open_rows)


_OPEN_QUESTIONS_SQL = """
SELECT rq.id, rq.round_id, r.guild_id FROM round_questions AS rq JOIN rounds AS r ON r.id = rq.round_id
WHERE rq.id IN ({placeholders}) AND rq.closed_at IS NULL AND r.status = 'running'
"""


async def _in_one_trip(connection: aiosqlite.Connection, work: Any, *args: Any) -> Any:
    """Run ``work(sqlite3_connection, *args)`` on the connection's own thread and return its result.

    aiosqlite has no public way to run several statements in one trip: each ``execute`` is a queue put, a thread
    wake-up and a ``call_soon_threadsafe`` back to the loop, and an answer batch took three (BEGIN, upsert,
    COMMIT), the biggest share of the bot's event-loop iterations per click (issue 12). ``_execute`` is the
    method every public one of ``aiosqlite.Connection`` goes through (unchanged since 0.17); the version is
    pinned in requirements.lock and tests/test_storage.py checks that the batch still takes one trip.
    """
    return await connection._execute(work, connection._conn, *args)  # type: ignore[no-untyped-call]


def _native_thread_id(connection: sqlite3.Connection) -> int:
    """On the connection's thread: return that thread's id in the kernel (for `CoreFollower`)."""
    return threading.get_native_id()


def _write_answers(
    connection: sqlite3.Connection, params: Sequence[Params], question_ids: Sequence[int]
) -> list[sqlite3.Row] | None:
    """On the writer's thread: upsert a batch of answers in one transaction and COMMIT it.

    Returns None if every answer was written, else the batch's questions still open (read in the same
    transaction, so they are what the upsert saw) to explain the ones its WHERE clause skipped.
    """
    connection.execute("BEGIN IMMEDIATE")
    try:
        written = connection.executemany(ANSWER_UPSERT_SQL, params).rowcount
        open_rows = None
        if written != len(params):
            sql = _OPEN_QUESTIONS_SQL.format(placeholders=", ".join("?" * len(question_ids)))
            open_rows = connection.execute(sql, question_ids).fetchall()
        connection.execute("COMMIT")
    except BaseException:
        try:
            connection.execute("ROLLBACK")
        except sqlite3.Error as exc:  # SQLite may have rolled back by itself already (it may, on a full disk)
            log.debug("ROLLBACK of an answer batch: %s", exc)
        raise
    return open_rows
