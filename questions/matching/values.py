"""Judge answers that are values: numbers and durations, dates, times of day."""

from __future__ import annotations

import datetime as dt
import itertools
import math
import re
from functools import lru_cache
from typing import Final, Literal

from questions.matching.verdicts import (
    ALTERNATIVE_WORDS,
    Verdict,
    VerdictCode,
    accept,
    quote,
    reject,
)
from questions.models import ExpectedAnswer
from questions.store import format_number
from questions.text.dates import DateReading, WrittenDate, month_of, parse_dates, parse_weekday
from questions.text.durations import (
    APPROXIMATE_SLACK,
    UNIT_WORDS,
    Quantity,
    combine_durations,
    convert_duration,
    duration_unit,
    is_exact_conversion,
    parse_quantities,
    quantity_in_unit,
)
from questions.text.normalize import (
    clean,
    compact,
    normalize,
    normalize_cleaned,
)
from questions.text.numbers import ParsedNumber, scan_numbers, tokenize
from questions.text.times import ZONE_OFFSETS, TimeReading, parse_times, zone_offset

_BOUND_WORDS: Final = frozenset(
    {"more", "fewer", "less", "over", "under", "above", "below", "beyond", "least", "most", "almost", "nearly"}
    | {"within", "upto", "up", "max", "min", "maximum", "minimum"}
)
"""Words before a value that turn it into a bound or a near miss ('more than 3', 'at most 3', 'nearly 12 days')."""
_BOUND_AFTER_WORDS: Final = frozenset(
    {"tops", "latest", "earliest", "onwards", "onward", "upwards", "upward", "max", "min", "maximum", "minimum"}
    | {"later", "earlier", "plus"}
)
_BOUND_AFTER_JOINED: Final = frozenset(
    {"most", "least", "up", "over", "under", "above", "below", "more", "less", "beyond", "before", "after"}
)
"""Bound words after a value joined by 'at' or 'and' ('3 at most', '3 and up', '2020 and beyond')."""
_CLOCK_BOUND_WORDS: Final = frozenset({"from", "after", "until", "till", "til", "past", "before", "since", "by"})
"""Words after a value (and its unit) that turn it into a bound ('3 tops', '2020 at the latest')."""
_VALUE_PARTS: Final = re.compile(r"\s*[,;/]\s*|\s+and\s+")
"""Where one typed time ends and a second begins ('8:55, 9', '8:55 / 9am')."""
_SHORT_OF: Final = frozenset({"almost", "nearly"})
_BEFORE_AFTER_WORDS: Final = frozenset(
    {"before", "after", "since", "until", "till", "til", "prior", "by", "from", "pre", "post", "through", "thru"}
)
"""Words that turn a date or year into a range ('before 2020'); a time of day reads some itself ('ten to nine',
'ten after eight', 'ten till nine'), and only the others are bounds there (`_TIME_BOUND_WORDS`)."""
_TIME_BOUND_WORDS: Final = frozenset({"before", "since", "by", "prior"})
_PERIOD_AROUND_WORDS: Final = frozenset({"week", "weekend", "eve", "fortnight", "month", "runup", "run"})
"""Words before a date that make it a period around it, or another day ('the week of 5 October', 'the eve of')."""
_FOREIGN_AFTER_NUMBER: Final = frozenset(
    {"k", "m", "mn", "bn", "b", "lakh", "crore", "s", "bc", "bce", "light", "percent", "pc", "x", "times"}
    | {"ms", "sec", "secs", "second", "seconds", "century", "centuries", "millennium", "millennia"}
    | {"semester", "semesters", "season", "seasons", "km", "kg", "miles", "metres", "meters"}
    # counted things that are not the answer's ('3 crews' of people, '12 orbits' or '12 sols' for days)
    | {"crews", "teams", "rockets", "ships", "flights", "missions", "orbits", "sols", "laps", "trips"}
    | {"trimester", "trimesters", "terms", "weekends", "business", "working", "lunar", "moons"}
)
"""What written right after a number makes it another quantity than the answer's ('3M', '2020s', '2020 BC',
'6 ms', '6 light years', '6 centuries' for 6 months)."""
_BOUND_SIGN: Final = re.compile(r"\+(?!\s*\d)|[<>≤≥±]")
_TIME_BOUND_SIGN: Final = re.compile(r"\d\s*\+(?!\s*\d)|[<>≤≥±]")
"""A time's '+' may start its zone offset ('08:55+00:00', 'UTC+3'); elsewhere '3+' and '12 days+' are bounds."""
_MINUS_SIGN: Final = re.compile(r"^[\s(]*[-−–]\s*\d")

