"""Shard settings, restart recovery per shard, and who syncs: SHARD_COUNT / SHARD_IDS in one process."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

import discord
import pytest
from pydantic import ValidationError

from bot.app import QuestionSource, ShardedTriviaBot, TriviaBot, _close_interrupted_rounds_of, make_bot
from bot.config import Settings
from bot.shards import ShardPlan, shard_of
from bot.storage import Storage
from fake_discord import FakeDiscord, running_bot
from tests.faultkit import run_command
from tests.storage_backends import StorageBackend

NOW = dt.datetime(2026, 12, 3, 20, 0, tzinfo=dt.UTC)
_channels = itertools.count(1)


def guild_on(shard: int, count: int, n: int = 0) -> int:
    """Return a guild id whose events go to ``shard`` of ``count``."""
    return ((1200 + n * count + shard) << 22) | 7  # 1200: a multiple of every count used here


# --------------------------------------------------------------------------- settings


def test_without_shard_settings_the_bot_runs_unsharded(question_source: QuestionSource) -> None:
    settings = Settings(discord_token="t")
    assert settings.shard_plan is None
    assert type(make_bot(settings, source=question_source)) is TriviaBot


@pytest.mark.parametrize(
    ("count", "ids", "plan"),
    [
        ("2", "0", ShardPlan(2, (0,))),
        ("2", "1", ShardPlan(2, (1,))),
        ("4", "3, 1", ShardPlan(4, (3, 1))),
        ("3", None, ShardPlan(3, (0, 1, 2))),
        ("1", "0", ShardPlan(1, (0,))),
    ],
)
def test_shard_settings_make_a_plan(
    count: str, ids: str | None, plan: ShardPlan, question_source: QuestionSource
) -> None:
    settings = Settings(discord_token="t", shard_count=count, shard_ids=ids)
    assert settings.shard_plan == plan
    bot = make_bot(settings, source=question_source)
    assert isinstance(bot, ShardedTriviaBot) and isinstance(bot, discord.AutoShardedClient)
    assert (bot.shard_count, bot.shard_ids) == (plan.count, list(plan.ids))


@pytest.mark.parametrize(
    ("count", "ids", "per_second"),
    [(None, None, 40), ("2", "0", 20), ("2", "1", 20), ("4", "3, 1", 20), ("3", None, 40), ("3", "2", 13)],
)
def test_shard_processes_split_the_bot_wide_channel_write_budget(
    count: str | None, ids: str | None, per_second: int, question_source: QuestionSource
) -> None:
    # Discord's global request limit is per bot, not per process: together the processes stay within it.
    settings = Settings(discord_token="t", shard_count=count, shard_ids=ids)
    assert make_bot(settings, source=question_source).write_budget.per_second == per_second


@pytest.mark.parametrize(
    ("env", "line"),
    [
        ({"SHARD_IDS": "0"}, "SHARD_IDS: needs SHARD_COUNT too"),
        ({"SHARD_COUNT": "2", "SHARD_IDS": "2"}, "SHARD_IDS: 2: with SHARD_COUNT=2 the shards are numbered 0 to 1"),
        ({"SHARD_COUNT": "2", "SHARD_IDS": "0,1,5"}, "SHARD_IDS: 5: with SHARD_COUNT=2"),
        ({"SHARD_COUNT": "2", "SHARD_IDS": "-1"}, "SHARD_IDS: must be shard numbers separated by commas"),
        ({"SHARD_COUNT": "2", "SHARD_IDS": "0,0"}, "SHARD_IDS: lists shard 0 more than once"),
        ({"SHARD_COUNT": "2", "SHARD_IDS": "one"}, "SHARD_IDS: must be shard numbers separated by commas"),
        ({"SHARD_COUNT": "0"}, "SHARD_COUNT: Input should be greater than or equal to 1"),
        ({"SHARD_COUNT": "two", "SHARD_IDS": "0"}, "SHARD_COUNT: Input should be a valid integer"),
    ],
)
async def test_bad_shard_settings_are_one_clear_line_and_exit_2(tmp_path: Path, env: dict[str, str], line: str) -> None:
    environment = {"PATH": "/usr/bin:/bin", "DISCORD_TOKEN": "abc", **env}
    finished = await run_command("-m", "bot", env=environment, cwd=tmp_path)
    assert finished.code == 2, finished.stderr
    lines = finished.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(line), lines
    assert not (tmp_path / "data").exists()  # nothing was opened or created


def test_plan_owns_the_guilds_of_its_shards() -> None:
    plan = ShardPlan(4, (1, 3))
    for n in range(3):
        assert [plan.owns_guild(guild_on(shard, 4, n)) for shard in range(4)] == [False, True, False, True]
    assert not plan.owns_guild(None)  # direct messages go to shard 0
    assert not any(ShardPlan(2, (0, 1)).owns_guild(terminal) for terminal in (-1, -2, -(1 << 40)))
    assert ShardPlan(4, (0,)).owns_guild(None)
    assert shard_of(guild_on(2, 4), 4) == 2
    assert [ShardPlan(2, ids).syncs_commands for ids in ((0,), (1,), (1, 0))] == [True, False, True]
    assert str(ShardPlan(2, (1,))) == "shard 1 of 2" and str(ShardPlan(4, (0, 2))) == "shards 0, 2 of 4"
    with pytest.raises(ValueError, match="not within"):
        ShardPlan(2, (2,))
    with pytest.raises(ValidationError):
        Settings(discord_token="t", shard_ids="0")


# --------------------------------------------------------------------------- restart recovery per shard


async def _running_round(storage: Storage, guild_id: int) -> int:
    return await storage.create_round(
        guild_id=guild_id,
        channel_id=next(_channels),
        starter_id=1,
        question_count=5,
        seconds=30,
        category=None,
        kind="mixed",
        started_at=NOW,
    )


async def test_restart_recovery_closes_only_the_rounds_of_this_process_shards(storage_backend: StorageBackend) -> None:
    storage = await storage_backend.open()
    try:
        rounds = {shard: [await _running_round(storage, guild_on(shard, 3, n)) for n in range(2)] for shard in range(3)}
        terminal = await _running_round(storage, -1)  # the terminal player's: no shard's
        closed = await _close_interrupted_rounds_of(storage, ShardPlan(3, (1, 2)))
        assert sorted(row.id for row in closed) == sorted(rounds[1] + rounds[2])
        assert {row.status for row in closed} == {"interrupted"}
        assert sorted(row.id for row in await storage.running_rounds()) == sorted([*rounds[0], terminal])
        # Again (a second restart of the same process): nothing of its own is left to close.
        assert await _close_interrupted_rounds_of(storage, ShardPlan(3, (1, 2))) == []
        closed = await _close_interrupted_rounds_of(storage, ShardPlan(3, (0,)))
        assert sorted(row.id for row in closed) == rounds[0]
        assert [row.id for row in await storage.running_rounds()] == [terminal]
    finally:
        await storage.close()


# --------------------------------------------------------------------------- one shard process, in process


@pytest.mark.parametrize("shard", [0, 1])
async def test_a_shard_process_serves_its_guilds_and_only_shard_0_syncs(
    tmp_path: Path, question_source: QuestionSource, shard: int
) -> None:
    async with FakeDiscord(players=0, channels=()) as fake:
        guilds = [fake.add_guild(f"Shard {n}", players=range(1, 3), shard=(n, 2)) for n in range(2)]
        settings = Settings(
            discord_token=fake.token,
            database_path=tmp_path / "trivia.db",
            dev_guild_ids=[guild.id for guild in guilds],
            discord_api_base=fake.base_url,
            round_pause_seconds=0,
            shard_count=2,
            shard_ids=[shard],
        )
        bot = make_bot(settings, source=question_source, guild_ready_timeout=0.05)
        async with running_bot(fake, bot):
            assert fake.identify_payloads[-1]["shard"] == [shard, 2]
            assert [guild.id for guild in bot.guilds] == [guilds[shard].id]
            if shard == 0:
                assert bot.sync_report is not None and bot.sync_report.global_synced
                assert {guild_id for guild_id, _ in fake.command_syncs} == {None, guilds[0].id, guilds[1].id}
            else:
                assert bot.sync_report is None and fake.command_syncs == []
            mine = guilds[shard]
            help_reply = await fake.interact(
                fake.slash_command("trivia help", guild_id=mine.id, channel_id=mine.channel_ids[0])
            )
            assert help_reply.embeds
            # The other shard's guild is not this process's: its events would go to a session nobody opened.
            other = guilds[1 - shard]
            with pytest.raises(RuntimeError, match=f"no gateway session receives events of guild {other.id}"):
                await fake.send_interaction(
                    fake.slash_command("trivia help", guild_id=other.id, channel_id=other.channel_ids[0])
                )
