"""Round behaviour seen by players, end to end through the real bot against the fake Discord (issue 8).

Stopping then starting, channels the bot cannot post in, replies that must not "fail", disputes decided by
their own author, plain-text footers and plural wording.
"""

# The wait helpers take a plain timeout argument, like FakeDiscord's.

from __future__ import annotations

import asyncio
import copy
import datetime as dt
import logging
import re
from collections.abc import Callable
from typing import Any, ClassVar

import pytest

from bot.app import QuestionSource, TriviaBot
from bot.config import Settings
from bot.engine import (
    AnswerRecord,
    EndReason,
    FakeClock,
    Player,
    PlayerScore,
    QuestionOpening,
    QuestionResult,
    RoundSession,
    RoundSettings,
    Standings,
)
from bot.render import leaderboard_embed, question_embed, standings_embed
from bot.storage import LeaderboardRow
from bot.wording import plural
from fake_discord import MANAGE_GUILD, FakeDiscord, running_bot
from fake_discord.payloads import BOT_PERMISSIONS, EMBED_LINKS, SEND_MESSAGES, SEND_MESSAGES_IN_THREADS
from questions.models import QuestionKind
from tests.bot_helpers import (
    ANSWER_SLA_SECONDS,
    mention_of,
    reply_to,
    running_session,
    trivia_cog,
    wait_question,
    wait_reveal,
    wait_standings,
)
from tests.conftest import button_ids, embeds_of
from tests.faultkit import (
    consistency_problems,
    disk_trouble,
    error_records,
    eventually,
    query,
    round_statuses,
    unanswered,
    wait_question_stored,
)

Json = dict[str, Any]
MARKDOWN = re.compile(r"\*\*|__|`|~~|\|\||^>|\[.+\]\(")
"""Markdown that Discord renders in descriptions and fields but shows as typed in footers and titles."""


def _start(fake: FakeDiscord, user: int = 1, channel_id: int | None = None, **options: Any) -> Json:
    values = {"questions": 3, "seconds": 30, "kind": "multiple_choice", **options}
    return fake.slash_command("trivia start", values, user=user, channel_id=channel_id)


# --------------------------------------------------------------------------- stop, then start


async def test_a_confirmed_stop_frees_the_channel_for_a_new_round_at_once(
    fake: FakeDiscord, make_bot: Callable[..., TriviaBot], bot_settings: Settings
) -> None:
    fake.interaction_ack_timeout = ANSWER_SLA_SECONDS
    channel = fake.channel_id
    async with running_bot(fake, make_bot()) as bot:
        await fake.interact(_start(fake))
        first = await wait_question(fake, channel, 1)
        await fake.interact(fake.click(first, button_ids(first)[0], user=2))

        stopped = await reply_to(fake, fake.slash_command("trivia stop", user=1))
        assert stopped.content == f"⏹️ {mention_of(fake, 1)} stopped the round." and not stopped.ephemeral
        # Confirmed means done: the standings are out, and storage has closed the round.
        assert "Round stopped" in embeds_of(await wait_standings(fake, channel, timeout=0.1))[0]["title"]
        assert list(round_statuses(bot_settings.database_path).values()) == ["stopped"]

        again = await reply_to(fake, _start(fake, user=3, questions=1))
        assert "started a round" in again.content and not again.ephemeral
        await fake.wait_for_message(lambda m: "Question 1/1" in str(m.get("embeds")), channel_id=channel)
        assert running_session(bot, channel).round_id == 2


async def test_a_stop_after_the_last_question_closed_does_not_claim_the_round(
    fake: FakeDiscord, make_bot: Callable[..., TriviaBot], bot_settings: Settings
) -> None:
    fake.interaction_ack_timeout = ANSWER_SLA_SECONDS
    channel = fake.channel_id
    async with running_bot(fake, make_bot()) as bot:
        await fake.interact(_start(fake, questions=1, seconds=5))
        question = await wait_question(fake, channel, 1)
        await fake.interact(fake.click(question, button_ids(question)[0], user=2))
        await wait_reveal(fake, channel, question["id"])  # the last question has closed: the round is over
        late = await reply_to(fake, fake.slash_command("trivia stop", user=1))

        assert late.ephemeral and "stopped the round" not in late.content
        assert "already ended" in late.content or "No trivia round is running" in late.content
        standings = await wait_standings(fake, channel)
        assert "Round over" in embeds_of(standings)[0]["title"]
        await fake.wait_for(lambda: len(trivia_cog(bot).registry) == 0 or None, timeout=10)
        assert list(round_statuses(bot_settings.database_path).values()) == ["finished"]


