"""The benchmark end to end on its quick profile: the real bot process, the baseline process and the driver."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
HARD_TIMEOUT = 240.0
"""A hang guard (the profile takes about 40 s on a quiet machine), not a speed check: speed is what it reports."""
KINDS = ("start", "click", "answer", "leaderboard", "stats")


def _bench_dirs(temp: Path) -> set[str]:
    return {p.name for p in temp.glob("orbit-bench-*")}


def _run_quick(out: Path, temp: Path) -> subprocess.CompletedProcess[str]:
    """Run ``python -m bench all --quick``; on timeout interrupt it (it cleans up on SIGTERM), then kill it."""
    command = [sys.executable, "-m", "bench", "all", "--quick", "--json", str(out)]
    # Its own temp folder: other benchmarks running on the machine must not count as left behind by this one.
    env = {**os.environ, "TMPDIR": str(temp)}
    process = subprocess.Popen(
        command, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    try:
        stdout, stderr = process.communicate(timeout=HARD_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGTERM)
        try:
            stdout, stderr = process.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            stdout, stderr = process.communicate()
        raise AssertionError(f"the quick benchmark took over {HARD_TIMEOUT:.0f} s\n{stdout}\n{stderr}") from None
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr)


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_quick_profile_reports_every_figure_and_misses_no_deadline(tmp_path: Path) -> None:
    temp = tmp_path / "tmp"
    temp.mkdir()
    out = tmp_path / "bench.json"
    run = _run_quick(out, temp)
    assert run.returncode == 0, f"exit {run.returncode}\n{run.stdout}\n{run.stderr}"

    report = run.stdout
    for heading in ("Latency from INTERACTION_CREATE", "CPU s per 1,000 interactions", "peak RSS", "Click-rate ramp",
                    "REST calls per channel per second", "growth per active round", "Storage:", "Targets"):  # fmt: skip
        assert heading in report, f"{heading!r} missing from the report:\n{report}"
    assert "missed deadlines: trivia 0, baseline 0" in report, report

    data = json.loads(out.read_text())
    load, storage = data["load"], data["storage"]
    for system in ("rounds", "baseline_rounds"):
        kinds = load[system]["kinds"]
        for kind in KINDS:
            row = kinds[kind]
            assert row["count"] > 0, (system, kind, row)
            assert row["missed"] == 0, (system, kind, row)
            assert row["answered"] == row["count"], (system, kind, row)
            assert 0 < row["p50"] <= row["p99"] <= row["max"] < 3, (system, kind, row)
        assert load[system]["cpu_seconds_per_1000"] > 0
        assert load[system]["peak_rss_bytes"] > 0
    rounds = load["rounds"]
    assert rounds["failures"] == []
    assert rounds["rounds_finished"] == load["profile"]["channels"]
    assert rounds["rest"]["per_channel_per_second"] > 0
    assert rounds["channel_writes"]["steady_max_per_1s"] >= 1
    assert rounds["memory_growth_per_round_bytes"] is not None
    assert rounds["database_bytes"] > 0
    assert load["trivia_process"]["answers_stored"] > 0
    saturation = load["saturation"]
    assert saturation["first_baseline_steps"] and saturation["baseline_steps"] and saturation["trivia_steps"]
    assert saturation["half"]["trivia"]["missed"] == saturation["half"]["baseline"]["missed"] == 0
    assert storage["writes"] and all(w["per_second"] > 0 for w in storage["writes"])
    assert all(q["p50"] > 0 for q in storage["queries"].values())

    # Nothing is left behind: the bot and baseline processes are gone, and so are the temp folders.
    for pid in load["processes"].values():
        assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE, pid
    assert _bench_dirs(temp) == set()
