"""Read calendar dates and weekdays out of typed answers, in the usual notations."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Final

from rapidfuzz.distance import OSA

from questions.text.normalize import clean
from questions.text.numbers import ParsedNumber, scan_numbers, tokenize
from questions.text.vocabulary import is_english_word

# --------------------------------------------------------------------------- dates

MONTH_WORDS: Final = {
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
    # Russian, as `clean` transliterates it ('5 октября 2021' is '5 oktyabrya 2021'): the genitive of dates, and the
    # nominative where it is no word or name of its own ('mart', 'maya' and 'iyun' are left out)
    "yanvarya": 1,
    "yanvar": 1,
    "fevralya": 2,
    "fevral": 2,
    "marta": 3,
    "aprelya": 4,
    "aprel": 4,
    "iyunya": 6,
    "iyulya": 7,
    "avgusta": 8,
    "avgust": 8,
    "sentyabrya": 9,
    "sentyabr": 9,
    "oktyabrya": 10,
    "oktyabr": 10,
    "noyabrya": 11,
    "noyabr": 11,
    "dekabrya": 12,
    "dekabr": 12,
}
_FULL_MONTH_NAMES: Final = {word: month for word, month in MONTH_WORDS.items() if len(word) >= 5}
"""The month names long enough that one slip still names only them ('Ocotber', 'Octber', 'Oktober', 'Septmber')."""


@lru_cache(maxsize=1024)
def month_of(word: str) -> int | None:
    """Return the month a lower-case word names: 'oct', 'october', or one slip away from a full month name.

    A slip is one letter added, dropped, changed or two swapped (German 'Oktober', French 'Octobre'); the short
    names ('may', 'june', 'jul', 'mar') take none, as one letter turns them into each other, and a word of its own
    ('match', 'marsh') is not read as the month it is one letter from.
    """
    month = MONTH_WORDS.get(word)
    if month is not None or len(word) < 5 or not word.isalpha():
        return month
    near = {month for name, month in _FULL_MONTH_NAMES.items() if OSA.distance(word, name, score_cutoff=1) <= 1}
    if len(near) != 1 or is_english_word(word):
        return None
    return near.pop()


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
WEEKDAY_WORDS: Final = {
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
    ``the fifth of October``, also with a month name one slip off (``Ocotber 5``: `month_of`). A month
    with no day gives a reading whose day is None. An answer that names several months, or numbers
    that fit no slot, gives no date at all (it is a hedge).
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
    months = [(index, month) for index, token in enumerate(tokens) if (month := month_of(token)) is not None]
    if len(months) != 1:
        return None
    month_at, month = months[0]
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
    days = {WEEKDAY_WORDS[token] for token in tokenize(clean(text)) if token in WEEKDAY_WORDS}
    return days.pop() if len(days) == 1 else None
