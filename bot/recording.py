"""The bridge from the round engine to storage, shared by the Discord cog and the terminal player.

``RecordingListener`` wraps whatever shows a round (Discord, a terminal): it stores each question before
it is shown, stores every answer before the engine counts it, and scores and finishes rounds in storage.
No Discord import: both front ends use it unchanged.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import logging
from collections.abc import Awaitable, Callable, Sequence

from bot.engine import (
    AnswerRecord,
    EndReason,
    NoOpenQuestion,
    QuestionOpening,
    QuestionResult,
    RoundListener,
    Standings,
)
from bot.storage import AnswerInput, ScoredAnswer, Storage, StorageUnavailable
from bot.storage.base import FinalRoundStatus
from questions.matching import AnswerMatcher, Verdict
from questions.models import Question

log = logging.getLogger(__name__)

CLOSING_WRITE_RETRY_DELAYS = (0.5, 1.0)
"""Waits between quick retries of a busy closing write (on top of storage's busy timeout), for a passing lock.
A longer outage doesn't hold the round up: the write joins the round's backlog, retried until storage is back."""

BACKLOG_RETRY_SECONDS = (1.0, 2.0, 4.0, 5.0)
"""Waits between attempts to write a round's backlog; the last one repeats until storage takes it."""

END_STATUS: dict[EndReason, FinalRoundStatus] = {
    EndReason.FINISHED: "finished",
    EndReason.STOPPED: "stopped",
    EndReason.INACTIVE: "abandoned",
    EndReason.ERROR: "error",
}


class GuildJudge:
    """Judges typed answers with the matcher plus the aliases this server accepted through disputes."""

    def __init__(self, matcher: AnswerMatcher) -> None:
        self._matcher = matcher
        self._aliases: dict[str, Sequence[str]] = {}

    def set_aliases(self, fact_id: str, aliases: Sequence[str]) -> None:
        """Remember the server's extra answers for a fact (loaded when its question opens)."""
        self._aliases[fact_id] = tuple(aliases)

    def __call__(self, question: Question, text: str) -> Verdict:
        """Return the matcher's verdict, counting the server's aliases as right."""
        return self._matcher.judge(question, text, self._aliases.get(question.fact_id, ()))


class RoundLedger:
    """The engine's ``RoundRecorder`` over storage: one per round, it maps positions to stored questions."""

    def __init__(self, storage: Storage, *, guild_id: int, round_id: int) -> None:
        self.storage = storage
        self.guild_id = guild_id
        self.round_id = round_id
        # One future per position: an answer can arrive while its question is still being stored (the engine
        # takes answers from the moment a question opens), and must then wait for the stored id.
        self._round_question_ids: dict[int, asyncio.Future[int]] = {}
        # Closing writes (scores, the round's end) storage refused during an outage, oldest first.
        self._backlog: list[Callable[[], Awaitable[object]]] = []
        self._settle_lock = asyncio.Lock()
        self._flusher: asyncio.Task[None] | None = None

    def _slot(self, position: int) -> asyncio.Future[int]:
        slot = self._round_question_ids.get(position)
        if slot is None:
            slot = self._round_question_ids[position] = asyncio.get_running_loop().create_future()
        return slot

    def round_question_id(self, position: int) -> int | None:
        """Return the stored id of the question at this position, once it has been stored."""
        slot = self._round_question_ids.get(position)
        if slot is None or not slot.done() or slot.exception() is not None:
            return None
        return slot.result()

    async def open_question(self, opening: QuestionOpening) -> int:
        """Store a question as it opens and return its round-question id."""
        question = opening.question
        slot = self._slot(opening.position)
        try:
            rq_id = await self.storage.add_round_question(
                round_id=self.round_id,
                position=opening.position,
                question_id=question.id,
                fact_id=question.fact_id,
                kind=question.kind.value,
                correct_choice=question.correct_index,
                opened_at=opening.closes_at - dt.timedelta(seconds=opening.time_limit),
                deadline_at=opening.closes_at,
            )
        except BaseException:
            if not slot.done():
                slot.set_exception(NoOpenQuestion())
                slot.exception()  # mark it retrieved: nobody may be waiting for this slot
            raise
        slot.set_result(rq_id)
        return rq_id

    async def record_answer(self, answer: AnswerRecord) -> None:
        """Store one answer durably (once its question is stored); the engine counts it only if this returns."""
        rq_id = await asyncio.shield(self._slot(answer.position))
        await self.storage.record_answer(
            AnswerInput(
                round_question_id=rq_id,
                round_id=self.round_id,
                guild_id=self.guild_id,
                user_id=answer.player.id,
                choice=answer.choice_index,
                text=answer.text,
                correct=answer.correct,
                credit=answer.credit,
                answered_at=answer.answered_at,
                elapsed_ms=round(answer.elapsed * 1000),
            )
        )

    async def score_question(self, result: QuestionResult) -> None:
        """Store every player's verdict and points for a closed question, and update the totals.

        If storage is unavailable for longer than a passing lock, the scores are kept in the round's backlog
        and written, in order, as soon as storage is back: confirmed answers are never left unscored.
        """
        rq_id = self.round_question_id(result.position)
        if rq_id is None:
            return
        scored = [
            ScoredAnswer(
                user_id=outcome.player.id, correct=outcome.correct, points=outcome.points, streak=outcome.streak
            )
            for outcome in result.outcomes
        ]
        closed_at = dt.datetime.now(dt.UTC)
        await self._closing_write(
            lambda: self.storage.score_question(rq_id, scored, closed_at=closed_at), f"the scores of question {rq_id}"
        )

    async def round_finished(self, standings: Standings, reason: EndReason) -> None:
        """Mark the round ended in storage and credit rounds played and won (from the backlog, if storage is out)."""
        winner = standings.winner
        ended_at = dt.datetime.now(dt.UTC)
        await self._closing_write(
            lambda: self.storage.finish_round(
                self.round_id,
                status=END_STATUS[reason],
                ended_at=ended_at,
                winner_id=winner.player.id if winner else None,
            ),
            "the end of the round",
        )

    # ------------------------------------------------------------------ the backlog of closing writes

    @property
    def settled(self) -> bool:
        """Return whether storage has taken every closing write of this round."""
        return not self._backlog

    async def _closing_write(self, write: Callable[[], Awaitable[object]], what: str) -> None:
        """Write now (retrying a passing lock), or queue the write behind earlier ones storage hasn't taken yet."""
        if not self._backlog:
            try:
                await _retry_while_busy(write)
                return
            except StorageUnavailable as error:
                log.warning(
                    "Could not store %s of round %s (%s); retrying until storage is back", what, self.round_id, error
                )
        self._backlog.append(write)
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._settle_eventually(), name=f"round-backlog-{self.round_id}")

    async def settle(self) -> None:
        """Write the backlog now, in order; raise `StorageUnavailable` if storage still refuses it.

        Every closing write is idempotent in storage (a question is scored once, a round finished once), so a
        write whose outcome was unclear may safely run again.
        """
        async with self._settle_lock:
            while self._backlog:
                try:
                    await self._backlog[0]()
                except StorageUnavailable:
                    raise
                except Exception:
                    # Not an outage but a bug: retrying can't help, and must not block the channel's next round.
                    log.exception("A closing write of round %s failed; dropping it", self.round_id)
                self._backlog.pop(0)

    async def _settle_eventually(self) -> None:
        for attempt in itertools.count():
            await asyncio.sleep(BACKLOG_RETRY_SECONDS[min(attempt, len(BACKLOG_RETRY_SECONDS) - 1)])
            try:
                await self.settle()
            except StorageUnavailable as error:
                log.debug("Round %s: storage still unavailable (%s)", self.round_id, error)
                continue
            log.info("Round %s: storage is back, its scores and end are stored", self.round_id)
            return

    def abandon(self) -> None:
        """Stop retrying the backlog (the bot is shutting down): the next start closes the round as interrupted."""
        if self._flusher is not None:
            self._flusher.cancel()


