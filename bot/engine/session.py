"""One running round: its task, its open question, the answers, and the scores."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from bot.engine.clock import Clock, LoopClock
from bot.engine.errors import (
    AlreadyAnswered,
    AttemptsExhausted,
    InvalidChoice,
    NoOpenQuestion,
    PlayerForgotten,
    QuestionClosed,
    RoundEnded,
    WrongQuestionKind,
)
from bot.engine.hints import CHOICE_KINDS, make_hints
from bot.engine.ports import Judge, NumberReader, RoundListener, RoundRecorder
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
from bot.scoring import closest_guesses, parse_number, score_answer
from questions.models import Question, QuestionKind

log = logging.getLogger(__name__)
T = TypeVar("T")

MAX_FAILED_OPENINGS = 2
"""Questions in a row that could not be shown (the listener raised) before the round gives up."""


class _StopRequested(Exception):  # noqa: N818 - never leaves the module
    """Unwinds the round's own task when stop() was called from inside it (e.g. by a listener)."""


@dataclass(frozen=True)
class _Submission:
    """One stored submission; ``sequence`` orders submissions across the whole round."""

    at: float
    sequence: int
    choice: int | None = None
    text: str | None = None
    accepted: bool = False
    credit: float = 0.0


@dataclass
class _PlayerAnswers:
    player: Player
    submissions: list[_Submission] = field(default_factory=list)

    @property
    def best_credit(self) -> float:
        return max((s.credit for s in self.submissions if s.accepted), default=0.0)

    def right(self, kind: QuestionKind) -> bool:
        """Return whether a typed answer got full marks (sets: the whole required set)."""
        if kind == QuestionKind.SET:
            return self.best_credit >= 1.0
        return any(s.accepted for s in self.submissions)

    def finished(self, kind: QuestionKind, attempts_allowed: int) -> bool:
        """Return whether this player is through with the question (a choice made, right, or out of attempts)."""
        if kind in CHOICE_KINDS:
            return bool(self.submissions)
        return self.right(kind) or len(self.submissions) >= attempts_allowed


@dataclass
class _OpenQuestion:
    position: int
    question: Question
    opened_at: float
    deadline: float
    players_before_open: int = 0
    accepting: bool = True
    message_id: int | None = None
    answers: dict[int, _PlayerAnswers] = field(default_factory=dict)
    progress_pending: bool = False
    writes_in_flight: int = 0
    writes_drained: asyncio.Event = field(default_factory=asyncio.Event)

    def __post_init__(self) -> None:
        self.writes_drained.set()

    def begin_write(self) -> None:
        self.writes_in_flight += 1
        self.writes_drained.clear()

    def end_write(self) -> None:
        self.writes_in_flight -= 1
        if self.writes_in_flight == 0:
            self.writes_drained.set()


@dataclass
class _Tally:
    player: Player
    join_order: int
    points: int = 0
    correct: int = 0
    answered: int = 0
    streak: int = 0
    best_streak: int = 0


@dataclass(frozen=True)
class _Counted:
    """The submission that counts for one player on one question, and how it was judged."""

    player_id: int
    submission: _Submission
    correct: bool
    credit: float
    closest: bool = False


