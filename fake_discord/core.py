"""State and helpers shared by every resource of the fake Discord."""

# The wait helpers take a plain timeout argument on purpose: tests call fake.wait_for(pred, timeout=2).
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import logging
import re
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from aiohttp import web

from fake_discord.gateway import GatewayConnection, GatewayFrame, GatewaySession, valid_shard
from fake_discord.patching import gateway_url_for
from fake_discord.payloads import (
    ADMINISTRATOR,
    BOT_PERMISSIONS,
    DEFAULT_MEMBER_PERMISSIONS,
    FakeGuild,
    Json,
    SnowflakeFactory,
    role_payload,
    user_payload,
)
from fake_discord.records import (
    FailureRule,
    InteractionRecord,
    MessageLogEntry,
    RecordedFile,
    RecordedRequest,
)

log = logging.getLogger(__name__)

T = TypeVar("T")

DEFAULT_TOKEN = "fake-bot-token.for-tests-only"
DEFAULT_APPLICATION_ID = 1_300_000_000_000_000_001
PLAYER_ID_BASE = 100_000_000_000_000_000
ALL_PERMISSIONS = (1 << 51) - 1
EPHEMERAL = 1 << 6
LOADING = 1 << 7
GUILD_MESSAGES_INTENT = 1 << 9
DIRECT_MESSAGES_INTENT = 1 << 12
WAIT_POLL_SECONDS = 0.05
"""How often `FakeDiscord.wait_for` re-checks a predicate when the fake itself records nothing new."""
MESSAGE_CONTENT_INTENT = 1 << 15
PRIVILEGED_INTENTS = (1 << 1) | (1 << 8) | MESSAGE_CONTENT_INTENT
COMMAND_NAME = re.compile(r"^[-_'\w]{1,32}$")
CALLBACK_PATH = re.compile(r"/interactions/(\d+)/[^/]+/callback")

Reply = tuple[int, Any]
"""What a route handler answers: the HTTP status and the JSON body (None for no body)."""
Handler = Callable[["Call"], Awaitable[Reply]]
RouteSpec = tuple[str, str, Handler, bool]
"""A route a resource contributes: method, path regex (after ``/api/v10``), handler, whether it needs the token."""
Route = tuple[str, re.Pattern[str], Handler, bool]

SNOWFLAKE = r"\d+"
APPLICATION_PATH = rf"/applications/(?P<app_id>{SNOWFLAKE})"
CHANNEL_PATH = rf"/channels/(?P<channel_id>{SNOWFLAKE})"
MESSAGE_PATH = rf"{CHANNEL_PATH}/messages/(?P<message_id>{SNOWFLAKE})"
WEBHOOK_PATH = rf"/webhooks/(?P<app_id>{SNOWFLAKE})/(?P<token>[^/]+)"


@dataclass
class Call:
    """A parsed REST call handed to a route handler."""

    method: str
    path: str
    params: dict[str, str]
    query: Mapping[str, str]
    json: Any
    files: list[RecordedFile]

    @property
    def body(self) -> Json:
        """Return the JSON body as an object ({} when absent or not an object)."""
        return self.json if isinstance(self.json, dict) else {}


def error_reply(status: int, code: int, message: str, errors: Json | None = None) -> Reply:
    """Build a Discord error body (``message`` and ``code``, and ``errors`` when given)."""
    body: Json = {"message": message, "code": code}
    if errors is not None:
        body["errors"] = errors
    return status, body


def form_error(path: str, code: str, message: str) -> Reply:
    """Build Discord's "Invalid Form Body" error with one nested error at ``path`` (dotted)."""
    errors: Json = {"_errors": [{"code": code, "message": message}]}
    for key in reversed(path.split(".")):
        errors = {key: errors}
    return error_reply(400, 50035, "Invalid Form Body", errors)


def walk_components(components: Iterable[Json]) -> Iterator[Json]:
    """Yield every component in a (possibly nested) component tree."""
    for component in components:
        yield component
        yield from walk_components(component.get("components") or [])
        for key in ("component", "accessory"):
            child = component.get(key)
            if isinstance(child, dict):
                yield from walk_components([child])


