"""The per-answer hot path stays cheap: mechanisms added for issue 12, checked by what they do, never by timing."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import discord
import pytest

from bot.app import TriviaBot
from bot.config import Settings
from bot.engine import FakeClock, RoundSession, RoundSettings
from bot.storage import QuestionNotOpen, SQLiteStorage
from fake_discord import FakeDiscord, running_bot
from tests.bot_helpers import reply_to, wait_question
from tests.conftest import button_ids
from tests.faultkit import query, unanswered, wait_question_stored
from tests.test_engine import ANN, FakeListener, FakeRecorder, Table, judge, multiple_choice
from tests.test_engine import BOB as BEA
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


# --------------------------------------------------------------------------- the round loop is not woken per answer


def counted_sleeps(session: RoundSession) -> list[float]:
    """Record every time the round's loop goes to sleep (once per pass that found nothing to do)."""
    real = session._sleep_until_or_answer
    sleeps: list[float] = []

    async def counted(wake_at: float) -> None:
        sleeps.append(wake_at)
        await real(wake_at)

    session._sleep_until_or_answer = counted  # type: ignore[method-assign]
    return sleeps


async def _changes_then_last_player(changes: int) -> tuple[list[float], Table]:
    clock = FakeClock()
    listener, recorder = FakeListener(clock), FakeRecorder(clock)
    settings = RoundSettings(question_count=1, seconds_per_question=30, pause_between=3)
    session = RoundSession(
        42, [multiple_choice()], settings, listener=listener, recorder=recorder, judge=judge, clock=clock,
        players=[ANN, BEA],
    )  # fmt: skip
    table = Table(clock, listener, recorder, session)
    sleeps = counted_sleeps(session)
    # Ann changes her mind ``changes`` times within the first second; Bea, the last one through, answers at 12.
    choices = [table.choose(1 + n / (changes + 1), ANN, 0, n % 4, label=f"ann{n}") for n in range(changes)]
    await table.play(*choices, table.choose(12, BEA, 0, 2))
    return sleeps, table


async def test_changed_choices_do_not_wake_the_round_loop_but_the_last_player_through_closes_the_question() -> None:
    sleeps, table = await _changes_then_last_player(40)
    assert len(table.recorder.answers) == 41  # every change was stored ...
    # ... but only Ann's first answer (a progress refresh falls due) and Bea's woke the loop, not each change.
    assert len(sleeps) <= 4, sleeps
    # The question still closes early, the moment the last player is through, with the last choice counted.
    assert ("closed", 0, 12) in table.listener.events
    (result,) = table.listener.results
    assert result.closed_early
    assert {outcome.player.id: outcome.choice for outcome in result.outcomes} == {ANN.id: 39 % 4, BEA.id: 2}
    # The progress refresh ("N answered") still follows the first answers.
    assert [count for _, _, count in table.listener.progress_calls][:1] == [1]


# --------------------------------------------------------------------------- option clicks, without a view rebuild


async def test_an_option_click_is_stored_once_without_rebuilding_the_view_and_slash_commands_spawn_no_task_of_ours(
    fake: FakeDiscord, make_bot: Callable[..., TriviaBot], bot_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    rebuilt: list[object] = []
    real_from_message = discord.ui.View.from_message.__func__  # type: ignore[attr-defined]

    def from_message(cls: type[discord.ui.View], message: discord.Message, /, **kwargs: Any) -> discord.ui.View:
        rebuilt.append(message)
        return real_from_message(cls, message, **kwargs)  # type: ignore[no-any-return]

    monkeypatch.setattr(discord.ui.View, "from_message", classmethod(from_message))
    async with running_bot(fake, make_bot()) as bot:
        spawned = _count_tasks_of(bot)
        started = await reply_to(fake, fake.slash_command("trivia start", {"questions": 1, "kind": "multiple_choice"}))
        assert "started a round" in started.content
        assert spawned == []  # a slash command costs no task of the bot's own click-and-form handler
        question = await wait_question(fake, fake.channel_id, 1)
        await wait_question_stored(bot_settings.database_path)
        ids = button_ids(question)
        confirmed = await reply_to(fake, fake.click(question, ids[2], user=2))
        changed = await reply_to(fake, fake.click(question, ids[0], user=2))
        assert confirmed.content.startswith("You chose **C · ") and confirmed.ephemeral
        assert changed.content.startswith("You chose **A · ") and changed.ephemeral
        assert len(spawned) == 2  # one task per click
        player = int(fake.user(2)["id"])
        assert query(
            bot_settings.database_path, "SELECT choice, attempts FROM answers WHERE user_id = ?", (player,)
        ) == [(0, 2)]
        # discord.py neither rebuilt the view nor holds one for the question: the bot routed the clicks itself.
        assert rebuilt == []
        store = bot._connection._view_store
        assert int(question["id"]) not in store._views
        assert not any(pattern.pattern.startswith("ot:c:") for pattern in store._dynamic_items)
    assert not unanswered(fake)


def _count_tasks_of(bot: TriviaBot) -> list[str]:
    """Record every task the bot's own interaction handler starts."""
    spawned: list[str] = []

    class Recording(set[asyncio.Task[None]]):
        def add(self, task: asyncio.Task[None]) -> None:
            spawned.append(task.get_name())
            super().add(task)

    bot._interaction_tasks = Recording(bot._interaction_tasks)
    return spawned
