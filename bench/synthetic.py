"""Fill a database with synthetic finished rounds, answers and matching totals, fast, for benchmarks.

The data goes through the real schema (migrated by `SQLiteStorage.open`), and the totals, weekly and
all-guilds rows are computed from the generated answers exactly as scoring would, so a seeded database
obeys the same invariants as a real one (the sum of answer points equals the totals' points, and so on).
Rows are written with raw ``executemany`` in one transaction, because going through `record_answer` and
`score_question` a million times would take minutes.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import random
import sqlite3
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from bot.storage.base import week_start_of
from bot.storage.sqlite import GLOBAL_SCOPE, TOTALS_UPSERT_SQL, WEEKLY_UPSERT_SQL, SQLiteStorage

log = logging.getLogger(__name__)

GUILD_ID_BASE = 900_000_000_000_000_000
CHANNEL_ID_BASE = 910_000_000_000_000_000
USER_ID_BASE = 920_000_000_000_000_000
ANSWERS_PER_QUESTION = 20
QUESTIONS_PER_ROUND = 10
FACT_COUNT = 500
CORRECT_RATE = 0.6
FIRST_DAY = dt.datetime(2025, 1, 6, tzinfo=dt.UTC)  # a Monday
SPAN = dt.timedelta(weeks=10)
FLUSH_EVERY = 100_000

_INSERT_ROUND = """
INSERT INTO rounds (id, guild_id, channel_id, starter_id, question_count, seconds, category, kind, status,
                    started_at, ended_at, winner_id)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
