"""Tell cheaply whether an answer may hold a value (number, duration, date, time) worth parsing."""

from __future__ import annotations

from typing import Final

from questions.text.dates import MONTH_WORDS
from questions.text.durations import UNIT_WORDS
from questions.text.numbers import NUMBER_WORDS, ORDINAL_WORDS, tokenize

_VALUE_WORDS: Final = frozenset(
    {*NUMBER_WORDS, *ORDINAL_WORDS, *UNIT_WORDS, *MONTH_WORDS, "half", "noon", "midday", "midnight"}
)


def mentions_value(cleaned: str) -> bool:
    """Tell cheaply whether cleaned text may hold a number, duration, date or time worth parsing."""
    return any(char.isdecimal() for char in cleaned) or any(word in _VALUE_WORDS for word in tokenize(cleaned))
