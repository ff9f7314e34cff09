"""Shared fixtures: the question source (loaded once), a local fake Discord, and the bot wired to it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import discord
import pytest

from bot.app import QuestionSource, TriviaBot
from bot.config import Settings
from bot.engine import Clock, LoopClock, ScaledClock
from fake_discord import FakeDiscord
from questions.generate import build_bank
from questions.loader import load_store
from questions.matching import AnswerMatcher


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Start the slow tests first, each on its own worker, so that they overlap the rest instead of trailing it.

    With ``-n N --maxschedchunk 1`` (the README's command) xdist hands each worker two tests to begin with, then
    one at a time: a slow test followed by a quick one lands at the head of a worker of its own.
    """
    slow = [item for item in items if item.get_closest_marker("slow") is not None]
    quick = [item for item in items if item.get_closest_marker("slow") is None]
    ordered: list[pytest.Item] = []
    for item in slow:
        ordered += [item, *quick[:1]]
        quick = quick[1:]
    items[:] = ordered + quick


@pytest.fixture(scope="session")
def question_source() -> QuestionSource:
    """The seed fact store, its bank and matcher, built once for the whole run."""
    store = load_store()
    return QuestionSource(store=store, bank=build_bank(store, seed=0), matcher=AnswerMatcher(store))


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    """A running fake of the Discord API on 127.0.0.1."""
    async with FakeDiscord(players=6) as server:
        yield server


class FastTriviaBot(TriviaBot):
    """The real bot, minus discord.py's 5-second wait before a re-IDENTIFY (it is for real rate limits)."""

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """Identify at once."""


@pytest.fixture
def bot_settings(tmp_path: Path, fake: FakeDiscord) -> Settings:
    """Settings pointing the bot at the fake, with a fresh database."""
    return Settings(
        discord_token=fake.token,
        database_path=tmp_path / "trivia.db",
        dev_guild_ids=[fake.guild_id],
        discord_api_base=fake.base_url,
        round_pause_seconds=0,
    )


E2E_CLOCK_SPEED = 10.0
"""How many times faster than real time rounds run in end-to-end tests while no interaction awaits the bot.

While one does (a player is acting), the clock runs at real speed, so question windows are as long as the
tests were written for however slow the machine is; in between, rounds fly."""


@pytest.fixture
def round_clock(request: pytest.FixtureRequest, fake: FakeDiscord) -> Clock:
    """The clock of the bot's rounds: fast by default, real time for tests marked ``real_time``."""
    if request.node.get_closest_marker("real_time") is not None:
        return LoopClock()
    clock = ScaledClock(E2E_CLOCK_SPEED)
    fake.watch_pending_interactions(lambda pending: clock.set_speed(1.0 if pending else E2E_CLOCK_SPEED))
    return clock


@pytest.fixture
def make_bot(bot_settings: Settings, question_source: QuestionSource, round_clock: Clock) -> Callable[..., TriviaBot]:
    """Build a bot like ``python -m bot`` does, with a seeded random generator and the test's round clock."""

    def build(**overrides: Any) -> TriviaBot:
        import random

        settings = bot_settings.model_copy(update=overrides) if overrides else bot_settings
        return FastTriviaBot(
            settings, source=question_source, rng=random.Random(7), clock=round_clock, guild_ready_timeout=0.05
        )

    return build


def embeds_of(message: dict[str, Any]) -> list[dict[str, Any]]:
    """Return the embeds of a stored fake message."""
    return list(message.get("embeds") or [])


def button_ids(message: dict[str, Any]) -> list[str]:
    """Return the custom_ids of every button of a stored fake message."""
    ids = []
    for row in message.get("components") or []:
        for component in row.get("components", []):
            if component.get("custom_id"):
                ids.append(component["custom_id"])
    return ids


__all__ = ["button_ids", "discord", "embeds_of"]
