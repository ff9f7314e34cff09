"""How every backend keeps players' totals: the all-guilds scope and the delta one write adds."""

from __future__ import annotations

from dataclasses import dataclass

GLOBAL_SCOPE = 0
"""guild_id of the totals rows that sum a player's results over every guild (Discord ids are never 0)."""


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
