"""Faults around a running round, through the real bot: the gateway drops, Discord's API fails, SQLite is busy.

The rules under test:

* a dropped gateway (resumed or re-identified) changes nothing about a round: every question is posted once
  and revealed once, clicks keep working, and start-up work (syncing, closing interrupted rounds) is not
  redone when ``on_ready`` fires again;
* Discord answering 429 or 500 for a while only delays things (discord.py waits and retries);
* players are never charged for the bot's failures: a question whose message could not be posted is skipped,
  neither played nor counted as unanswered, and after two such questions in a row the round ends cleanly
  with reason "error"; an answer that was stored counts even when its confirmation could not be delivered
  (the player got "Discord didn't accept our reply", and pressing the same option again confirms it);
* when the database is locked or full, a click gets "nothing was saved, try again" within Discord's
  3 seconds, nothing is half-written, and the same click works once the database is writable again.
"""

# The wait helpers take a plain timeout argument, like FakeDiscord's.
# ruff: noqa: ASYNC109

from __future__ import annotations

import contextlib
import logging
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.app import QuestionSource, TriviaBot
from bot.cogs.trivia import TriviaCog
from bot.config import Settings
from bot.engine import (
    AnswerRecord,
    EndReason,
    FakeClock,
    QuestionOpening,
    QuestionResult,
    RoundSession,
    RoundSettings,
    Standings,
)
from bot.errors import DISCORD_TROUBLE
from fake_discord import FakeDiscord, running_bot
from questions.models import QuestionKind
from tests.bot_helpers import assert_pings_nobody, reply_to
from tests.conftest import button_ids, embeds_of
from tests.faultkit import (
    EPHEMERAL,
    REPLY_SLA,
    Json,
    consistency_problems,
    error_records,
    eventually,
    fresh,
    query,
    round_statuses,
    send_all,
    snapshot,
    unanswered,
    wait_question_stored,
)

QUESTION_POSTS = r"/channels/\d+/messages$"
MESSAGE_EDITS = r"/channels/\d+/messages/\d+$"
CALLBACKS = r"/interactions/\d+/[^/]+/callback$"
BUSY = "The scoreboard is busy right now and nothing was saved"


def _title(message: Json) -> str:
    embeds = embeds_of(message)
    return str(embeds[0].get("title", "")) if embeds else ""


def _trivia(bot: TriviaBot) -> TriviaCog:
    cog = bot.get_cog("trivia")
    assert isinstance(cog, TriviaCog)
    return cog


async def _question(fake: FakeDiscord, channel: int, number: int, timeout: float = 15) -> Json:
    def find() -> Json | None:
        return next((m for m in fake.messages[channel].values() if _title(m).startswith(f"Question {number}/")), None)

    return await fake.wait_for(find, timeout=timeout, description=f"question {number}")


async def _standings(fake: FakeDiscord, channel: int, timeout: float = 15) -> Json:
    def find() -> Json | None:
        return next(
            (m for m in fake.messages[channel].values() if "standings" in _title(m) or "Round ended" in _title(m)),
            None,
        )

    return await fake.wait_for(find, timeout=timeout, description="the standings")


async def _click_all(fake: FakeDiscord, message: Json, choices: dict[int, int]) -> list[Json | None]:
    """Have each player (key) click option (value) of a question; return the callbacks."""
    ids = button_ids(message)
    return await send_all(fake, [fake.click(message, ids[choice], user=player) for player, choice in choices.items()])


def _confirmed(reply: Json | None) -> bool:
    return reply is not None and "You chose" in str(reply.get("content")) and bool(int(reply["flags"]) & EPHEMERAL)


def _question_posts(fake: FakeDiscord, channel: int) -> list[str]:
    """Numbers ("Question 2/5") of the question messages the bot created in a channel (successful creates)."""
    return [
        _title(r.response).split(" · ")[0]
        for r in fake.requests
        if r.method == "POST" and r.path == f"/channels/{channel}/messages" and r.status == 200
        if _title(r.response).startswith("Question ")
    ]


