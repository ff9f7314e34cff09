"""Normalise typed answers and read numbers, durations, dates and times out of them.

Everything here is pure and fast: no I/O and no Discord. The regular expressions have no nested
quantifiers, so any input of the matcher's bounded length is read in well under a millisecond.

Two levels of normalisation:

* :func:`clean` folds Unicode (NFKC, case, accents, Cyrillic transliterated to Latin), removes
  zero-width, bidi and other invisible characters, Discord markdown and surrounding quotes, but keeps
  the punctuation that numbers, dates and times need (``:``, ``.``, ``/``, ``-``, ``+``).
* :func:`normalize` goes on to fold every other punctuation mark and hyphen into a space, splits
  letters from digits (``ms19`` -> ``ms 19``) and drops a leading article. It is the key names and
  phrases are compared on.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Final, Literal

# --------------------------------------------------------------------------- normalisation

_TRANSLITERATION: Final = str.maketrans(
    {
        # Russian and Ukrainian Cyrillic, a simple BGN-like scheme: the story's names are Russian and
        # players paste them from Russian sources ("Пересильд" -> "peresild").
        "а": "a",
        "б": "b",
        "в": "v",
        "г": "g",
        "ґ": "g",
        "д": "d",
        "е": "e",
        "ё": "e",
        "є": "ye",
        "ж": "zh",
        "з": "z",
        "и": "i",
        "і": "i",
        "ї": "yi",
        "й": "y",
        "к": "k",
        "л": "l",
        "м": "m",
        "н": "n",
        "о": "o",
        "п": "p",
        "р": "r",
        "с": "s",
        "т": "t",
        "у": "u",
        "ф": "f",
        "х": "kh",
        "ц": "ts",
        "ч": "ch",
        "ш": "sh",
        "щ": "shch",
        "ъ": "",
        "ы": "y",
        "ь": "",
        "э": "e",
        "ю": "yu",
        "я": "ya",
        # Latin letters that carry no combining mark, so NFKD alone would keep them.
        "ø": "o",
        "ł": "l",
        "đ": "d",
        "ð": "d",
        "þ": "th",
        "æ": "ae",
        "œ": "oe",
        "ı": "i",
        "ħ": "h",
    }
)

_ASCII_CONTROLS: Final = dict.fromkeys([*range(32), 127], " ")
_MARKDOWN_CHARACTERS: Final = str.maketrans({"*": " ", "_": " ", "~": " ", "`": " ", "|": " "})
_QUOTES: Final = "\"'“”‘’«»„‚‹›「」『』"
_APOSTROPHES: Final = str.maketrans({"'": None, "’": None, "ʼ": None, "‘": None})
_NON_ALNUM: Final = re.compile(r"[\W_]+")
_LETTER_DIGIT_BOUNDARY: Final = re.compile(r"(?<=[^\W\d_])(?=\d)|(?<=\d)(?=[^\W\d_])")
_SPACES: Final = re.compile(r"\s+")
_LEADING_MARKUP: Final = re.compile(r"^(?:>+|-#|#{1,3})\s+")

ARTICLES: Final = frozenset({"the", "a", "an"})
"""Words dropped from the front of an answer: 'the Challenge' is 'Challenge'."""

STOP_WORDS: Final = frozenset(
    {
        *ARTICLES,
        "and",
        "or",
        "of",
        "to",
        "in",
        "on",
        "at",
        "for",
        "by",
        "with",
        "from",
        "into",
        "onto",
        "as",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "who",
        "whom",
        "which",
        "what",
        "he",
        "she",
        "they",
        "them",
        "his",
        "her",
        "their",
        "i",
        "um",
        "uh",
        "erm",
        "hmm",
    }
)
"""Words that carry no answer on their own; an answer made only of these is empty."""

_FILLER_PREFIXES: Final = (
    "i think its ",
    "i think it is ",
    "i think ",
    "i guess ",
    "i believe ",
    "my answer is ",
    "the answer is ",
    "answer is ",
    "answer ",
    "maybe ",
    "probably ",
    "perhaps ",
    "is it ",
    "it is ",
    "its ",
)


def fold_unicode(text: str) -> str:
    """Return text in NFKC, case-folded, transliterated to Latin, without accents or invisible characters."""
    if text.isascii():
        folded = text.casefold()
        return folded if folded.isprintable() else folded.translate(_ASCII_CONTROLS)
    composed = unicodedata.normalize("NFKC", text)
    # marks left standing alone go before case folding, which would turn some into letters (U+0345 -> iota)
    composed = "".join(char for char in composed if unicodedata.category(char)[0] not in "MC" or char.isspace())
    folded = composed.casefold().translate(_TRANSLITERATION)
    kept: list[str] = []
    for char in unicodedata.normalize("NFKD", folded):
        if char.isspace():
            kept.append(" ")
            continue
        # M*: combining marks (accents, variation selectors); C*: zero-width, bidi controls, BOM, controls.
        if unicodedata.category(char)[0] in "MC":
            continue
        kept.append(char)
    return "".join(kept)


def clean(text: str) -> str:
    """Fold Unicode and strip markdown, quotes and extra spaces, keeping punctuation that numbers need."""
    folded = fold_unicode(text).translate(_MARKDOWN_CHARACTERS)
    folded = _SPACES.sub(" ", folded).strip()
    folded = _LEADING_MARKUP.sub("", folded)
    return folded.strip(_QUOTES + " ")


def normalize(text: str) -> str:
    """Return the comparison key of a name or phrase: clean, punctuation folded, leading article dropped."""
    return normalize_cleaned(clean(text))


def normalize_cleaned(cleaned: str) -> str:
    """Like :func:`normalize`, for text that has already been through :func:`clean`."""
    spaced = _NON_ALNUM.sub(" ", cleaned.translate(_APOSTROPHES))
    words = _LETTER_DIGIT_BOUNDARY.sub(" ", spaced).split()
    if len(words) > 1 and words[0] in ARTICLES:
        words = words[1:]
    return " ".join(words)


def strip_filler(normalized: str) -> str:
    """Drop a chatty lead-in such as 'i think its' or 'my answer is' from a normalised answer."""
    for prefix in _FILLER_PREFIXES:
        if normalized.startswith(prefix) and len(normalized) > len(prefix):
            rest = normalized[len(prefix) :]
            first, _, remainder = rest.partition(" ")
            return remainder if first in ARTICLES and remainder else rest
    return normalized


def compact(normalized: str) -> str:
    """Return a normalised key without spaces, so 'ms19' and 'ms 19' compare equal."""
    return normalized.replace(" ", "")


def is_blank(normalized: str) -> bool:
    """Tell whether a normalised answer has no content: empty, or only stop words like 'the'."""
    return all(word in STOP_WORDS for word in normalized.split())


def display_text(text: str, limit: int = 60) -> str:
    """Return the player's text fit to quote back: invisibles and markdown removed, case kept, shortened."""
    if text.isascii() and text.isprintable():
        visible = text
    else:
        visible = "".join(
            " " if char.isspace() else char for char in text if char.isspace() or unicodedata.category(char)[0] != "C"
        )
    visible = _SPACES.sub(" ", visible.translate(_MARKDOWN_CHARACTERS)).strip().strip(_QUOTES + " ")
    return visible if len(visible) <= limit else visible[: limit - 1].rstrip() + "…"


