"""Table-driven tests of answer normalisation and of reading numbers, durations, dates and times."""

from __future__ import annotations

import pytest

from questions.text.dates import DateReading, month_of, parse_dates, parse_weekday
from questions.text.durations import (
    combine_durations,
    convert_duration,
    convert_duration_approximately,
    duration_unit,
    parse_quantities,
    read_quantity,
)
from questions.text.normalize import clean, digit_runs, display_text, is_blank, normalize, strip_filler, typo_budget
from questions.text.numbers import digitize_number_words, parse_numbers
from questions.text.times import TimeReading, parse_times, zone_offset
from questions.text.values import mentions_value
from questions.text.vocabulary import is_known_word

# --------------------------------------------------------------------------- normalisation


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("Yulia Peresild", "yulia peresild"),
        ("  YULIA   peresild  ", "yulia peresild"),
        ("Yulia Peresíld", "yulia peresild"),  # accent stripped
        ("Ｙｕｌｉａ　Ｐｅｒｅｓｉｌｄ", "yulia peresild"),  # full-width letters and space (NFKC)
        ("Yu\u200blia\u200d Pere\u2060sild\u202e", "yulia peresild"),  # zero-width and bidi controls
        ("\u2067Peresild\u2069", "peresild"),  # isolate controls around the name
        ("Pe\u0301resild\u0308", "peresild"),  # stray combining marks
        ("**Peresild**", "peresild"),  # markdown bold
        ("||Peresild||", "peresild"),  # Discord spoiler
        ("__*~~`Peresild`~~*__", "peresild"),
        ("> Peresild", "peresild"),  # quote markdown
        ("“Peresild”", "peresild"),
        ("«Peresild»", "peresild"),
        ("'Peresild'", "peresild"),
        ("Soyuz MS-19", "soyuz ms 19"),
        ("Soyuz MS19", "soyuz ms 19"),  # letters and digits split
        ("Soyuz—MS_19!!", "soyuz ms 19"),
        ("The Challenge", "challenge"),  # leading article dropped
        ("a capsule", "capsule"),
        ("an experiment", "experiment"),
        ("the", "the"),  # a lone article is kept, and is blank (below)
        ("Russia's space agency", "russias space agency"),  # apostrophes dropped, not spaced
        ("Roscosmos’ problems", "roscosmos problems"),
        ("Пересильд", "peresild"),  # Cyrillic transliterated
        ("Шкаплеров", "shkaplerov"),
        ("Союз МС-19", "soyuz ms 19"),
        ("Ærø", "aero"),
        ("", ""),
        ("?!…", ""),
    ],
)
def test_normalize(raw: str, key: str) -> None:
    assert normalize(raw) == key


def test_clean_keeps_punctuation_numbers_need() -> None:
    assert clean("  **08:55**  ") == "08:55"
    assert clean("5/10/2021") == "5/10/2021"
    assert clean("UTC+3") == "utc+3"
    assert clean("Line\nbreak\ttab") == "line break tab"


@pytest.mark.parametrize(
    ("key", "blank"),
    [("", True), ("the", True), ("a", True), ("and the of", True), ("peresild", False), ("the iss", False)],
)
def test_is_blank(key: str, blank: bool) -> None:
    assert is_blank(key) is blank


@pytest.mark.parametrize(
    ("key", "stripped"),
    [
        ("i think its peresild", "peresild"),
        ("my answer is the iss", "iss"),
        ("maybe shipenko", "shipenko"),
        ("its monopoly", "monopoly"),
        ("peresild", "peresild"),
        ("maybe", "maybe"),  # nothing would be left
    ],
)
def test_strip_filler(key: str, stripped: str) -> None:
    assert strip_filler(key) == stripped


def test_display_text_strips_invisibles_and_markdown_but_keeps_case() -> None:
    assert display_text("**Soyuz\u200b MS-18**") == "Soyuz MS-18"
    assert display_text("x" * 100, limit=10) == "x" * 9 + "…"


@pytest.mark.parametrize(
    ("length", "budget"), [(1, 0), (3, 0), (4, 1), (7, 1), (8, 2), (12, 2), (13, 2), (20, 3), (40, 6)]
)
def test_typo_budget_grows_with_length(length: int, budget: int) -> None:
    assert typo_budget(length) == budget


def test_digit_runs_and_number_words() -> None:
    assert digit_runs("soyuz ms 19") == (19,)
    assert digit_runs("apollo 011 and 7") == (11, 7)
    assert digitize_number_words("apollo eleven") == "apollo 11"
    assert digitize_number_words("soyuz ms nineteen") == "soyuz ms 19"
    assert digitize_number_words("yulia peresild") == "yulia peresild"