"""
_INSERT_QUESTION = """
INSERT INTO round_questions (id, round_id, position, question_id, fact_id, kind, correct_choice, opened_at,
                             deadline_at, closed_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
"""
_INSERT_ANSWER = """
INSERT INTO answers (round_question_id, user_id, guild_id, choice, text, correct, credit, points, attempts,
                     answered_at, elapsed_ms)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
"""


@dataclass(slots=True)
class _Totals:
    points: int = 0
    answers: int = 0
    correct: int = 0
    best_streak: int = 0
    rounds_played: int = 0
    rounds_won: int = 0


@dataclass(slots=True)
class _Weekly:
    points: int = 0
    answers: int = 0
    correct: int = 0


@dataclass(slots=True)
class _Pending:
    rounds: list[tuple[object, ...]] = field(default_factory=list)
    questions: list[tuple[object, ...]] = field(default_factory=list)
    answers: list[tuple[object, ...]] = field(default_factory=list)


async def seed_synthetic(path: str | Path, *, answers: int, players: int, guilds: int, seed: int = 0) -> None:
    """Add `answers` answers by `players` players spread over `guilds` guilds to the database at `path`.

    Every player belongs to one guild and answers roughly the same number of questions; the same seed
    gives the same data.
    """
    if answers < 0 or players < 1 or guilds < 1 or players < guilds:
        raise ValueError(f"need answers >= 0 and players >= guilds >= 1; got {answers=}, {players=}, {guilds=}")
    database = Path(path)
    storage = await SQLiteStorage.open(database)
    await storage.close()
    await asyncio.to_thread(_seed, database, answers=answers, players=players, guilds=guilds, seed=seed)


def _seed(path: Path, *, answers: int, players: int, guilds: int, seed: int) -> None:
    started = time.perf_counter()
    rng = random.Random(seed)
    members: list[list[int]] = [[] for _ in range(guilds)]
    for player_number in range(players):
        members[player_number % guilds].append(USER_ID_BASE + player_number)
    for guild_members in members:
        rng.shuffle(guild_members)
    next_in_line = [0] * guilds
    totals: defaultdict[tuple[int, int], _Totals] = defaultdict(_Totals)
    weekly: defaultdict[tuple[int, str, int], _Weekly] = defaultdict(_Weekly)
    pending = _Pending()
    question_spacing = SPAN / max(1, -(-answers // ANSWERS_PER_QUESTION))

    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("PRAGMA foreign_keys = ON")
        # A benchmark fixture can be rebuilt, so skip the fsyncs.
        connection.execute("PRAGMA synchronous = OFF")
        connection.execute("PRAGMA cache_size = -262144")
        connection.execute("BEGIN IMMEDIATE")
        next_round_id = connection.execute("SELECT coalesce(max(id), 0) + 1 FROM rounds").fetchone()[0]
        next_question_id = connection.execute("SELECT coalesce(max(id), 0) + 1 FROM round_questions").fetchone()[0]

        remaining = answers
        question_number = 0
        guild_index = 0
        while remaining > 0:
            guild_id = GUILD_ID_BASE + guild_index
            guild_members = members[guild_index]
            # Like a real round, the same group of players answers every question of it.
            first = next_in_line[guild_index]
            group_size = min(ANSWERS_PER_QUESTION, len(guild_members))
            next_in_line[guild_index] = (first + group_size) % len(guild_members)
            group = [guild_members[(first + offset) % len(guild_members)] for offset in range(group_size)]
            round_id = next_round_id
            next_round_id += 1
            round_started = FIRST_DAY + question_spacing * question_number
            round_points: dict[int, int] = {}
            streaks: dict[int, int] = {}
            question_count = 0
            closed_at = round_started
            for position in range(QUESTIONS_PER_ROUND):
                if remaining <= 0:
                    break
                opened_at = FIRST_DAY + question_spacing * question_number
                question_number += 1
                closed_at = opened_at + dt.timedelta(seconds=30)
                opened_text = opened_at.isoformat(timespec="microseconds")
                closed_text = closed_at.isoformat(timespec="microseconds")
                week = week_start_of(closed_at).isoformat()
                fact_id = f"synthetic-{rng.randrange(FACT_COUNT)}"
                correct_choice = rng.randrange(4)
                question_id = next_question_id
                next_question_id += 1
                pending.questions.append(
                    (
                        question_id,
                        round_id,
                        position,
                        f"{fact_id}.mc1",
                        fact_id,
                        "multiple_choice",
                        correct_choice,
                        opened_text,
                        closed_text,
                        closed_text,
                    )
                )
                answering = group[:remaining]
                for user_id in answering:
                    correct = rng.random() < CORRECT_RATE
                    streak = streaks.get(user_id, 0) + 1 if correct else 0
                    streaks[user_id] = streak
                    elapsed_ms = 300 + int(rng.random() * 29_700)
                    points = 100 + 50 * (30_000 - elapsed_ms) // 30_000 + min(50, 10 * (streak - 1)) if correct else 0
                    choice = correct_choice if correct else (correct_choice + 1 + int(rng.random() * 3)) % 4
                    answered_at = opened_at + dt.timedelta(milliseconds=elapsed_ms)
                    pending.answers.append(
                        (
                            question_id,
                            user_id,
                            guild_id,
                            choice,
                            None,
                            int(correct),
                            float(correct),
                            points,
                            1,
                            answered_at.isoformat(timespec="microseconds"),
                            elapsed_ms,
                        )
                    )
                    player = totals[(guild_id, user_id)]
                    player.points += points
                    player.answers += 1
                    player.correct += correct
                    player.best_streak = max(player.best_streak, streak)
                    week_row = weekly[(guild_id, week, user_id)]
                    week_row.points += points
                    week_row.answers += 1
                    week_row.correct += correct
                    round_points[user_id] = round_points.get(user_id, 0) + points
                remaining -= len(answering)
                question_count += 1
            winner = min(round_points, key=lambda user: (-round_points[user], user))
            for user_id in round_points:
                totals[(guild_id, user_id)].rounds_played += 1
            totals[(guild_id, winner)].rounds_won += 1
            pending.rounds.append(
                (
                    round_id,
                    guild_id,
                    CHANNEL_ID_BASE + guild_index,
                    group[0],
                    question_count,
                    30,
                    None,
                    "multiple_choice",
                    "finished",
                    round_started.isoformat(timespec="microseconds"),
                    closed_at.isoformat(timespec="microseconds"),
                    winner,
                )
            )
            if len(pending.answers) >= FLUSH_EVERY:
                _flush(connection, pending)
            guild_index = (guild_index + 1) % guilds
        _flush(connection, pending)
        _write_totals(connection, totals, weekly)
        connection.execute("COMMIT")
    except BaseException:
        if connection.in_transaction:
            connection.execute("ROLLBACK")
        raise
    finally:
        connection.close()
    log.info(
        "Seeded %s with %s answers by %s players in %s guilds in %.1f s",
        path,
        answers,
        players,
        guilds,
        time.perf_counter() - started,
    )


def _flush(connection: sqlite3.Connection, pending: _Pending) -> None:
    # Parents first, for the foreign keys.
    connection.executemany(_INSERT_ROUND, pending.rounds)
    connection.executemany(_INSERT_QUESTION, pending.questions)
    connection.executemany(_INSERT_ANSWER, pending.answers)
    pending.rounds.clear()
    pending.questions.clear()
    pending.answers.clear()


def _write_totals(
    connection: sqlite3.Connection,
    totals: dict[tuple[int, int], _Totals],
    weekly: dict[tuple[int, str, int], _Weekly],
) -> None:
    """Add the per-guild rows and their all-guilds sums, with the same upserts scoring uses."""
    everywhere: defaultdict[int, _Totals] = defaultdict(_Totals)
    for (_, user_id), row in totals.items():
        summed = everywhere[user_id]
        summed.points += row.points
        summed.answers += row.answers
        summed.correct += row.correct
        summed.best_streak = max(summed.best_streak, row.best_streak)
        summed.rounds_played += row.rounds_played
        summed.rounds_won += row.rounds_won
    scoped = [(guild_id, user_id, row) for (guild_id, user_id), row in totals.items()]
    scoped += [(GLOBAL_SCOPE, user_id, row) for user_id, row in everywhere.items()]
    connection.executemany(
        TOTALS_UPSERT_SQL,
        [
            (scope, user, row.points, row.answers, row.correct, row.best_streak, row.rounds_played, row.rounds_won)
            for scope, user, row in scoped
        ],
    )
    weekly_everywhere: defaultdict[tuple[str, int], _Weekly] = defaultdict(_Weekly)
    for (_, week, user_id), week_row in weekly.items():
        summed_week = weekly_everywhere[(week, user_id)]
        summed_week.points += week_row.points
        summed_week.answers += week_row.answers
        summed_week.correct += week_row.correct
    weekly_rows = [
        (guild_id, week, user_id, row.points, row.answers, row.correct)
        for (guild_id, week, user_id), row in weekly.items()
    ]
    weekly_rows += [
        (GLOBAL_SCOPE, week, user_id, row.points, row.answers, row.correct)
        for (week, user_id), row in weekly_everywhere.items()
    ]
    connection.executemany(WEEKLY_UPSERT_SQL, weekly_rows)
