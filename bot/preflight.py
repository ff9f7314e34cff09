"""Checks of the configuration made before the bot starts, each failing with one line that names the setting."""

from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path

EXIT_CONFIG = 2
"""Exit code of every configuration problem (a bad or missing setting, a database the bot cannot use)."""


class ConfigError(Exception):
    """A setting the bot cannot run with; ``str()`` is the one line shown to the operator."""

    def __init__(self, setting: str, problem: str) -> None:
        super().__init__(f"{setting}: {problem}")
        self.setting = setting


def check_database(path: Path) -> None:
    """Make sure ``DATABASE_PATH`` names a SQLite file this user can create, read and write; raise ConfigError.

    A new database is created (empty) here, like the bot would create it. A database another process is
    writing to right now (locked) counts as usable.
    """
    folder = path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ConfigError("DATABASE_PATH", f"cannot create the folder {folder}: {_reason(error)}") from None
    if path.is_dir():
        raise ConfigError("DATABASE_PATH", f"{path} is a folder: name a file in it, such as {path / 'trivia.db'}")
    if path.exists() and not path.is_file():
        raise ConfigError("DATABASE_PATH", f"{path} is not a regular file")
    problem = database_write_problem(path)
    if problem is not None:
        raise ConfigError("DATABASE_PATH", problem)


def database_write_problem(path: Path, timeout: float = 2.0, *, busy_is_fine: bool = True) -> str | None:
    """Return why the SQLite file at ``path`` cannot be read and written by this process, or None if it can.

    The probe starts a write transaction and rolls it back, so it changes nothing. ``/healthz`` uses it too,
    with ``busy_is_fine=False``: a write lock held by someone else for longer than ``timeout`` is a problem
    for a running bot (its own writes wait only a little longer), while at start it usually passes.
    """
    try:
        connection = sqlite3.connect(path, timeout=timeout, isolation_level=None)
    except sqlite3.Error as error:
        return f"cannot open {path}: {error} ({_who()})"
    try:
        connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
        connection.execute("BEGIN IMMEDIATE")
        # A no-op write: SQLite only refuses a read-only file when a page is about to change.
        version = connection.execute("PRAGMA user_version").fetchone()[0]
        connection.execute(f"PRAGMA user_version = {int(version)}")
        connection.execute("ROLLBACK")
    except sqlite3.DatabaseError as error:
        return _database_problem(path, error, busy_is_fine=busy_is_fine, timeout=timeout)
    finally:
        with contextlib.suppress(sqlite3.Error):
            connection.close()
    return None


def _database_problem(path: Path, error: sqlite3.DatabaseError, *, busy_is_fine: bool, timeout: float) -> str | None:
    name = getattr(error, "sqlite_errorname", "")
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        if busy_is_fine:
            return None  # another process holds the write lock for now: the file itself is fine
        return f"{path} is locked: another process has held its write lock for over {timeout:g} s"
    if name.startswith("SQLITE_READONLY") or "readonly" in str(error):
        return (
            f"{path} is read-only for this user ({_who()}): give it write access to the file and to its folder "
            "(SQLite writes its -wal and -shm files beside it)"
        )
    if name.startswith(("SQLITE_NOTADB", "SQLITE_CORRUPT")):
        return f"{path} is not a SQLite database or is damaged ({error}): restore a backup or move the file away"
    if name.startswith("SQLITE_CANTOPEN"):
        return f"cannot open {path}: {error} ({_who()})"
    return f"cannot use {path}: {error}"


def _reason(error: OSError) -> str:
    return error.strerror or str(error)


def _who() -> str:
    if hasattr(os, "geteuid"):
        return f"user id {os.geteuid()}"
    return "this user"
