"""One budget for every round's channel writes, so the whole bot stays under Discord's global request rate.

Each round already spaces its own channel's writes (about one a second). This scheduler bounds the total
across all channels: at most ``per_second`` writes are scheduled in any one-second window, measured on the
injected clock. Each grant takes the earliest slot the window allows, not the moment a busy event loop
happened to wake the scheduler: otherwise every late wake-up would push all later slots back, and over a
long queue the lags would add up (on the real bot at 400 rounds, 3-7% of posts and reveals then broke the
bound below). Writes that a late wake-up finds due are sent at once, up to ``CATCH_UP_SECONDS`` of them,
which the headroom under Discord's limit absorbs.

Writes queue by priority: essential ones (question posts, reveals, standings, taking buttons off) always
go first, then hint edits, then live "N answered" refreshes. Cosmetic writes (hints, progress) that would
wait too long are dropped (too long: past their priority's ``COSMETIC_MAX_WAIT_SECONDS``, or past the
``within`` their caller gives, e.g. the time left before their question closes), and a newer edit of the same
message replaces an older one still waiting (coalescing). Essential writes are never dropped.

**The stated bound.** An essential write is scheduled at most ``ceil(n / per_second)`` seconds after it
asked, where ``n`` is the number of essential writes queued when it asked (itself included), and is let
through then or as soon as the event loop gets to it (its lag, counted apart): cosmetic writes never go
ahead of it, and the sliding window lets ``per_second`` writes through every second. A round awaits each of its
essential writes before the next, so ``n`` is at most the number of concurrent rounds; and while essential
demand stays under the rate (two per question: post and reveal), ``n`` stays small and so does the wait.

**Several processes.** Discord's global limit is per bot, so each shard process gets its shards' share
(:func:`process_share`: 20/s for one of two shards); without ``SHARD_COUNT`` one process has it all.
"""

from __future__ import annotations

import asyncio
import enum
import heapq
import itertools
import math
from collections import deque
from collections.abc import Hashable
from dataclasses import dataclass, field

from bot.engine.clock import Clock

DISCORD_GLOBAL_REQUESTS_PER_SECOND = 50
"""Discord's global request limit per bot (interaction callbacks are exempt, channel writes are not)."""
GLOBAL_CHANNEL_WRITES_PER_SECOND = 40
"""Channel writes the whole bot sends per second: Discord allows 50 requests/s per bot; 10 are headroom."""
CATCH_UP_SECONDS = (
    DISCORD_GLOBAL_REQUESTS_PER_SECOND - GLOBAL_CHANNEL_WRITES_PER_SECOND
) / GLOBAL_CHANNEL_WRITES_PER_SECOND
"""How far back a late wake-up may take slots: 0.25 s of slots is 10 extra writes, so that even then no
second of sends holds more than Discord's 50. Lags beyond it push later slots back (and add to the wait)."""


