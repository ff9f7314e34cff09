"""How every backend keeps players' totals: the all-guilds scope and the delta one write adds."""

from __future__ import annotations

from dataclasses import dataclass

GLOBAL_SCOPE = 0
"""guild_id of the totals rows that sum a player's results over every guild (Discord ids are never 0)."""

TERMINAL_GUILD_ID = -1
"""guild_id of rounds played in the terminal (``python -m bot play``). Discord ids are never negative, and
the totals of such a local scope are kept apart: never added to the all-guilds scope (migration 003)."""


def totals_scopes(guild_id: int) -> tuple[int, ...]:
    """Return the totals scopes a result in this guild counts in: the guild and, for Discord guilds, all guilds."""
    return (guild_id, GLOBAL_SCOPE) if guild_id > 0 else (guild_id,)


@dataclass(frozen=True, slots=True)
class TotalsDelta:
    """What one write adds to a player's totals (in a guild, and in the all-guilds scope)."""

    user_id: int
    points: int = 0
    answers: int = 0
    correct: int = 0
    best_streak: int = 0
    rounds_played: int = 0
    rounds_won: int = 0
