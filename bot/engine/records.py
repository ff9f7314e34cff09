"""Value objects a round hands out: settings, acknowledgements, answer records, results and standings."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from bot.scoring import AnswerScore
from questions.models import Question


@dataclass(frozen=True)
class Player:
    """Someone answering: a Discord member, or whoever sits at the terminal."""

    id: int
    name: str


class EndReason(StrEnum):
    """Why a round ended."""

    FINISHED = "finished"
    STOPPED = "stopped"
    INACTIVE = "inactive"
    ERROR = "error"


@dataclass(frozen=True)
class RoundSettings:
    """How a round is played; validated on construction."""

    question_count: int
    seconds_per_question: float
    typed_attempts: int = 3
    pause_between: float = 3.0
    progress_interval: float = 2.5
    max_idle_questions: int = 2

    def __post_init__(self) -> None:
        problems = [
            f"{name} must be {rule}, got {value}"
            for name, value, rule, ok in (
                ("question_count", self.question_count, "at least 1", self.question_count >= 1),
                ("seconds_per_question", self.seconds_per_question, "positive", self.seconds_per_question > 0),
                ("typed_attempts", self.typed_attempts, "at least 1", self.typed_attempts >= 1),
                ("pause_between", self.pause_between, "zero or more", self.pause_between >= 0),
                ("progress_interval", self.progress_interval, "zero or more", self.progress_interval >= 0),
                ("max_idle_questions", self.max_idle_questions, "at least 1", self.max_idle_questions >= 1),
            )
            if not ok
        ]
        if problems:
            raise ValueError("; ".join(problems))


@dataclass(frozen=True)
class QuestionOpening:
    """What a listener needs to show a question: ``closes_at`` is the UTC deadline (for <t:unix:R>)."""

    question: Question
    position: int
    total: int
    time_limit: float
    closes_at: dt.datetime
    typed_attempts: int


@dataclass(frozen=True)
class AnswerRecord:
    """One accepted submission, handed to the recorder before it counts.

    ``attempt`` numbers a player's submissions to this question from 1 (for choices: each change).
    ``correct`` and ``credit`` are the judge's verdict for typed answers, and whether the option is the
    right one for choices (players are not told that until the reveal).
    """

    channel_id: int
    round_id: int | None
    position: int
    question: Question
    player: Player
    choice_index: int | None
    text: str | None
    correct: bool
    credit: float
    reason: str | None
    attempt: int
    elapsed: float
    answered_at: dt.datetime


@dataclass(frozen=True)
class ChoiceAck:
    """Confirmation of a stored choice; ``changed`` is False when the player re-picked their current option."""

    position: int
    choice_index: int
    previous_choice: int | None
    changed: bool


@dataclass(frozen=True)
class TextAck:
    """The verdict on a stored typed answer, to show the player privately.

    ``finished`` means this player can't answer this question again (right, or out of attempts).
    """

    position: int
    accepted: bool
    credit: float
    best_credit: float
    reason: str
    attempts_used: int
    attempts_left: int
    finished: bool


@dataclass(frozen=True)
class PlayerOutcome:
    """How one player did on one question.

    ``choice`` or ``text`` is the answer that counted (the last choice; the best typed answer, else the
    closest for numeric questions, else the last guess); ``elapsed`` is when it was given; ``streak`` is the
    player's run of correct answers after this question.
    """

    player: Player
    correct: bool
    credit: float
    score: AnswerScore
    elapsed: float
    streak: int
    choice: int | None
    text: str | None
    attempts: int
    closest: bool = False

    @property
    def points(self) -> int:
        """Return the points this answer earned."""
        return self.score.total


@dataclass(frozen=True)
class QuestionResult:
    """Everything the reveal shows about a closed question.

    ``outcomes`` lists the players who answered, in the order of their counted answers. ``choice_counts``
    has one count per option for multiple choice and true/false, and is empty otherwise.
    """

    question: Question
    position: int
    total: int
    outcomes: tuple[PlayerOutcome, ...]
    first_correct: Player | None
    choice_counts: tuple[int, ...]
    answered_count: int
    closed_early: bool
    message_id: int | None

    def outcome_for(self, player_id: int) -> PlayerOutcome | None:
        """Return this player's outcome, or None if they didn't answer."""
        return next((outcome for outcome in self.outcomes if outcome.player.id == player_id), None)


@dataclass(frozen=True)
class PlayerScore:
    """A player's totals over the round so far."""

    player: Player
    points: int
    correct: int
    answered: int
    best_streak: int


@dataclass(frozen=True)
class Standings:
    """Every player who joined, best first (points, then correct answers, then who joined first)."""

    scores: tuple[PlayerScore, ...]
    questions_played: int

    @property
    def winner(self) -> PlayerScore | None:
        """Return the top player, or None when nobody scored."""
        if self.scores and self.scores[0].points > 0:
            return self.scores[0]
        return None

    def score_of(self, player_id: int) -> PlayerScore | None:
        """Return this player's totals, or None if they never answered."""
        return next((score for score in self.scores if score.player.id == player_id), None)
