"""Helpers for the fault and bad-input tests: the bot as a child process, raw interactions, and database checks.

Everything here talks to 127.0.0.1 only (the fake Discord) and every wait is bounded.
"""

# The wait helpers take a plain timeout argument, like FakeDiscord's.
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import contextlib
import copy
import itertools
import logging
import os
import re
import signal
import sqlite3
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fake_discord import FakeDiscord
from fake_discord.payloads import DISCORD_EPOCH_MS, new_token

Json = dict[str, Any]

REPLY_SLA = 3.0
"""Discord shows "This interaction failed" when a bot hasn't answered within 3 seconds."""

EPHEMERAL = 64


# --------------------------------------------------------------------------- the bot as a child process


@dataclass
class BotProcess:
    """``python -m bot`` in a child process; its stderr is kept line by line."""

    process: asyncio.subprocess.Process
    log: list[str] = field(default_factory=list)
    reader: asyncio.Task[None] | None = None

    def start_reading(self) -> None:
        """Collect stderr in the background."""
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.process.stderr is not None
        async for raw in self.process.stderr:
            self.log.append(raw.decode(errors="replace").rstrip("\n"))

    @property
    def running(self) -> bool:
        """Return whether the process is still alive."""
        return self.process.returncode is None

    async def stop(self, sig: int = signal.SIGKILL, timeout: float = 10) -> int:
        """Send ``sig`` (SIGKILL by default: none of the bot's clean-up runs) and wait for the exit code."""
        if self.process.returncode is None:
            self.process.send_signal(sig)
        code = await asyncio.wait_for(self.process.wait(), timeout)
        if self.reader is not None:
            await asyncio.wait({self.reader}, timeout=5)
        return code


def bot_env(fake: FakeDiscord, database: Path, **extra: str) -> dict[str, str]:
    """Return the environment of ``python -m bot`` pointed at ``fake`` with its database at ``database``."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DISCORD_", "DATABASE_"))}
    env.update(
        {
            "DISCORD_TOKEN": fake.token,
            "DATABASE_PATH": str(database),
            "DEV_GUILD_IDS": str(fake.guild_id),
            "DISCORD_API_BASE": fake.base_url,
            "ROUND_PAUSE_SECONDS": "0",
            # The fake sends every server's data at once: nothing to wait for (discord.py waits 2 s by default).
            "GUILD_READY_TIMEOUT": "0.05",
            # The fake enforces no rate limit: space channel writes 10x faster than Discord needs (~0.1 s).
            "WRITE_CLOCK_SPEED": "10",
            "LOG_LEVEL": "INFO",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(extra)
    return env


@contextlib.asynccontextmanager
async def bot_process(env: Mapping[str, str], workdir: Path, *args: str) -> AsyncIterator[BotProcess]:
    """Run ``python -m bot ARGS`` in ``workdir`` (which has no .env); always SIGKILL it on exit."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        cwd=workdir,
        env=dict(env),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    child = BotProcess(process)
    child.start_reading()
    try:
        yield child
    finally:
        await child.stop()


@dataclass(frozen=True)
class Finished:
    """A finished command line: exit code, output and how long it took."""

    code: int
    stdout: str
    stderr: str
    seconds: float


async def run_command(
    *args: str, env: Mapping[str, str] | None = None, cwd: Path | None = None, timeout: float = 20
) -> Finished:
    """Run ``python ARGS`` to the end (killing it after ``timeout``) and return what it printed."""
    started = time.monotonic()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        *args,
        cwd=cwd,
        env=dict(env) if env is not None else None,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(process.communicate(), timeout)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise AssertionError(f"python {' '.join(args)[:200]} did not finish within {timeout}s") from None
    assert process.returncode is not None
    return Finished(
        process.returncode, out.decode(errors="replace"), err.decode(errors="replace"), time.monotonic() - started
    )


# --------------------------------------------------------------------------- raw interactions


_forged_ids = itertools.count()


def _forged_id() -> int:
    """Return a snowflake of this moment (the bot reads an interaction's age from its id), from a worker id
    of its own (bit 21) so that it never equals an id the fake hands out."""
    ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
    return ms << 22 | 1 << 21 | next(_forged_ids) % (1 << 17)


def _renewed(payload: Json) -> Json:
    """Return a deep copy with a new interaction id and token, so it is a separate interaction."""
    forged = copy.deepcopy(payload)
    forged["id"], forged["token"] = str(_forged_id()), new_token()
    return forged


def leaf_options(payload: Json) -> list[Json]:
    """Return the option list of the (sub)command a CHAT_INPUT payload invokes, creating it if needed."""
    data = payload["data"]
    options: list[Json] = data.setdefault("options", [])
    while options and options[0].get("type") in (1, 2):
        options = options[0].setdefault("options", [])
    return options


def with_option(payload: Json, name: str, value: Any, option_type: int | None = None) -> Json:
    """Return a copy of ``payload`` whose option ``name`` is ``value`` (added if missing), as a modified client."""
    forged = _renewed(payload)
    options = leaf_options(forged)
    option = next((o for o in options if o["name"] == name), None)
    if option is None:
        option = {"name": name, "type": option_type if option_type is not None else 3}
        options.append(option)
    option["value"] = value
    if option_type is not None:
        option["type"] = option_type
    return forged


