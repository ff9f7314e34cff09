"""The bot itself: start-up in ``setup_hook``, restart recovery, deliberate syncing, and the entry points."""

from __future__ import annotations

import asyncio
import datetime as dt
import gc
import logging
import random
import re
from collections.abc import Callable, Coroutine, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, cast

import aiohttp
import discord
import yarl
from discord.ext import commands

from bot.config import Settings
from bot.engine import Clock, LoopClock, ScaledClock
from bot.engine.write_budget import ChannelWriteBudget, process_share
from bot.errors import TriviaCommandTree, reply_privately, send_error
from bot.metrics import serve_metrics
from bot.preflight import EXIT_CONFIG, ConfigError
from bot.render import clip
from bot.shards import ShardPlan
from bot.shutdown import stop_on_signals
from bot.storage import RoundRow, Storage, StorageError
from bot.storage.opening import open_storage
from bot.sync import SyncReport, sync_commands
from bot.views import CHOICE_CLICK, DYNAMIC_ITEMS, PREFIX, PageTurner, RoundActions, choose
from questions.generate import QuestionBank, build_bank
from questions.loader import load_store
from questions.matching import AnswerMatcher
from questions.store import FactStore

log = logging.getLogger(__name__)

STALE_BUTTON = "That button isn't active any more. Start a new round with `/trivia start`."
STALE_FORM = "That form has expired. Open it again from the question, or use `/answer`."
ANSWER_FORM = re.compile(rf"{PREFIX}:m:(?P<round>\d{{1,20}}):(?P<pos>\d{{1,4}})(?::\d{{1,20}})?")
"""custom_id of the typed-answer form (``AnswerModal``): ``ot:m:<round>:<position>[:<user>]``."""

INTERRUPTED_NOTICE = (
    "⚠️ The trivia round running here was interrupted when the bot restarted. Points for every answered "
    "question are kept. Start a new round with `/trivia start`."
)


ANSWERED_HERE = (discord.InteractionType.component, discord.InteractionType.modal_submit)
"""Interactions `TriviaBot` looks at itself (see `TriviaBot.dispatch`)."""

SHARDING_CLOSE_CODES = {
    4010: "invalid shard (SHARD_IDS must be below SHARD_COUNT)",
    4011: "sharding required (the bot is in too many servers for one shard: set SHARD_COUNT)",
}
"""Gateway close codes that mean the shard settings are wrong; discord.py does not reconnect after them."""