_QUANTITY_PARTS: Final = re.compile(r"\s*(?:[;()\[\]=]|(?<!\d)/|/(?!\d)|\bi\.?e\.?(?!\w))\s*")
"""Where one typed quantity ends and another begins: a duration is only summed within one part ('1 week 5 days')."""

_ValueKind = Literal["quantity", "date", "time"]


def value_qualifier(cleaned: str, kind: _ValueKind, unit: str | None = None) -> tuple[str, str] | None:
    """Return (word, what it does) when a typed value is not plainly one value: a second value offered ('or'),
    a bound ('more than', '3+', 'before'), a minus sign, or a scale or unit written after the number that makes
    it another quantity ('3M', '2020s'); the words of the answer's own ``unit`` ('km') are not. None for a plain
    value (approximations such as 'about' are plain)."""
    tokens = tokenize(cleaned)
    words = set(tokens)
    alternative = next((token for token in tokens if token in ALTERNATIVE_WORDS), None)  # '2020 or so'
    if alternative is not None:
        return alternative, "offers a second answer"
    bound = _bound_next_to_a_number(tokens, kind, unit)
    if bound is not None:
        return bound, "says it falls short of the value" if bound in _SHORT_OF else "makes it a range, not one value"
    sign = (_TIME_BOUND_SIGN if kind == "time" else _BOUND_SIGN).search(cleaned)
    if sign is not None:
        return sign.group(0)[-1], "makes it a range, not one value"
    if kind == "time" and _second_time(cleaned):
        separator = next((sep for sep in ("/", ",", ";", "and") if sep in cleaned), None)
        if separator is None:  # '8 5': two hours side by side; name the second
            separator = next((token for token in reversed(tokens) if token[0].isdecimal()), cleaned)
        return separator, "offers a second time"
    if kind == "quantity" and "%" in cleaned:
        return "%", "makes it a percentage"
    if kind == "quantity":
        ranks = (number for number in scan_numbers(tokens) if number.ordinal and not _in_a_date(tokens, number))
        rank = next(ranks, None)
        if rank is not None:
            return "".join(tokens[rank.start : rank.end]), "is a rank, not an amount"
    if "minus" in words or "negative" in words or _MINUS_SIGN.search(cleaned):
        return "minus", "makes it a negative number"
    if kind != "time":
        foreign = _FOREIGN_AFTER_NUMBER if kind == "quantity" else _FOREIGN_AFTER_NUMBER | UNIT_WORDS.keys()
        foreign = foreign - set(tokenize(clean(unit or "")))
        for number in scan_numbers(tokens):
            after = tokens[number.end] if number.end < len(tokens) else None
            if after in foreign:
                return after, "after the number makes it another quantity"
    return None


def _bound_next_to_a_number(tokens: list[str], kind: _ValueKind, unit: str | None) -> str | None:
    """Return a bound word right before a number ('more than 3', 'at most 3', 'from 2020', 'before 8:55') or right
    after it and its unit ('3 tops', '2020 at the latest', '12 days onwards'), else None.

    Only words next to a number count: '3 people went up', '12 days up in space' and 'six months, since April' are
    one value with words around it.
    """
    before = _BOUND_WORDS | (_TIME_BOUND_WORDS if kind == "time" else _BEFORE_AFTER_WORDS)
    if kind == "date":
        before |= _PERIOD_AROUND_WORDS
    units = set(UNIT_WORDS) | set(tokenize(clean(unit or ""))) | set(ZONE_OFFSETS)  # '08:55 GMT at the latest'
    numbers = scan_numbers(tokens)
    for index, number in enumerate(numbers):
        window = tokens[max(0, number.start - 4) : number.start]
        found = next((token for token in window if token in before), None)
        # 'after 8:55', 'until 08:55': a bound before a clock with its minutes ('quarter past 8' is a time)
        clock = kind == "time" and index + 1 < len(numbers) and numbers[index + 1].start == number.end
        if found is None and clock:
            found = next((token for token in window[-2:] if token in _CLOCK_BOUND_WORDS), None)
        if found is not None:
            return found
        after = number.end
        while after < len(tokens) and (tokens[after] in units or tokens[after][0].isdecimal()):
            after += 1
        following = tokens[after : after + 3]
        found = next((token for token in following if token in _BOUND_AFTER_WORDS), None)
        if found is None:  # '3 at most', '3 and up', '2020 and beyond', '3 or more' (the 'or' is caught apart)
            found = next(
                (b for a, b in itertools.pairwise(following) if a in ("at", "and") and b in _BOUND_AFTER_JOINED), None
            )
        if found is not None:
            return found
    return None


