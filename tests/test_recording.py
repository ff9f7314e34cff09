"""The storage bridge of a round: answers that race their question's storage still land (on both backends)."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from bot.app import QuestionSource
from bot.engine import AnswerRecord, NoOpenQuestion, Player, QuestionOpening, QuestionResult
from bot.recording import RoundLedger
from bot.storage import AnyStorage
from questions.generate import QuestionBank
from questions.models import QuestionKind
from tests.storage_backends import StorageBackend

NOW = dt.datetime(2026, 1, 5, 12, 0, tzinfo=dt.UTC)


def _opening(bank: QuestionBank) -> QuestionOpening:
    question = next(q for q in bank.questions if q.kind == QuestionKind.MULTIPLE_CHOICE)
    return QuestionOpening(
        question=question,
        position=0,
        total=1,
        time_limit=30,
        closes_at=NOW + dt.timedelta(seconds=30),
        typed_attempts=3,
    )


def _answer(opening: QuestionOpening) -> AnswerRecord:
    return AnswerRecord(
        channel_id=2,
        round_id=None,
        position=0,
        question=opening.question,
        player=Player(7, "seven"),
        choice_index=1,
        text=None,
        correct=False,
        credit=0.0,
        reason=None,
        attempt=1,
        elapsed=0.1,
        answered_at=NOW,
    )


async def _ledger(backend: StorageBackend) -> tuple[AnyStorage, RoundLedger]:
    storage = await backend.open()
    round_id = await storage.create_round(
        guild_id=1,
        channel_id=2,
        starter_id=7,
        question_count=1,
        seconds=30,
        category=None,
        kind="mixed",
        started_at=NOW,
    )
    return storage, RoundLedger(storage, guild_id=1, round_id=round_id)


async def test_an_answer_arriving_while_its_question_is_stored_waits_and_lands(
    storage_backend: StorageBackend, question_source: QuestionSource
) -> None:
    storage, ledger = await _ledger(storage_backend)
    opening = _opening(question_source.bank)
    try:
        answering = asyncio.create_task(ledger.record_answer(_answer(opening)))  # before the question is stored
        await asyncio.sleep(0)
        assert not answering.done()
        rq_id = await ledger.open_question(opening)
        await answering
        assert ledger.round_question_id(0) == rq_id
        assert [(a.user_id, a.choice) for a in await storage.question_answers(rq_id)] == [(7, 1)]
    finally:
        await storage.close()


async def test_an_answer_to_a_question_that_could_not_be_stored_is_refused(
    storage_backend: StorageBackend, question_source: QuestionSource
) -> None:
    storage, ledger = await _ledger(storage_backend)
    opening = _opening(question_source.bank)
    answering = asyncio.create_task(ledger.record_answer(_answer(opening)))
    await asyncio.sleep(0)
    await storage.close()  # storing the question now fails
    with pytest.raises(Exception):  # noqa: B017, PT011 - whatever storage raises, it propagates
        await ledger.open_question(opening)
    with pytest.raises(NoOpenQuestion):
        await answering
    assert ledger.round_question_id(0) is None


async def test_a_question_closing_while_another_process_locks_the_database_is_scored_once_it_frees(
    storage_backend: StorageBackend, question_source: QuestionSource
) -> None:
    storage = await storage_backend.open(busy_timeout=0.1)
    round_id = await storage.create_round(
        guild_id=1,
        channel_id=2,
        starter_id=7,
        question_count=1,
        seconds=30,
        category=None,
        kind="mixed",
        started_at=NOW,
    )
    ledger = RoundLedger(storage, guild_id=1, round_id=round_id)
    opening = _opening(question_source.bank)
    try:
        rq_id = await ledger.open_question(opening)
        await ledger.record_answer(_answer(opening))
        result = QuestionResult(
            question=opening.question,
            position=0,
            total=1,
            outcomes=(),
            first_correct=None,
            choice_counts=(1, 0, 0, 0),
            answered_count=1,
            closed_early=False,
            message_id=None,
        )
        async with storage_backend.another_process_writing():
            scoring = asyncio.create_task(ledger.score_question(result))
            await asyncio.sleep(0.3)  # storage's own busy timeout has run out at least once by now
            assert not scoring.done()
        await asyncio.wait_for(scoring, timeout=5)
        assert (await storage.get_round_question(rq_id)).closed_at is not None  # type: ignore[union-attr]
    finally:
        await storage.close()
