"""Group commit of answers, shared by the backends.

`record_answer` queues the answer and waits. A single writer task takes everything queued so far (up to
`ANSWER_BATCH_LIMIT`), hands it to the backend, which writes it as one upsert per answer inside one
transaction and COMMITs, and only then resolves every waiter; answers that arrive meanwhile form the next
batch.

Commit window. With ``window`` > 0, an answer that finds the writer idle is not written at once when more are
expected within the window: the writer waits until `WINDOW_FULL_AT` answers are queued or the first queued answer
has waited ``window`` seconds, then writes them together. PostgreSQL's ``commit_delay`` and Kafka's ``linger.ms``
make the same trade. Measured on the benchmark machine at a steady 160 answers/s (issue 12, BENCHMARKS.md), a
batch's cost is mostly fixed (a trip to the writer's thread or the server, each side waking from idle with cold
caches), so answers that share one cost less: at 160/s the bot spent a fifth less CPU per answer all told, and a
player waits at most ``window`` longer for a confirmation (20 ms by default: Discord's own round trip is ten times
that). "Expected" is read from the recent arrivals: a server whose answers come further apart than the window waits
for nothing, and a gap of `IDLE_WINDOWS` windows starts the reading afresh.

A backend may also offer to write an answer *at once* (`WriteNow`): when nothing is queued or being written,
the answer is committed right away in the caller's own step, with no task switch and no trip to another
thread. The backend declines (`NotNow`) whenever that could wait on anything, and the answer is queued as
above; since an answer is written at once only when nothing is queued before it, the order of a player's
answers (the latest one wins) is kept either way.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.storage.base import AnswerInput, QuestionNotOpen, StorageError, StorageUnavailable

if TYPE_CHECKING:
    from bot.storage.sql.dialect import Row  # the sql package imports this module

log = logging.getLogger(__name__)

ANSWER_BATCH_LIMIT = 500
"""Most answers written in one group commit; bounds transaction size and SQL parameter counts."""

WINDOW_FULL_AT = 4
"""A commit window ends early once this many answers wait: at high rates the added wait stays a few milliseconds."""

ARRIVAL_SMOOTHING = 0.25
"""Weight of the latest gap between two answers in the running mean that tells whether a window is worth waiting."""

IDLE_WINDOWS = 10
"""A gap of this many windows between two answers starts the running mean afresh: the first answers after a quiet
spell wait for nothing, whatever came before it."""


@dataclass(frozen=True, slots=True)
class StorageStats:
    """Counters that show group commit at work (for tests, benchmarks and logs)."""

    commits: int
    answer_batches: int
    answers_written: int
    largest_batch: int


@dataclass(slots=True)
class PendingAnswer:
    """A queued answer, its driver parameters (built when it was submitted) and its waiter."""

    answer: AnswerInput
    params: Any
    future: asyncio.Future[None]


WriteBatch = Callable[[Sequence[PendingAnswer]], Awaitable[dict[int, Exception]]]
"""Write a batch in one committed transaction; return, by position in the batch, each answer refused."""


class NotNow(Exception):  # noqa: N818 - an answer, like the engine's errors
    """The backend cannot write this answer at once without waiting: queue it for the writer task instead."""


WriteNow = Callable[[AnswerInput, Any], Exception | None]
"""Write one answer (with its driver parameters) at once, committed, without awaiting anything; return its
refusal, or None if it was stored. Raises `NotNow` when that would mean waiting (nothing was written)."""


def check_window(window: float) -> None:
    """Refuse a negative commit window (backends call this before they open anything)."""
    if window < 0:
        raise ValueError(f"the answers' commit window must not be negative, got {window}")


class AnswerWriter:
    """Queue answers and write them batch after batch through `write_batch`, one transaction each."""

    def __init__(
        self, write_batch: WriteBatch, *, name: str, write_now: WriteNow | None = None, window: float = 0.0
    ) -> None:
        check_window(window)
        self._write_batch = write_batch
        self._write_now = write_now
        self._window = window
        self._mean_gap = float("inf")
        """Running mean of the seconds between two queued answers (capped at twice the window)."""
        self._last_arrival: float | None = None
        self._window_timer: asyncio.TimerHandle | None = None
        self._pending: list[PendingAnswer] = []
        self._queued_total = 0
        """Answers ever queued; `_done_total` of them have been written or refused, in the same order."""
        self._done_total = 0
        self._flushes: list[tuple[int, asyncio.Future[None]]] = []
        self._waiting = asyncio.Event()
        self._closing = False
        self._writing = False
        self.windows_waited = 0
        self.answers_written_at_once = 0
        self.answer_batches = 0
        self.answers_written = 0
        self.largest_batch = 0
        self._task = asyncio.create_task(self._write_forever(), name=name)
        self._task.add_done_callback(lambda _: self._settle_flushes(everything=True))  # a stopped writer writes no more

    @property
    def accepting(self) -> bool:
        """Return whether new answers are still taken (the writer is neither closing nor stopped)."""
        return not self._closing and not self._task.done()

    async def submit(self, answer: AnswerInput, params: object) -> None:
        """Queue an answer and return once the batch holding it has been committed (or raise its refusal).

        With nothing queued or being written, the backend's `WriteNow` (if any) is tried first.
        """
        if self._write_now is not None and not self._pending and not self._writing:
            try:
                refusal = self._write_now(answer, params)
            except NotNow:
                pass
            except Exception as exc:
                _log_failure(exc, "an answer")
                raise batch_failure(exc)  # noqa: B904 - its cause is set
            else:
                self._counted(1, 0 if refusal is None else 1)
                if refusal is not None:
                    raise refusal
                self.answers_written_at_once += 1
                return
        loop = asyncio.get_running_loop()
        pending = PendingAnswer(answer, params, loop.create_future())
        self._pending.append(pending)
        self._queued_total += 1
        self._wake_writer(loop)
        await pending.future

    def _wake_writer(self, loop: asyncio.AbstractEventLoop) -> None:
        """Wake the writer for the answer just queued: now, or when its commit window ends or fills."""
        now = loop.time()
        if self._window > 0:
            if self._last_arrival is not None:
                gap = now - self._last_arrival
                if gap >= IDLE_WINDOWS * self._window or self._mean_gap == float("inf"):
                    self._mean_gap = min(gap, 2 * self._window)
                else:
                    self._mean_gap += ARRIVAL_SMOOTHING * (min(gap, 2 * self._window) - self._mean_gap)
            self._last_arrival = now
        if self._writing:
            return  # the writer takes everything queued once the batch in hand is written
        queued = len(self._pending)
        if queued == 1 and self._window > 0 and not self._closing and self._mean_gap < self._window:
            self._window_timer = loop.call_at(now + self._window, self._waiting.set)
            self.windows_waited += 1
        elif self._window_timer is None or queued >= WINDOW_FULL_AT:
            self._waiting.set()

    async def flush(self) -> None:
        """Return once every answer queued or being written now has been written (or refused); a waiting commit
        window ends at once. Answers queued after the call are not waited for. The writer's own progress is
        waited for, not the answers' waiters: an answer whose submitter gave up is still written, and counts."""
        target = self._queued_total
        if self._done_total >= target or self._task.done():
            return
        if self._pending and not self._writing:
            self._end_window()
            self._waiting.set()
        done = asyncio.get_running_loop().create_future()
        self._flushes.append((target, done))
        await done

    async def drain(self) -> None:
        """Stop taking answers, write every queued one, and wait for the writer task to end."""
        self._closing = True
        self._end_window()
        self._waiting.set()
        # wait() rather than await: a writer cancelled by loop shutdown must not make close() raise.
        await asyncio.wait([self._task])

    async def _write_forever(self) -> None:
        """Write queued answers batch after batch until closing and the queue is empty."""
        while True:
            if not self._pending:
                if self._closing:
                    return
                self._waiting.clear()
                await self._waiting.wait()
                continue
            self._end_window()
            batch = self._pending[:ANSWER_BATCH_LIMIT]
            del self._pending[:ANSWER_BATCH_LIMIT]
            self._writing = True
            try:
                await self._write(batch)
            finally:
                self._writing = False
                self._done_total += len(batch)
                self._settle_flushes()

    def _settle_flushes(self, *, everything: bool = False) -> None:
        """Resolve the flushes whose answers are all written (``everything``: all of them, the writer has stopped)."""
        waiting = []
        for target, done in self._flushes:
            if everything or self._done_total >= target:
                if not done.done():
                    done.set_result(None)
            else:
                waiting.append((target, done))
        self._flushes = waiting

    def _end_window(self) -> None:
        if self._window_timer is not None:
            self._window_timer.cancel()
            self._window_timer = None

    async def _write(self, batch: list[PendingAnswer]) -> None:
        """Write one batch, then settle every waiter; never raises but for cancellation."""
        try:
            refusals = await self._write_batch(batch)
        except asyncio.CancelledError as exc:
            for pending in batch:
                settle(pending.future, batch_failure(exc))
            raise
        except Exception as exc:
            _log_failure(exc, f"a batch of {len(batch)} answer(s)")
            for pending in batch:
                settle(pending.future, batch_failure(exc))
            return
        self._counted(len(batch), len(refusals))
        for position, pending in enumerate(batch):
            settle(pending.future, refusals.get(position))

    def _counted(self, answers: int, refused: int) -> None:
        self.answer_batches += 1
        self.answers_written += answers - refused
        self.largest_batch = max(self.largest_batch, answers)


