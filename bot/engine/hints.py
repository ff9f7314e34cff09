"""Hints for typed questions: vaguer first, and never the whole answer."""

from __future__ import annotations

import datetime as dt

from questions.models import AnswerType, Question, QuestionKind

CHOICE_KINDS = frozenset({QuestionKind.MULTIPLE_CHOICE, QuestionKind.TRUE_FALSE})
WORD_GAP = "   "


def make_hints(question: Question) -> list[str]:
    """Return up to two hints for a typed question, vaguer first (none for multiple choice or true/false)."""
    if question.kind in CHOICE_KINDS:
        return []
    expected = question.expected
    if expected.type in (AnswerType.NUMBER, AnswerType.DURATION) and expected.number is not None:
        return _number_hints(expected.number, expected.unit)
    if expected.type == AnswerType.DATE and expected.date is not None:
        return _date_hints(expected.date)
    if expected.type == AnswerType.TIME and expected.time is not None:
        return _time_hints(expected.time, expected.zone or "GMT")
    if expected.type == AnswerType.SET:
        return _set_hints(expected.display)
    return _word_hints(expected.display)


def _hidden(character: str) -> bool:
    return character.isalnum()


def _mask(word: str, *, keep_first: bool) -> str:
    shown: list[str] = []
    kept = False
    for character in word:
        if _hidden(character) and not (keep_first and not kept):
            shown.append("_")
        else:
            kept = kept or _hidden(character)
            shown.append(character)
    return " ".join(shown)


def _hidden_count(word: str) -> int:
    return sum(_hidden(character) for character in word)


def _word_hint_pair(text: str) -> tuple[str, str | None]:
    """Return the letter pattern with counts, and the first-letters pattern unless it would give the answer away."""
    words = text.split()
    counts = ", ".join(str(_hidden_count(word)) for word in words if _hidden_count(word))
    noun = "characters" if any(character.isdigit() for character in text) else "letters"
    if counts == "1":
        noun = noun.removesuffix("s")
    pattern = f"{WORD_GAP.join(_mask(word, keep_first=False) for word in words)} ({counts} {noun})"
    # With no word longer than one character, showing first letters would show everything.
    if not any(_hidden_count(word) > 1 for word in words):
        return pattern, None
    return pattern, WORD_GAP.join(_mask(word, keep_first=True) for word in words)


def _word_hints(text: str) -> list[str]:
    if not any(_hidden(character) for character in text):
        return []
    pattern, first_letters = _word_hint_pair(text)
    return [pattern] if first_letters is None else [pattern, first_letters]


def _set_hints(display: str) -> list[str]:
    members = [member.strip() for member in display.split(",") if any(_hidden(c) for c in member)]
    if len(members) < 2:
        return _word_hints(display)
    pairs = [_word_hint_pair(member) for member in members]
    hints = [f"{len(members)} answers: " + " / ".join(pattern for pattern, _ in pairs)]
    if any(first_letters is not None for _, first_letters in pairs):
        hints.append(" / ".join(first_letters or pattern.rsplit(" (", 1)[0] for pattern, first_letters in pairs))
    return hints


def _article(number: int) -> str:
    spoken_with_vowel = str(number).startswith("8") or number in (11, 18)
    return "an" if spoken_with_vowel else "a"


def _number_hints(value: float, unit: str | None) -> list[str]:
    suffix = f" ({unit})" if unit else ""
    sign = "negative " if value < 0 else ""
    magnitude = abs(value)
    whole = int(magnitude)
    if magnitude.is_integer():
        digits = str(whole)
        size = f"{len(digits)}-digit"
        described = f"{'a ' + sign if sign else _article(len(digits)) + ' '}{size} number"
        if len(digits) == 1:
            parity = "even" if whole % 2 == 0 else "odd"
            return [f"{described}{suffix}", f"an {parity} {sign}number{suffix}"]
        return [f"{described}{suffix}", f"{described} starting with {digits[0]}{suffix}"]
    lower, upper = (-whole - 1, -whole) if value < 0 else (whole, whole + 1)
    return [f"a {sign}decimal number{suffix}", f"between {lower} and {upper}{suffix}"]


def _date_hints(value: dt.date) -> list[str]:
    return [f"in {value:%B}", f"in {value:%B %Y}"]


def _time_hints(value: dt.time, zone: str) -> list[str]:
    hour = value.hour
    if 5 <= hour < 12:
        part = "in the morning"
    elif 12 <= hour < 17:
        part = "in the afternoon"
    elif 17 <= hour < 21:
        part = "in the evening"
    else:
        part = "at night"
    return [f"{part} ({zone})", f"between {hour:02d}:00 and {(hour + 1) % 24:02d}:00 {zone}"]
