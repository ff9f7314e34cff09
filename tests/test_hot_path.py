"""The per-answer hot path stays cheap: mechanisms added for issue 12, checked by what they do, never by timing."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.storage import QuestionNotOpen, SQLiteStorage
from tests.test_storage import ALICE, BOB, CAROL, answer, ask, start_round


@pytest.fixture
async def sqlite_storage(tmp_path: Path) -> AsyncIterator[SQLiteStorage]:
    storage = await SQLiteStorage.open(tmp_path / "trivia.db")
    yield storage
    await storage.close()


def count_trips(storage: SQLiteStorage) -> list[str]:
    """Count every call queued to the writer connection's thread (aiosqlite runs them all through `_execute`)."""
    writer: Any = storage._writer
    real = writer._execute
    trips: list[str] = []

    async def counted(fn: Any, *args: Any, **kwargs: Any) -> Any:
        trips.append(getattr(fn, "__name__", repr(fn)))
        return await real(fn, *args, **kwargs)

    writer._execute = counted
    return trips


async def test_an_answer_batch_is_one_trip_to_the_database_thread_and_committed(sqlite_storage: SQLiteStorage) -> None:
    storage = sqlite_storage
    round_id = await start_round(storage)
    question = await ask(storage, round_id, kind="mc")
    trips = count_trips(storage)
    before = storage.stats

    await storage.record_answer(answer(question, round_id, ALICE, choice=1, text=None))
    assert trips == ["_write_answers"]

    trips.clear()
    answers = [answer(question, round_id, user, choice=user % 4, text=None) for user in range(2000, 2100)]
    await asyncio.gather(*(storage.record_answer(one) for one in answers))
    after = storage.stats
    batches = after.answer_batches - before.answer_batches - 1
    assert trips == ["_write_answers"] * batches and 1 <= batches <= 5
    assert after.commits - before.commits == batches + 1
    assert len(await storage.question_answers(question)) == 101


async def test_a_refused_answer_in_a_batch_is_explained_in_the_same_trip(sqlite_storage: SQLiteStorage) -> None:
    storage = sqlite_storage
    round_id = await start_round(storage)
    question = await ask(storage, round_id, kind="mc")
    trips = count_trips(storage)
    good = [storage.record_answer(answer(question, round_id, user, choice=0, text=None)) for user in (ALICE, BOB)]
    unknown = storage.record_answer(answer(question + 100, round_id, CAROL, choice=0, text=None))
    results = await asyncio.gather(*good, unknown, return_exceptions=True)
    assert results[:2] == [None, None]
    assert isinstance(results[2], QuestionNotOpen)
    assert trips == ["_write_answers"]
    assert {row.user_id for row in await storage.question_answers(question)} == {ALICE, BOB}
