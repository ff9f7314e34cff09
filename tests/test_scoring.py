"""The scoring rule, table by table."""

from __future__ import annotations

import pytest

from bot import scoring
from bot.scoring import AnswerScore, closest_guesses, parse_number, score_answer, speed_bonus, streak_bonus


@pytest.mark.parametrize(
    ("correct", "credit", "elapsed", "streak_before", "closest", "expected"),
    [
        # speed bonus: linear in the share of the 10 seconds left, rounded half up
        (True, 1.0, 0.0, 0, False, AnswerScore(100, 50, 0)),
        (True, 1.0, 2.5, 0, False, AnswerScore(100, 38, 0)),
        (True, 1.0, 5.0, 0, False, AnswerScore(100, 25, 0)),
        (True, 1.0, 9.99, 0, False, AnswerScore(100, 0, 0)),
        (True, 1.0, 10.0, 0, False, AnswerScore(100, 0, 0)),
        (True, 1.0, 12.0, 0, False, AnswerScore(100, 0, 0)),  # stored just after the deadline
        # streak bonus: 10 per correct answer in a row before this one, at most 50
        (True, 1.0, 5.0, 1, False, AnswerScore(100, 25, 10)),
        (True, 1.0, 5.0, 4, False, AnswerScore(100, 25, 40)),
        (True, 1.0, 5.0, 5, False, AnswerScore(100, 25, 50)),
        (True, 1.0, 5.0, 12, False, AnswerScore(100, 25, 50)),
        # partial credit scales the base points only
        (True, 2 / 3, 3.0, 0, False, AnswerScore(67, 35, 0)),
        (True, 1 / 3, 3.0, 2, False, AnswerScore(33, 35, 20)),
        (True, 1.5, 0.0, 0, False, AnswerScore(100, 50, 0)),
        # wrong or missing: nothing, whatever the streak
        (False, 0.0, 1.0, 4, False, AnswerScore(0, 0, 0)),
        # numeric, nobody within tolerance: the closest get half the base points and no bonus
        (False, 0.0, 1.0, 4, True, AnswerScore(50, 0, 0)),
    ],
)
def test_score_answer(
    correct: bool, credit: float, elapsed: float, streak_before: int, closest: bool, expected: AnswerScore
) -> None:
    score = score_answer(
        correct=correct, credit=credit, elapsed=elapsed, time_limit=10, streak_before=streak_before, closest=closest
    )
    assert score == expected
    assert score.total == expected.base + expected.speed_bonus + expected.streak_bonus


def test_the_largest_possible_score_is_200() -> None:
    best = score_answer(correct=True, credit=1, elapsed=0, time_limit=20, streak_before=99)
    assert best.total == scoring.BASE_POINTS + scoring.MAX_SPEED_BONUS + scoring.MAX_STREAK_BONUS == 200


@pytest.mark.parametrize(("elapsed", "limit", "bonus"), [(0, 20, 50), (5, 20, 38), (10, 20, 25), (-1, 20, 50)])
def test_speed_bonus(elapsed: float, limit: float, bonus: int) -> None:
    assert speed_bonus(elapsed, limit) == bonus


def test_speed_bonus_needs_a_time_limit() -> None:
    with pytest.raises(ValueError, match="time_limit must be positive"):
        speed_bonus(1, 0)


@pytest.mark.parametrize(("streak", "bonus"), [(-1, 0), (0, 0), (1, 10), (5, 50), (6, 50)])
def test_streak_bonus(streak: int, bonus: int) -> None:
    assert streak_bonus(streak) == bonus


@pytest.mark.parametrize(
    ("guesses", "target", "closest"),
    [
        ({"ann": 11, "bob": 13, "cyd": 9}, 12, {"ann", "bob"}),
        ({"ann": 11, "bob": 20}, 12, {"ann"}),
        ({"ann": 12.1, "bob": 11.9}, 12, {"ann", "bob"}),  # a tie despite float rounding
        ({"ann": -3}, 12, {"ann"}),
        ({}, 12, set()),
    ],
)
def test_closest_guesses(guesses: dict[str, float], target: float, closest: set[str]) -> None:
    assert closest_guesses(guesses, target) == closest


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("12", 12),
        ("about 1,200 days", 1200),
        ("3.5 hours", 3.5),
        (".5", 0.5),
        ("-4", -4),
        ("2 million", 2_000_000),
        ("twelve", 12),
        ("Forty-two", 42),
        ("one hundred and five", 105),
        ("a hundred", 100),
        ("two thousand twenty one", 2021),
        ("I think eleven days", 11),
        ("no idea", None),
        ("", None),
    ],
)
def test_parse_number(text: str, number: float | None) -> None:
    assert parse_number(text) == number


@pytest.mark.parametrize(
    ("text", "unit", "number"),
    [
        ("2 weeks", "days", 14),  # the matcher's unit-aware reader: units convert to the question's unit
        ("20 days", "days", 20),
        ("a fortnight", "days", 14),
        ("288 hours", "days", 12),
        ("twelve", "days", 12),
        ("1 year 6 months", "months", 18),
        ("half a year", "months", 6),
        ("37 years old", "years old", 37),
        ("3 people", None, 3),
    ],
)
def test_parse_number_reads_units(text: str, unit: str | None, number: float) -> None:
    assert parse_number(text, unit) == pytest.approx(number)


def test_parse_number_converts_months_and_days_approximately() -> None:
    assert parse_number("180 days", "months") == pytest.approx(5.91, abs=0.01)
    assert parse_number("half a month", "days") == pytest.approx(15.22, abs=0.01)


def test_scoring_rules_state_every_number_of_the_rule() -> None:
    rules = scoring.SCORING_RULES
    for phrase in ("100 points", "up to 50 points", "10 points for each", "at most 50", "score 50 points"):
        assert phrase in rules
    assert scoring.__doc__ is not None
    assert "closest answer(s) score **50 points**" in scoring.__doc__