HTTP_CONNECTION_LIMIT = 512
"""The most HTTP connections the bot holds open to Discord at once (its gateway connections included, one per shard
of the process); further requests wait for a free one.

discord.py's own default has no limit. When the event loop falls behind (a burst, or more load than one process
can take), every handler that sends its request before the loop has read the earlier responses opens a connection
of its own: `python -m bench load` saw the bot hold 11,500 open files, nearly all sockets, at its saturation point.
Started with the usual limit of 1,024 open files (systemd's and most shells' default), the process could then open
nothing more: no new connection, no SQLite file, no metrics scrape. Connections in use = requests/s x the time from
sending a request to reading its answer (Discord's latency plus the loop's own lag). At the most one process
sustained (~2,900 clicks/s, each a reply, plus the live edits) and 100 ms, that is about 300-350; the limit is
reached when the loop falls far behind (the benchmark's saturated ramps reach it), and then requests wait for a
connection instead of failing to open one. An interaction reply that waits past Discord's 3 s still fails, as it
would on a bot out of files.
"""


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
        clock: Clock | None = None,
        write_clock: Clock | None = None,
        sync_only: bool = False,
        **options: Any,
    ) -> None:
        """Build the bot; ``clock`` times every round, ``write_clock`` (``clock`` by default) spaces its channel
        writes; both are the loop's by default."""
        # The bot never joins voice: don't warn at every start that voice libraries are missing.
        discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
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
        self.clock: Clock = clock or LoopClock()
        self.write_clock: Clock = write_clock or self.clock
        plan = settings.shard_plan  # shard processes split the bot-wide budget
        share = process_share() if plan is None else process_share(len(plan.ids), plan.count)
        self.write_budget = ChannelWriteBudget(self.write_clock, per_second=share)  # every round's channel writes
        self._storage: Storage | None = None
        self._round_actions: RoundActions | None = None
        self._page_turner: PageTurner | None = None
        self.sync_report: SyncReport | None = None
        self.interrupted_rounds: list[int] = []
        self._sync_only = sync_only
        self._interaction_tasks: set[asyncio.Task[None]] = set()

    @property
    def storage(self) -> Storage:
        """Return the open storage (available from ``setup_hook`` on)."""
        if self._storage is None:
            raise RuntimeError("storage is opened in setup_hook")
        return self._storage

    @property
    def round_actions(self) -> RoundActions:
        """Return what the round buttons and answer forms hand over to (the trivia cog, from setup_hook on)."""
        if self._round_actions is None:
            raise RuntimeError("the cogs are loaded in setup_hook")
        return self._round_actions

    @property
    def page_turner(self) -> PageTurner:
        """Return what the leaderboard page buttons hand over to (the scores cog, from setup_hook on)."""
        if self._page_turner is None:
            raise RuntimeError("the cogs are loaded in setup_hook")
        return self._page_turner

    async def login(self, token: str) -> None:
        """Log in on a pool of at most `HTTP_CONNECTION_LIMIT` connections (unless a connector was given)."""
        if self.http.connector is discord.utils.MISSING:
            self.http.connector = aiohttp.TCPConnector(limit=HTTP_CONNECTION_LIMIT)
        await super().login(token)

    async def setup_hook(self) -> None:
        """Open storage, close rounds a restart interrupted, load the cogs and sync commands deliberately."""
        from bot.cogs import scores, settings, trivia

        self._storage = await open_storage(
            self.settings.database_target,
            busy_timeout=1.5,
            sqlite_answers_at_once=self.settings.sqlite_answer_writes == "at_once",
            answer_window=self.settings.answer_commit_window_ms / 1000,
        )
        self.add_dynamic_items(*DYNAMIC_ITEMS)
        trivia_cog, scores_cog = trivia.TriviaCog(self), scores.ScoresCog(self)
        self._round_actions, self._page_turner = trivia_cog, scores_cog
        await self.add_cog(trivia_cog)
        await self.add_cog(scores_cog)
        await self.add_cog(settings.SettingsCog(self))
        if not self._sync_only:  # a sync run must not touch rounds that a running bot owns
            await self._close_interrupted_rounds()
        plan = self.settings.shard_plan
        if self._sync_only or plan is None or plan.syncs_commands:
            self.sync_report = await sync_commands(
                self.tree, self.storage, self.settings.dev_guild_ids, force_global=self._sync_only
            )
        else:
            log.info("Running %s: commands are synced by the process holding shard 0", plan)

    async def _close_interrupted_rounds(self) -> None:
        plan = self.settings.shard_plan
        if plan is None:
            rounds = await self.storage.close_interrupted_rounds(dt.datetime.now(dt.UTC))
        else:
            rounds = await _close_interrupted_rounds_of(self.storage, plan)
        self.interrupted_rounds = [r.id for r in rounds]
        for row in rounds:
            log.info("Closed round %s in channel %s, interrupted by a restart", row.id, row.channel_id)
            channel = self.get_partial_messageable(row.channel_id, guild_id=row.guild_id)
            try:
                await channel.send(INTERRUPTED_NOTICE)
            except discord.HTTPException as error:
                log.warning("Could not tell channel %s about its interrupted round: %s", row.channel_id, error)

    async def start(self, token: str, *, reconnect: bool = True) -> None:
        """Log in and run until closed; SIGINT or SIGTERM close the bot cleanly, however the process was started."""
        async with stop_on_signals(self.close):
            await super().start(token, reconnect=reconnect)

    async def close(self) -> None:
        """Stop every round cleanly, then flush and close storage."""
        try:
            await super().close()
        finally:
            if self._storage is not None:
                await self._storage.close()
                self._storage = None

    async def on_ready(self) -> None:
        """Log who we are (again after every fresh IDENTIFY: keep this free of one-time work)."""
        assert self.user is not None
        plan = self.settings.shard_plan
        on_shards = "" if plan is None else f" on {plan}"
        log.info("Logged in as %s (%s) in %s servers%s", self.user, self.user.id, len(self.guilds), on_shards)

    # ------------------------------------------------------------------ interactions nothing else answers

    def dispatch(self, event_name: str, /, *args: Any, **kwargs: Any) -> None:
        """Dispatch an event as discord.py does; a click or form submit also gets one task of ours.

        Overridden rather than defining ``on_interaction``, which would cost every slash command a task that
        only clicks and forms need. Nothing is dispatched once `close` has let go of the event loop: discord.py's
        own wait for the servers' data before "ready" is not cancelled by `close`, and when it ended after it (a stop
        right after connecting), its dispatch failed on the missing loop in a task nobody awaits.
        """
        if self.loop is discord.utils.MISSING:
            return
        super().dispatch(event_name, *args, **kwargs)
        if event_name == "interaction" and args[0].type in ANSWERED_HERE:
            task = asyncio.create_task(self._on_click_or_form(args[0]), name="orbit-trivia: click or form")
            self._interaction_tasks.add(task)
            task.add_done_callback(self._interaction_task_done)

    def _interaction_task_done(self, task: asyncio.Task[None]) -> None:
        self._interaction_tasks.discard(task)
        if not task.cancelled() and (error := task.exception()) is not None:
            log.error("Handling a click or form failed", exc_info=error)

    async def _on_click_or_form(self, interaction: discord.Interaction[Any]) -> None:
        """Store option clicks; answer the clicks and form submits that no handler of ours takes, so none 'fails'.

        discord.py silently drops a click whose custom_id matches no registered item, or that isn't on the
        message it claims to come from (an old build of the bot, a modified client), and a form submit whose
        modal it no longer holds (after a restart, a timeout, or a second submit). An answer form that
        outlived its modal is judged here by its custom_id, like the form would have been.
        """
        if interaction.type is discord.InteractionType.modal_submit:
            await self._submit_form(interaction)
            return
        data: Any = interaction.data or {}
        custom_id = data.get("custom_id")
        choice = CHOICE_CLICK.fullmatch(custom_id) if isinstance(custom_id, str) else None
        if choice is not None and _message_carries(interaction, custom_id, data.get("component_type")):
            await choose(interaction, int(choice["round"]), int(choice["pos"]), int(choice["choice"]))
        elif choice is not None or not self._button_is_handled(interaction):
            log.info("Answering a click on an unknown or stale button %r", clip(str(custom_id), 120))
            await reply_privately(interaction, STALE_BUTTON)

    def _button_is_handled(self, interaction: discord.Interaction[Any]) -> bool:
        """Return whether discord.py dispatches this click to one of our items (mirrors its own rules)."""
        data: Any = interaction.data or {}
        custom_id, component_type = data.get("custom_id"), data.get("component_type")
        if not isinstance(custom_id, str):
            return False
        message_id = interaction.message.id if interaction.message else None
        views = self._connection._view_store._views
        if any((component_type, custom_id) in views.get(key, {}) for key in (message_id, None)):
            return True  # a stateful view of ours (none today) takes it
        # A DynamicItem runs only if its template matches and the message really carries that component.
        templates = (getattr(item, "__discord_ui_compiled_template__", None) for item in DYNAMIC_ITEMS)
        if not any(t is not None and t.fullmatch(custom_id) for t in templates):
            return False
        return _message_carries(interaction, custom_id, component_type)

    async def _submit_form(self, interaction: discord.Interaction[Any]) -> None:
        data: Any = interaction.data or {}
        custom_id = data.get("custom_id")
        if isinstance(custom_id, str) and custom_id in self._connection._view_store._modals:
            # discord.py took it: it looked the modal up before this event was scheduled, and a modal stays
            # registered until its on_submit has replied (an HTTP call, so after this task has run).
            return
        match = ANSWER_FORM.fullmatch(custom_id) if isinstance(custom_id, str) else None
        if match is None:
            await reply_privately(interaction, STALE_FORM)
            return
        try:
            text = _submitted_text(data.get("components")) or ""
            await self.round_actions.handle_text(
                interaction, text, round_id=int(match["round"]), position=int(match["pos"])
            )
        except Exception as error:
            await send_error(interaction, error)


