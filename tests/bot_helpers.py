"""Helpers shared by the end-to-end bot tests: finding question, reveal and standings messages in the fake."""

# The wait helpers take a plain timeout argument, like the fake's own: wait_reveal(fake, ch, id, timeout=3).
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass
from typing import Any

from bot.app import TriviaBot
from bot.cogs.trivia import TriviaCog
from bot.engine import RoundSession
from bot.storage import AnswerInput, ScoredAnswer, Storage
from fake_discord import FakeDiscord, InteractionResult
from tests.conftest import embeds_of

Json = dict[str, Any]

ANSWER_SLA_SECONDS = 3.0
"""Discord drops an interaction that is not answered within 3 seconds; the fake enforces it when told to."""


def trivia_cog(bot: TriviaBot) -> TriviaCog:
    """Return the bot's trivia cog."""
    cog = bot.get_cog("trivia")
    assert isinstance(cog, TriviaCog)
    return cog


def running_session(bot: TriviaBot, channel_id: int) -> RoundSession:
    """Return the round running in a channel (failing the test if there is none)."""
    session = trivia_cog(bot).registry.get(channel_id)
    assert session is not None, f"no round is running in channel {channel_id}"
    return session


def title_of(message: Json) -> str:
    """Return the title of a message's first embed ('' if it has none)."""
    embeds = embeds_of(message)
    return str(embeds[0].get("title", "")) if embeds else ""


def field_value(message: Json, name: str) -> str | None:
    """Return the value of the first embed field called ``name``, or None."""
    for embed in embeds_of(message):
        for item in embed.get("fields") or []:
            if item.get("name") == name:
                return str(item.get("value"))
    return None


def message_by_id(fake: FakeDiscord, channel_id: int, message_id: int | str) -> Json | None:
    """Return the latest state of a visible message."""
    return fake.messages[channel_id].get(int(message_id))


async def wait_question(fake: FakeDiscord, channel_id: int, number: int, timeout: float = 15) -> Json:
    """Wait for question ``number`` (1-based) to be posted in a channel and return its message."""

    def find() -> Json | None:
        for message in fake.messages[channel_id].values():
            if title_of(message).startswith(f"Question {number}/"):
                return message
        return None

    return await fake.wait_for(find, timeout=timeout, description=f"question {number} in channel {channel_id}")


async def wait_reveal(fake: FakeDiscord, channel_id: int, message_id: int | str, timeout: float = 15) -> Json:
    """Wait until a question message has been turned into its reveal and return it."""

    def find() -> Json | None:
        message = message_by_id(fake, channel_id, message_id)
        return message if message is not None and "time's up" in title_of(message) else None

    return await fake.wait_for(find, timeout=timeout, description=f"the reveal of message {message_id}")


async def wait_standings(fake: FakeDiscord, channel_id: int, timeout: float = 20) -> Json:
    """Wait for the end-of-round message (final standings) in a channel."""

    def find() -> Json | None:
        for message in fake.messages[channel_id].values():
            title = title_of(message).lower()
            if "standings" in title or "round ended" in title:
                return message
        return None

    return await fake.wait_for(find, timeout=timeout, description=f"the standings in channel {channel_id}")


def mention_of(fake: FakeDiscord, player: int) -> str:
    """Return how the bot mentions test player ``player``."""
    return f"<@{fake.user(player)['id']}>"


def content(result: InteractionResult) -> str:
    """Return the text of an interaction reply (content, or the embeds rendered as text)."""
    return result.content or str(result.embeds)


SEED_CHANNEL_ID = 4242
"""The channel of the rounds ``seed_scores`` writes straight into storage (no Discord channel needed)."""


async def seed_scores(
    storage: Storage, guild_id: int, points: dict[int, int], *, closed_at: dt.datetime | None = None
) -> int:
    """Store one finished one-question round in which every player in ``points`` answered right and scored that."""
    closed = closed_at or dt.datetime.now(dt.UTC)
    opened = closed - dt.timedelta(seconds=30)
    round_id = await storage.create_round(
        guild_id=guild_id,
        channel_id=SEED_CHANNEL_ID,
        starter_id=next(iter(points)),
        question_count=1,
        seconds=30,
        category=None,
        kind="multiple_choice",
        started_at=opened,
    )
    question_id = await storage.add_round_question(
        round_id=round_id,
        position=0,
        question_id="seeded.mc1",
        fact_id="seeded",
        kind="multiple_choice",
        correct_choice=0,
        opened_at=opened,
        deadline_at=closed,
    )
    await asyncio.gather(
        *(
            storage.record_answer(
                AnswerInput(
                    round_question_id=question_id,
                    round_id=round_id,
                    guild_id=guild_id,
                    user_id=user_id,
                    choice=0,
                    text=None,
                    correct=True,
                    credit=1.0,
                    answered_at=opened + dt.timedelta(seconds=2),
                    elapsed_ms=2000,
                )
            )
            for user_id in points
        )
    )
    await storage.score_question(
        question_id,
        [ScoredAnswer(user_id=user, correct=True, points=score, streak=1) for user, score in points.items()],
        closed_at=closed,
    )
    winner = max(points, key=lambda user: points[user])
    await storage.finish_round(round_id, status="finished", ended_at=closed, winner_id=winner)
    return round_id


def message_writes(fake: FakeDiscord) -> list[tuple[str, Json]]:
    """Return (what, body) of every request by which the bot sent a message, or edited one's text.

    Edits that change only embeds or buttons are left out: Discord never pings for an edit, nor for a
    mention inside an embed, and discord.py (rightly) sends no allowed_mentions with them.
    """
    writes: list[tuple[str, Json]] = []
    for request in fake.requests:
        body = request.json if isinstance(request.json, dict) else {}
        where = f"{request.method} {request.path}"
        if "/callback" in request.path:
            data = body.get("data") or {}
            if body.get("type") == 4 or (body.get("type") == 7 and "content" in data):
                writes.append((where, data))
        elif request.path.startswith(("/channels/", "/webhooks/")) and (
            request.method == "POST" or (request.method == "PATCH" and "content" in body)
        ):
            writes.append((where, body))
    return writes


def assert_pings_nobody(fake: FakeDiscord) -> int:
    """Check that every message the bot sent (or whose text it edited) pings nobody; return how many."""
    writes = message_writes(fake)
    for where, body in writes:
        assert body.get("allowed_mentions") == {"parse": []}, f"{where} may ping: {body.get('allowed_mentions')}"
    return len(writes)


@dataclass(frozen=True)
class Reply:
    """What a player finally sees of the bot's answer to an interaction (direct, or deferred then followed up)."""

    deferred: bool
    content: str
    embeds: list[Json]
    ephemeral: bool
    attachments: list[Json]


async def reply_to(fake: FakeDiscord, payload: Json, timeout: float = 15) -> Reply:
    """Send an interaction and return the bot's answer; if the bot deferred it, wait for the followup."""
    result = await fake.interact(payload, timeout=timeout)
    if result.type != 5:
        message = result.message or {}
        return Reply(False, result.content or "", result.embeds, result.ephemeral, message.get("attachments") or [])
    (followup,) = await result.followups(1, timeout=timeout)
    return Reply(
        True,
        str(followup.get("content") or ""),
        list(followup.get("embeds") or []),
        bool(int(followup.get("flags") or 0) & 64),
        list(followup.get("attachments") or []),
    )
