"""The per-answer hot path stays cheap: mechanisms added for issue 12, checked by what they do, never by timing."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import sqlite3
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import aiohttp
import discord
import pytest

import bot.acks
import bot.app
import bot.storage.sqlite.storage as sqlite_storage_module
from bot.acks import interaction_age
from bot.app import TriviaBot
from bot.config import Settings
from bot.engine import FakeClock, RoundSession, RoundSettings
from bot.storage import QuestionNotOpen, SQLiteStorage, StorageUnavailable
from bot.storage.sqlite.affinity import CoreFollower
from fake_discord import FakeDiscord, running_bot
from tests.bot_helpers import reply_to, wait_question
from tests.conftest import button_ids
from tests.faultkit import query, unanswered, wait_question_stored
from tests.test_engine import ANN, FakeListener, FakeRecorder, Table, judge, multiple_choice
from tests.test_engine import BOB as BEA
from tests.test_storage import ALICE, BOB, CAROL, answer, ask, start_round


@pytest.fixture
async def sqlite_storage(tmp_path: Path) -> AsyncIterator[SQLiteStorage]:
    storage = await SQLiteStorage.open(tmp_path / "trivia.db", answers_at_once=True)
    yield storage
    await storage.close()


@asynccontextmanager
async def writer_busy(storage: SQLiteStorage) -> AsyncIterator[None]:
    """Hold one of the storage's own transactions open while the block runs, then commit it.

    Answers submitted meanwhile queue up (SQLite commits an answer at once only while nothing else writes) and
    are group-committed after it.
    """
    started, release = asyncio.Event(), asyncio.Event()

    async def hold() -> None:
        async with storage.transaction():
            started.set()
            await release.wait()

    holder = asyncio.create_task(hold())
    await started.wait()
    try:
        yield
    finally:
        release.set()
        await holder


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


def answer_trips(trips: list[str]) -> list[str]:
    return [trip for trip in trips if trip == "_write_answers"]


async def test_an_answer_is_committed_at_once_without_a_trip_to_the_database_thread(
    sqlite_storage: SQLiteStorage,
) -> None:
    storage = sqlite_storage
    round_id = await start_round(storage)
    question = await ask(storage, round_id, kind="mc")
    trips = count_trips(storage)
    commits = storage.commit_count
    await storage.record_answer(answer(question, round_id, ALICE, choice=1, text=None))
    assert trips == []
    assert storage.commit_count == commits + 1
    # Committed: another connection sees it.
    assert query(storage.path, f"SELECT choice FROM answers WHERE user_id = {ALICE}") == [(1,)]
    with pytest.raises(QuestionNotOpen):  # refused at once too, and explained
        await storage.record_answer(answer(question + 100, round_id, BOB, choice=0, text=None))
    assert trips == []


async def test_answers_queued_behind_a_transaction_are_one_trip_per_batch(sqlite_storage: SQLiteStorage) -> None:
    storage = sqlite_storage
    round_id = await start_round(storage)
    question = await ask(storage, round_id, kind="mc")
    trips = count_trips(storage)
    before = storage.stats
    answers = [answer(question, round_id, user, choice=user % 4, text=None) for user in range(2000, 2100)]
    async with writer_busy(storage):
        answering = asyncio.gather(*(storage.record_answer(one) for one in answers))
        await asyncio.sleep(0)
    await answering
    after = storage.stats
    batches = after.answer_batches - before.answer_batches
    assert answer_trips(trips) == ["_write_answers"] * batches and 1 <= batches <= 5
    assert len(await storage.question_answers(question)) == 100


async def test_a_refused_answer_in_a_batch_is_explained_in_the_same_trip(sqlite_storage: SQLiteStorage) -> None:
    storage = sqlite_storage
    round_id = await start_round(storage)
    question = await ask(storage, round_id, kind="mc")
    trips = count_trips(storage)
    async with writer_busy(storage):
        good = [storage.record_answer(answer(question, round_id, user, choice=0, text=None)) for user in (ALICE, BOB)]
        unknown = storage.record_answer(answer(question + 100, round_id, CAROL, choice=0, text=None))
        answering = asyncio.gather(*good, unknown, return_exceptions=True)
        await asyncio.sleep(0)
    results = await answering
    assert results[:2] == [None, None]
    assert isinstance(results[2], QuestionNotOpen)
    assert answer_trips(trips) == ["_write_answers"]
    assert {row.user_id for row in await storage.question_answers(question)} == {ALICE, BOB}


async def test_an_answer_never_overtakes_one_queued_before_it(sqlite_storage: SQLiteStorage) -> None:
    """The latest choice wins: a change made while an earlier one still waits in the queue waits behind it."""
    storage = sqlite_storage
    round_id = await start_round(storage)
    question = await ask(storage, round_id, kind="mc")
    async with writer_busy(storage):
        first = asyncio.create_task(storage.record_answer(answer(question, round_id, ALICE, choice=1, text=None)))
        await asyncio.sleep(0)
    # The transaction is committed and its lock free, but the first choice is still queued: the second must not be
    # committed at once ahead of it.
    await storage.record_answer(answer(question, round_id, ALICE, choice=2, text=None))
    await first
    assert [row.choice for row in await storage.question_answers(question)] == [2]


async def test_another_process_holding_the_lock_sends_answers_the_queued_way(tmp_path: Path) -> None:
    storage = await SQLiteStorage.open(tmp_path / "trivia.db", busy_timeout=30, answers_at_once=True)
    try:
        round_id = await start_round(storage)
        question = await ask(storage, round_id, kind="mc")
        trips = count_trips(storage)
        blocker = sqlite3.connect(storage.path, isolation_level=None)
        blocker.execute("BEGIN IMMEDIATE")
        answering = asyncio.create_task(storage.record_answer(answer(question, round_id, ALICE, choice=3, text=None)))
        await asyncio.sleep(0.2)
        assert not answering.done()  # waiting on the writer's thread (its busy timeout), not on the event loop
        blocker.execute("ROLLBACK")
        blocker.close()
        await answering
        assert answer_trips(trips) == ["_write_answers"]
        assert [row.choice for row in await storage.question_answers(question)] == [3]
    finally:
        await storage.close()


async def test_a_slow_commit_sends_answers_through_the_thread_for_a_while(
    sqlite_storage: SQLiteStorage, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    storage = sqlite_storage
    round_id = await start_round(storage)
    question = await ask(storage, round_id, kind="mc")
    trips = count_trips(storage)
    monkeypatch.setattr(sqlite_storage_module, "SLOW_ANSWER_COMMIT_SECONDS", -1.0)  # every commit is "slow"
    await storage.record_answer(answer(question, round_id, ALICE, choice=1, text=None))
    assert trips == [] and "took" in caplog.text
    await storage.record_answer(answer(question, round_id, BOB, choice=1, text=None))
    assert answer_trips(trips) == ["_write_answers"]


async def test_answers_committed_at_once_are_checkpointed_on_the_writers_thread(
    sqlite_storage: SQLiteStorage, monkeypatch: pytest.MonkeyPatch
) -> None:
    storage = sqlite_storage
    round_id = await start_round(storage)
    question = await ask(storage, round_id, kind="mc")
    monkeypatch.setattr(sqlite_storage_module, "CHECKPOINT_EVERY_COMMITS", 5)
    for user in range(12):  # none of these awaits suspends: the checkpoint starts after them, once
        await storage.record_answer(answer(question, round_id, user, choice=1, text=None))
    assert storage._checkpointer is not None
    await storage._checkpointer
    assert storage.checkpoints == 1
    await storage.record_answer(answer(question, round_id, 100, choice=1, text=None))  # 8 commits since: another
    await storage._checkpointer
    assert storage.checkpoints == 2
    ((autocheckpoint,),) = storage._answer_writer.execute("PRAGMA wal_autocheckpoint").fetchall()  # type: ignore[union-attr]
    assert autocheckpoint == 0  # the loop's thread never checkpoints (a checkpoint fsyncs)


@pytest.mark.parametrize("options", [{}, {"answers_at_once": True, "synchronous": "FULL"}], ids=["default", "full"])
async def test_by_default_or_with_synchronous_full_every_answer_goes_through_the_writers_thread(
    tmp_path: Path, options: dict[str, Any]
) -> None:
    storage = await SQLiteStorage.open(tmp_path / "trivia.db", **options)
    try:
        assert storage._answer_writer is None
        round_id = await start_round(storage)
        question = await ask(storage, round_id, kind="mc")
        trips = count_trips(storage)
        await storage.record_answer(answer(question, round_id, ALICE, choice=1, text=None))
        assert answer_trips(trips) == ["_write_answers"]
    finally:
        await storage.close()


async def test_the_bot_commits_answers_at_once_only_when_the_operator_chose_it(
    fake: FakeDiscord, make_bot: Callable[..., TriviaBot]
) -> None:
    async with running_bot(fake, make_bot()) as bot:
        assert bot.storage._answer_writer is None  # type: ignore[attr-defined]
    async with running_bot(fake, make_bot(sqlite_answer_writes="at_once")) as bot:
        assert bot.storage._answer_writer is not None  # type: ignore[attr-defined]


# --------------------------------------------------------------------------- the writer's thread follows the loop


def _fake_affinity(monkeypatch: pytest.MonkeyPatch, refuse_after: int | None = None) -> list[tuple[int, set[int]]]:
    """Record every move of a thread; the thread's own cores are 0-3; moves past ``refuse_after`` are refused."""
    moves: list[tuple[int, set[int]]] = []

    def move(tid: int, cores: set[int]) -> None:
        if refuse_after is not None and len(moves) >= refuse_after and set(cores) != {0, 1, 2, 3}:
            raise PermissionError(1, "Operation not permitted")
        moves.append((tid, set(cores)))

    monkeypatch.setattr(os, "sched_setaffinity", move, raising=False)
    monkeypatch.setattr(os, "sched_getaffinity", lambda tid: {0, 1, 2, 3}, raising=False)
    return moves


