"""``/leaderboard`` and ``/stats``: read the maintained totals and render them."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import math
from collections import OrderedDict
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.acks import acknowledged, reply, update
from bot.choices import LeaderboardPeriod, LeaderboardScope
from bot.cogs.options import ChoiceOf
from bot.discord_round import member_name
from bot.errors import UserFacingError
from bot.render import leaderboard_embed, stats_embed
from bot.storage import week_start_of
from bot.views import leaderboard_view

if TYPE_CHECKING:
    from bot.app import TriviaBot

log = logging.getLogger(__name__)

PAGE_SIZE = 10
NAME_LOOKUP_SECONDS = 1.5
"""Longest wait for the names of a global leaderboard page (Discord allows 3 s for the whole reply)."""
NAME_CACHE_SIZE = 5000


class ScoresCog(commands.Cog, name="scores"):
    """Leaderboards and player stats."""

    def __init__(self, bot: TriviaBot) -> None:
        self.bot = bot
        # Names of players seen on global leaderboards (never stored: only kept in memory, most recent last).
        self._names: OrderedDict[int, str] = OrderedDict()

    async def _names_of(self, user_ids: Sequence[int]) -> dict[int, str]:
        """Return a readable name for each player: a mention of someone from another server shows as a number."""
        missing = [user_id for user_id in user_ids if user_id not in self._names]
        if missing:
            await asyncio.wait(
                [asyncio.ensure_future(self._look_up(user_id)) for user_id in missing], timeout=NAME_LOOKUP_SECONDS
            )
        names = {}
        for user_id in user_ids:
            name = self._names.get(user_id)
            if name is not None:
                self._names.move_to_end(user_id)
            names[user_id] = name or f"player …{str(user_id)[-4:]}"
        return names

    async def _look_up(self, user_id: int) -> None:
        user = self.bot.get_user(user_id)
        if user is None:
            try:
                user = await self.bot.fetch_user(user_id)
            except discord.NotFound:
                self._remember(user_id, "deleted user")
                return
            except discord.HTTPException as error:
                log.info("Could not look up the name of player %s: %s", user_id, error)
                return
        self._remember(user_id, user.global_name or user.name)

    def _remember(self, user_id: int, name: str) -> None:
        self._names[user_id] = name
        while len(self._names) > NAME_CACHE_SIZE:
            self._names.popitem(last=False)

    async def _page(
        self, guild_id: int | None, scope: str, period: str, page: int
    ) -> tuple[discord.Embed, discord.ui.View | None]:
        week = week_start_of(dt.datetime.now(dt.UTC)) if period == "w" else None
        target_guild = guild_id if scope == "s" else None
        total = await self.bot.storage.leaderboard_size(guild_id=target_guild, week_start=week)
        pages = max(1, math.ceil(total / PAGE_SIZE))
        page = min(max(page, 0), pages - 1)
        rows = await self.bot.storage.leaderboard(
            guild_id=target_guild, week_start=week, limit=PAGE_SIZE, offset=page * PAGE_SIZE
        )
        where = "This server" if scope == "s" else "Every server"
        when = f"week of {week:%d %b %Y}" if week else "all time"
        # Mentions render as names only for people the viewer's client knows: fine here, not across servers.
        names = await self._names_of([row.user_id for row in rows]) if scope == "g" else None
        embed = leaderboard_embed(
            rows, title=f"🏆 Leaderboard · {where} · {when}", page=page, pages=pages, total=total, names=names
        )
        return embed, leaderboard_view(scope, period, page, pages)

    @app_commands.command(name="leaderboard", description="Ranked trivia scores.")
    @app_commands.describe(scope="This server or every server", period="All time or this week (from Monday, UTC)")
    @app_commands.guild_only()
    async def leaderboard(
        self,
        interaction: discord.Interaction[Any],
        scope: app_commands.Transform[LeaderboardScope, ChoiceOf(LeaderboardScope)] = LeaderboardScope.SERVER,
        period: app_commands.Transform[LeaderboardPeriod, ChoiceOf(LeaderboardPeriod)] = LeaderboardPeriod.ALL,
    ) -> None:
        """Show the first page of a leaderboard, with buttons to turn pages."""
        # The page buttons carry the first letters ("s"/"g", "a"/"w") in their custom_id.
        embed, view = await acknowledged(
            interaction, lambda: self._page(interaction.guild_id, scope.value[0], period.value[0], 0), ephemeral=False
        )
        if view is None:
            await reply(interaction, None, ephemeral=False, embed=embed)
        else:
            await reply(interaction, None, ephemeral=False, embed=embed, view=view)

    async def turn_page(self, interaction: discord.Interaction[Any], scope: str, period: str, page: int) -> None:
        """Show another page in the same message."""
        embed, view = await acknowledged(
            interaction, lambda: self._page(interaction.guild_id, scope, period, page), updates_message=True
        )
        await update(interaction, embed=embed, view=view)

    @app_commands.command(name="stats", description="A player's trivia stats in this server.")
    @app_commands.describe(member="Whose stats (default: yours)")
    @app_commands.guild_only()
    async def stats(self, interaction: discord.Interaction[Any], member: discord.Member | None = None) -> None:
        """Show points, rounds played and won, answers, accuracy, best streak and rank."""
        assert interaction.guild_id is not None
        target: discord.abc.User = member or interaction.user
        if target.bot:
            raise UserFacingError("Bots don't play trivia.")
        stats = await self.bot.storage.player_stats(interaction.guild_id, target.id)
        guild_name = interaction.guild.name if interaction.guild else "this server"
        await interaction.response.send_message(
            embed=stats_embed(member_name(target), target.id, stats, scope=guild_name), ephemeral=True
        )
