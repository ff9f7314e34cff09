"""The answers' commit window (issue 12): answers that come close together share one commit, none waits longer than
the window, and a server whose answers come further apart waits for nothing. Checked by what is written together,
never by how fast."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator, Callable, Sequence

import pytest

from bot.app import TriviaBot
from bot.storage.answer_writer import IDLE_WINDOWS, WINDOW_FULL_AT, AnswerWriter, PendingAnswer
from bot.storage.base import AnswerInput
from bot.storage.opening import AnyStorage
from fake_discord import FakeDiscord, running_bot
from tests.storage_backends import StorageBackend
from tests.test_storage import answer, ask, start_round

LONG_WINDOW = 60.0
"""Longer than any test runs: an answer written before it ends was written because the window filled or closed."""


def _input(user_id: int) -> AnswerInput:
    return AnswerInput(
        round_question_id=1,
        round_id=1,
        guild_id=1,
        user_id=user_id,
        choice=0,
        text=None,
        correct=False,
        credit=0.0,
        answered_at=dt.datetime(2026, 12, 2, tzinfo=dt.UTC),
        elapsed_ms=5,
    )


class Batches:
    """A backend's `WriteBatch` that records the users of every batch; ``hold`` keeps the next write open."""

    def __init__(self) -> None:
        self.written: list[list[int]] = []
        self.hold: asyncio.Event | None = None
        self.writing = asyncio.Event()

    async def __call__(self, batch: Sequence[PendingAnswer]) -> dict[int, Exception]:
        self.written.append([pending.answer.user_id for pending in batch])
        self.writing.set()
        if self.hold is not None:
            await self.hold.wait()
        return {}


@pytest.fixture
async def batches() -> Batches:
    return Batches()


@pytest.fixture
async def make_writer(batches: Batches) -> AsyncIterator[Callable[[float], AnswerWriter]]:
    writers: list[AnswerWriter] = []

    def make(window: float) -> AnswerWriter:
        writer = AnswerWriter(batches, name="test-writer", window=window)
        writers.append(writer)
        return writer

    yield make
    for writer in writers:
        await writer.drain()


def _submit(writer: AnswerWriter, user_id: int) -> asyncio.Task[None]:
    return asyncio.create_task(writer.submit(_input(user_id), None))


async def _one_written_one_waiting(writer: AnswerWriter) -> asyncio.Task[None]:
    """Submit user 0's answer (written at once: no rate is known yet), then user 1's, which waits in its window."""
    await _submit(writer, 0)
    waiting = _submit(writer, 1)
    await _settle()
    assert not waiting.done()
    return waiting


async def _player_2_waiting_in_a_window(storage: AnyStorage) -> asyncio.Task[None]:
    """Open a round on a storage with a long window; player 1's answer is written, player 2's waits in its window."""
    round_id = await start_round(storage)
    question = await ask(storage, round_id, kind="mc")
    await storage.record_answer(answer(question, round_id, 1, choice=0, text=None))
    waiting = asyncio.create_task(storage.record_answer(answer(question, round_id, 2, choice=1, text=None)))
    await _settle()
    assert not waiting.done()
    return waiting


async def _settle() -> None:
    """Let every task that can run, run (a few turns of the loop; no wall-clock wait)."""
    for _ in range(10):
        await asyncio.sleep(0)


async def test_answers_close_together_wait_for_each_other_until_the_window_is_full(
    batches: Batches, make_writer: Callable[[float], AnswerWriter]
) -> None:
    writer = make_writer(LONG_WINDOW)
    await _submit(writer, 0)  # nothing tells yet that more will come: written at once
    assert batches.written == [[0]]
    waiting = [_submit(writer, user) for user in range(1, WINDOW_FULL_AT)]
    await _settle()
    assert batches.written == [[0]]  # they came close together: the window waits for more
    assert not any(task.done() for task in waiting)
    waiting.append(_submit(writer, WINDOW_FULL_AT))
    await asyncio.wait_for(asyncio.gather(*waiting), timeout=10)  # full: written without waiting out the window
    assert batches.written == [[0], list(range(1, WINDOW_FULL_AT + 1))]
    assert writer.windows_waited == 1


