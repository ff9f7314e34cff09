"""The round engine: sessions, timing, answers, hints and results. Pure asyncio, no Discord import."""

from bot.engine.clock import Clock, FakeClock, LoopClock, ScaledClock
from bot.engine.errors import (
    ROUND_ALREADY_RUNNING,
    AlreadyAnswered,
    AttemptsExhausted,
    InvalidChoice,
    NoOpenQuestion,
    PlayerForgotten,
    QuestionClosed,
    RoundAlreadyRunning,
    RoundEnded,
    RoundError,
    WrongQuestionKind,
)
from bot.engine.hints import make_hints
from bot.engine.ports import Judge, Judgement, NumberReader, RoundListener, RoundRecorder
from bot.engine.records import (
    AnswerRecord,
    ChoiceAck,
    EndReason,
    Player,
    PlayerOutcome,
    PlayerScore,
    QuestionOpening,
    QuestionResult,
    RoundSettings,
    Standings,
    TextAck,
)
from bot.engine.registry import RoundRegistry
from bot.engine.session import RoundSession

__all__ = [
    "ROUND_ALREADY_RUNNING",
    "AlreadyAnswered",
    "AnswerRecord",
    "AttemptsExhausted",
    "ChoiceAck",
    "Clock",
    "EndReason",
    "FakeClock",
    "InvalidChoice",
    "Judge",
    "Judgement",
    "LoopClock",
    "NoOpenQuestion",
    "NumberReader",
    "Player",
    "PlayerForgotten",
    "PlayerOutcome",
    "PlayerScore",
    "QuestionClosed",
    "QuestionOpening",
    "QuestionResult",
    "RoundAlreadyRunning",
    "RoundEnded",
    "RoundError",
    "RoundListener",
    "RoundRecorder",
    "RoundRegistry",
    "RoundSession",
    "RoundSettings",
    "ScaledClock",
    "Standings",
    "TextAck",
    "WrongQuestionKind",
    "make_hints",
]