def test_the_writer_thread_is_moved_only_when_the_loop_changed_core(monkeypatch: pytest.MonkeyPatch) -> None:
    moves = _fake_affinity(monkeypatch)
    cores = iter([3, 3, 3, 0, 0, 3])
    follower = CoreFollower(4242, current_cpu=lambda: next(cores))
    for _ in range(6):
        follower.follow()
    assert moves == [(4242, {3}), (4242, {0}), (4242, {3})]
    assert follower.active and follower.core == 3
    follower.release()  # the writer gets all its cores back, once
    follower.release()
    assert moves[3:] == [(4242, {0, 1, 2, 3})] and follower.core is None


def test_a_refused_move_gives_the_thread_its_cores_back_and_stops_following(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    moves = _fake_affinity(monkeypatch, refuse_after=1)
    cores = iter([2, 1, 0])
    follower = CoreFollower(4242, current_cpu=lambda: next(cores))
    with caplog.at_level(logging.INFO, logger="bot.storage.sqlite.affinity"):
        follower.follow()  # moved to core 2
        follower.follow()  # core 1 refused: back to every core it had, and no more moves
        follower.follow()
    assert moves == [(4242, {2}), (4242, {0, 1, 2, 3})]
    assert not follower.active and follower.core is None
    assert "no longer moved" in caplog.text
    assert not CoreFollower(None).active  # no thread id known: nothing to move
    assert not CoreFollower(4242, current_cpu=None).active  # no sched_getcpu on this platform


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="thread affinity is Linux's")
async def test_an_answer_batch_moves_the_writer_thread_to_the_loops_core(tmp_path: Path) -> None:
    storage = await SQLiteStorage.open(tmp_path / "trivia.db")  # answers through the writer's thread
    try:
        follower = storage._writer_follower
        writer_thread = await sqlite_storage_module._in_one_trip(storage._writer, lambda _: threading.get_native_id())
        assert follower._thread_id == writer_thread != threading.get_native_id()
        own_cores = os.sched_getaffinity(writer_thread)
        round_id = await start_round(storage)
        question = await ask(storage, round_id, kind="mc")
        await storage.record_answer(answer(question, round_id, ALICE, choice=1, text=None))
        if not follower.active:
            pytest.skip("this kernel or sandbox refuses to move threads")
        assert follower.core is not None and follower.core in own_cores
        assert os.sched_getaffinity(writer_thread) == {follower.core}
    finally:
        await storage.close()


