"""A local fake of the Discord API (REST + gateway) that the stock discord.py client can log in to.

It listens on 127.0.0.1 only. Point discord.py at it with :func:`tests.fake_discord.point_discord_at`.
"""

# The wait helpers take a plain timeout argument on purpose: tests call fake.wait_for(pred, timeout=2).
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import copy
import json
import logging
import math
import re
import time
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, Literal, TypeVar

from aiohttp import BodyPartReader, WSMsgType, web

from .gateway import GatewayConnection, GatewayFrame, GatewaySession, Op, make_compressor
from .patching import gateway_url_for
from .payloads import (
    ADMINISTRATOR,
    BOT_PERMISSIONS,
    DEFAULT_MEMBER_PERMISSIONS,
    SEND_MESSAGES,
    SEND_MESSAGES_IN_THREADS,
    THREAD_TYPES,
    VIEW_CHANNEL,
    FakeGuild,
    Json,
    SnowflakeFactory,
    iso_now,
    new_token,
    role_payload,
    user_payload,
)
from .records import (
    FailureRule,
    InteractionRecord,
    InteractionResult,
    MessageLogEntry,
    MessageSource,
    RecordedFile,
    RecordedRequest,
)

__all__ = ["DEFAULT_TOKEN", "PLAYER_ID_BASE", "CallbackRejectedError", "FakeDiscord"]

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
MESSAGE_CONTENT_INTENT = 1 << 15
PRIVILEGED_INTENTS = (1 << 1) | (1 << 8) | MESSAGE_CONTENT_INTENT
COMMAND_NAME = re.compile(r"^[-_'\w]{1,32}$")
_CALLBACK_PATH = re.compile(r"/interactions/(\d+)/[^/]+/callback")

Reply = tuple[int, Any]
Handler = Callable[["_Call"], Awaitable[Reply]]


@dataclass
class _Call:
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


def _error(status: int, code: int, message: str, errors: Json | None = None) -> Reply:
    body: Json = {"message": message, "code": code}
    if errors is not None:
        body["errors"] = errors
    return status, body


def _form_error(path: str, code: str, message: str) -> Reply:
    """Build Discord's "Invalid Form Body" error with one nested error at ``path`` (dotted)."""
    errors: Json = {"_errors": [{"code": code, "message": message}]}
    for key in reversed(path.split(".")):
        errors = {key: errors}
    return _error(400, 50035, "Invalid Form Body", errors)


def _walk_components(components: Iterable[Json]) -> Iterator[Json]:
    """Yield every component in a (possibly nested) component tree."""
    for component in components:
        yield component
        yield from _walk_components(component.get("components") or [])
        for key in ("component", "accessory"):
            child = component.get(key)
            if isinstance(child, dict):
                yield from _walk_components([child])


class CallbackRejectedError(AssertionError):
    """The fake refused the bot's interaction callback (e.g. too late, already acknowledged, invalid body)."""

    def __init__(self, interaction_id: int, status: int, body: Any) -> None:
        """Keep the status and Discord error body of the refused callback."""
        super().__init__(f"callback for interaction {interaction_id} was answered {status}: {body}")
        self.status = status
        self.body = body


