"""A local fake of the Discord API (REST + gateway) for driving the real discord.py client in tests."""

from .gateway import GatewayFrame
from .harness import running_bot
from .patching import gateway_url_for, point_discord_at, reset_discord_base
from .payloads import ADMINISTRATOR, DEFAULT_MEMBER_PERMISSIONS, MANAGE_GUILD, FakeGuild
from .records import InteractionResult, MessageLogEntry, RecordedFile, RecordedRequest
from .server import DEFAULT_TOKEN, PLAYER_ID_BASE, CallbackRejectedError, FakeDiscord

__all__ = [
    "ADMINISTRATOR",
    "DEFAULT_MEMBER_PERMISSIONS",
    "DEFAULT_TOKEN",
    "MANAGE_GUILD",
    "PLAYER_ID_BASE",
    "CallbackRejectedError",
    "FakeDiscord",
    "FakeGuild",
    "GatewayFrame",
    "InteractionResult",
    "MessageLogEntry",
    "RecordedFile",
    "RecordedRequest",
    "gateway_url_for",
    "point_discord_at",
    "reset_discord_base",
    "running_bot",
]
