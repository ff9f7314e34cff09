"""REST: guilds, their channels, roles and members."""

# The wait helpers take a plain timeout argument on purpose: tests call fake.wait_for(pred, timeout=2).

from __future__ import annotations

from fake_discord.core import (
    SNOWFLAKE,
    Call,
    FakeCore,
    Reply,
    RouteSpec,
    error_reply,
)
from fake_discord.payloads import (
    FakeGuild,
)


class GuildRoutes(FakeCore):
    """Read-only guild lookups."""

    def guild_routes(self) -> list[RouteSpec]:
        """Routes of guilds, their channels, roles and members."""
        return [
            ("GET", rf"/guilds/(?P<guild_id>{SNOWFLAKE})", self._get_guild, True),
            ("GET", rf"/guilds/(?P<guild_id>{SNOWFLAKE})/channels", self._get_guild_channels, True),
            ("GET", rf"/guilds/(?P<guild_id>{SNOWFLAKE})/roles", self._get_guild_roles, True),
            ("GET", rf"/guilds/(?P<guild_id>{SNOWFLAKE})/members/(?P<user_id>{SNOWFLAKE})", self._get_member, True),
        ]

    # ------------------------------------------------------------------ REST: guilds

    def _known_guild(self, call: Call) -> FakeGuild | Reply:
        guild = self.guilds.get(int(call.params["guild_id"]))
        return guild if guild is not None else error_reply(404, 10004, "Unknown Guild")

    async def _get_guild(self, call: Call) -> Reply:
        guild = self._known_guild(call)
        if isinstance(guild, tuple):
            return guild
        members = len(guild.members)
        return 200, {**guild.base_payload(), "approximate_member_count": members, "approximate_presence_count": 0}

    async def _get_guild_channels(self, call: Call) -> Reply:
        guild = self._known_guild(call)
        return guild if isinstance(guild, tuple) else (200, list(guild.channel_payloads.values()))

    async def _get_guild_roles(self, call: Call) -> Reply:
        guild = self._known_guild(call)
        return guild if isinstance(guild, tuple) else (200, guild.roles)

    async def _get_member(self, call: Call) -> Reply:
        guild = self._known_guild(call)
        if isinstance(guild, tuple):
            return guild
        member = guild.members.get(int(call.params["user_id"]))
        return (200, member) if member is not None else error_reply(404, 10007, "Unknown Member")