def without_option(payload: Json, name: str) -> Json:
    """Return a copy of ``payload`` without option ``name``."""
    forged = _renewed(payload)
    options = leaf_options(forged)
    options[:] = [o for o in options if o["name"] != name]
    return forged


def with_custom_id(payload: Json, custom_id: str, *, on_message: bool = False) -> Json:
    """Return a copy of a click with another custom_id; ``on_message`` also puts that button on the message."""
    forged = _renewed(payload)
    old = forged["data"]["custom_id"]
    forged["data"]["custom_id"] = custom_id
    if on_message:
        for row in forged["message"]["components"]:
            for component in row.get("components", []):
                if component.get("custom_id") == old:
                    component["custom_id"] = custom_id
    return forged


def in_channel(payload: Json, channel_id: int, guild_id: int | None = None) -> Json:
    """Return a copy of an interaction that claims to come from another channel (and guild)."""
    forged = _renewed(payload)
    forged["channel_id"] = str(channel_id)
    forged["channel"] = {**forged["channel"], "id": str(channel_id)}
    if guild_id is not None:
        forged["guild_id"] = str(guild_id)
        forged["guild"] = {**forged["guild"], "id": str(guild_id)}
        forged["channel"]["guild_id"] = str(guild_id)
    return forged


def fresh(payload: Json) -> Json:
    """Return a copy of an interaction with a new id and token, so it can be sent again."""
    return _renewed(payload)


async def send_all(fake: FakeDiscord, payloads: Iterable[Json], timeout: float = REPLY_SLA) -> list[Json | None]:
    """Send interactions at once and return each one's reply (None if it got no callback in ``timeout``).

    A reply is the callback body; for a deferred one ("thinking…", type 5), the body of the followup that
    completes it, which the bot sends when its work is done.
    """
    sent = list(payloads)
    for payload in sent:
        await fake.send_interaction(payload)
    records = [fake.interactions[payload["token"]] for payload in sent]
    with contextlib.suppress(TimeoutError):
        await fake.wait_for(lambda: all(r.callback_type is not None for r in records), timeout)
    replies: list[Json | None] = []
    for record in records:
        if record.callback_type is None:
            replies.append(None)
        elif record.callback_type == 5:
            (followup,) = (await fake.followups(record.token, 1, timeout=20))[:1]
            replies.append({"type": 5, "content": followup.get("content"), "flags": int(followup.get("flags") or 0)})
        else:
            replies.append({"type": record.callback_type, **(record.callback_data or {})})
    return replies


def unanswered(fake: FakeDiscord) -> list[str]:
    """Return a description of every interaction that got no callback (or whose callback was refused)."""
    return [
        f"{record.id} {record.payload.get('data', {}).get('name') or record.payload.get('data', {}).get('custom_id')}"
        f" (rejected: {record.rejection})"
        for record in fake.interactions.values()
        if record.callback_type is None
    ]


def error_records(records: Iterable[logging.LogRecord], *expected: str) -> list[str]:
    """Return the ERROR (and worse) log lines, leaving out those matching one of the ``expected`` patterns."""
    found = []
    for record in records:
        if record.levelno < logging.ERROR:
            continue
        line = f"{record.name}: {record.getMessage()}"
        if not any(re.search(pattern, line) for pattern in expected):
            found.append(line + (f"\n{record.exc_text}" if record.exc_text else ""))
    return found


async def eventually(condition: Callable[[], object], timeout: float = 5, what: str = "a condition") -> None:
    """Poll in-process or database state (the fake's wait_for only wakes up on what the fake records)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(0.02)


# --------------------------------------------------------------------------- the database, read from outside


def read_only(database: Path) -> sqlite3.Connection:
    """Open the bot's database read-only (safe while the bot runs: WAL readers see committed data only)."""
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=5)
    connection.row_factory = sqlite3.Row
    return connection


