"""`SQLITE`: what the shared queries (`bot.storage.sql.SQLStorage`) need to know of SQLite."""

from __future__ import annotations

import datetime as dt

from bot.storage.sql import Dialect
from bot.storage.sqlite.errors import is_foreign_key_violation, is_unique_violation
from bot.storage.sqlite.rows import date_value, encodable, time_text, time_value
from bot.storage.sqlite.statements import (
    LEADERBOARD_ALL_TIME_SQL,
    LEADERBOARD_SIZE_SQL,
    LEADERBOARD_WEEKLY_SQL,
    TOTALS_UPSERT_SQL,
)


def date_text(day: dt.date) -> str:
    """Return a date as SQLite stores it: ISO text."""
    return day.isoformat()


SQLITE = Dialect(
    time=time_text,
    time_value=time_value,
    date=date_text,
    date_value=date_value,
    text=encodable,
    is_unique_violation=is_unique_violation,
    is_foreign_key_violation=is_foreign_key_violation,
    totals_upsert_sql=TOTALS_UPSERT_SQL,
    leaderboard_all_time_sql=LEADERBOARD_ALL_TIME_SQL,
    leaderboard_weekly_sql=LEADERBOARD_WEEKLY_SQL,
    leaderboard_size_sql=LEADERBOARD_SIZE_SQL,
)
"""Times and dates as ISO text, booleans as 0/1 (the driver binds a bool as an int), text without lone
surrogates."""
