"""Shows a running round in a Discord channel: the engine's ``RoundListener`` for Discord."""

from __future__ import annotations

import logging
from typing import Any

import discord

from bot.engine import EndReason, QuestionOpening, QuestionResult, Standings
from bot.render import question_embed, reveal_embed, standings_embed
from bot.views import question_view
from questions.store import FactStore, format_date

log = logging.getLogger(__name__)


class ChannelRoundDisplay:
    """Posts each question as one message, edits it for progress and hints, and turns it into the reveal.

    One message per question, edited in place, keeps a round near one channel write per second: the engine
    throttles progress, and the reveal reuses the question's message instead of posting another.
    """

    def __init__(self, channel: discord.abc.Messageable, *, round_id: int, store: FactStore) -> None:
        self.channel = channel
        self.round_id = round_id
        self.store = store
        self._message: discord.Message | None = None
        self._opening: QuestionOpening | None = None
        self._answered = 0
        self._hints: list[str] = []

    def _label(self, category: str) -> str:
        return self.store.category_label(category)

    async def question_opened(self, opening: QuestionOpening) -> int | None:
        """Post the question with its buttons and return the message id."""
        self._opening, self._answered, self._hints = opening, 0, []
        question = opening.question
        self._message = await self.channel.send(
            embed=question_embed(opening, category_label=self._label(question.category)),
            view=question_view(self.round_id, opening.position, question),
        )
        return self._message.id

    async def progress(self, position: int, answered_count: int) -> None:
        """Update the answer count (the engine throttles these calls)."""
        self._answered = answered_count
        await self._refresh(position)

    async def hint(self, position: int, text: str) -> None:
        """Add a hint to the question message."""
        self._hints.append(text)
        await self._refresh(position)

    async def _refresh(self, position: int) -> None:
        opening, message = self._opening, self._message
        if opening is None or message is None or opening.position != position:
            return
        embed = question_embed(
            opening, category_label=self._label(opening.question.category), answered=self._answered, hints=self._hints
        )
        try:
            await message.edit(embed=embed)
        except discord.HTTPException as error:
            # A missed cosmetic update must not end the round; the reveal follows anyway.
            log.warning("Could not update question message %s: %s", message.id, error)

    async def question_closed(self, result: QuestionResult) -> None:
        """Turn the question message into the reveal, without buttons."""
        question = result.question
        document = self.store.documents.get(question.document_id)
        embed = reveal_embed(
            result,
            category_label=self._label(question.category),
            document_date=format_date(document.meta.date) if document else None,
        )
        if self._message is not None:
            await self._message.edit(embed=embed, view=None)
        else:
            await self.channel.send(embed=embed)
        self._message = None

    async def round_finished(self, standings: Standings, reason: EndReason) -> None:
        """Post the final standings."""
        await self.channel.send(embed=standings_embed(standings, reason))


def member_name(user: discord.abc.User | Any) -> str:
    """Return the name a player is shown under."""
    return str(getattr(user, "display_name", None) or getattr(user, "name", "player"))
