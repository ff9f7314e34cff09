"""One source for a round's limits and the options' choices: every place that states them derives from it."""

from __future__ import annotations

import pytest
from discord import app_commands

from bot.choices import LeaderboardPeriod, LeaderboardScope, PrivacyAction, RoundKind
from bot.cogs.scores import ScoresCog
from bot.cogs.settings import SettingsCog
from bot.cogs.trivia import TriviaCog
from bot.limits import ANSWER_MAX_LENGTH, DISPUTE_REASON_MAX_LENGTH, QUESTIONS, SECONDS, TERMINAL_QUESTIONS, Bounds
from bot.render import help_embed
from bot.views import AnswerModal
from questions.generate import ROUND_KINDS


def _params(command: object) -> dict[str, app_commands.Parameter]:
    assert isinstance(command, app_commands.Command)
    return {param.name: param for param in command.parameters}


def test_bounds_hold_whole_numbers_in_range_and_a_default_inside() -> None:
    assert (QUESTIONS.low, QUESTIONS.high, QUESTIONS.span) == (1, 50, "1-50")
    assert (SECONDS.low, SECONDS.high, SECONDS.span) == (5, 120, "5-120")
    assert 1 in QUESTIONS and 50 in QUESTIONS and 0 not in QUESTIONS and 51 not in QUESTIONS
    assert True not in QUESTIONS and 2.0 not in QUESTIONS and "3" not in QUESTIONS
    assert TERMINAL_QUESTIONS.default == 5 and (TERMINAL_QUESTIONS.low, TERMINAL_QUESTIONS.high) == (1, 50)
    with pytest.raises(ValueError, match="outside"):
        Bounds(1, 10, default=11)


def test_the_slash_options_and_the_answer_form_derive_from_the_limits() -> None:
    start = _params(TriviaCog.start)
    assert (start["questions"].min_value, start["questions"].max_value) == (QUESTIONS.low, QUESTIONS.high)
    assert (start["seconds"].min_value, start["seconds"].max_value) == (SECONDS.low, SECONDS.high)
    assert QUESTIONS.span in start["questions"].description and str(QUESTIONS.default) in start["questions"].description
    assert SECONDS.span in start["seconds"].description and str(SECONDS.default) in start["seconds"].description
    settings = _params(SettingsCog.trivia_settings)
    assert (settings["questions"].min_value, settings["questions"].max_value) == (QUESTIONS.low, QUESTIONS.high)
    assert (settings["seconds"].min_value, settings["seconds"].max_value) == (SECONDS.low, SECONDS.high)
    assert _params(TriviaCog.answer)["text"].max_value == ANSWER_MAX_LENGTH
    assert _params(TriviaCog.dispute)["reason"].max_value == DISPUTE_REASON_MAX_LENGTH
    assert AnswerModal(1, 0, "Who?", 2).answer.max_length == ANSWER_MAX_LENGTH


def test_the_help_text_states_the_limits() -> None:
    description = help_embed({"crew": ("Crew", 3)}, 3).description or ""
    assert f"{QUESTIONS.span} questions, {SECONDS.span} seconds each" in description


def test_choices_come_from_the_enums_with_their_labels() -> None:
    assert [str(kind) for kind in RoundKind] == list(ROUND_KINDS)  # the bank's round kinds, in the same order
    shown: dict[
        str, tuple[app_commands.Parameter, type[RoundKind | PrivacyAction | LeaderboardScope | LeaderboardPeriod]]
    ]
    shown = {
        "kind": (_params(TriviaCog.start)["kind"], RoundKind),
        "action": (_params(TriviaCog.privacy)["action"], PrivacyAction),
        "scope": (_params(ScoresCog.leaderboard)["scope"], LeaderboardScope),
        "period": (_params(ScoresCog.leaderboard)["period"], LeaderboardPeriod),
    }
    for name, (param, enum) in shown.items():
        assert [(choice.name, choice.value) for choice in param.choices] == [(m.label, m.value) for m in enum], name
        assert param.default == next(iter(enum)), name
    assert [choice.name for choice in _params(TriviaCog.start)["kind"].choices] == [
        "Mixed",
        "Multiple choice",
        "True or false",
        "Typed answers",
    ]