def _second_time(cleaned: str) -> bool:
    """Tell whether a typed time gives a second, different time ('8:55, 9'); the same instant in two zones
    ('0855 GMT, 1155 MSK') and a date beside the time ('8:55 GMT, 5 Oct') are one answer."""
    instants: set[int] = set()
    for part in _VALUE_PARTS.split(cleaned):
        if not re.search(r"\d", part) or (parse_dates(part) and not re.search(r"\d[:.h]\d|\d{4}\s*[a-z]", part)):
            continue
        for reading in parse_times(part):
            offset = reading.offset_minutes if reading.zone is not None else 0
            instants.add((reading.hour * 60 + reading.minute - (offset or 0)) % 1440)
    return len(instants) > 1


def _in_a_date(tokens: list[str], number: ParsedNumber) -> bool:
    """Tell whether an ordinal is the day of a date ('30th May 2020', 'May 30th'), not a rank."""
    return any(month_of(token) is not None for token in tokens[max(0, number.start - 2) : number.end + 2])


def judge_quantity(expected: ExpectedAnswer, cleaned: str, shown: str) -> Verdict:
    """Judge a number or duration: words or digits, units converted, within the tolerance.

    Units with an exact ratio (days and weeks, months and years) convert exactly; across the two
    (180 days for 6 months) the conversion goes through an average month and may land within 3 %.
    Every number of the answer must be right, so '12 or 13 days' is refused.
    """
    # '1 week 5 days' is 12 days; '1 week (5 days)' and 'a week / 5 days' are two guesses, each judged
    quantities = [
        quantity for part in _QUANTITY_PARTS.split(cleaned) for quantity in combine_durations(parse_quantities(part))
    ]
    if not quantities:
        return reject(VerdictCode.UNPARSEABLE, f"Rejected: there is no number in {quote(shown)}.")
    if expected.number is None:
        return judge_text_value(expected, normalize_cleaned(cleaned), shown)
    target = expected.number
    unit = duration_unit(expected.unit)
    converted_any = False
    approximate = False
    for quantity in quantities:
        if unit is None and quantity.unit is not None and not _is_year(quantity, expected):
            return reject(
                VerdictCode.WRONG_NUMBER,
                f"Rejected: {describe_quantity(quantity)} is a duration, not {expected.display}.",
            )
        value = quantity_in_unit(quantity, unit)
        slack = expected.tolerance + 1e-9
        if quantity.unit is not None and unit is not None:
            converted_any = converted_any or quantity.unit != unit
            if not is_exact_conversion(quantity.unit, unit):
                approximate = True
                slack = max(slack, APPROXIMATE_SLACK * abs(target))
        if not math.isclose(value, target, abs_tol=slack):
            return reject(
                VerdictCode.WRONG_NUMBER, f"Rejected: {describe_quantity(quantity)} is not {expected.display}."
            )
    first = quantities[0]
    if approximate:
        return accept(
            VerdictCode.EQUIVALENT,
            f"Accepted: {describe_quantity(first)} is about {expected.display}.",
            expected.display,
        )
    notation_same = not (first.from_words or first.scaled or converted_any) and len(quantities) == 1
    if notation_same and first.value == target:
        return accept(VerdictCode.EXACT, f"Accepted: {expected.display}.", expected.display)
    if math.isclose(quantity_in_unit(first, unit), target, abs_tol=1e-9):
        return accept(VerdictCode.EQUIVALENT, f"Accepted: {quote(shown)} is {expected.display}.", expected.display)
    return accept(
        VerdictCode.EQUIVALENT,
        f"Accepted: {describe_quantity(first)} is within {format_number(expected.tolerance, None)} "
        f"of {expected.display}.",
        expected.display,
    )


def year_as_date(expected: ExpectedAnswer, cleaned: str, shown: str) -> Verdict | None:
    """Accept a full date in the right year for a question asking for a year ('30 May 2020' for 2020).

    None when the answer is no year, or the text holds no date with a day and a month in it.
    """
    target = expected.number
    if target is None or expected.unit or not float(target).is_integer() or not 1000 <= target <= 2100:
        return None
    dates = [reading for date in parse_dates(cleaned) for reading in date.readings]
    if not dates or any(reading.day is None or reading.year is None for reading in dates):
        return None
    if all(reading.year == int(target) for reading in dates):
        return accept(VerdictCode.EQUIVALENT, f"Accepted: {dates[0].describe()} is in {int(target)}.", expected.display)
    return reject(VerdictCode.WRONG_NUMBER, f"Rejected: {dates[0].describe()} is not in {int(target)}.")


