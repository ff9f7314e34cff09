"""``python -m bot copy-db``: SQLite into PostgreSQL and back, every row kept, totals checked, non-empty refused."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bot.storage import TERMINAL_GUILD_ID, AnswerInput, ScoredAnswer, copying
from bot.storage.copying import CopyMismatch, CopyRefused, copy_database
from bot.storage.opening import AnyStorage, open_storage
from tests.postgres_cluster import PostgresCluster

REPO_ROOT = Path(__file__).resolve().parents[1]
WEDNESDAY = dt.datetime(2025, 1, 8, 12, 0, 0, 123456, tzinfo=dt.UTC)
GUILD, OTHER_GUILD = 111_111_111_111_111_111, 222_222_222_222_222_222
ALICE, BOB, CAROL = 1001, 1002, 1003
TERMINAL_PLAYER = 0


async def fill(storage: AnyStorage) -> None:
    """Rounds in two guilds and the terminal, scored answers, finished rounds, an accepted dispute, settings, meta."""
    await storage.set_meta("command_tree_hash", "abc")
    await storage.set_guild_settings(GUILD, default_questions=7)
    for guild_id, channel_id in ((GUILD, 1), (OTHER_GUILD, 2)):
        round_id = await storage.create_round(
            guild_id=guild_id,
            channel_id=channel_id,
            starter_id=ALICE,
            question_count=3,
            seconds=30,
            category=None,
            kind="mixed",
            started_at=WEDNESDAY,
        )
        for position in range(3):
            question = await storage.add_round_question(
                round_id=round_id,
                position=position,
                question_id=f"fact{position}.typed",
                fact_id=f"fact{position}",
                kind="typed",
                correct_choice=None,
                opened_at=WEDNESDAY,
                deadline_at=WEDNESDAY + dt.timedelta(seconds=30),
                message_id=guild_id + channel_id * 10 + position,
            )
            for user_id in (ALICE, BOB, CAROL):
                await storage.record_answer(
                    AnswerInput(
                        question,
                        round_id,
                        guild_id,
                        user_id,
                        None,
                        f"guess {user_id}",
                        None,
                        0.0,
                        WEDNESDAY + dt.timedelta(seconds=user_id % 7),
                        1000 + user_id,
                    )
                )
            verdicts = [
                ScoredAnswer(ALICE, True, 100 + position, 1),
                ScoredAnswer(BOB, position == 1, 50, 1),
                ScoredAnswer(CAROL, False, 0, 0),
            ]
            await storage.score_question(question, verdicts, closed_at=WEDNESDAY + dt.timedelta(days=position * 3))
        await storage.finish_round(round_id, status="finished", ended_at=WEDNESDAY, winner_id=ALICE)
    dispute = await storage.create_dispute(
        round_question_id=1, guild_id=GUILD, user_id=CAROL, answer_text="guess 1003", created_at=WEDNESDAY
    )
    await storage.decide_dispute(dispute, accepted=True, decided_by=BOB, decided_at=WEDNESDAY, points_awarded=80)
    await play_in_terminal(storage)


async def play_in_terminal(storage: AnyStorage) -> None:
    """One finished terminal round (scope -1, question 7): its totals never reach the all-guilds scope."""
    round_id = await storage.create_round(
        guild_id=TERMINAL_GUILD_ID,
        channel_id=0,
        starter_id=TERMINAL_PLAYER,
        question_count=1,
        seconds=30,
        category=None,
        kind="mixed",
        started_at=WEDNESDAY,
    )
    question = await storage.add_round_question(
        round_id=round_id,
        position=0,
        question_id="fact0.tf1",
        fact_id="fact0",
        kind="true_false",
        correct_choice=0,
        opened_at=WEDNESDAY,
        deadline_at=WEDNESDAY + dt.timedelta(seconds=30),
    )
    await storage.record_answer(
        AnswerInput(question, round_id, TERMINAL_GUILD_ID, TERMINAL_PLAYER, 0, None, True, 1.0, WEDNESDAY, 900)
    )
    await storage.score_question(question, [ScoredAnswer(TERMINAL_PLAYER, True, 140, 1)], closed_at=WEDNESDAY)
    await storage.finish_round(round_id, status="finished", ended_at=WEDNESDAY, winner_id=TERMINAL_PLAYER)


async def snapshot(storage: AnyStorage) -> dict[str, object]:
    """Everything a player or moderator can see, through the storage interface."""
    seen: dict[str, object] = {}
    for guild_id in (GUILD, OTHER_GUILD, TERMINAL_GUILD_ID, None):
        seen[f"board {guild_id}"] = await storage.leaderboard(guild_id=guild_id, week_start=None, limit=10)
        seen[f"week {guild_id}"] = await storage.leaderboard(
            guild_id=guild_id, week_start=dt.date(2025, 1, 6), limit=10
        )
        seen[f"size {guild_id}"] = await storage.leaderboard_size(guild_id=guild_id, week_start=None)
        for user_id in (ALICE, BOB, CAROL, TERMINAL_PLAYER):
            seen[f"stats {guild_id} {user_id}"] = await storage.player_stats(guild_id, user_id)
    for user_id in (ALICE, BOB, CAROL, TERMINAL_PLAYER):
        seen[f"export {user_id}"] = await storage.export_player(user_id)
        seen[f"answers of {user_id}"] = await storage.player_answers(user_id)
    seen["rounds"] = [await storage.get_round(round_id) for round_id in (1, 2, 3)]
    seen["questions"] = [await storage.round_questions(round_id) for round_id in (1, 2, 3)]
    seen["answers"] = [await storage.question_answers(question) for question in range(1, 8)]
    seen["dispute"] = await storage.get_dispute(1)
    seen["aliases"] = await storage.guild_aliases(GUILD, "fact0")
    seen["settings"] = await storage.get_guild_settings(GUILD)
    seen["meta"] = await storage.get_meta("command_tree_hash")
    return seen


async def test_sqlite_to_postgresql_and_back_keeps_everything(
    tmp_path: Path, postgres_cluster: PostgresCluster
) -> None:
    source = tmp_path / "source.db"
    async with await open_storage(source) as storage:
        await fill(storage)
        before = await snapshot(storage)
    url = await postgres_cluster.create_database("copy_target")

    report = await copy_database(source, url)
    assert (report.rows["answers"], report.rows["rounds"], report.rows["disputes"], report.players) == (19, 3, 1, 4)
    async with await open_storage(url) as copied:
        assert await snapshot(copied) == before
        assert await copied.integrity_check() == "ok"
        # The terminal's scope came along, still apart from the all-guilds scope.
        terminal = await copied.player_stats(TERMINAL_GUILD_ID, TERMINAL_PLAYER)
        assert (terminal.points, terminal.rounds_won) == (140, 1)
        assert (await copied.player_stats(None, TERMINAL_PLAYER)).rank is None
        # New ids continue after the copied ones.
        assert (
            await copied.create_round(
                guild_id=GUILD,
                channel_id=9,
                starter_id=BOB,
                question_count=1,
                seconds=5,
                category=None,
                kind="mc",
                started_at=WEDNESDAY,
            )
            == 4
        )

    back = tmp_path / "back.db"
    await copy_database(url, back)
    async with await open_storage(back) as returned:
        after = await snapshot(returned)
        assert await returned.integrity_check() == "ok"
    assert after["board None"] == before["board None"]
    assert after["export 1003"] == before["export 1003"]
    answers_per_question = after["answers"]
    assert isinstance(answers_per_question, list)
    assert [len(answers) for answers in answers_per_question] == [3] * 6 + [1]
    assert after["answers of 0"] == before["answers of 0"]
    assert after["stats -1 0"] == before["stats -1 0"]
    async with await open_storage(back) as returned:  # the round created in PostgreSQL came along too
        assert (await returned.get_round(4)) is not None


async def test_copy_refuses_a_non_empty_target_and_changes_nothing(
    tmp_path: Path, postgres_cluster: PostgresCluster
) -> None:
    source = tmp_path / "source.db"
    async with await open_storage(source) as storage:
        await fill(storage)
    url = await postgres_cluster.create_database("copy_busy_target")
    async with await open_storage(url) as target:
        await target.set_meta("already", "here")

    with pytest.raises(CopyRefused, match="not empty"):
        await copy_database(source, url)
    async with await open_storage(url) as target:
        assert await target.leaderboard_size(guild_id=None, week_start=None) == 0
    with pytest.raises(CopyRefused, match="does not exist"):
        await copy_database(tmp_path / "missing.db", url)
    with pytest.raises(CopyRefused, match="not empty"):
        await copy_database(url, source)


async def test_copy_db_command_line(tmp_path: Path, postgres_cluster: PostgresCluster) -> None:
    source = tmp_path / "source.db"
    async with await open_storage(source) as storage:
        await fill(storage)
    url = await postgres_cluster.create_database("copy_cli_target")

    def copy_db(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bot", "copy-db", *args],
            cwd=REPO_ROOT,
            env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    done = await asyncio.to_thread(copy_db, str(source), url)
    assert done.returncode == 0, done.stderr
    assert "Checked: totals of 4 player(s) and 19 answer(s) match the source." in done.stdout
    again = await asyncio.to_thread(copy_db, str(source), url)
    assert again.returncode == 2
    assert "copy-db refused" in again.stderr and "not empty" in again.stderr


async def test_a_copy_that_does_not_match_its_source_is_rolled_back(
    tmp_path: Path, postgres_cluster: PostgresCluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "source.db"
    async with await open_storage(source) as storage:
        await fill(storage)
    url = await postgres_cluster.create_database("copy_torn")
    write = copying._PostgresEnd.write

    async def lose_an_answer(self: copying._PostgresEnd, table: copying.Table, rows: Any) -> None:
        await write(self, table, rows[:-1] if table.name == "answers" else rows)

    monkeypatch.setattr(copying._PostgresEnd, "write", lose_an_answer)
    with pytest.raises(CopyMismatch, match="nothing was committed"):
        await copy_database(source, url)
    monkeypatch.undo()
    async with await open_storage(url) as target:
        assert await target.get_meta("command_tree_hash") is None
        assert await target.leaderboard_size(guild_id=None, week_start=None) == 0
    await copy_database(source, url)  # still empty, so the real copy goes through