class FakeDiscord:
    """Fake Discord REST API and gateway on 127.0.0.1, recording everything the client does.

    Use as ``async with FakeDiscord() as fake:`` (or ``await fake.start()`` / ``await fake.stop()``).
    A default guild with channels "general" and "trivia" and members player1..player5 is created
    unless ``players=0`` and ``channels=()``; ``fake.user(0)`` owns it.
    """

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
        self._connections: set[GatewayConnection] = set()
        self._connection_count = 0
        self._gateway_down_until = 0.0
        self._waiters: set[asyncio.Future[None]] = set()
        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self._routes = self._build_routes()

        channel_names = tuple(channels)
        if channel_names or players:
            self.add_guild(guild_name, channels=channel_names, players=range(1, players + 1))

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Listen on 127.0.0.1 on a free port."""
        if self._runner is not None:
            raise RuntimeError("FakeDiscord already started")
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/api/{tail:.*}", self._handle_rest)
        app.router.add_get("/", self._handle_gateway)
        app.router.add_get("/resume", self._handle_gateway)
        runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=0.5)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        self._runner = runner
        self._port = int(runner.addresses[0][1])
        log.debug("fake discord listening on %s", self.base_url)

    async def stop(self) -> None:
        """Close every gateway connection and stop listening."""
        for conn in list(self._connections):
            await conn.close(1001, "fake discord stopping")
        if self._runner is not None:
            await self._runner.cleanup()
        self._runner = None
        for waiter in self._waiters:
            waiter.cancel()

    async def __aenter__(self) -> FakeDiscord:
        """Start the fake."""
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        """Stop the fake."""
        await self.stop()

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
    ) -> FakeGuild:
        """Add a guild with text channels, @everyone and a bot role, the bot, its owner and players."""
        guild_id = self._snowflake()
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
        """Wait until ``predicate()`` returns something truthy (re-checked whenever the fake records anything)."""
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
                await asyncio.wait({waiter}, timeout=remaining)
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

    async def wait_until_ready(self, timeout: float = 5.0) -> None:
        """Wait until a client is connected and was sent READY and every GUILD_CREATE (or RESUMED)."""
        await self.wait_for(lambda: self._live_session() is not None, timeout, description="READY")

    def channel_writes(self, channel_id: int, sources: Iterable[MessageSource] = ("channel",)) -> list[float]:
        """Return the times of message creates and edits in a channel from the given sources."""
        wanted = set(sources)
        return [
            e.time for e in self.message_log.get(channel_id, []) if e.kind in ("create", "edit") and e.source in wanted
        ]

    def max_writes_in_window(
        self, channel_id: int, window: float = 1.0, sources: Iterable[MessageSource] = ("channel",)
    ) -> int:
        """Return the most creates+edits in a channel that fall within any ``window`` seconds."""
        times = self.channel_writes(channel_id, sources)
        best = 0
        lo = 0
        for hi, t in enumerate(times):
            while t - times[lo] >= window:
                lo += 1
            best = max(best, hi - lo + 1)
        return best

    # ------------------------------------------------------------------ fault injection

    def fail_next(
        self,
        method: str,
        path_regex: str,
        status: int,
        count: int = 1,
        retry_after: float | None = None,
        *,
        is_global: bool = False,
    ) -> None:
        """Answer the next ``count`` REST calls matching ``method`` ("*" = any) and ``path_regex`` with ``status``.

        ``path_regex`` is searched in the route path after ``/api/v10`` (e.g. ``r"/channels/\\d+/messages$"``).
        A 429 carries Discord's rate-limit headers and body with ``retry_after`` (default 1.0 s).
        """
        rule = FailureRule(method.upper(), re.compile(path_regex), status, count, retry_after, is_global)
        self._failures.append(rule)

    def _take_failure(self, method: str, path: str) -> web.Response | None:
        for rule in self._failures:
            if rule.remaining > 0 and rule.method in ("*", method) and rule.pattern.search(path):
                rule.remaining -= 1
                return self._failure_response(rule)
        return None

    def _failure_response(self, rule: FailureRule) -> web.Response:
        if rule.status == 429:
            retry = 1.0 if rule.retry_after is None else rule.retry_after
            headers = {
                "Retry-After": str(math.ceil(retry)),
                "X-RateLimit-Limit": "5",
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": f"{time.time() + retry:.3f}",
                "X-RateLimit-Reset-After": f"{retry:.3f}",
                "X-RateLimit-Bucket": f"fake{abs(hash(rule.pattern.pattern)):x}",
                "X-RateLimit-Scope": "shared" if not rule.is_global else "global",
            }
            if rule.is_global:
                headers["X-RateLimit-Global"] = "true"
            body: Json = {"message": "You are being rate limited.", "retry_after": retry, "global": rule.is_global}
            return self._response(429, body, headers)
        reason = HTTPStatus(rule.status).phrase if rule.status in HTTPStatus._value2member_map_ else "Error"
        code = {403: 50013, 400: 50035}.get(rule.status, 0)
        message = "Missing Permissions" if rule.status == 403 else f"{rule.status}: {reason}"
        return self._response(rule.status, {"message": message, "code": code})

    # ------------------------------------------------------------------ REST plumbing

    @staticmethod
    def _response(status: int, body: Any, headers: Mapping[str, str] | None = None) -> web.Response:
        all_headers = {"Via": "1.1 google", **(headers or {})}
        if body is None:
            return web.Response(status=204 if status == 200 else status, headers=all_headers)
        # discord.py only decodes a body whose Content-Type is exactly "application/json" (no charset).
        all_headers["Content-Type"] = "application/json"
        return web.Response(status=status, body=json.dumps(body).encode(), headers=all_headers)

    @staticmethod
    async def _read_body(request: web.Request) -> tuple[Any, list[RecordedFile]]:
        if not request.can_read_body:
            return None, []
        if request.content_type == "multipart/form-data":
            payload: Any = None
            files: list[RecordedFile] = []
            reader = await request.multipart()
            async for part in reader:
                if not isinstance(part, BodyPartReader):
                    continue
                if part.name == "payload_json":
                    payload = json.loads(await part.text())
                else:
                    data = await part.read()
                    content_type = part.headers.get("Content-Type")
                    files.append(RecordedFile(part.name or "", part.filename, content_type, len(data), bytes(data)))
            return payload, files
        raw = await request.read()
        if not raw:
            return None, []
        try:
            return json.loads(raw), []
        except ValueError:
            return raw.decode(errors="replace"), []

    async def _handle_rest(self, request: web.Request) -> web.Response:
        match = re.fullmatch(r"/api/v\d+(/.*)", request.path)
        path = match.group(1) if match else request.path
        body, files = await self._read_body(request)
        record = RecordedRequest(request.method, path, dict(request.query), body, files, time.monotonic())
        self.requests.append(record)
        self._notify()
        try:
            if self.latency:
                await asyncio.sleep(self.latency)
            response = self._take_failure(request.method, path)
            if response is None:
                response = await self._route(request, record)
        except Exception:
            log.exception("fake discord crashed handling %s %s", request.method, path)
            response = self._response(500, {"message": "500: Internal Server Error", "code": 0})
        record.status = response.status
        if isinstance(response.body, bytes) and response.headers.get("Content-Type") == "application/json":
            record.response = json.loads(response.body)
        if response.status >= 400 and (callback := _CALLBACK_PATH.fullmatch(path)) is not None:
            interaction = self._interactions_by_id.get(int(callback.group(1)))
            if interaction is not None and interaction.callback_type is None:
                interaction.rejection = (response.status, record.response)
        self._notify()
        return response

    async def _route(self, request: web.Request, record: RecordedRequest) -> web.Response:
        path_known = False
        for method, pattern, handler, needs_auth in self._routes:
            found = pattern.fullmatch(record.path)
            if found is None:
                continue
            path_known = True
            if method != record.method:
                continue
            if needs_auth and request.headers.get("Authorization") != f"Bot {self.token}":
                return self._response(401, {"message": "401: Unauthorized", "code": 0})
            call = _Call(record.method, record.path, found.groupdict(), request.query, record.json, record.files)
            status, body = await handler(call)
            return self._response(status, body)
        log.error("FAKE DISCORD: UNHANDLED ROUTE %s %s (body=%r)", record.method, record.path, record.json)
        self.unhandled.append(record)
        if path_known:
            return self._response(405, {"message": "405: Method Not Allowed", "code": 0})
        return self._response(404, {"message": "404: Not Found", "code": 0})

    def _build_routes(self) -> list[tuple[str, re.Pattern[str], Handler, bool]]:
        snow = r"\d+"
        app = rf"/applications/(?P<app_id>{snow})"
        channel = rf"/channels/(?P<channel_id>{snow})"
        message = rf"{channel}/messages/(?P<message_id>{snow})"
        hook = rf"/webhooks/(?P<app_id>{snow})/(?P<token>[^/]+)"
        table: list[tuple[str, str, Handler, bool]] = [
            ("GET", r"/users/@me", self._get_me, True),
            ("GET", rf"/users/(?P<user_id>{snow})", self._get_user, True),
            ("POST", r"/users/@me/channels", self._create_dm, True),
            ("GET", r"/gateway", self._get_gateway, False),
            ("GET", r"/gateway/bot", self._get_gateway_bot, True),
            ("GET", r"/oauth2/applications/@me", self._get_application, True),
            ("GET", r"/applications/@me", self._get_application, True),
            ("GET", rf"{app}/commands", self._get_commands, True),
            ("PUT", rf"{app}/commands", self._put_commands, True),
            ("GET", rf"{app}/guilds/(?P<guild_id>{snow})/commands", self._get_commands, True),
            ("PUT", rf"{app}/guilds/(?P<guild_id>{snow})/commands", self._put_commands, True),
            ("POST", rf"/interactions/(?P<interaction_id>{snow})/(?P<token>[^/]+)/callback", self._callback, False),
            ("POST", hook, self._followup, False),
            ("GET", rf"{hook}/messages/(?P<message_id>@original|{snow})", self._get_webhook_message, False),
            ("PATCH", rf"{hook}/messages/(?P<message_id>@original|{snow})", self._edit_webhook_message, False),
            ("DELETE", rf"{hook}/messages/(?P<message_id>@original|{snow})", self._delete_webhook_message, False),
            ("GET", channel, self._get_channel, True),
            ("GET", rf"{channel}/messages", self._list_messages, True),
            ("POST", rf"{channel}/messages", self._create_channel_message, True),
            ("POST", rf"{channel}/messages/bulk-delete", self._bulk_delete, True),
            ("POST", rf"{channel}/typing", self._typing, True),
            ("GET", message, self._get_channel_message, True),
            ("PATCH", message, self._edit_channel_message, True),
            ("DELETE", message, self._delete_channel_message, True),
            ("PUT", rf"{message}/reactions/(?P<emoji>[^/]+)/@me", self._add_reaction, True),
            ("DELETE", rf"{message}/reactions/(?P<emoji>[^/]+)/@me", self._remove_reaction, True),
            ("GET", rf"/guilds/(?P<guild_id>{snow})", self._get_guild, True),
            ("GET", rf"/guilds/(?P<guild_id>{snow})/channels", self._get_guild_channels, True),
            ("GET", rf"/guilds/(?P<guild_id>{snow})/roles", self._get_guild_roles, True),
            ("GET", rf"/guilds/(?P<guild_id>{snow})/members/(?P<user_id>{snow})", self._get_member, True),
        ]
        return [(m, re.compile(p), h, a) for m, p, h, a in table]

    # ------------------------------------------------------------------ REST: identity, gateway, application

    async def _get_me(self, call: _Call) -> Reply:
        return 200, {**self.bot_user, "verified": True, "mfa_enabled": False, "email": None, "locale": "en-US"}

    async def _get_user(self, call: _Call) -> Reply:
        user_id = int(call.params["user_id"])
        user = self.bot_user if user_id == self.bot_id else self._users.get(user_id)
        return (200, user) if user is not None else _error(404, 10013, "Unknown User")

    async def _create_dm(self, call: _Call) -> Reply:
        user = self._users.get(int(call.body.get("recipient_id", 0)))
        if user is None:
            return _form_error("recipient_id", "NUMBER_TYPE_COERCE", "Value is not a known user.")
        return 200, self._dm_channel(user)

    async def _get_gateway(self, call: _Call) -> Reply:
        return 200, {"url": self.gateway_url}

    async def _get_gateway_bot(self, call: _Call) -> Reply:
        limit = {"total": 1000, "remaining": 1000 - self.identify_count, "reset_after": 86_400_000}
        return 200, {"url": self.gateway_url, "shards": 1, "session_start_limit": {**limit, "max_concurrency": 1}}

    async def _get_application(self, call: _Call) -> Reply:
        owner = self.user(0)
        return 200, {
            "id": str(self.application_id),
            "name": self.bot_user["username"],
            "icon": None,
            "description": "",
            "summary": "",
            "type": None,
            "bot_public": False,
            "bot_require_code_grant": False,
            "verify_key": "0" * 64,
            "flags": 0,
            "owner": owner,
            "team": None,
            "bot": self.bot_user,
            "redirect_uris": [],
            "interactions_endpoint_url": None,
            "approximate_guild_count": len(self.guilds),
        }

    # ------------------------------------------------------------------ REST: application commands

    def _check_app(self, call: _Call) -> Reply | None:
        if int(call.params["app_id"]) != self.application_id:
            return _error(404, 10002, "Unknown Application")
        return None

    async def _get_commands(self, call: _Call) -> Reply:
        if (bad := self._check_app(call)) is not None:
            return bad
        guild_id = int(call.params["guild_id"]) if "guild_id" in call.params else None
        return 200, self.commands.get(guild_id, [])

    async def _put_commands(self, call: _Call) -> Reply:
        if (bad := self._check_app(call)) is not None:
            return bad
        guild_id = int(call.params["guild_id"]) if "guild_id" in call.params else None
        if guild_id is not None and guild_id not in self.guilds:
            return _error(404, 10004, "Unknown Guild")
        payload = call.json
        if not isinstance(payload, list):
            return _form_error("_root", "LIST_TYPE_CONVERT", "Must be an array.")
        if (bad := self._validate_commands(payload)) is not None:
            return bad
        self.command_syncs.append((guild_id, copy.deepcopy(payload)))
        registered: list[Json] = []
        for command in payload:
            kind = int(command.get("type", 1))
            key = (guild_id, command["name"], kind)
            if key not in self._command_ids:
                self._command_ids[key] = self._snowflake()
            entry: Json = {
                "id": str(self._command_ids[key]),
                "application_id": str(self.application_id),
                "version": str(self._snowflake()),
                "type": kind,
                "description": "",
                "default_member_permissions": None,
                "nsfw": False,
                **copy.deepcopy(command),
            }
            if guild_id is not None:
                entry["guild_id"] = str(guild_id)
            registered.append(entry)
        self.commands[guild_id] = registered
        return 200, registered

    @staticmethod
    def _validate_commands(commands: list[Any]) -> Reply | None:
        seen: set[tuple[str, int]] = set()
        if len(commands) > 100:
            return _form_error("_root", "BASE_TYPE_MAX_LENGTH", "Must be 100 or fewer in length.")
        for i, command in enumerate(commands):
            if not isinstance(command, dict) or not isinstance(command.get("name"), str):
                return _form_error(f"{i}.name", "BASE_TYPE_REQUIRED", "This field is required")
            kind = int(command.get("type", 1))
            name = command["name"]
            if (name, kind) in seen:
                return _form_error(f"{i}.name", "APPLICATION_COMMANDS_DUPLICATE_NAME", f"Duplicate name {name}")
            seen.add((name, kind))
            if kind == 1:
                problem = FakeDiscord._validate_chat_input(command, str(i))
                if problem is not None:
                    return problem
        return None

    @staticmethod
    def _validate_chat_input(item: Json, where: str) -> Reply | None:
        name = item.get("name", "")
        if not COMMAND_NAME.fullmatch(name) or name != name.lower():
            return _form_error(f"{where}.name", "APPLICATION_COMMAND_INVALID_NAME", f"Command name is invalid: {name}")
        description = item.get("description", "")
        if not 1 <= len(description) <= 100:
            return _form_error(f"{where}.description", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
        options = item.get("options") or []
        if len(options) > 25:
            return _form_error(f"{where}.options", "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
        optional_seen = False
        for j, option in enumerate(options):
            here = f"{where}.options.{j}"
            if option.get("type") not in (1, 2):
                if option.get("required", False):
                    if optional_seen:
                        return _form_error(
                            here, "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID", "Required options must be first."
                        )
                else:
                    optional_seen = True
                if len(option.get("choices") or []) > 25:
                    return _form_error(f"{here}.choices", "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
            problem = FakeDiscord._validate_chat_input(option, here)
            if problem is not None:
                return problem
        return None

    # ------------------------------------------------------------------ messages: storage and validation

    def _message_guild_id(self, channel_id: int) -> int | None:
        for guild in self.guilds.values():
            if channel_id in guild.channel_payloads:
                return guild.id
        return None

    def _channel_exists(self, channel_id: int) -> bool:
        return self._message_guild_id(channel_id) is not None or channel_id in self._dm_channels

    @staticmethod
    def _validate_message(body: Json, files: list[RecordedFile], *, creating: bool) -> Reply | None:
        content = body.get("content")
        embeds = body.get("embeds") or []
        components = body.get("components") or []
        if content is not None and len(str(content)) > 2000:
            return _form_error("content", "BASE_TYPE_MAX_LENGTH", "Must be 2000 or fewer in length.")
        if len(embeds) > 10:
            return _form_error("embeds", "BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length.")
        total = 0
        for i, embed in enumerate(embeds):
            limits = {"title": 256, "description": 4096}
            for key, limit in limits.items():
                if len(embed.get(key) or "") > limit:
                    return _form_error(
                        f"embeds.{i}.{key}", "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length."
                    )
            fields = embed.get("fields") or []
            if len(fields) > 25:
                return _form_error(f"embeds.{i}.fields", "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
            total += len(embed.get("title") or "") + len(embed.get("description") or "")
            total += sum(len(f.get("name", "")) + len(f.get("value", "")) for f in fields)
            total += len((embed.get("footer") or {}).get("text", "")) + len((embed.get("author") or {}).get("name", ""))
        if total > 6000:
            return _form_error("embeds", "MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size of 6000")
        is_v2 = bool(int(body.get("flags") or 0) & (1 << 15))
        if not is_v2 and len(components) > 5:
            return _form_error("components", "BASE_TYPE_MAX_LENGTH", "Must be 5 or fewer in length.")
        for component in _walk_components(components):
            if len(component.get("custom_id") or "") > 100:
                return _form_error("components", "BASE_TYPE_MAX_LENGTH", "custom_id must be 100 or fewer in length.")
            if component.get("type") == 2 and len(component.get("label") or "") > 80:
                return _form_error("components", "BASE_TYPE_MAX_LENGTH", "label must be 80 or fewer in length.")
        if creating and not (content or embeds or components or files or body.get("sticker_ids") or body.get("poll")):
            return _error(400, 50006, "Cannot send an empty message")
        return None

    def _attachments(self, channel_id: int, body: Json, files: list[RecordedFile]) -> list[Json]:
        described = {str(a.get("id")): a for a in body.get("attachments") or []}
        result = []
        for index, upload in enumerate(files):
            attachment_id = self._snowflake()
            meta = described.get(str(index), {})
            filename = meta.get("filename") or upload.filename or f"file{index}"
            url = f"{self.base_url}/attachments/{channel_id}/{attachment_id}/{filename}"
            result.append(
                {
                    "id": str(attachment_id),
                    "filename": filename,
                    "description": meta.get("description"),
                    "content_type": upload.content_type,
                    "size": upload.size,
                    "url": url,
                    "proxy_url": url,
                }
            )
        return result

    def _new_message(
        self,
        channel_id: int,
        body: Json,
        files: list[RecordedFile],
        *,
        author: Json | None = None,
        flags: int = 0,
        message_type: int = 0,
        interaction: InteractionRecord | None = None,
    ) -> Json:
        guild_id = self._message_guild_id(channel_id)
        message: Json = {
            "id": str(self._snowflake()),
            "type": message_type,
            "channel_id": str(channel_id),
            "author": author or self.bot_user,
            "content": body.get("content") or "",
            "timestamp": iso_now(),
            "edited_timestamp": None,
            "tts": bool(body.get("tts")),
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": self._attachments(channel_id, body, files),
            "embeds": copy.deepcopy(body.get("embeds") or []),
            "reactions": [],
            "pinned": False,
            "flags": flags,
            "components": copy.deepcopy(body.get("components") or []),
        }
        if guild_id is not None:
            message["guild_id"] = str(guild_id)
        if body.get("nonce") is not None:
            message["nonce"] = body["nonce"]
        if body.get("message_reference"):
            message["message_reference"] = {**body["message_reference"], "channel_id": str(channel_id)}
            message["type"] = 19
        if interaction is not None:
            message["webhook_id"] = str(self.application_id)
            message["application_id"] = str(self.application_id)
            message["interaction_metadata"] = self._interaction_metadata(interaction)
        return message

    def _interaction_metadata(self, record: InteractionRecord) -> Json:
        payload = record.payload
        user = payload.get("member", {}).get("user") or payload.get("user")
        metadata: Json = {
            "id": str(record.id),
            "type": record.type,
            "user": user,
            "authorizing_integration_owners": payload.get("authorizing_integration_owners", {}),
        }
        if record.type == 2:
            metadata["name"] = payload["data"]["name"]
            metadata["command_type"] = payload["data"].get("type", 1)
        if record.type == 3 and "message" in payload:
            metadata["interacted_message_id"] = payload["message"]["id"]
        if record.original_message_id is not None:
            metadata["original_response_message_id"] = str(record.original_message_id)
        return metadata

    def _log(self, kind: Literal["create", "edit", "delete"], message: Json, source: MessageSource) -> None:
        channel_id = int(message["channel_id"])
        entry = MessageLogEntry(kind, channel_id, int(message["id"]), time.monotonic(), source)
        self.message_log[channel_id].append(entry)

    def _wants_message_events(self, message: Json) -> bool:
        # Like Discord, events for a session that was invalidated are simply lost.
        if self._session is None or self._session.invalidated or int(message.get("flags") or 0) & EPHEMERAL:
            return False
        intent = GUILD_MESSAGES_INTENT if "guild_id" in message else DIRECT_MESSAGES_INTENT
        return bool(self._session.intents & intent)

    def _event_message(self, message: Json) -> Json:
        data = copy.deepcopy(message)
        if "guild_id" in message:
            guild = self.guilds[int(message["guild_id"])]
            member = guild.members.get(int(message["author"]["id"]))
            if member is not None:
                data["member"] = {k: v for k, v in member.items() if k != "user"}
        return data

    async def _store_new(self, message: Json, source: MessageSource) -> None:
        message_id = int(message["id"])
        self._all_messages[message_id] = message
        if not int(message.get("flags") or 0) & EPHEMERAL:
            self.messages[int(message["channel_id"])][message_id] = message
        self._log("create", message, source)
        if self._wants_message_events(message):
            await self.dispatch("MESSAGE_CREATE", self._event_message(message))

    async def _apply_edit(self, message: Json, body: Json, files: list[RecordedFile], source: MessageSource) -> Json:
        if "content" in body:
            message["content"] = body["content"] or ""
        if "embeds" in body:
            message["embeds"] = copy.deepcopy(body["embeds"] or [])
        if "components" in body:
            message["components"] = copy.deepcopy(body["components"] or [])
        if "attachments" in body or files:
            keep = {str(a.get("id")) for a in body.get("attachments") or []}
            kept = [a for a in message["attachments"] if a["id"] in keep]
            message["attachments"] = kept + self._attachments(int(message["channel_id"]), body, files)
        if body.get("flags") is not None:
            message["flags"] = (int(body["flags"]) & ~(EPHEMERAL | LOADING)) | (int(message["flags"]) & EPHEMERAL)
        else:
            message["flags"] = int(message["flags"]) & ~LOADING
        message["edited_timestamp"] = iso_now()
        self._log("edit", message, source)
        if self._wants_message_events(message):
            await self.dispatch("MESSAGE_UPDATE", self._event_message(message))
        return message

    async def _delete(self, message: Json, source: MessageSource) -> None:
        message_id = int(message["id"])
        channel_id = int(message["channel_id"])
        self._all_messages.pop(message_id, None)
        self.messages.get(channel_id, {}).pop(message_id, None)
        self.deleted_messages[message_id] = message
        self._log("delete", message, source)
        if self._wants_message_events(message):
            data: Json = {"id": str(message_id), "channel_id": str(channel_id)}
            if "guild_id" in message:
                data["guild_id"] = message["guild_id"]
            await self.dispatch("MESSAGE_DELETE", data)

    # ------------------------------------------------------------------ REST: channels

    async def _get_channel(self, call: _Call) -> Reply:
        channel_id = int(call.params["channel_id"])
        guild_id = self._message_guild_id(channel_id)
        if guild_id is not None:
            return 200, self.guilds[guild_id].channel_payloads[channel_id]
        if channel_id in self._dm_channels:
            return 200, self._dm_channels[channel_id]
        return _error(404, 10003, "Unknown Channel")

    async def _list_messages(self, call: _Call) -> Reply:
        channel_id = int(call.params["channel_id"])
        if not self._channel_exists(channel_id):
            return _error(404, 10003, "Unknown Channel")
        limit = int(call.query.get("limit", 50))
        newest_first = sorted(self.messages.get(channel_id, {}).values(), key=lambda m: int(m["id"]), reverse=True)
        if "before" in call.query:
            newest_first = [m for m in newest_first if int(m["id"]) < int(call.query["before"])]
        if "after" in call.query:
            newest_first = [m for m in newest_first if int(m["id"]) > int(call.query["after"])]
        return 200, newest_first[:limit]

    async def _create_channel_message(self, call: _Call) -> Reply:
        channel_id = int(call.params["channel_id"])
        if not self._channel_exists(channel_id):
            return _error(404, 10003, "Unknown Channel")
        if (bad := self._validate_message(call.body, call.files, creating=True)) is not None:
            return bad
        if (guild_id := self._message_guild_id(channel_id)) is not None:
            thread = self.guilds[guild_id].channel_payloads[channel_id]["type"] in THREAD_TYPES
            needed = VIEW_CHANNEL | (SEND_MESSAGES_IN_THREADS if thread else SEND_MESSAGES)
            if self._bot_permissions_in(channel_id) & needed != needed:
                return _error(403, 50013, "Missing Permissions")
        flags = int(call.body.get("flags") or 0) & ~EPHEMERAL
        message = self._new_message(channel_id, call.body, call.files, flags=flags)
        await self._store_new(message, "channel")
        return 200, message

    def _channel_message(self, call: _Call) -> Json | Reply:
        channel_id = int(call.params["channel_id"])
        if not self._channel_exists(channel_id):
            return _error(404, 10003, "Unknown Channel")
        message = self.messages.get(channel_id, {}).get(int(call.params["message_id"]))
        if message is None:
            return _error(404, 10008, "Unknown Message")
        return message

    async def _get_channel_message(self, call: _Call) -> Reply:
        found = self._channel_message(call)
        return found if isinstance(found, tuple) else (200, found)

    async def _edit_channel_message(self, call: _Call) -> Reply:
        found = self._channel_message(call)
        if isinstance(found, tuple):
            return found
        if int(found["author"]["id"]) != self.bot_id:
            return _error(403, 50005, "Cannot edit a message authored by another user")
        if (bad := self._validate_message(call.body, call.files, creating=False)) is not None:
            return bad
        return 200, await self._apply_edit(found, call.body, call.files, "channel")

    async def _delete_channel_message(self, call: _Call) -> Reply:
        found = self._channel_message(call)
        if isinstance(found, tuple):
            return found
        await self._delete(found, "channel")
        return 204, None

    async def _bulk_delete(self, call: _Call) -> Reply:
        channel_id = int(call.params["channel_id"])
        ids = [int(i) for i in call.body.get("messages", [])]
        if not 2 <= len(ids) <= 100:
            return _form_error("messages", "BASE_TYPE_BAD_LENGTH", "Must be between 2 and 100 in length.")
        for message_id in ids:
            message = self.messages.get(channel_id, {}).get(message_id)
            if message is not None:
                await self._delete(message, "channel")
        return 204, None

    async def _typing(self, call: _Call) -> Reply:
        if not self._channel_exists(int(call.params["channel_id"])):
            return _error(404, 10003, "Unknown Channel")
        return 204, None

    async def _add_reaction(self, call: _Call) -> Reply:
        found = self._channel_message(call)
        if isinstance(found, tuple):
            return found
        emoji = call.params["emoji"]
        reaction = next((r for r in found["reactions"] if r["emoji"]["name"] == emoji), None)
        if reaction is None:
            found["reactions"].append(
                {
                    "count": 1,
                    "count_details": {"burst": 0, "normal": 1},
                    "me": True,
                    "me_burst": False,
                    "burst_colors": [],
                    "emoji": {"id": None, "name": emoji},
                }
            )
        elif not reaction["me"]:
            reaction["me"] = True
            reaction["count"] += 1
        return 204, None

    async def _remove_reaction(self, call: _Call) -> Reply:
        found = self._channel_message(call)
        if isinstance(found, tuple):
            return found
        emoji = call.params["emoji"]
        for reaction in list(found["reactions"]):
            if reaction["emoji"]["name"] == emoji and reaction["me"]:
                reaction["me"] = False
                reaction["count"] -= 1
                if reaction["count"] == 0:
                    found["reactions"].remove(reaction)
        return 204, None

    # ------------------------------------------------------------------ REST: guilds

    def _known_guild(self, call: _Call) -> FakeGuild | Reply:
        guild = self.guilds.get(int(call.params["guild_id"]))
        return guild if guild is not None else _error(404, 10004, "Unknown Guild")

    async def _get_guild(self, call: _Call) -> Reply:
        guild = self._known_guild(call)
        if isinstance(guild, tuple):
            return guild
        members = len(guild.members)
        return 200, {**guild.base_payload(), "approximate_member_count": members, "approximate_presence_count": 0}

    async def _get_guild_channels(self, call: _Call) -> Reply:
        guild = self._known_guild(call)
        return guild if isinstance(guild, tuple) else (200, list(guild.channel_payloads.values()))

    async def _get_guild_roles(self, call: _Call) -> Reply:
        guild = self._known_guild(call)
        return guild if isinstance(guild, tuple) else (200, guild.roles)

    async def _get_member(self, call: _Call) -> Reply:
        guild = self._known_guild(call)
        if isinstance(guild, tuple):
            return guild
        member = guild.members.get(int(call.params["user_id"]))
        return (200, member) if member is not None else _error(404, 10007, "Unknown Member")

    # ------------------------------------------------------------------ REST: interactions and webhooks

    async def _callback(self, call: _Call) -> Reply:
        record = self._interactions_by_id.get(int(call.params["interaction_id"]))
        if record is None or record.token != call.params["token"]:
            return _error(404, 10062, "Unknown interaction")
        if record.callback_type is not None:
            return _error(400, 40060, "Interaction has already been acknowledged.")
        timeout = self.interaction_ack_timeout
        if timeout is not None and time.monotonic() - record.dispatched_at > timeout:
            return _error(404, 10062, "Unknown interaction")
        kind = call.body.get("type")
        data: Json = call.body.get("data") or {}
        allowed = {2: {4, 5, 9}, 3: {4, 5, 6, 7, 9}, 4: {8}, 5: {4, 5, 6, 7}}.get(record.type, set())
        if kind not in allowed:
            return _form_error("type", "INTERACTION_RESPONSE_TYPE_INVALID", f"Invalid response type {kind}")
        if (kind == 7 or kind == 6) and "message" not in record.payload:
            return _form_error("type", "INTERACTION_RESPONSE_TYPE_INVALID", "No message to update")
        if kind in (4, 7) and (bad := self._validate_message(data, call.files, creating=kind == 4)) is not None:
            return bad
        message: Json | None = None
        channel_id = int(record.payload["channel_id"])
        if kind == 4:
            flags = int(data.get("flags") or 0)
            message_type = 20 if record.type == 2 else 0
            message = self._new_message(
                channel_id, data, call.files, flags=flags, message_type=message_type, interaction=record
            )
            record.original_message_id = int(message["id"])
            await self._store_new(message, "interaction")
        elif kind == 5:
            flags = LOADING | (int(data.get("flags") or 0) & EPHEMERAL)
            message = self._new_message(channel_id, {}, [], flags=flags, interaction=record)
            record.original_message_id = int(message["id"])
            await self._store_new(message, "interaction")
        elif kind in (6, 7):
            target_id = int(record.payload["message"]["id"])
            record.original_message_id = target_id
            target = self._all_messages.get(target_id)
            if kind == 7 and target is not None:
                message = await self._apply_edit(target, data, call.files, "interaction")
        elif kind == 9:
            record.modal = copy.deepcopy(data)
        record.callback_type = int(kind)
        record.callback_data = copy.deepcopy(data) if call.body.get("data") is not None else None
        if call.query.get("with_response", "").lower() not in ("1", "true"):
            return 204, None
        flags_now = 0 if message is None else int(message["flags"])
        interaction: Json = {
            "id": str(record.id),
            "type": record.type,
            "response_message_loading": kind == 5,
            "response_message_ephemeral": bool(flags_now & EPHEMERAL),
        }
        response: Json = {"interaction": interaction}
        if message is not None:
            interaction["response_message_id"] = message["id"]
            response["resource"] = {"type": kind, "message": message}
        return 200, response

    def _webhook_interaction(self, call: _Call) -> InteractionRecord | Reply:
        record = self.interactions.get(call.params["token"])
        if int(call.params["app_id"]) != self.application_id or record is None or record.callback_type is None:
            return _error(404, 10015, "Unknown Webhook")
        return record

    async def _followup(self, call: _Call) -> Reply:
        record = self._webhook_interaction(call)
        if isinstance(record, tuple):
            return record
        if (bad := self._validate_message(call.body, call.files, creating=True)) is not None:
            return bad
        original = self._all_messages.get(record.original_message_id or 0)
        if original is not None and int(original["flags"]) & LOADING and not record.followup_ids:
            # The first followup after a deferred response replaces the "thinking..." message.
            message = await self._apply_edit(original, call.body, call.files, "followup")
        else:
            flags = int(call.body.get("flags") or 0)
            message = self._new_message(
                int(record.payload["channel_id"]), call.body, call.files, flags=flags, interaction=record
            )
            await self._store_new(message, "followup")
        record.followup_ids.append(int(message["id"]))
        wait = call.query.get("wait", "").lower() in ("1", "true")
        return (200, message) if wait else (204, None)

    def _webhook_message(self, call: _Call, record: InteractionRecord) -> Json | Reply:
        raw = call.params["message_id"]
        message_id = record.original_message_id if raw == "@original" else int(raw)
        owned = message_id is not None and (
            message_id == record.original_message_id or message_id in record.followup_ids
        )
        message = self._all_messages.get(message_id or 0) if owned else None
        return message if message is not None else _error(404, 10008, "Unknown Message")

    async def _get_webhook_message(self, call: _Call) -> Reply:
        record = self._webhook_interaction(call)
        if isinstance(record, tuple):
            return record
        found = self._webhook_message(call, record)
        return found if isinstance(found, tuple) else (200, found)

    async def _edit_webhook_message(self, call: _Call) -> Reply:
        record = self._webhook_interaction(call)
        if isinstance(record, tuple):
            return record
        found = self._webhook_message(call, record)
        if isinstance(found, tuple):
            return found
        if (bad := self._validate_message(call.body, call.files, creating=False)) is not None:
            return bad
        is_original = int(found["id"]) == record.original_message_id
        if is_original:
            record.original_edits.append(copy.deepcopy(call.body))
        return 200, await self._apply_edit(found, call.body, call.files, "interaction" if is_original else "followup")

    async def _delete_webhook_message(self, call: _Call) -> Reply:
        record = self._webhook_interaction(call)
        if isinstance(record, tuple):
            return record
        found = self._webhook_message(call, record)
        if isinstance(found, tuple):
            return found
        await self._delete(found, "interaction" if int(found["id"]) == record.original_message_id else "followup")
        return 204, None

    # ------------------------------------------------------------------ interaction results

    def _record(self, token: str) -> InteractionRecord:
        try:
            return self.interactions[token]
        except KeyError:
            raise KeyError(f"no interaction with token {token[:12]}...") from None

    def original_message(self, token: str) -> Json | None:
        """Return the latest state of an interaction's original response message, if any."""
        record = self._record(token)
        if record.original_message_id is None:
            return None
        return self._all_messages.get(record.original_message_id)

    async def followups(self, token: str, count: int = 1, timeout: float = 5.0) -> list[Json]:
        """Wait until an interaction has ``count`` followups; return them in their latest state."""
        record = self._record(token)
        await self.wait_for(lambda: len(record.followup_ids) >= count, timeout, description=f"{count} followup(s)")
        return [self._all_messages.get(i) or self.deleted_messages[i] for i in record.followup_ids]

    async def original_edits(self, token: str, count: int = 1, timeout: float = 5.0) -> list[Json]:
        """Wait until an interaction's original response was edited ``count`` times; return the edit bodies."""
        record = self._record(token)
        await self.wait_for(
            lambda: len(record.original_edits) >= count, timeout, description=f"{count} @original edit(s)"
        )
        return list(record.original_edits)

    # ------------------------------------------------------------------ gateway

    def _record_frame(self, frame: GatewayFrame) -> None:
        self.events.append(frame)
        self._notify()

    def _live_session(self) -> GatewaySession | None:
        session = self._session
        if session is None or session.invalidated or not session.ready_sent or session.connection is None:
            return None
        return session

    def _require_session(self) -> GatewaySession:
        if self._session is None:
            raise RuntimeError("no client has identified on the fake gateway yet")
        if self._session.invalidated:
            raise RuntimeError("the gateway session was invalidated; await fake.wait_until_ready() for the new one")
        return self._session

    @property
    def intents(self) -> int | None:
        """Return the intents of the current gateway session, if any."""
        return None if self._session is None else self._session.intents

    @property
    def connected(self) -> bool:
        """Return whether a client is identified (or resumed) and connected right now."""
        return self._live_session() is not None

    async def dispatch(self, event: str, data: Any) -> int:
        """Dispatch a raw gateway event to the current session (buffered for RESUME while disconnected)."""
        seq = await self._require_session().dispatch(event, data)
        self._notify()
        return seq

    async def drop_gateway(self, *, resumable: bool = True) -> None:
        """Drop the bot's gateway connection.

        ``resumable=True`` closes it with code 4000 so the client RESUMEs; events dispatched meanwhile are
        buffered and replayed. ``resumable=False`` sends INVALID_SESSION (d=false) so the client must IDENTIFY
        again; until it has (``await fake.wait_until_ready()``), dispatching raises RuntimeError.
        """
        session = self._require_session()
        conn = session.connection
        if conn is None:
            raise RuntimeError("the gateway session is not connected")
        session.connection = None
        if resumable:
            await conn.close(4000, "fake discord dropped the connection")
        else:
            session.invalidated = True
            await conn.send(Op.INVALIDATE_SESSION, False)
        self._notify()

    async def gateway_outage(self, seconds: float) -> None:
        """Drop the gateway (resumably) and refuse to reconnect for ``seconds``: events are replayed after."""
        self._gateway_down_until = time.monotonic() + seconds
        await self.drop_gateway(resumable=True)

    async def _handle_gateway(self, request: web.Request) -> web.StreamResponse:
        if time.monotonic() < self._gateway_down_until:
            return web.Response(status=503, text="fake discord: the gateway is down")
        compress = request.query.get("compress")
        try:
            make_compressor(compress)
        except (ValueError, ImportError) as exc:
            return web.Response(status=400, text=str(exc))
        ws = web.WebSocketResponse(timeout=2.0, max_msg_size=0)
        await ws.prepare(request)
        self._connection_count += 1
        conn = GatewayConnection(ws, self._connection_count, compress, self)
        self._connections.add(conn)
        self.gateway_connections.append((request.path, dict(request.query)))
        try:
            if request.query.get("encoding", "json") != "json":
                await conn.close(4002, "Only encoding=json is supported by the fake.")
                return ws
            trace = ['["fake-discord-gateway",{"micros":0}]']
            await conn.send(Op.HELLO, {"heartbeat_interval": self.heartbeat_interval_ms, "_trace": trace})
            async for msg in ws:
                if msg.type in (WSMsgType.TEXT, WSMsgType.BINARY):
                    text = msg.data if isinstance(msg.data, str) else bytes(msg.data).decode()
                    await self._on_gateway_payload(conn, text)
        finally:
            self._connections.discard(conn)
            if conn.session is not None and conn.session.connection is conn:
                conn.session.connection = None
            self._notify()
        return ws

    async def _on_gateway_payload(self, conn: GatewayConnection, text: str) -> None:
        try:
            payload = json.loads(text)
            op = int(payload["op"])
        except (ValueError, KeyError, TypeError):
            await conn.close(4002, "Error while decoding payload.")
            return
        data = payload.get("d")
        self._record_frame(GatewayFrame("in", op, None, None, data, time.monotonic(), conn.number))
        if op == Op.HEARTBEAT:
            await conn.send(Op.HEARTBEAT_ACK, None)
        elif op == Op.IDENTIFY:
            await self._identify(conn, data or {})
        elif op == Op.RESUME:
            await self._resume(conn, data or {})
        elif conn.session is None:
            await conn.close(4003, "Not authenticated.")
        elif op == Op.REQUEST_MEMBERS:
            await self._request_members(conn.session, data or {})
        elif op not in (Op.PRESENCE, Op.VOICE_STATE):
            await conn.close(4001, "Unknown opcode.")

    async def _identify(self, conn: GatewayConnection, data: Json) -> None:
        if conn.session is not None:
            await conn.close(4005, "Already authenticated.")
            return
        if data.get("token") != self.token:
            await conn.close(4004, "Authentication failed.")
            return
        intents = data.get("intents")
        if not isinstance(intents, int):
            await conn.close(4013, "Invalid intent(s).")
            return
        if intents & PRIVILEGED_INTENTS & ~self.allowed_privileged_intents:
            await conn.close(4014, "Disallowed intent(s).")
            return
        self.identify_count += 1
        self.identify_payloads.append(data)
        session = GatewaySession(uuid.uuid4().hex, identify=data, connection=conn)
        conn.session = session
        self._sessions[session.session_id] = session
        self._session = session
        shard = data.get("shard") or [0, 1]
        guilds = [g for g in self.guilds.values() if (g.id >> 22) % shard[1] == shard[0]]
        ready = {
            "v": 10,
            "user": {**self.bot_user, "verified": True, "mfa_enabled": False, "email": None},
            "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
            "session_id": session.session_id,
            "session_type": "normal",
            "resume_gateway_url": self.resume_gateway_url,
            "shard": shard,
            "application": {"id": str(self.application_id), "flags": 0},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "user_settings": {},
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": ["local"],
            "auth": {},
            "_trace": ['["fake-discord-gateway",{"micros":0}]'],
        }
        await session.dispatch("READY", ready)
        for guild in guilds:
            await session.dispatch("GUILD_CREATE", guild.guild_create_payload())
        session.ready_sent = True
        self._notify()

    async def _resume(self, conn: GatewayConnection, data: Json) -> None:
        if conn.session is not None:
            await conn.close(4005, "Already authenticated.")
            return
        if data.get("token") != self.token:
            await conn.close(4004, "Authentication failed.")
            return
        session = self._sessions.get(str(data.get("session_id")))
        if session is None or session.invalidated:
            await conn.send(Op.INVALIDATE_SESSION, False)
            return
        old = session.connection
        session.connection = None
        if old is not None and old is not conn:
            await old.close(4000, "Session resumed elsewhere.")
        self.resume_count += 1
        conn.session = session
        await session.resume_on(conn, int(data.get("seq") or 0))
        await session.dispatch("RESUMED", {"_trace": ['["fake-discord-gateway",{"micros":0}]']})
        self._notify()

    async def _request_members(self, session: GatewaySession, data: Json) -> None:
        guild = self.guilds.get(int(data.get("guild_id", 0)))
        if guild is None:
            return
        members = list(guild.members.values())
        user_ids = {int(u) for u in data.get("user_ids") or []}
        query = data.get("query")
        if user_ids:
            members = [m for m in members if int(m["user"]["id"]) in user_ids]
        elif query:
            members = [m for m in members if m["user"]["username"].lower().startswith(str(query).lower())]
        limit = int(data.get("limit") or 0)
        if limit:
            members = members[:limit]
        chunk: Json = {
            "guild_id": str(guild.id),
            "members": members,
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": [str(u) for u in user_ids - {int(m["user"]["id"]) for m in members}],
        }
        if data.get("presences"):
            chunk["presences"] = []
        if data.get("nonce") is not None:
            chunk["nonce"] = data["nonce"]
        await session.dispatch("GUILD_MEMBERS_CHUNK", chunk)

    # ------------------------------------------------------------------ interactions: sending

    async def send_interaction(self, payload: Json) -> None:
        """Dispatch a raw INTERACTION_CREATE (buffered for RESUME while the bot is disconnected)."""
        record = InteractionRecord(int(payload["id"]), payload["token"], payload, time.monotonic())
        self.interactions[record.token] = record
        self._interactions_by_id[record.id] = record
        await self.dispatch("INTERACTION_CREATE", payload)

    async def interact(self, payload: Json, timeout: float = 5.0) -> InteractionResult:
        """Send an interaction and wait for the bot's callback; return what it answered."""
        await self.send_interaction(payload)
        record = self.interactions[payload["token"]]

        def answered() -> bool:
            if record.rejection is not None:
                raise CallbackRejectedError(record.id, *record.rejection)
            return record.callback_type is not None

        await self.wait_for(answered, timeout, description=f"the callback of interaction {record.id}")
        return self.result(payload["token"])

    def result(self, token: str) -> InteractionResult:
        """Return the InteractionResult of an answered interaction."""
        record = self._record(token)
        if record.callback_type is None:
            raise ValueError("the interaction has not been answered yet")
        original_id = record.original_message_id
        original = None if original_id is None else copy.deepcopy(self._all_messages.get(original_id))
        return InteractionResult(
            fake=self,
            interaction_id=record.id,
            token=record.token,
            payload=record.payload,
            type=record.callback_type,
            data=record.callback_data,
            message=original,
        )

    async def user_message(self, channel_id: int, content: str, *, user: int | Json = 1) -> Json:
        """Post a message as a user; dispatch MESSAGE_CREATE if the bot's intents would receive it."""
        author = self._user_obj(user)
        message = self._new_message(channel_id, {"content": content}, [], author=author)
        message_id = int(message["id"])
        self._all_messages[message_id] = message
        self.messages[channel_id][message_id] = message
        self._log("create", message, "user")
        if self._wants_message_events(message):
            event = self._event_message(message)
            mentioned = f"<@{self.bot_id}>" in content
            if not (self._require_session().intents & MESSAGE_CONTENT_INTENT) and not mentioned:
                event["content"] = ""
            await self.dispatch("MESSAGE_CREATE", event)
        return message

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

    def add_thread(
        self, name: str, parent_id: int | None = None, *, private: bool = False, locked: bool = False
    ) -> int:
        """Add a thread under a channel of the default guild (before the bot connects: GUILD_CREATE lists it)."""
        guild = self.guild
        guild.add_thread(self._snowflake(), name, parent_id or guild.channel_ids[0], private=private, locked=locked)
        return guild.channels[name]

    def _default_permissions(self, guild: FakeGuild, user_id: int) -> int:
        perms = guild.member_permissions(user_id)
        return ALL_PERMISSIONS if perms & ADMINISTRATOR else perms

    def _interaction_payload(
        self,
        kind: int,
        data: Json,
        *,
        guild: FakeGuild | None,
        channel_id: int | None,
        user: int | Json,
        permissions: int | None,
        locale: str,
        message: Json | None = None,
    ) -> Json:
        author = self._user_obj(user)
        payload: Json = {
            "id": str(self._snowflake()),
            "application_id": str(self.application_id),
            "type": kind,
            "data": data,
            "token": new_token(),
            "version": 1,
            "locale": locale,
            "entitlements": [],
            "entitlement_sku_ids": [],
            "attachment_size_limit": 10 * 1024 * 1024,
        }
        if guild is not None:
            cid = channel_id if channel_id is not None else guild.channel_ids[0]
            if cid not in guild.channel_payloads:
                raise ValueError(f"channel {cid} is not in guild {guild.id}")
            user_id = int(author["id"])
            member = guild.members.get(user_id) or guild.add_member(author)
            perms = permissions if permissions is not None else self._default_permissions(guild, user_id)
            payload.update(
                {
                    "guild_id": str(guild.id),
                    "guild": {"id": str(guild.id), "locale": guild.locale, "features": []},
                    "guild_locale": guild.locale,
                    "channel_id": str(cid),
                    "channel": {**guild.channel_payloads[cid], "permissions": str(perms)},
                    "member": {**member, "user": author, "permissions": str(perms)},
                    "app_permissions": str(self._bot_permissions_in(cid)),
                    "authorizing_integration_owners": {"0": str(guild.id)},
                    "context": 0,
                }
            )
        else:
            channel = self._dm_channel(author)
            payload.update(
                {
                    "channel_id": channel["id"],
                    "channel": channel,
                    "user": author,
                    "app_permissions": str(DEFAULT_MEMBER_PERMISSIONS),
                    "authorizing_integration_owners": {"0": "0"},
                    "context": 1,
                }
            )
        if message is not None:
            payload["message"] = copy.deepcopy(message)
        return payload

    def _find_command(self, name: str, guild_id: int | None) -> Json | None:
        for scope in (guild_id, None) if guild_id is not None else (None,):
            for command in self.commands.get(scope, []):
                if command["name"] == name and int(command.get("type", 1)) == 1:
                    return command
        return None

    @staticmethod
    def _infer_option_type(value: Any) -> int:
        if isinstance(value, bool):
            return 5
        if isinstance(value, int):
            return 4
        if isinstance(value, float):
            return 10
        if isinstance(value, dict) and "username" in value:
            return 6
        if isinstance(value, str):
            return 3
        raise ValueError(f"cannot infer the option type of {value!r}; sync the command first")

    def _option_value(self, kind: int, name: str, value: Any, guild: FakeGuild | None, resolved: Json) -> Any:
        if kind == 3:
            if not isinstance(value, str):
                raise ValueError(f"option {name!r} is a string option, got {value!r}")
            return value
        if kind == 4:
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError(f"option {name!r} is an integer option, got {value!r}")
            return value
        if kind == 5:
            if not isinstance(value, bool):
                raise ValueError(f"option {name!r} is a boolean option, got {value!r}")
            return value
        if kind == 10:
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"option {name!r} is a number option, got {value!r}")
            return value
        is_role = kind == 9 and guild is not None and isinstance(value, int) and guild.role_by_id(value) is not None
        if kind in (6, 9) and not is_role:
            user = self._user_obj(value)
            resolved.setdefault("users", {})[user["id"]] = user
            if guild is not None:
                member = guild.members.get(int(user["id"]))
                if member is not None:
                    perms = self._default_permissions(guild, int(user["id"]))
                    entry = {k: v for k, v in member.items() if k != "user"}
                    resolved.setdefault("members", {})[user["id"]] = {**entry, "permissions": str(perms)}
            return user["id"]
        if kind in (8, 9):
            role = None if guild is None else guild.role_by_id(int(value))
            if role is None:
                raise ValueError(f"option {name!r}: unknown role {value!r}")
            resolved.setdefault("roles", {})[role["id"]] = role
            return role["id"]
        if kind == 7:
            channel_id = int(value)
            owner = self._message_guild_id(channel_id)
            if owner is None:
                raise ValueError(f"option {name!r}: unknown channel {value!r}")
            channel = self.guilds[owner].channel_payloads[channel_id]
            perms = ALL_PERMISSIONS
            entry = {k: channel[k] for k in ("id", "name", "type", "parent_id", "guild_id")}
            resolved.setdefault("channels", {})[channel["id"]] = {**entry, "permissions": str(perms)}
            return channel["id"]
        raise ValueError(f"option {name!r}: option type {kind} is not supported by the fake")

    def _build_options(
        self, values: Mapping[str, Any], definitions: list[Json] | None, guild: FakeGuild | None
    ) -> tuple[list[Json], Json]:
        options: list[Json] = []
        resolved: Json = {}
        by_name = {d["name"]: d for d in definitions or []}
        if definitions is not None:
            unknown = set(values) - set(by_name)
            if unknown:
                raise ValueError(f"unknown option(s) {sorted(unknown)}; the command has {sorted(by_name)}")
            missing = {n for n, d in by_name.items() if d.get("required") and n not in values}
            if missing:
                raise ValueError(f"missing required option(s) {sorted(missing)}")
        for name, value in values.items():
            kind = int(by_name[name]["type"]) if definitions is not None else self._infer_option_type(value)
            value_json = self._option_value(kind, name, value, guild, resolved)
            options.append({"name": name, "type": kind, "value": value_json})
        return options, resolved

    def slash_command(
        self,
        name: str,
        options: Mapping[str, Any] | None = None,
        *,
        subcommand: str | None = None,
        group: str | None = None,
        guild_id: int | None = None,
        channel_id: int | None = None,
        user: int | Json = 1,
        permissions: int | None = None,
        locale: str = "en-US",
        dm: bool = False,
    ) -> Json:
        """Build a CHAT_INPUT interaction as Discord would send it.

        ``name`` may hold the full path ("trivia start", "trivia admin reset"). Option types, the command id
        and the nesting come from the last sync of that command (guild first, then global); unknown or missing
        required options raise ValueError. ``user`` is a player number, a user id or a user payload; a user
        option takes the same and fills ``resolved``. ``permissions`` overrides the member's permission bits.
        """
        parts = name.split()
        if len(parts) == 2:
            name, subcommand = parts
        elif len(parts) == 3:
            name, group, subcommand = parts
        elif len(parts) != 1:
            raise ValueError(f"bad command path {name!r}")
        guild = None if dm else self._guild(guild_id)
        command = self._find_command(name, None if guild is None else guild.id)
        definitions: list[Json] | None = None
        if command is not None:
            definitions = list(command.get("options") or [])
            for level, wanted in ((2, group), (1, subcommand)):
                if wanted is None:
                    continue
                match = next((o for o in definitions if o["name"] == wanted and o["type"] == level), None)
                if match is None:
                    raise ValueError(f"/{name} has no {'group' if level == 2 else 'subcommand'} {wanted!r}")
                definitions = list(match.get("options") or [])
        built, resolved = self._build_options(options or {}, definitions, guild)
        tree: list[Json] = built
        if subcommand is not None:
            tree = [{"name": subcommand, "type": 1, "options": built}]
        if group is not None:
            tree = [{"name": group, "type": 2, "options": tree}]
        data: Json = {
            "id": command["id"] if command is not None else str(self._snowflake()),
            "name": name,
            "type": 1,
        }
        if tree:
            data["options"] = tree
        if resolved:
            data["resolved"] = resolved
        if command is not None and command.get("guild_id"):
            data["guild_id"] = command["guild_id"]
        return self._interaction_payload(
            2, data, guild=guild, channel_id=channel_id, user=user, permissions=permissions, locale=locale
        )

    def _stored_message(self, message: Json | int) -> Json:
        message_id = message if isinstance(message, int) else int(message["id"])
        stored = self._all_messages.get(message_id)
        if stored is None:
            raise ValueError(f"unknown or deleted message {message_id}")
        return stored

    def click(
        self,
        message: Json | int,
        custom_id: str,
        *,
        user: int | Json = 1,
        values: Iterable[str] | None = None,
        permissions: int | None = None,
        locale: str = "en-US",
    ) -> Json:
        """Build a MESSAGE_COMPONENT interaction: ``user`` clicks ``custom_id`` on the latest state of ``message``.

        Raises ValueError if the message has no such component or it is disabled. ``values`` is for selects.
        """
        stored = self._stored_message(message)
        component = next((c for c in _walk_components(stored["components"]) if c.get("custom_id") == custom_id), None)
        if component is None:
            known = [c.get("custom_id") for c in _walk_components(stored["components"]) if c.get("custom_id")]
            raise ValueError(f"message {stored['id']} has no component {custom_id!r}; it has {known}")
        if component.get("disabled"):
            raise ValueError(f"component {custom_id!r} is disabled")
        data: Json = {"custom_id": custom_id, "component_type": int(component["type"])}
        if component["type"] in (3, 5, 6, 7, 8):
            data["values"] = [str(v) for v in values or []]
        guild = self.guilds.get(int(stored["guild_id"])) if "guild_id" in stored else None
        return self._interaction_payload(
            3,
            data,
            guild=guild,
            channel_id=int(stored["channel_id"]) if guild is not None else None,
            user=user,
            permissions=permissions,
            locale=locale,
            message=stored,
        )

    def _find_modal(self, custom_id: str) -> InteractionRecord | None:
        for record in reversed(list(self.interactions.values())):
            if record.modal is not None and record.modal.get("custom_id") == custom_id:
                return record
        return None

    @staticmethod
    def _submitted(component: Json, fields: Mapping[str, str | list[str]], used: set[str]) -> Json:
        custom_id = component.get("custom_id", "")
        value = fields.get(custom_id)
        if value is None and component.get("required", True) and component["type"] == 4:
            raise ValueError(f"required modal field {custom_id!r} has no value")
        used.add(custom_id)
        entry: Json = {"type": component["type"], "custom_id": custom_id}
        if "id" in component:
            entry["id"] = component["id"]
        if component["type"] == 4:
            entry["value"] = "" if value is None else str(value)
        else:
            entry["values"] = [] if value is None else ([value] if isinstance(value, str) else list(value))
        return entry

    def submit_modal(
        self,
        custom_id: str,
        fields: Mapping[str, str | list[str]],
        *,
        user: int | Json | None = None,
        permissions: int | None = None,
        locale: str = "en-US",
    ) -> Json:
        """Build a MODAL_SUBMIT interaction with ``fields`` (custom_id -> value).

        If the bot opened that modal, its layout (action rows or labels), channel and user are mirrored and
        unknown or missing required fields raise ValueError; otherwise one action row per field is sent.
        """
        source = self._find_modal(custom_id)
        used: set[str] = set()
        components: list[Json] = []
        if source is not None and source.modal is not None:
            for top in source.modal.get("components") or []:
                if top["type"] == 1:
                    inner = [self._submitted(c, fields, used) for c in top.get("components") or []]
                    components.append({"type": 1, "components": inner})
                elif top["type"] == 18:
                    components.append({"type": 18, "component": self._submitted(top["component"], fields, used)})
            unknown = set(fields) - used
            if unknown:
                raise ValueError(f"modal {custom_id!r} has no field(s) {sorted(unknown)}")
        else:
            for field_id, value in fields.items():
                text = {"type": 4, "custom_id": field_id, "value": str(value)}
                components.append({"type": 1, "components": [text]})
        guild: FakeGuild | None = None
        channel_id: int | None = None
        message: Json | None = None
        if source is not None:
            guild = self.guilds.get(int(source.payload["guild_id"])) if "guild_id" in source.payload else None
            channel_id = int(source.payload["channel_id"]) if guild is not None else None
            if user is None:
                user = source.payload.get("member", {}).get("user") or source.payload["user"]
            if "message" in source.payload:
                message = self._all_messages.get(int(source.payload["message"]["id"]), source.payload["message"])
        else:
            guild = self.guild
        return self._interaction_payload(
            5,
            {"custom_id": custom_id, "components": components},
            guild=guild,
            channel_id=channel_id,
            user=1 if user is None else user,
            permissions=permissions,
            locale=locale,
            message=message,
        )
