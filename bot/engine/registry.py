"""The running rounds, one per channel."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from bot.engine.clock import Clock, LoopClock
from bot.engine.errors import RoundAlreadyRunning
from bot.engine.ports import Judge, NumberReader, RoundListener, RoundRecorder
from bot.engine.records import EndReason, Player, RoundSettings
from bot.engine.session import RoundSession
from bot.scoring import parse_number
from questions.models import Question


class RoundRegistry:
    """Keeps at most one running round per channel; sessions remove themselves when they end."""

    def __init__(self, clock: Clock | None = None) -> None:
        self._clock: Clock = clock or LoopClock()
        self._sessions: dict[int, RoundSession] = {}

    def create(
        self,
        channel_id: int,
        questions: Sequence[Question],
        settings: RoundSettings,
        *,
        listener: RoundListener,
        recorder: RoundRecorder,
        judge: Judge,
        round_id: int | None = None,
        players: Sequence[Player] = (),
        number_reader: NumberReader = parse_number,
    ) -> RoundSession:
        """Create, register and start a round in this channel, refusing if one is already running there."""
        existing = self._sessions.get(channel_id)
        if existing is not None and not existing.done:
            raise RoundAlreadyRunning(channel_id)
        session = RoundSession(
            channel_id,
            questions,
            settings,
            listener=listener,
            recorder=recorder,
            judge=judge,
            clock=self._clock,
            number_reader=number_reader,
            round_id=round_id,
            players=players,
            on_end=self._forget,
        )
        self._sessions[channel_id] = session
        session.start()
        return session

    def get(self, channel_id: int) -> RoundSession | None:
        """Return the round running in this channel, if any."""
        return self._sessions.get(channel_id)

    def running(self) -> list[RoundSession]:
        """Return every running round."""
        return list(self._sessions.values())

    def __len__(self) -> int:
        return len(self._sessions)

    async def cancel_all(self, reason: EndReason = EndReason.STOPPED) -> None:
        """Stop every running round (on cog unload) and wait until they have all wound down."""
        await asyncio.gather(*(session.stop(reason) for session in list(self._sessions.values())))

    def _forget(self, session: RoundSession) -> None:
        if self._sessions.get(session.channel_id) is session:
            del self._sessions[session.channel_id]
