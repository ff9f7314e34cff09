"""Read durations ('twelve days', 'a year and a half') and convert between their units."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Literal

from questions.text.normalize import clean
from questions.text.numbers import and_a_half, scan_numbers, tokenize

# --------------------------------------------------------------------------- durations

DurationUnit = Literal["minutes", "hours", "days", "weeks", "months", "years"]

_MINUTES_PER_UNIT: Final[dict[str, int]] = {"minutes": 1, "hours": 60, "days": 1440, "weeks": 10080}
_MONTHS_PER_UNIT: Final[dict[str, int]] = {"months": 1, "years": 12}

UNIT_WORDS: Final[dict[str, tuple[DurationUnit, int]]] = {
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
    "quarter": ("months", 3),
    "quarters": ("months", 3),
}
_UNIT_PREFIXES: Final = frozenset({"full", "whole", "more", "long", "calendar"})


def duration_unit(word: str | None) -> DurationUnit | None:
    """Return the duration unit a word or unit label names ('years old' -> 'years'), or None."""
    if not word:
        return None
    first = clean(word).split(" ", 1)[0]
    entry = UNIT_WORDS.get(first)
    return entry[0] if entry and entry[1] == 1 else None


def convert_duration(value: float, from_unit: DurationUnit, to_unit: DurationUnit) -> float | None:
    """Convert a duration only where the ratio is exact: minutes..weeks, or months..years; else None."""
    if from_unit == to_unit:
        return value
    for table in (_MINUTES_PER_UNIT, _MONTHS_PER_UNIT):
        if from_unit in table and to_unit in table:
            return value * table[from_unit] / table[to_unit]
    return None


DAYS_PER_MONTH: Final = 365.25 / 12
"""An average month, for approximate conversions between months or years and days, weeks or hours."""
APPROXIMATE_SLACK: Final = 0.03
"""How far (as a share of the value) an approximate conversion may land: 180 days is 6 months, 170 is not."""


def convert_duration_approximately(value: float, from_unit: DurationUnit, to_unit: DurationUnit) -> float:
    """Convert a duration, exactly where the ratio is exact, else through an average month (30.44 days)."""
    exact = convert_duration(value, from_unit, to_unit)
    if exact is not None:
        return exact
    minutes_per_month = DAYS_PER_MONTH * _MINUTES_PER_UNIT["days"]

    def in_minutes(unit: DurationUnit) -> float:
        if unit in _MINUTES_PER_UNIT:
            return _MINUTES_PER_UNIT[unit]
        return _MONTHS_PER_UNIT[unit] * minutes_per_month

    return value * in_minutes(from_unit) / in_minutes(to_unit)


def is_exact_conversion(from_unit: DurationUnit, to_unit: DurationUnit) -> bool:
    """Tell whether two units convert by an exact ratio (days and weeks do; days and months do not)."""
    return convert_duration(1, from_unit, to_unit) is not None


_LEADING_MINUS: Final = re.compile(r"^[^\w-]*-\s?(?=\d)")


_VULGAR_FRACTION: Final = re.compile(r"(\d*?)(\d)\u2044(\d{1,2})")
"""A vulgar fraction as Unicode folding writes it: '½' -> '1⁄2', '3½' -> '31⁄2' (the whole number glued on)."""
_MIXED_FRACTION: Final = re.compile(r"(?<![\d/.,])(\d+)\s+(\d)\s*/\s*(\d{1,2})(?![\d/])")
_FRACTION: Final = re.compile(r"(?<![\d/.,])(\d)\s*/\s*(\d{1,2})(?![\d/])")
_LEADING_POINT: Final = re.compile(r"(?<![\w.])\.(?=\d)")
_FRACTION_OF_A: Final = re.compile(r"(\b0\.\d+)\s+an?\s+")


def with_decimal_fractions(text: str) -> str:
    """Write the fractions of a typed quantity as decimals: '1/2 year' -> '0.5 year', '½' -> '0.5', '3 1/2' ->
    '3.5', '.5' -> '0.5'. Only a proper fraction of twelfths or coarser is one ('5/10/2021' is no fraction)."""

    def decimal(whole: str, numerator: str, denominator: str) -> str | None:
        top, bottom = int(numerator), int(denominator)
        if not 0 < top < bottom <= 12:
            return None
        return f"{int(whole or 0) + top / bottom:g}"

    text = _VULGAR_FRACTION.sub(lambda m: decimal(m[1], m[2], m[3]) or m[0], text)
    text = _MIXED_FRACTION.sub(lambda m: decimal(m[1], m[2], m[3]) or m[0], text)
    text = _FRACTION.sub(lambda m: decimal("", m[1], m[2]) or m[0], text)
    text = _FRACTION_OF_A.sub(r"\1 ", text)  # '½ a year' is half a year
    return _LEADING_POINT.sub("0.", text)


def read_quantity(text: str, unit: str | None) -> float | None:
    """Read the first number of a typed guess in the unit asked, or None if there is none.

    Units are read and converted: for a question in days, '2 weeks' is 14 and 'half a year' about 182.6;
    a number with no unit is taken in the unit asked. '.5', '-4', '1,200' and '2 million' are read too.
    This is the one number reader of the matcher and of the round engine's closest-answer rule.
    """
    cleaned = with_decimal_fractions(clean(text))
    quantities = combine_durations(parse_quantities(cleaned))
    if not quantities:
        return None
    first = quantities[0]
    value = quantity_in_unit(first, duration_unit(unit))
    return -value if _LEADING_MINUS.match(cleaned) and not first.from_words else value


def quantity_in_unit(quantity: Quantity, unit: DurationUnit | None) -> float:
    """Return a quantity's value in a unit (approximately across months and days); as is if either has none."""
    if quantity.unit is None or unit is None:
        return quantity.value
    return convert_duration_approximately(quantity.value, quantity.unit, unit)


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
        elif tokens[index] in ("a", "an") and index + 1 < count and tokens[index + 1] in UNIT_WORDS:
            value, from_words, unit_at = 1.0, True, index + 1
        else:
            index += 1
            continue
        while unit_at < count and tokens[unit_at] in _UNIT_PREFIXES:
            unit_at += 1
        entry = UNIT_WORDS.get(tokens[unit_at]) if unit_at < count else None
        if entry is None:
            quantities.append(Quantity(value, None, from_words))
            index = number.end if number is not None else index + 1
            continue
        unit, factor = entry
        half = and_a_half(tokens, unit_at + 1)
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
