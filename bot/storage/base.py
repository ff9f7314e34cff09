"""The storage interface: the `Storage` protocol, the typed rows it returns, and its domain errors.

Backends (SQLite by default, PostgreSQL for several bot processes over one database) implement `Storage`
structurally. Callers only ever see these dataclasses and errors, never driver rows or driver exceptions.

Conventions shared by every backend:

* Discord ids are 64-bit ints; question ids ("launch-time.mc1") and fact ids ("launch-time") are strings.
* Times are timezone-aware datetimes, returned in UTC; naive datetimes are refused with ``ValueError``.
* A week starts on Monday, UTC (`week_start_of`).
* Rounds of a negative guild_id are local (the terminal player's, `bot.storage.totals.TERMINAL_GUILD_ID`): their
  totals are kept under that guild id only, never added to the all-guilds totals (`totals_scopes`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Literal, Protocol

RoundStatus = Literal["running", "finished", "stopped", "abandoned", "interrupted", "error"]
FinalRoundStatus = Literal["finished", "stopped", "abandoned", "interrupted", "error"]
DisputeStatus = Literal["pending", "accepted", "rejected"]
PackFactStatus = Literal["draft", "approved", "rejected"]

MAX_ANSWER_TEXT = 200
"""Typed answers are truncated to this many characters before they are stored."""

DEFAULT_QUESTIONS = 10
DEFAULT_SECONDS = 30


def week_start_of(moment: dt.datetime) -> dt.date:
    """Return the Monday (UTC) of the week that contains `moment`."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: pass a timezone-aware UTC datetime")
    day = moment.astimezone(dt.UTC).date()
    return day - dt.timedelta(days=day.weekday())


# --------------------------------------------------------------------------- errors


class StorageError(Exception):
    """Base class of every error the storage layer raises on purpose."""


class StorageUnavailable(StorageError):  # noqa: N818
    """The database cannot serve the request now (busy or locked, disk full, I/O error, closed)."""


class SchemaTooNew(StorageError):  # noqa: N818
    """The database was migrated by a newer version of the bot than this one."""


class RecordNotFound(StorageError):  # noqa: N818
    """A round, question, answer or dispute with the given id does not exist."""


class StorageConflict(StorageError):  # noqa: N818
    """A write broke a uniqueness, foreign-key or check constraint."""


class RoundAlreadyRunning(StorageConflict):
    """A round is already running in this channel."""

    def __init__(self, channel_id: int) -> None:
        super().__init__(f"a round is already running in channel {channel_id}")
        self.channel_id = channel_id


class QuestionNotOpen(StorageError):  # noqa: N818
    """The question was already scored, or its round is over, so the answer was not recorded."""


class QuestionStillOpen(StorageError):  # noqa: N818
    """The question has not been scored yet, so its answers cannot be disputed."""


class PackExists(StorageConflict):
    """This server already has a pack of that name."""

    def __init__(self, name: str) -> None:
        super().__init__(f"This server already has a pack called `{name}`: remove it first, or rename the file.")
        self.name = name


class DisputeExists(StorageConflict):
    """The player already disputed this question."""


class DisputeAlreadyDecided(StorageError):  # noqa: N818
    """The dispute was already accepted or rejected."""

    def __init__(self, dispute_id: int, status: DisputeStatus) -> None:
        super().__init__(f"dispute {dispute_id} was already {status}")
        self.dispute_id = dispute_id
        self.status = status


# --------------------------------------------------------------------------- rows


@dataclass(frozen=True, slots=True)
class GuildSettings:
    """Per-server defaults for new rounds."""

    default_questions: int = DEFAULT_QUESTIONS
    default_seconds: int = DEFAULT_SECONDS


@dataclass(frozen=True, slots=True)
class RoundRow:
    """One trivia round in one channel."""

    id: int
    guild_id: int
    channel_id: int
    starter_id: int | None
    question_count: int
    seconds: int
    category: str | None
    kind: str
    status: RoundStatus
    started_at: dt.datetime
    ended_at: dt.datetime | None
    winner_id: int | None


@dataclass(frozen=True, slots=True)
class RoundQuestionRow:
    """One question asked in a round, with where it was posted and whether it was scored."""

    id: int
    round_id: int
    guild_id: int
    channel_id: int
    position: int
    question_id: str
    fact_id: str
    kind: str
    correct_choice: int | None
    opened_at: dt.datetime
    deadline_at: dt.datetime
    message_id: int | None
    closed_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class AnswerInput:
    """A player's answer as submitted; text longer than `MAX_ANSWER_TEXT` is truncated on write."""

    round_question_id: int
    round_id: int
    guild_id: int
    user_id: int
    choice: int | None
    text: str | None
    correct: bool | None
    credit: float
    answered_at: dt.datetime
    elapsed_ms: int


@dataclass(frozen=True, slots=True)
class AnswerRow:
    """A stored answer: the player's latest attempt at one question, and what it scored."""

    round_question_id: int
    round_id: int
    guild_id: int
    user_id: int
    question_id: str
    fact_id: str
    choice: int | None
    text: str | None
    correct: bool | None
    credit: float
    points: int
    attempts: int
    answered_at: dt.datetime
    elapsed_ms: int