# --------------------------------------------------------------------------- numbers


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("12", [12]),
        ("twelve", [12]),
        ("thirty-seven", [37]),
        ("thirty seven", [37]),
        ("Thirty-Eight", [38]),
        ("one hundred and five", [105]),
        ("a hundred", [100]),
        ("a dozen", [12]),
        ("two dozen", [24]),
        ("two thousand and twenty-one", [2021]),
        ("twenty twenty-one", [2021]),  # a year as spoken
        ("nineteen eighty four", [1984]),
        ("12.5", [12.5]),
        ("12,5", [12.5]),
        ("1,000", [1000]),
        ("12th", [12]),
        ("fifth", [5]),
        ("twenty-fifth", [25]),
        ("one and a half", [1.5]),
        ("half", [0.5]),
        ("12 or 13", [12, 13]),
        ("seven seven", [7, 7]),
        ("１２", [12]),  # full-width digits
        ("no numbers here", []),
    ],
)
def test_parse_numbers(text: str, values: list[float]) -> None:
    assert [number.value for number in parse_numbers(text)] == values


def test_parse_numbers_marks_words_and_ordinals() -> None:
    [words] = parse_numbers("twelve")
    [ordinal] = parse_numbers("5th")
    [year] = parse_numbers("2021")
    assert words.from_words and not words.ordinal
    assert ordinal.ordinal and not ordinal.from_words
    assert year.digits == 4


@pytest.mark.parametrize(
    ("text", "quantities"),
    [
        ("12 days", [(12, "days")]),
        ("twelve days", [(12, "days")]),
        ("12-day", [(12, "days")]),
        ("12days", [(12, "days")]),
        ("12", [(12, None)]),
        ("37 years old", [(37, "years")]),
        ("37yo", [(37, "years")]),
        ("six months", [(6, "months")]),
        ("half a year", [(0.5, "years")]),
        ("a year and a half", [(1.5, "years")]),
        ("one and a half years", [(1.5, "years")]),
        ("a fortnight", [(14, "days")]),
        ("an hour", [(1, "hours")]),
        ("2 weeks", [(2, "weeks")]),
        ("12 full days", [(12, "days")]),
        ("1 year 6 months", [(1, "years"), (6, "months")]),
        ("12 or 13 days", [(12, None), (13, "days")]),
    ],
)
def test_parse_quantities(text: str, quantities: list[tuple[float, str | None]]) -> None:
    assert [(q.value, q.unit) for q in parse_quantities(text)] == quantities


def test_combine_durations_sums_largest_unit_first_only() -> None:
    assert [(q.value, q.unit) for q in combine_durations(parse_quantities("1 year 6 months"))] == [(18, "months")]
    assert [(q.value, q.unit) for q in combine_durations(parse_quantities("2 weeks 3 days"))] == [(17, "days")]
    # smaller unit first is two answers, not a sum
    assert len(combine_durations(parse_quantities("6 months 1 year"))) == 2


@pytest.mark.parametrize(
    ("value", "source", "target", "converted"),
    [
        (2, "weeks", "days", 14),
        (288, "hours", "days", 12),
        (0.5, "years", "months", 6),
        (90, "minutes", "hours", 1.5),
        (6, "months", "days", None),  # not an exact ratio
        (1, "years", "weeks", None),
        (12, "days", "days", 12),
    ],
)
def test_convert_duration_only_exact_ratios(value: float, source: str, target: str, converted: float | None) -> None:
    assert convert_duration(value, source, target) == converted  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("label", "unit"), [("days", "days"), ("years old", "years"), ("people", None), (None, None), ("Weeks", "weeks")]
)
def test_duration_unit(label: str | None, unit: str | None) -> None:
    assert duration_unit(label) == unit


# --------------------------------------------------------------------------- dates

OCT_5_2021 = DateReading(5, 10, 2021)
OCT_5 = DateReading(5, 10, None)