async def test_answers_are_stored_when_the_writer_thread_cannot_be_moved(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(tid: int, cores: set[int]) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "sched_setaffinity", refuse, raising=False)
    storage = await SQLiteStorage.open(tmp_path / "trivia.db")
    try:
        round_id = await start_round(storage)
        question = await ask(storage, round_id, kind="mc")
        await storage.record_answer(answer(question, round_id, ALICE, choice=1, text=None))
        await storage.record_answer(answer(question, round_id, BOB, choice=0, text=None))
        assert storage.stats.answers_written == 2
        assert not storage._writer_follower.active
    finally:
        await storage.close()


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


# --------------------------------------------------------------------------- text replies without the copy back


def _callback_of(fake: FakeDiscord, interaction_id: int) -> Any:
    (request,) = [r for r in fake.requests if r.path.startswith(f"/interactions/{interaction_id}/")]
    return request


async def test_a_text_reply_is_discord_pys_request_without_asking_for_the_message_back(
    fake: FakeDiscord, make_bot: Callable[..., TriviaBot], monkeypatch: pytest.MonkeyPatch
) -> None:
    after_reply: list[str] = []
    real_send = bot.acks.send_text_reply

    async def send_and_check(interaction: discord.Interaction[Any], content: str, *, ephemeral: bool = True) -> None:
        await real_send(interaction, content, ephemeral=ephemeral)
        assert interaction.response.is_done()  # so the rest of discord.py treats it as answered
        with pytest.raises(discord.InteractionResponded):
            await real_send(interaction, "twice", ephemeral=True)
        after_reply.append(content)
        await interaction.followup.send("a followup still works", ephemeral=True)

    monkeypatch.setattr(bot.acks, "send_text_reply", send_and_check)
    async with running_bot(fake, make_bot()):
        await reply_to(fake, fake.slash_command("trivia start", {"questions": 1, "kind": "multiple_choice"}))
        question = await wait_question(fake, fake.channel_id, 1)
        click = fake.click(question, button_ids(question)[1], user=2)
        confirmed = await reply_to(fake, click)
        assert confirmed.content.startswith("You chose **B · ") and confirmed.ephemeral
        (followup,) = await fake.result(click["token"]).followups(1)
        assert followup["content"] == "a followup still works"
        assert after_reply[-1] == confirmed.content  # (the public "started a round" went the same way)
        request = _callback_of(fake, int(click["id"]))
        assert request.status == 204 and "with_response" not in request.query
        assert request.json == {
            "type": 4,
            "data": {"tts": False, "content": confirmed.content, "flags": 64, "allowed_mentions": {"parse": []}},
        }
        # discord.py's own send_message sends the same body (here a refusal), asking for the message back.
        refused = fake.slash_command("leaderboard", {"scope": "server", "period": "all"}, user=3)
        stats = fake.slash_command("stats", {}, user=3)
        for payload in (refused, stats):
            await reply_to(fake, payload)
        own = [_callback_of(fake, int(p["id"])) for p in (refused, stats)]
        asked_back = [r for r in own if r.query.get("with_response") == "1"]
        assert asked_back, "no reply went through discord.py's send_message to compare with"
        assert all(r.json["data"]["allowed_mentions"] == {"parse": []} for r in asked_back)