def _log_failure(exc: Exception, what: str) -> None:
    """Log a failed answer write: a storage error as a warning, anything else (a bug) with its traceback."""
    if isinstance(exc, StorageError):
        log.warning("Could not record %s: %s", what, exc)
    else:
        log.exception("Unexpected failure recording %s", what, exc_info=exc)


def batch_failure(exc: BaseException) -> StorageError:
    """Build the error one waiter of a failed answer batch sees (a fresh instance each, for clean tracebacks)."""
    if isinstance(exc, StorageUnavailable):
        error: StorageError = StorageUnavailable(str(exc))
    else:
        error = StorageError(f"answer not recorded: {exc}")
    error.__cause__ = exc
    return error


def settle(future: asyncio.Future[None], outcome: BaseException | None) -> None:
    """Resolve a waiter unless it gave up (was cancelled) already."""
    if future.done():
        return
    if outcome is None:
        future.set_result(None)
    else:
        future.set_exception(outcome)


def answer_refusals(answers: Sequence[AnswerInput], open_rows: Iterable[Row]) -> dict[int, Exception]:
    """Explain, by position in the batch, each answer the upsert's WHERE clause skipped.

    ``open_rows`` are the batch's questions that were open when it was written (``id``, ``round_id``,
    ``guild_id``), read in the batch's own transaction, as the upsert saw them.
    """
    open_questions = {int(row["id"]): (int(row["round_id"]), int(row["guild_id"])) for row in open_rows}
    refusals: dict[int, Exception] = {}
    for position, answer in enumerate(answers):
        placement = open_questions.get(answer.round_question_id)
        if placement is None:
            refusals[position] = QuestionNotOpen(f"question {answer.round_question_id} is closed or unknown")
        elif placement != (answer.round_id, answer.guild_id):
            refusals[position] = ValueError(
                f"question {answer.round_question_id} belongs to round {placement[0]} in guild {placement[1]}, "
                f"not round {answer.round_id} in guild {answer.guild_id}"
            )
    return refusals