@pytest.mark.parametrize(
    ("text", "readings"),
    [
        ("5 October 2021", [OCT_5_2021]),
        ("October 5", [OCT_5]),
        ("Oct 5th 2021", [OCT_5_2021]),
        ("Oct. 5, 2021", [OCT_5_2021]),
        ("2021-10-05", [OCT_5_2021]),
        ("2021/10/5", [OCT_5_2021]),
        ("20211005", [OCT_5_2021]),
        ("Tuesday 5th October", [OCT_5]),
        ("Tuesday, October 5th, 2021", [OCT_5_2021]),
        ("the fifth of October", [OCT_5]),
        ("October the fifth, 2021", [OCT_5_2021]),
        ("5 Oct 21", [OCT_5_2021]),
        ("5th of october '21", [OCT_5_2021]),
        # numeric dates keep both the day-first and the month-first reading
        ("5/10/2021", [OCT_5_2021, DateReading(10, 5, 2021)]),
        ("10/5/2021", [DateReading(10, 5, 2021), OCT_5_2021]),
        ("05.10.21", [OCT_5_2021, DateReading(10, 5, 2021)]),
        ("25/10/2021", [DateReading(25, 10, 2021)]),  # only one valid reading
        ("5/5", [DateReading(5, 5, None)]),
        ("October 2021", [DateReading(None, 10, 2021)]),
        ("29 February", [DateReading(29, 2, None)]),
        # a month name one slip off: a letter dropped, swapped, changed or added (the German and French spellings)
        ("Ocotber 5 2021", [OCT_5_2021]),
        ("5 Octber 2021", [OCT_5_2021]),
        ("Oktober 5, 2021", [OCT_5_2021]),
        ("5 Octobre 2021", [OCT_5_2021]),
        ("the fifth of Ocotber", [OCT_5]),
        ("5 Septmber", [DateReading(5, 9, None)]),
    ],
)
def test_parse_dates_single(text: str, readings: list[DateReading]) -> None:
    [written] = parse_dates(text)
    assert list(written.readings) == readings


@pytest.mark.parametrize(
    "text",
    [
        *("", "Tuesday", "2021", "5 or 6 October", "October or November 5", "31 February 2021", "29 February 2021"),
        "soon",
        # one letter from a month but a word of its own, or a short month name (one letter turns them into each other)
        *("Match 5 2021", "5 marsh 2021", "Jume 5", "Mat 5 2021", "5 Octoberfest 2021"),
    ],
)
def test_parse_dates_rejects_non_dates_and_hedges(text: str) -> None:
    assert parse_dates(text) == []


def test_parse_dates_finds_every_written_date() -> None:
    assert len(parse_dates("2021-10-05 or 2021-10-06")) == 2


def test_date_reading_describe() -> None:
    assert OCT_5_2021.describe() == "5 October 2021"
    assert OCT_5.describe() == "5 October"
    assert DateReading(None, 10, 2021).describe() == "October 2021"


@pytest.mark.parametrize(("text", "weekday"), [("Tuesday", 1), ("tue 5 oct", 1), ("Sunday", 6), ("Mon or Tue", None)])
def test_parse_weekday(text: str, weekday: int | None) -> None:
    assert parse_weekday(text) == weekday


# --------------------------------------------------------------------------- times


@pytest.mark.parametrize(
    ("text", "reading"),
    [
        ("08:55", TimeReading(8, 55)),
        ("8:55", TimeReading(8, 55, twelve_hour=True)),
        ("0855", TimeReading(8, 55)),
        ("855", TimeReading(8, 55, twelve_hour=True)),
        ("8.55 am", TimeReading(8, 55, "am")),
        ("8:55am", TimeReading(8, 55, "am")),
        ("8:55 a.m.", TimeReading(8, 55, "am")),
        ("8:55 in the morning", TimeReading(8, 55, "am")),
        ("8h55", TimeReading(8, 55, twelve_hour=True)),
        ("08:55:00", TimeReading(8, 55)),
        ("at 08:55.", TimeReading(8, 55)),
        ("8:55 pm", TimeReading(20, 55, "pm")),
        ("12 am", TimeReading(0, 0, "am")),
        ("12 pm", TimeReading(12, 0, "pm")),
        ("noon", TimeReading(12, 0)),
        ("08:55 GMT", TimeReading(8, 55, zone="GMT", offset_minutes=0)),
        ("08:55 UTC", TimeReading(8, 55, zone="UTC", offset_minutes=0)),
        ("0855 GMT", TimeReading(8, 55, zone="GMT", offset_minutes=0)),
        ("08:55Z", TimeReading(8, 55, zone="Z", offset_minutes=0)),
        ("11:55 MSK", TimeReading(11, 55, twelve_hour=True, zone="MSK", offset_minutes=180)),
        ("11:55 Moscow time", TimeReading(11, 55, twelve_hour=True, zone="MSK", offset_minutes=180)),
        ("11:55 UTC+3", TimeReading(11, 55, twelve_hour=True, zone="UTC+3", offset_minutes=180)),
        ("11:55utc+03:00", TimeReading(11, 55, twelve_hour=True, zone="UTC+03:00", offset_minutes=180)),
        ("08:55+03:00", TimeReading(8, 55, zone="UTC+03:00", offset_minutes=180)),
        ("4:55 EDT", TimeReading(4, 55, twelve_hour=True, zone="EDT", offset_minutes=-240)),
        ("08:55 XYZ", TimeReading(8, 55, unknown_zone="xyz")),
        ("08:55 local", TimeReading(8, 55, unknown_zone="local")),
        # a space for the colon (phone keyboards): only with two-digit minutes
        ("8 55", TimeReading(8, 55, twelve_hour=True)),
        ("08 55 GMT", TimeReading(8, 55, zone="GMT", offset_minutes=0)),
        ("11 55 MSK", TimeReading(11, 55, twelve_hour=True, zone="MSK", offset_minutes=180)),
    ],
)
def test_parse_times(text: str, reading: TimeReading) -> None:
    assert parse_times(text) == [reading]