async def test_the_engine_refuses_a_stop_once_its_last_question_has_closed(question_source: QuestionSource) -> None:
    class Display:
        refused: ClassVar[list[bool]] = []

        async def question_opened(self, opening: QuestionOpening) -> int | None:
            return None

        async def progress(self, position: int, answered_count: int) -> None: ...

        async def hint(self, position: int, text: str) -> None: ...

        async def question_closed(self, result: QuestionResult) -> None:
            # The reveal of the last question is being shown: a stop landing now comes too late.
            self.refused.append(result.position == result.total - 1 and not session.request_stop())

        async def round_finished(self, standings: Standings, reason: EndReason) -> None: ...

    class Recorder:
        async def record_answer(self, answer: AnswerRecord) -> None: ...

        async def score_question(self, result: QuestionResult) -> None: ...

        async def round_finished(self, standings: Standings, reason: EndReason) -> None: ...

    questions = [q for q in question_source.bank if q.kind == QuestionKind.MULTIPLE_CHOICE][:2]
    session = RoundSession(
        1,
        questions,
        RoundSettings(question_count=2, seconds_per_question=10, pause_between=0, max_idle_questions=5),
        listener=Display(),
        recorder=Recorder(),
        judge=lambda question, text: question_source.matcher.judge(question, text),
        clock=FakeClock(),
        players=[Player(1, "one")],
    )
    session.start()
    standings = await session.wait()
    assert session.end_reason == EndReason.FINISHED and standings.questions_played == 2
    assert Display.refused == [False, True]
    assert not await session.stop()


# --------------------------------------------------------------------------- where the bot cannot post


@pytest.mark.parametrize(
    ("where", "taken", "named"),
    [
        pytest.param("channel", SEND_MESSAGES, "**Send Messages**", id="no Send Messages in a channel"),
        pytest.param("channel", EMBED_LINKS, "**Embed Links**", id="no Embed Links in a channel"),
        pytest.param("thread", SEND_MESSAGES_IN_THREADS, "**Send Messages in Threads**", id="no Send in Threads"),
    ],
)
async def test_a_round_is_refused_where_the_bot_cannot_post_and_says_what_is_missing(
    fake: FakeDiscord,
    make_bot: Callable[..., TriviaBot],
    bot_settings: Settings,
    where: str,
    taken: int,
    named: str,
) -> None:
    fake.interaction_ack_timeout = ANSWER_SLA_SECONDS
    target = fake.add_thread("quiz-night") if where == "thread" else fake.channel("trivia")
    fake.guild.bot_channel_permissions[target] = BOT_PERMISSIONS & ~taken
    async with running_bot(fake, make_bot()) as bot:
        refused = await reply_to(fake, _start(fake, channel_id=target))
        assert refused.ephemeral and named in refused.content and f"in this {where}" in refused.content
        assert "First question" not in refused.content
        assert query(bot_settings.database_path, "SELECT count(*) FROM rounds") == [(0,)]
        assert trivia_cog(bot).registry.get(target) is None
        assert fake.messages[target] == {}

        # With the permission back, the same command starts a round there.
        del fake.guild.bot_channel_permissions[target]
        started = await reply_to(fake, _start(fake, channel_id=target, questions=1))
        assert "started a round" in started.content
        await wait_question(fake, target, 1)


# --------------------------------------------------------------------------- disputes need another moderator


async def test_a_moderator_cannot_decide_their_own_dispute(
    fake: FakeDiscord, make_bot: Callable[..., TriviaBot]
) -> None:
    fake.interaction_ack_timeout = ANSWER_SLA_SECONDS
    channel = fake.channel_id
    async with running_bot(fake, make_bot()) as bot:
        await fake.interact(_start(fake, questions=1, kind="typed", seconds=5))
        message = await wait_question(fake, channel, 1)
        verdict = await reply_to(fake, fake.slash_command("answer", {"text": "surely this one"}, user=2))
        assert verdict.content.startswith("❌")
        await wait_reveal(fake, channel, message["id"])
        await wait_standings(fake, channel)
        filed = await fake.interact(fake.slash_command("trivia dispute", {}, user=2, permissions=MANAGE_GUILD))
        assert filed.message is not None
        accept, decline = button_ids(filed.message)

        for button in (accept, decline):
            own = await reply_to(fake, fake.click(filed.message, button, user=2, permissions=MANAGE_GUILD))
            assert own.ephemeral and "can't decide your own dispute" in own.content
        assert (await bot.storage.get_dispute(1)).status == "pending"  # type: ignore[union-attr]
        assert (await bot.storage.player_stats(fake.guild_id, int(fake.user(2)["id"]))).points == 0

        other = await fake.interact(fake.click(filed.message, accept, user=3, permissions=MANAGE_GUILD))
        assert other.type == 7
        assert (await bot.storage.get_dispute(1)).status == "accepted"  # type: ignore[union-attr]


# --------------------------------------------------------------------------- wording


