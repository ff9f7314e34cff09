"""One place that turns errors into replies: domain errors become user text, the rest is logged.

It also holds the command tree, whose global check refuses slash-command options that Discord should have
refused (a modified client can send any value, and discord.py checks neither ranges nor choices).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import discord
from discord import AppCommandOptionType, app_commands

from bot.acks import InteractionExpired
from bot.engine import ROUND_ALREADY_RUNNING, RoundError
from bot.storage import (
    DisputeAlreadyDecided,
    DisputeExists,
    QuestionNotOpen,
    StorageError,
    StorageUnavailable,
)
from bot.storage import RoundAlreadyRunning as StoredRoundRunning
from bot.wording import plural

log = logging.getLogger(__name__)

GENERIC = "Something went wrong on our side. It has been logged; please try again."
DISCORD_TROUBLE = "Discord didn't accept our reply just now. Please try again in a moment."
OUTDATED = "This command has changed since Discord loaded it: reload Discord (Ctrl+R) and try again."
RELOAD = "reload Discord (Ctrl+R) and try again"

_SNOWFLAKE_TYPES = frozenset(
    {
        AppCommandOptionType.user,
        AppCommandOptionType.channel,
        AppCommandOptionType.role,
        AppCommandOptionType.mentionable,
        AppCommandOptionType.attachment,
    }
)
_WHAT = {
    AppCommandOptionType.string: "text",
    AppCommandOptionType.integer: "a whole number",
    AppCommandOptionType.number: "a number",
    AppCommandOptionType.boolean: "true or false",
    AppCommandOptionType.user: "a member",
    AppCommandOptionType.channel: "a channel",
    AppCommandOptionType.role: "a role",
    AppCommandOptionType.mentionable: "a member or a role",
    AppCommandOptionType.attachment: "a file",
}


class UserFacingError(Exception):
    """A refusal whose message is shown to the user as is (always ephemerally)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidOption(app_commands.AppCommandError):
    """A slash-command option outside what the command declares; ``message`` is shown to the user."""

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
        case UserFacingError() | RoundError() | InvalidOption():
            return error.message
        case StoredRoundRunning():
            return ROUND_ALREADY_RUNNING
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
            return f"Slow down: try again in {plural(max(1, round(error.retry_after)), 'second')}."
        case app_commands.TransformerError():
            return "That value isn't valid for this option. Pick one of the suggestions."
        case app_commands.CheckFailure():
            return "You can't use this command here."
        case app_commands.CommandNotFound():
            return f"That command doesn't exist any more: {RELOAD}."
        case app_commands.CommandSignatureMismatch():
            return OUTDATED
        case discord.HTTPException() if error.status != 400:
            # Discord failing (5xx after discord.py's retries), rate limits, an expired interaction: not our bug.
            log.warning("Discord answered %s to a call: %s", error.status, error.text or error)
            return DISCORD_TROUBLE
        case StorageError():
            log.error("Storage error: %s", error)
            return "The scoreboard could not be updated. Please try again."
    return None


async def send_error(interaction: discord.Interaction[Any], error: BaseException) -> None:
    """Reply ephemerally with the error's message (or a generic one, after logging the traceback)."""
    if isinstance(error, app_commands.CommandInvokeError):
        error = error.original
    if isinstance(error, InteractionExpired):
        # Nothing can reach the player any more, and nothing was done: Discord told them it failed.
        log.info("Not acting on interaction %s: %s", interaction.id, error)
        return
    text = message_for(error)
    if text is None:
        try:
            command: object = interaction.command.qualified_name if interaction.command else interaction.data
        except Exception:  # malformed interaction data: name it by its raw data
            command = interaction.data
        log.error("Unhandled error in interaction %s (%s)", interaction.id, command, exc_info=error)
        text = GENERIC
    await reply_privately(interaction, text)


async def reply_privately(interaction: discord.Interaction[Any], text: str) -> None:
    """Send ``text`` as an ephemeral reply (or followup); a failure to deliver it is logged, never raised."""
    try:
        if interaction.response.is_done():
            await interaction.followup.send(text, ephemeral=True)
        else:
            await interaction.response.send_message(text, ephemeral=True)
    except discord.HTTPException as http_error:
        log.warning("Could not reply to interaction %s: %s", interaction.id, http_error)


# --------------------------------------------------------------------------- slash-command options


def _range_text(low: float | None, high: float | None, unit: str = "") -> str:
    if low is not None and high is not None:
        return f"from {low:g} to {high:g}{unit}"
    return f"at least {low:g}{unit}" if low is not None else f"at most {high:g}{unit}"


@dataclass(frozen=True)
class _OptionSpec:
    """What `_option_problem` checks of one declared parameter, read once per command (was per interaction)."""

    name: str
    kind: AppCommandOptionType
    low: float | None
    high: float | None
    required: bool
    choices: frozenset[Any]
    choice_names: str
    wrong_type: str