def typo_budget(length: int) -> int:
    """Return how many edits a typo of a key this long may have: 0 under 4, 1 to 7, 2 to 12, then ~15%."""
    if length < 4:
        return 0
    if length <= 7:
        return 1
    if length <= 12:
        return 2
    return max(2, math.floor(length * 0.15))


@lru_cache(maxsize=4096)
def digit_runs(text: str) -> tuple[int, ...]:
    """Return the numbers written with digits in a key, in order ('soyuz ms 19' -> (19,))."""
    return tuple(int(run) for run in re.findall(r"\d+", text))


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
_SCALES: Final = {"thousand": 1_000, "million": 1_000_000}
_ARTICLE_SCALES: Final = frozenset({"hundred", "dozen", "thousand", "million"})
_ORDINAL_SUFFIXES: Final = frozenset({"st", "nd", "rd", "th"})
_TOKEN: Final = re.compile(r"\d+(?:[.,]\d+)*|[^\W\d_]+")
_THOUSANDS_COMMA: Final = re.compile(r"\d{1,3}(?:,\d{3})+")
_THOUSANDS_DOT: Final = re.compile(r"\d{1,3}(?:\.\d{3}){2,}")
_DECIMAL: Final = re.compile(r"\d+[.,]\d+")

_NUMBER_WORDS: Final = frozenset({*_SMALL_NUMBERS, *_TENS, "hundred", "dozen", *_SCALES})
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


