"""SIGKILL at random moments: the real bot (``python -m bot``) is killed mid-round, under load, and restarted.

Three times (seeded, so a failure replays the same way), rounds run in three channels while five players
click options and submit typed answers continuously; the bot is SIGKILLed at a random moment and started
again on the same database. After every restart, and at the end:

* every answer the bot confirmed to a player is in the database (a choice it confirmed, or one sent after
  it; a typed answer it gave a verdict on);
* totals equal the sum of the stored answers' points, and SQLite's integrity check passes;
* no round killed mid-way is still 'running': the restarted bot closed each, and said so in its channel;
* buttons and answer forms of the killed rounds answer politely ("This round has ended").
"""

from __future__ import annotations

import asyncio
import random
import signal
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.app import INTERRUPTED_NOTICE, QuestionSource
from bot.cogs.trivia import ROUND_ENDED
from fake_discord import FakeDiscord
from questions.models import QuestionKind
from tests.conftest import button_ids, embeds_of
from tests.faultkit import (
    Json,
    bot_env,
    bot_process,
    consistency_problems,
    query,
    round_statuses,
    send_all,
)

SEED = 20251125
KILLS = 3
PLAYERS = range(1, 6)
VERDICT = ("✅", "🟡", "❌")


@dataclass
class Sent:
    """One answer a player sent: to which round and question, what, and how the bot answered (if it did)."""

    token: str
    order: int
    player: int
    round_id: int
    position: int
    choice: int | None
    text: str | None

    def reply(self, fake: FakeDiscord) -> str | None:
        record = fake.interactions[self.token]
        if record.callback_type == 5:  # deferred (storing took over 2 s on a busy machine): its followup answers
            followups = fake.sent_followups(self.token)
            return str(followups[0].get("content")) if followups else None
        if record.callback_type != 4 or record.callback_data is None:
            return None
        return str(record.callback_data.get("content"))

    def confirmed(self, fake: FakeDiscord) -> bool:
        reply = self.reply(fake) or ""
        if self.choice is not None:
            return "You chose" in reply or "is already your choice" in reply
        return reply.startswith(VERDICT)


def _open_questions(fake: FakeDiscord, channel: int) -> Iterator[Json]:
    """The channel's messages that still carry answer buttons, newest first."""
    for message in sorted(fake.messages[channel].values(), key=lambda m: int(m["id"]), reverse=True):
        ids = button_ids(message)
        if ids and ids[0].startswith(("ot:c:", "ot:t:")):
            yield message


class Players:
    """Five players answering whatever question is open in any channel, a few times a second each."""

    def __init__(self, fake: FakeDiscord, source: QuestionSource, rng: random.Random) -> None:
        self.fake = fake
        self.rng = rng
        self.sent: list[Sent] = []
        self.prompts = {question.prompt: question for question in source.bank}

    async def play(self, seconds: float) -> None:
        """Answer for ``seconds`` (sending without waiting for the bot, like real clients)."""
        loop = asyncio.get_running_loop()
        until = loop.time() + seconds
        while loop.time() < until:
            await self._answer_something()
            await asyncio.sleep(self.rng.uniform(0.02, 0.06))

    async def _answer_something(self) -> None:
        channel = self.rng.choice(self.fake.guild.channel_ids)
        message = next(_open_questions(self.fake, channel), None)
        if message is None:
            return
        player = self.rng.choice(PLAYERS)
        ids = button_ids(message)
        _, kind, round_id, position, *_ = ids[0].split(":")
        choice: int | None = None
        text: str | None = None
        if kind == "c":
            choice = self.rng.randrange(len(ids))
            payload = self.fake.click(message, ids[choice], user=player)
        else:
            question = self.prompts.get(str(embeds_of(message)[0].get("description")))
            right = question is not None and question.kind != QuestionKind.SET and self.rng.random() < 0.5
            text = question.answer if right and question is not None else self.rng.choice(["no idea", "1961", "Mir"])
            user_id = self.fake.user(player)["id"]
            payload = self.fake.submit_modal(f"ot:m:{round_id}:{position}:{user_id}", {"answer": text}, user=player)
        self.sent.append(Sent(payload["token"], len(self.sent), player, int(round_id), int(position), choice, text))
        await self.fake.send_interaction(payload)


