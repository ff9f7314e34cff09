"""Restarts: a bot process killed mid-round, and a clean shutdown, each followed by a new bot on the same database
(each on SQLite and on PostgreSQL).

The crash is real: the first bot runs as ``python -m bot`` in a child process (pointed at the fake by its
settings) and gets SIGKILL, so nothing of the bot runs after it; whatever it had committed is what the next
bot finds. The clean path is ``close()``, which unloads the cog and stops the round properly.
"""

# wait_for_log takes a plain timeout argument, like the fake's own wait helpers.
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from bot.app import INTERRUPTED_NOTICE, QuestionSource, TriviaBot
from bot.cogs.trivia import ROUND_ENDED
from bot.config import Settings
from bot.engine import EndReason
from bot.render import END_TITLES, LETTERS
from fake_discord import FakeDiscord, running_bot
from questions.models import Question
from tests.bot_helpers import (
    ANSWER_SLA_SECONDS,
    Json,
    assert_pings_nobody,
    field_value,
    mention_of,
    message_by_id,
    running_session,
    title_of,
    wait_question,
    wait_reveal,
    wait_standings,
)
from tests.conftest import button_ids, embeds_of


class BotProcess:
    """``python -m bot`` in a child process, with its log collected line by line."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.log: list[str] = []
        self._changed = asyncio.Event()
        self._reader = asyncio.create_task(self._read_log())

    async def _read_log(self) -> None:
        assert self.process.stderr is not None
        async for raw in self.process.stderr:
            self.log.append(raw.decode(errors="replace").rstrip())
            self._changed.set()
        self._changed.set()

    async def wait_for_log(self, pattern: str, timeout: float = 20) -> str:
        """Wait for a log line matching ``pattern``; fail with the log if the process exits first."""
        async with asyncio.timeout(timeout):
            while True:
                for line in self.log:
                    if re.search(pattern, line):
                        return line
                if self.process.returncode is not None and self._reader.done():
                    raise AssertionError(f"the bot exited ({self.process.returncode}):\n" + "\n".join(self.log))
                self._changed.clear()
                await self._changed.wait()

    async def kill(self) -> None:
        """SIGKILL the bot: no clean-up code of it runs."""
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGKILL)
        await self.process.wait()
        await asyncio.wait({self._reader}, timeout=5)


@contextlib.asynccontextmanager
async def bot_process(settings: Settings, workdir: Path) -> AsyncIterator[BotProcess]:
    """Run the real bot entry point against the fake; always kill it on exit."""
    env = {
        **os.environ,
        "DISCORD_TOKEN": settings.discord_token.get_secret_value(),
        "DATABASE_PATH": str(settings.database_path),
        "DATABASE_URL": "" if settings.database_url is None else settings.database_url.get_secret_value(),
        "DEV_GUILD_IDS": ",".join(str(g) for g in settings.dev_guild_ids),
        "DISCORD_API_BASE": settings.discord_api_base or "",
        "ROUND_PAUSE_SECONDS": "0",
        "GUILD_READY_TIMEOUT": "0.05",  # the fake sends every server at once (discord.py waits 2 s by default)
        "WRITE_CLOCK_SPEED": "10",  # the fake enforces no rate limit: writes ~0.1 s apart, not ~1 s
        "LOG_LEVEL": "INFO",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        cwd=workdir,  # no .env there
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    child = BotProcess(process)
    try:
        yield child
    finally:
        await child.kill()


def question_shown(message: Json, source: QuestionSource) -> Question:
    """Find the bank question a posted message shows (by prompt and option labels)."""
    embed = embeds_of(message)[0]
    labels = [b["label"] for row in message["components"] for b in row["components"]]
    for question in source.bank:
        if question.prompt == embed["description"] and labels == [
            f"{LETTERS[i]} · {choice}" for i, choice in enumerate(question.choices)
        ]:
            return question
    raise AssertionError(f"no question in the bank is shown as {embed['description']!r}")


@pytest.mark.slow  # two bot processes, one real-time round (~8 s): started first in a parallel run
@pytest.mark.usefixtures("storage_backend")
async def test_a_round_killed_mid_way_is_closed_by_the_next_bot(
    fake: FakeDiscord,
    make_bot: Callable[..., TriviaBot],
    bot_settings: Settings,
    question_source: QuestionSource,
    tmp_path: Path,
) -> None:
    channel = fake.channel_id
    async with bot_process(bot_settings, tmp_path) as first_bot:
        await first_bot.wait_for_log("Logged in as")
        started = await fake.interact(
            fake.slash_command("trivia start", {"questions": 2, "kind": "multiple_choice", "seconds": 5}, user=1)
        )
        assert "started a round of **2** questions" in (started.content or "")
        q1 = await wait_question(fake, channel, 1)
        question = question_shown(q1, question_source)
        assert question.correct_index is not None
        ids = button_ids(q1)
        await fake.interact(fake.click(q1, ids[question.correct_index], user=2))
        await fake.interact(fake.click(q1, ids[(question.correct_index + 1) % len(ids)], user=3))
        reveal = await wait_reveal(fake, channel, q1["id"])
        scored = field_value(reveal, "Scored (1)")
        assert scored is not None and mention_of(fake, 2) in scored
        points = int(re.findall(r"\*\*\+(\d+)\*\*", scored)[0])

        q2 = await wait_question(fake, channel, 2)
        await fake.interact(fake.click(q2, button_ids(q2)[0], user=2))  # stored, never scored
        await first_bot.kill()
    assert not any("Round in channel" in line and "ended" in line for line in first_bot.log)

    fake.interaction_ack_timeout = ANSWER_SLA_SECONDS
    async with running_bot(fake, make_bot()) as bot:
        assert bot.interrupted_rounds == [1]
        round_row = await bot.storage.get_round(1)
        assert round_row is not None and round_row.status == "interrupted" and round_row.ended_at is not None
        notice = await fake.wait_for_message(lambda m: m["content"] == INTERRUPTED_NOTICE, channel_id=channel)
        assert notice["author"]["id"] == str(fake.bot_id)

        # Points of the question that was scored are kept; the open one is simply not counted.
        stats = await bot.storage.player_stats(fake.guild_id, int(fake.user(2)["id"]))
        assert (stats.points, stats.answers, stats.correct, stats.rounds_played) == (points, 1, 1, 1)
        loser = await bot.storage.player_stats(fake.guild_id, int(fake.user(3)["id"]))
        assert (loser.points, loser.answers, loser.rounds_played) == (0, 1, 1)

        # The old question's buttons still show, and answer politely instead of failing.
        old = message_by_id(fake, channel, q2["id"])
        assert old is not None and button_ids(old)
        for player in (2, 4):
            click = await fake.interact(fake.click(old, button_ids(old)[1], user=player))
            assert click.ephemeral and click.content == ROUND_ENDED

        # The channel is free for a new round.
        again = await fake.interact(fake.slash_command("trivia start", {"questions": 1, "seconds": 30}, user=4))
        assert not again.ephemeral
        await wait_question(fake, channel, 1, timeout=5)
    assert assert_pings_nobody(fake) > 0  # the notice included
    assert fake.unhandled == []


@pytest.mark.usefixtures("storage_backend")
async def test_a_clean_shutdown_stops_the_round_and_the_next_bot_has_nothing_to_close(
    fake: FakeDiscord, make_bot: Callable[..., TriviaBot]
) -> None:
    fake.interaction_ack_timeout = ANSWER_SLA_SECONDS
    channel = fake.channel_id
    async with running_bot(fake, make_bot()) as bot:
        await fake.interact(
            fake.slash_command("trivia start", {"questions": 2, "kind": "typed", "seconds": 30}, user=1)
        )
        q1 = await wait_question(fake, channel, 1)
        (form_button,) = button_ids(q1)
        await fake.interact(fake.slash_command("answer", {"text": "a guess"}, user=2))
        form = await fake.interact(fake.click(q1, form_button, user=3))  # left open across the restart
        assert form.type == 9 and form.data is not None
        session = running_session(bot, channel)
    # close() unloaded the cog, which stopped the round: standings were posted and stored before storage closed.
    assert session.done and session.end_reason == EndReason.STOPPED
    standings = await wait_standings(fake, channel, timeout=1)
    assert title_of(standings) == END_TITLES[EndReason.STOPPED]
    assert mention_of(fake, 2) in embeds_of(standings)[0]["description"]

    async with running_bot(fake, make_bot()) as bot:
        assert bot.interrupted_rounds == []
        round_row = await bot.storage.get_round(1)
        assert round_row is not None and round_row.status == "stopped"
        assert not [m for m in fake.messages[channel].values() if m["content"] == INTERRUPTED_NOTICE]
        # The question's button and the form opened before the restart both answer politely.
        old = message_by_id(fake, channel, q1["id"])
        assert old is not None
        assert button_ids(old) == [], "a stopped round takes the buttons off its open question"
        field_id = form.data["components"][0]["components"][0]["custom_id"]
        submitted = await fake.interact(fake.submit_modal(form.data["custom_id"], {field_id: "late"}, user=3))
        assert submitted.ephemeral and submitted.content == ROUND_ENDED
    assert assert_pings_nobody(fake) > 0
    assert fake.unhandled == []