def _and_a_half(tokens: Sequence[str], index: int) -> int:
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
            ordinal = end < count and tokens[end] in _ORDINAL_SUFFIXES
            end += ordinal
            half = _and_a_half(tokens, end)
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
            half = 0 if ordinal else _and_a_half(tokens, end)
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
    if not any(token in _NUMBER_WORDS for token in tokens):
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


# --------------------------------------------------------------------------- durations

DurationUnit = Literal["minutes", "hours", "days", "weeks", "months", "years"]

_MINUTES_PER_UNIT: Final[dict[str, int]] = {"minutes": 1, "hours": 60, "days": 1440, "weeks": 10080}
_MONTHS_PER_UNIT: Final[dict[str, int]] = {"months": 1, "years": 12}

_UNIT_WORDS: Final[dict[str, tuple[DurationUnit, int]]] = {
    "minute": ("minutes", 1),
    "minutes": ("minutes", 1),
    "min": ("minutes", 1),
    "mins": ("minutes", 1),
    "hour": ("hours", 1),
    "hours": ("hours", 1),
    "hr": ("hours", 1),
    "hrs": ("hours", 1),
    "h": ("hours", 1),
    "day": ("days", 1),
    "days": ("days", 1),
    "d": ("days", 1),
    "week": ("weeks", 1),
    "weeks": ("weeks", 1),
    "wk": ("weeks", 1),
    "wks": ("weeks", 1),
    "fortnight": ("days", 14),
    "fortnights": ("days", 14),
    "month": ("months", 1),
    "months": ("months", 1),
    "mo": ("months", 1),
    "mos": ("months", 1),
    "mth": ("months", 1),
    "mths": ("months", 1),
    "year": ("years", 1),
    "years": ("years", 1),
    "yr": ("years", 1),
    "yrs": ("years", 1),
    "y": ("years", 1),
    "yo": ("years", 1),
    "decade": ("years", 10),
    "decades": ("years", 10),
}
_UNIT_PREFIXES: Final = frozenset({"full", "whole", "more", "long", "calendar"})


def duration_unit(word: str | None) -> DurationUnit | None:
    """Return the duration unit a word or unit label names ('years old' -> 'years'), or None."""
    if not word:
        return None
    first = clean(word).split(" ", 1)[0]
    entry = _UNIT_WORDS.get(first)
    return entry[0] if entry and entry[1] == 1 else None


def convert_duration(value: float, from_unit: DurationUnit, to_unit: DurationUnit) -> float | None:
    """Convert a duration only where the ratio is exact: minutes..weeks, or months..years; else None."""
    if from_unit == to_unit:
        return value
    for table in (_MINUTES_PER_UNIT, _MONTHS_PER_UNIT):
        if from_unit in table and to_unit in table:
            return value * table[from_unit] / table[to_unit]
    return None


@dataclass(frozen=True)
class Quantity:
    """A number with the duration unit written after it, if any ('twelve days' -> 12, 'days')."""

    value: float
    unit: DurationUnit | None
    from_words: bool
    scaled: bool = False
    """The unit word implied a factor ('a fortnight' is 14 days), so the notation differs."""


