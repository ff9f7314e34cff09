"""Shows a running round in a Discord channel: the engine's ``RoundListener`` for Discord."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from collections.abc import AsyncIterator
from typing import Any

import discord

from bot.engine import Clock, EndReason, LoopClock, QuestionOpening, QuestionResult, Standings
from bot.engine.write_budget import ChannelWriteBudget, WritePriority
from bot.render import question_embed, reveal_embed, standings_embed
from bot.views import question_view
from questions.store import FactStore, format_date

log = logging.getLogger(__name__)

WRITE_GAP_SECONDS = 1.05
"""Least time between two writes to a round's channel: a little over one second, for clock skew.

Measured on the round's clock, like the question times, so a faster clock (in tests) scales both alike."""


class ChannelRoundDisplay:
    """Posts each question as one message, edits it for progress and hints, and turns it into the reveal.

    One message per question, edited in place, and every write spaced at least ``write_gap`` seconds from
    the one before, keep a round at about one channel write per second and within Discord's limit of five
    per five seconds. Progress and hints are cosmetic: they return at once and are coalesced into one
    paced edit that shows the latest state. Questions, reveals and standings wait for their turn instead.

    Every write also takes a slot from ``budget``, the bot-wide :class:`ChannelWriteBudget` shared by all
    rounds: posts, reveals and standings as essential writes, the paced edit as a hint or progress write
    that the budget may drop when the bot as a whole is writing too fast. No cosmetic edit is sent within
    ``write_gap`` of the question's close: it would hold the reveal back by up to that long, to show for less.

    ``clock`` spaces the writes; ``round_clock`` (``clock`` by default) is the one the round's question times run
    on, so that the display knows when a question closes even where tests run the two at different speeds.
    """

    def __init__(
        self,
        channel: discord.abc.Messageable,
        *,
        round_id: int,
        store: FactStore,
        clock: Clock | None = None,
        write_gap: float = WRITE_GAP_SECONDS,
        budget: ChannelWriteBudget | None = None,
        round_clock: Clock | None = None,
    ) -> None:
        self.channel = channel
        self.clock: Clock = clock or LoopClock()
        self.round_clock: Clock = round_clock or self.clock
        self.round_id = round_id
        self.store = store
        self.write_gap = write_gap
        self.budget = budget or ChannelWriteBudget(self.clock)
        self._message: discord.Message | None = None
        self._opening: QuestionOpening | None = None
        self._closes_at: float | None = None  # the open question's close on ``round_clock`` (not wall time)
        self._answered = 0
        self._hints: list[str] = []
        self._write_lock = asyncio.Lock()
        self._last_write: float | None = None
        self._refresh_wanted = False
        self._refresher: asyncio.Task[None] | None = None
        self._refresher_waiting = False  # the refresher waits for a global slot (and may be cancelled)
        self._hints_shown = 0

    def _label(self, category: str) -> str:
        return self.store.category_label(category)

    @contextlib.asynccontextmanager
    async def _turn_to_write(self) -> AsyncIterator[None]:
        """Hold the channel's write slot (``write_gap`` after the last write), then an essential global slot."""
        async with self._write_lock:
            await self._wait_for_channel_gap()
            await self.budget.slot(WritePriority.ESSENTIAL)
            yield

    async def _wait_for_channel_gap(self) -> None:
        if self._last_write is not None:
            await self.clock.sleep_until(self._last_write + self.write_gap)

    def _wrote(self) -> None:
        """Note that a write was just sent (failed ones count too: Discord saw them)."""
        self._last_write = self.clock.now()

    async def question_opened(self, opening: QuestionOpening) -> int | None:
        """Post the question with its buttons and return the message id."""
        question = opening.question
        # The question's time runs from when the engine asked for the post (now), not from when it is sent.
        closes_at = self.round_clock.now() + opening.time_limit
        async with self._turn_to_write():
            self._opening, self._message, self._answered, self._hints = opening, None, 0, []
            self._closes_at = closes_at
            self._hints_shown = 0
            try:
                self._message = await self.channel.send(
                    embed=question_embed(opening, category_label=self._label(question.category)),
                    view=question_view(self.round_id, opening.position, question),
                )
            finally:
                self._wrote()
        return self._message.id

    async def progress(self, position: int, answered_count: int) -> None:
        """Update the answer count (the engine throttles these calls, and so do we)."""
        if self._is_open(position):
            self._answered = answered_count
            self._refresh_soon()

    async def hint(self, position: int, text: str) -> None:
        """Add a hint to the question message."""
        if self._is_open(position):
            self._hints.append(text)
            self._refresh_soon()

    def _is_open(self, position: int) -> bool:
        return self._opening is not None and self._opening.position == position

    def _refresh_soon(self) -> None:
        """Edit the question message at the next write slot, showing whatever is current by then."""
        self._refresh_wanted = True
        if self._refresher is None or self._refresher.done():
            self._refresher = asyncio.create_task(self._refresh_while_wanted(), name=f"trivia-refresh-{self.round_id}")

    async def _refresh_while_wanted(self) -> None:
        while self._refresh_wanted:
            self._refresh_wanted = False
            async with self._write_lock:
                await self._wait_for_channel_gap()
                message = self._message
                if self._opening is None or message is None:
                    return  # the question closed meanwhile: its reveal replaces the message anyway
                if self._too_close_to_the_close():
                    return  # the reveal is due before the channel would be free again: it shows everything
                new_hint = len(self._hints) > self._hints_shown
                priority = WritePriority.HINT if new_hint else WritePriority.PROGRESS
                self._refresher_waiting = True
                try:
                    granted = await self.budget.slot(priority, key=message.id, within=self._time_left_to_edit())
                finally:
                    self._refresher_waiting = False
                if not granted:
                    continue  # dropped: over the global budget, or its turn came too near the close
                opening = self._opening
                if opening is None or self._message is not message:
                    return
                self._hints_shown = len(self._hints)
                embed = question_embed(
                    opening,
                    category_label=self._label(opening.question.category),
                    answered=self._answered,
                    hints=self._hints,
                )
                try:
                    await message.edit(embed=embed)
                except discord.HTTPException as error:
                    # A missed cosmetic update must not end the round; the reveal follows anyway.
                    log.warning("Could not update question message %s: %s", message.id, error)
                except Exception:
                    # This task has no caller to raise to: log it here, and let the round go on.
                    log.exception("Updating question message %s failed", message.id)
                    return
                finally:
                    self._wrote()

    def _time_left_to_edit(self) -> float:
        """Return how long from now an edit may still be sent and leave the channel free by the question's close.

        Read on the round's clock: exact where the two clocks are one (the bot's default); where a test runs them
        at different speeds, at worst an edit near the question's close is left out or still sent.
        """
        if self._closes_at is None:
            return math.inf
        return self._closes_at - self.write_gap - self.round_clock.now()

    def _too_close_to_the_close(self) -> bool:
        """Return whether an edit sent now would still hold the channel when the question closes."""
        return self._time_left_to_edit() < 0

    async def question_closed(self, result: QuestionResult) -> None:
        """Turn the question message into the reveal, without buttons."""
        question = result.question
        message, self._opening = self._message, None  # a pending progress edit must not follow the reveal
        self._stop_waiting_refresher()
        document = self.store.documents.get(question.document_id)
        embed = reveal_embed(
            result,
            category_label=self._label(question.category),
            document_date=format_date(document.meta.date) if document else None,
        )
        async with self._turn_to_write():
            try:
                if message is not None:
                    await message.edit(embed=embed, view=None)
                else:
                    await self.channel.send(embed=embed)
            finally:
                self._wrote()
        self._message = None

    async def round_finished(self, standings: Standings, reason: EndReason) -> None:
        """Take the buttons off a question the round ended during, then post the final standings."""
        self._opening = None
        self._stop_waiting_refresher()
        message, self._message = self._message, None
        if message is not None:
            async with self._turn_to_write():
                try:
                    await message.edit(view=None)
                except discord.HTTPException as error:
                    log.warning("Could not take the buttons off question message %s: %s", message.id, error)
                finally:
                    self._wrote()
        async with self._turn_to_write():
            try:
                await self.channel.send(embed=standings_embed(standings, reason))
            finally:
                self._wrote()

    def _stop_waiting_refresher(self) -> None:
        """Cancel a cosmetic edit still queued for a global slot: it must not hold up the reveal."""
        if self._refresher is not None and self._refresher_waiting:
            self._refresher.cancel()


def member_name(user: discord.abc.User | Any) -> str:
    """Return the name a player is shown under."""
    return str(getattr(user, "display_name", None) or getattr(user, "name", "player"))