class ShardedTriviaBot(TriviaBot, commands.AutoShardedBot):
    """Orbit Trivia over the shards ``SHARD_IDS`` of ``SHARD_COUNT`` (discord.py runs and routes the shards)."""


def make_bot(settings: Settings, **options: Any) -> TriviaBot:
    """Build the bot the settings ask for: sharded with ``SHARD_COUNT``, otherwise one plain connection."""
    plan = settings.shard_plan
    if plan is None:
        return TriviaBot(settings, **options)
    return ShardedTriviaBot(settings, shard_count=plan.count, shard_ids=list(plan.ids), **options)


def event_loop_runner() -> Callable[[Coroutine[Any, Any, Any]], Any]:
    """Return ``uvloop.run`` when uvloop is installed, else ``asyncio.run``."""
    try:
        import uvloop  # type: ignore[import-not-found,unused-ignore]  # a dependency but on Windows and PyPy
    except ImportError:
        return asyncio.run
    return cast(Callable[[Coroutine[Any, Any, Any]], Any], uvloop.run)


async def _close_interrupted_rounds_of(storage: Storage, plan: ShardPlan) -> list[RoundRow]:
    """End the running rounds of this process's guilds as 'interrupted' and return them.

    The other shard processes share the database and run their own rounds: theirs are left alone, and so are
    the terminal player's (negative guild ids, no shard's). Each process only ever runs rounds of guilds on its
    own shards, so nobody else writes these rows meanwhile.
    """
    ended_at = dt.datetime.now(dt.UTC)
    closed: list[RoundRow] = []
    async with storage.transaction():
        for row in await storage.running_rounds():
            if plan.owns_guild(row.guild_id) and await storage.finish_round(
                row.id, status="interrupted", ended_at=ended_at, winner_id=None
            ):
                closed.append(await storage.get_round(row.id) or row)
    if closed:
        log.info("Marked %s running round(s) of %s as interrupted", len(closed), plan)
    return closed


