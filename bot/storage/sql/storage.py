"""`SQLStorage`: every query of the `Storage` interface, written once for both SQL backends.

A backend subclasses it and supplies what truly differs: its `Dialect` (value encoders and decoders, error tests,
the few statements of its own), the connection and transaction machinery behind four primitives (`_rows`,
`_change`, `_change_many`, `_write`), opening and closing, the integrity check, and the group-committed answer
path (`record_answer` and the batch writer behind it).

The SQL text is PostgreSQL's (numbered ``$n`` placeholders); `bot.storage.sql.statements` says how SQLite runs it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from types import TracebackType
from typing import TYPE_CHECKING, ClassVar, Self, TypeVar, cast

import bot.storage.sql.statements as sql
from bot.storage.answer_writer import StorageStats
from bot.storage.base import (
    DEFAULT_QUESTIONS,
    DEFAULT_SECONDS,
    MAX_ANSWER_TEXT,
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
    QuestionStillOpen,
    RecordNotFound,
    RoundAlreadyRunning,
    RoundQuestionRow,
    RoundRow,
    ScoredAnswer,
    StorageConflict,
    week_start_of,
)
from bot.storage.checks import FINAL_STATUSES, check_positive, check_week_start
from bot.storage.export import jsonable
from bot.storage.sql.dialect import Dialect, Row
from bot.storage.sql.rows import (
    answer_row,
    dispute_row,
    guild_pack,
    iso_time,
    pack_fact,
    question_row,
    round_row,
    storable_id,
)
from bot.storage.totals import GLOBAL_SCOPE, TotalsDelta, totals_scopes

if TYPE_CHECKING:
    from bot.storage.answer_writer import AnswerWriter

log = logging.getLogger(__name__)

T = TypeVar("T")


class SQLStorage(ABC):
    """The queries of `Storage` over a backend's primitives; see the module docstring for what a backend adds."""

    dialect: ClassVar[Dialect]
    """How this backend encodes, decodes and differs."""

    _answers: AnswerWriter
    _commits: int

    # ------------------------------------------------------------------ what a backend supplies

    @abstractmethod
    async def close(self) -> None:
        """Write every queued answer, then release the database."""

    @abstractmethod
    def transaction(self) -> AbstractAsyncContextManager[None]:
        """Run the block's writes in one transaction; a nested call by the same task uses a savepoint."""

    @abstractmethod
    async def integrity_check(self) -> str:
        """Return "ok", or a description of every problem the database found in itself."""

    @abstractmethod
    def _owns_transaction(self) -> bool:
        """Return whether the calling task is inside one of this storage's transactions."""

    @abstractmethod
    async def _write(self, work: Callable[[], Awaitable[T]]) -> T:
        """Run `work` in a transaction (as a savepoint inside the caller's own) and return its result."""

    @abstractmethod
    async def _rows(self, sql: str, *args: object) -> Sequence[Row]:
        """Run a statement of `bot.storage.sql.statements`'s form and return its rows (inside the task's own
        transaction, to see its writes, else outside any)."""

    @abstractmethod
    async def _change(self, sql: str, *args: object) -> int:
        """Run one write inside the current transaction; return how many rows it changed."""

    @abstractmethod
    async def _change_many(self, sql: str, rows: Iterable[Sequence[object]]) -> None:
        """Run one write per row of parameters inside the current transaction."""

    async def _row(self, sql: str, *args: object) -> Row | None:
        """Run a statement and return its first row, or None."""
        rows = await self._rows(sql, *args)
        return rows[0] if rows else None

    # ------------------------------------------------------------------ lifetime and counters

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        await self.close()

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

    # ------------------------------------------------------------------ totals

    async def _add_to_totals(self, guild_id: int, deltas: Sequence[TotalsDelta], *, week: dt.date | None) -> None:
        """Add deltas to the totals of each of the guild's `totals_scopes` (and weekly rows when `week` is given).

        Rows go in (scope, user) order, so concurrent transactions (PostgreSQL) lock them in the same order.
        """
        if not deltas:
            return
        ordered = sorted(deltas, key=lambda delta: delta.user_id)
        scopes = sorted(totals_scopes(guild_id))
        await self._change_many(
            self.dialect.totals_upsert_sql,
            [
                (scope, d.user_id, d.points, d.answers, d.correct, d.best_streak, d.rounds_played, d.rounds_won)
                for scope in scopes
                for d in ordered
            ],
        )
        if week is not None:
            week_value = self.dialect.date(week)
            await self._change_many(
                sql.WEEKLY_UPSERT_SQL,
                [(scope, week_value, d.user_id, d.points, d.answers, d.correct) for scope in scopes for d in ordered],
            )

    # ------------------------------------------------------------------ meta

    async def get_meta(self, key: str) -> str | None:
        """Return a stored bot-wide value, or None."""
        row = await self._row("SELECT value FROM meta WHERE key = $1", key)
        return None if row is None else str(row["value"])

    async def set_meta(self, key: str, value: str) -> None:
        """Store a bot-wide value, replacing any previous one."""

        async def work() -> None:
            await self._change(
                "INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                key,
                value,
            )

        await self._write(work)

    # ------------------------------------------------------------------ guild settings

    async def get_guild_settings(self, guild_id: int) -> GuildSettings:
        """Return the server's round defaults (the built-in defaults if it never set any)."""
        row = await self._row(
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

        async def work() -> Row | None:
            return await self._row(
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
        started = self.dialect.time(started_at)

        async def work() -> Row | None:
            return await self._row(
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
            if self.dialect.is_unique_violation(exc):
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
            self.dialect.time(opened_at),
            self.dialect.time(deadline_at),
            message_id,
        )

        async def work() -> Row | None:
            return await self._row(
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
            if self.dialect.is_foreign_key_violation(exc):
                raise RecordNotFound(f"round {round_id} does not exist") from exc
            if self.dialect.is_unique_violation(exc):
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
            return await self._change(
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
        ended = self.dialect.time(ended_at)

        async def work() -> bool:
            # FOR UPDATE: answer batches hold the round FOR SHARE, so the participants read below are all of them.
            row = await self._row("SELECT guild_id, status FROM rounds WHERE id = $1 FOR UPDATE", round_id)
            if row is None:
                raise RecordNotFound(f"round {round_id} does not exist")
            if row["status"] != "running":
                log.debug("Round %s had already ended; not finishing it again", round_id)
                return False
            participants = {
                int(participant["user_id"])
                for participant in await self._rows(
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
            await self._change(
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
        row = await self._row(sql.ROUND_BY_ID, round_id)
        return None if row is None else round_row(row, self.dialect)

    async def running_rounds(self) -> list[RoundRow]:
        """Return every round still marked running, oldest first."""
        return [round_row(row, self.dialect) for row in await self._rows(sql.RUNNING_ROUNDS)]

    async def close_interrupted_rounds(self, ended_at: dt.datetime, *, terminal: bool = False) -> list[RoundRow]:
        """End every running Discord round (``terminal``: every terminal round) as 'interrupted' and return them.

        The bot and the terminal player may share a database: neither closes the other's rounds.
        """
        statement = sql.RUNNING_TERMINAL_ROUNDS if terminal else sql.RUNNING_DISCORD_ROUNDS

        async def work() -> tuple[list[RoundRow], list[RoundRow | None]]:
            running = [round_row(row, self.dialect) for row in await self._rows(statement)]
            for interrupted in running:
                await self.finish_round(interrupted.id, status="interrupted", ended_at=ended_at, winner_id=None)
            return running, [await self.get_round(interrupted.id) for interrupted in running]

        running, closed = await self._write(work)
        if running:
            log.info("Marked %s running round(s) as interrupted", len(running))
        return [row for row in closed if row is not None]

    async def get_round_question(self, round_question_id: int) -> RoundQuestionRow | None:
        """Return the asked question, or None."""
        if not storable_id(round_question_id):
            return None
        row = await self._row(sql.QUESTION_BY_ID, round_question_id)
        return None if row is None else question_row(row, self.dialect)

    async def round_question_by_message(self, message_id: int) -> RoundQuestionRow | None:
        """Return the question shown in a Discord message, or None."""
        if not storable_id(message_id):
            return None
        row = await self._row(sql.QUESTION_BY_MESSAGE, message_id)
        return None if row is None else question_row(row, self.dialect)

    async def round_questions(self, round_id: int) -> list[RoundQuestionRow]:
        """Return a round's questions in order."""
        if not storable_id(round_id):
            return []
        return [question_row(row, self.dialect) for row in await self._rows(sql.QUESTIONS_OF_ROUND, round_id)]

    # ------------------------------------------------------------------ answers (the backend records them)

    async def question_answers(self, round_question_id: int) -> list[AnswerRow]:
        """Return every answer to a question, fastest first."""
        if not storable_id(round_question_id):
            return []
        return [answer_row(row, self.dialect) for row in await self._rows(sql.ANSWERS_TO_QUESTION, round_question_id)]

    async def score_question(
        self, round_question_id: int, results: Sequence[ScoredAnswer], *, closed_at: dt.datetime
    ) -> bool:
        """Write the verdicts, close the question and update totals; return False if already scored.

        Results for players who have no stored answer (say, a missing answer scored 0) change nothing.
        """
        if len({result.user_id for result in results}) != len(results):
            raise ValueError("results name the same player twice")
        closed = self.dialect.time(closed_at)

        async def work() -> bool:
            changed = await self._change(
                "UPDATE round_questions SET closed_at = $1 WHERE id = $2 AND closed_at IS NULL",
                closed,
                round_question_id,
            )
            question = await self._row(
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
                for row in await self._rows(
                    "SELECT user_id FROM answers WHERE round_question_id = $1", round_question_id
                )
            }
            scored = sorted(
                (result for result in results if result.user_id in answered), key=lambda result: result.user_id
            )
            await self._change_many(
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
            rows = await self._rows(self.dialect.leaderboard_all_time_sql, scope, limit, offset)
        else:
            rows = await self._rows(self.dialect.leaderboard_weekly_sql, scope, limit, offset, self.dialect.date(week))
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
        """Return how many players that leaderboard has (kept by the triggers of migration 002)."""
        scope = GLOBAL_SCOPE if guild_id is None else guild_id
        week = check_week_start(week_start)
        row = await self._row(
            self.dialect.leaderboard_size_sql, scope, None if week is None else self.dialect.date(week)
        )
        return 0 if row is None else int(row[0])

    async def player_stats(self, guild_id: int | None, user_id: int) -> PlayerStats:
        """Return a player's totals and rank (1 + players with more points) in a server, or across all."""
        scope = GLOBAL_SCOPE if guild_id is None else guild_id
        row = await self._row(sql.PLAYER_STATS_SQL, scope, user_id)
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
        added = self.dialect.time(added_at)

        async def work() -> int:
            # The table's one unique key is (guild_id, fact_id, alias) compared case-insensitively (SQLite: a
            # NOCASE primary key; PostgreSQL: a unique index on lower(alias)), so any conflict is a known alias.
            return await self._change(
                """
                INSERT INTO guild_aliases (guild_id, fact_id, alias, added_by, added_at) VALUES ($1, $2, $3, $4, $5)
                ON CONFLICT DO NOTHING
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
        rows = await self._rows(
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
        text = self.dialect.text(answer_text.strip()[:MAX_ANSWER_TEXT])
        if not text:
            raise ValueError("a dispute needs the answer text")
        created = self.dialect.time(created_at)

        async def work() -> Row | None:
            question = await self._row(
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
            return await self._row(
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
            if self.dialect.is_unique_violation(exc):
                raise DisputeExists(f"user {user_id} already disputed question {round_question_id}") from exc
            raise
        assert row is not None  # RETURNING after a successful INSERT always yields the row
        return int(row["id"])

    async def get_dispute(self, dispute_id: int) -> Dispute | None:
        """Return the dispute, or None."""
        if not storable_id(dispute_id):
            return None
        row = await self._row(sql.DISPUTE_BY_ID, dispute_id)
        return None if row is None else dispute_row(row, self.dialect)

    async def pending_disputes(self, guild_id: int, *, limit: int = 25) -> list[Dispute]:
        """Return the server's undecided disputes, oldest first."""
        return [dispute_row(row, self.dialect) for row in await self._rows(sql.PENDING_DISPUTES, guild_id, limit)]

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
        decided = self.dialect.time(decided_at)

        async def work() -> Dispute:
            changed = await self._change(
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
        answer = await self._row(
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
        await self._change(
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
        closed_at = self.dialect.time_value(answer["closed_at"])
        await self._add_to_totals(dispute.guild_id, [delta], week=week_start_of(closed_at))

    async def last_rejected_answer(self, guild_id: int, user_id: int) -> AnswerRow | None:
        """Return the player's most recent wrong typed answer on a scored question in this server."""
        row = await self._row(sql.LAST_REJECTED_ANSWER, user_id, guild_id)
        return None if row is None else answer_row(row, self.dialect)

    # ------------------------------------------------------------------ privacy

    async def export_player(self, user_id: int) -> dict[str, object]:
        """Return everything stored about a player but their answers as JSON-ready data (times as ISO text).

        The answers, however many, are read page by page with `player_answers`.
        """
        totals = [
            dict(row)
            for row in await self._rows(
                """
                SELECT guild_id, user_id, points, answers, correct, best_streak, rounds_played, rounds_won
                FROM player_totals WHERE user_id = $1
                """,
                user_id,
            )
        ]
        weekly = await self._rows(
            """
            SELECT guild_id, week_start, user_id, points, answers, correct FROM player_weekly
            WHERE user_id = $1 AND guild_id != $2 ORDER BY week_start, guild_id
            """,
            user_id,
            GLOBAL_SCOPE,
        )
        disputes = await self._rows(sql.DISPUTES_OF_PLAYER, user_id)
        aliases = await self._rows(
            "SELECT guild_id, fact_id, alias, added_at FROM guild_aliases WHERE added_by = $1 ORDER BY added_at",
            user_id,
        )
        counts = await self._row(
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
            "disputes": [dataclasses.asdict(dispute_row(row, self.dialect)) for row in disputes],
            "rounds_started": counts["rounds_started"],
            "rounds_won": counts["rounds_won"],
            "disputes_decided": counts["disputes_decided"],
            "aliases_added": [
                {**dict(row), "added_at": iso_time(self.dialect.time_value(row["added_at"]))} for row in aliases
            ],
        }
        return cast(dict[str, object], jsonable(export))

    async def player_answers(
        self, user_id: int, *, after: tuple[dt.datetime, int] | None = None, limit: int = 1000
    ) -> list[AnswerRow]:
        """Return a page of the player's answers, oldest first (by answered_at, then round_question_id).

        ``after`` is the (answered_at, round_question_id) of the last answer of the previous page.
        """
        if limit <= 0:
            raise ValueError(f"limit must be positive, got {limit}")
        if after is None:
            rows = await self._rows(sql.PLAYER_ANSWERS_FIRST_PAGE, user_id, limit)
        else:
            rows = await self._rows(sql.PLAYER_ANSWERS_NEXT_PAGE, user_id, self.dialect.time(after[0]), after[1], limit)
        return [answer_row(row, self.dialect) for row in rows]

    async def delete_player(self, user_id: int) -> int:
        """Delete a player's answers, totals, weekly rows and disputes; forget their id on rounds and decisions.

        Returns how many rows were deleted (rows that only had the id cleared are not counted).
        """

        # Their answers already on the way are written first, then deleted with the rest (a commit window may hold
        # one for a few milliseconds; written after the deletion, it would be a row about them again). Not inside
        # the caller's own transaction: SQLite's answer batch would wait for that very transaction to end.
        if not self._owns_transaction():
            await self._answers.flush()

        async def work() -> int:
            await self._rows(sql.PLAYER_RUNNING_ROUNDS_LOCK, user_id)  # a round ending now goes first, or after
            deleted = 0
            for statement in sql.PLAYER_ROW_DELETES:
                deleted += await self._change(statement, user_id)
            for statement in sql.PLAYER_ID_CLEARS:
                await self._change(statement, user_id)
            return deleted

        deleted = await self._write(work)
        log.info("Deleted %s row(s) about user %s", deleted, user_id)
        return deleted

    # ------------------------------------------------------------------ a server's own fact packs

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
        text = self.dialect.text
        created = self.dialect.time(created_at)

        async def work() -> int:
            row = await self._row(
                """
                INSERT INTO guild_packs
                    (guild_id, name, title, document_date, document_text, pack_json, created_by, created_at)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                RETURNING id
                """,
                guild_id,
                name,
                text(title),
                self.dialect.date(document_date),
                text(document_text),
                text(pack_json),
                created_by,
                created,
            )
            assert row is not None  # RETURNING after a successful INSERT always yields the row
            pack_id = int(row["id"])
            await self._change_many(
                """
                INSERT INTO guild_pack_facts (pack_id, position, fact_id, status, answer, fact_json)
                VALUES ($1, $2, $3, 'draft', $4, $5)
                """,
                [
                    (pack_id, position, fact.fact_id, text(fact.answer), text(fact.fact_json))
                    for position, fact in enumerate(facts)
                ],
            )
            return pack_id

        try:
            pack_id = await self._write(work)
        except StorageConflict as exc:
            if self.dialect.is_unique_violation(exc):
                raise PackExists(name) from exc
            raise
        pack = await self.guild_pack_by_id(guild_id, pack_id)
        assert pack is not None
        return pack

    async def guild_packs(self, guild_id: int) -> list[GuildPack]:
        """Return a server's packs, by name."""
        return [guild_pack(row, self.dialect) for row in await self._rows(sql.PACKS_OF_GUILD, guild_id)]

    async def guild_pack(self, guild_id: int, name: str) -> GuildPack | None:
        """Return a server's pack of that name, or None."""
        row = await self._row(sql.PACK_BY_NAME, guild_id, name)
        return None if row is None else guild_pack(row, self.dialect)

    async def guild_pack_by_id(self, guild_id: int, pack_id: int) -> GuildPack | None:
        """Return a pack of this server by id (None if it is gone or another server's)."""
        row = await self._row(sql.PACK_BY_ID, guild_id, pack_id)
        return None if row is None else guild_pack(row, self.dialect)

    async def guild_pack_source(self, pack_id: int) -> PackSource | None:
        """Return what rebuilds a pack's fact store, or None if the pack is gone."""
        row = await self._row("SELECT pack_json, document_text FROM guild_packs WHERE id = $1", pack_id)
        return None if row is None else PackSource(str(row["pack_json"]), str(row["document_text"]))

    async def pack_facts(self, pack_id: int, *, status: PackFactStatus | None = None) -> list[PackFact]:
        """Return a pack's facts in order, optionally only those of one status."""
        rows = await self._rows(
            sql.PACK_FACTS,
            pack_id,
            status,
        )
        return [pack_fact(row) for row in rows]

    async def set_pack_fact_status(self, pack_id: int, position: int, status: PackFactStatus) -> PackFact | None:
        """Set a fact's review status and return it, or None if there is no such fact."""

        async def work() -> Row | None:
            return await self._row(sql.PACK_FACT_STATUS_UPDATE, status, pack_id, position)

        row = await self._write(work)
        return None if row is None else pack_fact(row)

    async def delete_guild_pack(self, guild_id: int, name: str) -> bool:
        """Delete a server's pack and its facts (by the foreign key's cascade); return False if it had none."""

        async def work() -> int:
            return await self._change("DELETE FROM guild_packs WHERE guild_id = $1 AND name = $2", guild_id, name)

        return await self._write(work) > 0