class CallbackRejectedError(AssertionError):
    """The fake refused the bot's interaction callback (e.g. too late, already acknowledged, invalid body)."""

    def __init__(self, interaction_id: int, status: int, body: Any) -> None:
        """Keep the status and Discord error body of the refused callback."""
        super().__init__(f"callback for interaction {interaction_id} was answered {status}: {body}")
        self.status = status
        self.body = body


class FakeCore:
    """The fake's shared state (the world, what was recorded, the gateway session) and the helpers every
    resource uses: looking things up, waiting for something to be recorded, dispatching gateway events."""

    def __init__(
        self,
        *,
        token: str = DEFAULT_TOKEN,
        application_id: int = DEFAULT_APPLICATION_ID,
        bot_name: str = "Orbit Trivia",
        guild_name: str = "Orbit Test Guild",
        channels: Iterable[str] = ("general", "trivia"),
        players: int = 5,
        heartbeat_interval_ms: int = 41250,
        allowed_privileged_intents: int = PRIVILEGED_INTENTS,
    ) -> None:
        """Configure the fake; nothing listens until :meth:`start`."""
        self.token = token
        self.application_id = application_id
        self.bot_user: Json = user_payload(application_id, bot_name.lower().replace(" ", "-"), bot=True)
        self.bot_user["global_name"] = None
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.allowed_privileged_intents = allowed_privileged_intents
        self.latency: float = 0.0
        self.interaction_ack_timeout: float | None = None

        self.guilds: dict[int, FakeGuild] = {}
        self.requests: list[RecordedRequest] = []
        self.requests_in_flight = 0
        """REST requests received and not yet answered: with HTTP/1.1, at least that many of the bot's connections are
        in use (one stays in use until the bot has read the answer, too)."""
        self.most_requests_in_flight = 0
        self.uploads: dict[str, bytes] = {}
        """Path -> bytes of every file attached to a slash command (see ``UploadedAttachment``)."""
        self.downloads: list[str] = []
        """Paths of the attachments the bot downloaded, in order."""
        self.unhandled: list[RecordedRequest] = []
        self.events: list[GatewayFrame] = []
        self.command_syncs: list[tuple[int | None, list[Json]]] = []
        self.commands: dict[int | None, list[Json]] = {}
        self.messages: dict[int, dict[int, Json]] = defaultdict(dict)
        self.message_log: dict[int, list[MessageLogEntry]] = defaultdict(list)
        self.deleted_messages: dict[int, Json] = {}
        self.interactions: dict[str, InteractionRecord] = {}
        self.identify_count = 0
        self.resume_count = 0
        self.identify_payloads: list[Json] = []
        self.gateway_connections: list[tuple[str, dict[str, str]]] = []

        self._snowflake = SnowflakeFactory()
        self._users: dict[int, Json] = {}
        self._all_messages: dict[int, Json] = {}
        self._dm_channels: dict[int, Json] = {}
        self._interactions_by_id: dict[int, InteractionRecord] = {}
        self._command_ids: dict[tuple[int | None, str, int], int] = {}
        self._failures: list[FailureRule] = []
        self._sessions: dict[str, GatewaySession] = {}
        self._session: GatewaySession | None = None
        self._shard_sessions: dict[tuple[int, int], GatewaySession] = {}
        self.recommended_shards = 1
        """What ``GET /gateway/bot`` recommends as ``shards`` (what discord.py's AutoShardedBot runs by default)."""
        self._connections: set[GatewayConnection] = set()
        self._connection_count = 0
        self._gateway_down_until = 0.0
        self._waiters: set[asyncio.Future[None]] = set()
        self._pending_interactions: set[int] = set()
        self._pending_watchers: list[Callable[[int], None]] = []
        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self._routes: list[Route] = []

        channel_names = tuple(channels)
        if channel_names or players:
            self.add_guild(guild_name, channels=channel_names, players=range(1, players + 1))

    @property
    def base_url(self) -> str:
        """Return ``http://127.0.0.1:PORT`` (REST lives under ``/api/v10``)."""
        if self._port is None:
            raise RuntimeError("FakeDiscord is not started")
        return f"http://127.0.0.1:{self._port}"

    @property
    def gateway_url(self) -> str:
        """Return the websocket URL of the gateway (what /gateway/bot answers)."""
        return gateway_url_for(self.base_url)

    @property
    def resume_gateway_url(self) -> str:
        """Return the websocket URL READY gives for resuming."""
        return f"{self.gateway_url}resume"

    # ------------------------------------------------------------------ world set-up

    def user(self, n: int) -> Json:
        """Return the user payload of test player ``n`` (``user(0)`` owns the default guild)."""
        user_id = PLAYER_ID_BASE + n
        if user_id not in self._users:
            name = "owner" if n == 0 else f"player{n}"
            self._users[user_id] = user_payload(user_id, name, global_name="Owner" if n == 0 else f"Player {n}")
        return self._users[user_id]

    def add_guild(
        self,
        name: str | None = None,
        *,
        channels: Iterable[str] = ("general", "trivia"),
        players: Iterable[int] = range(1, 6),
        owner: int = 0,
        shard: tuple[int, int] | None = None,
    ) -> FakeGuild:
        """Add a guild with text channels, @everyone and a bot role, the bot, its owner and players.

        ``shard=(shard_id, shard_count)`` picks an id whose events go to that shard.
        """
        if shard is not None and not valid_shard(shard):
            raise ValueError(f"shard {shard} is not (shard_id, shard_count) with 0 <= shard_id < shard_count")
        guild_id = self._snowflake() if shard is None else self._snowflake.on_shard(*shard)
        owner_user = self.user(owner)
        guild = FakeGuild(id=guild_id, name=name or f"Guild {len(self.guilds) + 1}", owner_id=int(owner_user["id"]))
        bot_role_id = self._snowflake()
        guild.roles = [
            role_payload(guild_id, "@everyone", DEFAULT_MEMBER_PERMISSIONS, 0),
            role_payload(bot_role_id, self.bot_user["username"], BOT_PERMISSIONS, 1, managed=True, bot_id=self.bot_id),
        ]
        for channel_name in channels:
            guild.add_channel(self._snowflake(), channel_name)
        guild.add_member(self.bot_user, roles=[bot_role_id])
        guild.add_member(owner_user)
        for n in players:
            guild.add_member(self.user(n))
        self.guilds[guild_id] = guild
        return guild

    async def join_guild(self, guild: FakeGuild) -> None:
        """Announce a guild added after READY with a GUILD_CREATE dispatch."""
        self.guilds[guild.id] = guild
        await self.dispatch("GUILD_CREATE", guild.guild_create_payload())

    @property
    def bot_id(self) -> int:
        """Return the bot user's id (equal to the application id)."""
        return int(self.bot_user["id"])

    @property
    def guild(self) -> FakeGuild:
        """Return the first guild."""
        return next(iter(self.guilds.values()))

    @property
    def guild_id(self) -> int:
        """Return the first guild's id."""
        return self.guild.id

    @property
    def channel_id(self) -> int:
        """Return the first text channel of the first guild."""
        return self.guild.channel_ids[0]

    def add_thread(
        self, name: str, parent_id: int | None = None, *, private: bool = False, locked: bool = False
    ) -> int:
        """Add a thread under a channel of the default guild (before the bot connects: GUILD_CREATE lists it)."""
        guild = self.guild
        guild.add_thread(self._snowflake(), name, parent_id or guild.channel_ids[0], private=private, locked=locked)
        return guild.channels[name]

    def channel(self, name: str, guild_id: int | None = None) -> int:
        """Return the id of the text channel called ``name``."""
        return self._guild(guild_id).channels[name]

    # ------------------------------------------------------------------ waiting

    def _notify(self) -> None:
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_result(None)
        self._waiters.clear()

    async def wait_for(self, predicate: Callable[[], T | None], timeout: float = 5.0, *, description: str = "") -> T:
        """Wait until ``predicate()`` returns something truthy.

        It is re-checked whenever the fake records anything, and at least every ``WAIT_POLL_SECONDS``: a predicate
        may also read the bot's own state (its registry of rounds, a database), which changes without a request.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            result = predicate()
            if result:
                return result
            remaining = deadline - loop.time()
            if remaining <= 0:
                recent = "\n".join(f"  {r.method} {r.path} -> {r.status}" for r in self.requests[-10:])
                what = description or getattr(predicate, "__name__", "predicate")
                raise TimeoutError(f"timed out after {timeout}s waiting for {what}; last requests:\n{recent}")
            waiter: asyncio.Future[None] = loop.create_future()
            self._waiters.add(waiter)
            try:
                await asyncio.wait({waiter}, timeout=min(remaining, WAIT_POLL_SECONDS))
            finally:
                self._waiters.discard(waiter)
                if not waiter.done():
                    waiter.cancel()

    async def wait_for_request(
        self, predicate: Callable[[RecordedRequest], bool], *, timeout: float = 5.0, start: int = 0
    ) -> RecordedRequest:
        """Wait for the first answered REST call (index >= ``start``) that satisfies ``predicate``."""

        def find() -> RecordedRequest | None:
            return next((r for r in self.requests[start:] if r.status and predicate(r)), None)

        return await self.wait_for(find, timeout, description="a matching request")

    async def wait_for_message(
        self, predicate: Callable[[Json], bool] = lambda m: True, *, channel_id: int | None = None, timeout: float = 5.0
    ) -> Json:
        """Wait for a visible (non-ephemeral) message, in its latest state, that satisfies ``predicate``."""

        def find() -> Json | None:
            channels = [channel_id] if channel_id is not None else list(self.messages)
            for cid in channels:
                for message in self.messages.get(cid, {}).values():
                    if predicate(message):
                        return message
            return None

        return await self.wait_for(find, timeout, description="a matching message")

    async def wait_until_ready(self, timeout: float = 5.0, *, shard_id: int | None = None) -> None:
        """Wait until a client is connected and was sent READY and every GUILD_CREATE (or RESUMED).

        With ``shard_id``, wait for a client identified as that shard; otherwise for the latest client.
        """
        if shard_id is None:
            await self.wait_for(lambda: self._live_session() is not None, timeout, description="READY")
        else:
            await self.wait_for(lambda: shard_id in self.live_shards, timeout, description=f"READY of shard {shard_id}")

    # ------------------------------------------------------------------ interactions: payload builders

    def _guild(self, guild_id: int | None) -> FakeGuild:
        if guild_id is None:
            return self.guild
        try:
            return self.guilds[guild_id]
        except KeyError:
            raise ValueError(f"unknown guild {guild_id}") from None

    def _user_obj(self, user: int | Json) -> Json:
        """Resolve a player number, a user snowflake or a user payload to a user payload."""
        if isinstance(user, dict):
            self._users.setdefault(int(user["id"]), user)
            return user
        if user >= 10**15:
            if user == self.bot_id:
                return self.bot_user
            if user not in self._users:
                raise ValueError(f"unknown user id {user}")
            return self._users[user]
        return self.user(user)

    def _dm_channel(self, user: Json) -> Json:
        for channel in self._dm_channels.values():
            if channel["recipients"][0]["id"] == user["id"]:
                return channel
        channel_id = self._snowflake()
        channel = {"id": str(channel_id), "type": 1, "last_message_id": None, "flags": 0, "recipients": [user]}
        self._dm_channels[channel_id] = channel
        return channel

    def _bot_permissions_in(self, channel_id: int) -> int:
        """Return the bot's permissions in a guild channel or thread (overwrites a test set included)."""
        guild = self.guilds[self._message_guild_id(channel_id) or 0]
        return guild.bot_channel_permissions.get(channel_id, self._default_permissions(guild, self.bot_id))

    def _default_permissions(self, guild: FakeGuild, user_id: int) -> int:
        perms = guild.member_permissions(user_id)
        return ALL_PERMISSIONS if perms & ADMINISTRATOR else perms

    def _message_guild_id(self, channel_id: int) -> int | None:
        for guild in self.guilds.values():
            if channel_id in guild.channel_payloads:
                return guild.id
        return None

    def _channel_exists(self, channel_id: int) -> bool:
        return self._message_guild_id(channel_id) is not None or channel_id in self._dm_channels

    # ------------------------------------------------------------------ gateway

    def _record_frame(self, frame: GatewayFrame) -> None:
        self.events.append(frame)
        self._notify()

    @staticmethod
    def _is_live(session: GatewaySession | None) -> bool:
        return (
            session is not None
            and not session.invalidated
            and session.ready_sent
            and session.connection is not None
            and not session.connection.closed
        )

    def _live_session(self) -> GatewaySession | None:
        session = self._session
        return session if self._is_live(session) else None

    def _require_session(self) -> GatewaySession:
        if self._session is None:
            raise RuntimeError("no client has identified on the fake gateway yet")
        if self._session.invalidated:
            raise RuntimeError("the gateway session was invalidated; await fake.wait_until_ready() for the new one")
        return self._session

    def _shard_session(self, shard_id: int) -> GatewaySession | None:
        """Return the latest session identified as ``shard_id`` (of any shard count), or None."""
        sessions = [s for (sid, _), s in self._shard_sessions.items() if sid == shard_id]
        return sessions[-1] if sessions else None

    def _sessions_for_guild(self, guild_id: int | None) -> list[GatewaySession]:
        """Return the sessions that receive the guild's events (the one of shard ``(guild_id >> 22) % count``).

        Every shard's latest session counts, connected or not: events for a disconnected one are buffered
        for its RESUME, as Discord does. Invalidated sessions receive nothing.
        """
        return [s for s in self._shard_sessions.values() if s.receives_guild(guild_id) and not s.invalidated]

    def _event_guild_id(self, event: str, data: Any) -> int | None:
        if not isinstance(data, dict):
            return None
        if event in ("GUILD_CREATE", "GUILD_UPDATE", "GUILD_DELETE"):
            return int(data["id"])
        guild_id = data.get("guild_id")
        return None if guild_id is None else int(guild_id)

    def _intents_for_guild(self, guild_id: int | None) -> int | None:
        """Return the intents of the session that receives the guild's events, or None if there is none."""
        sessions = self._sessions_for_guild(guild_id)
        return sessions[0].intents if sessions else None

    @property
    def intents(self) -> int | None:
        """Return the intents of the latest gateway session, if any."""
        return None if self._session is None else self._session.intents

    @property
    def connected(self) -> bool:
        """Return whether the latest client is identified (or resumed) and connected right now."""
        return self._live_session() is not None

    @property
    def live_shards(self) -> set[int]:
        """Return the shard ids whose latest session is identified (or resumed) and connected right now."""
        return {sid for sid in {sid for sid, _ in self._shard_sessions} if self._is_live(self._shard_session(sid))}

    def shard_of_guild(self, guild_id: int) -> int | None:
        """Return the shard id of the session that receives this guild's events, or None if none does."""
        sessions = self._sessions_for_guild(guild_id)
        return sessions[0].shard_id if sessions else None

    async def dispatch(self, event: str, data: Any) -> int:
        """Dispatch a raw gateway event to the session of its guild's shard (buffered for RESUME while
        disconnected); guild-less events go to shard 0. Return the sequence number it was given."""
        guild_id = self._event_guild_id(event, data)
        sessions = self._sessions_for_guild(guild_id)
        if not sessions:
            self._require_session()  # the clearer error when nobody identified or the session was invalidated
            where = "shard 0" if guild_id is None else f"guild {guild_id}"
            raise RuntimeError(f"no gateway session receives events of {where}: no client identified as its shard")
        seq = 0
        for session in sessions:
            seq = await session.dispatch(event, data)
        self._notify()
        return seq

    def _record(self, token: str) -> InteractionRecord:
        try:
            return self.interactions[token]
        except KeyError:
            raise KeyError(f"no interaction with token {token[:12]}...") from None

    # ------------------------------------------------------------------ interactions awaiting the bot

    @property
    def pending_interactions(self) -> int:
        """Return how many dispatched interactions the bot has neither answered nor had refused yet."""
        return len(self._pending_interactions)

    def watch_pending_interactions(self, callback: Callable[[int], None]) -> None:
        """Call ``callback(count)`` whenever :attr:`pending_interactions` changes (e.g. to slow a test clock)."""
        self._pending_watchers.append(callback)

    def _interaction_sent(self, record: InteractionRecord) -> None:
        self._pending_interactions.add(record.id)
        self._pending_changed()

    def _interaction_settled(self, record: InteractionRecord) -> None:
        if record.id in self._pending_interactions:
            self._pending_interactions.discard(record.id)
            self._pending_changed()

    def _pending_changed(self) -> None:
        for watcher in self._pending_watchers:
            watcher(len(self._pending_interactions))
