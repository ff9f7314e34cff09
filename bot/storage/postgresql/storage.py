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
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import logging
import random
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from types import TracebackType
from typing import Any, TypeAlias, TypeVar, cast
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from bot.storage.answer_writer import AnswerWriter, PendingAnswer, StorageStats
from bot.storage.base import (
    DEFAULT_QUESTIONS,
    DEFAULT_SECONDS,
    MAX_ANSWER_TEXT,
    AnswerInput,
    AnswerRow,
    Dispute,
    DisputeAlreadyDecided,
    DisputeExists,
    DisputeStatus,
    FinalRoundStatus,
    GuildPack,
    GuildSettings,
    LeaderboardRow,
    NewPackFact,
    PackExists,
    PackFact,
    PackFactStatus,
    PackSource,
    PlayerStats,
    QuestionNotOpen,
    QuestionStillOpen,
    RecordNotFound,
    RoundAlreadyRunning,
    RoundQuestionRow,
    RoundRow,
    ScoredAnswer,
    StorageConflict,
    StorageUnavailable,
    week_start_of,
)
from bot.storage.checks import FINAL_STATUSES, check_positive, check_week_start
from bot.storage.export import jsonable
from bot.storage.postgresql.errors import (
    TransientConflict,
    domain_errors,
    is_foreign_key_violation,
    is_unique_violation,
)
from bot.storage.postgresql.rows import (
    answer_params,
    answer_row,
    dispute_row,
    question_row,
    round_row,
    storable_id,
    time_text,
    utc,
)
from bot.storage.postgresql.schema import load_migrations, migrate
from bot.storage.postgresql.statements import (
    ANSWER_SELECT,
    ANSWER_UPSERT_SQL,
    DISPUTE_SELECT,
    LEADERBOARD_ALL_TIME_SQL,
    LEADERBOARD_SIZE_SQL,
    LEADERBOARD_WEEKLY_SQL,
    PLAYER_STATS_SQL,
    QUESTION_SELECT,
    ROUND_SELECT,
    TOTALS_UPSERT_SQL,
    WEEKLY_UPSERT_SQL,
)
from bot.storage.totals import GLOBAL_SCOPE, TotalsDelta, totals_scopes

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


