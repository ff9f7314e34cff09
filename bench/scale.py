"""The ``scale`` benchmark: answers per second and p99 of the trivia bot on SQLite and on PostgreSQL, with one or
several bot processes over one database, measured side by side in one run by the same click-rate ramp.

Several processes are the shards of ONE bot, as in production: process i runs with ``SHARD_COUNT=N`` and
``SHARD_IDS=i``, all logged in to one local fake Discord whose gateway sends each guild's events to the process
holding the guild's shard (``(guild_id >> 22) % N``), and all store in one PostgreSQL database. Each shard holds
an equal share of the channels (in guilds of its own shard); the same player ids play in every guild, so global
totals rows are written by every process. Shard 0 syncs the commands; the click rate is split evenly over the
processes and offered to all at once.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import statistics
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import asyncpg

from bench.run import machine
from bench.systems import System, build_world
from bench.workloads import ClickLoad, ClickLoadGroup, Profile, Ramp, ramp
from fake_discord import FakeDiscord
from questions.loader import default_seeds_dir

log = logging.getLogger(__name__)

SQLITE = "sqlite"
POSTGRESQL = "postgresql"
STORAGES = (SQLITE, POSTGRESQL)


@dataclass(frozen=True)
class Setup:
    """One configuration under test: a storage backend and how many bot processes share it."""

    storage: str
    processes: int

    @property
    def label(self) -> str:
        """Return a short name, e.g. ``postgresql x2``."""
        return f"{self.storage} x{self.processes}"


DEFAULT_SETUPS = (Setup(SQLITE, 1), Setup(POSTGRESQL, 1), Setup(POSTGRESQL, 2))


def check_setup(setup: Setup) -> None:
    """Refuse a configuration the bot cannot run, with the reason."""
    if setup.storage not in STORAGES:
        raise SystemExit(f"--storage must be one of {', '.join(STORAGES)}")
    if setup.processes < 1:
        raise SystemExit("--processes must be at least 1")
    if setup.storage == SQLITE and setup.processes > 1:
        raise SystemExit(
            "--processes above 1 needs --storage postgresql: one SQLite file has a single writer and cannot be "
            "shared by bot processes (the point of PostgreSQL, issue 9)"
        )


class Databases:
    """Hands out one empty PostgreSQL database per setup: from a throwaway cluster, or a given server."""

    def __init__(self, database_url: str | None) -> None:
        self.database_url = database_url
        self.cluster: Any = None
        self.created = 0

    async def new(self) -> str:
        """Return the URL of an empty database (with ``--database-url``: that database, used as it is)."""
        if self.database_url is not None:
            return self.database_url
        if self.cluster is None:
            import asyncio

            from bench.postgres_cluster import PostgresCluster

            self.cluster = await asyncio.to_thread(PostgresCluster.start)
            log.info("throwaway PostgreSQL cluster on port %s", self.cluster.port)
        self.created += 1
        return str(await self.cluster.create_database(f"bench_scale_{self.created}"))

    def stop(self) -> None:
        """Stop the throwaway cluster, if one was started."""
        if self.cluster is not None:
            self.cluster.stop()
            self.cluster = None


@contextlib.asynccontextmanager
async def started(systems: list[System], env: dict[str, str]) -> AsyncIterator[None]:
    """Start every system, shard 0 first (they migrate the same database, and shard 0 syncs the commands the
    others wait for), and the fake they share if they do; always stop them all, and the shared fake last."""
    shared = [] if systems[0].owns_fake else [systems[0].fake]
    try:
        for fake in shared:
            await fake.start()
        for system in systems:
            await system.start(env)
        yield
    finally:
        try:
            for system in systems:
                await system.stop()
        finally:
            for fake in shared:
                await fake.stop()


def shard_systems(
    setup: Setup, per_process: int, players: int, folder: Path, url: str | None, worker: int
) -> list[System]:
    """Return the setup's bot processes: one unsharded process, or the N shard processes of one bot on one fake."""
    name = f"{setup.storage}x{setup.processes}"
    if setup.processes == 1:
        return [System(f"{name}-0", "bot", per_process, players, folder, database_url=url, worker=worker)]
    systems: list[System] = []
    fake: FakeDiscord | None = None  # built with the first shard's guilds, shared by the others
    for shard_id in range(setup.processes):
        shard = (shard_id, setup.processes)
        fake, channels = build_world(per_process, players, worker, into=fake, shard=shard)
        system = System(
            f"{name}-{shard_id}",
            "bot",
            per_process,
            players,
            folder,
            database_url=url,
            world=(fake, channels),
            shard=shard,
        )
        systems.append(system)
    return systems


