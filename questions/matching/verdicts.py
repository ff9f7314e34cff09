"""What the matcher says about an answer: a verdict code, credit, and one sentence that says why."""

from __future__ import annotations

import re
from collections.abc import Sequence
from enum import StrEnum
from functools import lru_cache
from typing import Final, Literal

from pydantic import BaseModel, ConfigDict, Field

from questions.text.normalize import compact, normalize
from questions.text.numbers import digitize_number_words

MAX_ANSWER_LENGTH: Final = 200
ALTERNATIVE_WORDS: Final = frozenset({"or", "either", "vs", "versus"})
"""Words that offer a second answer beside the first ('X or Y', 'either X or Y', 'X vs Y')."""
DOUBT_WORDS: Final = frozenset({"maybe", "perhaps", "possibly", "probably"})
"""Words of doubt: before the whole answer they are read past; inside it, next to one part, they make a choice."""
"""Longer answers are refused before any parsing: nobody types an essay to answer trivia."""

NameKind = Literal["name", "alias", "surname"]


class VerdictCode(StrEnum):
    """Why an answer was accepted or rejected."""

    EXACT = "exact"
    ALIAS = "alias"
    SURNAME = "surname"
    TYPO = "typo"
    EQUIVALENT = "equivalent"
    """The same number, date or time in another notation ('twelve', '5/10/2021', '11:55 MSK')."""
    PARTIAL = "partial"
    """Some members of a set, not enough for full credit."""
    WRONG_NUMBER = "wrong_number"
    WRONG_DATE = "wrong_date"
    WRONG_TIME = "wrong_time"
    OTHER_ENTITY = "other_entity"
    WRONG = "wrong"
    EMPTY = "empty"
    UNPARSEABLE = "unparseable"
    """The answer could not be read as what was asked (no number in it, an unknown time zone, ...)."""
    TOO_LONG = "too_long"


class Verdict(BaseModel):
    """The judgement of one answer: whether it counts, for how much, and one sentence saying why.

    ``matched`` is what the answer was read as: the canonical answer when accepted, the other entity
    or option when it names one, None when it names nothing known.
    """

    model_config = ConfigDict(frozen=True)

    accepted: bool
    credit: float = Field(ge=0, le=1)
    code: VerdictCode
    reason: str
    matched: str | None = None


def accept(code: VerdictCode, reason: str, matched: str | None, credit: float = 1.0) -> Verdict:
    """Return an accepting verdict."""
    return Verdict(accepted=True, credit=credit, code=code, reason=reason, matched=matched)


def reject(code: VerdictCode, reason: str, matched: str | None = None, credit: float = 0.0) -> Verdict:
    """Return a rejecting verdict."""
    return Verdict(accepted=False, credit=credit, code=code, reason=reason, matched=matched)


@lru_cache(maxsize=8192)
def name_key(text: str) -> str:
    """Return the key names are compared on: normalised, number words as digits ('Apollo eleven' -> 'apollo 11')."""
    return digitize_number_words(normalize(text))


def skeleton(key: str) -> str:
    """Return a key with every number replaced by '#', to compare designations apart from their numbers."""
    return re.sub(r"\d+", "#", key)


def without_digits(key: str) -> str:
    """Return a key with its numbers removed."""
    return " ".join(re.sub(r"\d+", " ", key).split())


def quote(text: str) -> str:
    """Put text in curly quotes, to quote a player back."""
    return f"“{text}”"


def join_names(names: Sequence[str]) -> str:
    """Join names as 'A, B and C'."""
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"


def empty_verdict(shown: str) -> Verdict:
    """Return the verdict on an answer with no content."""
    if shown and any(char.isalnum() for char in shown):
        return reject(VerdictCode.EMPTY, f"Rejected: {quote(shown)} is not an answer.")
    return reject(VerdictCode.EMPTY, "Rejected: the answer is empty.")


def extra_alias(key: str, extra_aliases: Sequence[str]) -> str | None:
    """Return the server alias (a server's accepted alternative) that the answer is, if any."""
    answer = compact(digitize_number_words(key))
    return next((alias for alias in extra_aliases if answer and compact(name_key(alias)) == answer), None)
