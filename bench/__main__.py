"""``python -m bench`` runs the load benchmark; ``python -m bench storage`` the storage micro-benchmarks;
``python -m bench scale`` answers per second on SQLite and PostgreSQL with one or more bot processes;
``python -m bench steady`` CPU per stored answer at a steady rate, side by side with bare discord.py;
``python -m bench budget`` the global channel-write budget on the real bot at 200 and 400 concurrent rounds."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import signal
import sys
import tempfile
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

from bot.limits import QUESTIONS, SECONDS

QUICK = {
    "channels": 5,
    "players": 3,
    # One question per round (rounds are real time: each question is 5 s twice, on the bot and on the replay);
    # look-ups twice as often, so that the shorter rounds still see plenty of /leaderboard and /stats.
    "questions": 1,
    "seconds": 5,
    "lookups_per_second": 4.0,
    "pause": 0.5,
    "stagger": 0.5,
    "skip": 0.0,
    "settle": 0.5,
    "step_seconds": 0.75,
    "start_rate": 50.0,
    "rate_factor": 2.0,
    "max_steps": 1,
    "bisections": 0,
    "half_seconds": 0.75,
    "half_repeats": 1,
}
QUICK_STEADY = {"rate": 40.0, "seconds": 0.5, "runs": 1}
QUICK_BUDGET = {"players": 3, "questions": 2, "seconds": 5, "pause": 0.5}
QUICK_BUDGET_ROUNDS = (20,)
QUICK_STORAGE = {"answers": 20_000, "players": 2_000, "guilds": 4, "calls": 200, "write_seconds": 0.3}


def parser() -> argparse.ArgumentParser:
    """Return the command-line parser."""
    p = argparse.ArgumentParser(
        prog="python -m bench",
        description="Benchmark Orbit Trivia against a bare discord.py baseline on a local fake Discord API.",
    )
    p.add_argument(
        "mode",
        nargs="?",
        choices=["load", "storage", "all", "scale", "steady", "budget"],
        default="load",
        help="what to run (scale: answers/s and p99 on SQLite x1, PostgreSQL x1 and x2 unless --storage is given; "
        "steady: CPU per stored answer at a steady rate, side by side with the baseline; "
        "budget: the global channel-write budget on the real bot; all: load, steady, storage)",
    )
    p.add_argument(
        "--quick", action="store_true", help="a small profile for CI: 5 channels, 3 players, 1 question (about 25 s)"
    )
    p.add_argument("--json", type=Path, help="also write the results as JSON to this file")
    p.add_argument("-v", "--verbose", action="store_true", help="log progress")
    backend = p.add_argument_group("storage backend and processes")
    backend.add_argument(
        "--storage",
        choices=["sqlite", "postgresql"],
        help="the trivia bot's database (default sqlite); postgresql starts a throwaway cluster unless --database-url",
    )
    backend.add_argument(
        "--processes", type=int, help="trivia bot processes sharing the database (scale mode; default 1)"
    )
    backend.add_argument(
        "--database-url", help="an existing PostgreSQL database to use instead of a throwaway cluster (kept)"
    )
    load = p.add_argument_group("load benchmark")
    load.add_argument("--channels", type=int, help="channels playing at once (default 100)")
    load.add_argument("--players", type=int, help="players per channel (default 8)")
    load.add_argument("--questions", type=int, help="questions per round (default 10)")
    load.add_argument("--seconds", type=int, help=f"seconds per question, {SECONDS.span} (default 5)")
    load.add_argument("--rounds", type=int, help="rounds each channel plays back to back (default 1)")
    load.add_argument("--lookups-per-second", type=float, help="/leaderboard and /stats per second (default 5)")
    load.add_argument("--seed", type=int, help="seed of the players' behaviour (default 1)")
    load.add_argument("--pause", type=float, help="ROUND_PAUSE_SECONDS of the bot (default 1)")
    load.add_argument("--step-seconds", type=float, help="length of each click-rate step (default 5)")
    load.add_argument("--max-rate", type=float, help="highest click rate tried (default 3000/s)")
    load.add_argument("--no-saturation", action="store_true", help="skip the click-rate ramps")
    steady = p.add_argument_group("steady rate (CPU per stored answer; part of all)")
    steady.add_argument("--rate", type=float, help="clicks, then /answer, per second (default 160)")
    steady.add_argument("--steady-seconds", type=float, help="length of each steady step (default 8)")
    steady.add_argument("--runs", type=int, help="steady runs, each clicks and /answer on both bots (default 3)")
    steady.add_argument("--no-steady", action="store_true", help="leave the steady pass out of all")
    steady.add_argument(
        "--in-turn",
        action="store_true",
        help="take each steady step on one bot, then the other (default: on both at the same time, side by side)",
    )
    budget = p.add_argument_group("write budget (budget mode; also takes --players, --questions, --seconds, --pause)")
    budget.add_argument(
        "--rounds-at-once", type=int, nargs="+", help="concurrent rounds, one run each (default 200 400; --quick: 20)"
    )
    budget.add_argument("--repeats", type=int, help="runs of each number of rounds (default 1)")
    storage = p.add_argument_group("storage micro-benchmarks")
    storage.add_argument("--answers", type=int, help="answers in the read-benchmark database (default 1,000,000)")
    storage.add_argument("--db-players", type=int, help="players in it (default 100,000)")
    storage.add_argument("--guilds", type=int, help="guilds in it (default 10)")
    storage.add_argument("--no-cache", action="store_true", help="build the database afresh and delete it after")
    return p


def _profile(args: argparse.Namespace) -> Any:
    from bench.workloads import Profile

    values: dict[str, Any] = dict(QUICK) if args.quick else {}
    for name in ("channels", "players", "questions", "seconds", "rounds", "lookups_per_second", "seed", "pause"):
        if getattr(args, name) is not None:
            values[name] = getattr(args, name)
    if args.step_seconds is not None:
        values["step_seconds"] = args.step_seconds
    if args.max_rate is not None:
        values["max_rate"] = args.max_rate
    if args.no_saturation:
        values["saturation"] = False
    profile = Profile(**values)
    if profile.seconds not in SECONDS or profile.questions not in QUESTIONS:
        raise SystemExit(f"--seconds must be {SECONDS.span} and --questions {QUESTIONS.span} (the bot's own limits)")
    if profile.channels < 1 or profile.players < 1 or profile.rounds < 1:
        raise SystemExit("--channels, --players and --rounds must be at least 1")
    return profile


def _steady(args: argparse.Namespace) -> Any:
    from bench.steady import SteadyOptions

    values: dict[str, Any] = dict(QUICK_STEADY) if args.quick else {}
    for arg, name in (("rate", "rate"), ("steady_seconds", "seconds"), ("runs", "runs")):
        if getattr(args, arg) is not None:
            values[name] = getattr(args, arg)
    options = SteadyOptions(**values, in_turn=args.in_turn)
    options.check()
    return options


def _budget(args: argparse.Namespace) -> tuple[Any, tuple[int, ...], int]:
    """Return the write-budget profile, the numbers of concurrent rounds and the repeats."""
    from bench.budget import DEFAULT_ROUNDS, BudgetProfile

    values: dict[str, Any] = dict(QUICK_BUDGET) if args.quick else {}
    for name in ("players", "questions", "seconds", "pause", "seed"):
        if getattr(args, name) is not None:
            values[name] = getattr(args, name)
    profile = BudgetProfile(**values)
    if profile.seconds not in SECONDS or profile.questions not in QUESTIONS:
        raise SystemExit(f"--seconds must be {SECONDS.span} and --questions {QUESTIONS.span} (the bot's own limits)")
    rounds = tuple(args.rounds_at_once or (QUICK_BUDGET_ROUNDS if args.quick else DEFAULT_ROUNDS))
    repeats = 1 if args.repeats is None else args.repeats
    if min(rounds) < 1 or repeats < 1 or profile.players < 2:
        raise SystemExit("--rounds-at-once and --repeats must be at least 1, and --players at least 2")
    return profile, rounds, repeats


def _setups(args: argparse.Namespace) -> Any:
    from bench.scale import DEFAULT_SETUPS, POSTGRESQL, SQLITE, Setup, check_setup

    if args.storage is None and args.processes is None:
        return DEFAULT_SETUPS
    processes = 1 if args.processes is None else args.processes
    setup = Setup(args.storage or (POSTGRESQL if processes > 1 else SQLITE), processes)
    check_setup(setup)
    return (setup,)


def _check_backend(args: argparse.Namespace) -> None:
    if args.database_url is not None and args.storage == "sqlite":
        raise SystemExit("--database-url is a PostgreSQL database: use it with --storage postgresql")
    if args.database_url is not None and not args.database_url.startswith(("postgresql://", "postgres://")):
        raise SystemExit("--database-url must start with postgresql://")
    if args.mode != "scale" and args.processes not in (None, 1):
        raise SystemExit(
            "--processes applies to `python -m bench scale` (the load benchmark compares one trivia process with "
            "one baseline process): try `python -m bench scale --storage postgresql --processes 2`"
        )


@contextlib.asynccontextmanager
async def _postgres(args: argparse.Namespace) -> AsyncIterator[Any]:
    """Yield a function returning an empty PostgreSQL database URL (or None for SQLite); stop any cluster after."""
    if args.storage != "postgresql":
        yield None
        return
    from bench.scale import Databases

    databases = Databases(args.database_url)
    try:
        yield databases.new
    finally:
        databases.stop()


async def _main(args: argparse.Namespace) -> tuple[dict[str, Any] | None, dict[str, Any] | None, dict[str, Any] | None]:
    # SIGTERM (say, a CI timeout) unwinds like Ctrl-C, so the child processes and temp files are cleaned up.
    main_task = asyncio.current_task()
    assert main_task is not None
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, main_task.cancel)
    results = storage = scale = None
    if args.mode == "budget":
        from bench.budget import run_budget

        profile, rounds, repeats = _budget(args)
        with tempfile.TemporaryDirectory(prefix="orbit-bench-") as workdir:
            budget = await run_budget(rounds, profile, repeats, Path(workdir))
        return {"budget": budget}, storage, scale
    if args.mode == "scale":
        from bench.scale import run_scale

        setups = _setups(args)
        with tempfile.TemporaryDirectory(prefix="orbit-bench-") as workdir:
            scale = await run_scale(_profile(args), Path(workdir), setups, args.database_url)
        return results, storage, scale
    async with _postgres(args) as new_database:
        if args.mode == "steady":
            from bench.steady import run_steady

            url = await new_database() if new_database is not None else None
            with tempfile.TemporaryDirectory(prefix="orbit-bench-") as workdir:
                results = await run_steady(_profile(args), _steady(args), Path(workdir), database_url=url)
        if args.mode in ("load", "all"):
            from bench.run import run_load

            url = await new_database() if new_database is not None else None
            steady = _steady(args) if args.mode == "all" and not args.no_steady else None
            with tempfile.TemporaryDirectory(prefix="orbit-bench-") as workdir:
                results = await run_load(_profile(args), Path(workdir), database_url=url, steady=steady)
        if args.mode in ("storage", "all"):
            from bench.storage_bench import StorageOptions, run_storage

            values: dict[str, Any] = dict(QUICK_STORAGE) if args.quick else {}
            for arg, name in (("answers", "answers"), ("db_players", "players"), ("guilds", "guilds")):
                if getattr(args, arg) is not None:
                    values[name] = getattr(args, arg)
            values["cache"] = not (args.no_cache or args.quick)
            values["database_url"] = await new_database() if new_database is not None else None
            storage = await run_storage(StorageOptions(**values))
    return results, storage, scale


OPEN_FILES_WITHOUT_HARD_LIMIT = 65536
"""The driver's open-file limit where the system sets no hard one."""