@dataclass
class Running:
    """One setup's bot processes, started, and the click load that drives them."""

    setup: Setup
    systems: list[System]
    load: ClickLoad | ClickLoadGroup
    per_process: int


async def start_setup(
    setup: Setup, profile: Profile, workdir: Path, databases: Databases, first_worker: int, stack: AsyncExitStack
) -> Running:
    """Start one setup's processes (stopped when ``stack`` closes) over a fresh database."""
    check_setup(setup)
    url = await databases.new() if setup.storage == POSTGRESQL else None
    per_process = max(1, profile.channels // setup.processes)
    folder = workdir / setup.label.replace(" ", "")
    folder.mkdir(parents=True, exist_ok=True)
    systems = shard_systems(setup, per_process, profile.players, folder, url, first_worker)
    env = {"ROUND_PAUSE_SECONDS": str(profile.pause), "QUESTION_SEED": "0", "SEEDS_DIR": str(default_seeds_dir())}
    await stack.enter_async_context(started(systems, env))
    loads = [ClickLoad(system, trivia=True) for system in systems]
    return Running(setup, systems, loads[0] if len(loads) == 1 else ClickLoadGroup(loads), per_process)


def _figures(running: Running, result: Ramp) -> dict[str, Any]:
    steps = [step.as_dict() for step in result.steps]
    best = [s for s in steps if s["sustained"] and s["offered_rate"] == result.best]
    first = steps[0] if steps else None
    return {
        "setup": asdict(running.setup),
        "label": running.setup.label,
        "channels_per_process": running.per_process,
        "steps": steps,
        "best_rate": result.best,
        "best_achieved": best[0]["clicks"]["per_second"] if best else 0.0,
        "p99_at_best": best[0]["clicks"]["p99"] if best else None,
        "p99_at_first_step": first["clicks"]["p99"] if first else None,
        "first_step_rate": first["offered_rate"] if first else None,
        "first_failed_rate": result.failed,
        "other_percent": statistics.fmean(s["other_cpu_percent"] for s in steps) if steps else 0.0,
        "steal_percent": statistics.fmean(s["steal_percent"] for s in steps) if steps else 0.0,
        "processes": [system.child.pid for system in running.systems if system.child is not None],
        "shards": [list(system.shard) if system.shard is not None else None for system in running.systems],
    }


async def run_scale(
    profile: Profile, workdir: Path, setups: tuple[Setup, ...], database_url: str | None = None
) -> dict[str, Any]:
    """Start every setup at once, ramp them to saturation taking their steps in turn (so a change in the
    machine's speed, a busy neighbour say, weighs on all alike), and return the results as plain data."""
    for setup in setups:
        check_setup(setup)
    databases = Databases(database_url)
    results: dict[str, Any] = {"profile": asdict(profile), "machine": machine(), "setups": []}
    try:
        async with AsyncExitStack() as stack:
            runs: list[Running] = []
            worker = 1
            for setup in setups:
                log.info("scale: starting %s", setup.label)
                runs.append(await start_setup(setup, profile, workdir, databases, worker, stack))
                worker += setup.processes
            ramps = await ramp(*(running.load for running in runs), profile=profile)
            for running, result in zip(runs, ramps, strict=True):
                await running.load.finish()
                figures = _figures(running, result)
                figures["answers_stored_per_process"] = [await answers_in_guilds(s) for s in running.systems]
                results["setups"].append(figures)
    finally:
        databases.stop()
    return results


async def answers_in_guilds(system: System) -> dict[str, int]:
    """Return the answers the database holds from this system's guilds and their attempts (every click that
    recorded or changed an answer adds one): proof that this process wrote what was clicked."""
    guilds = sorted({channel.guild_id for channel in system.channels})
    if system.database_url is None:
        marks = ", ".join("?" for _ in guilds)
        sql = f"SELECT count(*), coalesce(sum(attempts), 0) FROM answers WHERE guild_id IN ({marks})"
        with contextlib.closing(sqlite3.connect(f"file:{system.database}?mode=ro", uri=True)) as lite:
            rows, attempts = lite.execute(sql, guilds).fetchone()
    else:
        connection = await asyncpg.connect(system.database_url)
        try:
            record = await connection.fetchrow(
                "SELECT count(*), coalesce(sum(attempts), 0) FROM answers WHERE guild_id = ANY($1::bigint[])", guilds
            )
            rows, attempts = (0, 0) if record is None else (record[0], record[1])
        finally:
            await connection.close()
    return {"answers": int(rows), "attempts": int(attempts)}
