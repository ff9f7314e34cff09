"""Opening one SQLite connection with the house pragmas."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Literal

import aiosqlite

from bot.storage.base import StorageError
from bot.storage.sqlite.errors import domain_errors, is_busy

MIN_SQLITE_VERSION = (3, 37, 0)  # STRICT tables


async def connect(
    path: Path,
    *,
    busy_timeout: float,
    synchronous: Literal["NORMAL", "FULL"],
    max_size_bytes: int | None,
    read_only: bool,
) -> aiosqlite.Connection:
    """Open one connection with the house pragmas (PRAGMA takes no parameters; every value is checked)."""
    with domain_errors():
        connection = await aiosqlite.connect(path, isolation_level=None, timeout=busy_timeout)

    async def pragma(statement: str) -> list[sqlite3.Row]:
        # Fetch every row: a PRAGMA left half-read keeps a read transaction, and so a stale snapshot, open.
        return list(await connection.execute_fetchall(f"PRAGMA {statement}"))

    try:
        connection.row_factory = sqlite3.Row
        with domain_errors():
            await pragma(f"busy_timeout = {round(busy_timeout * 1000)}")
            if not read_only:
                (mode_row,) = await _switch_to_wal(pragma, busy_timeout)
                if str(mode_row[0]).lower() != "wal":
                    raise StorageError(f"could not switch {path} to WAL (journal_mode is {mode_row[0]})")
            await pragma(f"synchronous = {synchronous}")
            await pragma("foreign_keys = ON")
            if read_only:
                await pragma("query_only = ON")
            if max_size_bytes is not None:
                (page_row,) = await pragma("page_size")
                await pragma(max_page_count_pragma(max_size_bytes, int(page_row[0])))
    except BaseException:
        await connection.close()
        raise
    return connection


def max_page_count_pragma(max_size_bytes: int, page_size: int) -> str:
    """Return the PRAGMA (without the keyword) that caps the file at ``max_size_bytes`` (at least one page)."""
    return f"max_page_count = {max(1, max_size_bytes // page_size)}"


Pragma = Callable[[str], Awaitable[list[sqlite3.Row]]]


async def _switch_to_wal(pragma: Pragma, busy_timeout: float) -> list[sqlite3.Row]:
    """Switch the file to WAL, retrying while another connection holds a lock, for up to ``busy_timeout``.

    SQLite fails a journal-mode change at once when it cannot get the lock (the busy timeout does not apply), so
    a short write elsewhere at that moment (a ``/healthz`` probe, a backup) would stop the bot at start.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + busy_timeout
    while True:
        try:
            return await pragma("journal_mode = WAL")
        except sqlite3.OperationalError as error:
            if not is_busy(error) or loop.time() >= deadline:
                raise
        await asyncio.sleep(0.02)


def connect_answer_writer(path: Path, *, max_size_bytes: int | None) -> sqlite3.Connection:
    """Open the connection that writes answers at once on the event loop's thread (see `SQLiteStorage`).

    It never waits: no busy timeout (a lock held elsewhere fails its BEGIN at once, and the answer goes the
    queued way) and no automatic checkpoints (a checkpoint fsyncs; the storage runs them on the writer's
    thread instead). The file is already in WAL mode, and ``synchronous=NORMAL`` makes a COMMIT a write to the
    WAL in the OS page cache, no fsync.
    """
    with domain_errors():
        connection = sqlite3.connect(path, isolation_level=None, timeout=0.0)
        try:
            connection.row_factory = sqlite3.Row
            for statement in ("synchronous = NORMAL", "foreign_keys = ON", "wal_autocheckpoint = 0"):
                connection.execute(f"PRAGMA {statement}").fetchall()
            if max_size_bytes is not None:
                (page_size,) = connection.execute("PRAGMA page_size").fetchone()
                connection.execute(f"PRAGMA {max_page_count_pragma(max_size_bytes, int(page_size))}").fetchall()
        except BaseException:
            connection.close()
            raise
    return connection