def _allow_open_files() -> None:
    """Raise this process's open-file limit to its hard limit; the bots started from here inherit it.

    The fake Discord holds the server end of every connection both bots open, and the baseline (bare discord.py,
    no connection limit) opened over 8,000 at its saturation point: with the usual soft limit of 1,024 the driver
    itself would fail there and the whole run would be lost. (So the bots, too, run with more than 1,024 here.)
    Where the hard limit is unlimited (macOS), the soft limit is raised to `OPEN_FILES_WITHOUT_HARD_LIMIT`.
    """
    with contextlib.suppress(ImportError, OSError, ValueError):
        import resource  # not on Windows

        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        wanted = OPEN_FILES_WITHOUT_HARD_LIMIT if hard == resource.RLIM_INFINITY else hard
        if soft != resource.RLIM_INFINITY and soft < wanted:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


def main(argv: Sequence[str] | None = None) -> int:
    """Run the chosen benchmark, print the report; return 0, or 1 if any interaction missed its deadline."""
    args = parser().parse_args(argv)
    _check_backend(args)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING, format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    from bench.report import format_report, format_scale, missed_total

    _allow_open_files()
    try:
        results, storage, scale = asyncio.run(_main(args))
    except (KeyboardInterrupt, asyncio.CancelledError):
        print("interrupted", file=sys.stderr)
        return 130
    if results is not None and "budget" in results:
        from bench.budget import format_budget

        print(format_budget(results["budget"]))
        if args.json is not None:
            args.json.write_text(json.dumps(results, indent=2, default=str))
        return 0 if all(run["bound_held"] and not run["failures"] for run in results["budget"]["runs"]) else 1
    print(format_scale(scale) if scale is not None else format_report(results, storage))
    if args.json is not None:
        data = {"scale": scale} if scale is not None else {"load": results, "storage": storage}
        args.json.write_text(json.dumps(data, indent=2, default=str))
    return 1 if results and missed_total(results, "trivia") else 0


if __name__ == "__main__":
    sys.exit(main())
