"""The fixed choices of slash options, as enums: the value Discord sends, and the label it shows.

Pure Python (no Discord import): the cogs turn them into Discord choices (``bot.cogs.options.ChoiceOf``), and
the terminal player reads the same values.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["LeaderboardPeriod", "LeaderboardScope", "PrivacyAction", "RoundKind"]


class RoundKind(StrEnum):
    """Which questions a round asks (the keys of ``questions.generate.ROUND_KINDS``)."""

    MIXED = "mixed"
    MULTIPLE_CHOICE = "multiple_choice"
    TRUE_FALSE = "true_false"
    TYPED = "typed"

    @property
    def label(self) -> str:
        """Return how Discord shows the choice."""
        return _LABELS[self]


class PrivacyAction(StrEnum):
    """What ``/trivia privacy`` does."""

    SHOW = "show"
    DELETE = "delete"

    @property
    def label(self) -> str:
        """Return how Discord shows the choice."""
        return _LABELS[self]


class LeaderboardScope(StrEnum):
    """Whose scores a leaderboard ranks."""

    SERVER = "server"
    GLOBAL = "global"

    @property
    def label(self) -> str:
        """Return how Discord shows the choice."""
        return _LABELS[self]


class LeaderboardPeriod(StrEnum):
    """Which answers a leaderboard counts."""

    ALL = "all"
    WEEK = "week"

    @property
    def label(self) -> str:
        """Return how Discord shows the choice."""
        return _LABELS[self]


_LABELS: dict[StrEnum, str] = {
    RoundKind.MIXED: "Mixed",
    RoundKind.MULTIPLE_CHOICE: "Multiple choice",
    RoundKind.TRUE_FALSE: "True or false",
    RoundKind.TYPED: "Typed answers",
    PrivacyAction.SHOW: "Show my data",
    PrivacyAction.DELETE: "Delete my data",
    LeaderboardScope.SERVER: "This server",
    LeaderboardScope.GLOBAL: "Global",
    LeaderboardPeriod.ALL: "All time",
    LeaderboardPeriod.WEEK: "This week",
}
