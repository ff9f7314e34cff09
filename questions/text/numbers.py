"""Read numbers out of typed answers: digits, words ('thirty-seven'), ordinals, 'a dozen', 'half'."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Literal

from questions.text.normalize import clean

# --------------------------------------------------------------------------- numbers

_SMALL_NUMBERS: Final = {
    "zero": 0,
    "nought": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
}
_TENS: Final = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fourty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
_SMALL_ORDINALS: Final = {
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "sixth": 6,
    "seventh": 7,
    "eighth": 8,
    "ninth": 9,
    "tenth": 10,
    "eleventh": 11,
    "twelfth": 12,
    "thirteenth": 13,
    "fourteenth": 14,
    "fifteenth": 15,
    "sixteenth": 16,
    "seventeenth": 17,
    "eighteenth": 18,
    "nineteenth": 19,
}
_TENS_ORDINALS: Final = {
    "twentieth": 20,
    "thirtieth": 30,
    "fortieth": 40,
    "fiftieth": 50,
    "sixtieth": 60,
    "seventieth": 70,
    "eightieth": 80,
    "ninetieth": 90,
}
_SCALES: Final = {"thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}
_ARTICLE_SCALES: Final = frozenset({"hundred", "dozen", "thousand", "million"})
_DIGIT_SCALES: Final = {**_SCALES, "hundred": 100, "dozen": 12}
"""Words that multiply the digits before them ('3 hundred' is 300, '2 dozen' 24)."""
ORDINAL_SUFFIXES: Final = frozenset({"st", "nd", "rd", "th"})
_TOKEN: Final = re.compile(r"\d+(?:[.,]\d+)*|[^\W\d_]+")
_THOUSANDS_COMMA: Final = re.compile(r"\d{1,3}(?:,\d{3})+")
_THOUSANDS_DOT: Final = re.compile(r"\d{1,3}(?:\.\d{3}){2,}")
_DECIMAL: Final = re.compile(r"\d+[.,]\d+")

NUMBER_WORDS: Final = frozenset({*_SMALL_NUMBERS, *_TENS, "hundred", "dozen", *_SCALES})
"""Words that make up a cardinal number."""
ORDINAL_WORDS: Final = frozenset({*_SMALL_ORDINALS, *_TENS_ORDINALS})
"""Ordinal number words ('first' .. 'ninetieth')."""
_WordKind = Literal["small", "tens", "hundred", "scale"]


@dataclass(frozen=True)
class ParsedNumber:
    """A number found in an answer, with the token span it came from."""

    value: float
    start: int
    end: int
    from_words: bool
    ordinal: bool = False
    digits: int = 0
    """How many digits it was written with (0 for words); tells '2021' (a year) from '21'."""


def tokenize(cleaned: str) -> list[str]:
    """Split cleaned text into number tokens ('12', '12.5', '1,000') and word tokens."""
    return _TOKEN.findall(cleaned)


def _digits_value(token: str) -> float | None:
    if _THOUSANDS_COMMA.fullmatch(token) or _THOUSANDS_DOT.fullmatch(token):
        return float(token.replace(",", "").replace(".", ""))
    if _DECIMAL.fullmatch(token):
        return float(token.replace(",", "."))
    if token.isdecimal():
        return float(int(token))
    return None


def _read_word_number(tokens: Sequence[str], start: int) -> tuple[float, int, bool] | None:
    """Read a number written in words from tokens[start:]; return (value, end, is_ordinal) or None."""
    total = 0
    current = 0
    index = start
    last: _WordKind | None = None
    count = len(tokens)
    while index < count:
        token = tokens[index]
        if token in ("a", "an") and last is None and index + 1 < count and tokens[index + 1] in _ARTICLE_SCALES:
            current, last, index = 1, "small", index + 1
            continue
        if token in _SMALL_NUMBERS or token in _SMALL_ORDINALS:
            value = _SMALL_NUMBERS.get(token, _SMALL_ORDINALS.get(token, 0))
            if last == "small" or (last == "tens" and value >= 10):
                break
            current += value
            last = "small"
            index += 1
            if token in _SMALL_ORDINALS:
                return float(total + current), index, True
            continue
        if token in _TENS or token in _TENS_ORDINALS:
            if last in ("small", "tens"):
                break
            current += _TENS.get(token, _TENS_ORDINALS.get(token, 0))
            last = "tens"
            index += 1
            if token in _TENS_ORDINALS:
                return float(total + current), index, True
            continue
        if token == "hundred" and last in ("small", "tens") and current < 100:
            current *= 100
            last = "hundred"
            index += 1
            continue
        if token == "dozen" and last in (None, "small", "tens"):
            current = (current or 1) * 12
            last = "scale"
            index += 1
            continue
        if token in _SCALES and last is not None:
            total += (current or 1) * _SCALES[token]
            current = 0
            last = "scale"
            index += 1
            continue
        if (
            token == "and"
            and last in ("hundred", "scale")
            and index + 1 < count
            and (tokens[index + 1] in _SMALL_NUMBERS or tokens[index + 1] in _TENS)
        ):
            index += 1
            continue
        break
    if last is None:
        return None
    return float(total + current), index, False


def and_a_half(tokens: Sequence[str], index: int) -> int:
    """Return how many tokens an 'and a half' at index takes (0 if there is none)."""
    return 3 if tuple(tokens[index : index + 3]) in (("and", "a", "half"), ("and", "an", "half")) else 0


def scan_numbers(tokens: Sequence[str]) -> list[ParsedNumber]:
    """Find every number in a token list: digits, words ('thirty-seven'), ordinals, 'a dozen', 'half'."""
    found: list[ParsedNumber] = []
    index = 0
    count = len(tokens)
    while index < count:
        token = tokens[index]
        value = _digits_value(token) if token[0].isdecimal() else None
        if value is not None:
            end = index + 1
            ordinal = end < count and tokens[end] in ORDINAL_SUFFIXES
            end += ordinal
            if not ordinal and end < count and tokens[end] in _DIGIT_SCALES:  # "2 million", "3 hundred"
                value *= _DIGIT_SCALES[tokens[end]]
                end += 1
            half = and_a_half(tokens, end)
            digits = sum(char.isdecimal() for char in token)
            found.append(ParsedNumber(value + 0.5 * bool(half), index, end + half, False, ordinal, digits))
            index = end + half
            continue
        if token == "half" or (token in ("a", "an") and index + 1 < count and tokens[index + 1] == "half"):
            end = index + 1 if token == "half" else index + 2
            # "half a year": the article belongs to the half
            if token == "half" and end < count and tokens[end] in ("a", "an"):
                end += 1
            found.append(ParsedNumber(0.5, index, end, True))
            index = end
            continue
        word = _read_word_number(tokens, index)
        if word is not None:
            word_value, end, ordinal = word
            half = 0 if ordinal else and_a_half(tokens, end)
            found.append(ParsedNumber(word_value + 0.5 * bool(half), index, end + half, True, ordinal))
            index = end + half
            continue
        index += 1
    return _merge_spoken_years(found)


def _merge_spoken_years(numbers: list[ParsedNumber]) -> list[ParsedNumber]:
    """Join 'twenty twenty-one' and 'nineteen eighty four' into one number (2021, 1984)."""
    merged: list[ParsedNumber] = []
    for number in numbers:
        previous = merged[-1] if merged else None
        if (
            previous is not None
            and previous.from_words
            and number.from_words
            and previous.end == number.start
            and not previous.ordinal
            and 10 <= previous.value <= 99
            and 10 <= number.value <= 99
            and previous.value.is_integer()
            and number.value.is_integer()
        ):
            year = previous.value * 100 + number.value
            merged[-1] = ParsedNumber(year, previous.start, number.end, True, number.ordinal)
            continue
        merged.append(number)
    return merged


def parse_numbers(text: str) -> list[ParsedNumber]:
    """Find every number in raw text (see :func:`scan_numbers`)."""
    return scan_numbers(tokenize(clean(text)))


def digitize_number_words(normalized: str) -> str:
    """Rewrite whole-number words as digits in a normalised key ('apollo eleven' -> 'apollo 11')."""
    tokens = normalized.split()
    if not any(token in NUMBER_WORDS for token in tokens):
        return normalized
    numbers = [n for n in scan_numbers(tokens) if n.from_words and not n.ordinal and n.value.is_integer()]
    if not numbers:
        return normalized
    pieces: list[str] = []
    position = 0
    for number in numbers:
        pieces.extend(tokens[position : number.start])
        pieces.append(str(int(number.value)))
        position = number.end
    pieces.extend(tokens[position:])
    return " ".join(pieces)
