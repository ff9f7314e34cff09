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
resolves every waiter.

Errors. "database is locked"/busy, disk full, I/O errors and the like become `StorageUnavailable`;
constraint violations become the matching domain error. A failed transaction is rolled back whole.

Layout of this package: `connection` (pragmas), `schema` (migrations), `statements` (shared SQL), `rows`
(value and row conversions), `errors` (driver errors to domain errors) and this module (every query).
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import logging
import sqlite3
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, cast

import aiosqlite

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
    StorageError,
    StorageUnavailable,
    week_start_of,
)
from bot.storage.checks import FINAL_STATUSES, check_positive, check_week_start
from bot.storage.export import jsonable
from bot.storage.sqlite.connection import MIN_SQLITE_VERSION, connect
from bot.storage.sqlite.errors import domain_errors, is_foreign_key_violation, is_unique_violation
from bot.storage.sqlite.rows import (
    answer_params,
    answer_row,
    dispute_row,
    encodable,
    question_row,
    round_row,
    storable_id,
    time_text,
    time_value,
)
from bot.storage.sqlite.schema import load_migrations, migrate
from bot.storage.sqlite.statements import (
    ANSWER_SELECT,
    ANSWER_UPSERT_SQL,
    DISPUTE_SELECT,
    QUESTION_SELECT,
    ROUND_SELECT,
    TOTALS_UPSERT_SQL,
    WEEKLY_UPSERT_SQL,
)
from bot.storage.totals import GLOBAL_SCOPE, TotalsDelta, totals_scopes

log = logging.getLogger(__name__)

Params = Sequence[Any] | Mapping[str, Any]


