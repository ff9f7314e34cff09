"""Points for trivia answers: pure functions, no I/O, no Discord.

The rule, in plain words (``SCORING_RULES`` holds the same text for the README and ``/trivia help``):

* A correct answer scores **100 points** (a set question scores 100 × the share of the set you named),
  plus a **speed bonus** of up to **50 points**, falling linearly from 50 when the question opens to 0 when
  time runs out (multiple choice and true/false are timed from your *last* change of choice),
  plus a **streak bonus** of **10 points** for each correct answer in a row you gave just before this one
  in the round, at most **50**.
* A wrong or missing answer scores 0 and resets your streak.
* Numeric questions: an answer within the question's tolerance is correct. If nobody is within it, the
  closest answer(s) score **50 points** (half the base points) with no bonus; that is not a correct answer,
  so the streak still resets.

Points are whole numbers: each part is rounded half up.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import TypeVar

from questions.text.durations import read_quantity

BASE_POINTS = 100
MAX_SPEED_BONUS = 50
STREAK_BONUS_PER_ANSWER = 10
MAX_STREAK_BONUS = 50
CLOSEST_POINTS = BASE_POINTS // 2

SCORING_RULES = (
    f"A correct answer scores {BASE_POINTS} points (set questions: {BASE_POINTS} × the share of the set you "
    f"named), plus a speed bonus of up to {MAX_SPEED_BONUS} points that falls linearly from {MAX_SPEED_BONUS} "
    "when the question opens to 0 when time runs out (multiple choice and true/false are timed from your last "
    f"change of choice), plus a streak bonus of {STREAK_BONUS_PER_ANSWER} points for each correct answer in a "
    f"row you gave just before this one, at most {MAX_STREAK_BONUS}. A wrong or missing answer scores 0 and "
    "resets your streak. Numeric questions: an answer within the tolerance is correct; if nobody is within it, "
    f"the closest answer(s) score {CLOSEST_POINTS} points with no bonus, and the streak still resets."
)

Key = TypeVar("Key", bound=Hashable)


@dataclass(frozen=True)
class AnswerScore:
    """The points one answer earned, split into its parts."""

    base: int = 0
    speed_bonus: int = 0
    streak_bonus: int = 0

    @property
    def total(self) -> int:
        """Return the sum of the parts."""
        return self.base + self.speed_bonus + self.streak_bonus


NO_POINTS = AnswerScore()


def _round_half_up(value: float) -> int:
    return math.floor(value + 0.5)


def speed_bonus(elapsed: float, time_limit: float) -> int:
    """Return the speed bonus for an answer made ``elapsed`` seconds into a ``time_limit``-second question."""
    if time_limit <= 0:
        raise ValueError(f"time_limit must be positive, got {time_limit}")
    fraction_left = min(1.0, max(0.0, (time_limit - elapsed) / time_limit))
    return _round_half_up(MAX_SPEED_BONUS * fraction_left)


def streak_bonus(streak_before: int) -> int:
    """Return the streak bonus for ``streak_before`` consecutive correct answers just before this one."""
    return min(MAX_STREAK_BONUS, STREAK_BONUS_PER_ANSWER * max(0, streak_before))


def score_answer(
    *,
    correct: bool,
    credit: float,
    elapsed: float,
    time_limit: float,
    streak_before: int,
    closest: bool = False,
) -> AnswerScore:
    """Score one player's answer to one question (see the module docstring for the rule)."""
    if correct:
        return AnswerScore(
            base=_round_half_up(BASE_POINTS * min(1.0, max(0.0, credit))),
            speed_bonus=speed_bonus(elapsed, time_limit),
            streak_bonus=streak_bonus(streak_before),
        )
    if closest:
        return AnswerScore(base=CLOSEST_POINTS)
    return NO_POINTS


def closest_guesses(guesses: Mapping[Key, float], target: float) -> frozenset[Key]:
    """Return the keys whose guess is nearest to ``target`` (all of them on a tie; empty if no guesses)."""
    if not guesses:
        return frozenset()
    distances = {key: abs(value - target) for key, value in guesses.items()}
    best = min(distances.values())
    return frozenset(key for key, distance in distances.items() if math.isclose(distance, best, abs_tol=1e-9))


def parse_number(text: str, unit: str | None = None) -> float | None:
    """Read the first number of a typed guess in the question's unit ('2 weeks' is 14 for a question in days).

    The same reader as the answer matcher's (:func:`questions.text.durations.read_quantity`): digits
    ('1,200', '3.5'), words ('forty-two'), units converted; None when there is no number.
    """
    return read_quantity(text, unit)
