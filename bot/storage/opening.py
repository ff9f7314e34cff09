"""Choosing and opening the backend: a ``postgresql://`` URL opens PostgreSQL, anything else is a SQLite file."""

from __future__ import annotations

from pathlib import Path

from bot.storage.postgresql import PostgresStorage
from bot.storage.sqlite import SQLiteStorage

POSTGRES_SCHEMES = ("postgresql://", "postgres://")

AnyStorage = SQLiteStorage | PostgresStorage
"""Every backend `open_storage` can return (each implements `Storage`)."""


def is_postgres_url(target: str | Path) -> bool:
    """Return whether `target` names a PostgreSQL database rather than a SQLite file."""
    return isinstance(target, str) and target.startswith(POSTGRES_SCHEMES)


async def open_storage(
    target: str | Path, *, busy_timeout: float = 5.0, sqlite_answers_at_once: bool = False, answer_window: float = 0.0
) -> AnyStorage:
    """Open and migrate the database `target` names: a PostgreSQL URL, or the path of a SQLite file.

    `busy_timeout` is how long a write waits for a lock another process holds before `StorageUnavailable`;
    `sqlite_answers_at_once` is `SQLiteStorage.open`'s ``answers_at_once`` (PostgreSQL ignores it); `answer_window`
    is the answers' commit window in seconds (bot/storage/answer_writer.py).
    """
    if is_postgres_url(target):
        return await PostgresStorage.open(str(target), lock_timeout=max(busy_timeout, 0.1), answer_window=answer_window)
    return await SQLiteStorage.open(
        target, busy_timeout=busy_timeout, answers_at_once=sqlite_answers_at_once, answer_window=answer_window
    )
