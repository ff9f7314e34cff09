"""What only PostgreSQL has to prove: several processes at once (migrating, answering for the same player), and
lock waits that give up cleanly. The behaviour both backends share is tested on both in test_storage.py."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from bot.storage import AnswerInput, ScoredAnswer, StorageUnavailable
from bot.storage.postgresql import PostgresStorage, load_migrations, statements
from bot.storage.sql import statements as shared_statements
from fake_discord import FakeDiscord
from tests.faultkit import bot_env, run_command
from tests.postgres_cluster import PostgresCluster

WEDNESDAY = dt.datetime(2025, 1, 8, 12, 0, tzinfo=dt.UTC)
WEEK = dt.date(2025, 1, 6)
REPO_ROOT = Path(__file__).resolve().parents[1]
GUILDS = (111_111_111_111_111_111, 222_222_222_222_222_222)
PLAYER = 4242


async def fresh_database(cluster: PostgresCluster, name: str) -> str:
    return await cluster.create_database(name)


async def test_processes_starting_at_once_migrate_once(postgres_cluster: PostgresCluster) -> None:
    url = await fresh_database(postgres_cluster, "migrate_at_once")
    # Separate pools are separate server sessions, as separate processes would be.
    storages = await asyncio.gather(*(PostgresStorage.open(url, min_connections=1) for _ in range(4)))
    try:
        connection = await asyncpg.connect(url)
        try:
            versions = await connection.fetch("SELECT version FROM schema_version")
            tables = await connection.fetchval(
                "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename = 'player_totals'"
            )
        finally:
            await connection.close()
        assert [row["version"] for row in versions] == [len(load_migrations())]
        assert tables == 1
    finally:
        for storage in storages:
            await storage.close()


async def one_question_round(storage: PostgresStorage, kind: str, correct_choice: int | None) -> tuple[int, int]:
    """Open a round of one question of ``kind`` in GUILDS[0]; return the round's id and the round question's id."""
    round_id = await storage.create_round(
        guild_id=GUILDS[0],
        channel_id=1,
        starter_id=1,
        question_count=1,
        seconds=30,
        category=None,
        kind=kind,
        started_at=WEDNESDAY,
    )
    question = await storage.add_round_question(
        round_id=round_id,
        position=0,
        question_id=f"fact.{kind}",
        fact_id="fact",
        kind=kind,
        correct_choice=correct_choice,
        opened_at=WEDNESDAY,
        deadline_at=WEDNESDAY,
    )
    return round_id, question


async def play_for_the_same_player(storage: PostgresStorage, guild_id: int, channel_id: int, questions: int) -> None:
    """One process's round: every question answered by PLAYER and scored 10 points."""
    round_id = await storage.create_round(
        guild_id=guild_id,
        channel_id=channel_id,
        starter_id=1,
        question_count=questions,
        seconds=30,
        category=None,
        kind="typed",
        started_at=WEDNESDAY,
    )
    asked = []
    for position in range(questions):
        asked.append(
            await storage.add_round_question(
                round_id=round_id,
                position=position,
                question_id=f"fact{position}.typed",
                fact_id=f"fact{position}",
                kind="typed",
                correct_choice=None,
                opened_at=WEDNESDAY,
                deadline_at=WEDNESDAY,
            )
        )
    for question in asked:
        await storage.record_answer(
            AnswerInput(question, round_id, guild_id, PLAYER, None, "x", None, 0.0, WEDNESDAY, 100)
        )
    # Score every question at the same instant: many transactions add to PLAYER's all-guilds totals at once.
    results = await asyncio.gather(
        *(
            storage.score_question(question, [ScoredAnswer(PLAYER, True, 10, 1)], closed_at=WEDNESDAY)
            for question in asked
        )
    )
    assert all(results)
    assert await storage.finish_round(round_id, status="finished", ended_at=WEDNESDAY, winner_id=PLAYER)


async def test_two_processes_answering_for_the_same_player_lose_no_points(postgres_cluster: PostgresCluster) -> None:
    url = await fresh_database(postgres_cluster, "same_player")
    first, second = await asyncio.gather(PostgresStorage.open(url), PostgresStorage.open(url))
    questions = 30
    try:
        await asyncio.gather(
            play_for_the_same_player(first, GUILDS[0], 1, questions),
            play_for_the_same_player(second, GUILDS[1], 2, questions),
            # The same guild from both processes, in two channels: the guild's rows are shared too.
            play_for_the_same_player(first, GUILDS[0], 3, questions),
            play_for_the_same_player(second, GUILDS[0], 4, questions),
        )
        everywhere = await first.player_stats(None, PLAYER)
        assert (everywhere.points, everywhere.answers, everywhere.correct) == (
            4 * questions * 10,
            4 * questions,
            4 * questions,
        )
        assert (everywhere.rounds_played, everywhere.rounds_won, everywhere.rank) == (4, 4, 1)
        assert (await second.player_stats(GUILDS[0], PLAYER)).points == 3 * questions * 10
        assert (await second.player_stats(GUILDS[1], PLAYER)).points == questions * 10
        weekly = await first.leaderboard(guild_id=None, week_start=WEEK, limit=5)
        assert [(row.user_id, row.points, row.answers) for row in weekly] == [
            (PLAYER, 4 * questions * 10, 4 * questions)
        ]
        assert await first.leaderboard_size(guild_id=None, week_start=None) == 1
        assert await first.integrity_check() == "ok"
    finally:
        await first.close()
        await second.close()


