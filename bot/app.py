"""The bot itself: start-up in ``setup_hook``, restart recovery, deliberate syncing, and the entry points."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import random
from dataclasses import dataclass
from typing import Any

import discord
import yarl
from discord.ext import commands

from bot.config import Settings
from bot.errors import TriviaCommandTree
from bot.storage import SQLiteStorage, Storage
from bot.sync import SyncReport, sync_commands
from bot.views import DYNAMIC_ITEMS
from questions.generate import QuestionBank, build_bank
from questions.loader import load_store
from questions.matching import AnswerMatcher
from questions.store import FactStore

log = logging.getLogger(__name__)

INTERRUPTED_NOTICE = (
    "⚠️ The trivia round running here was interrupted when the bot restarted. Points for every answered "
    "question are kept. Start a new round with `/trivia start`."
)


@dataclass
class QuestionSource:
    """The fact store, the question bank generated from it, and the matcher that judges typed answers."""

    store: FactStore
    bank: QuestionBank
    matcher: AnswerMatcher

    @classmethod
    def load(cls, settings: Settings) -> QuestionSource:
        """Load the fact packs of the configured seeds folder and generate the bank."""
        store = load_store([settings.seeds_dir])
        return cls(store=store, bank=build_bank(store, seed=settings.question_seed), matcher=AnswerMatcher(store))


def point_discord_at(base_url: str) -> None:
    """Send REST calls (and the gateway connection) to a proxy or a local fake instead of discord.com."""
    base = base_url.rstrip("/")
    discord.http.Route.BASE = f"{base}/api/v{discord.http.INTERNAL_API_VERSION}"
    gateway = yarl.URL(base)
    gateway = gateway.with_scheme("wss" if gateway.scheme == "https" else "ws").with_path("/")
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = gateway


class TriviaBot(commands.Bot):
    """Orbit Trivia: slash commands only, no privileged intents, no pings from anything users type."""

    def __init__(
        self,
        settings: Settings,
        *,
        source: QuestionSource | None = None,
        rng: random.Random | None = None,
        sync_only: bool = False,
        **options: Any,
    ) -> None:
        intents = discord.Intents.none()
        intents.guilds = True
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents,
            help_command=None,
            tree_cls=TriviaCommandTree,
            allowed_mentions=discord.AllowedMentions.none(),
            **options,
        )
        self.settings = settings
        self.source = source or QuestionSource.load(settings)
        self.rng = rng or random.Random()
        self._storage: Storage | None = None
        self.sync_report: SyncReport | None = None
        self.interrupted_rounds: list[int] = []
        self._sync_only = sync_only

    @property
    def storage(self) -> Storage:
        """Return the open storage (available from ``setup_hook`` on)."""
        if self._storage is None:
            raise RuntimeError("storage is opened in setup_hook")
        return self._storage

    async def setup_hook(self) -> None:
        """Open storage, close rounds a restart interrupted, load the cogs and sync commands deliberately."""
        from bot.cogs import scores, settings, trivia

        self._storage = await SQLiteStorage.open(self.settings.database_path, busy_timeout=1.5)
        self.add_dynamic_items(*DYNAMIC_ITEMS)
        await self.add_cog(trivia.TriviaCog(self))
        await self.add_cog(scores.ScoresCog(self))
        await self.add_cog(settings.SettingsCog(self))
        if not self._sync_only:  # a sync run must not touch rounds that a running bot owns
            await self._close_interrupted_rounds()
        self.sync_report = await sync_commands(
            self.tree, self.storage, self.settings.dev_guild_ids, force_global=self._sync_only
        )

    async def _close_interrupted_rounds(self) -> None:
        rounds = await self.storage.close_interrupted_rounds(dt.datetime.now(dt.UTC))
        self.interrupted_rounds = [r.id for r in rounds]
        for row in rounds:
            log.info("Closed round %s in channel %s, interrupted by a restart", row.id, row.channel_id)
            channel = self.get_partial_messageable(row.channel_id, guild_id=row.guild_id)
            try:
                await channel.send(INTERRUPTED_NOTICE)
            except discord.HTTPException as error:
                log.warning("Could not tell channel %s about its interrupted round: %s", row.channel_id, error)

    async def close(self) -> None:
        """Stop every round cleanly, then flush and close storage."""
        try:
            await super().close()
        finally:
            if self._storage is not None:
                await self._storage.close()
                self._storage = None

    async def on_ready(self) -> None:
        """Log who we are."""
        assert self.user is not None
        log.info("Logged in as %s (%s) in %s servers", self.user, self.user.id, len(self.guilds))


async def run_bot(settings: Settings) -> int:
    """Run the bot until it is stopped; return the process exit code."""
    if settings.discord_api_base:
        point_discord_at(settings.discord_api_base)
    bot = TriviaBot(settings)
    try:
        async with bot:
            await bot.start(settings.discord_token.get_secret_value())
    except discord.LoginFailure:
        log.error("Discord rejected the token: check DISCORD_TOKEN (Developer Portal -> your app -> Bot).")
        return 2
    except discord.PrivilegedIntentsRequired:
        log.error("Discord refused the requested intents.")
        return 2
    return 0


async def sync_once(settings: Settings) -> int:
    """Log in, sync the global commands (and the dev guilds) now, and exit."""
    if settings.discord_api_base:
        point_discord_at(settings.discord_api_base)
    bot = TriviaBot(settings, sync_only=True)
    try:
        async with bot:
            await bot.login(settings.discord_token.get_secret_value())  # runs setup_hook, which syncs
    except discord.LoginFailure:
        log.error("Discord rejected the token: check DISCORD_TOKEN (Developer Portal -> your app -> Bot).")
        return 2
    log.info("Commands synced.")
    return 0


def run(coro: Any) -> int:
    """Run an entry point, turning Ctrl-C into a clean exit."""
    try:
        return int(asyncio.run(coro))
    except KeyboardInterrupt:
        return 130
