"""Two real shard processes (``python -m bot``, SHARD_COUNT=2, SHARD_IDS=0 and 1) over one shared PostgreSQL.

The fake Discord routes each guild's events to the session of shard ``(guild_id >> 22) % 2``, so:

* rounds run at once in two guilds of each shard, and each is served by the process holding its shard;
* ``/leaderboard scope:Global`` shows the same totals asked in either shard (the sum of both servers);
* only the process holding shard 0 syncs commands;
* SIGKILL of the shard-1 process loses no confirmed answer, and shard 0's rounds keep running; restarted, the
  shard-1 process closes its own interrupted rounds and leaves shard 0's alone.
"""

# The helpers take a plain timeout argument, like FakeDiscord's.
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import contextlib
import functools
import itertools
import random
import re
import signal
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bot.app import INTERRUPTED_NOTICE
from bot.cogs.trivia import ROUND_ENDED
from bot.storage import Storage
from bot.storage.opening import open_storage
from fake_discord import FakeDiscord, FakeGuild
from tests.bot_helpers import reply_to
from tests.conftest import button_ids
from tests.faultkit import BotProcess, Json, bot_env, bot_process, eventually, send_all
from tests.postgres_cluster import PostgresCluster

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

SHARDS = 2
PLAYERS = (1, 2, 3, 4)
SEED = 20261203
CHOSE = "You chose"
_databases = itertools.count(1)


# --------------------------------------------------------------------------- the shared database


@pytest.fixture
async def shared_database(postgres_cluster: PostgresCluster) -> AsyncIterator[tuple[dict[str, str], Storage]]:
    """One PostgreSQL database for every shard process (a fresh one on the test cluster, which fails rather than
    skips when PostgreSQL cannot start): the bots' settings for it, and a storage for the test's own look-ups."""
    url = await postgres_cluster.create_database(f"shards_{next(_databases)}")
    storage = await open_storage(url)
    try:
        yield {"DATABASE_URL": url}, storage
    finally:
        await storage.close()


# --------------------------------------------------------------------------- the world


@dataclass
class Sent:
    """One click a player sent on a question, and whether the bot confirmed it."""

    token: str
    player: int
    round_id: int
    position: int
    choice: int

    def reply(self, fake: FakeDiscord) -> str | None:
        """Return the text the bot answered the click with (a deferred click's followup), None if not yet."""
        record = fake.interactions[self.token]
        if record.callback_type == 5:  # deferred (storing took over 2 s on a busy machine): its followup answers
            followups = fake.sent_followups(self.token)
            return str(followups[0].get("content")) if followups else None
        if record.callback_type != 4:
            return None
        return str((record.callback_data or {}).get("content"))

    def confirmed(self, fake: FakeDiscord) -> bool:
        return CHOSE in (self.reply(fake) or "")