async def test_a_round_ending_while_a_player_deletes_their_data_writes_nothing_about_them(
    postgres_cluster: PostgresCluster,
) -> None:
    """A full test run once found a deleted player with a fresh "1 round played": the round's end had read them as a
    participant before the deletion committed, and added to their totals after it."""
    url = await fresh_database(postgres_cluster, "delete_while_ending")
    deleting, ending = await asyncio.gather(PostgresStorage.open(url), PostgresStorage.open(url))
    try:
        round_id, question = await one_question_round(deleting, "typed", correct_choice=None)
        await deleting.record_answer(
            AnswerInput(question, round_id, GUILDS[0], PLAYER, None, "x", None, 0.0, WEDNESDAY, 1)
        )
        assert await deleting.score_question(question, [ScoredAnswer(PLAYER, True, 10, 1)], closed_at=WEDNESDAY)
        finished = None
        async with deleting.transaction():  # the deletion holds its transaction open while the round ends
            assert await deleting.delete_player(PLAYER) > 0
            finished = asyncio.create_task(
                ending.finish_round(round_id, status="finished", ended_at=WEDNESDAY, winner_id=PLAYER)
            )
            await asyncio.sleep(0.5)  # the round's end waits for the deletion (it may not finish before it)
        assert await finished
        export = await ending.export_player(PLAYER)
        assert (export["answer_count"], export["totals_by_guild"], export["totals_all_guilds"]) == (0, [], None)
        assert (await ending.get_round(round_id)).winner_id is None  # type: ignore[union-attr]
        assert await ending.integrity_check() == "ok"
    finally:
        await deleting.close()
        await ending.close()


async def test_a_held_lock_makes_writes_unavailable_then_they_recover(postgres_cluster: PostgresCluster) -> None:
    url = await fresh_database(postgres_cluster, "held_lock")
    storage = await PostgresStorage.open(url, lock_timeout=0.2)
    try:
        await storage.set_meta("before", "1")
        other = await asyncpg.connect(url)
        try:
            blocking = other.transaction()
            await blocking.start()
            await other.execute("LOCK TABLE meta IN ACCESS EXCLUSIVE MODE")
            with pytest.raises(StorageUnavailable, match="lock"):
                await storage.set_meta("during", "2")
            await blocking.rollback()
        finally:
            await other.close()
        await storage.set_meta("after", "3")
        assert (await storage.get_meta("during"), await storage.get_meta("after")) == (None, "3")
    finally:
        await storage.close()


async def test_unreachable_database_is_a_clear_error() -> None:
    with pytest.raises(StorageUnavailable, match=re.escape("cannot open postgresql://trivia:***@127.0.0.1:1/")):
        await PostgresStorage.open("postgresql://trivia:secret@127.0.0.1:1/trivia")


async def test_a_bad_or_unreachable_database_url_gives_one_clear_line(tmp_path: Path, fake: FakeDiscord) -> None:
    not_postgres = bot_env(fake, tmp_path / "trivia.db", DATABASE_URL="mysql://trivia:hunter2@localhost/trivia")
    unreachable = bot_env(fake, tmp_path / "trivia.db", DATABASE_URL="postgresql://trivia:hunter2@127.0.0.1:1/trivia")
    refused, down = await asyncio.gather(
        run_command("-m", "bot", env=not_postgres, cwd=tmp_path, timeout=60),
        run_command("-m", "bot", env=unreachable, cwd=tmp_path, timeout=60),
    )
    assert refused.code == 2, refused.stderr
    assert refused.stderr.strip() == (
        "DATABASE_URL: must start with postgresql:// (leave it empty to use the SQLite file DATABASE_PATH)"
    )
    assert down.code == 1, down.stderr
    assert "Traceback" not in down.stderr
    problems = [line for line in down.stderr.splitlines() if " ERROR " in line or " CRITICAL " in line]
    assert (
        len(problems) == 1
        and "Could not open the database: cannot open postgresql://trivia:***@127.0.0.1:1/" in (problems[0])
    ), down.stderr
    assert "hunter2" not in refused.stdout + refused.stderr + down.stdout + down.stderr


