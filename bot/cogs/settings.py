"""``/trivia-settings``: a server's round defaults, for Manage Server."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.errors import UserFacingError
from bot.limits import QUESTIONS, SECONDS
from bot.wording import noun

if TYPE_CHECKING:
    from bot.app import TriviaBot


class SettingsCog(commands.Cog, name="settings"):
    """Per-server defaults for new rounds."""

    def __init__(self, bot: TriviaBot) -> None:
        self.bot = bot

    @app_commands.command(name="trivia-settings", description="Show or change this server's round defaults.")
    @app_commands.describe(
        questions=f"Default questions per round ({QUESTIONS.span})",
        seconds=f"Default seconds per question ({SECONDS.span})",
    )
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.guild_only()
    async def trivia_settings(
        self,
        interaction: discord.Interaction[Any],
        questions: app_commands.Range[int, QUESTIONS.low, QUESTIONS.high] | None = None,
        seconds: app_commands.Range[int, SECONDS.low, SECONDS.high] | None = None,
    ) -> None:
        """Change the defaults given; with no option, show them."""
        assert interaction.guild_id is not None
        # Server owners can override default_permissions, so check at run time too.
        if not interaction.permissions.manage_guild:
            raise UserFacingError("You need the Manage Server permission to change trivia settings.")
        storage = self.bot.storage
        if questions is None and seconds is None:
            current = await storage.get_guild_settings(interaction.guild_id)
            verb = "are"
        else:
            current = await storage.set_guild_settings(
                interaction.guild_id, default_questions=questions, default_seconds=seconds
            )
            verb = "are now"
        await interaction.response.send_message(
            f"Round defaults here {verb}: **{current.default_questions}** "
            f"{noun(current.default_questions, 'question')}, **{current.default_seconds}** "
            f"{noun(current.default_seconds, 'second')} each.",
            ephemeral=True,
        )
