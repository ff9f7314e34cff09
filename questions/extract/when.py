"""Dates, years, times, durations and counts written in a sentence, resolved against the document's date.

Relative words are resolved as the hand-written packs do: "on Tuesday" is the Tuesday nearest the document's
date in the sentence's tense (the day itself if the document is dated a Tuesday), "last year" the year before,
"October 17" that day of the document's year. Month-day phrases are parsed by python-dateutil; numbers and
durations are read by the matcher's own quantity reader, so "six months" means what a typed answer means.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from dateutil import parser as date_parser
from dateutil.relativedelta import relativedelta

from questions.extract.lexicon import MONTHS, TIME_ZONES, WEEKDAYS
from questions.text.durations import parse_quantities
from questions.text.numbers import parse_numbers

_MONTH = "|".join([*MONTHS, *(month[:3] + r"\.?" for month in MONTHS if len(month) > 3), "Sept"])
_WEEKDAY = "|".join(WEEKDAYS)
_ORDINAL = r"(?:st|nd|rd|th)?"
_ZONE = "|".join(sorted(TIME_ZONES))
_NUMBER_WORD = (
    r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|"
    r"seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|a|an"
)
_UNIT = r"minute|hour|day|week|fortnight|month|year|decade"

DATE_PHRASE = re.compile(
    rf"\b(?:(?P<prep>on|by|until|since|from)\s+)?(?:"
    rf"(?:(?P<wd1>{_WEEKDAY}),?\s+)?(?P<m1>{_MONTH})\s+(?P<d1>\d{{1,2}}){_ORDINAL}(?:,?\s+(?P<y1>\d{{4}}))?"
    rf"|(?:(?P<wd2>{_WEEKDAY}),?\s+)?(?:the\s+)?(?P<d2>\d{{1,2}}){_ORDINAL}\s+(?:of\s+)?(?P<m2>{_MONTH})"
    rf"(?:,?\s+(?P<y2>\d{{4}}))?"
    rf"|(?P<wd>{_WEEKDAY})"
    rf"|(?P<rel>yesterday|today|tomorrow))\b"
)
YEAR_PHRASE = re.compile(
    r"\b(?P<phrase>(?:(?P<edge>earlier|later|early|late)\s+)?(?P<which>this|last|next)\s+year"
    r"|(?P<prep>in|since)\s+(?P<year>(?:1[5-9]|20)\d\d))\b(?![-\w])"
)
TIME_PHRASE = re.compile(
    rf"\b(?:at\s+)?(?P<h>\d{{1,2}})(?::?(?P<m>\d{{2}}))?\s*(?P<ampm>a\.m\.|p\.m\.|am|pm)?\s*(?P<zone>{_ZONE})\b"
    rf"|\b(?:at\s+)?(?P<h2>\d{{1,2}})(?::(?P<m2>\d{{2}}))?\s*(?P<ampm2>a\.m\.|p\.m\.|am|pm)(?!\w)"
)
DURATION_PHRASE = re.compile(
    rf"\b(?P<number>\d+(?:\.\d+)?|{_NUMBER_WORD})(?:-|\s+)(?P<unit>(?:{_UNIT})s?)(?P<adjective>-long)?\b(?!-old)",
    re.IGNORECASE,
)
_PLURAL = r"[a-z]{2,}s|[a-z]*men|people|children"
COUNT_PHRASE = re.compile(
    rf"(?<![\d.,])\b(?P<number>\d{{1,3}}(?:,\d{{3}})+|\d+(?:\.\d+)?|{_NUMBER_WORD[: -len('|a|an')]}|dozens?)\s+"
    rf"(?P<noun>(?:[a-z]{{3,}}\s+)?(?:{_PLURAL}))\b"
)

PAST_WORDS = frozenset({"was", "were", "had", "did", "said", "told", "described", "announced", "went"})


@dataclass(frozen=True)
class WhenPhrase:
    """A time expression of a sentence, its span there, and what it resolves to."""

    start: int
    end: int
    text: str
    kind: str  # "date", "weekday-date", "year", "time"
    date: dt.date | None = None
    year: int | None = None
    time: dt.time | None = None
    zone: str | None = None
    weekday: str | None = None

    def derivation(self, document_date: dt.date) -> str | None:
        """How a relative phrase resolves, for the fact's 'derivation' (None when the phrase names the answer)."""
        dated = f"{document_date:%A} {document_date.day} {document_date:%B %Y}"
        if self.kind in {"date", "weekday-date"} and self.date is not None:
            if str(self.date.year) in self.text:
                return None
            return f"The document is dated {dated}, so “{self.text}” is {self.date.day} {self.date:%B %Y}."
        if self.kind == "year" and self.year is not None and str(self.year) not in self.text:
            return f"The document is dated {dated}, so “{self.text}” means {self.year}."
        return None

    def rewritten(self) -> str:
        """The phrase with relative words replaced, for a prompt that stands on its own."""
        prep = self.text.split()[0] if self.text.split()[0].islower() else ""
        if self.kind in {"date", "weekday-date"} and self.date is not None:
            lead = prep or "on"
            return f"{lead} {self.date.day} {self.date:%B %Y}"
        if self.kind == "year" and self.year is not None:
            edge = re.match(r"(earlier|later|early|late)\s", self.text)
            if self.text.startswith("since"):
                return f"since {self.year}"
            return f"{edge.group(1)} in {self.year}" if edge else f"in {self.year}"
        return self.text


