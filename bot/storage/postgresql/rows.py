"""Conversions between Python values and PostgreSQL columns: times in UTC, storable text, an answer's upsert
parameters."""

from __future__ import annotations

import datetime as dt

from bot.storage.base import MAX_ANSWER_TEXT, AnswerInput


def utc(moment: dt.datetime) -> dt.datetime:
    """Return an aware datetime in UTC; refuse a naive one."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: pass a timezone-aware UTC datetime")
    return moment.astimezone(dt.UTC)


def utc_value(moment: dt.datetime) -> dt.datetime:
    """Return a stored time in UTC (asyncpg already returns UTC, so this returns the same object)."""
    return moment.astimezone(dt.UTC)


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
