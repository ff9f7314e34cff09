"""The fake Discord itself: every resource of the API served on one local port.

It listens on 127.0.0.1 only. Point discord.py at it with :func:`fake_discord.point_discord_at`.
Each resource lives in its own module and contributes its routes:

=============================  ==========================================================================
``core.FakeCore``              the world (guilds, users), recorded requests and events, waiting, lookups
``message_store.MessageStore`` messages: validation, storage, edits, deletes, the write log
``rest.RestServer``            REST plumbing: parsing, routing, the token check, injected failures
``routes.identity``            ``/users``, ``/gateway``, ``/applications/@me``
``routes.commands``            ``/applications/{id}/commands`` (global and guild)
``routes.channels``            ``/channels/{id}`` and its messages and reactions
``routes.guilds``              ``/guilds/{id}`` and its channels, roles and members
``routes.interactions``        interaction callbacks and ``/webhooks`` (followups, ``@original``)
``gateway_server``             the gateway websocket: IDENTIFY, RESUME, heartbeats, member chunks, drops;
                               shards: each guild's events go to shard ``(guild_id >> 22) % shard_count``
``players.PlayerActions``      what players do: slash commands, clicks, form submits, messages
=============================  ==========================================================================
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

from aiohttp import web

from fake_discord.core import DEFAULT_APPLICATION_ID, DEFAULT_TOKEN, PRIVILEGED_INTENTS, RouteSpec
from fake_discord.gateway_server import GatewayServer
from fake_discord.players import PlayerActions
from fake_discord.rest import RestServer
from fake_discord.routes.channels import ChannelRoutes
from fake_discord.routes.commands import CommandRoutes
from fake_discord.routes.guilds import GuildRoutes
from fake_discord.routes.identity import IdentityRoutes

__all__ = ["FakeDiscord"]

log = logging.getLogger(__name__)


class FakeDiscord(
    PlayerActions,
    ChannelRoutes,
    IdentityRoutes,
    CommandRoutes,
    GuildRoutes,
    GatewayServer,
    RestServer,
):
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
        super().__init__(
            token=token,
            application_id=application_id,
            bot_name=bot_name,
            guild_name=guild_name,
            channels=channels,
            players=players,
            heartbeat_interval_ms=heartbeat_interval_ms,
            allowed_privileged_intents=allowed_privileged_intents,
        )
        self._routes = [(m, re.compile(p), h, auth) for m, p, h, auth in self.route_specs()]

    def route_specs(self) -> list[RouteSpec]:
        """Return every REST route the fake serves, resource by resource."""
        return [
            *self.identity_routes(),
            *self.command_routes(),
            *self.interaction_routes(),
            *self.channel_routes(),
            *self.guild_routes(),
        ]

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Listen on 127.0.0.1 on a free port."""
        if self._runner is not None:
            raise RuntimeError("FakeDiscord already started")
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/api/{tail:.*}", self._handle_rest)
        app.router.add_get("/", self._handle_gateway)
        app.router.add_get("/resume", self._handle_gateway)
        app.router.add_get("/attachments/{tail:.*}", self._serve_upload)
        runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=0.5)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        self._runner = runner
        self._port = int(runner.addresses[0][1])
        log.debug("fake discord listening on %s", self.base_url)

    async def _serve_upload(self, request: web.Request) -> web.StreamResponse:
        """Serve the bytes of a file attached to a slash command (Discord's CDN)."""
        data = self.uploads.get(request.path)
        self.downloads.append(request.path)
        if data is None:
            return web.Response(status=404, text="no such attachment")
        return web.Response(body=data, content_type="application/octet-stream")

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