class RoundSession:
    """One running round in one channel: owns its task, takes answers, scores, and reports to its listener.

    Players join by answering any question; ``players`` may name some up front (the terminal's only player).
    A question closes at its deadline, or as soon as every joined player is through with it, provided
    somebody had joined before it opened (so the first click of a round never closes its first question).
    ``on_end`` is called once the round's task ends, however it ends.
    """

    def __init__(
        self,
        channel_id: int,
        questions: Sequence[Question],
        settings: RoundSettings,
        *,
        listener: RoundListener,
        recorder: RoundRecorder,
        judge: Judge,
        clock: Clock | None = None,
        number_reader: NumberReader = parse_number,
        round_id: int | None = None,
        players: Sequence[Player] = (),
        on_end: Callable[[RoundSession], None] | None = None,
    ) -> None:
        if not questions:
            raise ValueError("a round needs at least one question")
        for question in questions:
            if question.kind in CHOICE_KINDS and not (
                question.correct_index is not None and 0 <= question.correct_index < len(question.choices)
            ):
                raise ValueError(f"question {question.id} has options but no valid correct_index")
        self.channel_id = channel_id
        self.round_id = round_id
        self.settings = settings
        self._questions = tuple(questions[: settings.question_count])
        self._listener = listener
        self._recorder = recorder
        self._judge = judge
        self._clock: Clock = clock or LoopClock()
        self._read_number = number_reader
        self._on_end = on_end
        self._players: dict[int, _Tally] = {
            player.id: _Tally(player=player, join_order=order) for order, player in enumerate(players)
        }
        self._player_locks: dict[int, asyncio.Lock] = {}
        self._forgotten: dict[int, int] = {}
        """How many times each player was forgotten (`forget_player`): an answer stored across one is not counted."""
        self._sequence = itertools.count(1)
        self._current: _OpenQuestion | None = None
        self._wake: asyncio.Future[None] | None = None
        """Set while the round's loop sleeps: resolving it wakes the loop (see `_wake_loop`)."""
        self._last_progress_at: float | None = None
        self._questions_played = 0
        self._task: asyncio.Task[None] | None = None
        self._over = False
        self._running = False
        self._finishing = False
        self._stop_reason: EndReason | None = None
        self._end_reason: EndReason | None = None
        self._last_question_closed = False

    # ------------------------------------------------------------------ lifecycle

    @property
    def total(self) -> int:
        """Return how many questions this round asks."""
        return len(self._questions)

    @property
    def position(self) -> int | None:
        """Return the index of the question being asked or just revealed, or None before the first."""
        return self._current.position if self._current else None

    @property
    def message_id(self) -> int | None:
        """Return the message id the listener gave for the current question."""
        return self._current.message_id if self._current else None

    @property
    def current_question(self) -> Question | None:
        """Return the question being asked or just revealed, or None before the first."""
        return self._current.question if self._current else None

    def open_typed_question(self, position: int) -> Question:
        """Return the open typed question at ``position``, or raise the refusal a typed answer would get."""
        state = self._question_open_for_text(self._clock.now())
        if state.position != position:
            raise QuestionClosed(position)
        return state.question

    @property
    def done(self) -> bool:
        """Return whether the round's task has ended."""
        return self._task is not None and self._task.done()

    @property
    def end_reason(self) -> EndReason | None:
        """Return why the round ended, or None while it runs."""
        return self._end_reason

    def start(self) -> None:
        """Start the round's task on the running loop."""
        if self._task is not None:
            raise RuntimeError("this round has already been started")
        self._task = asyncio.get_running_loop().create_task(self._run(), name=f"trivia-round-{self.channel_id}")
        log.info("Round started in channel %s with %s questions", self.channel_id, self.total)
        self._task.add_done_callback(self._log_unexpected_end)

    def request_stop(self, reason: EndReason = EndReason.STOPPED) -> bool:
        """Ask the round to end now (the open question is dropped unscored); return whether this call ended it.

        False means the round had already ended or was ending anyway: it ended by itself, its last question
        had already closed (the round then finishes as played), or an earlier stop came first. Call
        :meth:`stop` (or :meth:`wait`) to wait until it has wound down.
        """
        if self._task is None:
            raise RuntimeError("this round was never started")
        if self._task.done() or self._finishing or self._stop_reason is not None or self._last_question_closed:
            return False
        self._stop_reason = reason
        # Cancel only a task that is running elsewhere: a task cancelled before its first step would skip its
        # clean-up, and our own task notices the stop at its next checkpoint instead.
        if self._running and asyncio.current_task() is not self._task:
            self._task.cancel()
        return True

    async def stop(self, reason: EndReason = EndReason.STOPPED) -> bool:
        """End the round now (see :meth:`request_stop`), wait for it to wind down; return whether this call ended it."""
        stopped = self.request_stop(reason)
        if asyncio.current_task() is not self._task:
            assert self._task is not None
            await asyncio.wait({self._task})
        return stopped

    @property
    def stopping(self) -> bool:
        """Return whether the round has been asked to stop (or is finishing) but has not wound down yet."""
        return not self.done and (self._stop_reason is not None or self._finishing)

    def forget_player(self, player_id: int) -> None:
        """Drop a player from this round (they deleted their data): no answer, score or standing of theirs stays.

        Answering again later joins the round afresh, like any new player.
        """
        self._forgotten[player_id] = self._forgotten.get(player_id, 0) + 1
        self._players.pop(player_id, None)
        if self._current is not None:
            self._current.answers.pop(player_id, None)
        self._wake_loop()  # the others may all be through now

    async def player_settled(self, player_id: int) -> None:
        """Return once no answer of this player is being judged or stored any more (their lock is free): after
        `forget_player`, what they sent before it is then either stored, so that deleting their data deletes it, or
        refused."""
        lock = self._player_locks.get(player_id)
        if lock is not None:
            async with lock:
                pass

    async def wait_quietly(self) -> None:
        """Wait until the round's task has ended, however it ended."""
        if self._task is None:
            raise RuntimeError("this round was never started")
        await asyncio.wait({self._task})

    async def wait(self) -> Standings:
        """Wait for the round to end and return the final standings."""
        if self._task is None:
            raise RuntimeError("this round was never started")
        await asyncio.wait({self._task})
        self._task.result()
        return self.standings()

    def standings(self) -> Standings:
        """Return everyone's totals so far, best first."""
        ranked = sorted(self._players.values(), key=lambda t: (-t.points, -t.correct, t.join_order))
        return Standings(
            scores=tuple(
                PlayerScore(
                    player=t.player, points=t.points, correct=t.correct, answered=t.answered, best_streak=t.best_streak
                )
                for t in ranked
            ),
            questions_played=self._questions_played,
        )

    def _log_unexpected_end(self, task: asyncio.Task[None]) -> None:
        if task.cancelled():
            log.warning("Round task in channel %s was cancelled from outside", self.channel_id)
        elif (error := task.exception()) is not None:
            log.error("Round task in channel %s crashed", self.channel_id, exc_info=error)

    async def _run(self) -> None:
        self._running = True
        try:
            reason = await self._play_round_until_stopped()
            await self._finish(reason)
        finally:
            self._over = True
            if self._current is not None:
                self._current.accepting = False
            if self._on_end is not None:
                self._on_end(self)

    async def _play_round_until_stopped(self) -> EndReason:
        try:
            return await self._play_round()
        except _StopRequested:
            return self._stop_reason or EndReason.STOPPED
        except asyncio.CancelledError:
            if self._stop_reason is None:
                raise
            task = asyncio.current_task()
            if task is not None:
                task.uncancel()
            return self._stop_reason
        except Exception:
            log.exception("Round in channel %s failed; ending it", self.channel_id)
            return EndReason.ERROR

    async def _play_round(self) -> EndReason:
        idle_questions = 0
        failed_openings = 0
        for position, question in enumerate(self._questions):
            self._raise_if_stopping()
            anyone_answered = await self._play_question(position, question)
            if anyone_answered is None:
                # Never shown: neither played nor held against the players as unanswered.
                failed_openings += 1
                if failed_openings >= MAX_FAILED_OPENINGS:
                    return EndReason.ERROR
            else:
                failed_openings = 0
                self._questions_played += 1
                idle_questions = 0 if anyone_answered else idle_questions + 1
                if idle_questions >= self.settings.max_idle_questions:
                    return EndReason.INACTIVE
            self._raise_if_stopping()
            if position + 1 < len(self._questions):
                await self._clock.sleep_until(self._clock.now() + self.settings.pause_between)
        return EndReason.ERROR if failed_openings and not self._questions_played else EndReason.FINISHED

    def _raise_if_stopping(self) -> None:
        if self._stop_reason is not None:
            raise _StopRequested

    async def _finish(self, reason: EndReason) -> None:
        self._finishing = True
        self._over = True
        if self._current is not None:
            self._current.accepting = False
        self._end_reason = reason
        standings = self.standings()
        log.info("Round in channel %s ended (%s) after %s questions", self.channel_id, reason, self._questions_played)
        try:
            await self._recorder.round_finished(standings, reason)
        except Exception:
            log.exception("Recording the end of the round in channel %s failed", self.channel_id)
        try:
            await self._listener.round_finished(standings, reason)
        except Exception:
            log.exception("Showing the end of the round in channel %s failed", self.channel_id)

    # ------------------------------------------------------------------ one question

    async def _play_question(self, position: int, question: Question) -> bool | None:
        """Ask one question, collect answers, score and reveal it; return whether it counts as answered.

        A question shown with less than half its time left (a slow post) counts as answered: an empty one
        would say more about the bot than the players. None means it could not be shown at all: it is
        dropped unscored (answers that arrived meanwhile stay stored, worth nothing).
        """
        limit = self.settings.seconds_per_question
        opened_at = self._clock.now()
        state = _OpenQuestion(
            position=position,
            question=question,
            opened_at=opened_at,
            deadline=opened_at + limit,
            players_before_open=len(self._players),
        )
        # Accept answers before question_opened returns: buttons are clickable as soon as the message is sent.
        self._current = state
        hints = make_hints(question)
        hint_schedule = [(opened_at + limit * (i + 1) / (len(hints) + 1), text) for i, text in enumerate(hints)]
        opening = QuestionOpening(
            question=question,
            position=position,
            total=self.total,
            time_limit=limit,
            closes_at=self._clock.wall() + dt.timedelta(seconds=limit),
            typed_attempts=self.settings.typed_attempts,
        )
        try:
            try:
                state.message_id = await _unbroken(self._listener.question_opened(opening))
            except _StopRequested:
                raise
            except Exception as error:
                log.warning(
                    "Could not show question %s in channel %s, skipping it: %r", position + 1, self.channel_id, error
                )
                log.debug("Why question %s could not be shown", position + 1, exc_info=True)
                shown_at = None
            else:
                shown_at = self._clock.now()
                closed_early = await self._collect_answers(state, hint_schedule)
        finally:
            state.accepting = False
            if position + 1 >= self.total:
                self._last_question_closed = True  # from here a stop can no longer cut the round short
        await state.writes_drained.wait()
        if shown_at is None:
            return None
        self._raise_if_stopping()
        result = self._score(state, closed_early=closed_early)
        await _unbroken(self._recorder.score_question(result))
        await _unbroken(self._listener.question_closed(result))
        return bool(state.answers) or state.deadline - shown_at < limit / 2

    async def _collect_answers(self, state: _OpenQuestion, hint_schedule: list[tuple[float, str]]) -> bool:
        """Wait out the question, sending hints and progress; return True if it closed early."""
        while True:
            self._raise_if_stopping()
            now = self._clock.now()
            if now >= state.deadline:
                return False
            if self._everyone_finished(state):
                return True
            if hint_schedule and hint_schedule[0][0] <= now:
                _, hint = hint_schedule.pop(0)
                await _unbroken(self._listener.hint(state.position, hint))
                continue
            progress_due = self._progress_due_at(state)
            if progress_due is not None and progress_due <= now:
                state.progress_pending = False
                self._last_progress_at = now
                await _unbroken(self._listener.progress(state.position, len(state.answers)))
                continue
            wake_times = [state.deadline]
            if hint_schedule:
                wake_times.append(hint_schedule[0][0])
            if progress_due is not None:
                wake_times.append(progress_due)
            await self._sleep_until_or_answer(min(wake_times))

    def _everyone_finished(self, state: _OpenQuestion) -> bool:
        """Return whether every joined player is through with this question.

        Only once somebody had joined before the question opened: otherwise the first click of a round
        would close its first question on everyone else.
        """
        kind, attempts = state.question.kind, self.settings.typed_attempts
        return state.players_before_open > 0 and all(
            (answers := state.answers.get(player_id)) is not None and answers.finished(kind, attempts)
            for player_id in self._players
        )

    def _progress_due_at(self, state: _OpenQuestion) -> float | None:
        if not state.progress_pending:
            return None
        if self._last_progress_at is None:
            return state.opened_at
        return self._last_progress_at + self.settings.progress_interval

    async def _sleep_until_or_answer(self, wake_at: float) -> None:
        """Sleep until ``wake_at``, or until an answer gives the loop something to do (`_wake_loop`)."""
        self._wake = wake = asyncio.get_running_loop().create_future()
        sleeper = asyncio.ensure_future(self._clock.sleep_until(wake_at))
        try:
            await asyncio.wait((sleeper, wake), return_when=asyncio.FIRST_COMPLETED)
        finally:
            self._wake = None
            sleeper.cancel()
        if sleeper.done() and not sleeper.cancelled():
            sleeper.result()

    def _wake_loop(self) -> None:
        """Wake the round's loop if it sleeps; it re-checks everything (deadline, hints, progress, who is through).

        Only answers that change what the loop does call this: a player's first answer to the question (a
        progress refresh becomes due) and one after which every player is through (the question closes early).
        A changed choice or another try changes neither, and does not cost the loop a wake-up.
        """
        if self._wake is not None and not self._wake.done():
            self._wake.set_result(None)

    # ------------------------------------------------------------------ answers

    async def submit_choice(self, player: Player, position: int, choice_index: int) -> ChoiceAck:
        """Pick or change an option of question ``position``; the last choice counts, timed from when it was made."""
        arrived_at = self._clock.now()
        state = self._question_open_for_choice(position, arrived_at)
        if not 0 <= choice_index < len(state.question.choices):
            raise InvalidChoice(choice_index, len(state.question.choices))
        async with self._lock_for(player):
            self._ensure_still_open(state, arrived_at)
            answers = state.answers.get(player.id)
            previous = answers.submissions[-1].choice if answers else None
            if previous == choice_index:
                return ChoiceAck(position=position, choice_index=choice_index, previous_choice=previous, changed=False)
            submission = _Submission(at=arrived_at, sequence=next(self._sequence), choice=choice_index)
            correct = choice_index == state.question.correct_index
            record = self._record_for(
                state, player, submission, correct=correct, credit=1.0 if correct else 0.0, reason=None
            )
            await self._store(state, player, submission, record)
        return ChoiceAck(position=position, choice_index=choice_index, previous_choice=previous, changed=True)

    async def submit_text(self, player: Player, text: str) -> TextAck:
        """Judge and store a typed answer to the open typed, numeric or set question."""
        arrived_at = self._clock.now()
        state = self._question_open_for_text(arrived_at)
        kind, allowed = state.question.kind, self.settings.typed_attempts
        async with self._lock_for(player):
            self._ensure_still_open(state, arrived_at)
            answers = state.answers.get(player.id)
            used = len(answers.submissions) if answers else 0
            if answers is not None and answers.right(kind):
                raise AlreadyAnswered()
            if used >= allowed:
                raise AttemptsExhausted(allowed)
            judgement = self._judge(state.question, text)
            accepted = bool(judgement.accepted)
            credit = min(1.0, max(0.0, float(judgement.credit))) if accepted else 0.0
            submission = _Submission(
                at=arrived_at, sequence=next(self._sequence), text=text, accepted=accepted, credit=credit
            )
            record = self._record_for(
                state, player, submission, correct=accepted, credit=credit, reason=judgement.reason
            )
            answers = await self._store(state, player, submission, record)
        return TextAck(
            position=state.position,
            accepted=accepted,
            credit=credit,
            best_credit=answers.best_credit,
            reason=judgement.reason,
            attempts_used=len(answers.submissions),
            attempts_left=allowed - len(answers.submissions),
            finished=answers.finished(kind, allowed),
        )

    def _question_open_for_choice(self, position: int, now: float) -> _OpenQuestion:
        if self._over:
            raise RoundEnded()
        state = self._current
        if state is None:
            raise NoOpenQuestion()
        if position != state.position or not state.accepting or now >= state.deadline:
            raise QuestionClosed(position)
        if state.question.kind not in CHOICE_KINDS:
            raise WrongQuestionKind(wants_typed_answer=True)
        return state

    def _question_open_for_text(self, now: float) -> _OpenQuestion:
        if self._over:
            raise RoundEnded()
        state = self._current
        if state is None or not state.accepting:
            raise NoOpenQuestion()
        if now >= state.deadline:
            raise QuestionClosed(state.position)
        if state.question.kind in CHOICE_KINDS:
            raise WrongQuestionKind(wants_typed_answer=False)
        return state

    def _ensure_still_open(self, state: _OpenQuestion, arrived_at: float) -> None:
        """Re-check after waiting for the player's lock: the question may have closed meanwhile."""
        if state is not self._current or not state.accepting or arrived_at >= state.deadline:
            raise QuestionClosed(state.position)
        if self._over:
            raise RoundEnded()

    def _lock_for(self, player: Player) -> asyncio.Lock:
        lock = self._player_locks.get(player.id)
        if lock is None:  # not setdefault: that would build a lock on every answer
            lock = self._player_locks[player.id] = asyncio.Lock()
        return lock

    def _record_for(
        self,
        state: _OpenQuestion,
        player: Player,
        submission: _Submission,
        *,
        correct: bool,
        credit: float,
        reason: str | None,
    ) -> AnswerRecord:
        answers = state.answers.get(player.id)
        return AnswerRecord(
            channel_id=self.channel_id,
            round_id=self.round_id,
            position=state.position,
            question=state.question,
            player=player,
            choice_index=submission.choice,
            text=submission.text,
            correct=correct,
            credit=credit,
            reason=reason,
            attempt=(len(answers.submissions) if answers else 0) + 1,
            elapsed=max(0.0, submission.at - state.opened_at),
            answered_at=self._clock.wall() - dt.timedelta(seconds=self._clock.now() - submission.at),
        )

    async def _store(
        self, state: _OpenQuestion, player: Player, submission: _Submission, record: AnswerRecord
    ) -> _PlayerAnswers:
        """Record the submission, then count it; if recording fails it is not counted and the error propagates."""
        state.begin_write()
        forgotten = self._forgotten.get(player.id, 0)
        try:
            await self._recorder.record_answer(record)
            if self._forgotten.get(player.id, 0) != forgotten:
                # They deleted their data while this answer was being stored; the deletion comes after this write
                # (`player_settled`), so it joins neither the question nor the round, and is deleted too.
                raise PlayerForgotten()
            answers = state.answers.get(player.id)
            wake = False
            if answers is None:
                answers = state.answers[player.id] = _PlayerAnswers(player)
                wake = not state.progress_pending  # a progress refresh is due from now on
                state.progress_pending = True
            answers.player = player
            answers.submissions.append(submission)
            tally = self._players.get(player.id)
            if tally is None:
                self._players[player.id] = _Tally(player=player, join_order=len(self._players))
            else:
                tally.player = player
            # Everyone can be through only once everyone has answered (every answering player is in _players).
            if wake or (len(state.answers) >= len(self._players) and self._everyone_finished(state)):
                self._wake_loop()
            return answers
        finally:
            state.end_write()

    # ------------------------------------------------------------------ scoring

    def _score(self, state: _OpenQuestion, *, closed_early: bool) -> QuestionResult:
        question = state.question
        counted = {player_id: _counted(player_id, answers, question) for player_id, answers in state.answers.items()}
        target = question.expected.number
        if (
            question.kind == QuestionKind.NUMERIC
            and target is not None
            and not any(c.correct for c in counted.values())
        ):
            counted.update(self._closest_numeric_answers(state, target))

        outcomes: list[tuple[_Submission, PlayerOutcome]] = []
        for player_id, tally in self._players.items():
            answer = counted.get(player_id)
            if answer is None:
                tally.streak = 0
                continue
            elapsed = max(0.0, answer.submission.at - state.opened_at)
            score = score_answer(
                correct=answer.correct,
                credit=answer.credit,
                elapsed=elapsed,
                time_limit=self.settings.seconds_per_question,
                streak_before=tally.streak,
                closest=answer.closest,
            )
            tally.streak = tally.streak + 1 if answer.correct else 0
            tally.best_streak = max(tally.best_streak, tally.streak)
            tally.correct += answer.correct
            tally.answered += 1
            tally.points += score.total
            outcome = PlayerOutcome(
                player=tally.player,
                correct=answer.correct,
                credit=answer.credit,
                score=score,
                elapsed=elapsed,
                streak=tally.streak,
                choice=answer.submission.choice,
                text=answer.submission.text,
                attempts=len(state.answers[player_id].submissions),
                closest=answer.closest,
            )
            outcomes.append((answer.submission, outcome))
        outcomes.sort(key=lambda pair: (pair[0].at, pair[0].sequence))
        first_correct = next((outcome.player for _, outcome in outcomes if outcome.correct), None)

        choice_counts: tuple[int, ...] = ()
        if question.kind in CHOICE_KINDS:
            counts = [0] * len(question.choices)
            for answer in counted.values():
                if answer.submission.choice is not None:
                    counts[answer.submission.choice] += 1
            choice_counts = tuple(counts)
        return QuestionResult(
            question=question,
            position=state.position,
            total=self.total,
            outcomes=tuple(outcome for _, outcome in outcomes),
            first_correct=first_correct,
            choice_counts=choice_counts,
            answered_count=len(state.answers),
            closed_early=closed_early,
            message_id=state.message_id,
        )

    def _closest_numeric_answers(self, state: _OpenQuestion, target: float) -> dict[int, _Counted]:
        """Return the closest guess of each player who guessed nearest to ``target`` (nobody being within tolerance)."""
        nearest: dict[int, tuple[float, _Submission]] = {}
        for player_id, answers in state.answers.items():
            for submission in answers.submissions:
                value = self._read_number(submission.text or "", state.question.expected.unit)
                if value is None:
                    continue
                best = nearest.get(player_id)
                if best is None or abs(value - target) < abs(best[0] - target):
                    nearest[player_id] = (value, submission)
        winners = closest_guesses({player_id: value for player_id, (value, _) in nearest.items()}, target)
        return {
            player_id: _Counted(player_id, nearest[player_id][1], correct=False, credit=0.0, closest=True)
            for player_id in winners
        }


