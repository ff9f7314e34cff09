"""The load benchmark: the trivia bot and the baseline, each in its own process, under the same interactions."""

from __future__ import annotations

import contextlib
import logging
import os
import platform
import sqlite3
from dataclasses import asdict
from pathlib import Path
from typing import Any

import discord

from bench.figures import KindFigures, Sent, channel_writes, rest_calls, summarise
from bench.systems import System
from bench.workloads import ClickLoad, Profile, ReplayResult, RoundsResult, RoundsWorkload, StepResult, ramp, replay
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
    """Run every phase and return the results as plain data."""
    trivia_env = {
        "ROUND_PAUSE_SECONDS": str(profile.pause),
        "QUESTION_SEED": "0",
        "SEEDS_DIR": str(default_seeds_dir()),
    }
    results: dict[str, Any] = {"profile": asdict(profile), "machine": machine()}
    questions = questions_by_prompt()
    trivia = System("trivia", "bot", profile.channels, profile.players, workdir)
    baseline = System("baseline", "bench.baseline", profile.channels, profile.players, workdir)
    try:
        await baseline.start({})
        baseline_load = ClickLoad(baseline, trivia=False)
        baseline_steps: list[StepResult] = []
        baseline_rate = 0.0
        if profile.saturation:
            baseline_steps, baseline_rate = await ramp(baseline_load, profile)

        await trivia.start(trivia_env)
        rounds = await RoundsWorkload(trivia, profile, questions).run()
        results["rounds"] = _rounds_figures(trivia, rounds, profile)
        assert trivia.child is not None
        trivia_steps: list[StepResult] = []
        trivia_rate = 0.0
        half: dict[str, Any] = {}
        trivia_load = ClickLoad(trivia, trivia=True)
        if profile.saturation:
            trivia_steps, trivia_rate = await ramp(trivia_load, profile)
            if baseline_rate > 0:
                half["rate"] = baseline_rate / 2
                half["trivia"] = (await trivia_load.step(baseline_rate / 2, profile.half_seconds)).as_dict()
            await trivia_load.finish()
        results["trivia_process"] = {
            "peak_rss_bytes": trivia.child.peak_rss(),
            "database_bytes_running": trivia.database_bytes(),
        }
        await trivia.stop()
        results["trivia_process"]["database_bytes_end"] = trivia.database_bytes()
        results["trivia_process"]["answers_stored"] = count_answers(trivia.database)
        results["trivia_process"]["exit_code"] = trivia.child.process.returncode if trivia.child.process else None

        replayed = await replay(baseline, rounds.trace)
        assert baseline.child is not None
        results["baseline_rounds"] = _replay_figures(baseline, replayed, profile)
        if profile.saturation and baseline_rate > 0:
            half["baseline"] = (await baseline_load.step(baseline_rate / 2, profile.half_seconds)).as_dict()
        results["baseline_process"] = {"peak_rss_bytes": baseline.child.peak_rss()}
        results["saturation"] = {
            "baseline_steps": [s.as_dict() for s in baseline_steps],
            "baseline_rate": baseline_rate,
            "trivia_steps": [s.as_dict() for s in trivia_steps],
            "trivia_rate": trivia_rate,
            "half": half,
        }
    finally:
        await trivia.stop()
        await baseline.stop()
    return results


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
