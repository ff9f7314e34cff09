"""Storage micro-benchmarks through the real storage classes: answer writes under concurrency (SQLite), and the
leaderboard and stats queries on a big database built with `seed_synthetic` (cached between runs). With
``--storage postgresql`` the same seeded database is loaded into PostgreSQL by `copy_database` (COPY, checked
totals) and the same queries are timed through `PostgresStorage`."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import os
import random
import sqlite3
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.figures import percentile
from bench.run import machine
from bench.synthetic import FIRST_DAY, GUILD_ID_BASE, USER_ID_BASE, seed_synthetic
from bot.storage import AnswerInput, SQLiteStorage, week_start_of
from bot.storage.copying import copy_database
from bot.storage.opening import AnyStorage, is_postgres_url, open_storage
from bot.storage.sqlite import load_migrations

log = logging.getLogger(__name__)

CACHE_DIR = Path(tempfile.gettempdir()) / "orbit-trivia-bench"
BUILD_SECONDS_KEY = "bench_build_seconds"


@dataclass
class StorageOptions:
    """What to measure; see ``python -m bench --help``."""

    answers: int = 1_000_000
    players: int = 100_000
    guilds: int = 10
    seed: int = 0
    calls: int = 2_000
    write_seconds: float = 2.0
    writers: tuple[int, ...] = (1, 10, 100, 1000)
    cache: bool = True
    database_url: str | None = None
    """A PostgreSQL database to time the queries on (empty; the seeded rows are copied into it), else SQLite."""


async def measure_writes(writers: int, seconds: float, workdir: Path) -> dict[str, Any]:
    """Record answers from ``writers`` concurrent tasks for ``seconds`` into a fresh database; return the rate."""
    database = workdir / f"writes-{writers}.db"
    now = dt.datetime.now(dt.UTC)
    latencies: list[float] = []
    async with await SQLiteStorage.open(database) as storage:
        round_id = await storage.create_round(
            guild_id=1, channel_id=1, starter_id=1, question_count=1, seconds=120, category=None, kind="mixed",
            started_at=now,
        )  # fmt: skip
        question_id = await storage.add_round_question(
            round_id=round_id, position=0, question_id="q", fact_id="f", kind="multiple_choice", correct_choice=0,
            opened_at=now, deadline_at=now + dt.timedelta(seconds=120),
        )  # fmt: skip
        commits_before = storage.stats.commits
        stop_at = time.perf_counter() + seconds

        async def writer(number: int) -> None:
            answer_number = 0
            while time.perf_counter() < stop_at:
                answer_number += 1
                answer = AnswerInput(
                    round_question_id=question_id,
                    round_id=round_id,
                    guild_id=1,
                    user_id=number * 10_000_000 + answer_number,  # a new player each time: every write is a row
                    choice=answer_number % 4,
                    text=None,
                    correct=answer_number % 4 == 0,
                    credit=1.0 if answer_number % 4 == 0 else 0.0,
                    answered_at=now,
                    elapsed_ms=1234,
                )
                began = time.perf_counter()
                await storage.record_answer(answer)
                latencies.append(time.perf_counter() - began)

        began = time.perf_counter()
        await asyncio.gather(*(writer(n) for n in range(writers)))
        elapsed = time.perf_counter() - began
        commits = storage.stats.commits - commits_before
    _remove_database(database)
    return {
        "writers": writers,
        "answers": len(latencies),
        "per_second": len(latencies) / elapsed,
        "p50": percentile(latencies, 0.5),
        "p99": percentile(latencies, 0.99),
        "commits": commits,
    }


def _remove_database(database: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)


def _scalar(database: Path, sql: str, params: tuple[object, ...] = ()) -> object:
    with contextlib.closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as connection:
        row = connection.execute(sql, params).fetchone()
        return None if row is None else row[0]


def _answers_in(database: Path) -> int:
    return int(str(_scalar(database, "SELECT count(*) FROM answers")))


def _meta(database: Path, key: str) -> object:
    return _scalar(database, "SELECT value FROM meta WHERE key = ?", (key,))


Scalar = Callable[[str, tuple[object, ...]], Awaitable[object]]


async def check_counts(storage: AnyStorage, scalar: Scalar, guild_id: int, user_id: int) -> None:
    """Fail if the maintained leaderboard sizes or ranks disagree with counting (they are what is timed)."""
    for scope, stored in ((0, None), (guild_id, guild_id)):
        counted = await scalar("SELECT count(*) FROM player_totals WHERE guild_id = ?", (scope,))
        size = await storage.leaderboard_size(guild_id=stored, week_start=None)
        if size != counted:
            raise RuntimeError(f"leaderboard size of scope {scope} is {size}, but {counted} players are stored")
    stats = await storage.player_stats(guild_id, user_id)
    above = await scalar(
        "SELECT count(*) FROM player_totals WHERE guild_id = ? AND points > "
        "(SELECT points FROM player_totals WHERE guild_id = ? AND user_id = ?)",
        (guild_id, guild_id, user_id),
    )
    if stats.rank != int(str(above)) + 1:
        raise RuntimeError(f"rank of {user_id} is {stats.rank}, but {above} players have more points")


def scalar_reader(target: str | Path) -> Scalar:
    """Return a function running one counting query (``?`` placeholders) on the SQLite file or PostgreSQL URL."""
    if is_postgres_url(target):
        import asyncpg

        async def on_postgres(sql: str, params: tuple[object, ...]) -> object:
            numbered = sql
            for number in range(1, len(params) + 1):
                numbered = numbered.replace("?", f"${number}", 1)
            connection = await asyncpg.connect(str(target))
            try:
                return await connection.fetchval(numbered, *params)
            finally:
                await connection.close()

        return on_postgres

    async def on_sqlite(sql: str, params: tuple[object, ...]) -> object:
        return await asyncio.to_thread(_scalar, Path(target), sql, params)

    return on_sqlite


async def synthetic_database(options: StorageOptions, scratch: Path) -> tuple[Path, float, bool]:
    """Return a seeded database (from the cache if it holds one), how long building took, and if it was cached."""
    name = f"synthetic-{options.answers}-{options.players}-{options.guilds}-{options.seed}-v{len(load_migrations())}.db"
    folder = CACHE_DIR if options.cache else scratch
    folder.mkdir(parents=True, exist_ok=True)
    database = folder / name
    if database.exists():
        with contextlib.suppress(sqlite3.Error, TypeError, ValueError):
            if _answers_in(database) == options.answers:
                return database, float(str(_meta(database, BUILD_SECONDS_KEY) or 0.0)), True
        database.unlink()
    # Build beside the final name and rename, so an interrupted build never looks like a cached one.
    building = folder / f"{name}.building-{os.getpid()}"
    began = time.perf_counter()
    try:
        await seed_synthetic(
            building, answers=options.answers, players=options.players, guilds=options.guilds, seed=options.seed
        )
        built_in = time.perf_counter() - began
        async with await SQLiteStorage.open(building) as storage:
            await storage.set_meta(BUILD_SECONDS_KEY, f"{built_in:.3f}")  # closing checkpoints the WAL
        building.replace(database)
    finally:
        _remove_database(building)
    return database, built_in, False


async def _time_calls(name: str, calls: int, call: Callable[[random.Random], Awaitable[object]]) -> dict[str, Any]:
    rng = random.Random(name)
    for _ in range(min(50, calls)):  # warm the page cache and the statement cache
        await call(rng)
    latencies = []
    for _ in range(calls):
        began = time.perf_counter()
        await call(rng)
        latencies.append(time.perf_counter() - began)
    return {
        "name": name,
        "calls": calls,
        "p50": percentile(latencies, 0.5),
        "p99": percentile(latencies, 0.99),
        "max": max(latencies),
    }


async def measure_queries(database: str | Path, options: StorageOptions) -> dict[str, dict[str, Any]]:
    """Time what /leaderboard and /stats run (size + first page; one player's stats), and deep paging."""
    week = week_start_of(FIRST_DAY + dt.timedelta(weeks=5))

    def guild(rng: random.Random) -> int:
        return GUILD_ID_BASE + rng.randrange(options.guilds)

    def player(rng: random.Random) -> tuple[int, int]:
        number = rng.randrange(options.players)
        return GUILD_ID_BASE + number % options.guilds, USER_ID_BASE + number

    results: dict[str, dict[str, Any]] = {}
    storage = await open_storage(database)
    try:
        await check_counts(storage, scalar_reader(database), GUILD_ID_BASE, USER_ID_BASE + options.players // 2)

        def first_page(scope: str, period: str) -> Callable[[random.Random], Awaitable[object]]:
            async def call(rng: random.Random) -> object:
                guild_id = guild(rng) if scope == "server" else None
                week_start = week if period == "week" else None
                await storage.leaderboard_size(guild_id=guild_id, week_start=week_start)
                return await storage.leaderboard(guild_id=guild_id, week_start=week_start, limit=10, offset=0)

            return call

        async def stats_here(rng: random.Random) -> object:
            guild_id, user_id = player(rng)
            return await storage.player_stats(guild_id, user_id)

        async def stats_everywhere(rng: random.Random) -> object:
            return await storage.player_stats(None, player(rng)[1])

        async def deep_page(rng: random.Random) -> object:
            page = rng.randrange(max(1, options.players // 10))
            return await storage.leaderboard(guild_id=None, week_start=None, limit=10, offset=page * 10)

        plan: list[tuple[str, Callable[[random.Random], Awaitable[object]]]] = [
            ("/leaderboard server all-time (size + page 1)", first_page("server", "all")),
            ("/leaderboard global all-time (size + page 1)", first_page("global", "all")),
            ("/leaderboard server week (size + page 1)", first_page("server", "week")),
            ("/leaderboard global week (size + page 1)", first_page("global", "week")),
            ("/stats in a server (random player)", stats_here),
            ("/stats over every server (random player)", stats_everywhere),
        ]
        for name, call in plan:
            results[name] = await _time_calls(name, options.calls, call)
        extra = await _time_calls("global leaderboard, random deep page", max(1, options.calls // 4), deep_page)
        extra["informational"] = True
        results[extra["name"]] = extra
    finally:
        await storage.close()
    return results


async def analyze(database_url: str) -> None:
    """Refresh the planner statistics of every table of a PostgreSQL database."""
    import asyncpg

    connection = await asyncpg.connect(database_url)
    try:
        await connection.execute("ANALYZE")
    finally:
        await connection.close()


async def run_storage(options: StorageOptions) -> dict[str, Any]:
    """Run the storage micro-benchmarks and return their results."""
    postgres = options.database_url is not None
    with tempfile.TemporaryDirectory(prefix="orbit-bench-storage-") as scratch:
        workdir = Path(scratch)
        writes = []
        # The write micro-benchmark needs a fresh database per writer count; on PostgreSQL the load benchmark's
        # `scale` mode measures answer writes through the whole bot instead.
        for writers in () if postgres else options.writers:
            writes.append(await measure_writes(writers, options.write_seconds, workdir))
            log.info("%s writers: %.0f answers/s", writers, writes[-1]["per_second"])
        database, build_seconds, cached = await synthetic_database(options, workdir)
        log.info("database %s ready (built in %.1f s, cached: %s)", database, build_seconds, cached)
        size = database.stat().st_size
        target: str | Path = database
        load_seconds = None
        if options.database_url is not None:
            began = time.perf_counter()
            report = await copy_database(database, options.database_url)
            # As after any bulk load: fresh planner statistics now, rather than whenever autovacuum gets to them.
            await analyze(options.database_url)
            load_seconds = time.perf_counter() - began
            log.info("copied into PostgreSQL and analyzed in %.1f s: %s", load_seconds, report)
            target = options.database_url
            size = int(str(await scalar_reader(target)("SELECT pg_database_size(current_database())", ())))
        queries = await measure_queries(target, options)
    return {
        "machine": machine(),
        "storage": "postgresql" if postgres else "sqlite",
        "answers": options.answers,
        "players": options.players,
        "guilds": options.guilds,
        "build_seconds": build_seconds,
        "postgres_load_seconds": load_seconds,
        "cached": cached,
        "database": str(database) if options.cache else None,
        "database_bytes": size,
        "writes": writes,
        "queries": queries,
    }