async def test_a_window_that_does_not_fill_ends_on_time(
    batches: Batches, make_writer: Callable[[float], AnswerWriter]
) -> None:
    window = 0.05
    writer = make_writer(window)
    first, second = _submit(writer, 1), _submit(writer, 2)
    await asyncio.gather(first, second)
    loop = asyncio.get_running_loop()
    submitted = loop.time()
    await asyncio.wait_for(_submit(writer, 3), timeout=10)
    assert loop.time() - submitted >= window * 0.9  # it waited for company (the loop's timer may fire a hair early)
    assert batches.written[-1] == [3]
    assert writer.windows_waited >= 1


async def test_answers_further_apart_than_the_window_are_each_written_at_once(
    batches: Batches, make_writer: Callable[[float], AnswerWriter]
) -> None:
    window = 0.01
    writer = make_writer(window)
    for user in range(5):
        await asyncio.wait_for(_submit(writer, user), timeout=10)
        await asyncio.sleep(window * 5)
    assert batches.written == [[user] for user in range(5)]
    assert writer.windows_waited == 0


async def test_answers_queued_during_a_write_are_written_right_after_it(
    batches: Batches, make_writer: Callable[[float], AnswerWriter]
) -> None:
    writer = make_writer(LONG_WINDOW)
    batches.hold = asyncio.Event()
    first = _submit(writer, 0)
    await batches.writing.wait()
    later = [_submit(writer, user) for user in (1, 2)]  # close together, but a write is under way: no window
    await _settle()
    batches.hold.set()
    await asyncio.wait_for(asyncio.gather(first, *later), timeout=10)
    assert batches.written == [[0], [1, 2]]
    assert writer.windows_waited == 0


async def test_draining_writes_an_answer_waiting_in_its_window_at_once(
    batches: Batches, make_writer: Callable[[float], AnswerWriter]
) -> None:
    writer = make_writer(LONG_WINDOW)
    waiting = await _one_written_one_waiting(writer)
    await asyncio.wait_for(writer.drain(), timeout=10)
    await waiting
    assert batches.written == [[0], [1]]


def test_a_negative_window_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        AnswerWriter(Batches(), name="test-writer", window=-0.01)


async def test_each_backend_refuses_a_negative_window_before_opening(storage_backend: StorageBackend) -> None:
    with pytest.raises(ValueError, match="commit window must not be negative"):
        await storage_backend.open(answer_window=-0.01)


async def test_each_backend_confirms_an_answer_of_a_window_only_once_it_is_committed(
    storage_backend: StorageBackend,
) -> None:
    storage = await storage_backend.open(answer_window=LONG_WINDOW)
    try:
        round_id = await start_round(storage)
        question = await ask(storage, round_id, kind="mc")
        await storage.record_answer(answer(question, round_id, 1, choice=0, text=None))
        commits = storage.commit_count
        async with storage_backend.observer() as look:
            waiting = [
                asyncio.create_task(storage.record_answer(answer(question, round_id, user, choice=1, text=None)))
                for user in range(2, 2 + WINDOW_FULL_AT)
            ]
            await asyncio.wait_for(asyncio.gather(*waiting), timeout=30)
            assert storage.commit_count == commits + 1  # the window's answers: one commit
            assert (
                await look(f"SELECT count(*) FROM answers WHERE round_question_id = {question}") == 1 + WINDOW_FULL_AT
            )
        straggler = asyncio.create_task(storage.record_answer(answer(question, round_id, 99, choice=2, text=None)))
        await _settle()
        assert not straggler.done()
    finally:
        await asyncio.wait_for(storage.close(), timeout=30)  # writes the straggler without waiting out the window
    await straggler
    assert await storage_backend.scalar("SELECT count(*) FROM answers WHERE user_id = 99") == 1