def judge_date(expected: ExpectedAnswer, cleaned: str, key: str, shown: str) -> Verdict:
    """Judge a date: any usual notation; a year-less date counts when day and month match.

    Numeric dates like 5/10/2021 are read both day-first and month-first, and accepted if either
    reading is right: players come from both conventions and the quiz cannot know which they use.
    """
    target = expected.date
    if target is None:
        return judge_text_value(expected, key, shown)
    written = parse_dates(cleaned)
    if not written:
        weekday = parse_weekday(cleaned)
        if weekday is not None:
            return reject(VerdictCode.UNPARSEABLE, f"Rejected: {quote(shown)} is a weekday; give the date.")
        if any(month_of(word) is not None for word in tokenize(cleaned)):
            return reject(VerdictCode.UNPARSEABLE, f"Rejected: {quote(shown)} is not one date; give one.")
        return reject(VerdictCode.UNPARSEABLE, f"Rejected: there is no date in {quote(shown)}.")
    for date in written:
        if not any(date_matches(reading, target) for reading in date.readings):
            return wrong_date(date.readings[0], target, expected.display)
    readings = [reading for date in written for reading in date.readings if date_matches(reading, target)]
    exact_forms = {compact(normalize(expected.display)), compact(normalize(target.isoformat()))}
    note = ""
    weekday = parse_weekday(cleaned)
    if weekday is not None and weekday != target.weekday():
        note = f" (it was a {target:%A}, though)"
    if compact(key) in exact_forms and not note:
        return accept(VerdictCode.EXACT, f"Accepted: {expected.display}.", expected.display)
    reading = readings[0]
    return accept(VerdictCode.EQUIVALENT, f"Accepted: {shown} is {reading.describe()}{note}.", expected.display)


def judge_time(expected: ExpectedAnswer, cleaned: str, shown: str) -> Verdict:
    """Judge a time of day: zones are converted (11:55 MSK is 08:55 GMT); no zone means the asked zone.

    '8:55' without am/pm or a leading zero may mean either half of the day; '8:55 pm' may not.
    """
    target = expected.time
    if target is None:
        return judge_text_value(expected, normalize_cleaned(cleaned), shown)
    zone = expected.zone or "GMT"
    target_offset = zone_offset(zone)
    target_clock = f"{target:%H:%M}"
    readings = parse_times(cleaned)
    if not readings:
        return reject(VerdictCode.UNPARSEABLE, f"Rejected: there is no time in {quote(shown)}.")
    converted = False
    for reading in readings:
        if reading.unknown_zone is not None:
            return reject(
                VerdictCode.UNPARSEABLE,
                f"Rejected: the time zone {quote(reading.unknown_zone.upper())} is not known; give the time in {zone}.",
            )
        offset = reading.offset_minutes if reading.zone is not None else target_offset
        if target_offset is None and reading.zone is not None and reading.zone.casefold() != zone.casefold():
            return reject(
                VerdictCode.UNPARSEABLE, f"Rejected: {reading.zone} cannot be converted; give the time in {zone}."
            )
        matched_minutes = time_match(reading, target, offset or 0, target_offset or 0)
        if matched_minutes is None:
            return wrong_time(reading, target_clock, zone, target_offset)
        other_zone = reading.zone is not None and (offset or 0) != (target_offset or 0)
        other_half_of_day = matched_minutes != reading.hour * 60 + reading.minute
        converted = converted or other_zone or other_half_of_day or reading.meridiem is not None or reading.worded
    if converted:
        first = readings[0]
        written = shown if len(readings) > 1 or first.worded else describe_time_as_written(first)
        return accept(
            VerdictCode.EQUIVALENT, f"Accepted: {written} is {target_clock} {zone}.", f"{target_clock} {zone}"
        )
    return accept(VerdictCode.EXACT, f"Accepted: {target_clock} {zone}.", f"{target_clock} {zone}")


