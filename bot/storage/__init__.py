"""Persistence for Orbit Trivia: the `Storage` interface, its typed rows and errors, and its two backends
(SQLite by default, PostgreSQL with ``DATABASE_URL``; `open_storage` picks one)."""

from bot.storage.answer_writer import StorageStats
from bot.storage.base import (
    MAX_ANSWER_TEXT,
    AnswerInput,
    AnswerRow,
    Dispute,
    DisputeAlreadyDecided,
    DisputeExists,
    DisputeStatus,
    FinalRoundStatus,
    GuildSettings,
    LeaderboardRow,
    PlayerStats,
    QuestionNotOpen,
    QuestionStillOpen,
    RecordNotFound,
    RoundAlreadyRunning,
    RoundQuestionRow,
    RoundRow,
    RoundStatus,
    SchemaTooNew,
    ScoredAnswer,
    Storage,
    StorageConflict,
    StorageError,
    StorageUnavailable,
    week_start_of,
)
from bot.storage.opening import AnyStorage, open_storage
from bot.storage.postgresql import PostgresStorage
from bot.storage.sqlite import SQLiteStorage
from bot.storage.totals import TERMINAL_GUILD_ID

__all__ = [
    "MAX_ANSWER_TEXT",
    "TERMINAL_GUILD_ID",
    "AnswerInput",
    "AnswerRow",
    "AnyStorage",
    "Dispute",
    "DisputeAlreadyDecided",
    "DisputeExists",
    "DisputeStatus",
    "FinalRoundStatus",
    "GuildSettings",
    "LeaderboardRow",
    "PlayerStats",
    "PostgresStorage",
    "QuestionNotOpen",
    "QuestionStillOpen",
    "RecordNotFound",
    "RoundAlreadyRunning",
    "RoundQuestionRow",
    "RoundRow",
    "RoundStatus",
    "SQLiteStorage",
    "SchemaTooNew",
    "ScoredAnswer",
    "Storage",
    "StorageConflict",
    "StorageError",
    "StorageStats",
    "StorageUnavailable",
    "open_storage",
    "week_start_of",
]
