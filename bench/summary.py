"""Summarise several runs of `python -m bench all|load|storage|scale --json FILE`: every figure of the report as
min / median / max over the runs, each run's time and the other load on the machine while it ran, and the targets
judged on the median.

    python -m bench.summary out1.json out2.json out3.json
"""

from __future__ import annotations

import argparse
import datetime
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.report import (
    HALF_P99_LIMIT,
    MEMORY_GROWTH_LIMIT,
    REPORT_KINDS,
    STEADY_CPU_LIMIT,
    STORAGE_QUERY_LIMIT,
    THROUGHPUT_SHARE_LIMIT,
    _spread,
    _table,
    missed_total,
)
from bench.steady import spread

Figure = Callable[["Run"], float | None]
Table = Callable[[list[str], list[list[str]]], list[str]]


def markdown_table(header: list[str], rows: list[list[str]]) -> list[str]:
    """Render a table in Markdown (for BENCHMARKS.md) instead of aligned text."""
    return [f"| {' | '.join(line)} |" for line in (header, ["---"] * len(header), *rows)]


@dataclass(frozen=True)
class Run:
    """One benchmark run: the JSON it wrote and when it finished."""

    name: str
    finished: datetime.datetime
    load: dict[str, Any]
    storage: dict[str, Any] | None
    scale: dict[str, Any] | None = None

    def setups(self) -> dict[str, dict[str, Any]]:
        """Return the scale run's setups by label (``postgresql x2``...); none for other runs."""
        return {setup["label"]: setup for setup in (self.scale or {}).get("setups", [])}


def read_run(path: Path) -> Run:
    """Read one `--json` output; its modification time is when the run finished (the file is written last)."""
    data = json.loads(path.read_text())
    if not isinstance(data, dict) or not {"load", "storage", "scale"} & data.keys():
        raise ValueError(f"{path}: not the JSON of `python -m bench all|load|storage|scale --json`")
    finished = datetime.datetime.fromtimestamp(path.stat().st_mtime, tz=datetime.UTC)
    return Run(path.name, finished, data.get("load") or {}, data.get("storage"), data.get("scale"))


def check_comparable(runs: Sequence[Run]) -> None:
    """Raise ValueError unless the runs measured the same thing: one load profile and one storage backend."""
    # `--no-saturation` only leaves phases out: the figures of the phases a run has stay comparable.
    profiles = {
        json.dumps({k: v for k, v in run.load.get("profile", {}).items() if k != "saturation"}, sort_keys=True)
        for run in runs
        if run.load
    }
    profiles |= {json.dumps(["scale", run.scale.get("profile"), sorted(run.setups())]) for run in runs if run.scale}
    backends = {run.storage.get("storage", "sqlite") for run in runs if run.storage}
    backends |= {run.load.get("storage", "sqlite") for run in runs if run.load}
    if len(profiles) > 1:
        raise ValueError("the runs used different load profiles or setups: summarise runs of one command line together")
    if len(backends) > 1:
        raise ValueError(f"the runs used different storage backends ({', '.join(sorted(backends))}): one at a time")


def _get(data: Any, *keys: str) -> float | None:
    """Return data[k1][k2]... as a float, or None when any level is missing."""
    for key in keys:
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return None if data is None or isinstance(data, (dict, list)) else float(data)


def _quotient(mine: float | None, theirs: float | None) -> float | None:
    return None if mine is None or not theirs else mine / theirs


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _steps(run: Run, *names: str) -> list[dict[str, Any]]:
    """Return the click-rate steps of the named lists: `trivia_steps`... in the ramps, `half.trivia_steps`... at
    half rate."""
    saturation = run.load.get("saturation", {})
    found: list[dict[str, Any]] = []
    for name in names:
        if name.startswith("half."):
            found += saturation.get("half", {}).get(name.removeprefix("half."), [])
        else:
            found += saturation.get(name, [])
    return found


