"""The load benchmark: the trivia bot and the baseline, each in its own process, under the same interactions."""

from __future__ import annotations

import asyncio
import contextlib
import importlib.metadata
import logging
import os
import platform
import sqlite3
import statistics
from collections.abc import AsyncIterator
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import asyncpg
import discord

from bench.figures import KindFigures, Sent, channel_writes, rest_calls, summarise
from bench.processes import ChildProcess
from bench.systems import System
from bench.workloads import (
    ClickLoad,
    Profile,
    ReplayResult,
    RoundsResult,
    RoundsWorkload,
    paired_steps,
    ramp,
    replay,
)
from questions.generate import build_bank
from questions.loader import default_seeds_dir, load_store
from questions.models import Question

if TYPE_CHECKING:
    from bench.steady import SteadyOptions

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
        # The trivia bot runs on uvloop when installed (a dependency but on Windows, PyPy); discord.py: orjson if there.
        "uvloop": _version_of("uvloop"),
        "orjson": _version_of("orjson"),
        # The trivia bot's children inherit the environment: SQLITE_ANSWER_WRITES=at_once measures that choice.
        "sqlite_answer_writes": os.environ.get("SQLITE_ANSWER_WRITES") or "thread",
    }


def _version_of(package: str) -> str | None:
    """Return an installed package's version, or None."""
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def trivia_env(profile: Profile) -> dict[str, str]:
    """Return the trivia bot's settings for a benchmark run (the question bank the players know)."""
    return {"ROUND_PAUSE_SECONDS": str(profile.pause), "QUESTION_SEED": "0", "SEEDS_DIR": str(default_seeds_dir())}


def questions_by_prompt(seed: int = 0) -> dict[str, Question]:
    """Return the bot's question bank (same seeds, same generation seed) by prompt, so players can know answers."""
    store = load_store([default_seeds_dir()])
    return {question.prompt: question for question in build_bank(store, seed=seed)}


async def count_answers(database: Path, database_url: str | None = None, *, attempts: bool = False) -> int:
    """Return how many answers the trivia bot stored (in the SQLite file, or the PostgreSQL database); with
    ``attempts``, how many times answers were stored (every changed choice and every typed try counts)."""
    sql = "SELECT coalesce(sum(attempts), 0) FROM answers" if attempts else "SELECT count(*) FROM answers"
    if database_url is not None:
        connection = await asyncpg.connect(database_url)
        try:
            return int(await connection.fetchval(sql))
        finally:
            await connection.close()
    return await asyncio.to_thread(_count_sqlite_answers, database, sql)


async def database_bytes(system: System) -> int:
    """Return the size of the trivia bot's database: its SQLite files, or the PostgreSQL database."""
    if system.database_url is None:
        return system.database_bytes()
    connection = await asyncpg.connect(system.database_url)
    try:
        return int(await connection.fetchval("SELECT pg_database_size(current_database())"))
    finally:
        await connection.close()


def _count_sqlite_answers(database: Path, sql: str) -> int:
    if not database.exists():
        return 0
    with contextlib.closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as connection:
        return int(connection.execute(sql).fetchone()[0])


def _kinds(figures: dict[str, KindFigures]) -> dict[str, dict[str, Any]]:
    return {kind: row.as_dict() for kind, row in figures.items()}


async def run_load(
    profile: Profile, workdir: Path, database_url: str | None = None, steady: SteadyOptions | None = None
) -> dict[str, Any]:
    """Run every phase and return the results as plain data.

    1. A first baseline process is ramped to saturation, alone, to fix the half rate; then it is stopped.
    2. The trivia bot and a fresh baseline are started side by side (the one not measured idles):
       the rounds workload on the trivia bot, its trace replayed on the baseline, fixed-rate steps at half
       the baseline's saturation taken in turn, and finally both ramped to saturation in turn. With ``steady``,
       the steady-rate pass (bench/steady.py) runs on the same two processes after the replay.
    Overload leaves a process with a backlog and a bloated heap, so ramps come last in each process; taking
    the steps of the two systems in turn spreads any change in the machine's speed over both.
    With ``database_url`` the trivia bot stores in that (empty) PostgreSQL database instead of a SQLite file.
    """
    results: dict[str, Any] = {
        "profile": asdict(profile),
        "machine": machine(),
        "processes": {},
        "storage": "sqlite" if database_url is None else "postgresql",
    }
    questions = questions_by_prompt()
    half: dict[str, Any] = {}
    saturation: dict[str, Any] = {"first_baseline_steps": [], "first_baseline_rate": 0.0, "half": half}
    results["saturation"] = saturation

    if profile.saturation:
        first = System("baseline-ramp", "bench.baseline", profile.channels, profile.players, workdir)
        async with running(first) as child:
            results["processes"]["baseline-ramp"] = child.pid
            (alone,) = await ramp(ClickLoad(first, trivia=False), profile=profile)
            saturation["first_baseline_steps"] = [step.as_dict() for step in alone.steps]
            saturation["first_baseline_rate"] = alone.best
            half["rate"] = alone.best / 2

    trivia = System("trivia", "bot", profile.channels, profile.players, workdir, database_url=database_url)
    baseline = System("baseline", "bench.baseline", profile.channels, profile.players, workdir)
    async with running(trivia, trivia_env(profile)) as trivia_child, running(baseline) as baseline_child:
        results["processes"].update(trivia=trivia_child.pid, baseline=baseline_child.pid)
        log.info("rounds workload on the trivia bot")
        rounds = await RoundsWorkload(trivia, profile, questions).run()
        results["rounds"] = _rounds_figures(trivia, rounds, profile)
        results["rounds"]["database_bytes"] = await database_bytes(trivia)
        log.info("the same interactions replayed on the baseline")
        replayed = await replay(baseline, rounds.trace)
        results["baseline_rounds"] = _replay_figures(baseline, replayed, profile)
        if steady is not None:
            from bench.steady import steady_pass

            results["steady"] = await steady_pass(trivia, baseline, steady)
        if profile.saturation:
            loads = [ClickLoad(trivia, trivia=True), ClickLoad(baseline, trivia=False)]
            if half.get("rate"):
                pairs = await paired_steps(loads, half["rate"], profile.half_seconds, profile.half_repeats)
                for name, steps in zip(("trivia", "baseline"), pairs, strict=True):
                    half[f"{name}_steps"] = [step.as_dict() for step in steps]
                    half[name] = {"p99": statistics.median(step.clicks.p99 for step in steps)}
                    half[name]["missed"] = sum(step.clicks.missed for step in steps)
            for name, one in zip(("trivia", "baseline"), await ramp(*loads, profile=profile), strict=True):
                saturation[f"{name}_steps"] = [step.as_dict() for step in one.steps]
                saturation[f"{name}_rate"] = one.best
        results["trivia_process"] = {
            "peak_rss_bytes": trivia_child.peak_rss(),
            "database_bytes_running": await database_bytes(trivia),
        }
    results["trivia_process"]["database_bytes_end"] = await database_bytes(trivia)
    results["trivia_process"]["answers_stored"] = await count_answers(trivia.database, database_url)
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
        "cpu": rounds.cpu,
        "cpu_seconds_per_1000": 1000 * rounds.cpu["bot_cpu_seconds"] / max(1, len(rounds.sent)),
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
        "cpu": replayed.cpu,
        "cpu_seconds_per_1000": 1000 * replayed.cpu["bot_cpu_seconds"] / max(1, len(replayed.sent)),
        "rest": rest.as_dict(),
        "peak_rss_bytes": baseline.child.peak_rss(),
        "problems": replayed.problems[:10],
    }