@dataclass
class World:
    """The fake, a guild on each shard with two channels, and everything the players sent."""

    fake: FakeDiscord
    guilds: dict[int, FakeGuild]
    rng: random.Random
    sent: list[Sent] = field(default_factory=list)

    def channels(self, shard: int) -> list[int]:
        return self.guilds[shard].channel_ids

    def open_questions(self, channel: int) -> Iterator[Json]:
        """The channel's messages that still carry answer buttons, newest first."""
        for message in sorted(self.fake.messages[channel].values(), key=lambda m: int(m["id"]), reverse=True):
            ids = button_ids(message)
            if ids and ids[0].startswith(("ot:c:", "ot:t:")):
                yield message

    async def start_round(self, shard: int, channel: int, questions: int) -> int:
        """Start a multiple-choice round; return its id once its first question is posted."""
        guild = self.guilds[shard]
        command = {"questions": questions, "seconds": 5, "kind": "multiple_choice"}
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 20
        while True:
            started = await reply_to(
                self.fake,
                self.fake.slash_command("trivia start", command, user=1, guild_id=guild.id, channel_id=channel),
            )
            # The previous round's row is finished just before its session posts the standings and lets go.
            busy = ("already running", "ending right now")
            if not any(words in (started.content or "") for words in busy) or loop.time() > deadline:
                break
            await asyncio.sleep(0.2)
        assert "started a round" in (started.content or ""), started.content
        question = await self.fake.wait_for(lambda: next(self.open_questions(channel), None), 10, description="Q1")
        return int(button_ids(question)[0].split(":")[2])

    async def answer_open_questions(self, channel: int, players: tuple[int, ...]) -> int:
        """Let each of ``players`` click once on the channel's open question (if they haven't); return clicks."""
        message = next(self.open_questions(channel), None)
        if message is None:
            return 0
        ids = button_ids(message)
        _, _, round_id, position, *_ = ids[0].split(":")
        done = {(s.player, s.round_id, s.position) for s in self.sent}
        payloads = []
        for player in players:
            if (player, int(round_id), int(position)) in done:
                continue
            choice = self.rng.randrange(len(ids))
            try:
                payload = self.fake.click(message, ids[choice], user=player)
            except ValueError:  # the question closed meanwhile: its buttons are gone
                return 0
            self.sent.append(Sent(payload["token"], player, int(round_id), int(position), choice))
            payloads.append(payload)
        await send_all(self.fake, payloads, timeout=5)
        return len(payloads)

    async def play(self, channels: list[int], players: tuple[int, ...], stop: asyncio.Event) -> None:
        """Answer every question that opens in ``channels`` until ``stop`` is set."""
        while not stop.is_set():
            for channel in channels:
                await self.answer_open_questions(channel, players)
            await asyncio.sleep(0.05)


async def lost_answers(world: World, storage: Storage) -> list[str]:
    """Describe every answer the bot confirmed that the database does not hold as confirmed."""
    stored: dict[tuple[int, int, int], int | None] = {}
    for round_id in {s.round_id for s in world.sent}:
        for question in await storage.round_questions(round_id):
            for answer in await storage.question_answers(question.id):
                stored[(answer.user_id, round_id, question.position)] = answer.choice
    lost = []
    for sent in world.sent:
        if not sent.confirmed(world.fake):
            continue
        key = (int(world.fake.user(sent.player)["id"]), sent.round_id, sent.position)
        if stored.get(key, -1) != sent.choice:
            lost.append(
                f"player {sent.player} round {sent.round_id} Q{sent.position}: confirmed {sent.choice}, "
                f"stored {stored.get(key)}"
            )
    return lost


def served(process: BotProcess, round_id: int) -> bool:
    """Return whether the process logged that it started the round."""
    started = re.compile(rf"Round {round_id} started in channel \d+ of guild \d+")
    return any(started.search(line) for line in process.log)


def told(fake: FakeDiscord, channel: int) -> bool:
    """Return whether the channel was told that its round was interrupted by a restart."""
    return any(message.get("content") == INTERRUPTED_NOTICE for message in fake.messages[channel].values())


def problems_in(log: list[str]) -> list[str]:
    return [line for line in log if "Traceback" in line or " ERROR " in line or " CRITICAL " in line]


async def global_board(world: World, shard: int) -> Json:
    """Ask /leaderboard scope:Global in the shard's guild and return the embed."""
    guild = world.guilds[shard]
    result = await reply_to(
        world.fake,
        world.fake.slash_command(
            "leaderboard", {"scope": "global"}, user=2, guild_id=guild.id, channel_id=guild.channel_ids[0]
        ),
    )
    return result.embeds[0]


async def round_status(storage: Storage, round_id: int) -> str:
    row = await storage.get_round(round_id)
    assert row is not None
    return row.status


