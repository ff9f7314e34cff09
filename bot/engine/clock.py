"""Clocks the engine reads time from: the event loop's own, and a fake one that tests can jump through."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import heapq
import itertools
from typing import Protocol

UTC = dt.UTC


class Clock(Protocol):
    """Where a round reads the time and waits."""

    def now(self) -> float:
        """Return monotonic seconds; only differences matter."""
        ...

    async def sleep_until(self, deadline: float) -> None:
        """Return once ``now()`` has reached ``deadline``."""
        ...

    def wall(self) -> dt.datetime:
        """Return the current UTC date and time, for timestamps shown to players."""
        ...


class LoopClock:
    """The real clock: the running event loop's monotonic time and UTC wall time."""

    def now(self) -> float:
        """Return the event loop's monotonic time."""
        return asyncio.get_running_loop().time()

    async def sleep_until(self, deadline: float) -> None:
        """Sleep until the loop's time reaches ``deadline``."""
        await asyncio.sleep(max(0.0, deadline - asyncio.get_running_loop().time()))

    def wall(self) -> dt.datetime:
        """Return the current UTC time."""
        return dt.datetime.now(UTC)


class ScaledClock:
    """The event loop's clock run ``speed`` times faster, for end-to-end tests of whole rounds.

    The speed can change while rounds run (:meth:`set_speed`): the time stays continuous and every sleeper
    re-times itself, so a test can let rounds fly while it waits and keep real time while players act.
    ``wall()`` stays the real UTC time (it only stamps what is stored and shown).
    """

    def __init__(self, speed: float = 1.0) -> None:
        self._check(speed)
        self._speed = speed
        self._base_real: float | None = None
        self._base_now = 0.0
        self._speed_changed = asyncio.Event()

    @staticmethod
    def _check(speed: float) -> None:
        if not speed > 0:
            raise ValueError(f"a clock's speed must be positive, not {speed}")

    @property
    def speed(self) -> float:
        """Return how many clock seconds pass per real second."""
        return self._speed

    def now(self) -> float:
        """Return the scaled monotonic time."""
        real = asyncio.get_running_loop().time()
        if self._base_real is None:
            self._base_real, self._base_now = real, real
        return self._base_now + (real - self._base_real) * self._speed

    def set_speed(self, speed: float) -> None:
        """Run at ``speed`` from now on; sleepers wake at the right time of the new speed."""
        self._check(speed)
        if speed == self._speed:
            return
        if self._base_real is not None:
            self._base_now = self.now()
            self._base_real = asyncio.get_running_loop().time()
        self._speed = speed
        changed, self._speed_changed = self._speed_changed, asyncio.Event()
        changed.set()

    async def sleep_until(self, deadline: float) -> None:
        """Sleep until the scaled time reaches ``deadline``."""
        while (left := deadline - self.now()) > 0:
            changed = self._speed_changed
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(left / self._speed):
                    await changed.wait()

    def wall(self) -> dt.datetime:
        """Return the current UTC time."""
        return dt.datetime.now(UTC)


class FakeClock:
    """A deterministic clock for tests: time only moves when every task is waiting, and then jumps.

    Whenever something sleeps on it, a helper task waits until the event loop has nothing else to run, then
    moves time straight to the earliest pending deadline and wakes the sleepers due then. Nothing really
    sleeps, so a 30-second round runs in milliseconds, and the same program always sees the same times.
    """

    # When the loop's ready queue cannot be inspected (another loop implementation), this many idle
    # passes are taken as "everyone is waiting".
    _FALLBACK_IDLE_PASSES = 100

    def __init__(self, start: float = 0.0, wall_start: dt.datetime | None = None) -> None:
        self._now = start
        self._start = start
        self._wall_start = wall_start or dt.datetime(2025, 1, 1, tzinfo=UTC)
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()
        self._advancer: asyncio.Task[None] | None = None

    def now(self) -> float:
        """Return the fake monotonic time."""
        return self._now

    def wall(self) -> dt.datetime:
        """Return the fake UTC time: ``wall_start`` plus the fake seconds elapsed."""
        return self._wall_start + dt.timedelta(seconds=self._now - self._start)

    async def sleep_until(self, deadline: float) -> None:
        """Wait until fake time reaches ``deadline``; a past deadline just yields once."""
        if deadline <= self._now:
            await asyncio.sleep(0)
            return
        loop = asyncio.get_running_loop()
        woken: asyncio.Future[None] = loop.create_future()
        heapq.heappush(self._sleepers, (deadline, next(self._order), woken))
        if self._advancer is None or self._advancer.done():
            self._advancer = loop.create_task(self._advance_while_sleepers(), name="fake-clock-advancer")
        await woken

    async def _advance_while_sleepers(self) -> None:
        while True:
            await self._wait_until_loop_idle()
            while self._sleepers and self._sleepers[0][2].done():
                heapq.heappop(self._sleepers)  # a cancelled sleeper
            if not self._sleepers:
                return
            self._now = max(self._now, self._sleepers[0][0])
            while self._sleepers and self._sleepers[0][0] <= self._now:
                _, _, woken = heapq.heappop(self._sleepers)
                if not woken.done():
                    woken.set_result(None)

    @classmethod
    async def _wait_until_loop_idle(cls) -> None:
        loop = asyncio.get_running_loop()
        ready = getattr(loop, "_ready", None)  # CPython's queue of callbacks due to run now
        idle_passes = 0
        needed = 2 if ready is not None else cls._FALLBACK_IDLE_PASSES
        while idle_passes < needed:
            await asyncio.sleep(0)
            idle_passes = idle_passes + 1 if ready is None or not ready else 0
