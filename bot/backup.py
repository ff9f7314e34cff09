"""Copy the live SQLite database safely, with SQLite's online backup API, while the bot keeps running."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from bot.preflight import ConfigError

BUSY_TIMEOUT_SECONDS = 10.0
"""How long the backup waits for a lock the bot holds (a WAL checkpoint) before giving up."""


@dataclass(frozen=True)
class BackupReport:
    """What a backup wrote."""

    source: Path
    destination: Path
    size_bytes: int
    schema_version: int


def default_destination(database: Path, now: dt.datetime | None = None) -> Path:
    """Return ``<database folder>/backups/<name>-YYYYmmdd-HHMMSS.db`` (UTC)."""
    stamp = (now or dt.datetime.now(dt.UTC)).strftime("%Y%m%d-%H%M%S")
    return database.parent / "backups" / f"{database.stem}-{stamp}.db"


def backup_database(database: Path, destination: Path | None = None) -> BackupReport:
    """Copy ``database`` to ``destination`` (a file, or a folder to put a dated file in) and verify the copy.

    The copy is one consistent snapshot: in WAL mode the bot keeps writing while it is taken (a reader never
    blocks a writer), and changes made after the snapshot began are not in it. The copy is written to a
    temporary file, checked with ``PRAGMA integrity_check`` and only then renamed into place, so a failed
    backup never leaves a half-written file under the final name. Raises ConfigError on a bad path.
    """
    if not database.is_file():
        raise ConfigError("DATABASE_PATH", f"there is no database at {database}")
    if destination is None:
        target = default_destination(database)
    elif destination.is_dir():
        target = destination / default_destination(database).name
    else:
        target = destination
    if target.resolve() == database.resolve():
        raise ConfigError("backup", "the destination is the live database itself")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ConfigError("backup", f"cannot create the folder {target.parent}: {error.strerror or error}") from None
    partial = target.with_name(f".{target.name}.partial")
    try:
        source = sqlite3.connect(f"{database.resolve().as_uri()}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_SECONDS)
    except sqlite3.Error as error:
        raise ConfigError("DATABASE_PATH", f"cannot open {database}: {error}") from None
    try:
        partial.unlink(missing_ok=True)
        copy = sqlite3.connect(partial)
        try:
            # pages=-1 copies everything in one step under one read transaction: a consistent snapshot that
            # a concurrent writer (on WAL) neither blocks nor forces to restart, unlike a page-by-page copy.
            source.backup(copy, pages=-1)
            verdict = copy.execute("PRAGMA integrity_check").fetchone()[0]
            schema_version = int(copy.execute("PRAGMA user_version").fetchone()[0])
            copy.execute("PRAGMA journal_mode = DELETE")  # one self-contained file, no -wal beside it
        finally:
            copy.close()
        if verdict != "ok":
            raise ConfigError("backup", f"the copy of {database} failed its integrity check: {verdict}")
        os.replace(partial, target)
    except sqlite3.DatabaseError as error:
        raise ConfigError("DATABASE_PATH", f"cannot back up {database}: {error}") from None
    finally:
        source.close()
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)
    return BackupReport(database, target, target.stat().st_size, schema_version)