def other_load(run: Run) -> dict[str, float | None]:
    """Return the other processes' CPU (% of one core) in each phase of the run: what the bots competed with; and
    the hypervisor's steal at its worst."""
    ramps = _steps(run, "first_baseline_steps", "trivia_steps", "baseline_steps")
    half = _steps(run, "half.trivia_steps", "half.baseline_steps")
    return {
        "rounds": _get(run.load, "rounds", "cpu", "other_percent"),
        "replay": _get(run.load, "baseline_rounds", "cpu", "other_percent"),
        "ramps": _mean([float(s.get("other_cpu_percent", 0.0)) for s in ramps]),
        "ramps max": max((float(s.get("other_cpu_percent", 0.0)) for s in ramps), default=None),
        "half rate": _mean([float(s.get("other_cpu_percent", 0.0)) for s in half]),
        "steal max": max((float(s.get("steal_percent", 0.0)) for s in ramps + half), default=None),
    }


def format_load_table(runs: Sequence[Run], table: Table = _table) -> list[str]:
    """Render each run's finishing time and the other processes' CPU per phase."""
    rows = []
    for run in runs:
        load = other_load(run)
        cells = ["-" if value is None else f"{value:.0f}%" for value in load.values()]
        rows.append([run.name, run.finished.strftime("%Y-%m-%d %H:%M UTC"), *cells])
    header = ["run", "finished", "rounds", "replay", "ramps (mean)", "ramps (max step)", "half rate", "steal max"]
    return [
        "Other load per run: other processes' CPU in % of one core per phase (the bots and the driver left out)",
        *table(header, rows),
    ]


def format_scale_load_table(runs: Sequence[Run], table: Table = _table) -> list[str]:
    """Render each scale run's finishing time and the other processes' CPU during each setup's steps."""
    labels = list(dict.fromkeys(label for run in runs for label in run.setups()))
    rows = []
    for run in runs:
        cells = []
        for label in labels:
            steps = run.setups().get(label, {}).get("steps", [])
            others = [float(step.get("other_cpu_percent", 0.0)) for step in steps]
            cells.append(f"{_mean(others):.0f}% ({max(others):.0f}%)" if others else "-")
        rows.append([run.name, run.finished.strftime("%Y-%m-%d %H:%M UTC"), *cells])
    return [
        "Other load per scale run: other processes' CPU in % of one core, mean (worst step) over each setup's steps",
        *table(["run", "finished", *labels], rows),
    ]


def _kind(system: str, kind: str, figure: str) -> Figure:
    phase = "rounds" if system == "trivia" else "baseline_rounds"
    return lambda run: _get(run.load, phase, "kinds", kind, figure)


def _kind_ratio(kind: str, figure: str) -> Figure:
    return lambda run: _quotient(_kind("trivia", kind, figure)(run), _kind("baseline", kind, figure)(run))


def _load_figure(*keys: str) -> Figure:
    return lambda run: _get(run.load, *keys)


def _storage_figure(*keys: str) -> Figure:
    return lambda run: _get(run.storage, *keys)


def _writers(count: int, key: str) -> Figure:
    """Return a figure of the storage write benchmark's step with ``count`` concurrent writers."""

    def figure(run: Run) -> float | None:
        rows = [w for w in (run.storage or {}).get("writes", []) if int(w["writers"]) == count]
        return float(rows[0][key]) if rows else None

    return figure


def _setup(label: str, key: str) -> Figure:
    """Return a figure of one setup (``postgresql x2``...) of a scale run."""
    return lambda run: _get(run.setups().get(label), key)


def _sustained(steps: str) -> Figure:
    """Return how many of the named steps (``half.trivia_steps``...) were sustained."""

    def figure(run: Run) -> float | None:
        found = _steps(run, steps)
        return float(sum(bool(step.get("sustained")) for step in found)) if found else None

    return figure


def _ramp_rate(system: str) -> Figure:
    """Return the rate a ramp sustained; None when the run took no such ramp (`--no-saturation` reports 0)."""
    return lambda run: _get(run.load, "saturation", f"{system}_rate") if _steps(run, f"{system}_steps") else None


def _throughput(run: Run) -> float | None:
    return _quotient(_ramp_rate("trivia")(run), _ramp_rate("baseline")(run))


def _half_ratio(run: Run) -> float | None:
    half = ("saturation", "half")
    return _quotient(_get(run.load, *half, "trivia", "p99"), _get(run.load, *half, "baseline", "p99"))