def _counted(player_id: int, answers: _PlayerAnswers, question: Question) -> _Counted:
    """Pick the submission that counts: the last choice, else the best accepted answer (earliest on a tie)."""
    if question.kind in CHOICE_KINDS:
        last = answers.submissions[-1]
        correct = last.choice == question.correct_index
        return _Counted(player_id, last, correct=correct, credit=1.0 if correct else 0.0)
    accepted = [s for s in answers.submissions if s.accepted]
    if accepted:
        best = max(accepted, key=lambda s: (s.credit, -s.sequence))
        return _Counted(player_id, best, correct=True, credit=best.credit)
    return _Counted(player_id, answers.submissions[-1], correct=False, credit=0.0)


def _unbroken(call: Awaitable[T]) -> Awaitable[T]:
    """Run a listener or recorder call that a stop must not cut off mid-request: it completes in the background.

    Cancelling a Discord request half-way can leave discord.py's rate-limit state waiting on a response that
    never comes, and a half-sent edit helps nobody; the round itself still stops at once.
    """
    task = asyncio.ensure_future(call)
    task.add_done_callback(_log_background_failure)
    return asyncio.shield(task)


def _log_background_failure(task: asyncio.Future[Any]) -> None:
    if not task.cancelled() and (error := task.exception()) is not None:
        log.debug("A round call finished with %r after its caller stopped waiting", error)
