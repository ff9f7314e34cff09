"""Mapping SQLite driver errors to the storage's domain errors."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from bot.storage.base import StorageConflict, StorageError, StorageUnavailable

_UNAVAILABLE_CODES = frozenset(
    {
        sqlite3.SQLITE_BUSY,
        sqlite3.SQLITE_LOCKED,
        sqlite3.SQLITE_FULL,
        sqlite3.SQLITE_IOERR,
        sqlite3.SQLITE_CANTOPEN,
        sqlite3.SQLITE_READONLY,
        sqlite3.SQLITE_NOMEM,
        sqlite3.SQLITE_PROTOCOL,
        sqlite3.SQLITE_CORRUPT,
        sqlite3.SQLITE_NOTADB,
    }
)
_UNIQUE_CODES = frozenset({sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY})


def is_busy(exc: sqlite3.Error) -> bool:
    """Return whether the error says another connection or process holds a lock (busy or locked)."""
    code = getattr(exc, "sqlite_errorcode", None)
    return isinstance(code, int) and code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


def domain_error(exc: sqlite3.Error) -> StorageError | None:
    """Map a driver error to a domain error, or None for errors that mean a bug (bad SQL, misuse)."""
    if isinstance(exc, sqlite3.IntegrityError):
        return StorageConflict(str(exc))
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(code, int) and code & 0xFF in _UNAVAILABLE_CODES:
        return StorageUnavailable(f"database unavailable: {exc}")
    return None


@contextmanager
def domain_errors() -> Iterator[None]:
    """Re-raise driver errors inside the block as domain errors (bugs pass through unchanged)."""
    try:
        yield
    except sqlite3.Error as exc:
        domain = domain_error(exc)
        if domain is None:
            raise
        raise domain from exc


def is_unique_violation(error: StorageConflict) -> bool:
    """Return whether the conflict broke a unique or primary key constraint."""
    return getattr(error.__cause__, "sqlite_errorcode", None) in _UNIQUE_CODES


def is_foreign_key_violation(error: StorageConflict) -> bool:
    """Return whether the conflict broke a foreign key."""
    return getattr(error.__cause__, "sqlite_errorcode", None) == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
