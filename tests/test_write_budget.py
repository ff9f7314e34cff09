"""The global channel-write budget, on a fake clock: the rate, priorities, coalescing, drops and the bound."""

from __future__ import annotations

import asyncio

import pytest

from bench.write_budget import WriteLog, logged_write, simulate
from bot.engine import FakeClock
from bot.engine.write_budget import (
    CATCH_UP_SECONDS,
    COSMETIC_MAX_WAIT_SECONDS,
    DISCORD_GLOBAL_REQUESTS_PER_SECOND,
    GLOBAL_CHANNEL_WRITES_PER_SECOND,
    ChannelWriteBudget,
    WritePriority,
    process_share,
)

ESSENTIAL, HINT, PROGRESS = WritePriority.ESSENTIAL, WritePriority.HINT, WritePriority.PROGRESS


Log, write = WriteLog, logged_write


def test_the_default_rate_leaves_headroom_under_discords_fifty() -> None:
    assert 0 < GLOBAL_CHANNEL_WRITES_PER_SECOND <= 40


async def test_a_burst_is_let_through_at_the_rate_and_no_faster() -> None:
    clock = FakeClock()
    budget, log = ChannelWriteBudget(clock, per_second=10), Log()
    results = await asyncio.gather(*(write(budget, log, ESSENTIAL) for _ in range(35)))
    assert all(results)
    assert [t for t, _ in log.grants] == [0.0] * 10 + [1.0] * 10 + [2.0] * 10 + [3.0] * 5
    assert log.most_in_any_second() == 10
    assert budget.stats.longest_essential_wait == 3.0
    assert budget.stats.essential_bound_exceeded == 0  # the 35th waited 3 s <= ceil(35 / 10)


class LateClock(FakeClock):
    """A fake clock whose sleepers wake ``lag`` seconds late, like a busy event loop's."""

    lag = 0.05

    async def sleep_until(self, deadline: float) -> None:
        await super().sleep_until(deadline + self.lag)


async def test_a_busy_loop_waking_late_delays_a_write_by_its_lag_only_not_once_per_second_of_queue() -> None:
    clock = LateClock()
    budget, log = ChannelWriteBudget(clock, per_second=10), Log()
    results = await asyncio.gather(*(write(budget, log, ESSENTIAL) for _ in range(100)))
    assert all(results)
    # The 100th is scheduled at 9 s, as on a punctual clock, and let through one lag later (not 10 lags).
    assert max(t for t, _ in log.grants) == pytest.approx(9.0 + LateClock.lag)
    assert budget.stats.essential_bound_exceeded == 0
    assert budget.stats.longest_lag == pytest.approx(LateClock.lag)


async def test_a_very_late_wake_up_catches_up_no_more_than_the_headroom_allows() -> None:
    clock = LateClock()
    clock.lag = 1.0  # a loop stalled for a second at every wake-up
    budget, log = ChannelWriteBudget(clock, per_second=10), Log()
    assert all(await asyncio.gather(*(write(budget, log, ESSENTIAL) for _ in range(60))))
    # At most CATCH_UP_SECONDS of slots are taken back: 10/s + 25% = 12 (Discord's 50 for the default 40/s).
    assert log.most_in_any_second() <= 10 * (1 + CATCH_UP_SECONDS)
    assert 40 * (1 + CATCH_UP_SECONDS) == DISCORD_GLOBAL_REQUESTS_PER_SECOND


async def test_essential_goes_before_hints_before_progress() -> None:
    clock = FakeClock()
    budget, log = ChannelWriteBudget(clock, per_second=2), Log()
    filler = [asyncio.create_task(write(budget, log, ESSENTIAL)) for _ in range(2)]
    await asyncio.sleep(0)
    queued = [
        asyncio.create_task(write(budget, log, PROGRESS, key="a")),
        asyncio.create_task(write(budget, log, HINT, key="b")),
        asyncio.create_task(write(budget, log, ESSENTIAL)),
        asyncio.create_task(write(budget, log, HINT, key="c")),
    ]
    assert all(await asyncio.gather(*filler, *queued))
    assert log.grants[2:] == [(1.0, ESSENTIAL), (1.0, HINT), (2.0, HINT), (2.0, PROGRESS)]


async def test_a_newer_edit_of_the_same_message_replaces_the_waiting_one() -> None:
    clock = FakeClock()
    budget, log = ChannelWriteBudget(clock, per_second=1), Log()
    first = asyncio.create_task(write(budget, log, ESSENTIAL))
    await asyncio.sleep(0)
    older = asyncio.create_task(write(budget, log, PROGRESS, key=("message", 7)))
    other = asyncio.create_task(write(budget, log, PROGRESS, key=("message", 8)))
    await asyncio.sleep(0)
    newer = asyncio.create_task(write(budget, log, HINT, key=("message", 7)))
    assert await first
    assert await older is False  # replaced, never sent
    assert await newer and await other
    # The newer edit kept the older one's place and took the higher of the two priorities.
    assert log.grants[1:] == [(1.0, HINT), (2.0, PROGRESS)]
    assert budget.stats.coalesced == 1 and budget.stats.granted == 3