def _lost_answers(fake: FakeDiscord, database: Path, sent: list[Sent]) -> list[str]:
    """Describe every confirmed answer the database doesn't hold (as confirmed, or as sent after)."""
    stored = {
        (user_id, round_id, position): (choice, text)
        for user_id, round_id, position, choice, text in query(
            database,
            """
            SELECT a.user_id, rq.round_id, rq.position, a.choice, a.text
            FROM answers AS a JOIN round_questions AS rq ON rq.id = a.round_question_id
            """,
        )
    }
    lost = []
    by_question: dict[tuple[int, int, int], list[Sent]] = {}
    for answer in sent:
        by_question.setdefault((int(fake.user(answer.player)["id"]), answer.round_id, answer.position), []).append(
            answer
        )
    for key, answers in by_question.items():
        confirmed = [answer for answer in answers if answer.confirmed(fake)]
        if not confirmed:
            continue
        if key not in stored:
            lost.append(f"{key}: confirmed {confirmed[-1].reply(fake)!r} but nothing is stored")
            continue
        choice, text = stored[key]
        later = [answer for answer in answers if answer.order >= confirmed[-1].order]
        if confirmed[-1].choice is not None and choice not in {answer.choice for answer in later}:
            lost.append(f"{key}: stored choice {choice}, but {confirmed[-1].choice} was confirmed since")
        if confirmed[-1].text is not None and text not in {answer.text for answer in answers}:
            lost.append(f"{key}: stored text {text!r} was never sent")
    return lost


def _notices(fake: FakeDiscord, channel: int) -> int:
    return sum(message.get("content") == INTERRUPTED_NOTICE for message in fake.messages[channel].values())


@pytest.mark.slow
@pytest.mark.timeout(300)
async def test_sigkill_at_random_moments_loses_no_confirmed_answer(
    tmp_path: Path, question_source: QuestionSource
) -> None:
    rng = random.Random(SEED)
    logs: list[str] = []
    async with FakeDiscord(players=len(PLAYERS), channels=("alpha", "beta", "gamma")) as fake:
        database = tmp_path / "trivia.db"
        env = bot_env(fake, database)
        channels = fake.guild.channel_ids
        players = Players(fake, question_source, rng)
        killed_rounds: dict[int, int] = {}  # channel -> the round running there when the bot was killed
        old_buttons: list[Json] = []

        for life in range(KILLS + 1):
            identified = fake.identify_count
            notices = {channel: _notices(fake, channel) for channel in channels}
            async with bot_process(env, tmp_path) as bot:
                await fake.wait_for(
                    lambda: fake.identify_count > identified and fake.connected,  # noqa: B023 - waited on here
                    timeout=60,
                    description="the bot to connect",
                )
                if life:
                    # The restart closed every round the kill interrupted, and said so where it ran.
                    assert "running" not in round_statuses(database).values()
                    told = {channel: notices[channel] + 1 for channel in killed_rounds}
                    await fake.wait_for(
                        lambda: all(_notices(fake, c) == n for c, n in told.items()),  # noqa: B023 - waited on here
                        timeout=30,
                        description="the interrupted notices",
                    )
                    # Buttons and forms of the killed rounds answer politely.
                    replies = await send_all(fake, old_buttons)
                    assert all(r is not None and ROUND_ENDED in str(r.get("content")) for r in replies), replies
                if life == KILLS:
                    await bot.stop(signal.SIGINT)
                    break

                for n, channel in enumerate(channels):
                    started = await fake.interact(
                        fake.slash_command(
                            "trivia start", {"questions": 20, "seconds": 5}, user=n + 1, channel_id=channel
                        ),
                        timeout=30,
                    )
                    assert "started a round" in (started.content or ""), started.content
                await players.play(rng.uniform(1.5, 3.0))
                await bot.stop(signal.SIGKILL)  # mid-answer: interactions are in flight
                logs += bot.log

            # The bot is dead: the database holds what it committed, and nothing else.
            assert not _lost_answers(fake, database, players.sent)
            assert not consistency_problems(database)
            statuses = round_statuses(database)
            killed_rounds = {
                channel: round_id
                for round_id, channel in query(database, "SELECT id, channel_id FROM rounds")
                if statuses[round_id] == "running"
            }
            assert killed_rounds, "the kill came after every round had ended"
            old_buttons = []
            for channel, round_id in killed_rounds.items():
                shown = (m for m in _open_questions(fake, channel) if f":{round_id}:" in button_ids(m)[0])
                if (message := next(shown, None)) is not None:  # None if killed between a reveal and a question
                    old_buttons.append(fake.click(message, button_ids(message)[0], user=1))
                user_id = fake.user(2)["id"]
                old_buttons.append(fake.submit_modal(f"ot:m:{round_id}:0:{user_id}", {"answer": "late"}, user=2))
        logs += bot.log

    confirmed = sum(answer.confirmed(fake) for answer in players.sent)
    assert confirmed >= 20, f"only {confirmed} of {len(players.sent)} answers were confirmed: not much of a load"
    assert not _lost_answers(fake, database, players.sent)
    assert not consistency_problems(database)
    assert "running" not in round_statuses(database).values()
    problems = [n for n, line in enumerate(logs) if "Traceback" in line or " ERROR " in line or " CRITICAL " in line]
    assert not problems, "\n".join(logs[problems[0] : problems[0] + 40])  # the first problem, with its traceback
