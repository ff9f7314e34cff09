"""The channel display's own pacing, on a fake clock: posts, cosmetic edits and the reveal at exact times."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from typing import Any

from bot.discord_round import WRITE_GAP_SECONDS, ChannelRoundDisplay
from bot.engine import FakeClock, QuestionOpening, QuestionResult
from bot.engine.write_budget import ChannelWriteBudget, WritePriority
from questions.generate import build_bank
from questions.loader import default_seeds_dir, load_store
from questions.models import Question, QuestionKind
from questions.store import FactStore

SECONDS = 10.0


@cache
def seed_store() -> FactStore:
    return load_store([default_seeds_dir()])


def a_multiple_choice_question() -> Question:
    return next(q for q in build_bank(seed_store(), seed=0) if q.kind == QuestionKind.MULTIPLE_CHOICE)


class FakeMessage:
    """A posted message whose edits the channel logs."""

    def __init__(self, channel: FakeChannel, message_id: int) -> None:
        self.channel, self.id = channel, message_id

    async def edit(self, **fields: Any) -> FakeMessage:
        kind = "reveal" if "view" in fields else "edit"
        self.channel.writes.append((self.channel.clock.now(), kind))
        return self


class FakeChannel:
    """Logs every write as (fake time, kind)."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.writes: list[tuple[float, str]] = []

    async def send(self, **fields: Any) -> FakeMessage:
        self.writes.append((self.clock.now(), "post"))
        return FakeMessage(self, 1000 + len(self.writes))


def opening(question: Question, clock: FakeClock) -> QuestionOpening:
    return QuestionOpening(
        question=question,
        position=1,
        total=1,
        time_limit=SECONDS,
        closes_at=clock.wall() + dt.timedelta(seconds=SECONDS),
        typed_attempts=3,
    )


def result(question: Question, message_id: int | None) -> QuestionResult:
    return QuestionResult(
        question=question,
        position=1,
        total=1,
        outcomes=(),
        first_correct=None,
        choice_counts=tuple(0 for _ in question.choices),
        answered_count=2,
        closed_early=False,
        message_id=message_id,
    )


@dataclass
class ShownQuestion:
    """A display on a fake clock that has just posted a 10-s question at time 0."""

    clock: FakeClock
    channel: FakeChannel
    display: ChannelRoundDisplay
    question: Question
    message_id: int | None

    async def close_at(self, seconds: float) -> None:
        """Close the question (its reveal) at ``seconds``."""
        await self.clock.sleep_until(seconds)
        await self.display.question_closed(result(self.question, self.message_id))


async def show_a_question(budget_per_second: int | None = None) -> ShownQuestion:
    clock = FakeClock()
    channel = FakeChannel(clock)
    budget = None if budget_per_second is None else ChannelWriteBudget(clock, per_second=budget_per_second)
    display = ChannelRoundDisplay(channel, round_id=1, store=seed_store(), clock=clock, budget=budget)  # type: ignore[arg-type]
    question = a_multiple_choice_question()
    message_id = await display.question_opened(opening(question, clock))
    return ShownQuestion(clock, channel, display, question, message_id)


async def test_a_cosmetic_edit_that_would_hold_up_the_reveal_is_left_out() -> None:
    shown = await show_a_question()
    clock, display = shown.clock, shown.display
    await clock.sleep_until(2.0)
    await display.progress(1, 1)  # shown at once
    await clock.sleep_until(8.5)
    await display.progress(1, 2)  # shown at once: the channel is free again at 9.55, before the close
    await clock.sleep_until(8.6)
    await display.hint(1, "It starts with S.")  # its turn would come at 9.55, holding the channel past 10
    await shown.close_at(SECONDS)
    assert shown.channel.writes == [(0.0, "post"), (2.0, "edit"), (8.5, "edit"), (SECONDS, "reveal")]


async def test_an_edit_that_leaves_the_channel_free_by_the_close_is_still_shown() -> None:
    shown = await show_a_question()
    last_in_time = SECONDS - WRITE_GAP_SECONDS
    await shown.clock.sleep_until(last_in_time)
    await shown.display.hint(1, "It starts with S.")
    await shown.close_at(SECONDS)
    assert shown.channel.writes == [(0.0, "post"), (last_in_time, "edit"), (SECONDS, "reveal")]


async def test_an_edit_the_global_budget_lets_through_too_near_the_close_is_dropped() -> None:
    shown = await show_a_question(budget_per_second=1)
    budget = shown.display.budget
    await shown.clock.sleep_until(8.0)
    assert await budget.slot(WritePriority.ESSENTIAL)  # another round's post takes the slot of 8.0
    await shown.display.hint(1, "It starts with S.")  # its turn would come at 9.0, past 8.95 (free again by 10)
    await shown.close_at(SECONDS)
    assert shown.channel.writes == [(0.0, "post"), (SECONDS, "reveal")]
    assert budget.stats.dropped == 1


class HandMovedClock:
    """A round's clock that moves only when the test sets it (two fake clocks cannot share one event loop)."""

    def __init__(self) -> None:
        self.seconds = 0.0

    def now(self) -> float:
        return self.seconds

    async def sleep_until(self, deadline: float) -> None:
        raise AssertionError("the display never waits on the round's clock")

    def wall(self) -> dt.datetime:
        return dt.datetime(2025, 1, 1, tzinfo=dt.UTC) + dt.timedelta(seconds=self.seconds)


async def test_the_close_is_read_on_the_rounds_clock_not_the_write_clock() -> None:
    # Tests of the whole bot may space writes on a faster clock than the rounds': the close is the round's.
    round_clock, write_clock = HandMovedClock(), FakeClock()
    channel = FakeChannel(write_clock)  # logs write times
    display = ChannelRoundDisplay(
        channel,  # type: ignore[arg-type]
        round_id=1,
        store=seed_store(),
        clock=write_clock,
        round_clock=round_clock,
    )
    question = a_multiple_choice_question()
    await display.question_opened(opening(question, write_clock))
    round_clock.seconds = 5.0
    await display.progress(1, 1)  # half the question left on the round's clock: shown after the channel's gap
    await write_clock.sleep_until(5.0)
    round_clock.seconds = 9.5
    await display.progress(1, 2)  # 0.5 s left on the round's clock (the write clock says 5 of 10): left out
    await write_clock.sleep_until(10.0)
    assert channel.writes == [(0.0, "post"), (WRITE_GAP_SECONDS, "edit")]
