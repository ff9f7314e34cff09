"""The fake gateway shards like Discord: IDENTIFY's ``shard`` is honoured and checked, and each guild's events
go only to the session of shard ``(guild_id >> 22) % shard_count``. Driven by discord.py's AutoShardedBot."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import discord
import pytest
from discord.ext import commands

from fake_discord import FakeDiscord, FakeGuild, running_bot

SHARDS = 2


def shard_of(guild_id: int) -> int:
    return (guild_id >> 22) % SHARDS


def build_shard_bot(shard_ids: list[int]) -> commands.AutoShardedBot:
    """A one-command bot over some shards of two; /where answers with the shard that served it."""
    client = commands.AutoShardedBot(
        command_prefix=commands.when_mentioned,
        intents=discord.Intents(guilds=True),
        shard_count=SHARDS,
        shard_ids=shard_ids,
        guild_ready_timeout=0.05,
    )

    @client.tree.command(name="where", description="Say which shard serves this server")
    async def where(interaction: discord.Interaction) -> None:
        assert interaction.guild is not None
        await interaction.response.send_message(f"shard {interaction.guild.shard_id} of {client.shard_ids}")

    async def instant_identify(shard_id: int | None, *, initial: bool = False) -> None:
        """Identify at once (discord.py waits 5 s between shards for Discord's rate limit)."""

    client.before_identify_hook = instant_identify  # type: ignore[method-assign]
    return client


@pytest.fixture
async def sharded_fake() -> AsyncIterator[tuple[FakeDiscord, dict[int, list[FakeGuild]]]]:
    """A fake with two guilds on each of two shards (and none of the default guild)."""
    async with FakeDiscord(players=0, channels=()) as fake:
        guilds = {
            shard: [fake.add_guild(f"Shard {shard} guild {n}", shard=(shard, SHARDS)) for n in range(2)]
            for shard in range(SHARDS)
        }
        yield fake, guilds


async def test_snowflakes_for_a_shard_land_on_it(sharded_fake: tuple[FakeDiscord, dict[int, list[FakeGuild]]]) -> None:
    _, guilds = sharded_fake
    for shard, on_shard in guilds.items():
        assert [shard_of(guild.id) for guild in on_shard] == [shard, shard]


async def test_each_shard_gets_only_its_guilds_and_their_interactions(
    sharded_fake: tuple[FakeDiscord, dict[int, list[FakeGuild]]],
) -> None:
    fake, guilds = sharded_fake
    shard0, shard1 = build_shard_bot([0]), build_shard_bot([1])
    async with running_bot(fake, shard0), running_bot(fake, shard1, patch=False):
        assert fake.live_shards == {0, 1}
        assert [payload["shard"] for payload in fake.identify_payloads] == [[0, 2], [1, 2]]
        for shard, client in ((0, shard0), (1, shard1)):
            assert {guild.id for guild in client.guilds} == {guild.id for guild in guilds[shard]}
            assert {shard_of(g.id) for g in client.guilds} == {shard}

        frames_before = len(fake.events)
        for shard, on_shard in guilds.items():
            for guild in on_shard:
                channel = guild.channel_ids[0]
                result = await fake.interact(fake.slash_command("where", user=1, guild_id=guild.id, channel_id=channel))
                assert result.content == f"shard {shard} of [{shard}]"
                assert fake.shard_of_guild(guild.id) == shard
        delivered = [f for f in fake.events[frames_before:] if f.direction == "out" and f.t == "INTERACTION_CREATE"]
        assert len(delivered) == 4  # each interaction went to one session only: its guild's shard
        assert all(frame.shard == shard_of(int(frame.d["guild_id"])) for frame in delivered)

        # A guild joined later is announced to its shard only.
        late = fake.add_guild("Late guild", shard=(1, SHARDS))
        await fake.join_guild(late)
        await fake.wait_for(lambda: shard1.get_guild(late.id) is not None, timeout=5, description="GUILD_CREATE")
        assert shard0.get_guild(late.id) is None
        creates = [f for f in fake.events if f.t == "GUILD_CREATE" and f.direction == "out"]
        assert [frame.shard for frame in creates if frame.d["id"] == str(late.id)] == [1]


async def test_one_process_may_hold_every_shard(sharded_fake: tuple[FakeDiscord, dict[int, list[FakeGuild]]]) -> None:
    fake, guilds = sharded_fake
    both = build_shard_bot([0, 1])
    async with running_bot(fake, both):
        await fake.wait_for(lambda: fake.live_shards == {0, 1}, timeout=5, description="both shards")
        assert len(both.guilds) == 4
        for shard, on_shard in guilds.items():
            guild = on_shard[1]
            where = fake.slash_command("where", guild_id=guild.id, channel_id=guild.channel_ids[0])
            assert (await fake.interact(where)).content == f"shard {shard} of [0, 1]"


async def test_a_dropped_shard_resumes_while_the_other_keeps_serving(
    sharded_fake: tuple[FakeDiscord, dict[int, list[FakeGuild]]],
) -> None:
    fake, guilds = sharded_fake
    shard0, shard1 = build_shard_bot([0]), build_shard_bot([1])
    async with running_bot(fake, shard0), running_bot(fake, shard1, patch=False):
        await fake.drop_gateway(resumable=True, shard_id=1)
        # Shard 1's interaction is buffered and replayed after its RESUME; shard 0 is not disturbed.
        on1, on0 = guilds[1][0], guilds[0][0]
        later = await fake.interact(fake.slash_command("where", guild_id=on1.id, channel_id=on1.channel_ids[0]))
        now = await fake.interact(fake.slash_command("where", guild_id=on0.id, channel_id=on0.channel_ids[0]))
        assert (later.content, now.content) == ("shard 1 of [1]", "shard 0 of [0]")
        assert fake.resume_count == 1 and fake.identify_count == 2
        # An invalidated shard must IDENTIFY again; the other shard's session is untouched.
        await fake.drop_gateway(resumable=False, shard_id=0)
        await fake.wait_until_ready(timeout=10, shard_id=0)
        assert fake.identify_count == 3 and fake.live_shards == {0, 1}
        again = await fake.interact(fake.slash_command("where", guild_id=on0.id, channel_id=on0.channel_ids[0]))
        assert again.content == "shard 0 of [0]"
    with pytest.raises(ValueError, match="shard"):
        fake.add_guild("nowhere", shard=(2, SHARDS))


async def test_without_a_shard_count_discord_py_runs_the_recommended_shards(
    sharded_fake: tuple[FakeDiscord, dict[int, list[FakeGuild]]],
) -> None:
    fake, _ = sharded_fake
    fake.recommended_shards = SHARDS
    client = commands.AutoShardedBot(
        command_prefix=commands.when_mentioned, intents=discord.Intents(guilds=True), guild_ready_timeout=0.05
    )
    client.before_identify_hook = build_shard_bot([0]).before_identify_hook  # type: ignore[method-assign]
    async with running_bot(fake, client):
        await fake.wait_for(lambda: fake.live_shards == {0, 1}, timeout=10, description="both shards")
        assert client.shard_count == SHARDS
        assert sorted(payload["shard"] for payload in fake.identify_payloads) == [[0, 2], [1, 2]]
        assert len(client.guilds) == 4


async def _identify_raw(fake: FakeDiscord, shard: Any) -> tuple[int | None, str, set[int]]:
    """Open a raw gateway connection and IDENTIFY with ``shard`` (``...``: none sent).

    Return the close code and reason if the fake closed it, else (None, the first event, the live shards).
    """
    identify: dict[str, Any] = {"token": fake.token, "intents": 1, "properties": {}}
    if shard is not ...:
        identify["shard"] = shard
    async with aiohttp.ClientSession() as http, http.ws_connect(fake.gateway_url + "?v=10&encoding=json") as ws:
        hello = await ws.receive_json(timeout=5)
        assert hello["op"] == 10
        await ws.send_str(json.dumps({"op": 2, "d": identify}))
        message = await ws.receive(timeout=5)
        if message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSING, aiohttp.WSMsgType.CLOSED):
            return ws.close_code, str(message.extra or ""), set()
        await fake.wait_until_ready()
        return None, str(json.loads(message.data).get("t")), fake.live_shards


