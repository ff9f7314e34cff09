"""Conversions between Python values and PostgreSQL columns: rows as the storage's dataclasses."""

from __future__ import annotations

import datetime as dt
from typing import cast

import asyncpg

from bot.storage.base import (
    MAX_ANSWER_TEXT,
    AnswerInput,
    AnswerRow,
    Dispute,
    DisputeStatus,
    RoundQuestionRow,
    RoundRow,
    RoundStatus,
)

POSTGRES_MAX_BIGINT = 2**63 - 1


def utc(moment: dt.datetime) -> dt.datetime:
    """Return an aware datetime in UTC; refuse a naive one."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: pass a timezone-aware UTC datetime")
    return moment.astimezone(dt.UTC)


def utc_or_none(moment: dt.datetime | None) -> dt.datetime | None:
    """Return a stored time in UTC (asyncpg already returns UTC), or None."""
    return None if moment is None else moment.astimezone(dt.UTC)


def time_text(moment: dt.datetime) -> str:
    """Return a time as the ISO text SQLite stores (microseconds always shown), for the privacy export."""
    return utc(moment).isoformat(timespec="microseconds")


def storable_id(value: int) -> bool:
    """Return whether an id fits a bigint (ids parsed from custom_ids can be anything)."""
    return -POSTGRES_MAX_BIGINT - 1 <= value <= POSTGRES_MAX_BIGINT


def answer_params(answer: AnswerInput) -> tuple[object, ...]:
    """Return the positional parameters of `ANSWER_UPSERT_SQL` for one answer."""
    text = None if answer.text is None else encodable(answer.text[:MAX_ANSWER_TEXT])
    return (
        answer.round_question_id,
        answer.round_id,
        answer.guild_id,
        answer.user_id,
        answer.choice,
        text,
        answer.correct,
        float(answer.credit),
        utc(answer.answered_at),
        answer.elapsed_ms,
    )


def encodable(text: str) -> str:
    """Return ``text`` without what PostgreSQL text cannot hold: NUL, and lone surrogates (as '?')."""
    # A modified client can send them; one such answer would fail its whole group commit.
    return text.encode("utf-8", "replace").decode("utf-8").replace("\x00", "?")


def round_row(row: asyncpg.Record) -> RoundRow:
    """Map a `ROUND_SELECT` row."""
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
        started_at=row["started_at"],
        ended_at=utc_or_none(row["ended_at"]),
        winner_id=row["winner_id"],
    )


def question_row(row: asyncpg.Record) -> RoundQuestionRow:
    """Map a `QUESTION_SELECT` row."""
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
        opened_at=row["opened_at"],
        deadline_at=row["deadline_at"],
        message_id=row["message_id"],
        closed_at=utc_or_none(row["closed_at"]),
    )


def answer_row(row: asyncpg.Record) -> AnswerRow:
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
        correct=row["correct"],
        credit=row["credit"],
        points=row["points"],
        attempts=row["attempts"],
        answered_at=row["answered_at"],
        elapsed_ms=row["elapsed_ms"],
    )


def dispute_row(row: asyncpg.Record) -> Dispute:
    """Map a `DISPUTE_SELECT` row."""
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
        created_at=row["created_at"],
        decided_by=row["decided_by"],
        decided_at=utc_or_none(row["decided_at"]),
        points_awarded=row["points_awarded"],
    )
