"""`POSTGRESQL`: what the shared queries (`bot.storage.sql.SQLStorage`) need to know of PostgreSQL."""

from __future__ import annotations

import datetime as dt

from bot.storage.postgresql.errors import is_foreign_key_violation, is_unique_violation
from bot.storage.postgresql.rows import encodable, utc, utc_value
from bot.storage.postgresql.statements import (
    LEADERBOARD_ALL_TIME_SQL,
    LEADERBOARD_SIZE_SQL,
    LEADERBOARD_WEEKLY_SQL,
    TOTALS_UPSERT_SQL,
)
from bot.storage.sql import Dialect


def as_stored(day: dt.date) -> dt.date:
    """Return a date as asyncpg binds and returns it: unchanged."""
    return day


POSTGRESQL = Dialect(
    time=utc,
    time_value=utc_value,
    date=as_stored,
    date_value=as_stored,
    text=encodable,
    is_unique_violation=is_unique_violation,
    is_foreign_key_violation=is_foreign_key_violation,
    totals_upsert_sql=TOTALS_UPSERT_SQL,
    leaderboard_all_time_sql=LEADERBOARD_ALL_TIME_SQL,
    leaderboard_weekly_sql=LEADERBOARD_WEEKLY_SQL,
    leaderboard_size_sql=LEADERBOARD_SIZE_SQL,
)
"""timestamptz and date values as asyncpg maps them, booleans as bool, text without NUL or lone surrogates."""