@lru_cache(maxsize=256)
def _option_specs(command: app_commands.Command[Any, ..., Any]) -> dict[str, _OptionSpec]:
    """The command's parameters by display name. A command's parameters are fixed once it is defined; measured:
    building them (and their messages) on every ``/answer`` was a visible part of its CPU."""
    return {
        param.display_name: _OptionSpec(
            name=param.display_name,
            kind=param.type,
            low=param.min_value,
            high=param.max_value,
            required=param.required,
            choices=frozenset(choice.value for choice in param.choices),
            choice_names=", ".join(choice.name for choice in param.choices),
            wrong_type=f"`{param.display_name}` must be {_WHAT.get(param.type, 'something else')}: {RELOAD}.",
        )
        for param in command.parameters
    }


def _option_problem(param: _OptionSpec, option: Mapping[str, Any]) -> str | None:
    """Return why one received option doesn't fit its declared parameter, or None if it does."""
    name, kind, value = param.name, param.kind, option.get("value")
    wrong_type = param.wrong_type
    low, high = param.low, param.high
    if option.get("type") != kind.value:
        return wrong_type
    if kind is AppCommandOptionType.string:
        if not isinstance(value, str):
            return wrong_type
        if (high is not None and len(value) > high) or (low is not None and len(value) < low):
            return f"`{name}` must be {_range_text(low, high, ' characters')} long (it was {len(value)})."
    elif kind in (AppCommandOptionType.integer, AppCommandOptionType.number):
        whole = kind is AppCommandOptionType.integer
        if isinstance(value, bool) or not isinstance(value, int if whole else int | float):
            return wrong_type
        if not whole and not math.isfinite(value):
            return wrong_type
        if (low is not None and value < low) or (high is not None and value > high):
            return f"`{name}` must be {_range_text(low, high)}."
    elif kind is AppCommandOptionType.boolean:
        if not isinstance(value, bool):
            return wrong_type
    elif kind in _SNOWFLAKE_TYPES:
        text = str(value) if isinstance(value, str | int) and not isinstance(value, bool) else ""
        if not (text.isascii() and text.isdigit() and len(text) <= 20):
            return wrong_type
    if param.choices and value not in param.choices:
        return f"`{name}` must be one of: {param.choice_names}."
    return None


def check_options(command: app_commands.Command[Any, ..., Any], options: Sequence[Any]) -> None:
    """Raise `InvalidOption` unless the options fit the command's declared names, types, ranges and choices."""
    if not isinstance(options, list):
        raise InvalidOption(OUTDATED)
    params = _option_specs(command)
    given: set[str] = set()
    for option in options:
        name = option.get("name") if isinstance(option, Mapping) else None
        param = params.get(name) if isinstance(name, str) else None
        if param is None or name in given:
            raise InvalidOption(OUTDATED)
        given.add(param.name)
        if (problem := _option_problem(param, option)) is not None:
            raise InvalidOption(problem)
    missing = [param.name for param in params.values() if param.required and param.name not in given]
    if missing:
        raise InvalidOption(f"`{missing[0]}` is required: {RELOAD}.")


class TriviaCommandTree(app_commands.CommandTree[Any]):
    """The command tree whose ``on_error`` is the single place where command errors become replies."""

    async def interaction_check(self, interaction: discord.Interaction[Any], /) -> bool:
        """Refuse (with a reply) slash commands whose options the command doesn't declare, or used outside a server.

        The refusal is sent from here rather than raised: with malformed options, even discord.py's own error
        dispatch would fail on them.
        """
        refusal = self._refusal(interaction)
        if refusal is None:
            return True
        interaction.command_failed = True
        await send_error(interaction, refusal)
        return False

    def _refusal(self, interaction: discord.Interaction[Any]) -> app_commands.AppCommandError | None:
        data: Any = interaction.data
        if interaction.type is not discord.InteractionType.application_command or not isinstance(data, dict):
            return None  # autocomplete sees partial input
        if data.get("type", 1) != 1:
            return None  # context menus carry no options
        try:
            command, options = self._get_app_command_options(data)  # type: ignore[arg-type]
        except app_commands.CommandNotFound as error:
            return error
        except (app_commands.AppCommandError, KeyError, TypeError, AttributeError):
            return InvalidOption(OUTDATED)
        try:
            check_options(command, options)
        except InvalidOption as error:
            return error
        root = command.root_parent or command
        if interaction.guild_id is None and (command.guild_only or root.guild_only):
            return app_commands.NoPrivateMessage()
        return None

    async def on_error(self, interaction: discord.Interaction[Any], error: app_commands.AppCommandError) -> None:
        """Reply to the user; log what isn't a known refusal."""
        await send_error(interaction, error)
