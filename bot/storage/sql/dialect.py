"""`Dialect`: how one SQL backend differs under the queries they share, and `Row`, what a driver row offers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from bot.storage.base import StorageConflict


class Row(Protocol):
    """A driver row (``sqlite3.Row``, ``asyncpg.Record``): values by column name or position."""

    def __getitem__(self, key: str | int, /) -> Any:
        """Return the value of a column."""

    def keys(self) -> Iterable[str]:
        """Return the column names, in order."""


@dataclass(frozen=True, slots=True)
class Dialect:
    """What one backend encodes, decodes and runs differently; the shared queries take everything else from SQL
    written once (`bot.storage.sql.statements`)."""

    time: Callable[[dt.datetime], object]
    """Encode an aware datetime as the driver stores it (a naive one raises ``ValueError``)."""
    time_value: Callable[[Any], dt.datetime]
    """Decode a stored time, as an aware datetime in UTC."""
    date: Callable[[dt.date], object]
    """Encode a date (a week's Monday, a document's date)."""
    date_value: Callable[[Any], dt.date]
    """Decode a stored date."""
    text: Callable[[str], str]
    """Return user text the database can store (what it cannot is replaced by '?')."""
    is_unique_violation: Callable[[StorageConflict], bool]
    """Whether a conflict broke a unique or primary key constraint."""
    is_foreign_key_violation: Callable[[StorageConflict], bool]
    """Whether a conflict broke a foreign key."""
    totals_upsert_sql: str
    """Add to one player_totals row. Parameters: scope, user, points, answers, correct, best streak, rounds
    played, rounds won."""
    leaderboard_all_time_sql: str
    """A page of all-time standings with ``above`` on each row. Parameters: scope, limit, offset."""
    leaderboard_weekly_sql: str
    """A page of a week's standings with ``above``. Parameters: scope, limit, offset, week start."""
    leaderboard_size_sql: str
    """A leaderboard's player count. Parameters: scope, week start (None: all time)."""
