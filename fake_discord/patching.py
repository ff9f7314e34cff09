"""Point the stock discord.py client at another API host by setting two class attributes."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

import yarl
from discord import http as discord_http
from discord.gateway import DiscordWebSocket
from discord.http import Route

__all__ = ["gateway_url_for", "point_discord_at", "reset_discord_base"]

_DEFAULT_ROUTE_BASE: str = Route.BASE
_DEFAULT_GATEWAY: yarl.URL = DiscordWebSocket.DEFAULT_GATEWAY


def gateway_url_for(base_url: str) -> str:
    """Return the websocket URL served beside a REST base URL (http -> ws, https -> wss, path "/")."""
    parts = urlsplit(base_url)
    scheme = {"http": "ws", "https": "wss"}.get(parts.scheme, parts.scheme)
    return urlunsplit((scheme, parts.netloc, "/", "", ""))


def point_discord_at(base_url: str, *, gateway_url: str | None = None) -> None:
    """Send every REST, webhook, interaction-callback and gateway connection of discord.py to ``base_url``.

    ``Route.BASE`` is the prefix of every REST URL, including the ones the webhook adapter builds for
    interaction callbacks and followups (it reuses ``discord.http.Route``). ``DiscordWebSocket.DEFAULT_GATEWAY``
    is where a plain ``Client`` opens its first gateway connection and where it goes back after an
    INVALID_SESSION; resumes use the ``resume_gateway_url`` that READY returns.
    """
    Route.BASE = f"{base_url.rstrip('/')}/api/v{discord_http.INTERNAL_API_VERSION}"
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url or gateway_url_for(base_url))


def reset_discord_base() -> None:
    """Restore the discord.py defaults that :func:`point_discord_at` changed."""
    Route.BASE = _DEFAULT_ROUTE_BASE
    DiscordWebSocket.DEFAULT_GATEWAY = _DEFAULT_GATEWAY