def process_share(shards_here: int = 1, shard_count: int = 1, total: int = GLOBAL_CHANNEL_WRITES_PER_SECOND) -> int:
    """Return the channel writes per second one process may send when it runs ``shards_here`` of the bot's
    ``shard_count`` shards: Discord's global limit is per bot, not per process, so shard processes split the
    budget in proportion to their shards (at least one write per second each)."""
    if not 1 <= shards_here <= shard_count:
        raise ValueError(f"a process runs 1 to {shard_count} of the bot's shards, not {shards_here}")
    return max(1, total * shards_here // shard_count)


class WritePriority(enum.IntEnum):
    """How much a channel write matters; lower goes first."""

    ESSENTIAL = 0
    """A question post, a reveal, the standings, taking the buttons off: never dropped."""
    HINT = 1
    """An edit that adds a hint to the question message."""
    PROGRESS = 2
    """An edit that only refreshes the "N answered" count."""


COSMETIC_MAX_WAIT_SECONDS: dict[WritePriority, float] = {WritePriority.HINT: 4.0, WritePriority.PROGRESS: 2.0}
"""How long a cosmetic write may wait for the global budget before it is dropped as stale."""


@dataclass(order=True)
class _Request:
    priority: int
    order: int
    asked_at: float = field(compare=False)
    key: Hashable | None = field(compare=False)
    granted: asyncio.Future[bool] = field(compare=False)
    expires_at: float = field(default=math.inf, compare=False)
    """A cosmetic write not let through by then is dropped; an essential one never expires."""
    slot_at: float = field(default=0.0, compare=False)
    """The time of the window slot it was granted (at or before the moment it was let through)."""


@dataclass
class WriteBudgetStats:
    """What the budget has let through, dropped and how long essential writes waited."""

    granted: int = 0
    dropped: int = 0
    coalesced: int = 0
    granted_by_priority: dict[WritePriority, int] = field(default_factory=lambda: dict.fromkeys(WritePriority, 0))
    longest_essential_wait: float = 0.0
    """From asking to being let through, the event loop's lag included."""
    essential_bound_exceeded: int = 0
    """Essential writes scheduled later than the stated bound (always 0 unless the scheduler is broken)."""
    longest_lag: float = 0.0
    """The most any write was let through after its slot: how late the event loop woke the scheduler."""


class ChannelWriteBudget:
    """Grants channel-write slots to every round under one global rate, by priority (see the module doc)."""

    def __init__(
        self,
        clock: Clock,
        *,
        per_second: int = GLOBAL_CHANNEL_WRITES_PER_SECOND,
        cosmetic_max_wait: dict[WritePriority, float] | None = None,
    ) -> None:
        if per_second < 1:
            raise ValueError(f"a write budget needs at least one write per second, not {per_second}")
        self.clock = clock
        self.per_second = per_second
        self.cosmetic_max_wait = dict(cosmetic_max_wait or COSMETIC_MAX_WAIT_SECONDS)
        self.stats = WriteBudgetStats()
        self._recent: deque[float] = deque(maxlen=per_second)  # the last grants, to keep the 1-s window
        self._queue: list[_Request] = []
        self._by_key: dict[Hashable, _Request] = {}
        self._order = itertools.count()
        self._pump: asyncio.Task[None] | None = None

    def essential_bound(self, queued: int) -> float:
        """Return the longest an essential write may wait with ``queued`` essential writes (itself included)."""
        return float(math.ceil(queued / self.per_second))

    async def slot(
        self,
        priority: WritePriority = WritePriority.ESSENTIAL,
        *,
        key: Hashable | None = None,
        within: float | None = None,
    ) -> bool:
        """Wait for a turn to send one channel write; return False if it was dropped or replaced instead.

        True means the caller must send its write now (the slot is counted). A cosmetic write with a
        ``key`` (the message it edits) replaces an older one with the same key that is still waiting: the
        older caller gets False, and the newer one keeps the older one's place and the higher priority.
        A cosmetic write is dropped if it is not let through within ``within`` seconds (when given) or its
        priority's longest wait, whichever ends first; essential writes ignore ``within``.
        """
        now = self.clock.now()
        loop = asyncio.get_running_loop()
        request = _Request(int(priority), next(self._order), now, key, loop.create_future())
        if priority is not WritePriority.ESSENTIAL and within is not None:
            request.expires_at = now + max(0.0, within)
        if priority is not WritePriority.ESSENTIAL and key is not None:
            older = self._by_key.pop(key, None)
            if older is not None and not older.granted.done():
                self._queue.remove(older)
                heapq.heapify(self._queue)
                request.priority, request.order = min(older.priority, request.priority), older.order
                # Its longest wait runs from the older one's asking; its own ``within`` from now.
                request.asked_at = older.asked_at
                older.granted.set_result(False)
                self.stats.coalesced += 1
            self._by_key[key] = request
        queued = 0
        if priority is WritePriority.ESSENTIAL:
            queued = 1 + sum(1 for r in self._queue if r.priority == WritePriority.ESSENTIAL)
        heapq.heappush(self._queue, request)
        if self._pump is None or self._pump.done():
            self._pump = loop.create_task(self._grant_while_queued(), name="channel-write-budget")
        try:
            granted = await request.granted
        except asyncio.CancelledError:
            self._forget(request)
            raise
        if granted and priority is WritePriority.ESSENTIAL:
            self.stats.longest_essential_wait = max(self.stats.longest_essential_wait, self.clock.now() - now)
            if request.slot_at - now > self.essential_bound(queued) + 1e-9:
                self.stats.essential_bound_exceeded += 1
        return granted

    def _forget(self, request: _Request) -> None:
        if request in self._queue:
            self._queue.remove(request)
            heapq.heapify(self._queue)
        if request.key is not None and self._by_key.get(request.key) is request:
            del self._by_key[request.key]

    def _drop_stale(self, now: float) -> None:
        stale = [
            r
            for r in self._queue
            if r.priority != WritePriority.ESSENTIAL
            and (now - r.asked_at > self.cosmetic_max_wait[WritePriority(r.priority)] or now > r.expires_at)
        ]
        for request in stale:
            self._forget(request)
            request.granted.set_result(False)
            self.stats.dropped += 1

    async def _grant_while_queued(self) -> None:
        while self._queue:
            now = self.clock.now()
            self._drop_stale(now)
            if not self._queue:
                return
            if len(self._recent) == self.per_second and now < self._recent[0] + 1.0:
                # Sleep until the oldest grant leaves the window (drops are checked again then).
                await self.clock.sleep_until(self._recent[0] + 1.0)
                continue
            request = heapq.heappop(self._queue)
            if request.key is not None and self._by_key.get(request.key) is request:
                del self._by_key[request.key]
            if request.granted.done():
                continue  # its caller was cancelled
            slot = max(request.asked_at, self._recent[-1] if self._recent else request.asked_at, now - CATCH_UP_SECONDS)
            if len(self._recent) == self.per_second:
                slot = max(slot, self._recent[0] + 1.0)  # the slot the oldest grant of the window frees
            request.slot_at = slot
            self.stats.longest_lag = max(self.stats.longest_lag, now - slot)
            self._recent.append(slot)
            self.stats.granted += 1
            self.stats.granted_by_priority[WritePriority(request.priority)] += 1
            request.granted.set_result(True)