@dataclass(frozen=True, slots=True)
class ScoredAnswer:
    """The engine's verdict on one player's answer when a question closes."""

    user_id: int
    correct: bool
    points: int
    streak: int


@dataclass(frozen=True, slots=True)
class LeaderboardRow:
    """One line of a leaderboard; `rank` is shared by players with equal points (1, 1, 3, ...)."""

    rank: int
    user_id: int
    points: int
    correct: int
    answers: int


@dataclass(frozen=True, slots=True)
class PlayerStats:
    """A player's totals in one server (or across all servers); `rank` is None if they never played."""

    points: int
    rounds_played: int
    rounds_won: int
    answers: int
    correct: int
    accuracy: float
    best_streak: int
    rank: int | None


@dataclass(frozen=True, slots=True)
class Dispute:
    """A player's claim that their typed answer should have counted."""

    id: int
    round_question_id: int
    round_id: int
    guild_id: int
    user_id: int
    question_id: str
    fact_id: str
    answer_text: str
    status: DisputeStatus
    created_at: dt.datetime
    decided_by: int | None
    decided_at: dt.datetime | None
    points_awarded: int


@dataclass(frozen=True, slots=True)
class GuildPack:
    """A fact pack a server's moderators drafted from their own document, with its facts counted by status."""

    id: int
    guild_id: int
    name: str
    title: str
    document_date: dt.date
    created_by: int | None
    """Who added it; None once they deleted their data (`delete_player`)."""
    created_at: dt.datetime
    drafted: int
    approved: int
    rejected: int

    @property
    def total(self) -> int:
        """How many facts were drafted."""
        return self.drafted + self.approved + self.rejected


@dataclass(frozen=True, slots=True)
class NewPackFact:
    """One drafted fact to store: its id, its answer as shown to reviewers, and the fact itself as JSON."""

    fact_id: str
    answer: str
    fact_json: str


@dataclass(frozen=True, slots=True)
class PackFact:
    """One fact of a server's pack, with its review status; ``position`` orders the facts of a pack from 0."""

    pack_id: int
    position: int
    fact_id: str
    status: PackFactStatus
    answer: str
    fact_json: str


@dataclass(frozen=True, slots=True)
class PackSource:
    """What rebuilds a pack's fact store: the drafted pack without its facts (JSON) and its document's text."""

    pack_json: str
    document_text: str


# --------------------------------------------------------------------------- interface


