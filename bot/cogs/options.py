"""Slash-option types shared by the cogs."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

import discord
from discord import app_commands

__all__ = ["ChoiceOf"]


class ChoiceOf(app_commands.Transformer):
    """A string option whose choices are an enum's members, shown by their labels; the command gets the member.

    discord.py turns a plain enum into choices too, but shows the members' Python names ("MULTIPLE_CHOICE").
    """

    def __init__(self, enum: type[StrEnum]) -> None:
        super().__init__()
        self._enum = enum

    @property
    def type(self) -> discord.AppCommandOptionType:
        """Return the option type: a string."""
        return discord.AppCommandOptionType.string

    @property
    def choices(self) -> list[app_commands.Choice[int | float | str]]:
        """Return one choice per member, named by its label."""
        members: list[Any] = list(self._enum)
        return [app_commands.Choice(name=str(member.label), value=str(member.value)) for member in members]

    async def transform(self, interaction: discord.Interaction[Any], value: Any, /) -> StrEnum:
        """Return the member of the chosen value."""
        return self._enum(value)