class SQLiteStorage:
    """`Storage` on one SQLite file; create it with `SQLiteStorage.open`."""

    def __init__(self, path: Path, writer: aiosqlite.Connection, reader: aiosqlite.Connection) -> None:
        self.path = path
        self._writer = writer
        self._reader = reader
        self._write_lock = asyncio.Lock()
        self._transaction_owner: asyncio.Task[Any] | None = None
        self._savepoint_depth = 0
        self._closed = False
        self._commits = 0
        self._answers = AnswerWriter(self._write_answer_batch, name=f"answer-writer:{path.name}")

    @classmethod
    async def open(
        cls,
        path: str | Path,
        *,
        busy_timeout: float = 5.0,
        synchronous: Literal["NORMAL", "FULL"] = "NORMAL",
        max_size_bytes: int | None = None,
    ) -> SQLiteStorage:
        """Open (creating if needed) and migrate the database at `path`.

        `busy_timeout` is how long a write waits for another process's lock before `StorageUnavailable`;
        `max_size_bytes` caps the file size (writes past it fail with `StorageUnavailable`).
        """
        if sqlite3.sqlite_version_info < MIN_SQLITE_VERSION:
            raise StorageError(f"SQLite {sqlite3.sqlite_version} is too old; version 3.37 or newer is needed")
        if synchronous not in ("NORMAL", "FULL"):
            raise ValueError(f"synchronous must be 'NORMAL' or 'FULL', got {synchronous!r}")
        if busy_timeout < 0:
            raise ValueError(f"busy_timeout must not be negative, got {busy_timeout}")
        database = Path(path)
        database.parent.mkdir(parents=True, exist_ok=True)
        migrations = load_migrations()
        settings: dict[str, Any] = {
            "busy_timeout": busy_timeout,
            "synchronous": synchronous,
            "max_size_bytes": max_size_bytes,
        }
        writer = await connect(database, read_only=False, **settings)
        try:
            await migrate(writer, migrations, database)
            reader = await connect(database, read_only=True, **settings)
        except BaseException:
            await writer.close()
            raise
        log.info("Opened %s (schema version %s)", database, len(migrations))
        return cls(database, writer, reader)

    async def __aenter__(self) -> SQLiteStorage:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Write every queued answer, then close both connections."""
        if self._closed:
            return
        await self._answers.drain()
        async with self._write_lock:
            if self._closed:
                return
            self._closed = True
            try:
                with domain_errors():
                    await self._writer.execute_fetchall("PRAGMA optimize")
            except StorageError as exc:
                log.warning("PRAGMA optimize failed while closing %s: %s", self.path, exc)
            await self._reader.close()
            await self._writer.close()
        log.info("Closed %s", self.path)

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

    async def _fetch_one(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        rows = await self._fetch(sql, params)
        return rows[0] if rows else None

    async def _add_to_totals(self, guild_id: int, deltas: Sequence[TotalsDelta], *, week: dt.date | None) -> None:
        """Add deltas to the guild's and the all-guilds totals (and weekly rows when `week` is given)."""
        if not deltas:
            return
        scopes = totals_scopes(guild_id)
        await self._execute_many(
            TOTALS_UPSERT_SQL,
            [
                (scope, d.user_id, d.points, d.answers, d.correct, d.best_streak, d.rounds_played, d.rounds_won)
                for scope in scopes
                for d in deltas
            ],
        )
        if week is not None:
            week_text = week.isoformat()
            await self._execute_many(
                WEEKLY_UPSERT_SQL,
                [(scope, week_text, d.user_id, d.points, d.answers, d.correct) for scope in scopes for d in deltas],
            )

    # ------------------------------------------------------------------ meta

    async def integrity_check(self) -> str:
        """Return "ok", or every problem SQLite's integrity and foreign-key checks report."""
        problems = [str(row[0]) for row in await self._fetch("PRAGMA integrity_check")]
        if problems == ["ok"]:
            problems = []
        for row in await self._fetch("PRAGMA foreign_key_check"):
            problems.append(f"foreign key: {row[0]} row {row[1]} refers to a missing {row[2]} row")
        return "\n".join(problems) if problems else "ok"

    async def get_meta(self, key: str) -> str | None:
        """Return a stored bot-wide value, or None."""
        row = await self._fetch_one("SELECT value FROM meta WHERE key = ?", (key,))
        return None if row is None else str(row["value"])

    async def set_meta(self, key: str, value: str) -> None:
        """Store a bot-wide value, replacing any previous one."""
        async with self.transaction():
            await self._execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    # ------------------------------------------------------------------ guild settings

    async def get_guild_settings(self, guild_id: int) -> GuildSettings:
        """Return the server's round defaults (the built-in defaults if it never set any)."""
        row = await self._fetch_one(
            "SELECT default_questions, default_seconds FROM guild_settings WHERE guild_id = ?", (guild_id,)
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
        async with self.transaction():
            row = await self._fetch_one(
                """
                INSERT INTO guild_settings (guild_id, default_questions, default_seconds)
                VALUES (:guild, coalesce(:questions, :builtin_questions), coalesce(:seconds, :builtin_seconds))
                ON CONFLICT (guild_id) DO UPDATE SET
                    default_questions = coalesce(:questions, guild_settings.default_questions),
                    default_seconds = coalesce(:seconds, guild_settings.default_seconds)
                RETURNING default_questions, default_seconds
                """,
                {
                    "guild": guild_id,
                    "questions": default_questions,
                    "seconds": default_seconds,
                    "builtin_questions": DEFAULT_QUESTIONS,
                    "builtin_seconds": DEFAULT_SECONDS,
                },
            )
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
        params = (guild_id, channel_id, starter_id, question_count, seconds, category, kind, time_text(started_at))
        try:
            async with self.transaction():
                row = await self._fetch_one(
                    """
                    INSERT INTO rounds (guild_id, channel_id, starter_id, question_count, seconds, category, kind,
                                        started_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    RETURNING id
                    """,
                    params,
                )
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
            time_text(opened_at),
            time_text(deadline_at),
            message_id,
        )
        try:
            async with self.transaction():
                row = await self._fetch_one(
                    """
                    INSERT INTO round_questions (round_id, position, question_id, fact_id, kind, correct_choice,
                                                 opened_at, deadline_at, message_id)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    RETURNING id
                    """,
                    params,
                )
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
        try:
            async with self.transaction():
                changed = await self._execute(
                    "UPDATE round_questions SET message_id = ? WHERE id = ?", (message_id, round_question_id)
                )
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
        async with self.transaction():
            participants = {
                int(participant["user_id"])
                for participant in await self._fetch(
                    """
                    SELECT DISTINCT a.user_id FROM round_questions AS rq
                    JOIN answers AS a ON a.round_question_id = rq.id
                    WHERE rq.round_id = ?
                    """,
                    (round_id,),
                )
            }
            if winner_id not in participants:
                # A winner with no stored answer deleted their data during the round: record nothing about them.
                winner_id = None
            changed = await self._execute(
                "UPDATE rounds SET status = ?, ended_at = ?, winner_id = ? WHERE id = ? AND status = 'running'",
                (status, time_text(ended_at), winner_id, round_id),
            )
            row = await self._fetch_one("SELECT guild_id FROM rounds WHERE id = ?", (round_id,))
            if row is None:
                raise RecordNotFound(f"round {round_id} does not exist")
            if not changed:
                log.debug("Round %s had already ended; not finishing it again", round_id)
                return False
            deltas = [
                TotalsDelta(user_id=user_id, rounds_played=1, rounds_won=int(user_id == winner_id))
                for user_id in sorted(participants)
            ]
            await self._add_to_totals(int(row["guild_id"]), deltas, week=None)
        return True

    async def get_round(self, round_id: int) -> RoundRow | None:
        """Return the round, or None."""
        if not storable_id(round_id):
            return None
        row = await self._fetch_one(f"{ROUND_SELECT} WHERE id = ?", (round_id,))
        return None if row is None else round_row(row)

    async def running_rounds(self) -> list[RoundRow]:
        """Return every round still marked running, oldest first."""
        return [round_row(row) for row in await self._fetch(f"{ROUND_SELECT} WHERE status = 'running' ORDER BY id")]

    async def close_interrupted_rounds(self, ended_at: dt.datetime, *, terminal: bool = False) -> list[RoundRow]:
        """End every running Discord round (``terminal``: every terminal round) as 'interrupted' and return them.

        The bot and the terminal player may share a database: neither closes the other's rounds.
        """
        where = "guild_id < 0" if terminal else "guild_id > 0"
        async with self.transaction():
            running = [
                round_row(row)
                for row in await self._fetch(f"{ROUND_SELECT} WHERE status = 'running' AND {where} ORDER BY id")
            ]
            for interrupted in running:
                await self.finish_round(interrupted.id, status="interrupted", ended_at=ended_at, winner_id=None)
            closed = [await self.get_round(interrupted.id) for interrupted in running]
        if running:
            log.info("Marked %s running round(s) as interrupted", len(running))
        return [row for row in closed if row is not None]

    async def get_round_question(self, round_question_id: int) -> RoundQuestionRow | None:
        """Return the asked question, or None."""
        if not storable_id(round_question_id):
            return None
        row = await self._fetch_one(f"{QUESTION_SELECT} WHERE rq.id = ?", (round_question_id,))
        return None if row is None else question_row(row)

    async def round_question_by_message(self, message_id: int) -> RoundQuestionRow | None:
        """Return the question shown in a Discord message, or None."""
        if not storable_id(message_id):
            return None
        row = await self._fetch_one(f"{QUESTION_SELECT} WHERE rq.message_id = ?", (message_id,))
        return None if row is None else question_row(row)

    async def round_questions(self, round_id: int) -> list[RoundQuestionRow]:
        """Return a round's questions in order."""
        rows = await self._fetch(f"{QUESTION_SELECT} WHERE rq.round_id = ? ORDER BY rq.position", (round_id,))
        return [question_row(row) for row in rows]

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

    async def _write_answer_batch(self, batch: Sequence[PendingAnswer]) -> dict[int, Exception]:
        """Write one batch of answers in one transaction, in one trip to the writer's thread; return the refused
        ones by position in the batch."""
        self._ensure_open()
        params = [pending.params for pending in batch]
        question_ids = sorted({pending.answer.round_question_id for pending in batch})
        async with self._write_lock:  # no other transaction's statements between ours
            self._ensure_open()
            with domain_errors():
                open_rows = await _in_one_trip(self._writer, _write_answers, params, question_ids)
            self._commits += 1
        return {} if open_rows is None else _answer_refusals(batch, open_rows)

    async def question_answers(self, round_question_id: int) -> list[AnswerRow]:
        """Return every answer to a question, fastest first."""
        rows = await self._fetch(
            f"{ANSWER_SELECT} WHERE a.round_question_id = ? ORDER BY a.elapsed_ms, a.user_id", (round_question_id,)
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
        closed_text = time_text(closed_at)
        async with self.transaction():
            changed = await self._execute(
                "UPDATE round_questions SET closed_at = ? WHERE id = ? AND closed_at IS NULL",
                (closed_text, round_question_id),
            )
            question = await self._fetch_one(
                "SELECT r.guild_id FROM round_questions AS rq JOIN rounds AS r ON r.id = rq.round_id WHERE rq.id = ?",
                (round_question_id,),
            )
            if question is None:
                raise RecordNotFound(f"round question {round_question_id} does not exist")
            if not changed:
                log.debug("Question %s was already scored; ignoring the second scoring", round_question_id)
                return False
            answered = {
                int(row["user_id"])
                for row in await self._fetch(
                    "SELECT user_id FROM answers WHERE round_question_id = ?", (round_question_id,)
                )
            }
            scored = [result for result in results if result.user_id in answered]
            await self._execute_many(
                "UPDATE answers SET correct = ?, points = ? WHERE round_question_id = ? AND user_id = ?",
                [(int(result.correct), result.points, round_question_id, result.user_id) for result in scored],
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

    # ------------------------------------------------------------------ leaderboards

    async def leaderboard(
        self, *, guild_id: int | None, week_start: dt.date | None, limit: int, offset: int = 0
    ) -> list[LeaderboardRow]:
        """Return a page of standings: points desc, then correct desc, then user id; ties on points share a rank."""
        if limit <= 0 or offset < 0:
            raise ValueError(f"need limit > 0 and offset >= 0, got limit={limit}, offset={offset}")
        scope = GLOBAL_SCOPE if guild_id is None else guild_id
        week = check_week_start(week_start)
        week_text = None if week is None else week.isoformat()
        params: dict[str, object] = {"scope": scope, "week": week_text, "limit": limit, "offset": offset}
        if week_text is None:
            table, where = "player_totals", "guild_id = :scope"
        else:
            table, where = "player_weekly", "guild_id = :scope AND week_start = :week"
        # Only the page's first row needs a count: later rows either tie with the row before them or sit
        # exactly at their position. The count walks the ranking index, never the answers.
        rows = await self._fetch(
            f"""
            WITH page AS (
                SELECT user_id, points, correct, answers FROM {table} WHERE {where}
                ORDER BY points DESC, correct DESC, user_id LIMIT :limit OFFSET :offset
            )
            SELECT user_id, points, correct, answers,
                   (SELECT count(*) FROM {table} WHERE {where} AND points > (SELECT max(points) FROM page)) AS above
            FROM page ORDER BY points DESC, correct DESC, user_id
            """,
            params,
        )
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
        week_text = None if week is None else week.isoformat()
        # Kept by triggers (migration 002): counting the players would walk an index entry per player.
        row = await self._fetch_one(
            "SELECT players FROM leaderboard_sizes WHERE guild_id = ? AND week_start = ?", (scope, week_text or "")
        )
        return 0 if row is None else int(row[0])

    async def player_stats(self, guild_id: int | None, user_id: int) -> PlayerStats:
        """Return a player's totals and rank (1 + players with more points) in a server, or across all."""
        scope = GLOBAL_SCOPE if guild_id is None else guild_id
        row = await self._fetch_one(
            """
            SELECT t.points, t.rounds_played, t.rounds_won, t.answers, t.correct, t.best_streak,
                   (SELECT coalesce(sum(h.players), 0) FROM points_histogram AS h
                    WHERE h.guild_id = t.guild_id AND h.points > t.points) AS above
            FROM player_totals AS t WHERE t.guild_id = ? AND t.user_id = ?
            """,
            (scope, user_id),
        )
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
        async with self.transaction():
            changed = await self._execute(
                """
                INSERT INTO guild_aliases (guild_id, fact_id, alias, added_by, added_at) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (guild_id, fact_id, alias) DO NOTHING
                """,
                (guild_id, fact_id, cleaned, added_by, time_text(added_at)),
            )
        return changed > 0

    async def guild_aliases(self, guild_id: int, fact_id: str) -> list[str]:
        """Return the extra answers this server accepts for a fact, oldest first."""
        rows = await self._fetch(
            "SELECT alias FROM guild_aliases WHERE guild_id = ? AND fact_id = ? ORDER BY added_at, alias",
            (guild_id, fact_id),
        )
        return [str(row["alias"]) for row in rows]

    # ------------------------------------------------------------------ disputes

    async def create_dispute(
        self, *, round_question_id: int, guild_id: int, user_id: int, answer_text: str, created_at: dt.datetime
    ) -> int:
        """Open a dispute about a scored answer and return its id; one per player per question."""
        text = answer_text.strip()[:MAX_ANSWER_TEXT]
        if not text:
            raise ValueError("a dispute needs the answer text")
        try:
            async with self.transaction():
                question = await self._fetch_one(
                    """
                    SELECT rq.closed_at, a.guild_id AS answer_guild_id
                    FROM round_questions AS rq
                    LEFT JOIN answers AS a ON a.round_question_id = rq.id AND a.user_id = :user
                    WHERE rq.id = :question
                    """,
                    {"user": user_id, "question": round_question_id},
                )
                if question is None:
                    raise RecordNotFound(f"round question {round_question_id} does not exist")
                if question["answer_guild_id"] is None:
                    raise RecordNotFound(f"user {user_id} did not answer question {round_question_id}")
                if question["answer_guild_id"] != guild_id:
                    raise ValueError(f"question {round_question_id} was not asked in guild {guild_id}")
                if question["closed_at"] is None:
                    raise QuestionStillOpen(f"question {round_question_id} has not been scored yet")
                row = await self._fetch_one(
                    """
                    INSERT INTO disputes (round_question_id, guild_id, user_id, answer_text, created_at)
                    VALUES (?, ?, ?, ?, ?)
                    RETURNING id
                    """,
                    (round_question_id, guild_id, user_id, text, time_text(created_at)),
                )
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
        row = await self._fetch_one(f"{DISPUTE_SELECT} WHERE d.id = ?", (dispute_id,))
        return None if row is None else dispute_row(row)

    async def pending_disputes(self, guild_id: int, *, limit: int = 25) -> list[Dispute]:
        """Return the server's undecided disputes, oldest first."""
        rows = await self._fetch(
            f"{DISPUTE_SELECT} WHERE d.guild_id = ? AND d.status = 'pending' ORDER BY d.id LIMIT ?", (guild_id, limit)
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
        decided_text = time_text(decided_at)
        async with self.transaction():
            changed = await self._execute(
                """
                UPDATE disputes SET status = ?, decided_by = ?, decided_at = ?, points_awarded = ?
                WHERE id = ? AND status = 'pending'
                """,
                (status, decided_by, decided_text, points_awarded if accepted else 0, dispute_id),
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
        log.info("Dispute %s %s by %s", dispute_id, status, decided_by)
        return dispute

    async def _credit_disputed_answer(self, dispute: Dispute, points_awarded: int) -> None:
        answer = await self._fetch_one(
            """
            SELECT a.correct, a.points, rq.closed_at FROM answers AS a
            JOIN round_questions AS rq ON rq.id = a.round_question_id
            WHERE a.round_question_id = ? AND a.user_id = ?
            """,
            (dispute.round_question_id, dispute.user_id),
        )
        if answer is None:  # the foreign key from disputes to answers makes this a broken database
            raise RecordNotFound(f"the answer disputed in dispute {dispute.id} is gone")
        await self._execute(
            "UPDATE answers SET correct = 1, points = ? WHERE round_question_id = ? AND user_id = ?",
            (points_awarded, dispute.round_question_id, dispute.user_id),
        )
        delta = TotalsDelta(
            user_id=dispute.user_id,
            points=points_awarded - int(answer["points"]),
            correct=1 - int(answer["correct"] or 0),
        )
        await self._add_to_totals(dispute.guild_id, [delta], week=week_start_of(time_value(answer["closed_at"])))

    async def last_rejected_answer(self, guild_id: int, user_id: int) -> AnswerRow | None:
        """Return the player's most recent wrong typed answer on a scored question in this server."""
        row = await self._fetch_one(
            f"""
            {ANSWER_SELECT}
            WHERE a.user_id = ? AND a.guild_id = ? AND a.text IS NOT NULL AND a.correct = 0
              AND rq.closed_at IS NOT NULL
            ORDER BY a.answered_at DESC LIMIT 1
            """,
            (user_id, guild_id),
        )
        return None if row is None else answer_row(row)

    # ------------------------------------------------------------------ privacy

    async def export_player(self, user_id: int) -> dict[str, object]:
        """Return everything stored about a player but their answers as JSON-ready data (times as ISO text).

        The answers, however many, are read page by page with `player_answers`.
        """
        totals = [dict(row) for row in await self._fetch("SELECT * FROM player_totals WHERE user_id = ?", (user_id,))]
        weekly = await self._fetch(
            "SELECT * FROM player_weekly WHERE user_id = ? AND guild_id != ? ORDER BY week_start, guild_id",
            (user_id, GLOBAL_SCOPE),
        )
        disputes = await self._fetch(f"{DISPUTE_SELECT} WHERE d.user_id = ? ORDER BY d.id", (user_id,))
        aliases = await self._fetch(
            "SELECT guild_id, fact_id, alias, added_at FROM guild_aliases WHERE added_by = ? ORDER BY added_at",
            (user_id,),
        )
        counts = await self._fetch_one(
            """
            SELECT (SELECT count(*) FROM answers WHERE user_id = :user) AS answer_count,
                   (SELECT count(*) FROM rounds WHERE starter_id = :user) AS rounds_started,
                   (SELECT count(*) FROM rounds WHERE winner_id = :user) AS rounds_won,
                   (SELECT count(*) FROM disputes WHERE decided_by = :user) AS disputes_decided
            """,
            {"user": user_id},
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
            "aliases_added": [dict(row) for row in aliases],
        }
        return cast(dict[str, object], jsonable(export))

    async def player_answers(
        self, user_id: int, *, after: tuple[dt.datetime, int] | None = None, limit: int = 1000
    ) -> list[AnswerRow]:
        """Return a page of the player's answers, oldest first (by answered_at, then round_question_id)."""
        if limit <= 0:
            raise ValueError(f"limit must be positive, got {limit}")
        if after is None:
            rows = await self._fetch(
                f"{ANSWER_SELECT} WHERE a.user_id = ? ORDER BY a.answered_at, a.round_question_id LIMIT ?",
                (user_id, limit),
            )
        else:
            rows = await self._fetch(
                f"""
                {ANSWER_SELECT} WHERE a.user_id = ? AND (a.answered_at, a.round_question_id) > (?, ?)
                ORDER BY a.answered_at, a.round_question_id LIMIT ?
                """,
                (user_id, time_text(after[0]), after[1], limit),
            )
        return [answer_row(row) for row in rows]

    async def delete_player(self, user_id: int) -> int:
        """Delete a player's answers, totals, weekly rows and disputes; forget their id on rounds and decisions.

        Returns how many rows were deleted (rows that only had the id cleared are not counted).
        """
        async with self.transaction():
            deleted = 0
            for table in ("disputes", "answers", "player_totals", "player_weekly"):
                deleted += await self._execute(f"DELETE FROM {table} WHERE user_id = ?", (user_id,))
            await self._execute("UPDATE rounds SET starter_id = NULL WHERE starter_id = ?", (user_id,))
            await self._execute("UPDATE rounds SET winner_id = NULL WHERE winner_id = ?", (user_id,))
            await self._execute("UPDATE disputes SET decided_by = NULL WHERE decided_by = ?", (user_id,))
            await self._execute("UPDATE guild_aliases SET added_by = NULL WHERE added_by = ?", (user_id,))
            await self._execute("UPDATE guild_packs SET created_by = NULL WHERE created_by = ?", (user_id,))
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
        try:
            async with self.transaction():
                row = await self._fetch_one(
                    """
                    INSERT INTO guild_packs
                        (guild_id, name, title, document_date, document_text, pack_json, created_by, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    RETURNING id
                    """,
                    (
                        guild_id,
                        name,
                        encodable(title),
                        document_date.isoformat(),
                        encodable(document_text),
                        pack_json,
                        created_by,
                        time_text(created_at),
                    ),
                )
                assert row is not None  # RETURNING after a successful INSERT always yields the row
                pack_id = int(row["id"])
                await self._execute_many(
                    """
                    INSERT INTO guild_pack_facts (pack_id, position, fact_id, status, answer, fact_json)
                    VALUES (?, ?, ?, 'draft', ?, ?)
                    """,
                    [
                        (pack_id, position, fact.fact_id, encodable(fact.answer), fact.fact_json)
                        for position, fact in enumerate(facts)
                    ],
                )
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
            f"SELECT {self._PACK_COLUMNS} FROM guild_packs AS p WHERE p.guild_id = ? ORDER BY p.name", (guild_id,)
        )
        return [_guild_pack(row) for row in rows]

    async def guild_pack(self, guild_id: int, name: str) -> GuildPack | None:
        """Return a server's pack of that name, or None."""
        row = await self._fetch_one(
            f"SELECT {self._PACK_COLUMNS} FROM guild_packs AS p WHERE p.guild_id = ? AND p.name = ?", (guild_id, name)
        )
        return None if row is None else _guild_pack(row)

    async def guild_pack_by_id(self, guild_id: int, pack_id: int) -> GuildPack | None:
        """Return a pack of this server by id (None if it is gone or another server's)."""
        row = await self._fetch_one(
            f"SELECT {self._PACK_COLUMNS} FROM guild_packs AS p WHERE p.guild_id = ? AND p.id = ?", (guild_id, pack_id)
        )
        return None if row is None else _guild_pack(row)

    async def guild_pack_source(self, pack_id: int) -> PackSource | None:
        """Return what rebuilds a pack's fact store, or None if the pack is gone."""
        row = await self._fetch_one("SELECT pack_json, document_text FROM guild_packs WHERE id = ?", (pack_id,))
        return None if row is None else PackSource(str(row["pack_json"]), str(row["document_text"]))

    async def pack_facts(self, pack_id: int, *, status: PackFactStatus | None = None) -> list[PackFact]:
        """Return a pack's facts in order, optionally only those of one status."""
        rows = await self._fetch(
            """
            SELECT pack_id, position, fact_id, status, answer, fact_json FROM guild_pack_facts
            WHERE pack_id = ? AND (? IS NULL OR status = ?) ORDER BY position
            """,
            (pack_id, status, status),
        )
        return [_pack_fact(row) for row in rows]

    async def set_pack_fact_status(self, pack_id: int, position: int, status: PackFactStatus) -> PackFact | None:
        """Set a fact's review status and return it, or None if there is no such fact."""
        async with self.transaction():
            row = await self._fetch_one(
                """
                UPDATE guild_pack_facts SET status = ? WHERE pack_id = ? AND position = ?
                RETURNING pack_id, position, fact_id, status, answer, fact_json
                """,
                (status, pack_id, position),
            )
        return None if row is None else _pack_fact(row)

    async def delete_guild_pack(self, guild_id: int, name: str) -> bool:
        """Delete a server's pack and its facts; return False if it had none of that name."""
        async with self.transaction():
            await self._execute(
                """
                DELETE FROM guild_pack_facts
                WHERE pack_id IN (SELECT id FROM guild_packs WHERE guild_id = ? AND name = ?)
                """,
                (guild_id, name),
            )
            deleted = await self._execute("DELETE FROM guild_packs WHERE guild_id = ? AND name = ?", (guild_id, name))
        return deleted > 0


def _guild_pack(row: sqlite3.Row) -> GuildPack:
    return GuildPack(
        id=int(row["id"]),
        guild_id=int(row["guild_id"]),
        name=str(row["name"]),
        title=str(row["title"]),
        document_date=dt.date.fromisoformat(str(row["document_date"])),
        created_by=None if row["created_by"] is None else int(row["created_by"]),
        created_at=time_value(str(row["created_at"])),
        drafted=int(row["drafted"]),
        approved=int(row["approved"]),
        rejected=int(row["rejected"]),
    )


def _pack_fact(row: sqlite3.Row) -> PackFact:
    return PackFact(
        pack_id=int(row["pack_id"]),
        position=int(row["position"]),
        fact_id=str(row["fact_id"]),
        status=cast(PackFactStatus, row["status"]),
        answer=str(row["answer"]),
        fact_json=str(row["fact_json"]),
    )


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


def _answer_refusals(batch: Sequence[PendingAnswer], open_rows: Iterable[sqlite3.Row]) -> dict[int, Exception]:
    """Explain, by position in the batch, each answer the upsert's WHERE clause skipped."""
    open_questions = {int(row["id"]): (int(row["round_id"]), int(row["guild_id"])) for row in open_rows}
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
