"""Builders for Discord API objects shaped like the real API v10 sends them."""

from __future__ import annotations

import datetime
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "ADMINISTRATOR",
    "BOT_PERMISSIONS",
    "DEFAULT_MEMBER_PERMISSIONS",
    "DISCORD_EPOCH_MS",
    "EMBED_LINKS",
    "MANAGE_GUILD",
    "SEND_MESSAGES",
    "SEND_MESSAGES_IN_THREADS",
    "THREAD_TYPES",
    "VIEW_CHANNEL",
    "FakeGuild",
    "Json",
    "SnowflakeFactory",
    "iso_now",
    "member_payload",
    "role_payload",
    "text_channel_payload",
    "user_payload",
]

Json = dict[str, Any]

DISCORD_EPOCH_MS = 1_420_070_400_000

# Permission bits (https://discord.com/developers/docs/topics/permissions).
ADD_REACTIONS = 1 << 6
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
MANAGE_MESSAGES = 1 << 13
EMBED_LINKS = 1 << 14
ATTACH_FILES = 1 << 15
READ_MESSAGE_HISTORY = 1 << 16
USE_EXTERNAL_EMOJIS = 1 << 18
USE_APPLICATION_COMMANDS = 1 << 31
SEND_MESSAGES_IN_THREADS = 1 << 38
ADMINISTRATOR = 1 << 3
MANAGE_GUILD = 1 << 5

DEFAULT_MEMBER_PERMISSIONS = (
    ADD_REACTIONS
    | VIEW_CHANNEL
    | SEND_MESSAGES
    | EMBED_LINKS
    | ATTACH_FILES
    | READ_MESSAGE_HISTORY
    | USE_EXTERNAL_EMOJIS
    | USE_APPLICATION_COMMANDS
    | SEND_MESSAGES_IN_THREADS
)
BOT_PERMISSIONS = DEFAULT_MEMBER_PERMISSIONS | MANAGE_MESSAGES
THREAD_TYPES = frozenset({10, 11, 12})


class SnowflakeFactory:
    """Make unique, strictly increasing Discord snowflakes from the wall clock."""

    def __init__(self, worker: int = 1) -> None:
        """Start with no snowflake handed out; fakes with different ``worker`` numbers never share a snowflake."""
        self._last = 0
        self._worker = worker

    def __call__(self) -> int:
        """Return a new snowflake."""
        ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
        # this worker, process 0; the increment bits come from bumping past the last value.
        self._last = max((ms << 22) | (self._worker << 17), self._last + 1)
        return self._last

    def on_shard(self, shard_id: int, shard_count: int) -> int:
        """Return a new snowflake that, as a guild id, belongs to shard ``shard_id`` of ``shard_count``.

        Discord's rule is ``(guild_id >> 22) % shard_count``: the id's timestamp is moved up (by under
        ``shard_count`` ms) to the next one that gives this shard.
        """
        flake = self()
        timestamp = flake >> 22
        timestamp += (shard_id - timestamp) % shard_count
        self._last = max(self._last, (timestamp << 22) | (flake & ((1 << 22) - 1)))
        return self._last


def iso_now() -> str:
    """Return the current UTC time in Discord's ISO 8601 format."""
    return datetime.datetime.now(datetime.UTC).isoformat()


def new_token(prefix: str = "aW50ZXJhY3Rpb24") -> str:
    """Return a URL-safe random interaction token."""
    return f"{prefix}{secrets.token_urlsafe(48)}"


def user_payload(user_id: int, username: str, *, global_name: str | None = None, bot: bool = False) -> Json:
    """Build a user object."""
    payload: Json = {
        "id": str(user_id),
        "username": username,
        "global_name": global_name,
        "discriminator": "0",
        "avatar": None,
        "avatar_decoration_data": None,
        "public_flags": 0,
        "flags": 0,
        "banner": None,
        "accent_color": None,
        "primary_guild": None,
        "collectibles": None,
        "clan": None,
    }
    if bot:
        payload["bot"] = True
    return payload


def member_payload(user: Json, *, roles: Iterable[int] = (), joined_at: str | None = None) -> Json:
    """Build a guild member object embedding ``user``."""
    return {
        "user": user,
        "nick": None,
        "avatar": None,
        "banner": None,
        "roles": [str(r) for r in roles],
        "joined_at": joined_at or iso_now(),
        "premium_since": None,
        "deaf": False,
        "mute": False,
        "flags": 0,
        "pending": False,
        "communication_disabled_until": None,
        "avatar_decoration_data": None,
    }


def role_payload(
    role_id: int, name: str, permissions: int, position: int, *, managed: bool = False, bot_id: int | None = None
) -> Json:
    """Build a role object."""
    payload: Json = {
        "id": str(role_id),
        "name": name,
        "description": None,
        "color": 0,
        "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
        "hoist": False,
        "icon": None,
        "unicode_emoji": None,
        "position": position,
        "permissions": str(permissions),
        "managed": managed,
        "mentionable": False,
        "flags": 0,
    }
    if bot_id is not None:
        payload["tags"] = {"bot_id": str(bot_id)}
    return payload


