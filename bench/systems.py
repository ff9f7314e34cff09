"""A system under test: a local fake Discord with N channels, and a bot process (trivia or baseline) logged in to it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.figures import DEADLINE, CallbackIndex, Sent
from bench.processes import ChildProcess
from fake_discord import FakeDiscord
from fake_discord.payloads import SnowflakeFactory

log = logging.getLogger(__name__)

CHANNELS_PER_GUILD = 25
Json = dict[str, Any]


@dataclass
class Channel:
    """One text channel of the benchmark world and the players who play in it."""

    index: int
    guild_id: int
    channel_id: int
    players: list[int]

    @property
    def starter(self) -> int:
        """Return the player who starts (and stops) rounds here."""
        return self.players[0]


@dataclass
class QuestionSeen:
    """A question message the bot posted, as first seen by the watcher."""

    message_id: int
    opened_at: float
    prompt: str
    custom_ids: list[str]


@dataclass
class ChannelState:
    """What the watcher knows about one channel."""

    events: asyncio.Queue[tuple[str, QuestionSeen | None, float]] = field(default_factory=asyncio.Queue)
    question: QuestionSeen | None = None
    round_running: bool = False


def build_world(
    channels: int,
    players: int,
    worker: int = 1,
    *,
    into: FakeDiscord | None = None,
    shard: tuple[int, int] | None = None,
) -> tuple[FakeDiscord, list[Channel]]:
    """Return a fake with ``channels`` text channels in guilds of up to 25, each with its own ``players``.

    Fakes built with different ``worker`` numbers hand out disjoint snowflakes (guilds, channels, messages), so
    bot processes logged in to different fakes can share one database. With ``into``, the guilds are added to
    that fake instead of a new one; with ``shard=(shard_id, shard_count)``, every guild is on that shard (its
    events go to the bot process holding it).
    """
    fake = into
    if fake is None:
        fake = FakeDiscord(players=0, channels=())
        fake._snowflake = SnowflakeFactory(worker)  # before any guild exists
        fake.interaction_ack_timeout = DEADLINE  # a late callback is refused, as Discord does
    world: list[Channel] = []
    suffix = "" if shard is None else f" (shard {shard[0]})"
    for guild_number in range(math.ceil(channels / CHANNELS_PER_GUILD)):
        first = guild_number * CHANNELS_PER_GUILD
        indices = range(first, min(channels, first + CHANNELS_PER_GUILD))
        members = range(1 + first * players, 1 + (indices[-1] + 1) * players)
        guild = fake.add_guild(
            f"Bench guild {guild_number + 1}{suffix}",
            channels=[f"trivia-{i}" for i in indices],
            players=members,
            shard=shard,
        )
        for index in indices:
            base = 1 + index * players
            world.append(Channel(index, guild.id, guild.channels[f"trivia-{index}"], list(range(base, base + players))))
    return fake, world


def embed_title(message: Json) -> str:
    """Return the title of a message's first embed, or ''."""
    embeds = message.get("embeds") or []
    return str(embeds[0].get("title") or "") if embeds else ""


def custom_ids(message: Json) -> list[str]:
    """Return every custom_id of a message's components."""
    found: list[str] = []
    for row in message.get("components") or []:
        for component in row.get("components") or []:
            if component.get("custom_id"):
                found.append(str(component["custom_id"]))
    return found


