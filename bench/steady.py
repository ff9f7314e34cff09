"""CPU per stored answer at a steady rate: clicks, then ``/answer``, offered to the trivia bot and the baseline in turn.

Every interaction offered to the trivia bot is a stored answer: each click changes the player's choice on an open
question, and each ``/answer`` is a new (wrong) typed answer on an open typed question (`ClickLoad` and `AnswerLoad`
in bench/workloads.py). The baseline gets the same interactions and stores nothing. The figure is the bot process's
user+system CPU (psutil, every thread) from the first interaction of a step until every one was answered, divided by
the answers the trivia bot stored in that step (read from its database) or the interactions the baseline answered.

By default the two systems take each step side by side: both are prepared (questions opened, backlogs drained), then
both are offered their interactions at the same moments, so whatever else the machine does in those seconds (its
neighbours, the hypervisor, a CPU clocked down) weighs on both alike. With ``in_turn`` the two take the step one after
the other, the first alternating from run to run: on a shared VM their CPU per answer then drifts apart by up to 2x
between runs minutes apart (BENCHMARKS.md, "Side by side, not in turn"). The machine's other load is reported per step.
"""

from __future__ import annotations

import asyncio
import logging
import os
import statistics
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bench.run import count_answers, machine, running, trivia_env
from bench.systems import System
from bench.workloads import TYPED_TRIES_PER_QUESTION, AnswerLoad, ClickLoad, Profile, StepResult, step_total

log = logging.getLogger(__name__)

STEADY_KINDS = ("click", "answer")


@dataclass
class SteadyOptions:
    """The steady-rate pass: ``runs`` times, clicks then ``/answer`` at ``rate`` per second for ``seconds`` each."""

    rate: float = 160.0
    seconds: float = 8.0
    runs: int = 3
    in_turn: bool = False
    """Take each step on one bot, then the other, instead of on both at once."""

    def check(self) -> None:
        """Refuse options that cannot make a measurement."""
        if self.rate <= 0 or self.seconds <= 0 or self.runs < 1:
            raise SystemExit("--rate and --steady-seconds must be positive and --runs at least 1")


async def _stored(system: System) -> int:
    return await count_answers(system.database, system.database_url, attempts=True)


async def _trivia_step(load: ClickLoad, options: SteadyOptions) -> tuple[StepResult, int]:
    """Run one step on the trivia bot; return it and how many answers it stored meanwhile.

    The step prepares its own questions (``load.step`` calls ``prepare`` once: preparing here as well made every
    ``/answer`` step stop and restart all its rounds twice); opening them stores no answer, so counting first is exact.
    """
    before = await _stored(load.system)
    step = await load.step(options.rate, options.seconds)
    return step, await _stored(load.system) - before


async def _side_by_side_step(
    trivia_load: ClickLoad, baseline_load: ClickLoad, options: SteadyOptions
) -> tuple[StepResult, int, StepResult]:
    """Prepare both bots, then offer both their step at the same time; return the trivia step, the answers it
    stored meanwhile, and the baseline step."""
    total = step_total(options.rate, options.seconds)
    await trivia_load.prepare(total, options.seconds)
    await baseline_load.prepare(total, options.seconds)
    trivia_child, baseline_child = trivia_load.system.child, baseline_load.system.child
    assert trivia_child is not None
    assert baseline_child is not None
    await asyncio.gather(trivia_child.wait_idle(), baseline_child.wait_idle())
    before = await _stored(trivia_load.system)
    trivia_step, baseline_step = await asyncio.gather(
        trivia_load.offer(options.rate, options.seconds, neighbours=(baseline_child,), settle=False),
        baseline_load.offer(options.rate, options.seconds, neighbours=(trivia_child,), settle=False),
    )
    return trivia_step, await _stored(trivia_load.system) - before, baseline_step


def _figures(step: StepResult, answers: int) -> dict[str, Any]:
    per_answer = step.bot_cpu_seconds / answers if answers else None
    return {**step.as_dict(), "answers": answers, "cpu_seconds_per_answer": per_answer}


