"""``python -m bench.write_budget``: the global channel-write budget at 200 and 400 concurrent rounds.

A simulation on a fake clock, not a load test: each simulated round writes the way ``ChannelRoundDisplay``
does with 10-s questions (post, an edit at most every ``WRITE_GAP_SECONDS`` with two hints among them, the
reveal, the pause between questions), through one shared :class:`ChannelWriteBudget`. It reports channel
writes per second in total, the most in any one-second window, what was dropped, and how long posts and
reveals waited against the stated bound. Times are exact (fake clock), so the figures do not depend on the
machine's load.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import json
import random
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.discord_round import WRITE_GAP_SECONDS
from bot.engine import FakeClock
from bot.engine.write_budget import GLOBAL_CHANNEL_WRITES_PER_SECOND, ChannelWriteBudget, WritePriority

QUESTION_SECONDS = 10.0
PAUSE_SECONDS = 3.0  # the default ROUND_PAUSE_SECONDS


@dataclass
class WriteLog:
    """Every granted write (time and priority) and every essential write's wait."""

    grants: list[tuple[float, WritePriority]] = field(default_factory=list)
    essential_waits: list[float] = field(default_factory=list)

    def most_in_any_second(self) -> int:
        """Return the most grants in any half-open one-second window."""
        times = sorted(t for t, _ in self.grants)
        return max((bisect.bisect_left(times, t + 1.0) - i for i, t in enumerate(times)), default=0)


async def logged_write(
    budget: ChannelWriteBudget,
    log: WriteLog,
    priority: WritePriority,
    key: Hashable | None = None,
    *,
    within: float | None = None,
) -> bool:
    """Ask the budget for one write slot and log it if granted."""
    asked = budget.clock.now()
    granted = await budget.slot(priority, key=key, within=within)
    if granted:
        log.grants.append((budget.clock.now(), priority))
        if priority is WritePriority.ESSENTIAL:
            log.essential_waits.append(budget.clock.now() - asked)
    return granted


async def simulated_round(
    budget: ChannelWriteBudget, log: WriteLog, round_no: int, questions: int, start: float
) -> None:
    """Write like one round of 10-s questions; one channel's writes are sequential and ``WRITE_GAP`` apart."""
    clock = budget.clock
    await clock.sleep_until(start)
    last = -WRITE_GAP_SECONDS
    for position in range(questions):
        await clock.sleep_until(last + WRITE_GAP_SECONDS)
        await logged_write(budget, log, WritePriority.ESSENTIAL)
        last = opened = clock.now()
        hints = {opened + QUESTION_SECONDS / 3, opened + 2 * QUESTION_SECONDS / 3}
        closes = opened + QUESTION_SECONDS
        # A cosmetic edit goes only if the channel is free again by the close (ChannelRoundDisplay's rule).
        while (nxt := max(clock.now(), last + WRITE_GAP_SECONDS)) + WRITE_GAP_SECONDS <= closes:
            await clock.sleep_until(nxt)
            due_hint = any(h <= clock.now() for h in hints)
            priority = WritePriority.HINT if due_hint else WritePriority.PROGRESS
            if await logged_write(budget, log, priority, (round_no, position), within=closes - WRITE_GAP_SECONDS - nxt):
                last = clock.now()
                hints = {h for h in hints if h > last} if due_hint else hints
        await clock.sleep_until(max(opened + QUESTION_SECONDS, last + WRITE_GAP_SECONDS))
        await logged_write(budget, log, WritePriority.ESSENTIAL)
        last = clock.now()
        await clock.sleep_until(last + PAUSE_SECONDS)


async def simulate(rounds: int, questions: int, *, seed: int = 1) -> tuple[ChannelWriteBudget, WriteLog]:
    """Run ``rounds`` concurrent rounds, started at random moments within one question cycle."""
    budget, log = ChannelWriteBudget(FakeClock()), WriteLog()
    starts = random.Random(seed)
    cycle = QUESTION_SECONDS + PAUSE_SECONDS
    await asyncio.gather(*(simulated_round(budget, log, n, questions, starts.uniform(0, cycle)) for n in range(rounds)))
    return budget, log


def figures(rounds: int, questions: int) -> dict[str, Any]:
    """Return the budget's figures for one simulation."""
    budget, log = asyncio.run(simulate(rounds, questions))
    times = sorted(t for t, _ in log.grants)
    waits = sorted(log.essential_waits)
    span = times[-1] - times[0]
    return {
        "rounds": rounds,
        "questions": questions,
        "budget_per_second": budget.per_second,
        "writes": len(times),
        "writes_per_second": round(len(times) / span, 1),
        "most_in_any_second": log.most_in_any_second(),
        "sent_by_priority": {p.name.lower(): n for p, n in budget.stats.granted_by_priority.items()},
        "dropped": budget.stats.dropped,
        "essential_wait_p50": round(waits[len(waits) // 2], 2),
        "essential_wait_p99": round(waits[min(len(waits) - 1, int(len(waits) * 0.99))], 2),
        "essential_wait_max": round(waits[-1], 2),
        "stated_bound_at_this_many_rounds": budget.essential_bound(rounds),
        "bound_held": budget.stats.essential_bound_exceeded == 0 and waits[-1] <= budget.essential_bound(rounds),
    }


def main(argv: Sequence[str] | None = None) -> None:
    """Print the figures at each number of rounds."""
    p = argparse.ArgumentParser(prog="python -m bench.write_budget", description=__doc__.splitlines()[0])
    p.add_argument("--rounds", type=int, nargs="+", default=[200, 400], help="concurrent rounds (default 200 400)")
    p.add_argument("--questions", type=int, default=10, help="questions per round (default 10)")
    args = p.parse_args(argv)
    print(f"global budget {GLOBAL_CHANNEL_WRITES_PER_SECOND}/s, {QUESTION_SECONDS:g}-s questions, fake clock")
    for rounds in args.rounds:
        print(json.dumps(figures(rounds, args.questions)))


if __name__ == "__main__":
    main()