@pytest.mark.parametrize("text", ["", "soon", "25:00", "8:61", "13 pm"])
def test_parse_times_rejects_non_times(text: str) -> None:
    assert parse_times(text) == []


def test_two_hours_side_by_side_are_two_times_not_hour_and_minutes() -> None:
    assert [(r.hour, r.minute) for r in parse_times("8 5")] == [(8, 0), (5, 0)]  # 'minutes' 5 is not '05'
    assert [(r.hour, r.minute) for r in parse_times("8 or 10")] == [(8, 0), (10, 0)]


def test_parse_times_reads_each_time_with_its_own_zone() -> None:
    assert [(r.hour, r.zone) for r in parse_times("08:55 GMT / 11:55 MSK")] == [(8, "GMT"), (11, "MSK")]


@pytest.mark.parametrize(
    ("zone", "offset"),
    [("GMT", 0), ("utc", 0), ("MSK", 180), ("EST", -300), ("UTC+3", 180), ("GMT-05:30", -330), ("IST", None)],
)
def test_zone_offset(zone: str, offset: int | None) -> None:
    assert zone_offset(zone) == offset


@pytest.mark.parametrize(
    ("text", "mentions"),
    [("12", True), ("twelve", True), ("October", True), ("a fortnight", True), ("Peresild", False), ("", False)],
)
def test_mentions_value(text: str, mentions: bool) -> None:
    assert mentions_value(clean(text)) is mentions


@pytest.mark.parametrize(
    ("text", "hour", "minute", "meridiem"),
    [
        ("five to nine", 8, 55, None),
        ("5 to 9", 8, 55, None),
        ("quarter past eight", 8, 15, None),
        ("a quarter to nine", 8, 45, None),
        ("half past eight", 8, 30, None),
        ("twenty-five minutes to nine", 8, 35, None),
        ("ten past 8", 8, 10, None),
        ("nine o'clock", 9, 0, None),
        ("eight fifty-five am", 8, 55, "am"),
        ("five to nine in the evening", 20, 55, "pm"),
    ],
)
def test_parse_times_in_words(text: str, hour: int, minute: int, meridiem: str | None) -> None:
    (reading,) = parse_times(text)
    assert (reading.hour, reading.minute, reading.meridiem, reading.worded) == (hour, minute, meridiem, True)


def test_a_time_in_words_keeps_its_zone() -> None:
    (reading,) = parse_times("five to twelve MSK")
    assert (reading.hour, reading.minute, reading.zone, reading.offset_minutes) == (11, 55, "MSK", 180)


@pytest.mark.parametrize("text", ["half to nine", "five to", "to nine", "forty to nine"])
def test_words_that_are_not_a_time(text: str) -> None:
    assert all(not reading.worded for reading in parse_times(text))


@pytest.mark.parametrize(
    ("text", "unit", "value"),
    [
        ("2 weeks", "days", 14),
        ("a fortnight", "days", 14),
        ("twelve", "days", 12),
        ("half a year", "months", 6),
        ("1 year 6 months", "months", 18),
        (".5", None, 0.5),
        ("-4", None, -4),
        ("2 million", None, 2_000_000),
        ("about 1,200 days", "days", 1200),
        ("no number", "days", None),
    ],
)
def test_read_quantity_in_the_unit_asked(text: str, unit: str | None, value: float | None) -> None:
    assert read_quantity(text, unit) == (pytest.approx(value) if value is not None else None)


def test_months_and_days_convert_through_an_average_month() -> None:
    assert convert_duration_approximately(6, "months", "days") == pytest.approx(182.625)
    assert convert_duration_approximately(180, "days", "months") == pytest.approx(5.914, abs=0.001)
    assert convert_duration_approximately(2, "weeks", "days") == 14  # exact where the ratio is exact


@pytest.mark.parametrize(
    ("word", "known"),
    [("challenger", True), ("others", True), ("bollywood", True), ("peresild", False), ("sputnick", False)],
)
def test_known_words(word: str, known: bool) -> None:
    assert is_known_word(word) == known


@pytest.mark.parametrize(
    ("word", "month"),
    [("oktyabrya", 10), ("oktyabr", 10), ("yanvarya", 1), ("marta", 3), ("dekabrya", 12), ("mart", None)],
)
def test_russian_month_names_read_as_months_once_transliterated(word: str, month: int | None) -> None:
    """'5 октября 2021' reaches the date parser as '5 oktyabrya 2021'; 'mart' (a word of its own) is left out."""
    assert month_of(word) == month
