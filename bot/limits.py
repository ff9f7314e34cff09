"""A round's limits and defaults, in one place.

The slash options (``/trivia start``, ``/trivia-settings``, ``/answer``), the terminal player's flags, the checks
on what is stored, the answer form's ``max_length`` and every help text that states a range derive from these.
Pure Python: no Discord import.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.storage.base import DEFAULT_QUESTIONS, DEFAULT_SECONDS, MAX_ANSWER_TEXT

__all__ = [
    "ANSWER_MAX_LENGTH",
    "DISPUTE_REASON_MAX_LENGTH",
    "PACKS_PER_SERVER",
    "QUESTIONS",
    "SECONDS",
    "TERMINAL_QUESTIONS",
    "Bounds",
]


@dataclass(frozen=True)
class Bounds:
    """An inclusive range of whole numbers with the default used when none is given."""

    low: int
    high: int
    default: int

    def __post_init__(self) -> None:
        if not self.low <= self.default <= self.high:
            raise ValueError(f"default {self.default} is outside {self.low}-{self.high}")

    def __contains__(self, value: object) -> bool:
        return isinstance(value, int) and not isinstance(value, bool) and self.low <= value <= self.high

    @property
    def span(self) -> str:
        """Return the range as people write it: ``1-50``."""
        return f"{self.low}-{self.high}"

    def with_default(self, default: int) -> Bounds:
        """Return the same range with another default (the terminal player asks fewer questions)."""
        return Bounds(self.low, self.high, default)


QUESTIONS = Bounds(1, 50, default=DEFAULT_QUESTIONS)
"""Questions per round; the default is a server's until its moderators change it (``/trivia-settings``)."""

SECONDS = Bounds(5, 120, default=DEFAULT_SECONDS)
"""Seconds to answer each question; the default is a server's until its moderators change it."""

TERMINAL_QUESTIONS = QUESTIONS.with_default(5)
"""Questions of a terminal round (``python -m bot play``): a shorter game by default."""

ANSWER_MAX_LENGTH = MAX_ANSWER_TEXT
"""Characters of a typed answer (``/answer``, the answer form): what storage keeps of one."""

DISPUTE_REASON_MAX_LENGTH = 300
"""Characters of the reason given with ``/trivia dispute``."""

PACKS_PER_SERVER = 20
"""Fact packs a server may keep (``/trivia pack add``); each also shows as a category of its own."""
