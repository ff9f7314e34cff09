"""Terminal games kept apart from Discord's totals, and a player's data: all of it exported, none rewritten.

Issue 8, items 2 and 9: the terminal player (``python -m bot play``) used guild id 0, the all-guilds scope
itself, so its results were counted twice and its player topped Discord's global leaderboard; an export
held the last 100 answers only; a round's end wrote rows about a player who had just deleted their data.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import gzip
import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from importlib import resources
from pathlib import Path

import asyncpg
import pytest

from bot.app import TriviaBot
from bot.config import Settings
from bot.privacy import write_player_export
from bot.storage import TERMINAL_GUILD_ID
from bot.storage.sqlite.schema import split_sql_statements
from fake_discord import FakeDiscord, running_bot
from tests.bot_helpers import (
    ANSWER_SLA_SECONDS,
    reply_to,
    running_session,
    seed_scores,
    wait_question,
    wait_reveal,
    wait_standings,
)
from tests.conftest import button_ids
from tests.faultkit import consistency_problems, query
from tests.storage_backends import StorageBackend

DISCORD_GUILD = 777_777_777_777_777_777
DISCORD_PLAYER = 555_555_555_555_555_555
WEEK = "2025-01-06"


def _play_in_terminal(database: Path, cwd: Path) -> None:
    env = {**os.environ, "DATABASE_PATH": str(database), "ROUND_PAUSE_SECONDS": "0"}
    env.pop("DISCORD_TOKEN", None)
    done = subprocess.run(
        [sys.executable, "-m", "bot", "play", "--questions", "1", "--seconds", "5", "--kind", "true_false"],
        input="A\n",
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr


# --------------------------------------------------------------------------- terminal games


async def test_terminal_games_never_reach_discord_totals(
    fake: FakeDiscord, make_bot: Callable[..., TriviaBot], bot_settings: Settings, tmp_path: Path
) -> None:
    fake.interaction_ack_timeout = ANSWER_SLA_SECONDS
    database = bot_settings.database_path
    async with running_bot(fake, make_bot()) as bot:
        await seed_scores(bot.storage, fake.guild_id, {int(fake.user(1)["id"]): 120})
    _play_in_terminal(database, tmp_path)  # the bot and the terminal share the database

    # The terminal's answer is counted once, under the terminal's own scope, and nowhere else.
    assert query(database, "SELECT guild_id, user_id, answers FROM player_totals WHERE user_id = 0") == [
        (TERMINAL_GUILD_ID, 0, 1)
    ]
    assert query(database, "SELECT count(*) FROM player_weekly WHERE user_id = 0 AND guild_id != ?", (-1,)) == [(0,)]
    assert not consistency_problems(database)

    async with running_bot(fake, make_bot()):
        board = await reply_to(fake, fake.slash_command("leaderboard", {"scope": "global"}, user=2))
        (embed,) = board.embeds
        assert embed["description"].startswith("🥇 **Player 1** **120** pts")
        assert embed["footer"]["text"] == "Page 1/1 · 1 player"  # the terminal player isn't on it


async def test_the_bot_and_the_terminal_never_close_each_others_rounds(storage_backend: StorageBackend) -> None:
    now = dt.datetime.now(dt.UTC)
    async with await storage_backend.open() as storage:
        rounds = {}
        for guild_id, channel_id in ((DISCORD_GUILD, 9), (TERMINAL_GUILD_ID, 0)):
            rounds[guild_id] = await storage.create_round(
                guild_id=guild_id,
                channel_id=channel_id,
                starter_id=5,
                question_count=1,
                seconds=5,
                category=None,
                kind="mixed",
                started_at=now,
            )
        discord_round, terminal_round = rounds[DISCORD_GUILD], rounds[TERMINAL_GUILD_ID]
        assert [r.id for r in await storage.close_interrupted_rounds(now)] == [discord_round]
        assert (await storage.get_round(terminal_round)).status == "running"  # type: ignore[union-attr]
        assert [r.id for r in await storage.close_interrupted_rounds(now, terminal=True)] == [terminal_round]


# What the code before migration 003 left: terminal results (round 1, user 0) counted twice in scope 0.
_V2_TIME = "2025-01-07T12:00:00.000000+00:00"
_V2_ROUNDS = [  # id, guild_id, channel_id, starter_id, winner_id
    (1, 0, 0, 0, 0),
    (2, DISCORD_GUILD, 9, DISCORD_PLAYER, DISCORD_PLAYER),
]
_V2_QUESTIONS = [(1, 1), (2, 2)]  # id, round_id
_V2_ANSWERS = [(1, 0, 0, 140), (2, DISCORD_PLAYER, DISCORD_GUILD, 130)]  # round_question_id, user, guild, points
_V2_TOTALS = [
    (0, 0, 280, 2, 2, 1, 2, 2),  # the terminal player: guild 0 *and* all guilds, in one row
    (DISCORD_GUILD, DISCORD_PLAYER, 130, 1, 1, 1, 1, 1),
    (0, DISCORD_PLAYER, 130, 1, 1, 1, 1, 1),
]
_V2_WEEKLY = [(0, 0, 280, 2, 2), (DISCORD_GUILD, DISCORD_PLAYER, 130, 1, 1), (0, DISCORD_PLAYER, 130, 1, 1)]


def _sqlite_database_at_version_2(path: Path) -> None:
    """Write a SQLite database at schema version 2 holding the _V2_ rows."""
    folder = resources.files("bot.storage.sqlite").joinpath("migrations")
    t = _V2_TIME
    with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as db:
        db.execute("BEGIN")
        for name in ("001_initial.sql", "002_leaderboard_counts.sql"):
            for statement in split_sql_statements(folder.joinpath(name).read_text(encoding="utf-8")):
                db.execute(statement)
        db.execute("PRAGMA user_version = 2")
        db.executemany(
            "INSERT INTO rounds (id, guild_id, channel_id, starter_id, question_count, seconds, kind, status, "
            "started_at, ended_at, winner_id) VALUES (?, ?, ?, ?, 2, 30, 'mixed', 'finished', ?, ?, ?)",
            [(i, g, c, s, t, t, w) for i, g, c, s, w in _V2_ROUNDS],
        )
        db.executemany(
            "INSERT INTO round_questions (id, round_id, position, question_id, fact_id, kind, opened_at, deadline_at, "
            "closed_at) VALUES (?, ?, 0, 'q.tf1', 'q', 'true_false', ?, ?, ?)",
            [(i, r, t, t, t) for i, r in _V2_QUESTIONS],
        )
        db.executemany(
            "INSERT INTO answers (round_question_id, user_id, guild_id, choice, correct, credit, points, answered_at, "
            "elapsed_ms) VALUES (?, ?, ?, 0, 1, 1, ?, ?, 1000)",
            [(*answer, t) for answer in _V2_ANSWERS],
        )
        db.executemany("INSERT INTO player_totals VALUES (?, ?, ?, ?, ?, ?, ?, ?)", _V2_TOTALS)
        db.executemany(
            "INSERT INTO player_weekly VALUES (?, ?, ?, ?, ?, ?)", [(g, WEEK, *rest) for g, *rest in _V2_WEEKLY]
        )
        db.execute("COMMIT")


async def _postgres_database_at_version_2(url: str) -> None:
    """Write a PostgreSQL database at schema version 2 holding the _V2_ rows."""
    folder = resources.files("bot.storage.postgresql").joinpath("migrations")
    t = dt.datetime.fromisoformat(_V2_TIME)
    week = dt.date.fromisoformat(WEEK)
    db = await asyncpg.connect(url)
    try:
        async with db.transaction():
            for name in ("001_initial.sql", "002_leaderboard_counts.sql"):
                await db.execute(folder.joinpath(name).read_text(encoding="utf-8"))
            await db.execute("CREATE TABLE schema_version (version integer NOT NULL)")
            await db.execute("INSERT INTO schema_version (version) VALUES (2)")
            await db.executemany(
                "INSERT INTO rounds (id, guild_id, channel_id, starter_id, question_count, seconds, kind, status, "
                "started_at, ended_at, winner_id) VALUES ($1, $2, $3, $4, 2, 30, 'mixed', 'finished', $5, $6, $7)",
                [(i, g, c, s, t, t, w) for i, g, c, s, w in _V2_ROUNDS],
            )
            await db.executemany(
                "INSERT INTO round_questions (id, round_id, position, question_id, fact_id, kind, opened_at, "
                "deadline_at, closed_at) VALUES ($1, $2, 0, 'q.tf1', 'q', 'true_false', $3, $4, $5)",
                [(i, r, t, t, t) for i, r in _V2_QUESTIONS],
            )
            await db.executemany(
                "INSERT INTO answers (round_question_id, user_id, guild_id, choice, correct, credit, points, "
                "answered_at, elapsed_ms) VALUES ($1, $2, $3, 0, true, 1, $4, $5, 1000)",
                [(*answer, t) for answer in _V2_ANSWERS],
            )
            await db.executemany("INSERT INTO player_totals VALUES ($1, $2, $3, $4, $5, $6, $7, $8)", _V2_TOTALS)
            await db.executemany(
                "INSERT INTO player_weekly VALUES ($1, $2, $3, $4, $5, $6)",
                [(g, week, *rest) for g, *rest in _V2_WEEKLY],
            )
    finally:
        await db.close()


async def test_migration_moves_old_terminal_games_to_their_scope_and_repairs_the_double_counts(
    storage_backend: StorageBackend,
) -> None:
    if storage_backend.name == "postgresql":
        await _postgres_database_at_version_2(str(storage_backend.target))
    else:
        _sqlite_database_at_version_2(Path(storage_backend.target))
    async with await storage_backend.open() as storage:
        board = await storage.leaderboard(guild_id=None, week_start=None, limit=10)
        assert [(row.user_id, row.points) for row in board] == [(DISCORD_PLAYER, 130)]
        assert await storage.leaderboard_size(guild_id=None, week_start=None) == 1
        weekly = await storage.leaderboard(guild_id=None, week_start=dt.date(2025, 1, 6), limit=10)
        assert [(row.user_id, row.points) for row in weekly] == [(DISCORD_PLAYER, 130)]
        terminal = await storage.player_stats(TERMINAL_GUILD_ID, 0)
        assert (terminal.points, terminal.answers, terminal.rounds_played, terminal.rounds_won) == (140, 1, 1, 1)
        assert (await storage.player_stats(None, DISCORD_PLAYER)).rank == 1
        assert (await storage.get_round(1)).guild_id == TERMINAL_GUILD_ID  # type: ignore[union-attr]
        assert await storage.integrity_check() == "ok"
        assert [answer.guild_id for answer in await storage.player_answers(0)] == [TERMINAL_GUILD_ID]
    assert await storage_backend.schema_version() == storage_backend.latest_version
    terminal_weekly = "FROM player_weekly WHERE user_id = 0"
    assert await storage_backend.scalar(f"SELECT count(*) {terminal_weekly}") == 1
    assert await storage_backend.scalar(f"SELECT guild_id {terminal_weekly}") == TERMINAL_GUILD_ID
    assert await storage_backend.scalar(f"SELECT points {terminal_weekly}") == 140
    for scope in (0, TERMINAL_GUILD_ID):  # every scope's totals are back to the sum of its answers
        totals = f"SELECT coalesce(sum(points), 0) FROM player_totals WHERE guild_id = {scope}"
        assert await storage_backend.scalar(totals) == (130 if scope == 0 else 140)
    assert await storage_backend.scalar("SELECT count(*) FROM answers WHERE guild_id = 0") == 0
    assert await storage_backend.scalar("SELECT count(*) FROM rounds WHERE guild_id = 0") == 0
    if storage_backend.name == "sqlite":
        assert not consistency_problems(Path(storage_backend.target))


# --------------------------------------------------------------------------- privacy


@pytest.mark.usefixtures("storage_backend")  # on SQLite and on PostgreSQL
@pytest.mark.parametrize("upload_limit", [None, 4000], ids=["as JSON", "compressed when too large"])
async def test_the_export_holds_every_answer(
    fake: FakeDiscord, make_bot: Callable[..., TriviaBot], upload_limit: int | None
) -> None:
    fake.interaction_ack_timeout = ANSWER_SLA_SECONDS
    player = int(fake.user(2)["id"])
    async with running_bot(fake, make_bot()) as bot:
        for n in range(151):
            await seed_scores(bot.storage, fake.guild_id, {player: 10 + n})
        request = fake.slash_command("trivia privacy", {"action": "show"}, user=2)
        if upload_limit is not None:
            request["attachment_size_limit"] = upload_limit
        shown = await reply_to(fake, request)
        assert shown.ephemeral and "151 answers included" in shown.content
        upload = next(r for r in fake.requests if r.files and f"/{request['id']}/" in r.path + "/")
        (attachment,) = upload.files
        data = attachment.data
        if upload_limit is not None:
            assert attachment.filename == "orbit-trivia-data.json.gz" and len(data) <= upload_limit
            data = gzip.decompress(data)
        else:
            assert attachment.filename == "orbit-trivia-data.json"
        exported = json.loads(data)
        assert exported["answer_count"] == 151 and len(exported["answers"]) == 151
        assert sorted(answer["points"] for answer in exported["answers"]) == list(range(10, 161))
        assert exported["totals_by_guild"][0]["answers"] == 151


@pytest.mark.usefixtures("storage_backend")  # on SQLite and on PostgreSQL
async def test_deleting_your_data_during_a_round_keeps_its_end_from_writing_about_you(
    fake: FakeDiscord, make_bot: Callable[..., TriviaBot]
) -> None:
    fake.interaction_ack_timeout = ANSWER_SLA_SECONDS
    channel = fake.channel_id
    player = int(fake.user(2)["id"])
    async with running_bot(fake, make_bot()) as bot:
        await fake.interact(
            fake.slash_command("trivia start", {"questions": 2, "seconds": 5, "kind": "multiple_choice"}, user=1)
        )
        first = await wait_question(fake, channel, 1)
        question = running_session(bot, channel).current_question
        assert question is not None and question.correct_index is not None
        await reply_to(fake, fake.click(first, button_ids(first)[question.correct_index], user=2))
        await wait_reveal(fake, channel, first["id"])  # scored: the player leads the round
        await wait_question(fake, channel, 2)

        offer = await fake.interact(fake.slash_command("trivia privacy", {"action": "delete"}, user=2))
        assert offer.message is not None
        done = await fake.interact(fake.click(offer.message, button_ids(offer.message)[0], user=2))
        assert "deleted" in (done.content or "")
        standings = await wait_standings(fake, channel)
        assert f"<@{player}>" not in json.dumps(standings)
        storage = bot.storage
        assert storage is not None

        for _ in range(1500):  # the round's end is stored right after its standings post (generous: 30 s)
            played = await storage.get_round(1)
            if played is not None and played.status == "finished":
                break
            await asyncio.sleep(0.02)
        assert played is not None and played.status == "finished"

        export = await storage.export_player(player)
        assert (export["answer_count"], export["totals_by_guild"], export["totals_all_guilds"]) == (0, [], None)
        assert (export["weekly"], export["disputes"], export["rounds_won"]) == ([], [], 0)
        assert await storage.player_answers(player) == []
        assert (await storage.get_round(1)).winner_id is None  # type: ignore[union-attr]
        assert await storage.integrity_check() == "ok"


async def test_the_export_pages_through_answers_given_at_the_same_moment(
    storage_backend: StorageBackend, tmp_path: Path
) -> None:
    moment = dt.datetime(2025, 1, 8, 12, 0, tzinfo=dt.UTC)
    async with await storage_backend.open() as storage:
        for n in range(151):
            await seed_scores(storage, DISCORD_GUILD, {DISCORD_PLAYER: n, DISCORD_PLAYER + 1: 1}, closed_at=moment)
        pages = []
        after = None
        while page := await storage.player_answers(DISCORD_PLAYER, after=after, limit=50):
            pages.append(page)
            after = (page[-1].answered_at, page[-1].round_question_id)
        assert [len(page) for page in pages] == [50, 50, 50, 1]
        assert [answer.points for page in pages for answer in page] == list(range(151))  # in order, each once

        with (tmp_path / "export.json").open("w+b") as out:
            assert await write_player_export(storage, DISCORD_PLAYER, out, page=50) == 151
            out.seek(0)
            exported = json.loads(out.read())
        assert exported["answer_count"] == 151
        assert [answer["points"] for answer in exported["answers"]] == list(range(151))
        assert {answer["user_id"] for answer in exported["answers"]} == {DISCORD_PLAYER}


async def test_a_round_never_credits_a_winner_who_has_no_answer_in_it(storage_backend: StorageBackend) -> None:
    async with await storage_backend.open() as storage:
        round_id = await seed_scores(storage, DISCORD_GUILD, {DISCORD_PLAYER: 100, DISCORD_PLAYER + 1: 50})
        played = await storage.create_round(
            guild_id=DISCORD_GUILD,
            channel_id=1,
            starter_id=DISCORD_PLAYER,
            question_count=1,
            seconds=5,
            category=None,
            kind="mixed",
            started_at=dt.datetime.now(dt.UTC),
        )
        await storage.delete_player(DISCORD_PLAYER + 2)  # no answers at all: a deleted player's id
        assert await storage.finish_round(
            played, status="finished", ended_at=dt.datetime.now(dt.UTC), winner_id=DISCORD_PLAYER + 2
        )
        assert (await storage.get_round(played)).winner_id is None  # type: ignore[union-attr]
        assert (await storage.player_stats(DISCORD_GUILD, DISCORD_PLAYER + 2)).rank is None
        assert (await storage.get_round(round_id)).winner_id == DISCORD_PLAYER  # type: ignore[union-attr]
