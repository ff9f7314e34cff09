"""Judge a pick among options (multiple choice, true/false): by letter, number, text, value or name."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from typing import Final

from rapidfuzz.distance import OSA

from questions.matching.phrases import choice_by_phrase
from questions.matching.values import dates_of, quantities_of, reading_agrees, same_quantity, same_time, times_of
from questions.matching.verdicts import (
    Verdict,
    VerdictCode,
    accept,
    empty_verdict,
    extra_alias,
    name_key,
    quote,
    reject,
)
from questions.models import Question, QuestionKind
from questions.text.dates import parse_dates
from questions.text.durations import (
    combine_durations,
    parse_quantities,
)
from questions.text.normalize import (
    compact,
    digit_runs,
    is_blank,
    typo_budget,
)
from questions.text.numbers import digitize_number_words
from questions.text.times import parse_times
from questions.text.values import mentions_value
from questions.text.vocabulary import is_known_word

_TRUE_WORDS: Final = frozenset({"true", "t", "yes", "y", "yep", "yeah", "yup", "correct", "right", "vrai", "da"})
_FALSE_WORDS: Final = frozenset({"false", "f", "no", "n", "nope", "nah", "incorrect", "wrong", "faux", "net"})
_TRUE_SYMBOLS: Final = frozenset({"✅", "✔", "☑", "👍", "⭕"})
_FALSE_SYMBOLS: Final = frozenset({"❌", "✖", "✗", "✘", "👎", "❎"})
EntityPicker = Callable[[Question, str], int | None]
"""Picks the option that names the entity an answer names (the matcher knows the store's names)."""

_OPTION_LABEL: Final = re.compile(r"(?:option|answer|choice)?\s*[(\[#]?\s*([a-z]|\d{1,2})\s*[)\].:!?]*")


def judge_choice(
    question: Question,
    cleaned: str,
    key: str,
    shown: str,
    extra_aliases: Sequence[str],
    choice_by_entity: EntityPicker,
) -> Verdict:
    """Judge an option pick: its letter (A-D), number (1-4), text (or a name of it); true/false words."""
    choices = question.choices
    correct = question.correct_index
    assert correct is not None
    right = choices[correct]
    index = pick_choice(question, cleaned, key, choice_by_entity)
    if index is None:
        alias = extra_alias(key, extra_aliases) if not is_blank(key) else None
        if alias is not None:
            return accept(VerdictCode.ALIAS, f"Accepted: {quote(alias)} is an accepted alias here.", right)
        if is_blank(key):
            return empty_verdict(shown)
        if question.kind == QuestionKind.TRUE_FALSE:
            return reject(VerdictCode.UNPARSEABLE, f"Rejected: {quote(shown)} is neither true nor false.")
        last = chr(ord("A") + len(choices) - 1)
        return reject(VerdictCode.UNPARSEABLE, f"Rejected: {quote(shown)} is not one of the options; answer A-{last}.")
    if question.kind == QuestionKind.TRUE_FALSE:
        picked, truth = choices[index].casefold(), right.casefold()
        if index == correct:
            return accept(VerdictCode.EXACT, f"Accepted: the statement is {truth}.", right)
        return reject(VerdictCode.WRONG, f"Rejected: the statement is {truth}, not {picked}.", choices[index])
    letter = chr(ord("A") + index)
    if index == correct:
        return accept(VerdictCode.EXACT, f"Accepted: {letter}, {quote(right)}.", right)
    return reject(VerdictCode.WRONG, f"Rejected: {letter}, {quote(choices[index])}, is not the answer.", choices[index])


def pick_choice(question: Question, cleaned: str, key: str, choice_by_entity: EntityPicker) -> int | None:
    """Return the option the answer picks, or None.

    Letters always mean positions. A typed number is the option whose text it is when there is one
    (options '1', '3', '5', '6': '3' is the option reading 3), else a position.
    """
    choices = question.choices
    label = _OPTION_LABEL.fullmatch(cleaned)
    if label and not label.group(1).isdecimal():
        index = ord(label.group(1)) - ord("a")
        if 0 <= index < len(choices):
            return index
    choice_keys = [compact(name_key(choice)) for choice in choices]
    answer_key = digitize_number_words(key)
    exact = [index for index, choice_key in enumerate(choice_keys) if answer_key and choice_key == compact(answer_key)]
    if len(exact) == 1:
        return exact[0]
    if label and label.group(1).isdecimal():
        index = int(label.group(1)) - 1
        if 0 <= index < len(choices):
            return index
    if question.kind == QuestionKind.TRUE_FALSE:
        truth = truth_value(cleaned, key)
        if truth is not None:
            words = _TRUE_WORDS if truth else _FALSE_WORDS
            found = [index for index, choice_key in enumerate(choice_keys) if choice_key in words]
            if len(found) == 1:
                return found[0]
    if is_blank(key):
        return None
    picked = choice_by_value(choices, cleaned)
    if picked is None:
        picked = choice_by_entity(question, answer_key)
    if picked is None:
        picked = choice_by_phrase(choices, key)
    if picked is None:
        picked = nearest_choice(answer_key, choices)
    return picked


def truth_value(cleaned: str, key: str) -> bool | None:
    """Tell whether the answer says true or false (None: neither or both)."""
    says_true = key in _TRUE_WORDS or any(symbol in cleaned for symbol in _TRUE_SYMBOLS)
    says_false = key in _FALSE_WORDS or any(symbol in cleaned for symbol in _FALSE_SYMBOLS)
    return says_true if says_true != says_false else None


def choice_by_value(choices: Sequence[str], cleaned: str) -> int | None:
    """Pick the option with the same number, duration, date or time as the answer ('twelve' for '12 days')."""
    if not mentions_value(cleaned):
        return None
    answer_dates = parse_dates(cleaned)
    if len(answer_dates) == 1:
        readings = set(answer_dates[0].readings)
        found = []
        for index, choice in enumerate(choices):
            choice_dates = dates_of(choice)
            if len(choice_dates) == 1 and any(
                reading_agrees(answer, option) for answer in readings for option in choice_dates[0].readings
            ):
                found.append(index)
        if len(found) == 1:
            return found[0]
    answer_times = parse_times(cleaned) if not answer_dates else []
    if len(answer_times) == 1 and answer_times[0].unknown_zone is None:
        found = [
            index
            for index, choice in enumerate(choices)
            if len(option_times := times_of(choice)) == 1 and same_time(answer_times[0], option_times[0])
        ]
        if len(found) == 1:
            return found[0]
    answer = combine_durations(parse_quantities(cleaned))
    if len(answer) != 1:
        return None
    found = []
    for index, choice in enumerate(choices):
        option = quantities_of(choice)
        if len(option) == 1 and same_quantity(answer[0], option[0]):
            found.append(index)
    return found[0] if len(found) == 1 else None


def nearest_choice(answer_key: str, choices: Sequence[str]) -> int | None:
    """Pick the option the answer is a typo of: within budget and strictly nearer than any other option."""
    distances = []
    for choice in choices:
        choice_key = name_key(choice)
        same_digits = digit_runs(choice_key) == digit_runs(answer_key)
        distance = OSA.distance(answer_key, choice_key) if same_digits else math.inf
        distances.append(distance if distance <= typo_budget(len(choice_key)) else math.inf)
    best = min(distances, default=math.inf)
    if best == math.inf or distances.count(best) != 1:
        return None
    picked = distances.index(best)
    # a typo is a typo only when the player's words are not words or names of their own ('Bollywood')
    option_words = name_key(choices[picked]).split()
    if any(word not in option_words and is_known_word(word) for word in answer_key.split()):
        return None
    return picked
