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
import re
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import TypeVar

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


_DIGITS = re.compile(r"[-+]?(?:\d{1,3}(?:[,_]\d{3})+|\d+)(?:\.\d+)?|[-+]?\.\d+")
_WORD = re.compile(r"[a-z]+")
_UNIT_WORDS = (
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen",
)  # fmt: skip
_TENS_WORDS = ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
_UNITS = {word: value for value, word in enumerate(_UNIT_WORDS)}
_TENS = {word: 10 * (index + 2) for index, word in enumerate(_TENS_WORDS)}
_SCALES = {"thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}
_FILLERS = {"and", "a"}


def parse_number(text: str) -> float | None:
    """Read the first number in a typed guess: digits ('1,200', '3.5', '12 days') or words ('forty-two')."""
    lowered = text.lower()
    digits = _DIGITS.search(lowered)
    if digits:
        value = float(digits.group().replace(",", "").replace("_", ""))
        following = _WORD.match(lowered[digits.end() :].lstrip())
        if following and following.group() in _SCALES:
            value *= _SCALES[following.group()]
        return value
    return _parse_number_words(_WORD.findall(lowered.replace("-", " ")))


def _parse_number_words(words: list[str]) -> float | None:
    total = 0
    current = 0
    started = False
    for word in words:
        if word in _UNITS:
            current += _UNITS[word]
        elif word in _TENS:
            current += _TENS[word]
        elif word == "hundred":
            current = max(current, 1) * 100
        elif word in _SCALES:
            total += max(current, 1) * _SCALES[word]
            current = 0
        elif word in _FILLERS or not started:
            continue
        else:
            break
        started = True
    return float(total + current) if started else None