async def test_cosmetic_writes_are_dropped_when_they_would_wait_too_long_but_essential_never() -> None:
    clock = FakeClock()
    budget, log = ChannelWriteBudget(clock, per_second=1), Log()
    essentials = [asyncio.create_task(write(budget, log, ESSENTIAL)) for _ in range(6)]
    await asyncio.sleep(0)
    progress = asyncio.create_task(write(budget, log, PROGRESS, key="p"))
    hint = asyncio.create_task(write(budget, log, HINT, key="h"))
    assert all(await asyncio.gather(*essentials))
    assert await progress is False and await hint is False
    assert [p for _, p in log.grants] == [ESSENTIAL] * 6
    assert budget.stats.dropped == 2
    assert COSMETIC_MAX_WAIT_SECONDS[PROGRESS] < COSMETIC_MAX_WAIT_SECONDS[HINT]


async def test_a_cosmetic_write_not_let_through_within_its_callers_limit_is_dropped() -> None:
    # The round display gives the time left before its question closes: an edit later than that would hold
    # the reveal back. Essential writes ignore the limit.
    clock = FakeClock()
    budget, log = ChannelWriteBudget(clock, per_second=1), Log()
    essentials = [asyncio.create_task(write(budget, log, ESSENTIAL)) for _ in range(2)]
    await asyncio.sleep(0)
    too_late = asyncio.create_task(write(budget, log, HINT, key="a", within=1.5))  # its turn would come at 3.0
    in_time = asyncio.create_task(write(budget, log, HINT, key="b", within=3.5))
    essential = asyncio.create_task(write(budget, log, ESSENTIAL, within=0.0))  # goes first, at 2.0
    assert all(await asyncio.gather(*essentials)) and await essential
    assert await too_late is False and await in_time is True
    assert log.grants == [(0.0, ESSENTIAL), (1.0, ESSENTIAL), (2.0, ESSENTIAL), (3.0, HINT)]
    assert budget.stats.dropped == 1 and budget.stats.granted == 4


async def test_a_cancelled_waiter_gives_its_place_up() -> None:
    clock = FakeClock()
    budget, log = ChannelWriteBudget(clock, per_second=1), Log()
    first = asyncio.create_task(write(budget, log, ESSENTIAL))
    await asyncio.sleep(0)
    cancelled = asyncio.create_task(write(budget, log, HINT, key="x"))
    after = asyncio.create_task(write(budget, log, PROGRESS, key="y"))
    await asyncio.sleep(0)
    cancelled.cancel()
    assert await first and await after
    assert log.grants == [(0.0, ESSENTIAL), (1.0, PROGRESS)]


def test_a_budget_needs_a_positive_rate() -> None:
    with pytest.raises(ValueError, match="at least one write per second"):
        ChannelWriteBudget(FakeClock(), per_second=0)


@pytest.mark.parametrize("rounds", [200, 400])
async def test_many_concurrent_rounds_stay_under_the_rate_and_the_stated_bound(rounds: int) -> None:
    # Each round writes like ChannelRoundDisplay with 10-s questions (see bench.write_budget).
    budget, log = await simulate(rounds, 4, seed=rounds)
    assert log.most_in_any_second() <= GLOBAL_CHANNEL_WRITES_PER_SECOND
    essential = sum(1 for _, p in log.grants if p is ESSENTIAL)
    assert essential == rounds * 4 * 2  # every post and every reveal was sent
    assert budget.stats.essential_bound_exceeded == 0
    assert max(log.essential_waits) <= budget.essential_bound(rounds)
    assert budget.stats.dropped > 0  # the cosmetic edits gave way
    if rounds == 200:
        # Posts and reveals alone (about 31/s) fit the budget: none waits more than a second.
        assert max(log.essential_waits) <= 1.0


def test_the_benchmark_reports_the_total_rate_and_the_bound() -> None:
    from bench.write_budget import figures

    report = figures(60, 2)
    assert report["rounds"] == 60 and report["budget_per_second"] == GLOBAL_CHANNEL_WRITES_PER_SECOND
    assert 0 < report["writes_per_second"] <= report["most_in_any_second"] <= GLOBAL_CHANNEL_WRITES_PER_SECOND
    assert report["sent_by_priority"]["essential"] == 60 * 2 * 2
    assert report["bound_held"] is True


def test_a_process_share_of_the_budget_follows_its_shards() -> None:
    assert process_share() == GLOBAL_CHANNEL_WRITES_PER_SECOND
    assert [process_share(1, n) for n in (1, 2, 3, 4)] == [40, 20, 13, 10]
    assert process_share(3, 4) == 30 and process_share(1, 100) == 1  # never nothing at all
    with pytest.raises(ValueError, match="1 to 2"):
        process_share(3, 2)
