"""The load benchmark: the trivia bot and the baseline, each in its own process, under the same interactions."""

from __future__ import annotations

import contextlib
import logging
import os
import platform
import sqlite3
from collections.abc import AsyncIterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

import discord

from bench.figures import KindFigures, Sent, channel_writes, rest_calls, summarise
from bench.processes import ChildProcess
from bench.systems import System
from bench.workloads import ClickLoad, Profile, ReplayResult, RoundsResult, RoundsWorkload, ramp, replay
from questions.generate import build_bank
from questions.loader import default_seeds_dir, load_store
from questions.models import Question

log = logging.getLogger(__name__)


def machine() -> dict[str, Any]:
    """Describe the machine the figures come from."""
    model = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "python": platform.python_version(),
        "discord.py": discord.__version__,
        "sqlite": sqlite3.sqlite_version,
        "platform": platform.platform(),
    }


def questions_by_prompt(seed: int = 0) -> dict[str, Question]:
    """Return the bot's question bank (same seeds, same generation seed) by prompt, so players can know answers."""
    store = load_store([default_seeds_dir()])
    return {question.prompt: question for question in build_bank(store, seed=seed)}


def count_answers(database: Path) -> int:
    """Return how many answers the trivia bot stored."""
    if not database.exists():
        return 0
    with contextlib.closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as connection:
        return int(connection.execute("SELECT count(*) FROM answers").fetchone()[0])


def _kinds(figures: dict[str, KindFigures]) -> dict[str, dict[str, Any]]:
    return {kind: row.as_dict() for kind, row in figures.items()}


async def run_load(profile: Profile, workdir: Path) -> dict[str, Any]:
    """Run every phase and return the results as plain data.

    Overload leaves a process with a backlog and a bloated heap, so each ramp to saturation is the last thing
    its process does: baseline ramp (process 1); trivia rounds, half-rate step, ramp (process 2); baseline
    replay of the rounds and half-rate step (process 3, fresh). Only one bot process runs at a time.
    """
    trivia_env = {
        "ROUND_PAUSE_SECONDS": str(profile.pause),
        "QUESTION_SEED": "0",
        "SEEDS_DIR": str(default_seeds_dir()),
    }
    results: dict[str, Any] = {"profile": asdict(profile), "machine": machine(), "processes": {}}
    questions = questions_by_prompt()
    saturation: dict[str, Any] = {"baseline_steps": [], "baseline_rate": 0.0, "trivia_steps": [], "trivia_rate": 0.0}
    half: dict[str, Any] = {}
    saturation["half"] = half
    results["saturation"] = saturation

    if profile.saturation:
        first = System("baseline-ramp", "bench.baseline", profile.channels, profile.players, workdir)
        async with running(first) as child:
            results["processes"]["baseline-ramp"] = child.pid
            steps, rate = await ramp(ClickLoad(first, trivia=False), profile)
            saturation["baseline_steps"], saturation["baseline_rate"] = [s.as_dict() for s in steps], rate
            half["rate"] = rate / 2

    trivia = System("trivia", "bot", profile.channels, profile.players, workdir)
    async with running(trivia, trivia_env) as child:
        results["processes"]["trivia"] = child.pid
        log.info("trivia ready; rounds workload")
        rounds = await RoundsWorkload(trivia, profile, questions).run()
        log.info("rounds done")
        results["rounds"] = _rounds_figures(trivia, rounds, profile)
        if half.get("rate"):
            trivia_load = ClickLoad(trivia, trivia=True)
            half["trivia"] = (await trivia_load.step(half["rate"], profile.half_seconds)).as_dict()
            steps, rate = await ramp(trivia_load, profile)
            saturation["trivia_steps"], saturation["trivia_rate"] = [s.as_dict() for s in steps], rate
        results["trivia_process"] = {
            "peak_rss_bytes": child.peak_rss(),
            "database_bytes_running": trivia.database_bytes(),
        }
    results["trivia_process"]["database_bytes_end"] = trivia.database_bytes()
    results["trivia_process"]["answers_stored"] = count_answers(trivia.database)
    results["trivia_process"]["exit_code"] = child.process.returncode if child.process else None

    baseline = System("baseline", "bench.baseline", profile.channels, profile.players, workdir)
    async with running(baseline) as child:
        results["processes"]["baseline"] = child.pid
        log.info("baseline ready; replay")
        replayed = await replay(baseline, rounds.trace)
        log.info("replay done")
        results["baseline_rounds"] = _replay_figures(baseline, replayed, profile)
        if half.get("rate"):
            half["baseline"] = (
                await ClickLoad(baseline, trivia=False).step(half["rate"], profile.half_seconds)
            ).as_dict()
    return results


@contextlib.asynccontextmanager
async def running(system: System, env: dict[str, str] | None = None) -> AsyncIterator[ChildProcess]:
    """Start a system's fake and bot process; always stop both on the way out."""
    try:
        await system.start(env or {})
        assert system.child is not None
        yield system.child
    finally:
        await system.stop()


def _load_seconds(sent: list[Sent], start: float) -> float:
    return max((item.sent_at for item in sent), default=start) - start


def _rounds_figures(trivia: System, rounds: RoundsResult, profile: Profile) -> dict[str, Any]:
    assert trivia.child is not None
    seconds = _load_seconds(rounds.sent, rounds.start)
    figures, _ = summarise(trivia.fake, trivia.index, rounds.sent, seconds)
    writes = channel_writes(
        trivia.fake, [c.channel_id for c in trivia.channels], trivia.round_end_ids, rounds.start, rounds.end
    )
    rest = rest_calls(trivia.fake, profile.channels, rounds.start, rounds.end)
    growth = None
    if rounds.active_rounds and rounds.active_rss:
        growth = (rounds.active_rss - rounds.idle_rss) / rounds.active_rounds
    return {
        "seconds": seconds,
        "interactions": len(rounds.sent),
        "kinds": _kinds(figures),
        "cpu_seconds": rounds.cpu_seconds,
        "cpu_seconds_per_1000": 1000 * rounds.cpu_seconds / max(1, len(rounds.sent)),
        "rest": rest.as_dict(),
        "channel_writes": writes.as_dict(),
        "idle_rss_bytes": rounds.idle_rss,
        "active_rss_bytes": rounds.active_rss,
        "active_rounds": rounds.active_rounds,
        "memory_growth_per_round_bytes": growth,
        "rounds_finished": rounds.rounds_finished,
        "skipped_clicks": rounds.skipped_clicks,
        "failures": rounds.failures,
        "peak_rss_bytes": trivia.child.peak_rss(),
        "database_bytes": trivia.database_bytes(),
    }


def _replay_figures(baseline: System, replayed: ReplayResult, profile: Profile) -> dict[str, Any]:
    assert baseline.child is not None
    seconds = _load_seconds(replayed.sent, replayed.start)
    figures, _ = summarise(baseline.fake, baseline.index, replayed.sent, seconds)
    rest = rest_calls(baseline.fake, profile.channels, replayed.start, replayed.end)
    return {
        "seconds": seconds,
        "interactions": len(replayed.sent),
        "kinds": _kinds(figures),
        "cpu_seconds": replayed.cpu_seconds,
        "cpu_seconds_per_1000": 1000 * replayed.cpu_seconds / max(1, len(replayed.sent)),
        "rest": rest.as_dict(),
        "peak_rss_bytes": baseline.child.peak_rss(),
        "problems": replayed.problems[:10],
    }