async def steady_pass(trivia: System, baseline: System, options: SteadyOptions) -> dict[str, Any]:
    """Run the steady pass on two running systems; return every step and the ratios' min/median/max."""
    options.check()
    players = sum(len(channel.players) for channel in trivia.channels)
    if round(options.rate * options.seconds) > players * TYPED_TRIES_PER_QUESTION:
        raise SystemExit(
            f"a steady /answer step of {options.rate:g}/s x {options.seconds:g} s needs more than {players} players x "
            f"{TYPED_TRIES_PER_QUESTION} tries: add --channels or --players, or lower --rate or --steady-seconds"
        )
    loads = {
        "click": (ClickLoad(trivia, trivia=True), ClickLoad(baseline, trivia=False)),
        "answer": (AnswerLoad(trivia, trivia=True), AnswerLoad(baseline, trivia=False)),
    }
    runs: list[dict[str, Any]] = []
    for number in range(options.runs):
        run: dict[str, Any] = {}
        for kind in STEADY_KINDS:
            trivia_load, baseline_load = loads[kind]
            for other in STEADY_KINDS:
                if other != kind:
                    loads[other][0].forget_targets()  # this kind's rounds replace the other kind's
            row: dict[str, Any] = {}
            if options.in_turn:
                order = ("trivia", "baseline") if number % 2 == 0 else ("baseline", "trivia")
                for name in order:
                    if name == "trivia":
                        step, stored = await _trivia_step(trivia_load, options)
                    else:
                        step = await baseline_load.step(options.rate, options.seconds)
                        stored = step.clicks.answered
                    row[name] = _figures(step, stored)
                row["first"] = order[0]
            else:
                trivia_step, stored, baseline_step = await _side_by_side_step(trivia_load, baseline_load, options)
                row["trivia"] = _figures(trivia_step, stored)
                row["baseline"] = _figures(baseline_step, baseline_step.clicks.answered)
                row["first"] = "both"
            for name in ("trivia", "baseline"):
                log.info(
                    "steady %s run %s %s: %.2f ms CPU per answer, p99 %.1f ms, other load %.0f%%",
                    kind,
                    number + 1,
                    name,
                    1000 * (row[name]["cpu_seconds_per_answer"] or 0.0),
                    1000 * row[name]["clicks"]["p99"],
                    row[name]["other_cpu_percent"],
                )
            row["load_average"] = os.getloadavg()[0]
            mine, theirs = row["trivia"]["cpu_seconds_per_answer"], row["baseline"]["cpu_seconds_per_answer"]
            row["cpu_ratio"] = mine / theirs if mine and theirs else None
            p99s = row["trivia"]["clicks"]["p99"], row["baseline"]["clicks"]["p99"]
            row["p99_ratio"] = p99s[0] / p99s[1] if p99s[1] else None
            run[kind] = row
        runs.append(run)
    return {"options": asdict(options), "runs": runs, "summary": summarise_steady(runs)}


def spread(values: Sequence[float | None]) -> dict[str, float] | None:
    """Return min/median/max of the values measured (None when there are none)."""
    present = [v for v in values if v is not None]
    if not present:
        return None
    return {"min": min(present), "median": statistics.median(present), "max": max(present)}


def _figure(step: dict[str, Any], name: str) -> float | None:
    value = step[name] if name in step else step["clicks"][name]
    return None if value is None else float(value)


def summarise_steady(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Return, per kind, min/median/max over the runs of the CPU ratio, each system's CPU per answer and p99."""
    summary: dict[str, Any] = {}
    for kind in STEADY_KINDS:
        rows = [run[kind] for run in runs if kind in run]
        summary[kind] = {
            "cpu_ratio": spread([row["cpu_ratio"] for row in rows]),
            "p99_ratio": spread([row["p99_ratio"] for row in rows]),
            **{
                f"{name}_{figure}": spread([_figure(row[name], figure) for row in rows])
                for name in ("trivia", "baseline")
                for figure in ("cpu_seconds_per_answer", "p50", "p99", "missed")
            },
            "other_cpu_percent": spread([row[n]["other_cpu_percent"] for row in rows for n in ("trivia", "baseline")]),
        }
    return summary


async def run_steady(
    profile: Profile, options: SteadyOptions, workdir: Path, database_url: str | None = None
) -> dict[str, Any]:
    """Start the trivia bot and a baseline side by side and run the steady pass on them."""
    trivia = System("trivia", "bot", profile.channels, profile.players, workdir, database_url=database_url)
    baseline = System("baseline", "bench.baseline", profile.channels, profile.players, workdir)
    results: dict[str, Any] = {"machine": machine(), "profile": asdict(profile), "processes": {}}
    async with running(trivia, trivia_env(profile)) as trivia_child, running(baseline) as baseline_child:
        results["processes"] = {"trivia": trivia_child.pid, "baseline": baseline_child.pid}
        results["steady"] = await steady_pass(trivia, baseline, options)
    return results