async def wait_status(storage: Storage, round_id: int, statuses: set[str], timeout: float) -> None:
    """Wait until the round's stored status is one of ``statuses``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while (status := await round_status(storage, round_id)) not in statuses:
        if loop.time() > deadline:
            raise TimeoutError(f"round {round_id} is {status!r} after {timeout}s, not one of {sorted(statuses)}")
        await asyncio.sleep(0.1)


# --------------------------------------------------------------------------- the test


async def test_two_shard_processes_share_one_database(
    tmp_path: Path, shared_database: tuple[dict[str, str], Storage]
) -> None:
    rng = random.Random(SEED)
    database_env, storage = shared_database
    async with FakeDiscord(players=0, channels=()) as fake:
        guilds = {
            shard: fake.add_guild(f"Shard {shard}", channels=("alpha", "beta"), players=PLAYERS, shard=(shard, SHARDS))
            for shard in range(SHARDS)
        }
        world = World(fake, guilds, rng)
        base_env = bot_env(fake, tmp_path / "unused.db", **database_env, SHARD_COUNT=str(SHARDS))
        base_env["DEV_GUILD_IDS"] = ",".join(str(guild.id) for guild in guilds.values())
        workdirs = [tmp_path / f"shard{shard}" for shard in range(SHARDS)]
        for workdir in workdirs:
            workdir.mkdir()

        async with contextlib.AsyncExitStack() as stack:
            processes = [
                await stack.enter_async_context(bot_process({**base_env, "SHARD_IDS": str(shard)}, workdirs[shard]))
                for shard in range(SHARDS)
            ]
            await fake.wait_for(lambda: fake.live_shards == {0, 1}, timeout=30, description="both shards READY")
            await eventually(lambda: None in fake.commands, timeout=20, what="the global command sync")
            await eventually(lambda: any("Logged in" in line for line in processes[1].log), 20, "shard 1 logged in")
            # Only the process holding shard 0 synced.
            assert any("Synced global commands" in line for line in processes[0].log)
            assert not any("Synced" in line for line in processes[1].log)
            assert any("synced by the process holding shard 0" in line for line in processes[1].log)

            # ---- rounds in both shards at once, each served by its shard's process
            channels = [(shard, channel) for shard in range(SHARDS) for channel in world.channels(shard)]
            all_channels = [channel for _, channel in channels]
            rounds = dict(
                zip(
                    channels,
                    await asyncio.gather(*(world.start_round(shard, channel, 3) for shard, channel in channels)),
                    strict=True,
                )
            )
            for (shard, _), round_id in rounds.items():
                await eventually(functools.partial(served, processes[shard], round_id), 10, f"round {round_id} logged")
                assert not served(processes[1 - shard], round_id)
            starts = [f for f in fake.events if f.direction == "out" and f.t == "INTERACTION_CREATE"]
            assert all(frame.shard == (int(frame.d["guild_id"]) >> 22) % SHARDS for frame in starts), (
                "an interaction went to the wrong shard"
            )

            stop = asyncio.Event()
            playing = asyncio.create_task(world.play(all_channels, PLAYERS, stop))
            try:
                for round_id in rounds.values():
                    await wait_status(storage, round_id, {"finished"}, timeout=60)
            finally:
                stop.set()
                await playing
            assert not await lost_answers(world, storage)

            # ---- the global leaderboard is the same asked in either shard, and sums both servers
            boards = [await global_board(world, shard) for shard in range(SHARDS)]
            assert boards[0]["description"] == boards[1]["description"]
            assert boards[0]["footer"] == boards[1]["footer"]
            everywhere = await storage.leaderboard(guild_id=None, week_start=None, limit=10, offset=0)
            assert everywhere and sum(row.answers for row in everywhere) == sum(s.confirmed(fake) for s in world.sent)
            per_server = {
                shard: {
                    row.user_id: row.points
                    for row in await storage.leaderboard(guild_id=guilds[shard].id, week_start=None, limit=10, offset=0)
                }
                for shard in range(SHARDS)
            }
            for row in everywhere:
                assert row.points == sum(points.get(row.user_id, 0) for points in per_server.values())
                assert f"**{row.points}** pts" in boards[0]["description"]

            # ---- SIGKILL the shard-1 process mid-round: nothing confirmed is lost, shard 0 plays on
            rounds = dict(
                zip(
                    channels,
                    await asyncio.gather(*(world.start_round(shard, channel, 40) for shard, channel in channels)),
                    strict=True,
                )
            )
            stop = asyncio.Event()
            mid_round = asyncio.create_task(world.play(all_channels, PLAYERS, stop))
            await eventually(
                lambda: all(len({s.position for s in world.sent if s.round_id == r}) >= 2 for r in rounds.values()),
                timeout=60,
                what="two questions answered in every round",
            )
            await processes[1].stop(signal.SIGKILL)
            stop.set()
            await mid_round
            assert not await lost_answers(world, storage)
            shard1_rounds = [rounds[(1, channel)] for channel in world.channels(1)]
            shard0_rounds = [rounds[(0, channel)] for channel in world.channels(0)]
            assert [await round_status(storage, r) for r in shard1_rounds] == ["running", "running"]

            # Shard 0 keeps asking and confirming: a new question opens in each of its channels after the kill.
            sent_before = len(world.sent)
            positions = {r: max(s.position for s in world.sent if s.round_id == r) for r in shard0_rounds}
            stop = asyncio.Event()
            keeper = asyncio.create_task(world.play(world.channels(0), (1,), stop))
            try:
                await eventually(
                    lambda: (
                        keeper.done()
                        or all(
                            any(s.round_id == r and s.position > p and s.confirmed(fake) for s in world.sent)
                            for r, p in positions.items()
                        )
                    ),
                    timeout=90,  # a hang guard: it ends as soon as each round moves on
                    # Confirmed, not only sent: a click on the question open at the kill may come as it closes.
                    what="a click on a new question confirmed in each shard-0 round after the kill",
                )
                if keeper.done():
                    await keeper  # raises what stopped the player
                    raise AssertionError("the player stopped by itself")
            except (TimeoutError, AssertionError) as error:
                answered = {r: sorted({s.position for s in world.sent if s.round_id == r}) for r in shard0_rounds}
                tail = "\n".join(processes[0].log[-60:])
                raise AssertionError(f"{error}\nanswered positions {answered}\nshard 0's log:\n{tail}") from error
            # Every click sent so far (the keeper goes on) is answered: confirmed, or, if it reached the bot just as
            # its question closed on time, told so.
            after_kill = world.sent[sent_before:]
            await eventually(lambda: all(s.reply(fake) is not None for s in after_kill), 30, "replies to the clicks")
            assert all(s.confirmed(fake) or "is closed" in str(s.reply(fake)) for s in after_kill), [
                s.reply(fake) for s in after_kill
            ]
            assert {s.round_id for s in after_kill if s.confirmed(fake)} == set(shard0_rounds)
            old_buttons = [
                fake.click(message, button_ids(message)[0], user=3)
                for channel in world.channels(1)
                if (message := next(world.open_questions(channel), None)) is not None
            ]

            # ---- restart shard 1: it closes its own interrupted rounds and leaves shard 0's running
            identified = fake.identify_count
            restarted = await stack.enter_async_context(bot_process({**base_env, "SHARD_IDS": "1"}, workdirs[1]))
            await fake.wait_for(
                lambda: fake.identify_count > identified and fake.live_shards == {0, 1},
                timeout=30,
                description="shard 1 back",
            )
            for round_id in shard1_rounds:
                assert await round_status(storage, round_id) == "interrupted"
            for channel in world.channels(1):
                await fake.wait_for(functools.partial(told, fake, channel), 10, description="the interrupted notice")
            assert not any(told(fake, channel) for channel in world.channels(0))
            replies = await send_all(fake, old_buttons, timeout=10)
            assert all(r is not None and ROUND_ENDED in str(r.get("content")) for r in replies), replies
            for round_id in shard0_rounds:
                assert await round_status(storage, round_id) == "running"
            stop.set()
            await keeper

            # Shard 0's rounds still answer, then stop cleanly (both at once: a stop's reply waits for the standings).
            async def answer_and_stop(channel: int) -> None:
                assert await world.answer_open_questions(channel, (2,)) in (0, 1)
                stopped = await reply_to(
                    fake, fake.slash_command("trivia stop", user=1, guild_id=guilds[0].id, channel_id=channel)
                )
                assert "stopped the round" in (stopped.content or "")

            await asyncio.gather(*(answer_and_stop(channel) for channel in world.channels(0)))
            for round_id in shard0_rounds:
                await wait_status(storage, round_id, {"stopped"}, timeout=20)
            assert not await lost_answers(world, storage)
            assert await storage.integrity_check() == "ok"

            for process in (processes[0], restarted):
                await process.stop(signal.SIGINT, timeout=20)
            for process in (processes[0], processes[1], restarted):
                assert not problems_in(process.log), "\n".join(process.log)
