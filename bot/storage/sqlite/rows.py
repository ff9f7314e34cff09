"""Conversions between Python values and SQLite columns: times as ISO text, rows as the storage's dataclasses."""

from __future__ import annotations

import datetime as dt
import sqlite3
from typing import cast

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

SQLITE_MAX_INTEGER = 2**63 - 1


def time_text(moment: dt.datetime) -> str:
    """Return an aware datetime as sortable ISO text in UTC; refuse a naive one."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: pass a timezone-aware UTC datetime")
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds")


def time_value(text: str) -> dt.datetime:
    """Return the datetime stored as ISO text."""
    return dt.datetime.fromisoformat(text)


def time_or_none(text: str | None) -> dt.datetime | None:
    """Return the datetime stored as ISO text, or None."""
    return None if text is None else dt.datetime.fromisoformat(text)


def bool_or_none(value: int | None) -> bool | None:
    """Return a stored 0/1 as a bool, or None."""
    return None if value is None else bool(value)


def storable_id(value: int) -> bool:
    """Return whether an id fits an SQLite INTEGER (ids parsed from custom_ids can be anything)."""
    return -SQLITE_MAX_INTEGER - 1 <= value <= SQLITE_MAX_INTEGER


def answer_params(answer: AnswerInput) -> dict[str, object]:
    """Return the named parameters of `ANSWER_UPSERT_SQL` for one answer."""
    return {
        "round_question_id": answer.round_question_id,
        "round_id": answer.round_id,
        "guild_id": answer.guild_id,
        "user_id": answer.user_id,
        "choice": answer.choice,
        "text": None if answer.text is None else encodable(answer.text[:MAX_ANSWER_TEXT]),
        "correct": None if answer.correct is None else int(answer.correct),
        "credit": float(answer.credit),
        "answered_at": time_text(answer.answered_at),
        "elapsed_ms": answer.elapsed_ms,
    }


def encodable(text: str) -> str:
    """Return ``text`` with what UTF-8 cannot encode (lone surrogates) replaced by '?'."""
    # A modified client can send them; one such answer would fail its whole group commit, and with it every
    # other player's answer in the batch.
    return text.encode("utf-8", "replace").decode("utf-8")


def round_row(row: sqlite3.Row) -> RoundRow:
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
        started_at=time_value(row["started_at"]),
        ended_at=time_or_none(row["ended_at"]),
        winner_id=row["winner_id"],
    )


def question_row(row: sqlite3.Row) -> RoundQuestionRow:
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
        opened_at=time_value(row["opened_at"]),
        deadline_at=time_value(row["deadline_at"]),
        message_id=row["message_id"],
        closed_at=time_or_none(row["closed_at"]),
    )


def answer_row(row: sqlite3.Row) -> AnswerRow:
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
        answered_at=time_value(row["answered_at"]),
        elapsed_ms=row["elapsed_ms"],
    )


def dispute_row(row: sqlite3.Row) -> Dispute:
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
        created_at=time_value(row["created_at"]),
        decided_by=row["decided_by"],
        decided_at=time_or_none(row["decided_at"]),
        points_awarded=row["points_awarded"],
    )