class PostgresStorage:
    """`Storage` on a PostgreSQL database; create it with `PostgresStorage.open`."""

    def __init__(self, where: str, pool: asyncpg.Pool, *, acquire_timeout: float = 30.0) -> None:
        self.where = where
        self._pool = pool
        self._acquire_timeout = acquire_timeout
        self._connections: dict[asyncio.Task[Any], PooledConnection] = {}
        self._closed = False
        self._commits = 0
        self._answers = AnswerWriter(self._write_answer_batch, name="answer-writer:postgresql")

    @classmethod
    async def open(
        cls,
        url: str,
        *,
        min_connections: int = 2,
        max_connections: int = 10,
        command_timeout: float = 30.0,
        lock_timeout: float = 10.0,
    ) -> PostgresStorage:
        """Connect to the database at `url` and migrate it (under an advisory lock, once for all processes).

        `lock_timeout` bounds how long a statement waits for a row lock, `command_timeout` how long a statement
        runs or a free connection is waited for, before `StorageUnavailable`.
        """
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
        return cls(where, pool, acquire_timeout=command_timeout)

    async def __aenter__(self) -> PostgresStorage:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        await self.close()

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

    @property
    def stats(self) -> StorageStats:
        """Return commit and batching counters since the storage was opened."""
        return StorageStats(
            commits=self._commits,
            answer_batches=self._answers.answer_batches,
            answers_written=self._answers.answers_written,
            largest_batch=self._answers.largest_batch,
        )

    @property
    def commit_count(self) -> int:
        """Return how many transactions this storage has committed."""
        return self._commits

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

    async def _fetch_one(self, sql: str, *args: object) -> asyncpg.Record | None:
        rows = await self._fetch(sql, *args)
        return rows[0] if rows else None

    async def _add_to_totals(self, guild_id: int, deltas: Sequence[TotalsDelta], *, week: dt.date | None) -> None:
        """Add deltas to the totals of each of the guild's `totals_scopes` (and weekly rows when `week` is given).

        Rows go in (scope, user) order, so concurrent transactions lock them in the same order.
        """
        if not deltas:
            return
        ordered = sorted(deltas, key=lambda delta: delta.user_id)
        scopes = sorted(totals_scopes(guild_id))
        await self._execute_many(
            TOTALS_UPSERT_SQL,
            [
                (scope, d.user_id, d.points, d.answers, d.correct, d.best_streak, d.rounds_played, d.rounds_won)
                for scope in scopes
                for d in ordered
            ],
        )
        if week is not None:
            await self._execute_many(
                WEEKLY_UPSERT_SQL,
                [(scope, week, d.user_id, d.points, d.answers, d.correct) for scope in scopes for d in ordered],
            )

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

    async def get_meta(self, key: str) -> str | None:
        """Return a stored bot-wide value, or None."""
        row = await self._fetch_one("SELECT value FROM meta WHERE key = $1", key)
        return None if row is None else str(row["value"])

    async def set_meta(self, key: str, value: str) -> None:
        """Store a bot-wide value, replacing any previous one."""

        async def work() -> None:
            await self._execute(
                "INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                key,
                value,
            )

        await self._write(work)

    # ------------------------------------------------------------------ guild settings

    async def get_guild_settings(self, guild_id: int) -> GuildSettings:
        """Return the server's round defaults (the built-in defaults if it never set any)."""
        row = await self._fetch_one(
            "SELECT default_questions, default_seconds FROM guild_settings WHERE guild_id = $1", guild_id
        )
        if row is None:
            return GuildSettings()
        return GuildSettings(default_questions=row["default_questions"], default_seconds=row["default_seconds"])

    async def set_guild_settings(
        self, guild_id: int, *, default_questions: int | None = None, default_seconds: int | None = None
    ) -> GuildSettings:
        """Change the given defaults, keep the others, and return the result."""
        check_positive("default_questions", default_questions)
        check_positive("default_seconds", default_seconds)

        async def work() -> asyncpg.Record | None:
            return await self._fetch_one(
                """
                INSERT INTO guild_settings (guild_id, default_questions, default_seconds)
                VALUES ($1, coalesce($2::integer, $4::integer), coalesce($3::integer, $5::integer))
                ON CONFLICT (guild_id) DO UPDATE SET
                    default_questions = coalesce($2::integer, guild_settings.default_questions),
                    default_seconds = coalesce($3::integer, guild_settings.default_seconds)
                RETURNING default_questions, default_seconds
                """,
                guild_id,
                default_questions,
                default_seconds,
                DEFAULT_QUESTIONS,
                DEFAULT_SECONDS,
            )

        row = await self._write(work)
        assert row is not None  # RETURNING on an upsert always yields the row
        return GuildSettings(default_questions=row["default_questions"], default_seconds=row["default_seconds"])

    # ------------------------------------------------------------------ rounds

    async def create_round(
        self,
        *,
        guild_id: int,
        channel_id: int,
        starter_id: int,
        question_count: int,
        seconds: int,
        category: str | None,
        kind: str,
        started_at: dt.datetime,
    ) -> int:
        """Start a round and return its id; raise `RoundAlreadyRunning` if the channel has one."""
        check_positive("question_count", question_count)
        check_positive("seconds", seconds)
        started = utc(started_at)

        async def work() -> asyncpg.Record | None:
            return await self._fetch_one(
                """
                INSERT INTO rounds (guild_id, channel_id, starter_id, question_count, seconds, category, kind,
                                    started_at)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                RETURNING id
                """,
                guild_id,
                channel_id,
                starter_id,
                question_count,
                seconds,
                category,
                kind,
                started,
            )

        try:
            row = await self._write(work)
        except StorageConflict as exc:
            if is_unique_violation(exc):
                raise RoundAlreadyRunning(channel_id) from exc
            raise
        assert row is not None  # RETURNING after a successful INSERT always yields the row
        return int(row["id"])

    async def add_round_question(
        self,
        *,
        round_id: int,
        position: int,
        question_id: str,
        fact_id: str,
        kind: str,
        correct_choice: int | None,
        opened_at: dt.datetime,
        deadline_at: dt.datetime,
        message_id: int | None = None,
    ) -> int:
        """Record a question being asked and return its round-question id."""
        params = (
            round_id,
            position,
            question_id,
            fact_id,
            kind,
            correct_choice,
            utc(opened_at),
            utc(deadline_at),
            message_id,
        )

        async def work() -> asyncpg.Record | None:
            return await self._fetch_one(
                """
                INSERT INTO round_questions (round_id, position, question_id, fact_id, kind, correct_choice,
                                             opened_at, deadline_at, message_id)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                RETURNING id
                """,
                *params,
            )

        try:
            row = await self._write(work)
        except StorageConflict as exc:
            if is_foreign_key_violation(exc):
                raise RecordNotFound(f"round {round_id} does not exist") from exc
            if is_unique_violation(exc):
                raise StorageConflict(
                    f"round {round_id} already has a question at position {position}, or message {message_id} "
                    "already shows another question"
                ) from exc
            raise
        assert row is not None  # RETURNING after a successful INSERT always yields the row
        return int(row["id"])

    async def set_question_message(self, round_question_id: int, message_id: int) -> None:
        """Remember which Discord message shows the question."""

        async def work() -> int:
            return await self._execute(
                "UPDATE round_questions SET message_id = $1 WHERE id = $2", message_id, round_question_id
            )

        try:
            changed = await self._write(work)
        except StorageConflict as exc:
            raise StorageConflict(f"message {message_id} already shows another question") from exc
        if not changed:
            raise RecordNotFound(f"round question {round_question_id} does not exist")

    async def finish_round(
        self, round_id: int, *, status: FinalRoundStatus, ended_at: dt.datetime, winner_id: int | None
    ) -> bool:
        """End a running round and credit rounds played/won; return False if it had already ended."""
        if status not in FINAL_STATUSES:
            raise ValueError(f"a round cannot finish with status {status!r}")
        ended = utc(ended_at)

        async def work() -> bool:
            # FOR UPDATE: answer batches hold the round FOR SHARE, so the participants read below are all of them.
            row = await self._fetch_one("SELECT guild_id, status FROM rounds WHERE id = $1 FOR UPDATE", round_id)
            if row is None:
                raise RecordNotFound(f"round {round_id} does not exist")
            if row["status"] != "running":
                log.debug("Round %s had already ended; not finishing it again", round_id)
                return False
            participants = {
                int(participant["user_id"])
                for participant in await self._fetch(
                    """
                    SELECT DISTINCT a.user_id FROM round_questions AS rq
                    JOIN answers AS a ON a.round_question_id = rq.id
                    WHERE rq.round_id = $1
                    """,
                    round_id,
                )
            }
            # A winner with no stored answer deleted their data during the round: record nothing about them.
            winner = winner_id if winner_id in participants else None
            await self._execute(
                "UPDATE rounds SET status = $1, ended_at = $2, winner_id = $3 WHERE id = $4",
                status,
                ended,
                winner,
                round_id,
            )
            deltas = [
                TotalsDelta(user_id=user_id, rounds_played=1, rounds_won=int(user_id == winner))
                for user_id in sorted(participants)
            ]
            await self._add_to_totals(int(row["guild_id"]), deltas, week=None)
            return True

        if not storable_id(round_id):
            raise RecordNotFound(f"round {round_id} does not exist")
        return await self._write(work)

    async def get_round(self, round_id: int) -> RoundRow | None:
        """Return the round, or None."""
        if not storable_id(round_id):
            return None
        row = await self._fetch_one(f"{ROUND_SELECT} WHERE id = $1", round_id)
        return None if row is None else round_row(row)

    async def running_rounds(self) -> list[RoundRow]:
        """Return every round still marked running, oldest first."""
        return [round_row(row) for row in await self._fetch(f"{ROUND_SELECT} WHERE status = 'running' ORDER BY id")]

    async def close_interrupted_rounds(self, ended_at: dt.datetime, *, terminal: bool = False) -> list[RoundRow]:
        """End every running Discord round (``terminal``: every terminal round) as 'interrupted' and return them.

        The bot and the terminal player may share a database: neither closes the other's rounds.
        """
        where = "guild_id < 0" if terminal else "guild_id > 0"

        async def work() -> tuple[list[RoundRow], list[RoundRow | None]]:
            running = [
                round_row(row)
                for row in await self._fetch(f"{ROUND_SELECT} WHERE status = 'running' AND {where} ORDER BY id")
            ]
            for round_row_ in running:
                await self.finish_round(round_row_.id, status="interrupted", ended_at=ended_at, winner_id=None)
            return running, [await self.get_round(round_row_.id) for round_row_ in running]

        running, closed = await self._write(work)
        if running:
            log.info("Marked %s running round(s) as interrupted", len(running))
        return [round_row_ for round_row_ in closed if round_row_ is not None]

    async def get_round_question(self, round_question_id: int) -> RoundQuestionRow | None:
        """Return the asked question, or None."""
        if not storable_id(round_question_id):
            return None
        row = await self._fetch_one(f"{QUESTION_SELECT} WHERE rq.id = $1", round_question_id)
        return None if row is None else question_row(row)

    async def round_question_by_message(self, message_id: int) -> RoundQuestionRow | None:
        """Return the question shown in a Discord message, or None."""
        if not storable_id(message_id):
            return None
        row = await self._fetch_one(f"{QUESTION_SELECT} WHERE rq.message_id = $1", message_id)
        return None if row is None else question_row(row)

    async def round_questions(self, round_id: int) -> list[RoundQuestionRow]:
        """Return a round's questions in order."""
        if not storable_id(round_id):
            return []
        rows = await self._fetch(f"{QUESTION_SELECT} WHERE rq.round_id = $1 ORDER BY rq.position", round_id)
        return [question_row(row) for row in rows]

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
        open_questions = {int(row["id"]): (int(row["round_id"]), int(row["guild_id"])) for row in rows}
        refusals: dict[int, Exception] = {}
        for position, pending in enumerate(batch):
            answer = pending.answer
            placement = open_questions.get(answer.round_question_id)
            if placement is None:
                refusals[position] = QuestionNotOpen(f"question {answer.round_question_id} is closed or unknown")
            elif placement != (answer.round_id, answer.guild_id):
                refusals[position] = ValueError(
                    f"question {answer.round_question_id} belongs to round {placement[0]} in guild {placement[1]}, "
                    f"not round {answer.round_id} in guild {answer.guild_id}"
                )
        return refusals

    async def question_answers(self, round_question_id: int) -> list[AnswerRow]:
        """Return every answer to a question, fastest first."""
        if not storable_id(round_question_id):
            return []
        rows = await self._fetch(
            f"{ANSWER_SELECT} WHERE a.round_question_id = $1 ORDER BY a.elapsed_ms, a.user_id", round_question_id
        )
        return [answer_row(row) for row in rows]

    async def score_question(
        self, round_question_id: int, results: Sequence[ScoredAnswer], *, closed_at: dt.datetime
    ) -> bool:
        """Write the verdicts, close the question and update totals; return False if already scored.

        Results for players who have no stored answer (say, a missing answer scored 0) change nothing.
        """
        if len({result.user_id for result in results}) != len(results):
            raise ValueError("results name the same player twice")
        closed = utc(closed_at)

        async def work() -> bool:
            changed = await self._execute(
                "UPDATE round_questions SET closed_at = $1 WHERE id = $2 AND closed_at IS NULL",
                closed,
                round_question_id,
            )
            question = await self._fetch_one(
                "SELECT r.guild_id FROM round_questions AS rq JOIN rounds AS r ON r.id = rq.round_id WHERE rq.id = $1",
                round_question_id,
            )
            if question is None:
                raise RecordNotFound(f"round question {round_question_id} does not exist")
            if not changed:
                log.debug("Question %s was already scored; ignoring the second scoring", round_question_id)
                return False
            answered = {
                int(row["user_id"])
                for row in await self._fetch(
                    "SELECT user_id FROM answers WHERE round_question_id = $1", round_question_id
                )
            }
            scored = sorted(
                (result for result in results if result.user_id in answered), key=lambda result: result.user_id
            )
            await self._execute_many(
                "UPDATE answers SET correct = $1, points = $2 WHERE round_question_id = $3 AND user_id = $4",
                [(result.correct, result.points, round_question_id, result.user_id) for result in scored],
            )
            deltas = [
                TotalsDelta(
                    user_id=result.user_id,
                    points=result.points,
                    answers=1,
                    correct=int(result.correct),
                    best_streak=result.streak,
                )
                for result in scored
            ]
            await self._add_to_totals(int(question["guild_id"]), deltas, week=week_start_of(closed_at))
            return True

        if not storable_id(round_question_id):
            raise RecordNotFound(f"round question {round_question_id} does not exist")
        return await self._write(work)

    # ------------------------------------------------------------------ leaderboards

    async def leaderboard(
        self, *, guild_id: int | None, week_start: dt.date | None, limit: int, offset: int = 0
    ) -> list[LeaderboardRow]:
        """Return a page of standings: points desc, then correct desc, then user id; ties on points share a rank."""
        if limit <= 0 or offset < 0:
            raise ValueError(f"need limit > 0 and offset >= 0, got limit={limit}, offset={offset}")
        scope = GLOBAL_SCOPE if guild_id is None else guild_id
        week = check_week_start(week_start)
        if week is None:
            rows = await self._fetch(LEADERBOARD_ALL_TIME_SQL, scope, limit, offset)
        else:
            rows = await self._fetch(LEADERBOARD_WEEKLY_SQL, scope, limit, offset, week)
        standings: list[LeaderboardRow] = []
        for position, row in enumerate(rows):
            if position == 0:
                rank = int(row["above"]) + 1
            elif row["points"] == standings[-1].points:
                rank = standings[-1].rank
            else:
                rank = offset + position + 1
            standings.append(
                LeaderboardRow(
                    rank=rank,
                    user_id=row["user_id"],
                    points=row["points"],
                    correct=row["correct"],
                    answers=row["answers"],
                )
            )
        return standings

    async def leaderboard_size(self, *, guild_id: int | None, week_start: dt.date | None) -> int:
        """Return how many players that leaderboard has."""
        scope = GLOBAL_SCOPE if guild_id is None else guild_id
        week = check_week_start(week_start)
        # Kept by triggers (migration 002): counting the players would walk an index entry per player.
        row = await self._fetch_one(LEADERBOARD_SIZE_SQL, scope, week)
        return 0 if row is None else int(row[0])

    async def player_stats(self, guild_id: int | None, user_id: int) -> PlayerStats:
        """Return a player's totals and rank (1 + players with more points) in a server, or across all."""
        scope = GLOBAL_SCOPE if guild_id is None else guild_id
        row = await self._fetch_one(PLAYER_STATS_SQL, scope, user_id)
        if row is None:
            return PlayerStats(
                points=0, rounds_played=0, rounds_won=0, answers=0, correct=0, accuracy=0.0, best_streak=0, rank=None
            )
        answers, correct = int(row["answers"]), int(row["correct"])
        return PlayerStats(
            points=row["points"],
            rounds_played=row["rounds_played"],
            rounds_won=row["rounds_won"],
            answers=answers,
            correct=correct,
            accuracy=correct / answers if answers else 0.0,
            best_streak=row["best_streak"],
            rank=int(row["above"]) + 1,
        )

    # ------------------------------------------------------------------ aliases

    async def add_guild_alias(
        self, *, guild_id: int, fact_id: str, alias: str, added_by: int, added_at: dt.datetime
    ) -> bool:
        """Accept `alias` (case-insensitively) as an answer to `fact_id` here; return False if it already was."""
        cleaned = alias.strip()[:MAX_ANSWER_TEXT]
        if not cleaned:
            raise ValueError("an alias cannot be empty")
        added = utc(added_at)

        async def work() -> int:
            return await self._execute(
                """
                INSERT INTO guild_aliases (guild_id, fact_id, alias, added_by, added_at) VALUES ($1, $2, $3, $4, $5)
                ON CONFLICT (guild_id, fact_id, lower(alias)) DO NOTHING
                """,
                guild_id,
                fact_id,
                cleaned,
                added_by,
                added,
            )

        return await self._write(work) > 0

    async def guild_aliases(self, guild_id: int, fact_id: str) -> list[str]:
        """Return the extra answers this server accepts for a fact, oldest first."""
        rows = await self._fetch(
            "SELECT alias FROM guild_aliases WHERE guild_id = $1 AND fact_id = $2 ORDER BY added_at, lower(alias)",
            guild_id,
            fact_id,
        )
        return [str(row["alias"]) for row in rows]

    # ------------------------------------------------------------------ disputes

    async def create_dispute(
        self, *, round_question_id: int, guild_id: int, user_id: int, answer_text: str, created_at: dt.datetime
    ) -> int:
        """Open a dispute about a scored answer and return its id; one per player per question."""
        text = answer_text.strip()[:MAX_ANSWER_TEXT].replace("\x00", "?")
        if not text:
            raise ValueError("a dispute needs the answer text")
        created = utc(created_at)

        async def work() -> asyncpg.Record | None:
            question = await self._fetch_one(
                """
                SELECT rq.closed_at, a.guild_id AS answer_guild_id
                FROM round_questions AS rq
                LEFT JOIN answers AS a ON a.round_question_id = rq.id AND a.user_id = $1
                WHERE rq.id = $2
                """,
                user_id,
                round_question_id,
            )
            if question is None:
                raise RecordNotFound(f"round question {round_question_id} does not exist")
            if question["answer_guild_id"] is None:
                raise RecordNotFound(f"user {user_id} did not answer question {round_question_id}")
            if question["answer_guild_id"] != guild_id:
                raise ValueError(f"question {round_question_id} was not asked in guild {guild_id}")
            if question["closed_at"] is None:
                raise QuestionStillOpen(f"question {round_question_id} has not been scored yet")
            return await self._fetch_one(
                """
                INSERT INTO disputes (round_question_id, guild_id, user_id, answer_text, created_at)
                VALUES ($1, $2, $3, $4, $5)
                RETURNING id
                """,
                round_question_id,
                guild_id,
                user_id,
                text,
                created,
            )

        if not storable_id(round_question_id):
            raise RecordNotFound(f"round question {round_question_id} does not exist")
        try:
            row = await self._write(work)
        except StorageConflict as exc:
            if is_unique_violation(exc):
                raise DisputeExists(f"user {user_id} already disputed question {round_question_id}") from exc
            raise
        assert row is not None  # RETURNING after a successful INSERT always yields the row
        return int(row["id"])

    async def get_dispute(self, dispute_id: int) -> Dispute | None:
        """Return the dispute, or None."""
        if not storable_id(dispute_id):
            return None
        row = await self._fetch_one(f"{DISPUTE_SELECT} WHERE d.id = $1", dispute_id)
        return None if row is None else dispute_row(row)

    async def pending_disputes(self, guild_id: int, *, limit: int = 25) -> list[Dispute]:
        """Return the server's undecided disputes, oldest first."""
        rows = await self._fetch(
            f"{DISPUTE_SELECT} WHERE d.guild_id = $1 AND d.status = 'pending' ORDER BY d.id LIMIT $2", guild_id, limit
        )
        return [dispute_row(row) for row in rows]

    async def decide_dispute(
        self, dispute_id: int, *, accepted: bool, decided_by: int, decided_at: dt.datetime, points_awarded: int
    ) -> Dispute:
        """Accept or reject a pending dispute.

        Accepting marks the answer correct with `points_awarded` points, moves the player's totals and the
        weekly row of the week the question was scored in by the difference, and adds the answer as a
        server alias for the fact, all in one transaction. A rejection records no points.
        """
        if points_awarded < 0:
            raise ValueError(f"points_awarded must not be negative, got {points_awarded}")
        status: DisputeStatus = "accepted" if accepted else "rejected"
        decided = utc(decided_at)

        async def work() -> Dispute:
            changed = await self._execute(
                """
                UPDATE disputes SET status = $1, decided_by = $2, decided_at = $3, points_awarded = $4
                WHERE id = $5 AND status = 'pending'
                """,
                status,
                decided_by,
                decided,
                points_awarded if accepted else 0,
                dispute_id,
            )
            dispute = await self.get_dispute(dispute_id)
            if dispute is None:
                raise RecordNotFound(f"dispute {dispute_id} does not exist")
            if not changed:
                raise DisputeAlreadyDecided(dispute_id, dispute.status)
            if accepted:
                await self._credit_disputed_answer(dispute, points_awarded)
                await self.add_guild_alias(
                    guild_id=dispute.guild_id,
                    fact_id=dispute.fact_id,
                    alias=dispute.answer_text,
                    added_by=decided_by,
                    added_at=decided_at,
                )
            return dispute

        if not storable_id(dispute_id):
            raise RecordNotFound(f"dispute {dispute_id} does not exist")
        dispute = await self._write(work)
        log.info("Dispute %s %s by %s", dispute_id, status, decided_by)
        return dispute

    async def _credit_disputed_answer(self, dispute: Dispute, points_awarded: int) -> None:
        # FOR UPDATE: the answer's old points are read and replaced under one lock.
        answer = await self._fetch_one(
            """
            SELECT a.correct, a.points, rq.closed_at FROM answers AS a
            JOIN round_questions AS rq ON rq.id = a.round_question_id
            WHERE a.round_question_id = $1 AND a.user_id = $2
            FOR UPDATE OF a
            """,
            dispute.round_question_id,
            dispute.user_id,
        )
        if answer is None:  # the foreign key from disputes to answers makes this a broken database
            raise RecordNotFound(f"the answer disputed in dispute {dispute.id} is gone")
        await self._execute(
            "UPDATE answers SET correct = true, points = $1 WHERE round_question_id = $2 AND user_id = $3",
            points_awarded,
            dispute.round_question_id,
            dispute.user_id,
        )
        delta = TotalsDelta(
            user_id=dispute.user_id,
            points=points_awarded - int(answer["points"]),
            correct=1 - int(bool(answer["correct"])),
        )
        await self._add_to_totals(dispute.guild_id, [delta], week=week_start_of(answer["closed_at"]))

    async def last_rejected_answer(self, guild_id: int, user_id: int) -> AnswerRow | None:
        """Return the player's most recent wrong typed answer on a scored question in this server."""
        row = await self._fetch_one(
            f"""
            {ANSWER_SELECT}
            WHERE a.user_id = $1 AND a.guild_id = $2 AND a.text IS NOT NULL AND a.correct = false
              AND rq.closed_at IS NOT NULL
            ORDER BY a.answered_at DESC LIMIT 1
            """,
            user_id,
            guild_id,
        )
        return None if row is None else answer_row(row)

    # ------------------------------------------------------------------ privacy

    async def export_player(self, user_id: int) -> dict[str, object]:
        """Return everything stored about a player but their answers as JSON-ready data (times as ISO text).

        The answers, however many, are read page by page with `player_answers`.
        """
        totals = [
            dict(row)
            for row in await self._fetch(
                """
                SELECT guild_id, user_id, points, answers, correct, best_streak, rounds_played, rounds_won
                FROM player_totals WHERE user_id = $1
                """,
                user_id,
            )
        ]
        weekly = await self._fetch(
            """
            SELECT guild_id, week_start, user_id, points, answers, correct FROM player_weekly
            WHERE user_id = $1 AND guild_id != $2 ORDER BY week_start, guild_id
            """,
            user_id,
            GLOBAL_SCOPE,
        )
        disputes = await self._fetch(f"{DISPUTE_SELECT} WHERE d.user_id = $1 ORDER BY d.id", user_id)
        aliases = await self._fetch(
            "SELECT guild_id, fact_id, alias, added_at FROM guild_aliases WHERE added_by = $1 ORDER BY added_at",
            user_id,
        )
        counts = await self._fetch_one(
            """
            SELECT (SELECT count(*) FROM answers WHERE user_id = $1) AS answer_count,
                   (SELECT count(*) FROM rounds WHERE starter_id = $1) AS rounds_started,
                   (SELECT count(*) FROM rounds WHERE winner_id = $1) AS rounds_won,
                   (SELECT count(*) FROM disputes WHERE decided_by = $1) AS disputes_decided
            """,
            user_id,
        )
        assert counts is not None  # a SELECT without FROM always yields one row
        export = {
            "user_id": user_id,
            "totals_by_guild": [row for row in totals if row["guild_id"] != GLOBAL_SCOPE],
            "totals_all_guilds": next((row for row in totals if row["guild_id"] == GLOBAL_SCOPE), None),
            "weekly": [dict(row) for row in weekly],
            "answer_count": counts["answer_count"],
            "disputes": [dataclasses.asdict(dispute_row(row)) for row in disputes],
            "rounds_started": counts["rounds_started"],
            "rounds_won": counts["rounds_won"],
            "disputes_decided": counts["disputes_decided"],
            "aliases_added": [{**dict(row), "added_at": time_text(row["added_at"])} for row in aliases],
        }
        return cast(dict[str, object], jsonable(export))

    async def player_answers(
        self, user_id: int, *, after: tuple[dt.datetime, int] | None = None, limit: int = 1000
    ) -> list[AnswerRow]:
        """Return a page of the player's answers, oldest first (by answered_at, then round_question_id).

        A keyset page: index answers_by_player_time (migration 003) serves each one without an offset.
        """
        if limit <= 0:
            raise ValueError(f"limit must be positive, got {limit}")
        if after is None:
            rows = await self._fetch(
                f"{ANSWER_SELECT} WHERE a.user_id = $1 ORDER BY a.answered_at, a.round_question_id LIMIT $2",
                user_id,
                limit,
            )
        else:
            rows = await self._fetch(
                f"""
                {ANSWER_SELECT}
                WHERE a.user_id = $1 AND (a.answered_at, a.round_question_id) > ($2::timestamptz, $3::bigint)
                ORDER BY a.answered_at, a.round_question_id LIMIT $4
                """,
                user_id,
                utc(after[0]),
                after[1],
                limit,
            )
        return [answer_row(row) for row in rows]

    async def delete_player(self, user_id: int) -> int:
        """Delete a player's answers, totals, weekly rows and disputes; forget their id on rounds and decisions.

        Returns how many rows were deleted (rows that only had the id cleared are not counted).
        """

        async def work() -> int:
            deleted = 0
            for table in ("disputes", "answers", "player_totals", "player_weekly"):
                deleted += await self._execute(f"DELETE FROM {table} WHERE user_id = $1", user_id)
            await self._execute("UPDATE rounds SET starter_id = NULL WHERE starter_id = $1", user_id)
            await self._execute("UPDATE rounds SET winner_id = NULL WHERE winner_id = $1", user_id)
            await self._execute("UPDATE disputes SET decided_by = NULL WHERE decided_by = $1", user_id)
            await self._execute("UPDATE guild_aliases SET added_by = NULL WHERE added_by = $1", user_id)
            await self._execute("UPDATE guild_packs SET created_by = NULL WHERE created_by = $1", user_id)
            return deleted

        deleted = await self._write(work)
        log.info("Deleted %s row(s) about user %s", deleted, user_id)
        return deleted

    # ------------------------------------------------------------------ a server's own fact packs

    _PACK_COLUMNS = """
        p.id, p.guild_id, p.name, p.title, p.document_date, p.created_by, p.created_at,
        (SELECT count(*) FROM guild_pack_facts AS f WHERE f.pack_id = p.id AND f.status = 'draft') AS drafted,
        (SELECT count(*) FROM guild_pack_facts AS f WHERE f.pack_id = p.id AND f.status = 'approved') AS approved,
        (SELECT count(*) FROM guild_pack_facts AS f WHERE f.pack_id = p.id AND f.status = 'rejected') AS rejected
    """

    async def create_guild_pack(
        self,
        *,
        guild_id: int,
        name: str,
        title: str,
        document_date: dt.date,
        document_text: str,
        pack_json: str,
        facts: Sequence[NewPackFact],
        created_by: int,
        created_at: dt.datetime,
    ) -> GuildPack:
        """Store a drafted pack and its facts (all 'draft'); raise `PackExists` if the server has that name."""
        created = utc(created_at)

        async def work() -> int:
            row = await self._fetch_one(
                """
                INSERT INTO guild_packs
                    (guild_id, name, title, document_date, document_text, pack_json, created_by, created_at)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                RETURNING id
                """,
                guild_id,
                name,
                _pg_text(title),
                document_date,
                _pg_text(document_text),
                _pg_text(pack_json),
                created_by,
                created,
            )
            assert row is not None  # RETURNING after a successful INSERT always yields the row
            pack_id = int(row["id"])
            await self._execute_many(
                """
                INSERT INTO guild_pack_facts (pack_id, position, fact_id, status, answer, fact_json)
                VALUES ($1, $2, $3, 'draft', $4, $5)
                """,
                [
                    (pack_id, position, fact.fact_id, _pg_text(fact.answer), _pg_text(fact.fact_json))
                    for position, fact in enumerate(facts)
                ],
            )
            return pack_id

        try:
            pack_id = await self._write(work)
        except StorageConflict as exc:
            if is_unique_violation(exc):
                raise PackExists(name) from exc
            raise
        pack = await self.guild_pack_by_id(guild_id, pack_id)
        assert pack is not None
        return pack

    async def guild_packs(self, guild_id: int) -> list[GuildPack]:
        """Return a server's packs, by name."""
        rows = await self._fetch(
            f"SELECT {self._PACK_COLUMNS} FROM guild_packs AS p WHERE p.guild_id = $1 ORDER BY p.name", guild_id
        )
        return [_guild_pack(row) for row in rows]

    async def guild_pack(self, guild_id: int, name: str) -> GuildPack | None:
        """Return a server's pack of that name, or None."""
        row = await self._fetch_one(
            f"SELECT {self._PACK_COLUMNS} FROM guild_packs AS p WHERE p.guild_id = $1 AND p.name = $2", guild_id, name
        )
        return None if row is None else _guild_pack(row)

    async def guild_pack_by_id(self, guild_id: int, pack_id: int) -> GuildPack | None:
        """Return a pack of this server by id (None if it is gone or another server's)."""
        row = await self._fetch_one(
            f"SELECT {self._PACK_COLUMNS} FROM guild_packs AS p WHERE p.guild_id = $1 AND p.id = $2", guild_id, pack_id
        )
        return None if row is None else _guild_pack(row)

    async def guild_pack_source(self, pack_id: int) -> PackSource | None:
        """Return what rebuilds a pack's fact store, or None if the pack is gone."""
        row = await self._fetch_one("SELECT pack_json, document_text FROM guild_packs WHERE id = $1", pack_id)
        return None if row is None else PackSource(str(row["pack_json"]), str(row["document_text"]))

    async def pack_facts(self, pack_id: int, *, status: PackFactStatus | None = None) -> list[PackFact]:
        """Return a pack's facts in order, optionally only those of one status."""
        rows = await self._fetch(
            """
            SELECT pack_id, position, fact_id, status, answer, fact_json FROM guild_pack_facts
            WHERE pack_id = $1 AND ($2::text IS NULL OR status = $2::text) ORDER BY position
            """,
            pack_id,
            status,
        )
        return [_pack_fact(row) for row in rows]

    async def set_pack_fact_status(self, pack_id: int, position: int, status: PackFactStatus) -> PackFact | None:
        """Set a fact's review status and return it, or None if there is no such fact."""

        async def work() -> asyncpg.Record | None:
            return await self._fetch_one(
                """
                UPDATE guild_pack_facts SET status = $1 WHERE pack_id = $2 AND position = $3
                RETURNING pack_id, position, fact_id, status, answer, fact_json
                """,
                status,
                pack_id,
                position,
            )

        row = await self._write(work)
        return None if row is None else _pack_fact(row)

    async def delete_guild_pack(self, guild_id: int, name: str) -> bool:
        """Delete a server's pack and its facts (by the foreign key's cascade); return False if it had none."""

        async def work() -> int:
            return await self._execute("DELETE FROM guild_packs WHERE guild_id = $1 AND name = $2", guild_id, name)

        return await self._write(work) > 0


def _pg_text(text: str) -> str:
    """Return text PostgreSQL can store: it refuses NUL characters."""
    return text.replace("\x00", "?")


def _guild_pack(row: asyncpg.Record) -> GuildPack:
    return GuildPack(
        id=int(row["id"]),
        guild_id=int(row["guild_id"]),
        name=str(row["name"]),
        title=str(row["title"]),
        document_date=row["document_date"],
        created_by=None if row["created_by"] is None else int(row["created_by"]),
        created_at=row["created_at"].astimezone(dt.UTC),
        drafted=int(row["drafted"]),
        approved=int(row["approved"]),
        rejected=int(row["rejected"]),
    )


def _pack_fact(row: asyncpg.Record) -> PackFact:
    return PackFact(
        pack_id=int(row["pack_id"]),
        position=int(row["position"]),
        fact_id=str(row["fact_id"]),
        status=row["status"],
        answer=str(row["answer"]),
        fact_json=str(row["fact_json"]),
    )
