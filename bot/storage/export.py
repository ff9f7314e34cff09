"""Turning stored values into JSON-ready data for a player's privacy export."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping


def jsonable(value: object) -> object:
    """Return `value` with dates and times as ISO text, mappings as dicts and sequences as lists."""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(item) for item in value]
    return value