class Storage(Protocol):
    """Everything the bot persists; every method is safe to call from many tasks at once."""

    async def close(self) -> None:
        """Flush pending writes and release the database."""

    def transaction(self) -> AbstractAsyncContextManager[None]:
        """Let several writes by the current task share one transaction (nested calls share it too)."""

    async def integrity_check(self) -> str:
        """Return "ok", or a description of every problem the database found in itself."""

    # meta ------------------------------------------------------------------
    async def get_meta(self, key: str) -> str | None:
        """Return a stored bot-wide value, such as the hash of the last synced command tree."""

    async def set_meta(self, key: str, value: str) -> None:
        """Store a bot-wide value."""

    # guild settings --------------------------------------------------------
    async def get_guild_settings(self, guild_id: int) -> GuildSettings:
        """Return the server's round defaults (the built-in defaults if it never set any)."""

    async def set_guild_settings(
        self, guild_id: int, *, default_questions: int | None = None, default_seconds: int | None = None
    ) -> GuildSettings:
        """Change the given defaults, keep the others, and return the result."""

    # rounds ----------------------------------------------------------------
    async def create_round(
        self,
        *,
        guild_id: int,
        channel_id: int,
        starter_id: int,
        question_count: int,
        seconds: int,
        category: str | None,
        kind: str,
        started_at: dt.datetime,
    ) -> int:
        """Start a round and return its id; raise `RoundAlreadyRunning` if the channel has one."""

    async def add_round_question(
        self,
        *,
        round_id: int,
        position: int,
        question_id: str,
        fact_id: str,
        kind: str,
        correct_choice: int | None,
        opened_at: dt.datetime,
        deadline_at: dt.datetime,
        message_id: int | None = None,
    ) -> int:
        """Record a question being asked and return its round-question id."""

    async def set_question_message(self, round_question_id: int, message_id: int) -> None:
        """Remember which Discord message shows the question."""

    async def finish_round(
        self, round_id: int, *, status: FinalRoundStatus, ended_at: dt.datetime, winner_id: int | None
    ) -> bool:
        """End a running round and credit rounds played/won; return False if it had already ended."""

    async def get_round(self, round_id: int) -> RoundRow | None:
        """Return the round, or None."""

    async def running_rounds(self) -> list[RoundRow]:
        """Return every round still marked running."""

    async def close_interrupted_rounds(self, ended_at: dt.datetime, *, terminal: bool = False) -> list[RoundRow]:
        """End every running Discord round (``terminal``: every terminal round, guild_id < 0) as 'interrupted'.

        Return them, so each channel can be told. The bot and the terminal player never close each other's rounds.
        """

    async def get_round_question(self, round_question_id: int) -> RoundQuestionRow | None:
        """Return the asked question, or None."""

    async def round_question_by_message(self, message_id: int) -> RoundQuestionRow | None:
        """Return the question shown in a Discord message, or None."""

    async def round_questions(self, round_id: int) -> list[RoundQuestionRow]:
        """Return a round's questions in order."""

    # answers ---------------------------------------------------------------
    async def record_answer(self, answer: AnswerInput) -> None:
        """Store an answer durably (the latest attempt wins); raise `QuestionNotOpen` if it came too late."""

    async def question_answers(self, round_question_id: int) -> list[AnswerRow]:
        """Return every answer to a question, fastest first."""

    async def score_question(
        self, round_question_id: int, results: Sequence[ScoredAnswer], *, closed_at: dt.datetime
    ) -> bool:
        """Write the verdicts, close the question and update totals; return False if already scored."""

    # leaderboards ----------------------------------------------------------
    async def leaderboard(
        self, *, guild_id: int | None, week_start: dt.date | None, limit: int, offset: int = 0
    ) -> list[LeaderboardRow]:
        """Return a page of the server's (None: every server's) all-time or weekly standings."""

    async def leaderboard_size(self, *, guild_id: int | None, week_start: dt.date | None) -> int:
        """Return how many players that leaderboard has."""

    async def player_stats(self, guild_id: int | None, user_id: int) -> PlayerStats:
        """Return a player's totals and rank in a server (None: across every server)."""

    # aliases and disputes --------------------------------------------------
    async def add_guild_alias(
        self, *, guild_id: int, fact_id: str, alias: str, added_by: int, added_at: dt.datetime
    ) -> bool:
        """Accept `alias` as an answer to `fact_id` in this server; return False if it already was."""

    async def guild_aliases(self, guild_id: int, fact_id: str) -> list[str]:
        """Return the extra answers this server accepts for a fact."""

    async def create_dispute(
        self, *, round_question_id: int, guild_id: int, user_id: int, answer_text: str, created_at: dt.datetime
    ) -> int:
        """Open a dispute and return its id; raise `DisputeExists` on a second one for the same question."""

    async def get_dispute(self, dispute_id: int) -> Dispute | None:
        """Return the dispute, or None."""

    async def pending_disputes(self, guild_id: int, *, limit: int = 25) -> list[Dispute]:
        """Return the server's undecided disputes, oldest first."""

    async def decide_dispute(
        self, dispute_id: int, *, accepted: bool, decided_by: int, decided_at: dt.datetime, points_awarded: int
    ) -> Dispute:
        """Accept or reject a dispute; accepting credits the answer and adds the alias, in one transaction."""

    async def last_rejected_answer(self, guild_id: int, user_id: int) -> AnswerRow | None:
        """Return the player's most recent wrong typed answer on a scored question in this server."""

    # privacy ---------------------------------------------------------------
    async def export_player(self, user_id: int) -> dict[str, object]:
        """Return everything stored about a player but their answers, as JSON-ready data (see `player_answers`)."""

    async def player_answers(
        self, user_id: int, *, after: tuple[dt.datetime, int] | None = None, limit: int = 1000
    ) -> list[AnswerRow]:
        """Return a page of the player's answers, oldest first (by answered_at, then round_question_id).

        ``after`` is the (answered_at, round_question_id) of the last answer of the previous page.
        """

    async def delete_player(self, user_id: int) -> int:
        """Delete a player's answers, totals and disputes, forget their ids on rounds; return rows deleted."""

    # ---- a server's own fact packs (`/trivia pack`)

    async def create_guild_pack(
        self,
        *,
        guild_id: int,
        name: str,
        title: str,
        document_date: dt.date,
        document_text: str,
        pack_json: str,
        facts: Sequence[NewPackFact],
        created_by: int,
        created_at: dt.datetime,
    ) -> GuildPack:
        """Store a drafted pack and its facts (all 'draft'); raise `PackExists` if the server has that name."""

    async def guild_packs(self, guild_id: int) -> list[GuildPack]:
        """Return a server's packs, by name."""

    async def guild_pack(self, guild_id: int, name: str) -> GuildPack | None:
        """Return a server's pack of that name, or None."""

    async def guild_pack_by_id(self, guild_id: int, pack_id: int) -> GuildPack | None:
        """Return a pack of this server by id (None if it is gone or another server's)."""

    async def guild_pack_source(self, pack_id: int) -> PackSource | None:
        """Return what rebuilds a pack's fact store, or None if the pack is gone."""

    async def pack_facts(self, pack_id: int, *, status: PackFactStatus | None = None) -> list[PackFact]:
        """Return a pack's facts in order, optionally only those of one status."""

    async def set_pack_fact_status(self, pack_id: int, position: int, status: PackFactStatus) -> PackFact | None:
        """Set a fact's review status and return it, or None if there is no such fact."""

    async def delete_guild_pack(self, guild_id: int, name: str) -> bool:
        """Delete a server's pack and its facts; return False if it had none of that name."""
