"""One place that turns errors into replies: domain errors become user text, the rest is logged."""

from __future__ import annotations

import logging
from typing import Any

import discord
from discord import app_commands

from bot.engine import RoundError
from bot.storage import (
    DisputeAlreadyDecided,
    DisputeExists,
    QuestionNotOpen,
    StorageError,
    StorageUnavailable,
)
from bot.storage import RoundAlreadyRunning as StoredRoundRunning

log = logging.getLogger(__name__)

GENERIC = "Something went wrong on our side. It has been logged; please try again."


class UserFacingError(Exception):
    """A refusal whose message is shown to the user as is (always ephemerally)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def message_for(error: BaseException) -> str | None:
    """Return the sentence to show for a known error, or None for an unexpected one."""
    if isinstance(error, app_commands.CommandInvokeError | app_commands.TransformerError) and error.__cause__:
        error = error.__cause__
    if isinstance(error, app_commands.CommandInvokeError):
        error = error.original
    match error:
        case UserFacingError() | RoundError():
            return error.message
        case StoredRoundRunning():
            return "A round is already running in this channel: wait for it to end, or stop it first."
        case StorageUnavailable():
            return "The scoreboard is busy right now and nothing was saved. Please try again in a moment."
        case QuestionNotOpen():
            return "That question has just closed: your answer arrived too late."
        case DisputeExists():
            return "You have already disputed that answer: a moderator will decide."
        case DisputeAlreadyDecided():
            return "That dispute has already been decided."
        case app_commands.NoPrivateMessage():
            return "Trivia works in servers only: use this command in a server channel."
        case app_commands.MissingPermissions():
            return "You need the Manage Server permission to do that."
        case app_commands.CommandOnCooldown():
            return f"Slow down: try again in {error.retry_after:.0f} seconds."
        case app_commands.TransformerError():
            return "That value isn't valid for this option. Pick one of the suggestions."
        case app_commands.CheckFailure():
            return "You can't use this command here."
        case StorageError():
            log.error("Storage error: %s", error)
            return "The scoreboard could not be updated. Please try again."
    return None


async def send_error(interaction: discord.Interaction[Any], error: BaseException) -> None:
    """Reply ephemerally with the error's message (or a generic one, after logging the traceback)."""
    text = message_for(error)
    if text is None:
        command = interaction.command.qualified_name if interaction.command else interaction.data
        log.error("Unhandled error in interaction %s (%s)", interaction.id, command, exc_info=error)
        text = GENERIC
    try:
        if interaction.response.is_done():
            await interaction.followup.send(text, ephemeral=True)
        else:
            await interaction.response.send_message(text, ephemeral=True)
    except discord.HTTPException as http_error:
        log.warning("Could not send the error reply for interaction %s: %s", interaction.id, http_error)


class TriviaCommandTree(app_commands.CommandTree[Any]):
    """The command tree whose ``on_error`` is the single place where command errors become replies."""

    async def on_error(self, interaction: discord.Interaction[Any], error: app_commands.AppCommandError) -> None:
        """Reply to the user; log what isn't a known refusal."""
        await send_error(interaction, error)