async def test_footers_are_plain_text_and_counts_of_one_are_singular(
    fake: FakeDiscord, make_bot: Callable[..., TriviaBot]
) -> None:
    fake.interaction_ack_timeout = ANSWER_SLA_SECONDS
    channel = fake.channel_id
    async with running_bot(fake, make_bot()):
        started = await reply_to(fake, _start(fake, questions=1, kind="typed", seconds=5))
        assert "**1** question from" in started.content and "questions" not in started.content
        message = copy.deepcopy(await wait_question(fake, channel, 1))  # as posted, before its reveal
        await reply_to(fake, fake.slash_command("answer", {"text": "a guess"}, user=2))
        await wait_reveal(fake, channel, message["id"])
        standings = await wait_standings(fake, channel)
        board = await reply_to(fake, fake.slash_command("leaderboard", user=4))
        footers = [
            str(embed["footer"]["text"])
            for posted in (message, standings, {"embeds": board.embeds})
            for embed in embeds_of(posted)
            if embed.get("footer")
        ]
        assert len(footers) == 3
        for footer in footers:
            assert not MARKDOWN.search(footer), footer
        assert "1 question played" in footers[1] and "1 player" in footers[2] and "1 players" not in footers[2]


def test_plural_wording_everywhere(question_source: QuestionSource) -> None:
    assert [plural(n, "question") for n in (0, 1, 2)] == ["0 questions", "1 question", "2 questions"]
    assert plural(1, "try", "tries") == "1 try" and plural(3, "try", "tries") == "3 tries"
    played_one = standings_embed(
        Standings(scores=(PlayerScore(Player(5, "five"), 10, 1, 1, 1),), questions_played=1), EndReason.FINISHED
    )
    assert str(played_one.footer.text).startswith("1 question played")
    typed = next(q for q in question_source.bank if q.kind == QuestionKind.TYPED)
    opening = QuestionOpening(
        question=typed,
        position=0,
        total=1,
        time_limit=30,
        closes_at=dt.datetime.now(dt.UTC),
        typed_attempts=1,
    )
    footer = str(question_embed(opening, category_label="Crew").footer.text)
    assert "1 try" in footer and not MARKDOWN.search(footer)
    board = leaderboard_embed([LeaderboardRow(1, 5, 10, 1, 1)], title="t", page=0, pages=1, total=1, names={5: "a*b"})
    assert board.footer.text == "Page 1/1 · 1 player"
    assert "**a\\*b**" in str(board.description) and "<@" not in str(board.description)


# --------------------------------------------------------------------------- clicks while the disk or gateway is out


