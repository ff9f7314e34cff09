"""The storage against real databases, no mocks: every test that takes `storage` or `storage_backend` runs twice,
on a SQLite file in a temp folder and on a throwaway PostgreSQL database (tests/postgres_cluster.py)."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bench.synthetic import seed_synthetic
from bot.storage import (
    MAX_ANSWER_TEXT,
    AnswerInput,
    DisputeAlreadyDecided,
    DisputeExists,
    LeaderboardRow,
    QuestionNotOpen,
    QuestionStillOpen,
    RecordNotFound,
    RoundAlreadyRunning,
    SchemaTooNew,
    ScoredAnswer,
    SQLiteStorage,
    Storage,
    StorageUnavailable,
)
from bot.storage.opening import AnyStorage
from bot.storage.postgresql import load_migrations as postgres_migrations
from bot.storage.sql import statements as shared_statements
from bot.storage.sqlite import load_migrations, split_sql_statements
from bot.storage.sqlite.statements import sqlite_sql
from tests.storage_backends import StorageBackend

REPO_ROOT = Path(__file__).resolve().parents[1]
GUILD = 111_111_111_111_111_111
OTHER_GUILD = 222_222_222_222_222_222
CHANNEL = 333_333_333_333_333_333
STARTER = 444_444_444_444_444_444
ALICE, BOB, CAROL, DAVE = 1001, 1002, 1003, 1004
WEDNESDAY = dt.datetime(2025, 1, 8, 12, 0, tzinfo=dt.UTC)
WEEK_1 = dt.date(2025, 1, 6)
SUNDAY_NIGHT = dt.datetime(2025, 1, 12, 23, 59, tzinfo=dt.UTC)
MONDAY_MORNING = dt.datetime(2025, 1, 13, 0, 1, tzinfo=dt.UTC)
WEEK_2 = dt.date(2025, 1, 13)


@pytest.fixture
async def storage(storage_backend: StorageBackend) -> AsyncIterator[AnyStorage]:
    opened = await storage_backend.open()
    yield opened
    await opened.close()


async def start_round(
    storage: AnyStorage, *, guild_id: int = GUILD, channel_id: int = CHANNEL, starter_id: int = STARTER
) -> int:
    return await storage.create_round(
        guild_id=guild_id,
        channel_id=channel_id,
        starter_id=starter_id,
        question_count=5,
        seconds=30,
        category=None,
        kind="mixed",
        started_at=WEDNESDAY,
    )


async def ask(
    storage: AnyStorage, round_id: int, position: int = 0, *, fact_id: str = "launch-time", kind: str = "typed"
) -> int:
    return await storage.add_round_question(
        round_id=round_id,
        position=position,
        question_id=f"{fact_id}.{kind}{position}",
        fact_id=fact_id,
        kind=kind,
        correct_choice=None if kind == "typed" else 1,
        opened_at=WEDNESDAY,
        deadline_at=WEDNESDAY + dt.timedelta(seconds=30),
    )


def answer(
    question: int,
    round_id: int,
    user_id: int,
    *,
    choice: int | None = None,
    text: str | None = "wrong guess",
    elapsed_ms: int = 1000,
    guild_id: int = GUILD,
) -> AnswerInput:
    return AnswerInput(
        round_question_id=question,
        round_id=round_id,
        guild_id=guild_id,
        user_id=user_id,
        choice=choice,
        text=text,
        correct=None,
        credit=0.0,
        answered_at=WEDNESDAY + dt.timedelta(milliseconds=elapsed_ms),
        elapsed_ms=elapsed_ms,
    )


async def play_question(
    storage: AnyStorage,
    round_id: int,
    position: int,
    verdicts: dict[int, tuple[bool, int]],
    *,
    closed_at: dt.datetime = WEDNESDAY,
    guild_id: int = GUILD,
) -> int:
    """Ask a typed question, record one answer per player, and score it with the given (correct, points)."""
    question = await ask(storage, round_id, position)
    for user_id in verdicts:
        await storage.record_answer(answer(question, round_id, user_id, guild_id=guild_id))
    results = [ScoredAnswer(user, correct, points, int(correct)) for user, (correct, points) in verdicts.items()]
    assert await storage.score_question(question, results, closed_at=closed_at)
    return question


def raw_count(path: Path, sql: str, params: tuple[object, ...] = ()) -> int:
    with sqlite3.connect(path) as connection:
        return int(connection.execute(sql, params).fetchone()[0])


# --------------------------------------------------------------------------- migrations and opening


async def test_open_creates_folder_and_migrates_an_empty_database(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "folder" / "trivia.db"
    storage = await SQLiteStorage.open(path)
    try:
        assert await storage.integrity_check() == "ok"
    finally:
        await storage.close()
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA user_version").fetchone()[0] == len(load_migrations())
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"rounds", "round_questions", "answers", "player_totals", "player_weekly", "disputes"} <= tables


async def test_reopening_keeps_data_and_version(storage_backend: StorageBackend) -> None:
    async with await storage_backend.open() as first:
        await first.set_meta("command_tree_hash", "abc")
    async with await storage_backend.open() as second:
        assert await second.get_meta("command_tree_hash") == "abc"
        await second.set_meta("command_tree_hash", "def")
        assert await second.get_meta("command_tree_hash") == "def"
        assert await second.get_meta("missing") is None
    assert await storage_backend.schema_version() == storage_backend.latest_version == len(load_migrations())


async def test_database_from_newer_code_is_refused_untouched(storage_backend: StorageBackend) -> None:
    async with await storage_backend.open():
        pass
    newer = storage_backend.latest_version + 1
    await storage_backend.set_schema_version(newer)
    with pytest.raises(SchemaTooNew, match="newer version of the bot"):
        await storage_backend.open()
    assert await storage_backend.schema_version() == newer


def test_migrations_are_numbered_without_gaps_and_split_into_statements() -> None:
    migrations = load_migrations()
    assert [migration.version for migration in migrations] == list(range(1, len(migrations) + 1))
    # The same schema version numbers on both backends, for the same changes.
    assert [(m.version, m.name) for m in postgres_migrations()] == [(m.version, m.name) for m in migrations]
    statements = split_sql_statements("-- a comment\nCREATE TABLE a (x);\nCREATE TABLE b (\n  y\n);\n-- end\n")
    assert statements == ["-- a comment\nCREATE TABLE a (x);", "CREATE TABLE b (\n  y\n);"]
    with pytest.raises(ValueError, match="incomplete"):
        split_sql_statements("CREATE TABLE a (x)")


async def test_the_shared_sql_translates_into_statements_sqlite_prepares(tmp_path: Path) -> None:
    """Every statement of the shared SQL (PostgreSQL's form) becomes one SQLite accepts: numbered ``?n``
    placeholders, no casts, no row locks. EXPLAIN prepares each one against the migrated schema without running
    it."""
    database = tmp_path / "shared.db"
    async with await SQLiteStorage.open(database):
        pass
    shared = {name: value for name, value in vars(shared_statements).items() if name.isupper()}
    texts = [text for value in shared.values() for text in (value if isinstance(value, tuple) else (value,))]
    assert len(texts) > 20
    connection = sqlite3.connect(database)
    try:
        for text in texts:
            translated = sqlite_sql(text)
            assert "$" not in translated and "::" not in translated and " FOR " not in translated.upper()
            if not translated.lstrip().upper().startswith(("SELECT", "INSERT", "UPDATE", "DELETE")):
                continue  # a fragment (a column list), not a statement
            parameters = max((int(n) for n in re.findall(r"\?(\d+)", translated)), default=0)
            connection.execute(f"EXPLAIN {translated}", [None] * parameters)
    finally:
        connection.close()
    assert sqlite_sql("SELECT x FROM t WHERE a = $2 AND b = $1::bigint FOR UPDATE OF t") == (
        "SELECT x FROM t WHERE a = ?2 AND b = ?1"
    )


async def test_storage_satisfies_the_protocol(storage: AnyStorage) -> None:
    as_protocol: Storage = storage  # mypy checks every method signature here
    assert await as_protocol.get_guild_settings(GUILD) == await storage.get_guild_settings(GUILD)


async def test_ids_beyond_64_bits_are_simply_not_found_on_every_backend(storage: AnyStorage) -> None:
    huge = 2**63  # ids parsed from custom_ids can be anything; no driver may see one that does not fit
    assert await storage.get_round(huge) is None
    assert await storage.get_round_question(-huge - 1) is None
    assert await storage.round_questions(huge) == []
    assert await storage.question_answers(huge) == []
    assert await storage.get_dispute(huge) is None
    with pytest.raises(RecordNotFound):
        await storage.finish_round(huge, status="finished", ended_at=WEDNESDAY, winner_id=None)
    with pytest.raises(RecordNotFound):
        await storage.score_question(huge, [], closed_at=WEDNESDAY)
    with pytest.raises(RecordNotFound):
        await storage.create_dispute(
            round_question_id=huge, guild_id=GUILD, user_id=ALICE, answer_text="x", created_at=WEDNESDAY
        )
    with pytest.raises(RecordNotFound):
        await storage.decide_dispute(huge, accepted=True, decided_by=BOB, decided_at=WEDNESDAY, points_awarded=1)


# --------------------------------------------------------------------------- settings and rounds


async def test_guild_settings_default_and_partial_update(storage: AnyStorage) -> None:
    settings = await storage.get_guild_settings(GUILD)
    assert (settings.default_questions, settings.default_seconds) == (10, 30)
    updated = await storage.set_guild_settings(GUILD, default_seconds=45)
    assert (updated.default_questions, updated.default_seconds) == (10, 45)
    updated = await storage.set_guild_settings(GUILD, default_questions=5)
    assert (updated.default_questions, updated.default_seconds) == (5, 45)
    assert await storage.get_guild_settings(GUILD) == updated
    assert (await storage.get_guild_settings(OTHER_GUILD)).default_questions == 10
    with pytest.raises(ValueError, match="positive"):
        await storage.set_guild_settings(GUILD, default_seconds=0)


async def test_one_running_round_per_channel(storage: AnyStorage) -> None:
    first = await start_round(storage)
    with pytest.raises(RoundAlreadyRunning) as refused:
        await start_round(storage)
    assert refused.value.channel_id == CHANNEL
    elsewhere = await start_round(storage, channel_id=CHANNEL + 1)
    assert await storage.finish_round(first, status="finished", ended_at=WEDNESDAY, winner_id=None)
    second = await start_round(storage)
    assert second != first
    # Ids only grow (PostgreSQL's sequences may skip the id of the refused insert).
    assert first < elsewhere < second
    assert [row.id for row in await storage.running_rounds()] == [elsewhere, second]


async def test_round_and_question_lookups(storage: AnyStorage) -> None:
    round_id = await start_round(storage)
    question = await ask(storage, round_id, 0, kind="mc")
    await storage.set_question_message(question, 987_654_321)
    by_message = await storage.round_question_by_message(987_654_321)
    assert by_message is not None
    assert (by_message.id, by_message.round_id, by_message.guild_id, by_message.channel_id) == (
        question,
        round_id,
        GUILD,
        CHANNEL,
    )
    assert by_message.opened_at == WEDNESDAY
    assert by_message.closed_at is None
    assert await storage.round_question_by_message(1) is None
    round_row = await storage.get_round(round_id)
    assert round_row is not None
    assert (round_row.status, round_row.starter_id, round_row.started_at) == ("running", STARTER, WEDNESDAY)
    with pytest.raises(RecordNotFound):
        await storage.set_question_message(question + 100, 5)
    with pytest.raises(RecordNotFound):
        await ask(storage, round_id + 100)


async def test_finish_round_credits_participants_once(storage: AnyStorage) -> None:
    round_id = await start_round(storage)
    await play_question(storage, round_id, 0, {ALICE: (True, 100), BOB: (False, 0)})
    assert await storage.finish_round(round_id, status="finished", ended_at=WEDNESDAY, winner_id=ALICE)
    assert not await storage.finish_round(round_id, status="stopped", ended_at=WEDNESDAY, winner_id=BOB)
    alice, bob = await storage.player_stats(GUILD, ALICE), await storage.player_stats(GUILD, BOB)
    assert (alice.rounds_played, alice.rounds_won) == (1, 1)
    assert (bob.rounds_played, bob.rounds_won) == (1, 0)
    assert (await storage.player_stats(None, ALICE)).rounds_won == 1
    round_row = await storage.get_round(round_id)
    assert round_row is not None
    assert (round_row.status, round_row.winner_id, round_row.ended_at) == ("finished", ALICE, WEDNESDAY)
    with pytest.raises(RecordNotFound):
        await storage.finish_round(round_id + 100, status="finished", ended_at=WEDNESDAY, winner_id=None)


async def test_close_interrupted_rounds(storage: AnyStorage) -> None:
    running_a = await start_round(storage)
    running_b = await start_round(storage, channel_id=CHANNEL + 1)
    done = await start_round(storage, channel_id=CHANNEL + 2)
    await storage.finish_round(done, status="finished", ended_at=WEDNESDAY, winner_id=None)
    question = await ask(storage, running_a)
    await storage.record_answer(answer(question, running_a, ALICE))
    later = WEDNESDAY + dt.timedelta(hours=1)

    interrupted = await storage.close_interrupted_rounds(later)

    assert [row.id for row in interrupted] == [running_a, running_b]
    assert {(row.status, row.ended_at) for row in interrupted} == {("interrupted", later)}
    assert await storage.running_rounds() == []
    assert (await storage.player_stats(GUILD, ALICE)).rounds_played == 1
    assert await storage.close_interrupted_rounds(later) == []
    with pytest.raises(QuestionNotOpen):
        await storage.record_answer(answer(question, running_a, BOB))


# --------------------------------------------------------------------------- answers


async def test_last_choice_counts_and_attempts_are_counted(storage: AnyStorage) -> None:
    round_id = await start_round(storage)
    question = await ask(storage, round_id, kind="mc")
    for choice, elapsed in ((0, 1000), (2, 2500), (3, 4000)):
        await storage.record_answer(answer(question, round_id, ALICE, choice=choice, text=None, elapsed_ms=elapsed))
    await storage.record_answer(answer(question, round_id, BOB, choice=1, text=None, elapsed_ms=1500))

    stored = {row.user_id: row for row in await storage.question_answers(question)}
    assert set(stored) == {ALICE, BOB}
    assert (stored[ALICE].choice, stored[ALICE].attempts, stored[ALICE].elapsed_ms) == (3, 3, 4000)
    assert stored[ALICE].answered_at == WEDNESDAY + dt.timedelta(milliseconds=4000)
    assert (stored[BOB].choice, stored[BOB].attempts) == (1, 1)


async def test_typed_answer_keeps_latest_text_truncated(storage: AnyStorage) -> None:
    round_id = await start_round(storage)
    question = await ask(storage, round_id)
    await storage.record_answer(answer(question, round_id, ALICE, text="first try"))
    await storage.record_answer(answer(question, round_id, ALICE, text="é" * 500))
    (stored,) = await storage.question_answers(question)
    assert stored.text == "é" * MAX_ANSWER_TEXT
    assert stored.attempts == 2


async def test_answers_to_closed_or_unknown_questions_are_refused(storage: AnyStorage) -> None:
    round_id = await start_round(storage)
    question = await ask(storage, round_id)
    await storage.score_question(question, [], closed_at=WEDNESDAY)
    with pytest.raises(QuestionNotOpen):
        await storage.record_answer(answer(question, round_id, ALICE))
    with pytest.raises(QuestionNotOpen):
        await storage.record_answer(answer(question + 100, round_id, ALICE))
    open_question = await ask(storage, round_id, 1)
    with pytest.raises(ValueError, match="belongs to round"):
        await storage.record_answer(answer(open_question, round_id, ALICE, guild_id=OTHER_GUILD))

    # One batch mixing late and timely answers: only the late ones are refused.
    outcomes = await asyncio.gather(
        *(
            storage.record_answer(answer(target, round_id, user))
            for user in range(10)
            for target in (question, open_question)
        ),
        return_exceptions=True,
    )
    assert [type(outcome) for outcome in outcomes] == [QuestionNotOpen, type(None)] * 10
    assert await storage.question_answers(question) == []
    assert len(await storage.question_answers(open_question)) == 10


async def test_concurrent_answers_are_group_committed_and_durable_when_confirmed(
    storage: AnyStorage, storage_backend: StorageBackend
) -> None:
    round_id = await start_round(storage)
    question = await ask(storage, round_id, kind="mc")
    before = storage.stats
    seen: dict[int, int] = {}

    async def answer_and_check(user_id: int) -> None:
        commits_when_submitted = storage.commit_count
        await storage.record_answer(answer(question, round_id, user_id, choice=user_id % 4, text=None))
        # Confirmed means committed: the COMMIT has returned, and another connection sees the row.
        assert storage.commit_count > commits_when_submitted
        seen[user_id] = await look(
            f"SELECT count(*) FROM answers WHERE round_question_id = {question} AND user_id = {user_id}"
        )

    async with storage_backend.observer() as look:
        await asyncio.gather(*(answer_and_check(user_id) for user_id in range(1, 201)))
    assert seen == dict.fromkeys(range(1, 201), 1)
    after = storage.stats
    assert len(await storage.question_answers(question)) == 200
    assert after.answers_written - before.answers_written == 200
    assert after.answer_batches - before.answer_batches <= 5
    assert after.commits - before.commits <= 5
    assert after.largest_batch >= 40


async def test_answers_one_at_a_time_are_each_durable_when_confirmed(
    storage: AnyStorage, storage_backend: StorageBackend
) -> None:
    round_id = await start_round(storage)
    question = await ask(storage, round_id, kind="mc")
    async with storage_backend.observer() as look:
        for user_id in range(1, 21):
            commits = storage.commit_count
            await storage.record_answer(answer(question, round_id, user_id, choice=user_id % 4, text=None))
            assert storage.commit_count == commits + 1
            sql = f"SELECT count(*) FROM answers WHERE round_question_id = {question} AND user_id = {user_id}"
            assert await look(sql) == 1
    assert storage.stats.answers_written == 20


async def test_close_flushes_queued_answers(storage_backend: StorageBackend) -> None:
    storage = await storage_backend.open()
    round_id = await start_round(storage)
    question = await ask(storage, round_id)
    waiters = [asyncio.create_task(storage.record_answer(answer(question, round_id, user))) for user in range(50)]
    await asyncio.sleep(0)
    await storage.close()
    await asyncio.gather(*waiters)
    assert await storage_backend.scalar("SELECT count(*) FROM answers") == 50
    with pytest.raises(StorageUnavailable, match="closed"):
        await storage.record_answer(answer(question, round_id, ALICE))


async def test_confirmed_answer_survives_sigkill(storage_backend: StorageBackend) -> None:
    script = textwrap.dedent(
        f"""
        import asyncio, datetime as dt, os, signal
        from bot.storage import AnswerInput
        from bot.storage.opening import open_storage

        async def main():
            storage = await open_storage({str(storage_backend.target)!r})
            now = dt.datetime(2025, 1, 8, tzinfo=dt.UTC)
            round_id = await storage.create_round(guild_id=1, channel_id=2, starter_id=3, question_count=1,
                                                  seconds=30, category=None, kind="mc", started_at=now)
            question = await storage.add_round_question(round_id=round_id, position=0, question_id="a.mc1",
                fact_id="a", kind="mc", correct_choice=1, opened_at=now, deadline_at=now)
            await storage.record_answer(AnswerInput(question, round_id, 1, 42, 1, None, None, 0.0, now, 5))
            print("confirmed", flush=True)
            os.kill(os.getpid(), signal.SIGKILL)

        asyncio.run(main())
        """
    )
    completed = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-c", script],
        cwd=REPO_ROOT,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == -signal.SIGKILL, completed.stderr
    assert completed.stdout.strip() == "confirmed"
    assert await storage_backend.scalar("SELECT count(*) FROM answers WHERE user_id = 42 AND choice = 1") == 1


# --------------------------------------------------------------------------- scoring and totals


async def test_score_question_updates_totals_weekly_and_is_idempotent(storage: AnyStorage) -> None:
    round_id = await start_round(storage)
    first = await ask(storage, round_id, 0)
    for user_id in (ALICE, BOB):
        await storage.record_answer(answer(first, round_id, user_id))
    verdicts = [ScoredAnswer(ALICE, True, 140, 1), ScoredAnswer(BOB, False, 0, 0), ScoredAnswer(CAROL, False, 0, 0)]
    assert await storage.score_question(first, verdicts, closed_at=SUNDAY_NIGHT)
    second = await ask(storage, round_id, 1)
    await storage.record_answer(answer(second, round_id, ALICE))
    assert await storage.score_question(second, [ScoredAnswer(ALICE, True, 130, 2)], closed_at=MONDAY_MORNING)

    assert not await storage.score_question(first, verdicts, closed_at=MONDAY_MORNING)
    assert not await storage.score_question(second, [ScoredAnswer(ALICE, True, 999, 9)], closed_at=MONDAY_MORNING)

    alice = await storage.player_stats(GUILD, ALICE)
    assert (alice.points, alice.answers, alice.correct, alice.best_streak, alice.accuracy) == (270, 2, 2, 2, 1.0)
    bob = await storage.player_stats(GUILD, BOB)
    assert (bob.points, bob.answers, bob.correct, bob.accuracy, bob.rank) == (0, 1, 0, 0.0, 2)
    assert (await storage.player_stats(GUILD, CAROL)).rank is None  # scored but never answered
    assert await storage.player_stats(None, ALICE) == alice
    week_one = await storage.leaderboard(guild_id=GUILD, week_start=WEEK_1, limit=10)
    assert week_one == [LeaderboardRow(1, ALICE, 140, 1, 1), LeaderboardRow(2, BOB, 0, 0, 1)]
    assert await storage.leaderboard(guild_id=GUILD, week_start=WEEK_2, limit=10) == [
        LeaderboardRow(1, ALICE, 130, 1, 1)
    ]
    stored = {row.user_id: row for row in await storage.question_answers(first)}
    assert (stored[ALICE].correct, stored[ALICE].points, stored[BOB].correct) == (True, 140, False)
    question_row = await storage.get_round_question(first)
    assert question_row is not None
    assert question_row.closed_at == SUNDAY_NIGHT
    with pytest.raises(RecordNotFound):
        await storage.score_question(second + 100, [], closed_at=WEDNESDAY)


async def test_leaderboard_orders_ties_and_shares_ranks(storage: AnyStorage) -> None:
    round_id = await start_round(storage)
    # Alice 300 pts / 2 correct; Bob and Carol 300 / 3; Dave 100 / 1.
    await play_question(storage, round_id, 0, {ALICE: (True, 200), BOB: (True, 100), CAROL: (True, 100)})
    await play_question(storage, round_id, 1, {ALICE: (True, 100), BOB: (True, 100), CAROL: (True, 100)})
    await play_question(storage, round_id, 2, {ALICE: (False, 0), BOB: (True, 100), CAROL: (True, 100)})
    await play_question(storage, round_id, 3, {DAVE: (True, 100)})

    expected = [
        LeaderboardRow(1, BOB, 300, 3, 3),
        LeaderboardRow(1, CAROL, 300, 3, 3),
        LeaderboardRow(1, ALICE, 300, 2, 3),
        LeaderboardRow(4, DAVE, 100, 1, 1),
    ]
    assert await storage.leaderboard(guild_id=GUILD, week_start=None, limit=10) == expected
    for offset in range(4):
        page = await storage.leaderboard(guild_id=GUILD, week_start=None, limit=2, offset=offset)
        assert page == expected[offset : offset + 2]
    assert await storage.leaderboard(guild_id=GUILD, week_start=None, limit=2, offset=10) == []
    assert await storage.leaderboard_size(guild_id=GUILD, week_start=None) == 4
    assert (await storage.player_stats(GUILD, ALICE)).rank == 1
    assert (await storage.player_stats(GUILD, DAVE)).rank == 4
    with pytest.raises(ValueError, match="Monday"):
        await storage.leaderboard(guild_id=GUILD, week_start=dt.date(2025, 1, 7), limit=10)


async def test_global_leaderboard_sums_guilds(storage: AnyStorage) -> None:
    home = await start_round(storage)
    away = await start_round(storage, guild_id=OTHER_GUILD, channel_id=CHANNEL + 1)
    await play_question(storage, home, 0, {ALICE: (True, 100), BOB: (True, 150)})
    await play_question(storage, away, 0, {ALICE: (True, 120)}, guild_id=OTHER_GUILD, closed_at=MONDAY_MORNING)

    assert await storage.leaderboard(guild_id=None, week_start=None, limit=10) == [
        LeaderboardRow(1, ALICE, 220, 2, 2),
        LeaderboardRow(2, BOB, 150, 1, 1),
    ]
    assert await storage.leaderboard(guild_id=OTHER_GUILD, week_start=None, limit=10) == [
        LeaderboardRow(1, ALICE, 120, 1, 1)
    ]
    assert await storage.leaderboard(guild_id=None, week_start=WEEK_1, limit=10) == [
        LeaderboardRow(1, BOB, 150, 1, 1),
        LeaderboardRow(2, ALICE, 100, 1, 1),
    ]
    assert await storage.leaderboard_size(guild_id=None, week_start=None) == 2
    assert await storage.leaderboard_size(guild_id=None, week_start=WEEK_2) == 1
    everywhere = await storage.player_stats(None, ALICE)
    assert (everywhere.points, everywhere.answers, everywhere.rank) == (220, 2, 1)
    assert (await storage.player_stats(GUILD, ALICE)).rank == 2


# --------------------------------------------------------------------------- aliases and disputes


async def test_dispute_accepted_credits_answer_totals_and_alias(storage: AnyStorage) -> None:
    round_id = await start_round(storage)
    question = await ask(storage, round_id)
    await storage.record_answer(answer(question, round_id, ALICE, text="  Baikonur Cosmodrome "))
    with pytest.raises(QuestionStillOpen):
        await storage.create_dispute(
            round_question_id=question, guild_id=GUILD, user_id=ALICE, answer_text="x", created_at=WEDNESDAY
        )
    await storage.score_question(question, [ScoredAnswer(ALICE, False, 0, 0)], closed_at=SUNDAY_NIGHT)
    rejected = await storage.last_rejected_answer(GUILD, ALICE)
    assert rejected is not None
    assert (rejected.round_question_id, rejected.fact_id, rejected.round_id) == (question, "launch-time", round_id)

    dispute_id = await storage.create_dispute(
        round_question_id=question, guild_id=GUILD, user_id=ALICE, answer_text=rejected.text or "", created_at=WEDNESDAY
    )
    with pytest.raises(DisputeExists):
        await storage.create_dispute(
            round_question_id=question, guild_id=GUILD, user_id=ALICE, answer_text="again", created_at=WEDNESDAY
        )
    assert [dispute.id for dispute in await storage.pending_disputes(GUILD)] == [dispute_id]

    decided = await storage.decide_dispute(
        dispute_id, accepted=True, decided_by=STARTER, decided_at=MONDAY_MORNING, points_awarded=100
    )
    assert (decided.status, decided.decided_by, decided.points_awarded) == ("accepted", STARTER, 100)
    assert decided.decided_at == MONDAY_MORNING
    with pytest.raises(DisputeAlreadyDecided):
        await storage.decide_dispute(
            dispute_id, accepted=False, decided_by=STARTER, decided_at=MONDAY_MORNING, points_awarded=0
        )
    (stored,) = await storage.question_answers(question)
    assert (stored.correct, stored.points) == (True, 100)
    stats = await storage.player_stats(GUILD, ALICE)
    assert (stats.points, stats.correct, stats.answers) == (100, 1, 1)
    assert (await storage.player_stats(None, ALICE)).points == 100
    # The points land in the week the question was scored, not the week of the decision.
    assert await storage.leaderboard(guild_id=GUILD, week_start=WEEK_1, limit=5) == [
        LeaderboardRow(1, ALICE, 100, 1, 1)
    ]
    assert await storage.leaderboard(guild_id=GUILD, week_start=WEEK_2, limit=5) == []
    assert await storage.guild_aliases(GUILD, "launch-time") == ["Baikonur Cosmodrome"]
    assert await storage.guild_aliases(OTHER_GUILD, "launch-time") == []
    assert await storage.last_rejected_answer(GUILD, ALICE) is None
    assert await storage.pending_disputes(GUILD) == []


async def test_dispute_rejected_changes_nothing_else(storage: AnyStorage) -> None:
    round_id = await start_round(storage)
    question = await play_question(storage, round_id, 0, {BOB: (False, 0)})
    dispute_id = await storage.create_dispute(
        round_question_id=question, guild_id=GUILD, user_id=BOB, answer_text="guess", created_at=WEDNESDAY
    )
    decided = await storage.decide_dispute(
        dispute_id, accepted=False, decided_by=STARTER, decided_at=WEDNESDAY, points_awarded=100
    )
    assert (decided.status, decided.points_awarded) == ("rejected", 0)
    assert (await storage.player_stats(GUILD, BOB)).points == 0
    assert await storage.guild_aliases(GUILD, "launch-time") == []
    fetched = await storage.get_dispute(dispute_id)
    assert fetched == decided
    with pytest.raises(RecordNotFound):
        await storage.decide_dispute(
            dispute_id + 100, accepted=True, decided_by=STARTER, decided_at=WEDNESDAY, points_awarded=1
        )
    with pytest.raises(RecordNotFound, match="did not answer"):
        await storage.create_dispute(
            round_question_id=question, guild_id=GUILD, user_id=CAROL, answer_text="x", created_at=WEDNESDAY
        )


async def test_guild_alias_is_case_insensitive_and_added_once(storage: AnyStorage) -> None:
    assert await storage.add_guild_alias(
        guild_id=GUILD, fact_id="crew", alias="Yulia Peresild", added_by=STARTER, added_at=WEDNESDAY
    )
    assert not await storage.add_guild_alias(
        guild_id=GUILD, fact_id="crew", alias="yulia peresild ", added_by=STARTER, added_at=WEDNESDAY
    )
    assert await storage.guild_aliases(GUILD, "crew") == ["Yulia Peresild"]


async def test_last_rejected_answer_picks_the_latest_wrong_typed_one(storage: AnyStorage) -> None:
    round_id = await start_round(storage)
    older = await play_question(storage, round_id, 0, {ALICE: (False, 0)})
    await play_question(storage, round_id, 1, {ALICE: (True, 100)})
    newer = await ask(storage, round_id, 2)
    await storage.record_answer(answer(newer, round_id, ALICE, text="later", elapsed_ms=9000))
    await storage.score_question(newer, [ScoredAnswer(ALICE, False, 0, 0)], closed_at=WEDNESDAY)
    latest = await storage.last_rejected_answer(GUILD, ALICE)
    assert latest is not None
    assert (latest.round_question_id, latest.text) == (newer, "later")
    assert latest.round_question_id != older
    assert await storage.last_rejected_answer(OTHER_GUILD, ALICE) is None


# --------------------------------------------------------------------------- privacy


async def test_export_and_delete_player(storage: AnyStorage) -> None:
    round_id = await start_round(storage, starter_id=ALICE)
    question = await play_question(storage, round_id, 0, {ALICE: (False, 0), BOB: (True, 120)})
    await storage.finish_round(round_id, status="finished", ended_at=WEDNESDAY, winner_id=ALICE)
    await storage.create_dispute(
        round_question_id=question, guild_id=GUILD, user_id=ALICE, answer_text="mine", created_at=WEDNESDAY
    )

    export = await storage.export_player(ALICE)
    json.dumps(export)  # JSON-ready
    assert export["answer_count"] == 1
    assert export["rounds_started"] == 1
    assert export["rounds_won"] == 1
    totals = export["totals_by_guild"]
    assert isinstance(totals, list)
    assert [(row["guild_id"], row["rounds_won"]) for row in totals] == [(GUILD, 1)]
    (answer,) = await storage.player_answers(ALICE)
    assert answer.text == "wrong guess"
    disputes = export["disputes"]
    assert isinstance(disputes, list)
    assert disputes[0]["answer_text"] == "mine"

    # 1 dispute + 1 answer + 2 totals rows (guild, all guilds) + 2 weekly rows.
    assert await storage.delete_player(ALICE) == 6
    round_row = await storage.get_round(round_id)
    assert round_row is not None
    assert (round_row.starter_id, round_row.winner_id) == (None, None)
    assert [row.user_id for row in await storage.leaderboard(guild_id=GUILD, week_start=None, limit=10)] == [BOB]
    assert (await storage.player_stats(GUILD, ALICE)).rank is None
    gone = await storage.export_player(ALICE)
    assert (gone["answer_count"], gone["totals_by_guild"], gone["disputes"]) == (0, [], [])
    assert await storage.delete_player(ALICE) == 0
    assert [row.user_id for row in await storage.question_answers(question)] == [BOB]
    assert await storage.integrity_check() == "ok"


# --------------------------------------------------------------------------- transactions and failures


async def test_transaction_groups_writes_and_rolls_back_as_one(storage: AnyStorage) -> None:
    async def write_then_fail() -> None:
        async with storage.transaction():
            await storage.set_meta("a", "1")
            await start_round(storage)
            raise RuntimeError("boom")

    async def nested_conflict() -> None:
        async with storage.transaction():
            await storage.set_meta("b", "2")
            await start_round(storage)
            await start_round(storage)

    with pytest.raises(RuntimeError, match="boom"):
        await write_then_fail()
    assert await storage.get_meta("a") is None
    assert await storage.running_rounds() == []

    async with storage.transaction():
        await storage.set_meta("a", "1")
        with pytest.raises(RoundAlreadyRunning):
            await nested_conflict()  # rolled back to its savepoint; the outer transaction goes on
        await storage.set_meta("c", "3")
    assert (await storage.get_meta("a"), await storage.get_meta("b"), await storage.get_meta("c")) == ("1", None, "3")
    assert await storage.running_rounds() == []


async def test_cancelled_transaction_leaves_the_storage_usable(storage: AnyStorage) -> None:
    entered = asyncio.Event()

    async def slow_writer() -> None:
        async with storage.transaction():
            await storage.set_meta("half", "written")
            entered.set()
            await asyncio.sleep(10)

    task = asyncio.create_task(slow_writer())
    await entered.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await storage.get_meta("half") is None
    await storage.set_meta("after", "ok")
    assert await storage.get_meta("after") == "ok"


async def test_locked_database_raises_unavailable_and_recovers(tmp_path: Path) -> None:
    path = tmp_path / "trivia.db"
    storage = await SQLiteStorage.open(path, busy_timeout=0.1)
    try:
        round_id = await start_round(storage)
        question = await ask(storage, round_id)
        await storage.record_answer(answer(question, round_id, ALICE))
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN EXCLUSIVE")
        try:
            results = await asyncio.gather(
                *(storage.record_answer(answer(question, round_id, user)) for user in (BOB, CAROL)),
                return_exceptions=True,
            )
            assert all(isinstance(result, StorageUnavailable) for result in results), results
            with pytest.raises(StorageUnavailable, match="locked"):
                await storage.score_question(question, [ScoredAnswer(ALICE, True, 100, 1)], closed_at=WEDNESDAY)
            # WAL readers are not blocked by the writer's lock.
            assert [row.user_id for row in await storage.question_answers(question)] == [ALICE]
            assert (await storage.player_stats(GUILD, ALICE)).rank is None
        finally:
            other.execute("ROLLBACK")
            other.close()
        question_row = await storage.get_round_question(question)
        assert question_row is not None
        assert question_row.closed_at is None

        await storage.record_answer(answer(question, round_id, BOB))
        assert await storage.score_question(question, [ScoredAnswer(ALICE, True, 100, 1)], closed_at=WEDNESDAY)
        assert (await storage.player_stats(GUILD, ALICE)).points == 100
    finally:
        await storage.close()


async def test_a_short_write_elsewhere_while_the_storage_opens_is_waited_for(tmp_path: Path) -> None:
    # A /healthz probe or a backup writing at the moment the bot starts: SQLite refuses the switch to WAL at once
    # (its busy timeout does not cover it), so the opening must wait for the lock like any write.
    path = tmp_path / "trivia.db"
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("SELECT count(*) FROM sqlite_master").fetchone()
    other.execute("BEGIN IMMEDIATE")
    opening = asyncio.create_task(SQLiteStorage.open(path, busy_timeout=30))
    await asyncio.sleep(0.3)
    assert not opening.done()
    other.execute("ROLLBACK")
    other.close()
    storage = await asyncio.wait_for(opening, 30)
    try:
        await storage.set_meta("opened", "yes")
        assert await storage.get_meta("opened") == "yes"
    finally:
        await storage.close()
    # Held for longer than the busy timeout, the lock is reported, as for any write.
    blocker = sqlite3.connect(tmp_path / "other.db", isolation_level=None)
    blocker.execute("SELECT count(*) FROM sqlite_master").fetchone()
    blocker.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(StorageUnavailable, match="locked"):
            await SQLiteStorage.open(tmp_path / "other.db", busy_timeout=0.2)
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()


async def test_full_database_raises_unavailable_and_writes_no_partial_batch(tmp_path: Path) -> None:
    path = tmp_path / "trivia.db"
    async with await SQLiteStorage.open(path, max_size_bytes=50_000_000) as setup:
        round_id = await start_round(setup)
        question = await ask(setup, round_id)
        await setup.record_answer(answer(question, round_id, DAVE))
        # Confirmed means visible to the reader connection at once.
        assert len(await setup.question_answers(question)) == 1
    # A one-byte cap is raised to the current size: only the free space left in existing pages remains.
    storage = await SQLiteStorage.open(path, max_size_bytes=1)
    try:
        outcomes = await asyncio.gather(
            *(storage.record_answer(answer(question, round_id, user, text="x" * 200)) for user in range(300)),
            return_exceptions=True,
        )
        assert all(isinstance(outcome, StorageUnavailable) for outcome in outcomes), outcomes[:3]
        assert "full" in str(outcomes[0])
        assert [row.user_id for row in await storage.question_answers(question)] == [DAVE]

        # The batch above failed part-way: one answer at a time, the first few still fit.
        confirmed = 0
        while confirmed < 300:
            try:
                await storage.record_answer(answer(question, round_id, confirmed, text="x" * 200))
            except StorageUnavailable:
                break
            confirmed += 1
        assert 0 < confirmed < 300
        assert len(await storage.question_answers(question)) == confirmed + 1
        assert await storage.integrity_check() == "ok"
    finally:
        await storage.close()


# --------------------------------------------------------------------------- synthetic data


async def test_seed_synthetic_gives_consistent_totals(tmp_path: Path) -> None:
    path = tmp_path / "seeded.db"
    await seed_synthetic(path, answers=3_005, players=120, guilds=3, seed=7)

    def scalar(sql: str) -> int:
        return raw_count(path, sql)

    assert scalar("SELECT count(*) FROM answers") == 3_005
    assert scalar("SELECT count(DISTINCT user_id) FROM answers") == 120
    answer_points = scalar("SELECT sum(points) FROM answers")
    assert answer_points == scalar("SELECT sum(points) FROM player_totals WHERE guild_id != 0")
    assert answer_points == scalar("SELECT sum(points) FROM player_totals WHERE guild_id = 0")
    assert answer_points == scalar("SELECT sum(points) FROM player_weekly WHERE guild_id != 0")
    assert answer_points == scalar("SELECT sum(points) FROM player_weekly WHERE guild_id = 0")
    assert scalar("SELECT sum(correct) FROM answers") == scalar(
        "SELECT sum(correct) FROM player_totals WHERE guild_id = 0"
    )
    assert scalar("SELECT sum(answers) FROM player_totals WHERE guild_id != 0") == 3_005
    assert scalar("SELECT count(*) FROM rounds") == scalar(
        "SELECT sum(rounds_won) FROM player_totals WHERE guild_id = 0"
    )
    assert (
        scalar(
            """
        SELECT count(*) FROM player_totals AS t
        WHERE t.guild_id != 0 AND t.points != (SELECT sum(a.points) FROM answers AS a
                                                WHERE a.user_id = t.user_id AND a.guild_id = t.guild_id)
        """
        )
        == 0
    )

    async with await SQLiteStorage.open(path) as storage:
        assert await storage.integrity_check() == "ok"
        assert await storage.leaderboard_size(guild_id=None, week_start=None) == 120
        top = await storage.leaderboard(guild_id=None, week_start=None, limit=3)
        assert top[0].rank == 1
        assert top[0].points >= top[1].points >= top[2].points
        stats = await storage.player_stats(None, top[0].user_id)
        assert (stats.points, stats.rank) == (top[0].points, 1)


async def test_export_holds_every_answer_not_only_the_latest_100(storage: AnyStorage) -> None:
    round_id = await start_round(storage)
    for position in range(151):
        await play_question(storage, round_id, position, {ALICE: (position % 2 == 0, 10)})
    export = await storage.export_player(ALICE)
    assert "recent_answers" not in export  # answers are paged by player_answers
    pages = []
    after = None
    while page := await storage.player_answers(ALICE, after=after, limit=50):
        pages.append(page)
        after = (page[-1].answered_at, page[-1].round_question_id)
    assert [len(page) for page in pages] == [50, 50, 50, 1]
    answers = [answer for page in pages for answer in page]
    assert export["answer_count"] == len({answer.round_question_id for answer in answers}) == 151
    assert [answer.correct for answer in answers] == [position % 2 == 0 for position in range(151)]
    with pytest.raises(ValueError, match="limit"):
        await storage.player_answers(ALICE, limit=0)
