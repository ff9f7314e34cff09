"""The benchmark end to end on its quick profile: the real bot process, the baseline process and the driver."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
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


def _run_bench(args: list[str], temp: Path) -> subprocess.CompletedProcess[str]:
    """Run ``python -m bench`` with its own temp folder (readable by the ``postgres`` user), within the hang guard."""
    command = [sys.executable, "-m", "bench", *args]
    env = {**os.environ, "TMPDIR": str(temp)}
    return subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, env=env, timeout=HARD_TIMEOUT)


@pytest.fixture
def open_temp() -> Iterator[Path]:
    """A temp folder outside pytest's private one: the throwaway cluster runs as ``postgres`` when we are root."""
    folder = Path(tempfile.mkdtemp(prefix="orbit-bench-smoke-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_scale_on_postgresql_with_two_processes_stores_every_process_answers(open_temp: Path) -> None:
    out = open_temp / "scale.json"
    run = _run_bench(["scale", "--quick", "--storage", "postgresql", "--processes", "2", "--json", str(out)], open_temp)
    assert run.returncode == 0, f"exit {run.returncode}\n{run.stdout}\n{run.stderr}"
    assert "postgresql x2" in run.stdout and "answers/s sustained" in run.stdout, run.stdout
    (setup,) = json.loads(out.read_text())["scale"]["setups"]
    assert setup["setup"] == {"storage": "postgresql", "processes": 2}
    assert setup["shards"] == [[0, 2], [1, 2]], "two shard processes of one bot, on one fake Discord"
    assert setup["steps"] and setup["steps"][0]["clicks"]["count"] > 0
    assert setup["steps"][0]["clicks"]["missed"] == 0, setup["steps"][0]
    assert setup["best_rate"] > 0
    # Both processes wrote to the one database, each for its own guilds, one write per click.
    stored = setup["answers_stored_per_process"]
    assert len(stored) == 2 and all(s["answers"] > 0 and s["attempts"] >= s["answers"] for s in stored), stored
    clicks = sum(step["clicks"]["answered"] for step in setup["steps"])
    assert sum(s["attempts"] for s in stored) >= clicks, (stored, clicks)
    for pid in setup["processes"]:
        assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE, pid
    # The throwaway cluster and the bench folders are gone.
    assert [p.name for p in open_temp.iterdir() if p.name != "scale.json"] == []


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_load_and_storage_benchmarks_on_postgresql(open_temp: Path) -> None:
    out = open_temp / "all.json"
    run = _run_bench(["all", "--quick", "--no-saturation", "--storage", "postgresql", "--json", str(out)], open_temp)
    assert run.returncode == 0, f"exit {run.returncode}\n{run.stdout}\n{run.stderr}"
    assert "Storage: PostgreSQL, 20,000 answers" in run.stdout, run.stdout
    assert "missed deadlines: trivia 0, baseline 0" in run.stdout, run.stdout
    data = json.loads(out.read_text())
    load, storage = data["load"], data["storage"]
    # The trivia bot played its rounds on PostgreSQL and stored the answers there.
    assert load["storage"] == "postgresql"
    assert load["rounds"]["rounds_finished"] == load["profile"]["channels"]
    assert load["trivia_process"]["answers_stored"] > 0 and load["trivia_process"]["database_bytes_end"] > 0
    assert storage["storage"] == "postgresql" and storage["postgres_load_seconds"] > 0
    assert storage["database_bytes"] > 0
    assert len(storage["queries"]) == 7 and all(q["p50"] > 0 for q in storage["queries"].values())
    assert [p.name for p in open_temp.iterdir() if p.name != "all.json"] == []


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["scale", "--storage", "sqlite", "--processes", "2"], "needs --storage postgresql"),
        (["--processes", "2"], "--processes applies to `python -m bench scale`"),
        (["scale", "--processes", "0"], "--processes must be at least 1"),
        (["storage", "--storage", "sqlite", "--database-url", "postgresql://x@127.0.0.1/db"], "PostgreSQL database"),
        (["storage", "--storage", "postgresql", "--database-url", "mysql://x"], "must start with postgresql://"),
    ],
)
def test_impossible_backend_choices_are_refused_with_the_reason(argv: list[str], message: str) -> None:
    from bench.__main__ import main

    with pytest.raises(SystemExit) as refused:
        main(argv)
    assert message in str(refused.value)


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_budget_quick_measures_the_real_bots_channel_writes_and_the_bound(open_temp: Path) -> None:
    out = open_temp / "budget.json"
    run = _run_bench(["budget", "--quick", "--json", str(out)], open_temp)
    assert run.returncode == 0, f"exit {run.returncode}\n{run.stdout}\n{run.stderr}"
    assert "Write budget (real bot)" in run.stdout and "writes/s mean" in run.stdout, run.stdout
    (figures,) = json.loads(out.read_text())["budget"]["runs"]
    rounds = figures["profile"]["rounds"]
    assert figures["failures"] == [] and figures["rounds_finished"] == rounds
    kinds = figures["writes_by_kind"]
    # Every round posted and revealed each question and posted its standings, all through channel routes.
    assert kinds["post"] == kinds["reveal"] == rounds * figures["profile"]["questions"], kinds
    assert kinds["standings"] == rounds, kinds
    assert figures["writes"] == sum(kinds.values())
    assert 0 < figures["writes_per_second_mean"] <= figures["writes_per_second_max"]
    # 20 channels, each paced to one write per 1.05 s, cannot reach the budget's 40/s even with jitter.
    assert figures["writes_per_second_max"] <= figures["most_in_any_sliding_second"] <= figures["budget_per_second"]
    # The bot's own counts: what it let through is what the fake saw, and no essential write broke the bound.
    granted = figures["budget"]["granted"]
    assert granted["essential"] == kinds["post"] + kinds["reveal"] + kinds["standings"], (granted, kinds)
    assert granted["hint"] + granted["progress"] == kinds["hint"] + kinds["progress"], (granted, kinds)
    assert figures["budget"]["bound_exceeded"] == 0
    delays = figures["delays"]
    assert delays["post"]["count"] == delays["reveal"]["count"] + delays["early_reveals"] == kinds["post"], delays
    assert figures["bound_held"] is True
    assert figures["cpu"]["bot_cpu_seconds"] > 0 and figures["peak_rss_bytes"] > 0
    assert [p.name for p in open_temp.iterdir() if p.name != "budget.json"] == []