def text_channel_payload(channel_id: int, guild_id: int, name: str, position: int) -> Json:
    """Build a guild text channel object (type 0)."""
    return {
        "id": str(channel_id),
        "type": 0,
        "guild_id": str(guild_id),
        "name": name,
        "position": position,
        "permission_overwrites": [],
        "parent_id": None,
        "topic": None,
        "nsfw": False,
        "last_message_id": None,
        "rate_limit_per_user": 0,
        "flags": 0,
    }


@dataclass
class FakeGuild:
    """One guild the fake serves: its channels, roles and members."""

    id: int
    name: str
    owner_id: int
    channels: dict[str, int] = field(default_factory=dict)
    channel_payloads: dict[int, Json] = field(default_factory=dict)
    roles: list[Json] = field(default_factory=list)
    members: dict[int, Json] = field(default_factory=dict)
    everyone_permissions: int = DEFAULT_MEMBER_PERMISSIONS
    locale: str = "en-US"
    joined_at: str = field(default_factory=iso_now)
    bot_channel_permissions: dict[int, int] = field(default_factory=dict)
    """The bot's permissions in a channel or thread after its overwrites, where a test set them."""

    @property
    def channel_ids(self) -> list[int]:
        """Return the text channel ids in position order (threads are not channels of the list)."""
        return [cid for cid, payload in self.channel_payloads.items() if payload["type"] not in THREAD_TYPES]

    def add_thread(
        self, thread_id: int, name: str, parent_id: int, *, private: bool = False, locked: bool = False
    ) -> Json:
        """Add a thread under a text channel and return its payload (type 11 public, 12 private)."""
        payload = {
            **text_channel_payload(thread_id, self.id, name, 0),
            "type": 12 if private else 11,
            "parent_id": str(parent_id),
            "owner_id": str(self.owner_id),
            "message_count": 0,
            "member_count": 1,
            "thread_metadata": {
                "archived": False,
                "auto_archive_duration": 1440,
                "archive_timestamp": iso_now(),
                "locked": locked,
            },
        }
        del payload["permission_overwrites"], payload["position"]
        self.channels[name] = thread_id
        self.channel_payloads[thread_id] = payload
        return payload

    def add_channel(self, channel_id: int, name: str) -> Json:
        """Add a text channel and return its payload."""
        payload = text_channel_payload(channel_id, self.id, name, len(self.channel_payloads))
        self.channels[name] = channel_id
        self.channel_payloads[channel_id] = payload
        return payload

    def add_member(self, user: Json, roles: Iterable[int] = ()) -> Json:
        """Add (or replace) a member and return its payload."""
        member = member_payload(user, roles=roles)
        self.members[int(user["id"])] = member
        return member

    def base_payload(self) -> Json:
        """Return the guild object without the GUILD_CREATE-only fields."""
        first_channel = next(iter(self.channel_payloads), None)
        return {
            "id": str(self.id),
            "name": self.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "owner_id": str(self.owner_id),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "roles": self.roles,
            "emojis": [],
            "features": [],
            "mfa_level": 0,
            "application_id": None,
            "system_channel_id": None if first_channel is None else str(first_channel),
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "max_members": 500000,
            "vanity_url_code": None,
            "description": None,
            "banner": None,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "preferred_locale": self.locale,
            "public_updates_channel_id": None,
            "safety_alerts_channel_id": None,
            "nsfw_level": 0,
            "stickers": [],
            "premium_progress_bar_enabled": False,
        }

    def guild_create_payload(self) -> Json:
        """Return the GUILD_CREATE dispatch data."""
        payload = self.base_payload()
        payload.update(
            {
                "joined_at": self.joined_at,
                "large": False,
                "unavailable": False,
                "member_count": len(self.members),
                "voice_states": [],
                "members": list(self.members.values()),
                "channels": [
                    {k: v for k, v in ch.items() if k != "guild_id"}
                    for ch in self.channel_payloads.values()
                    if ch["type"] not in THREAD_TYPES
                ],
                "threads": [ch for ch in self.channel_payloads.values() if ch["type"] in THREAD_TYPES],
                "presences": [],
                "stage_instances": [],
                "guild_scheduled_events": [],
                "soundboard_sounds": [],
                "lazy": True,
            }
        )
        return payload

    def member_permissions(self, user_id: int) -> int:
        """Return the guild-level permissions of a member from @everyone and their roles."""
        if user_id == self.owner_id:
            return ADMINISTRATOR | self.everyone_permissions
        member = self.members.get(user_id)
        perms = self.everyone_permissions
        if member is not None:
            wanted = set(member["roles"])
            for role in self.roles:
                if role["id"] in wanted:
                    perms |= int(role["permissions"])
        return perms

    def role_by_id(self, role_id: int) -> Json | None:
        """Return a role payload by id, if any."""
        return next((r for r in self.roles if int(r["id"]) == role_id), None)
