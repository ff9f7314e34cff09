"""Conversions between Python values and SQLite columns: times as ISO text, and an answer's upsert parameters."""

from __future__ import annotations

import datetime as dt

from bot.storage.base import MAX_ANSWER_TEXT, AnswerInput
from bot.storage.sql.rows import iso_time

time_text = iso_time
"""How SQLite stores a time: sortable ISO text in UTC (a naive datetime raises ``ValueError``)."""


def time_value(text: str) -> dt.datetime:
    """Return the datetime stored as ISO text."""
    return dt.datetime.fromisoformat(text)


def date_value(text: str) -> dt.date:
    """Return the date stored as ISO text."""
    return dt.date.fromisoformat(str(text))


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
