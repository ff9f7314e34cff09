"""Read times of day with am/pm and time zones out of typed answers."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Final, Literal

from questions.text.dates import MONTH_WORDS, WEEKDAY_WORDS
from questions.text.normalize import clean
from questions.text.numbers import ORDINAL_SUFFIXES, scan_numbers, tokenize
from questions.text.vocabulary import is_english_word

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
# "8 55": hour and minutes with a space for the colon (a phone keyboard); only one space, so "8 or 10" is two hours
_SPACED_CLOCK: Final = re.compile(_NUMBER_START + r"(\d{1,2}) ([0-5]\d)" + _NUMBER_END)
_BARE_HOUR: Final = re.compile(_NUMBER_START + r"(\d{1,2})" + _NUMBER_END)
_EXPLICIT_OFFSET: Final = re.compile(r"(?<![^\W\d_])(utc|gmt|ut)\s?([+-])\s?(\d{1,2})(?::?(\d{2}))?(?!\d)")
# "08:55+03:00": an ISO offset glued to the minutes is rewritten as "08:55 utc+03:00"
_ISO_OFFSET: Final = re.compile(r"(?<=\d\d)\s?([+-]\d{2}:?(?:00|30|45))(?!\d)")
_TIME_FILLERS: Final = frozenset(
    {
        "was",
        "please",
        "pretty",
        "sure",
        "likely",
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
        *MONTH_WORDS,
        *WEEKDAY_WORDS,
        *ORDINAL_SUFFIXES,
    }
)
_ZONE_NAMES: Final = (
    (re.compile(r"\bgreenwich mean time\b"), "gmt"),
    (re.compile(r"\b(?:coordinated )?universal time\b"), "utc"),
    (re.compile(r"\bmoscow (?:standard )?time\b"), "msk"),
)
"""Zones written out in words ('08:55 Greenwich Mean Time'), read as their abbreviations."""
_ZONE_LIKE_WORDS: Final = frozenset(
    {"local", "eastern", "western", "central", "pacific", "mountain", "atlantic", "standard", "daylight", "summer"}
    | {"winter", "european", "kyiv", "london", "paris", "berlin", "tokyo", "beijing", "york", "india", "china"}
    # abbreviations of zones that are English words or are ambiguous: IST (India or Ireland), ART, PET, GET...
    | {"ist", "azt", "amt", "sst"}
)
"""English words that name a zone the answer cannot be converted from ('08:55 local', 'Eastern'): still refused."""
_AM_WORDS: Final = frozenset({"am", "morning"})
_PM_WORDS: Final = frozenset({"pm", "afternoon", "evening"})
_NIGHT_WORDS: Final = frozenset({"night", "tonight"})
"""Evening hours at night ('8:55 at night' is 20:55); small hours stay ('2:55 at night' is 02:55)."""


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
    worded: bool = False
    """Said in words ('five to nine'), not written as a clock."""

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
    """Find the times of day written in raw text: '08:55', '8.55 am', '0855 GMT', '8 55', '08:55Z', '11:55 MSK'.

    Words around each time are read for am/pm and a zone; a word that is neither a zone, a meridiem
    nor filler is reported as ``unknown_zone``. 'noon' and 'midnight' count when no digits are given.
    Times in words count too: 'five to nine', 'quarter past eight', '25 minutes to 9', 'nine o'clock',
    'eight fifty-five am'.
    """
    cleaned = _ISO_OFFSET.sub(r" utc\1", clean(text))
    for pattern, zone in _ZONE_NAMES:
        cleaned = pattern.sub(zone, cleaned)
    offsets: list[tuple[int | None, str]] = []

    def _take_offset(match: re.Match[str]) -> str:
        label = f"{match.group(1).upper()}{match.group(2)}{match.group(3)}"
        if match.group(4):
            label += f":{match.group(4)}"
        offsets.append((_offset_from(match.group(2), match.group(3), match.group(4)), label))
        return " "

    cleaned = _EXPLICIT_OFFSET.sub(_take_offset, cleaned)
    worded = _worded_time(cleaned, offsets)
    if worded is not None:
        return [worded]
    for pattern in (_CLOCK, _FOUR_DIGIT_CLOCK, _SPACED_CLOCK, _BARE_HOUR):
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


_BEFORE_WORDS: Final = frozenset({"to", "before", "till", "til"})
_AFTER_WORDS: Final = frozenset({"past", "after"})
_MINUTE_WORDS: Final = frozenset({"minute", "minutes", "min", "mins"})


def _worded_time(cleaned: str, offsets: list[tuple[int | None, str]]) -> TimeReading | None:
    """Read a time said in words: '[N minutes|quarter|half] to/past H', 'H o'clock', 'eight fifty-five'."""
    tokens = tokenize(cleaned)
    numbers = [number for number in scan_numbers(tokens) if number.value.is_integer() and not number.ordinal]
    starting = {number.start: number for number in numbers}
    ending = {number.end: number for number in numbers}
    span: tuple[int, int] | None = None
    hour = minute = 0
    for index, token in enumerate(tokens):
        if token not in _BEFORE_WORDS and token not in _AFTER_WORDS:
            continue
        hour_number = starting.get(index + 1)
        if hour_number is None or not 1 <= hour_number.value <= 12:
            continue
        first = index - 1 if index and tokens[index - 1] in _MINUTE_WORDS else index
        if first and tokens[first - 1] in ("quarter", "half"):
            minutes, start = (15 if tokens[first - 1] == "quarter" else 30), first - 1
            start -= start > 0 and tokens[start - 1] in ("a", "an")
        elif first in ending and 1 <= ending[first].value <= 30:
            minutes, start = int(ending[first].value), ending[first].start
        else:
            continue
        if token in _BEFORE_WORDS and minutes == 30:
            continue  # "half to nine" is not said
        total = int(hour_number.value) * 60 + (minutes if token in _AFTER_WORDS else -minutes)
        hour, minute = divmod(total % 1440, 60)
        span = (start, hour_number.end)
        break
    else:
        for position, number in enumerate(numbers):
            if not number.from_words or not 0 <= number.value <= 23:
                continue
            follower = numbers[position + 1] if position + 1 < len(numbers) else None
            if tokens[number.end : number.end + 2] == ["o", "clock"] or tokens[number.end : number.end + 1] == [
                "oclock"
            ]:
                hour, minute = int(number.value), 0
                span = (number.start, number.end + (2 if tokens[number.end] == "o" else 1))
                break
            if follower is not None and follower.from_words and follower.start == number.end and follower.value < 60:
                hour, minute = int(number.value), int(follower.value)
                span = (number.start, follower.end)
                break
    if span is None:
        return None
    rest = " ".join(tokens[: span[0]] + tokens[span[1] :])
    reading = _read_clock(hour, minute, 1 <= hour <= 12, "", rest, offsets)
    return dataclasses.replace(reading, worded=True) if reading is not None else None


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
        elif word in _NIGHT_WORDS:
            if meridiem is None and 6 <= hour <= 11:
                meridiem = "pm"  # '8:55 at night'; '2:55 at night' and '12:30 at night' are read as typed
        elif word in ZONE_OFFSETS:
            label = _ZONE_LABELS.get(word, word.upper())
            if zone is not None and ZONE_OFFSETS[word] != offset:
                unknown = f"{zone} and {label}"
            zone, offset = label, ZONE_OFFSETS[word]
        elif word[0].isdecimal() or word in _TIME_FILLERS:
            continue
        elif unknown is None and (not is_english_word(word) or word in _ZONE_LIKE_WORDS):
            # a zone is an abbreviation or a city; 'that', 'ok', 'dot' or 'took' are words around the time
            unknown = word
    if meridiem is not None:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if meridiem == "pm" else 0)
    twelve_hour = may_be_twelve_hour and meridiem is None and 1 <= hour <= 12
    return TimeReading(hour, minute, meridiem, twelve_hour, zone, offset, unknown)