@pytest.mark.parametrize("shard", [[2, 2], [-1, 2], [0, 0], [1], [0, 1, 2], "0,2", [0.0, 2], [True, 2]])
async def test_identify_with_an_invalid_shard_is_refused_like_discord(shard: Any) -> None:
    async with FakeDiscord() as fake:
        assert await _identify_raw(fake, shard) == (4010, "Invalid shard.", set())
        assert fake.identify_count == 0
        assert fake.live_shards == set()


@pytest.mark.parametrize("shard", [..., None, [0, 1], [1, 2], [3, 4]])
async def test_identify_with_a_valid_shard_or_none_gets_ready(shard: Any) -> None:
    async with FakeDiscord() as fake:
        shard_id = 0 if shard in (..., None) else shard[0]
        assert await _identify_raw(fake, shard) == (None, "READY", {shard_id})


async def test_an_invalid_shard_stops_discord_py_with_the_close_code(fake: FakeDiscord) -> None:
    # discord.py checks shard_ids only against its own shard_count; Discord (the fake) refuses the rest.
    client = commands.AutoShardedBot(
        command_prefix=commands.when_mentioned, intents=discord.Intents(guilds=True), shard_count=1, shard_ids=[1]
    )
    with pytest.raises(discord.ConnectionClosed) as closed:
        async with running_bot(fake, client):
            pass
    assert closed.value.code == 4010