def _count_tasks_of(bot: TriviaBot) -> list[str]:
    """Record every task the bot's own interaction handler starts."""
    spawned: list[str] = []

    class Recording(set[asyncio.Task[None]]):
        def add(self, task: asyncio.Task[None]) -> None:
            spawned.append(task.get_name())
            super().add(task)

    bot._interaction_tasks = Recording(bot._interaction_tasks)
    return spawned


@pytest.mark.parametrize("age", [0.0, 2.5, 600.0])
def test_interaction_age_is_read_from_the_snowflake(age: float) -> None:
    created = discord.utils.utcnow() - dt.timedelta(seconds=age)
    interaction: Any = SimpleNamespace(id=discord.utils.time_snowflake(created), created_at=created)
    assert interaction_age(interaction) == pytest.approx(age, abs=0.5)
    expected = (discord.utils.utcnow() - discord.utils.snowflake_time(interaction.id)).total_seconds()
    assert interaction_age(interaction) == pytest.approx(expected, abs=0.5)


async def test_a_full_disk_refuses_an_answer_committed_at_once_and_writes_nothing_of_it(tmp_path: Path) -> None:
    path = tmp_path / "trivia.db"
    async with await SQLiteStorage.open(path) as setup:
        round_id = await start_round(setup)
        question = await ask(setup, round_id, kind="mc")
    # A one-byte cap is raised to the current size: only the free space left in existing pages remains.
    storage = await SQLiteStorage.open(path, max_size_bytes=1, answers_at_once=True)
    try:
        trips = count_trips(storage)
        confirmed = 0
        refusal: StorageUnavailable | None = None
        for user in range(300):
            try:
                await storage.record_answer(answer(question, round_id, user, choice=0, text="x" * 200))
            except StorageUnavailable as error:
                refusal = error
                break
            confirmed += 1
        assert refusal is not None and "full" in str(refusal)
        assert trips == []  # refused by the at-once connection itself
        assert 0 < confirmed < 300
        assert len(await storage.question_answers(question)) == confirmed
        assert await storage.integrity_check() == "ok"
    finally:
        await storage.close()


async def test_the_bot_holds_at_most_its_connection_limit_and_still_answers_every_interaction(
    fake: FakeDiscord, make_bot: Callable[..., TriviaBot], monkeypatch: pytest.MonkeyPatch
) -> None:
    # discord.py's default pool has no limit: 8 slow replies at once would take 8 connections (and files).
    monkeypatch.setattr(bot.app, "HTTP_CONNECTION_LIMIT", 3)
    async with running_bot(fake, make_bot()) as trivia:
        connector = trivia.http.connector
        assert isinstance(connector, aiohttp.TCPConnector) and connector.limit == 3
        fake.latency = 0.5  # Discord slow to answer: requests pile up
        fake.most_requests_in_flight = 0
        asked = [fake.slash_command("stats", {}, user=10 + n) for n in range(8)]
        replies = await asyncio.gather(*(reply_to(fake, payload, timeout=20) for payload in asked))
        assert all(reply.ephemeral for reply in replies)
        assert 1 < fake.most_requests_in_flight <= 3  # in parallel, within the limit (the gateway may take one)