def _reveal_edits(fake: FakeDiscord, channel: int) -> dict[str, int]:
    """How many successful edits turned each message into a reveal."""
    counts: dict[str, int] = {}
    for r in fake.requests:
        edit = r.method == "PATCH" and r.path.startswith(f"/channels/{channel}/messages/") and r.status == 200
        if edit and "time's up" in _title(r.json if isinstance(r.json, dict) else {}):
            message_id = r.path.rsplit("/", 1)[1]
            counts[message_id] = counts.get(message_id, 0) + 1
    return counts


# --------------------------------------------------------------------------- the gateway drops


@pytest.mark.real_time  # the reconnects inside a question take real time
async def test_a_round_survives_a_resumed_and_a_re_identified_gateway(
    fake: FakeDiscord, make_bot: Callable[..., TriviaBot], bot_settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot")
    async with running_bot(fake, make_bot()) as bot:
        channel = fake.channel_id
        syncs = len(fake.command_syncs)
        await fake.interact(
            fake.slash_command("trivia start", {"questions": 3, "seconds": 5, "kind": "multiple_choice"}, user=1)
        )
        first = await _question(fake, channel, 1)

        # Resumable drop: clicks sent while the bot is away are replayed on RESUME and answered.
        await fake.drop_gateway(resumable=True)
        replies = await _click_all(fake, first, {1: 0, 2: 1})
        assert all(_confirmed(reply) for reply in replies), replies
        assert (fake.identify_count, fake.resume_count) == (1, 1)

        # Fresh IDENTIFY (session invalidated) mid-question: on_ready fires again, the round goes on.
        second = await _question(fake, channel, 2)
        await fake.drop_gateway(resumable=False)
        await fake.wait_until_ready(timeout=10)
        assert fake.identify_count == 2
        assert all(_confirmed(reply) for reply in await _click_all(fake, second, {1: 2, 2: 0}))
        third = await _question(fake, channel, 3)
        assert all(_confirmed(reply) for reply in await _click_all(fake, third, {1: 3, 2: 3}))
        standings = await _standings(fake, channel)

        assert "Round over" in _title(standings)
        assert _question_posts(fake, channel) == ["Question 1/3", "Question 2/3", "Question 3/3"]  # no timer doubled
        assert _reveal_edits(fake, channel) == {m["id"]: 1 for m in (first, second, third)}
        assert sum("standings" in _title(m) for m in fake.messages[channel].values()) == 1
        assert len(fake.command_syncs) == syncs, "start-up work ran again"
        await eventually(lambda: len(_trivia(bot).registry) == 0, what="the round to go")
        assert bot.interrupted_rounds == []
        logins = [r for r in caplog.records if r.getMessage().startswith("Logged in as")]
        assert len(logins) == 2  # on_ready fired twice, and did nothing else
        assert query(bot_settings.database_path, "SELECT count(*) FROM answers") == [(6,)]
        assert not consistency_problems(bot_settings.database_path)
        assert not unanswered(fake)
    assert not error_records(caplog.records)


# --------------------------------------------------------------------------- Discord's API fails for a while


@pytest.mark.real_time  # Discord's retry_after is waited out in real time inside a question
async def test_rate_limits_and_server_errors_only_delay_the_round(
    fake: FakeDiscord, make_bot: Callable[..., TriviaBot], bot_settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    async with running_bot(fake, make_bot()):
        channel = fake.channel_id
        fake.fail_next("POST", QUESTION_POSTS, 429, count=2, retry_after=0.3)
        fake.fail_next("PATCH", MESSAGE_EDITS, 500, count=1)
        await fake.interact(
            fake.slash_command("trivia start", {"questions": 2, "seconds": 5, "kind": "multiple_choice"}, user=1)
        )
        first = await _question(fake, channel, 1)
        fake.fail_next("POST", CALLBACKS, 429, count=1, retry_after=0.2)
        fake.fail_next("POST", CALLBACKS, 500, count=1)
        started = time.monotonic()
        replies = await _click_all(fake, first, {1: 0, 2: 1, 3: 2})
        assert all(_confirmed(reply) for reply in replies), replies
        assert time.monotonic() - started < REPLY_SLA

        # A confirmation Discord refuses for good: the answer is stored and counts, the player is told to retry.
        second = await _question(fake, channel, 2)
        fake.fail_next("POST", CALLBACKS, 404, count=1)
        (refused,) = await _click_all(fake, second, {4: 1})
        assert refused is not None and refused["content"] == DISCORD_TROUBLE
        (again,) = await _click_all(fake, second, {4: 1})
        assert again is not None and "is already your choice" in str(again["content"])
        assert all(_confirmed(reply) for reply in await _click_all(fake, second, {1: 1, 2: 1, 3: 0}))  # ends it
        standings = await _standings(fake, channel)

        assert "Round over" in _title(standings)
        assert f"<@{fake.user(4)['id']}>" in str(embeds_of(standings))
        assert _question_posts(fake, channel) == ["Question 1/2", "Question 2/2"]
        assert _reveal_edits(fake, channel) == {first["id"]: 1, second["id"]: 1}
        assert sum(r.status in (429, 500) for r in fake.requests) == 5, "every injected failure was met"
        rows = query(bot_settings.database_path, "SELECT DISTINCT user_id FROM answers ORDER BY user_id")
        assert rows == [(int(fake.user(n)["id"]),) for n in (1, 2, 3, 4)]
        assert not consistency_problems(bot_settings.database_path)
        assert not unanswered(fake)
        assert_pings_nobody(fake)
    assert not error_records(caplog.records)


async def test_a_question_that_could_not_be_posted_is_skipped_not_held_against_players(
    fake: FakeDiscord, make_bot: Callable[..., TriviaBot], bot_settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    async with running_bot(fake, make_bot()) as bot:
        channel = fake.channel_id
        # Missing Permissions is not retried: the first question's post fails for good.
        fake.fail_next("POST", QUESTION_POSTS, 403, count=1)
        await fake.interact(
            fake.slash_command("trivia start", {"questions": 3, "seconds": 5, "kind": "multiple_choice"}, user=1)
        )
        # Question 2 goes unanswered. Had the lost question 1 counted as unanswered too, the round would end
        # here as inactive (two unanswered questions in a row).
        second = await _question(fake, channel, 2)
        third = await _question(fake, channel, 3, timeout=10)
        assert all(_confirmed(r) for r in await _click_all(fake, third, {1: 0}))
        await reply_to(fake, fake.slash_command("trivia stop", user=1))
        standings = await _standings(fake, channel)

        assert "Round stopped" in _title(standings)
        # Question 1 was lost, 2 played, 3 dropped by the stop: a lost question would have made it 2.
        assert "1 question played" in str(embeds_of(standings))
        assert _question_posts(fake, channel) == ["Question 2/3", "Question 3/3"]
        assert second["id"] in _reveal_edits(fake, channel)
        await eventually(lambda: len(_trivia(bot).registry) == 0, what="the round to go")
        assert not consistency_problems(bot_settings.database_path)
    assert not error_records(caplog.records)


async def test_a_round_whose_questions_cannot_be_posted_ends_cleanly(
    fake: FakeDiscord, make_bot: Callable[..., TriviaBot], bot_settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    async with running_bot(fake, make_bot()) as bot:
        channel = fake.channel_id
        fake.fail_next("POST", QUESTION_POSTS, 403, count=3)  # two questions, then the standings
        started = await fake.interact(fake.slash_command("trivia start", {"questions": 5, "seconds": 30}, user=1))
        assert started.type == 4 and not started.ephemeral
        await eventually(
            lambda: list(round_statuses(bot_settings.database_path).values()) == ["error"],
            what="the round to end with reason error",
        )
        await eventually(lambda: len(_trivia(bot).registry) == 0, what="the round to go")
        assert _question_posts(fake, channel) == []
        again = await fake.interact(fake.slash_command("trivia start", {"questions": 1, "seconds": 5}, user=2))
        assert "started a round" in (again.content or ""), "the channel is free again"
        await _question(fake, channel, 1)
        await wait_question_stored(bot_settings.database_path)  # the post is over: closing won't cut it
        assert not consistency_problems(bot_settings.database_path)
    # Not showing the end of a round is worth an error; nothing else is.
    assert not error_records(caplog.records, r"Showing the end of the round in channel \d+ failed")


# --------------------------------------------------------------------------- SQLite locked or full


@contextlib.contextmanager
def _exclusive_lock(database: Path):  # type: ignore[no-untyped-def]
    """Hold SQLite's write lock from another connection, as another process would."""
    connection = sqlite3.connect(database, timeout=5, isolation_level=None)
    try:
        connection.execute("BEGIN EXCLUSIVE")
        yield connection
    finally:
        with contextlib.suppress(sqlite3.Error):
            connection.execute("ROLLBACK")
        connection.close()


async def test_a_locked_database_gets_a_try_again_and_the_same_click_works_after(
    fake: FakeDiscord, make_bot: Callable[..., TriviaBot], bot_settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    database = bot_settings.database_path
    async with running_bot(fake, make_bot()) as bot:
        channel = fake.channel_id
        await fake.interact(
            fake.slash_command("trivia start", {"questions": 2, "seconds": 60, "kind": "multiple_choice"}, user=1)
        )
        first = await _question(fake, channel, 1)
        await wait_question_stored(database)
        ids = button_ids(first)
        clicks = [fake.click(first, ids[n], user=n + 1) for n in range(3)]
        before = snapshot(database)

        with _exclusive_lock(database):
            started = time.monotonic()
            replies = await send_all(fake, clicks)
            elapsed = time.monotonic() - started
            assert all(r is not None and BUSY in str(r["content"]) and r["flags"] & EPHEMERAL for r in replies)
            assert elapsed < REPLY_SLA
            board = await fake.interact(fake.slash_command("leaderboard", user=4))  # reads still work
            assert board.type == 4 and BUSY not in (board.content or "")
            elsewhere = fake.channel("trivia")
            busy_start = await fake.interact(fake.slash_command("trivia start", user=4, channel_id=elsewhere))
            assert BUSY in (busy_start.content or "") and busy_start.ephemeral
        assert snapshot(database) == before, "nothing was half-written"
        assert len(_trivia(bot).registry) == 1, "the round goes on"

        replies = await send_all(fake, [fresh(click) for click in clicks])
        assert all(_confirmed(reply) for reply in replies), replies
        await reply_to(fake, fake.slash_command("trivia stop", user=1))
        await _standings(fake, channel)
        assert len(query(database, "SELECT * FROM answers")) == 3
        assert not consistency_problems(database)
        assert not unanswered(fake)
    assert not error_records(caplog.records)


async def test_a_full_database_gets_a_try_again_and_the_same_answer_works_after(
    fake: FakeDiscord, make_bot: Callable[..., TriviaBot], bot_settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    database = bot_settings.database_path
    async with running_bot(fake, make_bot()) as bot:
        channel = fake.channel_id
        await fake.interact(
            fake.slash_command("trivia start", {"questions": 1, "seconds": 60, "kind": "typed"}, user=1)
        )
        await _question(fake, channel, 1)
        await wait_question_stored(database)
        # A disk that is full now: the bot's writer may not grow the file by a single page. (max_page_count
        # belongs to a connection, so it is set on the bot's own writer, not from another connection.)
        writer = bot.storage._writer  # type: ignore[attr-defined]
        ((pages,),) = await writer.execute_fetchall("PRAGMA page_count")
        await writer.execute_fetchall(f"PRAGMA max_page_count = {pages}")

        long_answer = "🚀" * 200  # 800 bytes: a handful fill the answers table's only page
        refused: tuple[Json, Json] | None = None
        for player in range(1, 9):
            answer = fake.slash_command("answer", {"text": long_answer}, user=player)
            before = snapshot(database)
            (reply,) = await send_all(fake, [answer])
            assert reply is not None and reply["flags"] & EPHEMERAL
            if BUSY in str(reply["content"]):
                assert snapshot(database) == before, "nothing was half-written"
                refused = (answer, reply)
                break
            assert str(reply["content"])[:1] in "✅🟡❌"
        assert refused is not None, "the database never filled up"

        await writer.execute_fetchall("PRAGMA max_page_count = 1073741823")  # space freed
        (retry,) = await send_all(fake, [fresh(refused[0])])
        assert retry is not None and str(retry["content"])[:1] in "✅🟡❌"
        assert len(_trivia(bot).registry) == 1, "the round goes on"
        await reply_to(fake, fake.slash_command("trivia stop", user=1))
        await _standings(fake, channel)
        ((longest,),) = query(database, "SELECT max(length(text)) FROM answers")
        assert longest == 200
        assert not consistency_problems(database)
        assert not unanswered(fake)
    assert not error_records(caplog.records)


# --------------------------------------------------------------------------- the rules in the engine, on a fake clock


class _SlowOrBrokenDisplay:
    """A listener whose question posts take ``delays[position]`` seconds, or fail for positions in ``broken``."""

    def __init__(self, clock: FakeClock, *, delays: dict[int, float] | None = None, broken: set[int] | None = None):
        self.clock, self.delays, self.broken = clock, delays or {}, broken or set()
        self.shown: list[int] = []

    async def question_opened(self, opening: QuestionOpening) -> int | None:
        await self.clock.sleep_until(self.clock.now() + self.delays.get(opening.position, 0))
        if opening.position in self.broken:
            raise RuntimeError("403 Missing Permissions")
        self.shown.append(opening.position)
        return None

    async def progress(self, position: int, answered_count: int) -> None: ...

    async def hint(self, position: int, text: str) -> None: ...

    async def question_closed(self, result: QuestionResult) -> None: ...

    async def round_finished(self, standings: Standings, reason: EndReason) -> None: ...


class _Recorder:
    async def record_answer(self, answer: AnswerRecord) -> None: ...

    async def score_question(self, result: QuestionResult) -> None: ...

    async def round_finished(self, standings: Standings, reason: EndReason) -> None: ...


@pytest.mark.parametrize(
    ("delays", "broken", "shown", "played", "reason"),
    [
        pytest.param({}, set(), [0, 1], 2, EndReason.INACTIVE, id="two unanswered questions end the round"),
        pytest.param({0: 8.0}, set(), [0, 1, 2], 3, EndReason.INACTIVE, id="a late question is not held against"),
        pytest.param({0: 4.0}, set(), [0, 1], 2, EndReason.INACTIVE, id="a question shown in time is"),
        pytest.param({}, {0}, [1, 2], 2, EndReason.INACTIVE, id="a lost question is skipped"),
        pytest.param({}, {1}, [0, 2], 2, EndReason.INACTIVE, id="a lost question breaks no idle run"),
        pytest.param({}, {0, 1}, [], 0, EndReason.ERROR, id="two lost questions in a row end the round"),
        pytest.param({}, {0, 2}, [1, 3], 2, EndReason.INACTIVE, id="lost questions apart do not"),
    ],
)
async def test_the_engine_never_charges_players_for_questions_they_could_not_answer(
    question_source: QuestionSource,
    delays: dict[int, float],
    broken: set[int],
    shown: list[int],
    played: int,
    reason: EndReason,
) -> None:
    clock = FakeClock()
    display = _SlowOrBrokenDisplay(clock, delays=delays, broken=broken)
    questions = [q for q in question_source.bank if q.kind == QuestionKind.MULTIPLE_CHOICE][:5]
    session = RoundSession(
        1,
        questions,
        RoundSettings(question_count=5, seconds_per_question=10, pause_between=0),
        listener=display,
        recorder=_Recorder(),
        judge=lambda question, text: question_source.matcher.judge(question, text),
        clock=clock,
    )
    session.start()
    standings = await session.wait()
    assert (display.shown, standings.questions_played, session.end_reason) == (shown, played, reason)