def parse_quantities(text: str) -> list[Quantity]:
    """Find every quantity in raw text; 'a year' is one year, 'a year and a half' 1.5, '12-day' 12 days."""
    tokens = tokenize(clean(text))
    numbers_by_start = {number.start: number for number in scan_numbers(tokens)}
    quantities: list[Quantity] = []
    index = 0
    count = len(tokens)
    while index < count:
        number = numbers_by_start.get(index)
        if number is not None:
            value, from_words, unit_at = number.value, number.from_words, number.end
        elif tokens[index] in ("a", "an") and index + 1 < count and tokens[index + 1] in _UNIT_WORDS:
            value, from_words, unit_at = 1.0, True, index + 1
        else:
            index += 1
            continue
        while unit_at < count and tokens[unit_at] in _UNIT_PREFIXES:
            unit_at += 1
        entry = _UNIT_WORDS.get(tokens[unit_at]) if unit_at < count else None
        if entry is None:
            quantities.append(Quantity(value, None, from_words))
            index = number.end if number is not None else index + 1
            continue
        unit, factor = entry
        half = _and_a_half(tokens, unit_at + 1)
        quantities.append(Quantity((value + 0.5 * bool(half)) * factor, unit, from_words or bool(half), factor != 1))
        index = unit_at + 1 + half
    return quantities


def combine_durations(quantities: Sequence[Quantity]) -> list[Quantity]:
    """Merge compound durations written largest unit first ('1 year 6 months' -> 18 months)."""
    merged: list[Quantity] = []
    for quantity in quantities:
        previous = merged[-1] if merged else None
        if previous is not None and previous.unit is not None and quantity.unit is not None:
            ratio = convert_duration(1, previous.unit, quantity.unit)
            if ratio is not None and ratio > 1:
                merged[-1] = Quantity(previous.value * ratio + quantity.value, quantity.unit, True, True)
                continue
        merged.append(quantity)
    return merged


# --------------------------------------------------------------------------- dates

_MONTHS: Final = {
    "january": 1,
    "jan": 1,
    "february": 2,
    "feb": 2,
    "march": 3,
    "mar": 3,
    "april": 4,
    "apr": 4,
    "may": 5,
    "june": 6,
    "jun": 6,
    "july": 7,
    "jul": 7,
    "august": 8,
    "aug": 8,
    "september": 9,
    "sep": 9,
    "sept": 9,
    "october": 10,
    "oct": 10,
    "november": 11,
    "nov": 11,
    "december": 12,
    "dec": 12,
}
MONTH_NAMES: Final = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_WEEKDAYS: Final = {
    "monday": 0,
    "mon": 0,
    "tuesday": 1,
    "tue": 1,
    "tues": 1,
    "wednesday": 2,
    "wed": 2,
    "thursday": 3,
    "thu": 3,
    "thur": 3,
    "thurs": 3,
    "friday": 4,
    "fri": 4,
    "saturday": 5,
    "sat": 5,
    "sunday": 6,
    "sun": 6,
}
WEEKDAY_NAMES: Final = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

_CLOCK_TIME: Final = re.compile(r"(?<!\d)\d{1,2}:\d{2}(?::\d{2})?(?!\d)")
_ISO_DATE: Final = re.compile(r"(?<!\d)(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?!\d)")
_COMPACT_ISO_DATE: Final = re.compile(r"(?<!\d)((?:19|20)\d{2})(\d{2})(\d{2})(?!\d)")
_NUMERIC_DATE: Final = re.compile(r"(?<!\d)(\d{1,2})[-/.](\d{1,2})(?:[-/.](\d{4}|\d{2}))?(?!\d)")
_DAY_JOINERS: Final = frozenset({"of", "the"})


@dataclass(frozen=True)
class DateReading:
    """One reading of a written date; day is None when only a month was given, year when none was."""

    day: int | None
    month: int
    year: int | None

    def describe(self) -> str:
        """Render as '5 October 2021', '5 October' or 'October 2021'."""
        parts = [str(self.day)] if self.day is not None else []
        parts.append(MONTH_NAMES[self.month - 1])
        if self.year is not None:
            parts.append(str(self.year))
        return " ".join(parts)


@dataclass(frozen=True)
class WrittenDate:
    """A date as written in an answer with its possible readings ('5/10/2021': 5 Oct or 10 May)."""

    readings: tuple[DateReading, ...]