def _message_carries(interaction: discord.Interaction[Any], custom_id: str, component_type: object) -> bool:
    """Return whether the message clicked on really has this component (discord.py's own rule for dynamic items)."""
    return interaction.message is not None and any(
        getattr(component, "custom_id", None) == custom_id and component.type.value == component_type
        for component in _walk_components(interaction.message.components)
    )


def _walk_components(components: Iterable[Any]) -> Iterator[Any]:
    for component in components:
        yield component
        yield from _walk_components(getattr(component, "children", ()))


def _submitted_text(components: Any) -> str | None:
    """Return the value of the first text field of a submitted form, or None."""
    stack = list(components) if isinstance(components, list) else []
    while stack:
        component = stack.pop(0)
        if not isinstance(component, dict):
            continue
        if component.get("type") == 4:
            value = component.get("value")
            return value if isinstance(value, str) else None
        stack.extend(component.get("components") or [])
        if isinstance(component.get("component"), dict):
            stack.append(component["component"])
    return None


async def run_bot(settings: Settings) -> int:
    """Run the bot until it is stopped; return the process exit code."""
    if settings.discord_api_base:
        point_discord_at(settings.discord_api_base)
    # Channel writes are spaced on their own clock: real time, unless a test against the fake speeds it up.
    write_clock = None if settings.write_clock_speed == 1 else ScaledClock(settings.write_clock_speed)
    bot = make_bot(settings, guild_ready_timeout=settings.guild_ready_timeout, write_clock=write_clock)
    # The modules, fact store and question bank loaded so far live as long as the process. Frozen, they are
    # left out of the collector's full passes, which otherwise stall every interaction for ~0.1 s under load.
    gc.collect()
    gc.freeze()
    try:
        async with bot, serve_metrics(bot, settings.metrics_port, settings.metrics_host):
            await bot.start(settings.discord_token.get_secret_value())
    except discord.LoginFailure:
        log.error("Discord rejected the token: check DISCORD_TOKEN (Developer Portal -> your app -> Bot).")
        return 2
    except discord.PrivilegedIntentsRequired:
        log.error("Discord refused the requested intents.")
        return 2
    except ConfigError as error:
        log.error("%s", error)
        return EXIT_CONFIG
    except discord.ConnectionClosed as error:
        if error.code not in SHARDING_CLOSE_CODES:
            raise
        log.error("Discord closed the gateway: %s. Check SHARD_COUNT and SHARD_IDS.", SHARDING_CLOSE_CODES[error.code])
        return EXIT_CONFIG
    except (aiohttp.ClientConnectionError, OSError) as error:
        log.error("Could not reach Discord at %s: %s", discord.http.Route.BASE, error)
        return 1
    except StorageError as error:  # the database could not be opened (unreachable, newer schema, ...)
        log.error("Could not open the database: %s", error)
        return 1
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
    except ConfigError as error:
        log.error("%s", error)
        return EXIT_CONFIG
    except (aiohttp.ClientConnectionError, OSError) as error:
        log.error("Could not reach Discord at %s: %s", discord.http.Route.BASE, error)
        return 1
    except StorageError as error:  # the database could not be opened (unreachable, newer schema, ...)
        log.error("Could not open the database: %s", error)
        return 1
    log.info("Commands synced.")
    return 0


def run(coro: Any) -> int:
    """Run an entry point on uvloop if it is installed, else asyncio's loop; Ctrl-C exits cleanly.

    Measured (BENCHMARKS.md, "CPU per stored answer"): uvloop cut the bot's CPU per click by about 6-8%. It is a
    dependency everywhere but on Windows and PyPy, which uvloop does not support; there the bot runs the same on
    asyncio's own loop.
    """
    try:
        return int(event_loop_runner()(coro))
    except KeyboardInterrupt:
        return 130