async def test_clicks_during_a_disk_stall_are_acknowledged_in_time_and_confirmed_once_stored(
    fake: FakeDiscord, make_bot: Callable[..., TriviaBot], bot_settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    fake.interaction_ack_timeout = ANSWER_SLA_SECONDS  # later than this, Discord shows "interaction failed"
    database, channel = bot_settings.database_path, fake.channel_id
    async with running_bot(fake, make_bot()) as bot:
        await fake.interact(_start(fake, questions=1, seconds=60))
        question = await wait_question(fake, channel, 1)
        await wait_question_stored(database)
        ids = button_ids(question)
        with disk_trouble(bot.storage, stall=6):
            clicks = [fake.click(question, ids[n], user=n + 2) for n in range(3)]
            acknowledged = await asyncio.gather(*(fake.interact(click, timeout=10) for click in clicks))
            assert all(result.type == 5 and result.ephemeral for result in acknowledged)  # "thinking…", in time
            assert query(database, "SELECT count(*) FROM answers") == [(0,)]  # the disk hasn't taken them yet
            confirmations = [(await result.followups(1, timeout=20))[0] for result in acknowledged]
        for n, confirmation in enumerate(confirmations):
            assert str(confirmation["content"]).startswith(f"You chose **{'ABCD'[n]} · ")
            assert int(confirmation["flags"]) & 64
        assert query(database, "SELECT count(*) FROM answers") == [(3,)]
        assert not unanswered(fake)
    assert not error_records(caplog.records)


async def test_a_click_discord_gave_up_on_during_a_gateway_outage_is_not_stored(
    fake: FakeDiscord, make_bot: Callable[..., TriviaBot], bot_settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    fake.interaction_ack_timeout = ANSWER_SLA_SECONDS
    database, channel = bot_settings.database_path, fake.channel_id
    async with running_bot(fake, make_bot()):
        await fake.interact(_start(fake, questions=1, seconds=60))
        question = await wait_question(fake, channel, 1)
        await wait_question_stored(database)
        ids = button_ids(question)

        await fake.gateway_outage(ANSWER_SLA_SECONDS + 1)
        lost = fake.click(question, ids[1], user=2)
        await fake.send_interaction(lost)  # replayed to the bot when it resumes, too late to be answered
        record = fake.interactions[lost["token"]]
        await fake.wait_for(lambda: record.rejection is not None or None, timeout=30, description="the late reply")
        assert record.callback_type is None  # the player saw "This interaction failed" ...
        player = int(fake.user(2)["id"])
        assert query(database, "SELECT count(*) FROM answers WHERE user_id = ?", (player,)) == [
            (0,)
        ]  # ... so: not stored

        again = await reply_to(fake, fake.click(question, ids[1], user=2))
        assert again.content.startswith("You chose **B · ") and again.ephemeral
        assert query(database, "SELECT choice FROM answers WHERE user_id = ?", (player,)) == [(1,)]
    assert not error_records(caplog.records, r"discord.client: Attempting a reconnect")
    assert not [r for r in caplog.records if r.name.startswith("bot") and r.levelno >= logging.WARNING]


# --------------------------------------------------------------------------- a storage outage during a round


@pytest.mark.parametrize("start_at_once", [True, False], ids=["a start settles it", "it settles by itself"])
async def test_after_a_storage_outage_the_round_is_closed_and_scored_and_the_channel_works_again(
    fake: FakeDiscord,
    make_bot: Callable[..., TriviaBot],
    bot_settings: Settings,
    caplog: pytest.LogCaptureFixture,
    start_at_once: bool,
) -> None:
    fake.interaction_ack_timeout = ANSWER_SLA_SECONDS
    database, channel = bot_settings.database_path, fake.channel_id
    right, wrong = int(fake.user(2)["id"]), int(fake.user(3)["id"])
    async with running_bot(fake, make_bot()) as bot:
        await fake.interact(_start(fake, questions=3, seconds=5))
        first = await wait_question(fake, channel, 1)
        await wait_question_stored(database)
        question = running_session(bot, channel).current_question
        assert question is not None and question.correct_index is not None
        ids = button_ids(first)
        for player, choice in ((2, question.correct_index), (3, (question.correct_index + 1) % len(ids))):
            confirmed = await reply_to(fake, fake.click(first, ids[choice], user=player))
            assert confirmed.content.startswith("You chose")

        with disk_trouble(bot.storage, full=True):
            # The scores of question 1 can't be written, nor questions 2 and 3: the round ends by an error ...
            standings = await wait_standings(fake, channel, timeout=30)
            assert "ended by an error" in embeds_of(standings)[0]["title"]
            # ... but question 1 was revealed with its points, as they will be stored.
            reveal = await wait_reveal(fake, channel, first["id"])
            assert f"<@{right}>" in str(embeds_of(reveal)) and "Scored (1)" in str(embeds_of(reveal))
            assert round_statuses(database) == {1: "running"}  # the disk took nothing

            busy = await reply_to(fake, _start(fake, user=4))
            assert busy.ephemeral and "nothing was saved" in busy.content
            stop = await reply_to(fake, fake.slash_command("trivia stop", user=1))
            assert stop.ephemeral and "No trivia round is running" in stop.content

        # The disk frees: the old round is closed and scored (by itself, or by the next start there), and the
        # same channel takes a new round.
        if not start_at_once:
            await eventually(lambda: round_statuses(database) == {1: "error"}, timeout=20, what="the round closed")
        again = await reply_to(fake, _start(fake, user=4, questions=1))
        assert "started a round" in again.content and not again.ephemeral
        assert round_statuses(database) == {1: "error", 2: "running"}
        points = dict(query(database, "SELECT user_id, points FROM answers ORDER BY user_id"))
        assert points[right] > 0 and points[wrong] == 0
        assert (await bot.storage.player_stats(fake.guild_id, right)).points == points[right]
        assert (await bot.storage.player_stats(fake.guild_id, right)).rounds_played == 1
        assert not consistency_problems(database)
    assert not error_records(caplog.records)


async def test_a_start_refused_after_a_slow_write_is_told_privately(
    fake: FakeDiscord, make_bot: Callable[..., TriviaBot], bot_settings: Settings
) -> None:
    fake.interaction_ack_timeout = ANSWER_SLA_SECONDS
    async with running_bot(fake, make_bot()) as bot:
        with disk_trouble(bot.storage, stall=ANSWER_SLA_SECONDS, full=True):
            started = await fake.interact(_start(fake), timeout=10)
            assert started.type == 5 and not started.ephemeral  # a public "thinking…", in time
            (refusal,) = await started.followups(1, timeout=20)
        assert "nothing was saved" in str(refusal["content"]) and int(refusal["flags"]) & 64
        assert started.message is not None and int(started.message["id"]) in fake.deleted_messages
        assert not [m for m in fake.messages[fake.channel_id].values() if not int(m["flags"]) & 64]
        assert query(bot_settings.database_path, "SELECT count(*) FROM rounds") == [(0,)]
