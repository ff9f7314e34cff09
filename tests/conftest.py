"""Shared fixtures: the question source (loaded once), a local fake Discord, and the bot wired to it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import discord
import pytest

from bot.app import QuestionSource, TriviaBot
from bot.config import Settings
from fake_discord import FakeDiscord
from questions.generate import build_bank
from questions.loader import load_store
from questions.matching import AnswerMatcher


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


@pytest.fixture
def make_bot(bot_settings: Settings, question_source: QuestionSource) -> Callable[..., TriviaBot]:
    """Build a bot like ``python -m bot`` does, with a seeded random generator."""

    def build(**overrides: Any) -> TriviaBot:
        import random

        settings = bot_settings.model_copy(update=overrides) if overrides else bot_settings
        return FastTriviaBot(settings, source=question_source, rng=random.Random(7), guild_ready_timeout=0.05)

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