def query(database: Path, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Run one read-only query on the bot's database and return its rows."""
    with contextlib.closing(read_only(database)) as connection:
        return [tuple(row) for row in connection.execute(sql, params)]


async def wait_question_stored(database: Path) -> None:
    """Wait until the bot stored the message of its latest question: that question's post is over."""
    latest = "SELECT message_id IS NOT NULL FROM round_questions ORDER BY id DESC LIMIT 1"
    await eventually(lambda: query(database, latest) == [(1,)], what="the question's message id in the database")


TABLES = (
    "guild_settings",
    "rounds",
    "round_questions",
    "answers",
    "player_totals",
    "player_weekly",
    "guild_aliases",
    "disputes",
)


def snapshot(database: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Return every row of every data table (the meta table, written at start-up, is left out)."""
    with contextlib.closing(read_only(database)) as connection:
        return {
            table: [tuple(row) for row in connection.execute(f"SELECT * FROM {table} ORDER BY 1, 2")]
            for table in TABLES
        }


def consistency_problems(database: Path) -> list[str]:
    """Return what is wrong with the database: integrity, and totals that don't add up from the answers."""
    problems: list[str] = []
    with contextlib.closing(read_only(database)) as connection:
        integrity = [row[0] for row in connection.execute("PRAGMA integrity_check")]
        if integrity != ["ok"]:
            problems.append(f"integrity_check: {integrity}")
        problems.extend(f"foreign key: {tuple(row)}" for row in connection.execute("PRAGMA foreign_key_check"))
        # Totals count scored answers only (a question of an interrupted round is never scored); an accepted
        # dispute rewrites its answer's points and moves the totals by the difference.
        sums = {
            (row["guild_id"], row["user_id"]): (row["points"], row["answers"], row["correct"])
            for row in connection.execute(
                """
                SELECT a.guild_id, a.user_id, sum(a.points) AS points,
                       count(*) AS answers, sum(coalesce(a.correct, 0)) AS correct
                FROM answers AS a JOIN round_questions AS rq ON rq.id = a.round_question_id
                WHERE rq.closed_at IS NOT NULL
                GROUP BY a.guild_id, a.user_id
                """
            )
        }
        unscored_points = connection.execute(
            """
            SELECT count(*) FROM answers AS a JOIN round_questions AS rq ON rq.id = a.round_question_id
            WHERE rq.closed_at IS NULL AND a.points != 0
            """
        ).fetchone()[0]
        if unscored_points:
            problems.append(f"{unscored_points} answers to unscored questions carry points")
        totals = {
            (row["guild_id"], row["user_id"]): (row["points"], row["answers"], row["correct"])
            for row in connection.execute("SELECT guild_id, user_id, points, answers, correct FROM player_totals")
        }
        for key in sorted(set(sums) | {k for k in totals if k[0] != 0}):
            if totals.get(key, (0, 0, 0)) != sums.get(key, (0, 0, 0)):
                problems.append(f"totals {key}: stored {totals.get(key)} but answers add up to {sums.get(key)}")
        everywhere: dict[int, tuple[int, int, int]] = {}
        for (guild_id, user_id), (points, answers, correct) in totals.items():
            if guild_id > 0:  # Discord guilds; a negative guild id (the terminal's) never counts in all guilds
                p, a, c = everywhere.get(user_id, (0, 0, 0))
                everywhere[user_id] = (p + points, a + answers, c + correct)
        for (guild_id, user_id), values in totals.items():
            if guild_id == 0 and values != everywhere.get(user_id, (0, 0, 0)):
                problems.append(f"global totals of {user_id}: {values} != sum over guilds {everywhere.get(user_id)}")
    return problems


def round_statuses(database: Path) -> dict[int, str]:
    """Return the status of every round, by id."""
    with contextlib.closing(read_only(database)) as connection:
        return {row["id"]: row["status"] for row in connection.execute("SELECT id, status FROM rounds")}


# --------------------------------------------------------------------------- the bot's own disk, stalled or full


class _TroubledDisk:
    """The writer's sqlite3 connection, whose COMMITs stall or fail; everything else goes to the real one."""

    def __init__(self, real: sqlite3.Connection, stall: float, full: bool) -> None:
        self._real, self._stall, self._full = real, stall, full

    def execute(self, sql: str, parameters: Any = ()) -> sqlite3.Cursor:
        if sql.strip().upper() == "COMMIT":
            if self._stall:
                time.sleep(self._stall)  # on the connection's thread, as a stalled disk would
            if self._full:
                error = sqlite3.OperationalError("database or disk is full")
                error.sqlite_errorcode = sqlite3.SQLITE_FULL
                raise error
        return self._real.execute(sql, parameters)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


@contextlib.contextmanager
def disk_trouble(storage: object, *, stall: float = 0.0, full: bool = False) -> Iterator[None]:
    """Make every COMMIT of the bot's storage take ``stall`` seconds longer, or fail as on a full disk.

    SQLite writes a transaction's pages at COMMIT, so that is where a stalled or full disk shows: the
    transaction is rolled back and the error is SQLITE_FULL, as the real one would be. The writer's sqlite3
    connection is swapped under aiosqlite, so COMMITs sent one by one and those of a whole answer batch run
    on the writer's thread (`SQLiteStorage._write_answer_batch`) are both caught; so is the connection that
    commits answers at once on the loop's thread, if the storage has one.
    """
    writer = storage._writer  # type: ignore[attr-defined]
    real = writer._connection
    writer._connection = _TroubledDisk(real, stall, full)
    # With SQLITE_ANSWER_WRITES=at_once, the connection that commits answers on the loop's thread has the same disk.
    at_once = getattr(storage, "_answer_writer", None)
    if at_once is not None:
        storage._answer_writer = _TroubledDisk(at_once, stall, full)  # type: ignore[attr-defined]
    try:
        yield
    finally:
        writer._connection = real
        if at_once is not None:
            storage._answer_writer = at_once  # type: ignore[attr-defined]
