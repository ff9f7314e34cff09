"""`python -m bench.summary`: min/median/max over several runs' JSON, each run's other load, targets on the median."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from bench.summary import main

PROFILE = {"channels": 100, "players": 8, "questions": 10}


def _kinds(p99: float) -> dict[str, Any]:
    return {"all": {"count": 10, "missed": 0, "error_replies": 0, "p50": p99 / 4, "p99": p99}}


def _step(other: float, steal: float = 0.0) -> dict[str, Any]:
    return {"other_cpu_percent": other, "steal_percent": steal, "offered_rate": 25.0, "clicks": {"missed": 0}}


def _run(
    *,
    trivia_p99: float,
    baseline_p99: float,
    trivia_rate: float,
    baseline_rate: float,
    growth_kib: float,
    other_rounds: float,
    other_ramp: float,
    query_p99: float,
    missed: int = 0,
) -> dict[str, Any]:
    """A fabricated `python -m bench all --json` output holding only what the summary reads."""
    rounds: dict[str, Any] = {
        "interactions": 10,
        "kinds": _kinds(trivia_p99),
        "cpu": {"other_percent": other_rounds},
        "memory_growth_per_round_bytes": growth_kib * 1024,
        "channel_writes": {"steady_max_per_1s": 1, "mean_per_second": 0.8},
    }
    rounds["kinds"]["all"]["missed"] = missed
    return {
        "load": {
            "profile": PROFILE,
            "storage": "sqlite",
            "rounds": rounds,
            "baseline_rounds": {"kinds": _kinds(baseline_p99), "cpu": {"other_percent": other_rounds + 1}},
            "saturation": {
                "first_baseline_rate": baseline_rate,
                "baseline_rate": baseline_rate,
                "trivia_rate": trivia_rate,
                "trivia_steps": [_step(other_ramp), _step(other_ramp + 20, steal=3)],
                "baseline_steps": [_step(other_ramp)],
            },
        },
        "storage": {
            "storage": "sqlite",
            "writes": [{"writers": 1, "per_second": 2000.0, "p99": 0.0015}],
            "queries": {
                "stats": {"name": "/stats in a server", "p50": query_p99 / 2, "p99": query_p99},
                "deep": {"name": "deep page", "p50": 0.004, "p99": 0.009, "informational": True},
            },
        },
    }


def _write(folder: Path, runs: list[dict[str, Any]]) -> list[str]:
    paths = []
    for number, run in enumerate(runs, start=1):
        path = folder / f"run{number}.json"
        path.write_text(json.dumps(run))
        # 00:0N UTC on 4 Dec 2026: the time the summary reports for the run.
        os.utime(path, (1796342400 + 60 * number,) * 2)
        paths.append(str(path))
    return paths


def _row(output: str, label: str) -> list[str]:
    """Return the cells of the first table row that starts with ``label``."""
    line = next(line for line in output.splitlines() if line.startswith(label))
    return line[len(label) :].split()


def test_every_figure_is_min_median_max_and_each_run_keeps_its_own_load(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The median (3 ms) is not the mean (4.67 ms): three runs, the middle one is a run's own figure.
    runs = [
        _run(
            trivia_p99=0.010,
            baseline_p99=0.004,
            trivia_rate=500,
            baseline_rate=1000,
            growth_kib=40,
            other_rounds=150,
            other_ramp=30,
            query_p99=0.0009,
        ),
        _run(
            trivia_p99=0.001,
            baseline_p99=0.002,
            trivia_rate=900,
            baseline_rate=1000,
            growth_kib=30,
            other_rounds=12,
            other_ramp=60,
            query_p99=0.0012,
        ),
        _run(
            trivia_p99=0.003,
            baseline_p99=0.003,
            trivia_rate=700,
            baseline_rate=1000,
            growth_kib=50,
            other_rounds=40,
            other_ramp=90,
            query_p99=0.0004,
        ),
    ]
    assert main(_write(tmp_path, runs)) == 0
    output = capsys.readouterr().out

    assert _row(output, "all: trivia p99") == ["1.0/3.0/10.0", "ms", "3/3"]
    assert _row(output, "all: baseline p99") == ["2.0/3.0/4.0", "ms", "3/3"]
    # Ratios are taken within each run, then spread: 2.5, 0.5, 1.0.
    assert _row(output, "all: p99 x baseline") == ["0.50/1.00/2.50x", "3/3"]
    assert _row(output, "memory growth per active round") == ["30/40/50", "KiB", "3/3"]
    assert _row(output, "trivia, sustained clicks/s") == ["500/700/900/s", "3/3"]
    # The informational deep page is not a look-up a user makes: the worst is /stats.
    assert _row(output, "worst look-up p99") == ["0.40/0.90/1.20", "ms", "3/3"]

    # Each run in its order, with its finishing time and its own other load (ramps: mean and worst step).
    assert _row(output, "run1.json") == ["2026-12-04", "00:01", "UTC", "150%", "151%", "37%", "50%", "-", "3%"]
    assert _row(output, "run2.json") == ["2026-12-04", "00:02", "UTC", "12%", "13%", "67%", "80%", "-", "3%"]
    assert _row(output, "run3.json") == ["2026-12-04", "00:03", "UTC", "40%", "41%", "97%", "110%", "-", "3%"]

    # Targets judged on the median: throughput 0.5/0.7/0.9 meets 0.6 though one run did not.
    assert _row(output, "answer throughput >= 0.6 x baseline") == ["0.50/0.70/0.90", "met"]
    assert _row(output, "leaderboard and stats < 1 ms (worst p99)") == ["0.40/0.90/1.20", "ms", "met"]
    assert _row(output, "zero missed deadlines") == ["at", "loads", "the", "baseline", "sustains", "0/0/0", "met"]


def test_a_target_missed_on_the_median_is_not_met(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    common: dict[str, Any] = {
        "baseline_p99": 0.002,
        "baseline_rate": 1000,
        "growth_kib": 40,
        "other_rounds": 5,
        "other_ramp": 5,
    }
    runs = [
        _run(trivia_p99=0.002, trivia_rate=rate, query_p99=query, missed=missed, **common)
        for rate, query, missed in ((400, 0.0011, 0), (500, 0.0015, 2), (900, 0.0002, 1))
    ]
    assert main(_write(tmp_path, runs)) == 0
    output = capsys.readouterr().out
    assert _row(output, "answer throughput >= 0.6 x baseline") == ["0.40/0.50/0.90", "NOT", "met"]
    assert _row(output, "leaderboard and stats < 1 ms (worst p99)") == ["0.20/1.10/1.50", "ms", "NOT", "met"]
    assert _row(output, "missed deadlines, trivia (all phases)") == ["0/1/2", "3/3"]


def test_runs_of_different_backends_or_profiles_are_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    figures: dict[str, Any] = {
        "trivia_p99": 0.002,
        "baseline_p99": 0.002,
        "trivia_rate": 900,
        "baseline_rate": 1000,
        "growth_kib": 40,
        "other_rounds": 5,
        "other_ramp": 5,
        "query_p99": 0.0005,
    }
    sqlite, postgresql = _run(**figures), _run(**figures)
    postgresql["storage"]["storage"] = "postgresql"
    assert main(_write(tmp_path, [sqlite, postgresql])) == 2
    assert "different storage backends" in capsys.readouterr().err

    other_profile = _run(**figures)
    other_profile["load"]["profile"] = {**PROFILE, "channels": 5}
    assert main(_write(tmp_path, [sqlite, other_profile])) == 2
    assert "different load profiles" in capsys.readouterr().err

    assert main([str(tmp_path / "missing.json")]) == 2
    assert "missing.json" in capsys.readouterr().err


def _scale(best: float, other: list[float]) -> dict[str, Any]:
    steps = [{"other_cpu_percent": value} for value in other]
    setup = {"label": "postgresql x2", "best_rate": best, "p99_at_best": best / 1e5, "steps": steps}
    return {"scale": {"profile": PROFILE, "setups": [setup]}}


def test_scale_runs_per_setup(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    runs = [_scale(969, [10, 30]), _scale(700, [100, 180]), _scale(800, [50, 50])]
    assert main(_write(tmp_path, runs)) == 0
    output = capsys.readouterr().out
    assert _row(output, "postgresql x2: answers/s sustained") == ["700/800/969/s", "3/3"]
    assert _row(output, "postgresql x2: p99 there (worst process)") == ["7.0/8.0/9.7", "ms", "3/3"]
    assert _row(output, "run2.json") == ["2026-12-04", "00:02", "UTC", "140%", "(180%)"]
    assert "Targets" not in output
    assert output.startswith("3 run(s) on postgresql x2: run1.json, run2.json, run3.json")

    assert main(["--markdown", *_write(tmp_path, runs)]) == 0
    assert "| postgresql x2: answers/s sustained | 700/800/969/s | 3/3 |" in capsys.readouterr().out


def test_a_run_without_the_ramps_counts_only_for_the_phases_it_ran(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    figures: dict[str, Any] = {"baseline_p99": 0.002, "growth_kib": 40, "other_rounds": 5, "other_ramp": 5}
    runs = [_run(trivia_p99=p99, trivia_rate=900, baseline_rate=1000, query_p99=0.0005, **figures) for p99 in (1, 2, 3)]
    no_ramps = runs[2]
    no_ramps["load"]["saturation"] = {"first_baseline_steps": [], "first_baseline_rate": 0.0, "half": {}}
    no_ramps["load"]["profile"] = {**PROFILE, "saturation": False}
    assert main(_write(tmp_path, runs)) == 0
    output = capsys.readouterr().out
    assert _row(output, "all: trivia p99") == ["1000.0/2000.0/3000.0", "ms", "3/3"]
    assert _row(output, "trivia, sustained clicks/s") == ["900/900/900/s", "2/3"]
