"""Argument checks every backend applies before it touches the database."""

from __future__ import annotations

import datetime as dt

FINAL_STATUSES: frozenset[str] = frozenset({"finished", "stopped", "abandoned", "interrupted", "error"})


def check_week_start(week_start: dt.date | None) -> dt.date | None:
    """Return `week_start` if it is a Monday (or None); raise ``ValueError`` otherwise."""
    if week_start is None:
        return None
    if week_start.weekday() != 0:
        raise ValueError(f"week_start must be a Monday, got {week_start} ({week_start:%A})")
    return week_start


def check_positive(name: str, value: int | None) -> None:
    """Raise ``ValueError`` unless `value` is None or positive."""
    if value is not None and value <= 0:
        raise ValueError(f"{name} must be positive, got {value}")