async def test_two_processes_recording_the_same_answer_at_once_count_every_attempt(
    postgres_cluster: PostgresCluster,
) -> None:
    url = await fresh_database(postgres_cluster, "same_answer")
    first, second = await asyncio.gather(PostgresStorage.open(url), PostgresStorage.open(url))
    try:
        round_id, question = await one_question_round(first, "mc", correct_choice=1)

        def click(choice: int) -> AnswerInput:
            return AnswerInput(question, round_id, GUILDS[0], PLAYER, choice, None, None, 0.0, WEDNESDAY, choice)

        await asyncio.gather(*(storage.record_answer(click(n)) for n in range(40) for storage in (first, second)))
        (stored,) = await second.question_answers(question)
        assert stored.attempts == 80
        assert await first.score_question(question, [ScoredAnswer(PLAYER, True, 100, 1)], closed_at=WEDNESDAY)
        assert not await second.score_question(question, [ScoredAnswer(PLAYER, True, 100, 1)], closed_at=WEDNESDAY)
        assert (await second.player_stats(None, PLAYER)).points == 100
    finally:
        await first.close()
        await second.close()


def _plan_nodes(plan: dict[str, Any]) -> list[dict[str, Any]]:
    nodes = [plan]
    for child in plan.get("Plans", []):
        nodes.extend(_plan_nodes(child))
    return nodes


async def test_leaderboards_and_stats_are_index_lookups_not_scans(postgres_cluster: PostgresCluster) -> None:
    url = await fresh_database(postgres_cluster, "big_board")
    storage = await PostgresStorage.open(url)
    await storage.close()  # migrated
    connection = await asyncpg.connect(url)
    try:
        # 10,000 players in two guilds and all guilds, with a spread of scores (the triggers keep the counts).
        await connection.execute(
            """
            INSERT INTO player_totals (guild_id, user_id, points, answers, correct)
            SELECT scope, player, (player * 7919) % 5000, 10, (player * 31) % 10
            FROM generate_series(1, 10000) AS player, unnest(ARRAY[0, $1::bigint, $2::bigint]) AS scope
            WHERE scope = 0 OR scope = CASE WHEN player % 2 = 0 THEN $1::bigint ELSE $2::bigint END
            """,
            *GUILDS,
        )
        await connection.execute(
            """
            INSERT INTO player_weekly (guild_id, week_start, user_id, points, answers, correct)
            SELECT guild_id, $1, user_id, points, answers, correct FROM player_totals
            """,
            WEEK,
        )
        await connection.execute("ANALYZE")
        queries = {
            "all-time page": (statements.LEADERBOARD_ALL_TIME_SQL, (0, 10, 6000)),
            "weekly page": (statements.LEADERBOARD_WEEKLY_SQL, (GUILDS[0], 10, 0, WEEK)),
            "size": (statements.LEADERBOARD_SIZE_SQL, (0, None)),
            "stats": (shared_statements.PLAYER_STATS_SQL, (0, 12345)),
        }
        for name, (sql, args) in queries.items():
            (plan,) = json.loads(await connection.fetchval(f"EXPLAIN (FORMAT JSON) {sql}", *args))
            nodes = _plan_nodes(plan["Plan"])
            scanned = {node.get("Relation Name") for node in nodes if node["Node Type"] == "Seq Scan"}
            assert not scanned & {"player_totals", "player_weekly", "points_histogram"}, (name, nodes)
            assert any("Index" in node["Node Type"] for node in nodes), (name, nodes)
    finally:
        await connection.close()
    storage = await PostgresStorage.open(url)
    try:
        assert await storage.leaderboard_size(guild_id=None, week_start=None) == 10000
        page = await storage.leaderboard(guild_id=None, week_start=None, limit=10, offset=6000)
        stats = await storage.player_stats(None, page[0].user_id)
        assert page[0].rank == stats.rank
        assert await storage.integrity_check() == "ok"
    finally:
        await storage.close()


async def test_a_server_restart_is_unavailable_for_a_moment_then_writes_go_on(
    private_postgres_cluster: PostgresCluster,
) -> None:
    url = await fresh_database(private_postgres_cluster, "server_restart")
    storage = await PostgresStorage.open(url)
    try:
        await storage.set_meta("before", "1")
        await asyncio.to_thread(private_postgres_cluster.restart)
        failures: list[BaseException] = []
        async with asyncio.timeout(60):
            while True:
                try:
                    await storage.set_meta("after", "2")
                    break
                except StorageUnavailable as error:  # the pool's old connections were cut off
                    failures.append(error)
                    await asyncio.sleep(0.1)
        assert len(failures) <= 10, failures  # each cut-off connection fails once, then is replaced
        assert (await storage.get_meta("before"), await storage.get_meta("after")) == ("1", "2")
    finally:
        await storage.close()


def test_without_postgresql_the_postgresql_tests_fail_with_the_reason_never_skip(tmp_path: Path) -> None:
    # A separate pytest run on a machine "without" the server binaries.
    env = {**os.environ, "POSTGRES_BIN": str(tmp_path / "no-postgres-here")}
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-rfEs",
            "tests/test_storage.py::test_guild_settings_default_and_partial_update",
        ],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 1, run.stdout[-3000:]
    assert "1 passed, 1 error" in run.stdout, run.stdout[-3000:]  # SQLite passes, PostgreSQL errors out
    assert "skipped" not in run.stdout
    assert "PostgreSQL is needed for this test and could not be started" in run.stdout
    assert "no-postgres-here" in run.stdout and "apt-get install -y postgresql" in run.stdout
