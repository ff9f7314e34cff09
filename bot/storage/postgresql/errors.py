"""Mapping asyncpg errors to the storage's domain errors."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import asyncpg

from bot.storage.base import StorageConflict, StorageError, StorageUnavailable


class TransientConflict(StorageUnavailable):
    """A deadlock or serialization failure: the whole transaction may simply be run again."""


_UNAVAILABLE = (
    asyncpg.PostgresConnectionError,  # the server went away, refused us, or the connection broke
    asyncpg.exceptions.InsufficientResourcesError,  # disk full, out of memory, too many connections
    asyncpg.exceptions.OperatorInterventionError,  # admin shutdown, statement cancelled, cannot connect now
    asyncpg.exceptions.LockNotAvailableError,  # lock_timeout
    asyncpg.exceptions.ReadOnlySQLTransactionError,  # a standby, or default_transaction_read_only
    OSError,
    TimeoutError,
)
_TRANSIENT = (asyncpg.exceptions.DeadlockDetectedError, asyncpg.exceptions.SerializationError)


def domain_error(exc: BaseException) -> StorageError | None:
    """Map a driver error to a domain error, or None for errors that mean a bug (bad SQL, misuse)."""
    if isinstance(exc, _TRANSIENT):
        return TransientConflict(f"database conflict, try again: {exc}")
    if isinstance(exc, asyncpg.IntegrityConstraintViolationError):
        return StorageConflict(str(exc))
    if isinstance(exc, _UNAVAILABLE):
        return StorageUnavailable(f"database unavailable: {exc}")
    if isinstance(exc, asyncpg.InterfaceError) and "closed" in str(exc):
        return StorageUnavailable(f"database unavailable: {exc}")
    return None


@contextmanager
def domain_errors() -> Iterator[None]:
    """Re-raise driver errors inside the block as domain errors (bugs pass through unchanged)."""
    try:
        yield
    except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError, TimeoutError) as exc:
        domain = domain_error(exc)
        if domain is None:
            raise
        raise domain from exc


def is_unique_violation(error: StorageConflict) -> bool:
    """Return whether the conflict broke a unique or primary key constraint."""
    return isinstance(error.__cause__, asyncpg.UniqueViolationError)


def is_foreign_key_violation(error: StorageConflict) -> bool:
    """Return whether the conflict broke a foreign key."""
    return isinstance(error.__cause__, asyncpg.ForeignKeyViolationError)