def _missed(system: str) -> Figure:
    return lambda run: float(missed_total(run.load, system)) if run.load else None


def _steady_ratio(kind: str) -> Figure:
    return lambda run: _get(run.load, "steady", "summary", kind, "cpu_ratio", "median")


def _built(run: Run) -> float | None:
    """Return how long the run took to build its database; None when it came from the cache (built earlier)."""
    return None if not run.storage or run.storage.get("cached") else _get(run.storage, "build_seconds")


def _worst_query_p99(run: Run) -> float | None:
    if not run.storage:
        return None
    commands = [q for q in run.storage["queries"].values() if not q.get("informational")]
    return max((float(q["p99"]) for q in commands), default=None)


@dataclass(frozen=True)
class Line:
    """One figure of the report: how to read it from a run, and how to print it."""

    label: str
    figure: Figure
    unit: str = ""
    scale: float = 1.0
    digits: int = 1


def figure_lines(runs: Sequence[Run]) -> list[tuple[str, list[Line]]]:
    """Return every figure of the report, grouped by section."""
    kinds = [
        line
        for kind in REPORT_KINDS
        for line in (
            Line(f"{kind}: trivia p50", _kind("trivia", kind, "p50"), " ms", 1000),
            Line(f"{kind}: trivia p99", _kind("trivia", kind, "p99"), " ms", 1000),
            Line(f"{kind}: baseline p50", _kind("baseline", kind, "p50"), " ms", 1000),
            Line(f"{kind}: baseline p99", _kind("baseline", kind, "p99"), " ms", 1000),
            Line(f"{kind}: p99 x baseline", _kind_ratio(kind, "p99"), "x", digits=2),
        )
    ]
    rounds = [
        Line("interactions in the rounds workload", _load_figure("rounds", "interactions"), digits=0),
        Line("missed in the rounds workload, trivia", _load_figure("rounds", "kinds", "all", "missed"), digits=0),
        Line("missed in the replay, baseline", _load_figure("baseline_rounds", "kinds", "all", "missed"), digits=0),
        Line("missed deadlines, trivia (all phases)", _missed("trivia"), digits=0),
        Line("missed deadlines, baseline (all phases)", _missed("baseline"), digits=0),
        Line("error replies, trivia", _load_figure("rounds", "kinds", "all", "error_replies"), digits=0),
        *kinds,
        Line("CPU s per 1,000 interactions, trivia", _load_figure("rounds", "cpu_seconds_per_1000"), digits=3),
        Line(
            "CPU s per 1,000 interactions, baseline", _load_figure("baseline_rounds", "cpu_seconds_per_1000"), digits=3
        ),
        Line(
            "CPU per interaction x baseline",
            lambda run: _quotient(
                _get(run.load, "rounds", "cpu_seconds_per_1000"),
                _get(run.load, "baseline_rounds", "cpu_seconds_per_1000"),
            ),
            "x",
            digits=2,
        ),
        Line("peak RSS (rounds workload), trivia", _load_figure("rounds", "peak_rss_bytes"), " MiB", 2**-20),
        Line("peak RSS (rounds workload), baseline", _load_figure("baseline_rounds", "peak_rss_bytes"), " MiB", 2**-20),
        Line(
            "REST calls per channel per s, trivia", _load_figure("rounds", "rest", "per_channel_per_second"), digits=2
        ),
        Line(
            "REST calls per channel per s, baseline",
            _load_figure("baseline_rounds", "rest", "per_channel_per_second"),
            digits=2,
        ),
        Line(
            "channel writes per channel, max in any 1 s (steady state)",
            _load_figure("rounds", "channel_writes", "steady_max_per_1s"),
            digits=0,
        ),
        Line(
            "channel writes per channel, max in any 5 s (steady state)",
            _load_figure("rounds", "channel_writes", "steady_max_per_5s"),
            digits=0,
        ),
        Line(
            "channel writes per channel, max in any 1 s (with standings)",
            _load_figure("rounds", "channel_writes", "with_bursts_max_per_1s"),
            digits=0,
        ),
        Line(
            "channel writes per channel per s, mean",
            _load_figure("rounds", "channel_writes", "mean_per_second"),
            digits=2,
        ),
        Line("idle RSS", _load_figure("rounds", "idle_rss_bytes"), " MiB", 2**-20),
        Line("RSS with every round running", _load_figure("rounds", "active_rss_bytes"), " MiB", 2**-20),
        Line(
            "memory growth per active round", _load_figure("rounds", "memory_growth_per_round_bytes"), " KiB", 2**-10, 0
        ),
        Line("peak RSS of the whole run, trivia", _load_figure("trivia_process", "peak_rss_bytes"), " MiB", 2**-20),
        Line("database after the rounds", _load_figure("rounds", "database_bytes"), " MiB", 2**-20),
        Line("answers stored in the whole run", _load_figure("trivia_process", "answers_stored"), digits=0),
    ]
    saturation = [
        Line("baseline alone, sustained clicks/s", _ramp_rate("first_baseline"), "/s", digits=0),
        Line("trivia, sustained clicks/s", _ramp_rate("trivia"), "/s", digits=0),
        Line("baseline in turn, sustained clicks/s", _ramp_rate("baseline"), "/s", digits=0),
        Line("throughput, trivia / baseline", _throughput, "", digits=2),
        Line("half rate", _load_figure("saturation", "half", "rate"), "/s", digits=0),
        Line("half-rate steps sustained, trivia", _sustained("half.trivia_steps"), digits=0),
        Line("half-rate steps sustained, baseline", _sustained("half.baseline_steps"), digits=0),
        Line("missed at the half rate, trivia", _load_figure("saturation", "half", "trivia", "missed"), digits=0),
        Line("missed at the half rate, baseline", _load_figure("saturation", "half", "baseline", "missed"), digits=0),
        Line(
            "p99 at half rate, trivia (median of its steps)",
            _load_figure("saturation", "half", "trivia", "p99"),
            " ms",
            1000,
        ),
        Line("p99 at half rate, baseline", _load_figure("saturation", "half", "baseline", "p99"), " ms", 1000),
        Line("p99 at half rate x baseline", _half_ratio, "x", digits=2),
    ]
    steady = [
        Line(f"CPU per stored answer x baseline, {kind} (median of the pass)", _steady_ratio(kind), "x", digits=2)
        for kind in ("click", "answer")
    ]
    storage = [Line("worst look-up p99", _worst_query_p99, " ms", 1000, 2)]
    writers = sorted({int(w["writers"]) for run in runs if run.storage for w in run.storage["writes"]})
    for count in writers:
        storage += [
            Line(f"{count} writer(s): answers/s", _writers(count, "per_second"), "/s", digits=0),
            Line(f"{count} writer(s): p99", _writers(count, "p99"), " ms", 1000),
        ]
    queries = {key: q["name"] for run in runs if run.storage for key, q in run.storage["queries"].items()}
    for key, name in queries.items():
        storage += [
            Line(f"{name}: p50", _storage_figure("queries", key, "p50"), " us", 1e6, 0),
            Line(f"{name}: p99", _storage_figure("queries", key, "p99"), " us", 1e6, 0),
        ]
    storage.append(Line("building the database (runs that built it, not cached)", _built, " s"))
    storage.append(Line("copying it into PostgreSQL", _storage_figure("postgres_load_seconds"), " s"))
    scale: list[Line] = []
    for label in dict.fromkeys(label for run in runs for label in run.setups()):
        scale += [
            Line(f"{label}: answers/s sustained", _setup(label, "best_rate"), "/s", digits=0),
            Line(f"{label}: p99 there (worst process)", _setup(label, "p99_at_best"), " ms", 1000),
            Line(f"{label}: p99 at the first step", _setup(label, "p99_at_first_step"), " ms", 1000),
            Line(f"{label}: first failed step", _setup(label, "first_failed_rate"), "/s", digits=0),
            Line(f"{label}: other CPU (mean over its steps)", _setup(label, "other_percent"), "%", digits=0),
        ]
    return [
        ("Rounds workload (trivia bot, then the baseline replaying it)", rounds),
        ("Click-rate ramps and half rate", saturation),
        ("Steady rate", steady),
        ("Storage", storage),
        ("Scale (every setup ramped to saturation, steps in turn)", scale),
    ]