def _tense(sentence: str) -> int:
    """-1 for past, +1 for future, 0 when unclear."""
    words = set(re.findall(r"[a-z’']+", sentence.casefold()))
    if words & {"will", "’ll", "'ll", "plans", "plan", "tomorrow", "next", "scheduled", "due"} or any(
        word.endswith(("’ll", "'ll")) for word in words
    ):
        return 1
    if words & PAST_WORDS or any(word.endswith("ed") for word in words if len(word) > 4):
        return -1
    return 0


def find_when(sentence: str, document_date: dt.date) -> list[WhenPhrase]:
    """Return every date, year and time phrase of a sentence, resolved against the document's date."""
    phrases: list[WhenPhrase] = []
    tense = _tense(sentence)
    for match in DATE_PHRASE.finditer(sentence):
        phrase = _date_phrase(match, document_date, tense)
        if phrase is not None:
            phrases.append(phrase)
    for match in YEAR_PHRASE.finditer(sentence):
        if any(p.start <= match.start() < p.end for p in phrases):
            continue
        if match.group("year"):
            year = int(match.group("year"))
        else:
            year = document_date.year + {"this": 0, "last": -1, "next": 1}[match.group("which")]
        phrases.append(WhenPhrase(match.start(), match.end(), match.group(), "year", year=year))
    for match in TIME_PHRASE.finditer(sentence):
        phrase = _time_phrase(match)
        if phrase is not None:
            phrases.append(phrase)
    return sorted(phrases, key=lambda phrase: phrase.start)


def _date_phrase(match: re.Match[str], document_date: dt.date, tense: int) -> WhenPhrase | None:
    text = match.group()
    if match.group("rel"):
        offset = {"yesterday": -1, "today": 0, "tomorrow": 1}[match.group("rel")]
        day = document_date + dt.timedelta(days=offset)
        return WhenPhrase(match.start(), match.end(), text, "date", date=day)
    if match.group("wd"):
        weekday = WEEKDAYS.index(match.group("wd"))
        delta = weekday - document_date.weekday()
        if delta > 3 or (delta > 0 and tense < 0):
            delta -= 7
        elif delta < -3 or (delta < 0 and tense > 0):
            delta += 7
        day = document_date + dt.timedelta(days=delta)
        return WhenPhrase(match.start(), match.end(), text, "weekday-date", date=day, weekday=match.group("wd"))
    month = match.group("m1") or match.group("m2")
    day_text = match.group("d1") or match.group("d2")
    year_text = match.group("y1") or match.group("y2")
    try:
        parsed = date_parser.parse(
            f"{day_text} {month} {year_text or document_date.year}", default=dt.datetime(document_date.year, 1, 1)
        ).date()
    except (ValueError, OverflowError):
        return None
    if year_text is None and tense < 0 and parsed > document_date + relativedelta(months=6):
        parsed = parsed.replace(year=parsed.year - 1)
    named_weekday: str | None = match.group("wd1") or match.group("wd2")
    return WhenPhrase(match.start(), match.end(), text, "date", date=parsed, weekday=named_weekday)


def _time_phrase(match: re.Match[str]) -> WhenPhrase | None:
    hour_text = match.group("h") or match.group("h2")
    minute_text = match.group("m") or match.group("m2") or "00"
    ampm = (match.group("ampm") or match.group("ampm2") or "").replace(".", "")
    zone = match.group("zone") or "GMT"
    hour, minute = int(hour_text), int(minute_text)
    if len(hour_text) == 1 and not match.group("m") and not ampm and not match.group("m2"):
        return None
    if ampm == "pm" and hour < 12:
        hour += 12
    elif ampm == "am" and hour == 12:
        hour = 0
    if not (0 <= hour < 24 and 0 <= minute < 60):
        return None
    if not match.group("zone") and not match.group("ampm2"):
        return None
    zone_named = match.group("zone") is not None
    return WhenPhrase(
        match.start(), match.end(), match.group(), "time", time=dt.time(hour, minute), zone=zone if zone_named else None
    )


@dataclass(frozen=True)
class Amount:
    """A duration or count phrase and its value."""

    start: int
    end: int
    text: str
    value: float
    unit: str | None  # a duration unit ('days') or, for counts, the counted noun ('people')
    adjective: bool  # '12-day journey'


def find_durations(sentence: str) -> list[Amount]:
    """Return the durations of a sentence ('six months', 'a 12-day journey'), read by the matcher's reader."""
    found: list[Amount] = []
    for match in DURATION_PHRASE.finditer(sentence):
        if match.group("number").casefold() in {"a", "an"}:
            continue  # "a year" is too vague to ask about
        quantities = [q for q in parse_quantities(match.group()) if q.unit is not None]
        if len(quantities) != 1 or quantities[0].unit is None:
            continue
        quantity = quantities[0]
        adjective = "-" in match.group().split()[0] or bool(match.group("adjective"))
        found.append(Amount(match.start(), match.end(), match.group(), quantity.value, quantity.unit, adjective))
    return found


def find_counts(sentence: str, taken: list[tuple[int, int]]) -> list[Amount]:
    """Return counted nouns ('three rovers', '1,200 people') outside the spans already taken."""
    found: list[Amount] = []
    for match in COUNT_PHRASE.finditer(sentence):
        if any(start <= match.start() < end for start, end in taken):
            continue
        numbers = parse_numbers(match.group("number").replace(",", ""))
        if len(numbers) != 1 or numbers[0].value < 2 or not float(numbers[0].value).is_integer():
            continue  # "1.4 kilometres" is a measure, not a count
        noun = match.group("noun")
        if re.fullmatch(rf"(?:{_UNIT})s", noun.split()[-1]) or noun.split()[0] in {"more", "less", "fewer", "other"}:
            continue
        found.append(Amount(match.start(), match.end(), match.group(), numbers[0].value, noun, False))
    return found