async def _retry_while_busy(write: Callable[[], Awaitable[object]]) -> None:
    """Retry a round's closing write while the database is busy, so that a passing lock doesn't delay it long.

    Both writes are idempotent in storage (a question is scored once, a round finished once), so a retry after
    an unclear failure cannot count anything twice. Answers are not retried here: a player is asked to retry.
    """
    for delay in (*CLOSING_WRITE_RETRY_DELAYS, None):
        try:
            await write()
            return
        except StorageUnavailable:
            if delay is None:
                raise
            log.warning("Database busy while closing a question or round; retrying in %.1fs", delay)
            await asyncio.sleep(delay)


class RecordingListener:
    """Stores each question before the display shows it, and loads the server's aliases for its judge."""

    def __init__(self, ledger: RoundLedger, display: RoundListener, *, judge: GuildJudge | None = None) -> None:
        self.ledger = ledger
        self.display = display
        self.judge = judge

    async def question_opened(self, opening: QuestionOpening) -> int | None:
        """Store the question, load the server's aliases for it, then show it and remember its message."""
        rq_id = await self.ledger.open_question(opening)
        if self.judge is not None:
            fact_id = opening.question.fact_id
            self.judge.set_aliases(fact_id, await self.ledger.storage.guild_aliases(self.ledger.guild_id, fact_id))
        message_id = await self.display.question_opened(opening)
        if message_id is not None:
            await self.ledger.storage.set_question_message(rq_id, message_id)
        return message_id

    async def progress(self, position: int, answered_count: int) -> None:
        """Show the answer count."""
        await self.display.progress(position, answered_count)

    async def hint(self, position: int, text: str) -> None:
        """Show a hint."""
        await self.display.hint(position, text)

    async def question_closed(self, result: QuestionResult) -> None:
        """Show the reveal (the engine has already stored its scores through the ledger)."""
        await self.display.question_closed(result)

    async def round_finished(self, standings: Standings, reason: EndReason) -> None:
        """Show the final standings."""
        await self.display.round_finished(standings, reason)
