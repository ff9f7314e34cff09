"""``/leaderboard`` and ``/stats``: read the maintained totals and render them."""

from __future__ import annotations

import datetime as dt
import math
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.choices import LeaderboardPeriod, LeaderboardScope
from bot.cogs.options import ChoiceOf
from bot.discord_round import member_name
from bot.errors import UserFacingError
from bot.render import leaderboard_embed, stats_embed
from bot.storage import week_start_of
from bot.views import leaderboard_view

if TYPE_CHECKING:
    from bot.app import TriviaBot

PAGE_SIZE = 10


class ScoresCog(commands.Cog, name="scores"):
    """Leaderboards and player stats."""

    def __init__(self, bot: TriviaBot) -> None:
        self.bot = bot

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
        embed = leaderboard_embed(rows, title=f"🏆 Leaderboard · {where} · {when}", page=page, pages=pages, total=total)
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
        embed, view = await self._page(interaction.guild_id, scope.value[0], period.value[0], 0)
        if view is None:
            await interaction.response.send_message(embed=embed)
        else:
            await interaction.response.send_message(embed=embed, view=view)

    async def turn_page(self, interaction: discord.Interaction[Any], scope: str, period: str, page: int) -> None:
        """Show another page in the same message."""
        embed, view = await self._page(interaction.guild_id, scope, period, page)
        await interaction.response.edit_message(embed=embed, view=view)

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