def format_lines(runs: Sequence[Run], table: Table = _table) -> list[str]:
    """Render every figure present in any run as min/median/max, with how many runs it came from."""
    out: list[str] = []
    for title, lines in figure_lines(runs):
        rows = []
        for line in lines:
            values = [line.figure(run) for run in runs]
            measured = spread(values)
            if measured is None:
                continue
            count = sum(value is not None for value in values)
            rows.append([line.label, _spread(measured, line.unit, line.scale, line.digits), f"{count}/{len(runs)}"])
        if rows:
            out += ["", f"{title}: min/median/max", *table(["figure", "min/median/max", "runs"], rows)]
    return out


def targets(runs: Sequence[Run]) -> list[list[str]]:
    """Return (target, min/median/max, status judged on the median) rows for the figures the runs hold."""
    rows: list[list[str]] = []

    def row(target: str, line: Line, met: Callable[[float], bool]) -> None:
        measured = spread([line.figure(run) for run in runs])
        if measured is not None:
            status = "met" if met(measured["median"]) else "NOT met"
            rows.append([target, _spread(measured, line.unit, line.scale, line.digits), status])

    row("zero missed deadlines at loads the baseline sustains", Line("", _missed("trivia"), digits=0), lambda m: m == 0)
    row(
        f"answer throughput >= {THROUGHPUT_SHARE_LIMIT} x baseline",
        Line("", _throughput, digits=2),
        lambda m: m >= THROUGHPUT_SHARE_LIMIT,
    )
    row(
        f"p99 at half the baseline's saturation <= {HALF_P99_LIMIT} x baseline",
        Line("", _half_ratio, "x", digits=2),
        lambda m: m <= HALF_P99_LIMIT,
    )
    for kind in ("click", "answer"):
        row(
            f"CPU per stored answer, {kind}, <= {STEADY_CPU_LIMIT} x baseline",
            Line("", _steady_ratio(kind), "x", digits=2),
            lambda m: m <= STEADY_CPU_LIMIT,
        )
    row(
        f"leaderboard and stats < {STORAGE_QUERY_LIMIT * 1000:g} ms (worst p99)",
        Line("", _worst_query_p99, " ms", 1000, 2),
        lambda m: m < STORAGE_QUERY_LIMIT,
    )
    row(
        "<= 1 channel create/edit per second per channel (steady state)",
        Line("", _load_figure("rounds", "channel_writes", "steady_max_per_1s"), digits=0),
        lambda m: m <= 1,
    )
    row(
        "memory growth per active round small",
        Line("", _load_figure("rounds", "memory_growth_per_round_bytes"), " KiB", 2**-10, 0),
        lambda m: m < MEMORY_GROWTH_LIMIT,
    )
    return rows