def _valid(day: int, month: int, year: int | None) -> bool:
    if not 1 <= month <= 12 or day < 1:
        return False
    # a year-less 29 February is a real date, so check against a leap year
    probe_year = year if year is not None else 2000
    days_in_month = [31, 29 if _is_leap(probe_year) else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    return day <= days_in_month[month - 1]


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _full_year(text: str) -> int:
    value = int(text)
    if len(text) == 2:
        return 2000 + value if value < 70 else 1900 + value
    return value


def parse_dates(text: str) -> list[WrittenDate]:
    """Find the dates written in raw text, in the usual forms.

    ISO ``2021-10-05``; numeric ``5/10/2021``, ``5.10.21``, ``5-10``: both the day/month and the
    month/day readings are kept when both are valid, so a server with British and American players
    judges either fairly; words ``5 October 2021``, ``Oct 5th, 2021``, ``Tuesday 5th October``,
    ``the fifth of October``. A month with no day gives a reading whose day is None. An answer that
    names several months, or numbers that fit no slot, gives no date at all (it is a hedge).
    """
    cleaned = _CLOCK_TIME.sub(" ", clean(text))
    written: list[WrittenDate] = []
    for pattern in (_ISO_DATE, _COMPACT_ISO_DATE):
        for match in pattern.finditer(cleaned):
            iso_year, iso_month, iso_day = (int(group) for group in match.groups())
            if _valid(iso_day, iso_month, iso_year):
                written.append(WrittenDate((DateReading(iso_day, iso_month, iso_year),)))
        cleaned = pattern.sub(" ", cleaned)
    for match in _NUMERIC_DATE.finditer(cleaned):
        first, second = int(match.group(1)), int(match.group(2))
        year = _full_year(match.group(3)) if match.group(3) else None
        readings = [
            DateReading(day, month, year)
            for day, month in ((first, second), (second, first))
            if _valid(day, month, year)
        ]
        if readings:
            written.append(WrittenDate(tuple(dict.fromkeys(readings))))
    cleaned = _NUMERIC_DATE.sub(" ", cleaned)
    worded = _parse_worded_date(tokenize(cleaned))
    if worded is not None:
        written.append(WrittenDate((worded,)))
    return written


def _parse_worded_date(tokens: Sequence[str]) -> DateReading | None:
    month_positions = [index for index, token in enumerate(tokens) if token in _MONTHS]
    if len(month_positions) != 1:
        return None
    month_at = month_positions[0]
    month = _MONTHS[tokens[month_at]]
    numbers = [number for number in scan_numbers(tokens) if number.value.is_integer()]
    day: ParsedNumber | None = None
    for number in numbers:
        if number.digits > 2 or not 1 <= number.value <= 31:
            continue
        between_before = tokens[number.end : month_at]
        between_after = tokens[month_at + 1 : number.start]
        if number.end <= month_at and all(token in _DAY_JOINERS for token in between_before):
            day = number
            break
        if number.start > month_at and all(token in _DAY_JOINERS for token in between_after) and day is None:
            day = number
    year: int | None = None
    for number in numbers:
        if number is day:
            continue
        if number.digits == 4 and 1000 <= number.value <= 2999 and year is None:
            year = int(number.value)
        elif number.digits == 2 and day is not None and number.start > day.end and year is None:
            year = _full_year(f"{int(number.value):02d}")
        else:
            return None
    if day is None:
        return DateReading(None, month, year)
    if not _valid(int(day.value), month, year):
        return None
    return DateReading(int(day.value), month, year)


def parse_weekday(text: str) -> int | None:
    """Return the weekday (Monday = 0) named in raw text, if exactly one is."""
    days = {_WEEKDAYS[token] for token in tokenize(clean(text)) if token in _WEEKDAYS}
    return days.pop() if len(days) == 1 else None


# --------------------------------------------------------------------------- times

ZONE_OFFSETS: Final[dict[str, int]] = {
    # minutes east of UTC; fixed offsets, so a summer-time abbreviation is its own zone
    "utc": 0,
    "gmt": 0,
    "ut": 0,
    "z": 0,
    "zulu": 0,
    "wet": 0,
    "bst": 60,
    "west": 60,
    "cet": 60,
    "met": 60,
    "wat": 60,
    "cest": 120,
    "eet": 120,
    "cat": 120,
    "sast": 120,
    "eest": 180,
    "msk": 180,
    "moscow": 180,
    "eat": 180,
    "trt": 180,
    "pkt": 300,
    "almt": 360,
    "ict": 420,
    "wib": 420,
    "hkt": 480,
    "sgt": 480,
    "awst": 480,
    "jst": 540,
    "kst": 540,
    "acst": 570,
    "aest": 600,
    "aedt": 660,
    "nzst": 720,
    "nzdt": 780,
    "hst": -600,
    "akst": -540,
    "akdt": -480,
    "pst": -480,
    "pdt": -420,
    "mst": -420,
    "mdt": -360,
    # CST is also China Standard Time; on an English-speaking server the US meaning is far commoner.
    "cst": -360,
    "cdt": -300,
    "est": -300,
    "edt": -240,
    "ast": -240,
    "adt": -180,
    "nst": -210,
    "brt": -180,
}
"""Named zones players use, as minutes east of UTC. Ambiguous names (IST) are deliberately absent."""

_ZONE_LABELS: Final = {"moscow": "MSK", "zulu": "Z"}
# a number ends at a non-digit; "08:55." ends a sentence, "8.5" does not end a number
_NUMBER_START: Final = r"(?<!\d)(?<!\d[.:])"
_NUMBER_END: Final = r"(?!\d|[.:]\d)"
_CLOCK: Final = re.compile(_NUMBER_START + r"(\d{1,2})\s?[:.h]\s?(\d{2})(?:[:.]\d{2})?" + _NUMBER_END)
_FOUR_DIGIT_CLOCK: Final = re.compile(_NUMBER_START + r"(\d{1,2})(\d{2})" + _NUMBER_END)
_BARE_HOUR: Final = re.compile(_NUMBER_START + r"(\d{1,2})" + _NUMBER_END)
_EXPLICIT_OFFSET: Final = re.compile(r"(?<![^\W\d_])(utc|gmt|ut)\s?([+-])\s?(\d{1,2})(?::?(\d{2}))?(?!\d)")
# "08:55+03:00": an ISO offset glued to the minutes is rewritten as "08:55 utc+03:00"
_ISO_OFFSET: Final = re.compile(r"(?<=\d\d)([+-]\d{2}:?(?:00|30|45))(?!\d)")
_TIME_FILLERS: Final = frozenset(
    {
        "at",
        "in",
        "the",
        "time",
        "hrs",
        "hr",
        "hours",
        "h",
        "o",
        "clock",
        "oclock",
        "around",
        "about",
        "approximately",
        "approx",
        "exactly",
        "on",
        "launch",
        "lift",
        "off",
        "liftoff",
        "or",
        "and",
        "is",
        "it",
        "its",
        "s",
        *_MONTHS,
        *_WEEKDAYS,
        *_ORDINAL_SUFFIXES,
    }
)
_AM_WORDS: Final = frozenset({"am", "morning"})
_PM_WORDS: Final = frozenset({"pm", "afternoon", "evening"})


@dataclass(frozen=True)
class TimeReading:
    """A time of day as written: 24-hour hour and minute, and the zone, if any."""

    hour: int
    minute: int
    meridiem: Literal["am", "pm"] | None = None
    twelve_hour: bool = False
    """Written as 1-12 without a leading zero or am/pm, so 8:55 may also mean 20:55."""
    zone: str | None = None
    offset_minutes: int | None = None
    unknown_zone: str | None = None

    def describe(self) -> str:
        """Render as '08:55', '08:55 MSK'."""
        clock = f"{self.hour:02d}:{self.minute:02d}"
        return f"{clock} {self.zone}" if self.zone else clock


def zone_offset(zone: str) -> int | None:
    """Return the offset in minutes east of UTC of a zone name or 'UTC+3'-style label, or None if unknown."""
    key = clean(zone).replace(" ", "")
    if key in ZONE_OFFSETS:
        return ZONE_OFFSETS[key]
    match = _EXPLICIT_OFFSET.fullmatch(key)
    if match:
        return _offset_from(match.group(2), match.group(3), match.group(4))
    return None


def _offset_from(sign: str, hours: str, minutes: str | None) -> int | None:
    value = int(hours) * 60 + int(minutes or 0)
    if int(hours) > 14 or int(minutes or 0) >= 60:
        return None
    return -value if sign == "-" else value


def parse_times(text: str) -> list[TimeReading]:
    """Find the times of day written in raw text: '08:55', '8.55 am', '0855 GMT', '08:55Z', '11:55 MSK'.

    Words around each time are read for am/pm and a zone; a word that is neither a zone, a meridiem
    nor filler is reported as ``unknown_zone``. 'noon' and 'midnight' count when no digits are given.
    """
    cleaned = _ISO_OFFSET.sub(r" utc\1", clean(text))
    offsets: list[tuple[int | None, str]] = []

    def _take_offset(match: re.Match[str]) -> str:
        label = f"{match.group(1).upper()}{match.group(2)}{match.group(3)}"
        if match.group(4):
            label += f":{match.group(4)}"
        offsets.append((_offset_from(match.group(2), match.group(3), match.group(4)), label))
        return " "

    cleaned = _EXPLICIT_OFFSET.sub(_take_offset, cleaned)
    for pattern in (_CLOCK, _FOUR_DIGIT_CLOCK, _BARE_HOUR):
        matches = list(pattern.finditer(cleaned))
        if matches:
            break
    else:
        return _named_times(cleaned, offsets)
    readings: list[TimeReading] = []
    for position, match in enumerate(matches):
        before = cleaned[: match.start()] if position == 0 else ""
        after_end = matches[position + 1].start() if position + 1 < len(matches) else len(cleaned)
        after = cleaned[match.end() : after_end]
        hour_text = match.group(1)
        minute = int(match.group(2)) if match.lastindex and match.lastindex >= 2 else 0
        # "08:55" is a 24-hour clock; "8:55" and "11:55" may be either half of the day
        reading = _read_clock(int(hour_text), minute, not hour_text.startswith("0"), before, after, offsets)
        if reading is not None:
            readings.append(reading)
    return readings


def _named_times(cleaned: str, offsets: list[tuple[int | None, str]]) -> list[TimeReading]:
    words = tokenize(cleaned)
    for word, hour in (("noon", 12), ("midday", 12), ("midnight", 0)):
        if word in words:
            rest = " ".join(token for token in words if token != word)
            reading = _read_clock(hour, 0, False, "", rest, offsets)
            return [reading] if reading is not None else []
    return []


def _read_clock(
    hour: int,
    minute: int,
    may_be_twelve_hour: bool,
    before: str,
    after: str,
    offsets: list[tuple[int | None, str]],
) -> TimeReading | None:
    if minute >= 60 or hour >= 24:
        return None
    zone: str | None = None
    offset: int | None = None
    unknown: str | None = None
    if offsets:
        offset, zone = offsets[0]
        if offset is None:
            unknown = zone
    meridiem: Literal["am", "pm"] | None = None
    words = tokenize(before) + tokenize(after)
    index = 0
    while index < len(words):
        word = words[index]
        pair = (word, words[index + 1]) if index + 1 < len(words) else None
        if pair in (("a", "m"), ("p", "m")):
            word = pair[0] + "m" if pair else word
            index += 1
        index += 1
        if word in _AM_WORDS or word in _PM_WORDS:
            meridiem = "am" if word in _AM_WORDS else "pm"
        elif word in ZONE_OFFSETS:
            label = _ZONE_LABELS.get(word, word.upper())
            if zone is not None and ZONE_OFFSETS[word] != offset:
                unknown = f"{zone} and {label}"
            zone, offset = label, ZONE_OFFSETS[word]
        elif word[0].isdecimal() or word in _TIME_FILLERS:
            continue
        elif unknown is None:
            unknown = word
    if meridiem is not None:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if meridiem == "pm" else 0)
    twelve_hour = may_be_twelve_hour and meridiem is None and 1 <= hour <= 12
    return TimeReading(hour, minute, meridiem, twelve_hour, zone, offset, unknown)


_VALUE_WORDS: Final = frozenset(
    {*_NUMBER_WORDS, *_SMALL_ORDINALS, *_TENS_ORDINALS, *_UNIT_WORDS, *_MONTHS, "half", "noon", "midday", "midnight"}
)


def mentions_value(cleaned: str) -> bool:
    """Tell cheaply whether cleaned text may hold a number, duration, date or time worth parsing."""
    return any(char.isdecimal() for char in cleaned) or any(word in _VALUE_WORDS for word in tokenize(cleaned))
