"""What a round needs from the outside: a judge for typed answers, a recorder, and a listener."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from bot.engine.records import AnswerRecord, EndReason, QuestionOpening, QuestionResult, Standings
from questions.models import Question


class Judgement(Protocol):
    """The judge's verdict on one typed answer (``questions.matching.Verdict`` fits)."""

    @property
    def accepted(self) -> bool:
        """Whether the answer is right (for sets: at least partly)."""
        ...

    @property
    def credit(self) -> float:
        """Share of full marks, 0..1; below 1 only for partly right set answers."""
        ...

    @property
    def reason(self) -> str:
        """A sentence for the player, e.g. 'Accepted: surname only'."""
        ...


Judge = Callable[[Question, str], Judgement]
"""Judges a typed answer, e.g. ``lambda q, text: matcher.judge(q, text)``."""

NumberReader = Callable[[str, str | None], float | None]
"""Reads the number in a typed guess in the question's unit (text, unit), for the 'closest answer' rule."""


class RoundRecorder(Protocol):
    """Stores what happens in a round (the cog implements it over storage). Raising refuses the write."""

    async def record_answer(self, answer: AnswerRecord) -> None:
        """Store one submission; the answer counts only if this returns."""
        ...

    async def score_question(self, result: QuestionResult) -> None:
        """Store the outcome and points of a closed question."""
        ...

    async def round_finished(self, standings: Standings, reason: EndReason) -> None:
        """Store the end of the round."""
        ...


class RoundListener(Protocol):
    """Shows a round to players (the Discord cog, or the terminal player)."""

    async def question_opened(self, opening: QuestionOpening) -> int | None:
        """Show a new question; return the id of the message that shows it, if there is one."""
        ...

    async def progress(self, position: int, answered_count: int) -> None:
        """Show how many players have answered the open question (throttled by the engine)."""
        ...

    async def hint(self, position: int, text: str) -> None:
        """Show a hint for the open typed question."""
        ...

    async def question_closed(self, result: QuestionResult) -> None:
        """Reveal the answer and who scored."""
        ...

    async def round_finished(self, standings: Standings, reason: EndReason) -> None:
        """Show the final standings; called exactly once, however the round ended."""
        ...
