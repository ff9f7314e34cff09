"""Mapping driver rows to the storage's dataclasses, the same for every backend; a `Dialect` decodes the values
whose storage differs (times, dates)."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from bot.storage.base import (
    AnswerRow,
    Dispute,
    DisputeStatus,
    GuildPack,
    PackFact,
    PackFactStatus,
    RoundQuestionRow,
    RoundRow,
    RoundStatus,
)
from bot.storage.sql.dialect import Dialect, Row

MAX_ID = 2**63 - 1
"""The largest id a 64-bit integer column (SQLite INTEGER, PostgreSQL bigint) holds."""


def storable_id(value: int) -> bool:
    """Return whether an id fits a 64-bit integer column (ids parsed from custom_ids can be anything)."""
    return -MAX_ID - 1 <= value <= MAX_ID


def iso_time(moment: dt.datetime) -> str:
    """Return an aware datetime as sortable ISO text in UTC (microseconds always shown); refuse a naive one."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: pass a timezone-aware UTC datetime")
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds")


def bool_or_none(value: Any) -> bool | None:
    """Return a stored boolean (SQLite's 0/1, PostgreSQL's bool) as a bool, or None."""
    return None if value is None else bool(value)


def round_row(row: Row, dialect: Dialect) -> RoundRow:
    """Map a `ROUND_SELECT` row."""
    ended_at = row["ended_at"]
    return RoundRow(
        id=row["id"],
        guild_id=row["guild_id"],
        channel_id=row["channel_id"],
        starter_id=row["starter_id"],
        question_count=row["question_count"],
        seconds=row["seconds"],
        category=row["category"],
        kind=row["kind"],
        status=cast(RoundStatus, row["status"]),
        started_at=dialect.time_value(row["started_at"]),
        ended_at=None if ended_at is None else dialect.time_value(ended_at),
        winner_id=row["winner_id"],
    )


def question_row(row: Row, dialect: Dialect) -> RoundQuestionRow:
    """Map a `QUESTION_SELECT` row."""
    closed_at = row["closed_at"]
    return RoundQuestionRow(
        id=row["id"],
        round_id=row["round_id"],
        guild_id=row["guild_id"],
        channel_id=row["channel_id"],
        position=row["position"],
        question_id=row["question_id"],
        fact_id=row["fact_id"],
        kind=row["kind"],
        correct_choice=row["correct_choice"],
        opened_at=dialect.time_value(row["opened_at"]),
        deadline_at=dialect.time_value(row["deadline_at"]),
        message_id=row["message_id"],
        closed_at=None if closed_at is None else dialect.time_value(closed_at),
    )


def answer_row(row: Row, dialect: Dialect) -> AnswerRow:
    """Map an `ANSWER_SELECT` row."""
    return AnswerRow(
        round_question_id=row["round_question_id"],
        round_id=row["round_id"],
        guild_id=row["guild_id"],
        user_id=row["user_id"],
        question_id=row["question_id"],
        fact_id=row["fact_id"],
        choice=row["choice"],
        text=row["text"],
        correct=bool_or_none(row["correct"]),
        credit=row["credit"],
        points=row["points"],
        attempts=row["attempts"],
        answered_at=dialect.time_value(row["answered_at"]),
        elapsed_ms=row["elapsed_ms"],
    )


def dispute_row(row: Row, dialect: Dialect) -> Dispute:
    """Map a `DISPUTE_SELECT` row."""
    decided_at = row["decided_at"]
    return Dispute(
        id=row["id"],
        round_question_id=row["round_question_id"],
        round_id=row["round_id"],
        guild_id=row["guild_id"],
        user_id=row["user_id"],
        question_id=row["question_id"],
        fact_id=row["fact_id"],
        answer_text=row["answer_text"],
        status=cast(DisputeStatus, row["status"]),
        created_at=dialect.time_value(row["created_at"]),
        decided_by=row["decided_by"],
        decided_at=None if decided_at is None else dialect.time_value(decided_at),
        points_awarded=row["points_awarded"],
    )


def guild_pack(row: Row, dialect: Dialect) -> GuildPack:
    """Map a `PACK_SELECT` row."""
    return GuildPack(
        id=int(row["id"]),
        guild_id=int(row["guild_id"]),
        name=str(row["name"]),
        title=str(row["title"]),
        document_date=dialect.date_value(row["document_date"]),
        created_by=None if row["created_by"] is None else int(row["created_by"]),
        created_at=dialect.time_value(row["created_at"]),
        drafted=int(row["drafted"]),
        approved=int(row["approved"]),
        rejected=int(row["rejected"]),
    )


def pack_fact(row: Row) -> PackFact:
    """Map a row of `PACK_FACT_COLUMNS`."""
    return PackFact(
        pack_id=int(row["pack_id"]),
        position=int(row["position"]),
        fact_id=str(row["fact_id"]),
        status=cast(PackFactStatus, row["status"]),
        answer=str(row["answer"]),
        fact_json=str(row["fact_json"]),
    )
