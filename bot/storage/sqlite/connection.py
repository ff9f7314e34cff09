"""Opening one SQLite connection with the house pragmas."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Literal

import aiosqlite

from bot.storage.base import StorageError
from bot.storage.sqlite.errors import domain_errors

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
                (mode_row,) = await pragma("journal_mode = WAL")
                if str(mode_row[0]).lower() != "wal":
                    raise StorageError(f"could not switch {path} to WAL (journal_mode is {mode_row[0]})")
            await pragma(f"synchronous = {synchronous}")
            await pragma("foreign_keys = ON")
            if read_only:
                await pragma("query_only = ON")
            if max_size_bytes is not None:
                (page_row,) = await pragma("page_size")
                await pragma(f"max_page_count = {max(1, max_size_bytes // int(page_row[0]))}")
    except BaseException:
        await connection.close()
        raise
    return connection
