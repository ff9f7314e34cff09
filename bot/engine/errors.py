"""Domain errors of a running round; each carries a sentence the bot can show the player as is.

The names read as what happened ("QuestionClosed"), so they skip the usual "Error" suffix (N818).
"""

from __future__ import annotations

ROUND_ALREADY_RUNNING = "A round is already running in this channel: wait for it to end, or stop it first."
"""What a second start in a channel is told, wherever the refusal comes from (the engine or storage)."""


class RoundError(Exception):
    """Base of every refusal the engine makes; ``message`` is user-facing."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class RoundAlreadyRunning(RoundError):  # noqa: N818
    """A channel already has a running round."""

    def __init__(self, channel_id: int) -> None:
        super().__init__(ROUND_ALREADY_RUNNING)
        self.channel_id = channel_id


class RoundEnded(RoundError):  # noqa: N818
    """The round this answer was meant for is over."""

    def __init__(self) -> None:
        super().__init__("This round is over: start a new round to keep playing.")


class NoOpenQuestion(RoundError):  # noqa: N818
    """No question is accepting answers right now (before the first one, or between two)."""

    def __init__(self) -> None:
        super().__init__("No question is open right now: wait for the next one.")


class QuestionClosed(RoundError):  # noqa: N818
    """The answer was for a question that is no longer open (a stale button, or after time ran out)."""

    def __init__(self, position: int) -> None:
        super().__init__(f"Question {position + 1} is closed: answer the current question instead.")
        self.position = position


class WrongQuestionKind(RoundError):  # noqa: N818
    """A button click for a typed question, or a typed answer to a multiple-choice one."""

    def __init__(self, *, wants_typed_answer: bool) -> None:
        if wants_typed_answer:
            message = "This question wants a typed answer: type it instead of picking an option."
        else:
            message = "This question has options: pick one of them instead of typing an answer."
        super().__init__(message)
        self.wants_typed_answer = wants_typed_answer


class InvalidChoice(RoundError):  # noqa: N818
    """The option index does not exist for this question."""

    def __init__(self, choice_index: int, choice_count: int) -> None:
        super().__init__(f"That option doesn't exist: pick one of the {choice_count} options shown.")
        self.choice_index = choice_index
        self.choice_count = choice_count


class AttemptsExhausted(RoundError):  # noqa: N818
    """The player has used every attempt this question allows."""

    def __init__(self, attempts: int) -> None:
        noun = "attempt" if attempts == 1 else "attempts"
        super().__init__(f"You've used all {attempts} {noun} for this question: wait for the next one.")
        self.attempts = attempts


class PlayerForgotten(RoundError):  # noqa: N818
    """The player deleted their data while this answer was being stored: it was deleted with the rest."""

    def __init__(self) -> None:
        super().__init__("Your data was deleted while this answer was being saved, so it does not count: answer again.")


class AlreadyAnswered(RoundError):  # noqa: N818
    """The player already got this question right."""

    def __init__(self) -> None:
        super().__init__("You already got this one right: wait for the next question.")