async def test_the_bot_commits_answers_within_the_configured_window(
    fake: FakeDiscord, make_bot: Callable[..., TriviaBot]
) -> None:
    async with running_bot(fake, make_bot()) as bot:
        assert bot.storage._answers._window == pytest.approx(0.020)  # type: ignore[attr-defined]
    async with running_bot(fake, make_bot(answer_commit_window_ms=0)) as bot:
        assert bot.storage._answers._window == 0  # type: ignore[attr-defined]


async def test_a_flush_ends_the_window_and_waits_for_the_batch_being_written(
    batches: Batches, make_writer: Callable[[float], AnswerWriter]
) -> None:
    writer = make_writer(LONG_WINDOW)
    waiting = await _one_written_one_waiting(writer)
    await asyncio.wait_for(writer.flush(), timeout=10)  # does not wait out the window
    assert waiting.done()
    assert batches.written == [[0], [1]]
    batches.hold = asyncio.Event()
    batches.writing.clear()
    in_flight = _submit(writer, 2)
    await _settle()
    flushing = asyncio.create_task(writer.flush())
    await asyncio.wait_for(batches.writing.wait(), timeout=10)  # the window ended: the batch is being written
    await _settle()
    assert not flushing.done()  # and it is not written yet
    batches.hold.set()
    await asyncio.wait_for(asyncio.gather(flushing, in_flight), timeout=10)
    await asyncio.wait_for(writer.flush(), timeout=10)  # nothing queued: returns at once


async def test_deleting_a_player_deletes_their_answer_waiting_in_a_window_too(storage_backend: StorageBackend) -> None:
    storage = await storage_backend.open(answer_window=LONG_WINDOW)
    try:
        leaving = await _player_2_waiting_in_a_window(storage)
        assert await asyncio.wait_for(storage.delete_player(2), timeout=30) == 1  # written first, then deleted
        await leaving
        assert await storage_backend.scalar("SELECT count(*) FROM answers WHERE user_id = 2") == 0
        assert await storage_backend.scalar("SELECT count(*) FROM answers WHERE user_id = 1") == 1
    finally:
        await storage.close()


async def test_a_flush_waits_for_an_answer_whose_submitter_gave_up(
    batches: Batches, make_writer: Callable[[float], AnswerWriter]
) -> None:
    """Cancelling the task that submitted an answer does not take the answer out of the queue: a flush (a deletion
    of the player's data) must still wait until it is written."""
    writer = make_writer(LONG_WINDOW)
    waiting = await _one_written_one_waiting(writer)
    waiting.cancel()
    await _settle()
    batches.hold = asyncio.Event()
    batches.writing.clear()
    flushing = asyncio.create_task(writer.flush())
    await asyncio.wait_for(batches.writing.wait(), timeout=10)
    await _settle()
    assert not flushing.done()
    batches.hold.set()
    await asyncio.wait_for(flushing, timeout=10)
    assert batches.written == [[0], [1]]


async def test_the_first_answers_after_a_quiet_spell_wait_for_nothing(
    batches: Batches, make_writer: Callable[[float], AnswerWriter]
) -> None:
    window = 0.01
    writer = make_writer(window)
    burst = [_submit(writer, user) for user in range(3)]  # close together: the mean gap is ~0
    await asyncio.wait_for(asyncio.gather(*burst), timeout=10)
    waited = writer.windows_waited
    await asyncio.sleep(IDLE_WINDOWS * window * 1.5)
    await asyncio.wait_for(_submit(writer, 3), timeout=10)
    assert writer.windows_waited == waited  # a quiet spell starts the estimate afresh: no window for a lone answer


async def test_deleting_a_player_inside_a_transaction_does_not_wait_for_its_own_end(
    storage_backend: StorageBackend,
) -> None:
    """SQLite writes queued answers under the lock the caller's transaction holds: flushing them there would wait
    for ever."""
    storage = await storage_backend.open(answer_window=LONG_WINDOW)
    try:
        queued = await _player_2_waiting_in_a_window(storage)
        async with storage.transaction():
            assert await storage.delete_player(1) == 1  # in this task: wait_for would run it in another
        await storage.close()
        await queued
        assert await storage_backend.scalar("SELECT count(*) FROM answers WHERE user_id = 2") == 1
    finally:
        await storage.close()