def format_summary(runs: Sequence[Run], table: Table = _table) -> str:
    """Render the whole summary."""
    labels = list(dict.fromkeys(label for run in runs for label in run.setups()))
    backend = ", ".join(labels) or next(
        (str(data.get("storage") or "sqlite") for run in runs for data in (run.storage, run.load) if data), "sqlite"
    )
    out = [f"{len(runs)} run(s) on {backend}: {', '.join(run.name for run in runs)}"]
    if any(run.load for run in runs):
        out += ["", *format_load_table(runs, table)]
    if any(run.scale for run in runs):
        out += ["", *format_scale_load_table(runs, table)]
    out += format_lines(runs, table)
    rows = targets(runs)
    if rows:
        out += ["", "Targets (judged on the median)", *table(["target", "min/median/max", "status"], rows)]
    return "\n".join(out)


def main(argv: Sequence[str] | None = None) -> int:
    """Print the summary of the runs named on the command line."""
    parser = argparse.ArgumentParser(prog="python -m bench.summary", description=__doc__.split("\n\n")[0])
    parser.add_argument("runs", nargs="+", type=Path, help="JSON files written by `python -m bench ... --json`")
    parser.add_argument("--markdown", action="store_true", help="print the tables in Markdown")
    args = parser.parse_args(argv)
    try:
        runs = [read_run(path) for path in args.runs]
        check_comparable(runs)
    except (OSError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(format_summary(runs, markdown_table if args.markdown else _table))
    return 0


if __name__ == "__main__":
    sys.exit(main())