def wrong_time(reading: TimeReading, target_clock: str, zone: str, target_offset: int | None) -> Verdict:
    clock = f"{reading.hour:02d}:{reading.minute:02d}"
    same_zone = reading.zone is None or reading.offset_minutes == target_offset
    if same_zone or target_offset is None or reading.offset_minutes is None:
        return reject(VerdictCode.WRONG_TIME, f"Rejected: {clock} is not {target_clock}.")
    minutes = (reading.hour * 60 + reading.minute - reading.offset_minutes + target_offset) % 1440
    in_zone = f"{minutes // 60:02d}:{minutes % 60:02d}"
    return reject(
        VerdictCode.WRONG_TIME,
        f"Rejected: {clock} {reading.zone} is {in_zone} {zone}, not {target_clock} {zone}.",
    )


def judge_text_value(expected: ExpectedAnswer, key: str, shown: str) -> Verdict:
    """Fallback for a typed answer whose value is missing: compare with the displayed answer."""
    for phrasing in (expected.display, *expected.accepted):
        if compact(normalize(phrasing)) == compact(key):
            return accept(VerdictCode.EXACT, f"Accepted: {expected.display}.", expected.display)
    return reject(VerdictCode.WRONG, f"Rejected: {quote(shown)} is not {expected.display}.")


@lru_cache(maxsize=1024)
def dates_of(choice: str) -> list[WrittenDate]:
    return parse_dates(choice)


@lru_cache(maxsize=1024)
def times_of(choice: str) -> list[TimeReading]:
    return parse_times(choice)


@lru_cache(maxsize=1024)
def quantities_of(choice: str) -> list[Quantity]:
    return combine_durations(parse_quantities(choice))


def _is_year(quantity: Quantity, expected: ExpectedAnswer) -> bool:
    """Tell whether '2020 year' names the year asked for (not a duration of 2020 years)."""
    target = expected.number
    return quantity.unit == "years" and target is not None and 1000 <= target <= 2100 and quantity.value == target


def describe_quantity(quantity: Quantity) -> str:
    unit = quantity.unit[:-1] if quantity.unit and quantity.value == 1 else quantity.unit
    return format_number(quantity.value, unit)


def same_time(answer: TimeReading, option: TimeReading) -> bool:
    """Tell whether two written times are the same instant; a missing zone takes the other's zone."""
    answer_offset = answer.offset_minutes if answer.zone else option.offset_minutes
    option_offset = option.offset_minutes if option.zone else answer.offset_minutes
    wanted = (option.hour * 60 + option.minute - (option_offset or 0) + (answer_offset or 0)) % 1440
    written = answer.hour * 60 + answer.minute
    return wanted == written or (answer.twelve_hour and wanted == (written + 720) % 1440)


def same_quantity(answer: Quantity, option: Quantity) -> bool:
    if answer.unit is None or option.unit is None:
        return math.isclose(answer.value, option.value)
    converted = convert_duration(answer.value, answer.unit, option.unit)
    return converted is not None and math.isclose(converted, option.value)


def date_matches(reading: DateReading, target: dt.date) -> bool:
    return (
        reading.day == target.day
        and reading.month == target.month
        and (reading.year is None or reading.year == target.year)
    )


def reading_agrees(answer: DateReading, option: DateReading) -> bool:
    return (
        answer.day == option.day
        and answer.month == option.month
        and (answer.year is None or option.year is None or answer.year == option.year)
    )


def wrong_date(reading: DateReading, target: dt.date, display: str) -> Verdict:
    if reading.day is None:
        if reading.month == target.month and reading.year in (None, target.year):
            return reject(VerdictCode.UNPARSEABLE, f"Rejected: {reading.describe()} has no day; give the full date.")
        return reject(VerdictCode.WRONG_DATE, f"Rejected: {reading.describe()} is not {display}.")
    return reject(VerdictCode.WRONG_DATE, f"Rejected: {reading.describe()} is not {display}.")


def time_match(reading: TimeReading, target: dt.time, offset: int, target_offset: int) -> int | None:
    """Return the 24-hour minutes the reading matched the target as (in its own zone), or None."""
    wanted = (target.hour * 60 + target.minute - target_offset + offset) % 1440
    written = reading.hour * 60 + reading.minute
    options = [written]
    if reading.twelve_hour:
        options.append((written + 720) % 1440)
    return next((minutes for minutes in options if minutes == wanted), None)


def describe_time_as_written(reading: TimeReading) -> str:
    if reading.meridiem is not None:
        hour = reading.hour % 12 or 12
        clock = f"{hour}:{reading.minute:02d} {reading.meridiem}"
    else:
        clock = f"{reading.hour:02d}:{reading.minute:02d}"
    return f"{clock} {reading.zone}" if reading.zone else clock