class System:
    """The fake plus one bot process, with the helpers the workloads need."""

    def __init__(
        self,
        name: str,
        module: str,
        channels: int,
        players: int,
        workdir: Path,
        *,
        database_url: str | None = None,
        worker: int = 1,
        world: tuple[FakeDiscord, list[Channel]] | None = None,
        shard: tuple[int, int] | None = None,
    ) -> None:
        self.name = name
        self.module = module
        self.database_url = database_url
        self.fake, self.channels = world if world is not None else build_world(channels, players, worker)
        self.owns_fake = world is None
        """False when the fake is shared with other systems (shard processes): whoever built it starts and stops it."""
        self.shard = shard
        """``(shard_id, shard_count)``: the bot process runs only that shard (``SHARD_IDS``, ``SHARD_COUNT``)."""

        self.workdir = workdir
        self.index = CallbackIndex(self.fake)
        self.child: ChildProcess | None = None
        self.states = {channel.channel_id: ChannelState() for channel in self.channels}
        self.round_end_ids: set[int] = set()
        self._watcher: asyncio.Task[None] | None = None
        self.ready_at = 0.0

    @property
    def database(self) -> Path:
        """Return the trivia bot's database path."""
        return self.workdir / f"{self.name}.db"

    def database_bytes(self) -> int:
        """Return the size of the database and its WAL and shared-memory files."""
        return sum(
            path.stat().st_size
            for path in (self.database, Path(f"{self.database}-wal"), Path(f"{self.database}-shm"))
            if path.exists()
        )

    async def start(self, extra_env: dict[str, str], within: float = 60.0) -> None:
        """Start the fake and the bot, wait until it is connected with its commands synced, and warm it up.

        A shard process is ready once its shard is connected and shard 0 (started first) has synced the commands.
        """
        if self.owns_fake:
            await self.fake.start()
        shard_env = {} if self.shard is None else {"SHARD_COUNT": str(self.shard[1]), "SHARD_IDS": str(self.shard[0])}
        env = {
            "DISCORD_TOKEN": self.fake.token,
            "DISCORD_API_BASE": self.fake.base_url,
            "DATABASE_PATH": str(self.database),
            **({"DATABASE_URL": self.database_url} if self.database_url else {}),
            "DEV_GUILD_IDS": "",
            "LOG_LEVEL": "WARNING",
            **shard_env,
            **extra_env,
        }
        self.child = ChildProcess(self.name, self.module, env, self.workdir / f"{self.name}.log")
        await self.child.start()
        child = self.child
        await self.wait_until(self._connected_and_synced, within, "login and sync")
        self._watcher = asyncio.create_task(self._watch_channels(), name=f"watcher:{self.name}")
        # The first interactions pay for imports and caches; keep them out of the figures.
        for channel in self.channels[: max(1, len(self.channels) // CHANNELS_PER_GUILD)]:
            for _ in range(3):
                payload = self.fake.slash_command(
                    "leaderboard", {}, guild_id=channel.guild_id, channel_id=channel.channel_id, user=channel.starter
                )
                await self.fake.interact(payload, timeout=within)
        child.check_alive()
        self.ready_at = time.monotonic()

    def _connected_and_synced(self) -> bool:
        connected = self.fake.connected if self.shard is None else self.shard[0] in self.fake.live_shards
        return connected and None in self.fake.commands

    async def wait_until(self, predicate: Callable[[], object], within: float, what: str) -> None:
        """Poll ``predicate`` until true; fail early if the bot process died."""
        deadline = time.monotonic() + within
        while not predicate():
            if self.child is not None:
                self.child.check_alive()
            if time.monotonic() > deadline:
                tail = "" if self.child is None else self.child.log_tail()
                raise TimeoutError(f"{self.name}: timed out after {within:.0f} s waiting for {what}\n{tail}")
            await asyncio.sleep(0.05)

    async def stop(self) -> None:
        """Stop the bot process and the fake, whatever state they are in."""
        try:
            if self._watcher is not None:
                self._watcher.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._watcher
        finally:
            try:
                if self.child is not None:
                    await self.child.stop()
            finally:
                if self.owns_fake:
                    await self.fake.stop()

    async def send(self, kind: str, payload: Json, into: list[Sent]) -> Sent:
        """Dispatch an interaction over the gateway and remember it for the figures."""
        item = Sent(kind, str(payload["token"]), int(payload["id"]), time.monotonic())
        into.append(item)
        await self.fake.send_interaction(payload)
        return item

    def slash(self, channel: Channel, name: str, options: Json, user: int) -> Json:
        """Build a slash-command interaction in a channel."""
        return self.fake.slash_command(
            name, options, guild_id=channel.guild_id, channel_id=channel.channel_id, user=user
        )

    async def _watch_channels(self, interval: float = 0.05) -> None:
        """Turn the bot's new channel messages into question and round-end events, per channel."""
        cursors = dict.fromkeys(self.states, 0)
        while True:
            for channel_id, state in self.states.items():
                entries = self.fake.message_log.get(channel_id)
                if not entries or len(entries) == cursors[channel_id]:
                    continue
                new, cursors[channel_id] = entries[cursors[channel_id] :], len(entries)
                for entry in new:
                    if entry.kind != "create" or entry.source != "channel":
                        continue
                    message = self.fake.messages[channel_id].get(entry.message_id)
                    if message is None:
                        continue
                    title = embed_title(message)
                    if title.startswith("Question ") and message.get("components"):
                        embeds = message.get("embeds") or [{}]
                        seen = QuestionSeen(
                            entry.message_id, entry.time, str(embeds[0].get("description") or ""), custom_ids(message)
                        )
                        state.question = seen
                        state.round_running = True
                        state.events.put_nowait(("question", seen, entry.time))
                    elif "standings" in title.lower() or "round ended" in title.lower():
                        self.round_end_ids.add(entry.message_id)
                        state.question = None
                        state.round_running = False
                        state.events.put_nowait(("end", None, entry.time))
            await asyncio.sleep(interval)
