"""Stopping the real bot process: SIGTERM (docker stop, systemctl stop) and SIGINT, however it was started.

A round is running when the signal comes: its standings are posted and stored, and the process exits 0.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shlex
import signal
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from bot.app import TriviaBot
from bot.engine import EndReason
from bot.render import END_TITLES
from bot.shutdown import stop_on_signals
from fake_discord import FakeDiscord, running_bot
from tests.bot_helpers import mention_of, title_of, wait_question, wait_standings
from tests.conftest import button_ids, embeds_of
from tests.faultkit import BotProcess, bot_env, query

STOP_BOUND = 10.0
"""What the issue asks: standings posted and the process gone within 10 s of the signal (it takes ~2 s)."""


async def _start_bot(fake: FakeDiscord, workdir: Path, *, sigint_ignored: bool) -> BotProcess:
    env = bot_env(fake, workdir / "trivia.db")
    command = [sys.executable, "-m", "bot"]
    if sigint_ignored:
        # As a shell starts a background job (`python -m bot &`): SIGINT ignored, inherited through exec.
        command = ["/bin/sh", "-c", f"trap '' INT; exec {shlex.join(command)}"]
    process = await asyncio.create_subprocess_exec(
        *command,
        cwd=workdir,  # no .env there
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    child = BotProcess(process)
    child.start_reading()
    return child


async def _wait_log(child: BotProcess, text: str) -> None:
    async with asyncio.timeout(90):  # a hang guard: starting takes a few seconds, more on a busy machine
        while not any(text in line for line in child.log):
            if not child.running:
                raise AssertionError(f"the bot exited ({child.process.returncode}):\n" + "\n".join(child.log))
            await asyncio.sleep(0.05)


@contextlib.asynccontextmanager
async def _running_bot_process(fake: FakeDiscord, workdir: Path, *, sigint_ignored: bool) -> AsyncIterator[BotProcess]:
    child = await _start_bot(fake, workdir, sigint_ignored=sigint_ignored)
    try:
        await _wait_log(child, "Logged in as")
        yield child
    finally:
        if child.running:
            await child.stop(signal.SIGKILL)


@pytest.mark.parametrize(
    ("sig", "sigint_ignored"),
    [(signal.SIGTERM, False), (signal.SIGINT, False), (signal.SIGINT, True), (signal.SIGTERM, True)],
    ids=["SIGTERM", "SIGINT", "SIGINT-as-a-background-job", "SIGTERM-as-a-background-job"],
)
async def test_a_stop_signal_during_a_round_posts_standings_and_exits_0(
    fake: FakeDiscord, tmp_path: Path, sig: signal.Signals, sigint_ignored: bool
) -> None:
    channel = fake.channel_id
    async with _running_bot_process(fake, tmp_path, sigint_ignored=sigint_ignored) as child:
        started = await fake.interact(
            fake.slash_command("trivia start", {"questions": 3, "kind": "multiple_choice", "seconds": 60}, user=1)
        )
        assert "started a round" in (started.content or "")
        question = await wait_question(fake, channel, 1)
        click = await fake.interact(fake.click(question, button_ids(question)[0], user=2))
        assert click.ephemeral and "You chose" in (click.content or "")

        code = await child.stop(sig, timeout=STOP_BOUND)
        assert code == 0, "\n".join(child.log)
        assert any(f"Received {sig.name}: stopping cleanly" in line for line in child.log), child.log

    standings = await wait_standings(fake, channel, timeout=1)  # already there: it was posted before the exit
    assert title_of(standings) == END_TITLES[EndReason.STOPPED]
    assert mention_of(fake, 2) in embeds_of(standings)[0]["description"]
    assert question["id"] in {m["id"] for m in fake.messages[channel].values() if not button_ids(m)}
    assert query(tmp_path / "trivia.db", "SELECT status FROM rounds") == [("stopped",)]
    assert fake.unhandled == []


async def test_a_second_signal_stops_at_once() -> None:
    calls: list[str] = []
    stopped = asyncio.Event()

    async def stop() -> None:
        calls.append("stop")
        stopped.set()

    async def run() -> list[signal.Signals]:
        async with stop_on_signals(stop) as received:
            os.kill(os.getpid(), signal.SIGTERM)
            await stopped.wait()
            os.kill(os.getpid(), signal.SIGINT)
            await asyncio.sleep(60)  # the second signal cancels this
        return received

    task = asyncio.create_task(run())
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, 30)
    assert calls == ["stop"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # the handlers are gone again


async def test_discord_pys_ready_wait_ending_after_a_close_dispatches_nothing(
    fake: FakeDiscord, make_bot: Callable[..., TriviaBot], caplog: pytest.LogCaptureFixture
) -> None:
    # discord.py's close() does not cancel its wait for the servers' data before "ready": a stop right after
    # connecting (a crash loop's restart, an operator's Ctrl-C) could see it end afterwards and dispatch "ready"
    # on a closed client, which raised in a task nobody awaited ("Task exception was never retrieved").
    readied: list[str] = []

    async def on_ready() -> None:
        readied.append("ready")

    async with running_bot(fake, make_bot()) as bot:
        bot.add_listener(on_ready, "on_ready")
    assert bot.is_closed()
    bot.dispatch("ready")  # what the late ready wait does
    await asyncio.sleep(0)
    assert readied == []
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
