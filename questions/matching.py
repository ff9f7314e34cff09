"""Judge a player's typed answer against a question's expected answer.

Matching goes by what the answer *is* (``ExpectedAnswer.type``), never by string similarity alone:
a person is matched by name, alias, surname or a typo of them, but a typo that is as close to another
entity of the store is that entity; numbers, dates, times and durations are parsed and compared as
values; phrases need their key words; sets give partial credit. Every verdict carries one sentence that
says why, so a disputed answer can be explained.

No Discord import and no I/O: the cog calls :meth:`AnswerMatcher.judge` and renders the verdict.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from typing import Final, Literal

from pydantic import BaseModel, ConfigDict, Field
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from questions.models import AnswerType, Entity, EntityType, ExpectedAnswer, Question, QuestionKind, TextAnswer
from questions.parsing import (
    STOP_WORDS,
    DateReading,
    DurationUnit,
    Quantity,
    TimeReading,
    WrittenDate,
    clean,
    combine_durations,
    compact,
    convert_duration,
    digit_runs,
    digitize_number_words,
    display_text,
    duration_unit,
    is_blank,
    mentions_value,
    normalize,
    normalize_cleaned,
    parse_dates,
    parse_quantities,
    parse_times,
    parse_weekday,
    strip_filler,
    tokenize,
    typo_budget,
    zone_offset,
)
from questions.store import FactStore, format_number

MAX_ANSWER_LENGTH: Final = 200
"""Longer answers are refused before any parsing: nobody types an essay to answer trivia."""

_NameKind = Literal["name", "alias", "surname"]


class VerdictCode(StrEnum):
    """Why an answer was accepted or rejected."""

    EXACT = "exact"
    ALIAS = "alias"
    SURNAME = "surname"
    TYPO = "typo"
    EQUIVALENT = "equivalent"
    """The same number, date or time in another notation ('twelve', '5/10/2021', '11:55 MSK')."""
    PARTIAL = "partial"
    """Some members of a set, not enough for full credit."""
    WRONG_NUMBER = "wrong_number"
    WRONG_DATE = "wrong_date"
    WRONG_TIME = "wrong_time"
    OTHER_ENTITY = "other_entity"
    WRONG = "wrong"
    EMPTY = "empty"
    UNPARSEABLE = "unparseable"
    """The answer could not be read as what was asked (no number in it, an unknown time zone, ...)."""
    TOO_LONG = "too_long"


class Verdict(BaseModel):
    """The judgement of one answer: whether it counts, for how much, and one sentence saying why.

    ``matched`` is what the answer was read as: the canonical answer when accepted, the other entity
    or option when it names one, None when it names nothing known.
    """

    model_config = ConfigDict(frozen=True)

    accepted: bool
    credit: float = Field(ge=0, le=1)
    code: VerdictCode
    reason: str
    matched: str | None = None


def _accept(code: VerdictCode, reason: str, matched: str | None, credit: float = 1.0) -> Verdict:
    return Verdict(accepted=True, credit=credit, code=code, reason=reason, matched=matched)


def _reject(code: VerdictCode, reason: str, matched: str | None = None, credit: float = 0.0) -> Verdict:
    return Verdict(accepted=False, credit=credit, code=code, reason=reason, matched=matched)


@lru_cache(maxsize=8192)
def name_key(text: str) -> str:
    """Return the key names are compared on: normalised, number words as digits ('Apollo eleven' -> 'apollo 11')."""
    return digitize_number_words(normalize(text))


def _skeleton(key: str) -> str:
    return re.sub(r"\d+", "#", key)


def _without_digits(key: str) -> str:
    return " ".join(re.sub(r"\d+", " ", key).split())


def _quote(text: str) -> str:
    return f"“{text}”"


def _join(names: Sequence[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"


@dataclass(frozen=True)
class _Name:
    """One name of an entity of the store, precomputed for matching."""

    key: str
    compact: str
    entity_id: str
    kind: _NameKind


@dataclass(frozen=True)
class _Candidate:
    """A name the answer may be: one of the expected answer's names, or an extra alias."""

    key: str
    original: str
    kind: _NameKind


@dataclass(frozen=True)
class _Resolved:
    """An answer (or part of one) read as an entity of the store."""

    entity_id: str
    code: VerdictCode


_TRUE_WORDS: Final = frozenset({"true", "t", "yes", "y", "yep", "yeah", "yup", "correct", "right", "vrai", "da"})
_FALSE_WORDS: Final = frozenset({"false", "f", "no", "n", "nope", "nah", "incorrect", "wrong", "faux", "net"})
_TRUE_SYMBOLS: Final = frozenset({"✅", "✔", "☑", "👍", "⭕"})
_FALSE_SYMBOLS: Final = frozenset({"❌", "✖", "✗", "✘", "👎", "❎"})
_OPTION_LABEL: Final = re.compile(r"(?:option|answer|choice)?\s*[(\[#]?\s*([a-z]|\d{1,2})\s*[)\].:!?]*")
_SET_SEPARATORS: Final = re.compile(r"\s*(?:[,;/&+\n]|\band\b|\bor\b|\bnor\b|\bplus\b)\s*")
_NEGATIONS: Final = frozenset({"not", "no", "never", "nt", "isnt", "wasnt", "didnt", "doesnt", "without"})
_MAX_SET_WINDOW: Final = 4
_MAX_EXTRA_WORDS_AROUND_NAME: Final = 3


class AnswerMatcher:
    """Judge typed answers against questions of one fact store; build once, reuse for every answer."""

    def __init__(self, store: FactStore) -> None:
        self._store = store
        self._names: list[_Name] = []
        self._owners: dict[str, set[str]] = {}
        self._given_names: dict[str, set[str]] = {}
        for entity in store.entities.values():
            for name, kind in self._entity_names(entity):
                key = name_key(name)
                if not key:
                    continue
                self._names.append(_Name(key, compact(key), entity.id, kind))
                self._owners.setdefault(compact(key), set()).add(entity.id)
            if entity.type == EntityType.PERSON and len(name_key(entity.name).split()) > 1:
                given = name_key(entity.name).split()[0]
                self._given_names.setdefault(given, set()).add(entity.id)
        self._keys = [name.key for name in self._names]
        self._longest_budget = max((typo_budget(len(key)) for key in self._keys), default=0)

    @staticmethod
    def _entity_names(entity: Entity) -> Iterable[tuple[str, _NameKind]]:
        yield entity.name, "name"
        for alias in entity.aliases:
            yield alias, "alias"
        if entity.surname:
            yield entity.surname, "surname"

    # ----------------------------------------------------------------- entry point

    def judge(self, question: Question, text: str, extra_aliases: Sequence[str] = ()) -> Verdict:
        """Judge one typed answer; extra_aliases are a server's accepted alternatives (judged as ALIAS).

        Multiple-choice and true/false questions take an option letter, its number, its text (or a name,
        value or paraphrase of it) and, for true/false, yes/no words; every other question is judged by
        ``question.expected.type``. Input over MAX_ANSWER_LENGTH characters is refused unread (TOO_LONG).
        """
        if len(text) > MAX_ANSWER_LENGTH:
            return _reject(VerdictCode.TOO_LONG, f"Rejected: answers are limited to {MAX_ANSWER_LENGTH} characters.")
        cleaned = clean(text)
        key = strip_filler(normalize_cleaned(cleaned))
        shown = display_text(text)
        expected = question.expected
        if (
            question.kind in (QuestionKind.MULTIPLE_CHOICE, QuestionKind.TRUE_FALSE)
            and question.correct_index is not None
            and 0 <= question.correct_index < len(question.choices)
        ):
            return self._judge_choice(question, cleaned, key, shown, extra_aliases)
        full_key = normalize_cleaned(cleaned)
        if is_blank(key):
            return self._empty(shown)
        alias = self._extra_alias(key, extra_aliases)
        if alias is not None:
            return _accept(VerdictCode.ALIAS, f"Accepted: {_quote(alias)} is an accepted alias here.", expected.display)
        if expected.type in (AnswerType.PERSON, AnswerType.ENTITY):
            return self._judge_entity(expected, key, shown, extra_aliases)
        if expected.type == AnswerType.SET:
            return self._judge_set(expected, cleaned, shown)
        if expected.type in (AnswerType.NUMBER, AnswerType.DURATION):
            return self._judge_quantity(expected, cleaned, shown)
        if expected.type == AnswerType.DATE:
            return self._judge_date(expected, cleaned, key, shown)
        if expected.type == AnswerType.TIME:
            return self._judge_time(expected, cleaned, shown)
        return self._judge_text(question, full_key, key, shown, extra_aliases)

    @staticmethod
    def _empty(shown: str) -> Verdict:
        if shown and any(char.isalnum() for char in shown):
            return _reject(VerdictCode.EMPTY, f"Rejected: {_quote(shown)} is not an answer.")
        return _reject(VerdictCode.EMPTY, "Rejected: the answer is empty.")

    @staticmethod
    def _extra_alias(key: str, extra_aliases: Sequence[str]) -> str | None:
        answer = compact(digitize_number_words(key))
        return next((alias for alias in extra_aliases if answer and compact(name_key(alias)) == answer), None)

    # ----------------------------------------------------------------- entities

    def _candidates(self, expected: ExpectedAnswer, extra_aliases: Sequence[str]) -> list[_Candidate]:
        candidates = [_Candidate(name_key(expected.display), expected.display, "name")]
        candidates += [_Candidate(name_key(name), name, "alias") for name in (*expected.accepted, *extra_aliases)]
        candidates += [_Candidate(name_key(name), name, "surname") for name in expected.surnames]
        return [candidate for candidate in candidates if candidate.key]

    def _expected_ids(self, expected: ExpectedAnswer, candidates: Sequence[_Candidate]) -> set[str]:
        ids = set(expected.entity_ids)
        if not ids:
            for candidate in candidates:
                if candidate.kind != "surname":
                    ids |= self._owners.get(compact(candidate.key), set())
        return ids

    def _describe_other(self, entity_id: str) -> str:
        entity = self._store.entity(entity_id)
        kind = "person" if entity.type == EntityType.PERSON else entity.type.value
        return f"{entity.name}, another {kind} in this story"

    def _judge_entity(self, expected: ExpectedAnswer, key: str, shown: str, extra_aliases: Sequence[str]) -> Verdict:
        """Judge a person or entity: exact, alias, surname, number mismatch, other entity, typo, containment."""
        key = digitize_number_words(key)
        answer_compact = compact(key)
        target = expected.display
        candidates = self._candidates(expected, extra_aliases)
        expected_ids = self._expected_ids(expected, candidates)

        for candidate in candidates:
            if compact(candidate.key) == answer_compact:
                return self._named_verdict(candidate, expected_ids, target, shown)
        for candidate in candidates:
            if candidate.kind != "surname" and sorted(candidate.key.split()) == sorted(key.split()):
                return _accept(VerdictCode.ALIAS, f"Accepted: {_quote(shown)} is {target}, in another order.", target)

        digits = digit_runs(key)
        for candidate in candidates:
            name_digits = digit_runs(candidate.key)
            if not name_digits or digits == name_digits:
                continue
            close = OSA.distance(_skeleton(key), _skeleton(candidate.key)) <= typo_budget(len(candidate.key))
            if digits and close:
                other = self._other_owner(answer_compact, expected_ids)
                return _reject(
                    VerdictCode.WRONG_NUMBER,
                    f"Rejected: {shown} differs from {target} in a number.",
                    self._store.entity(other).name if other else None,
                )
            if not digits and OSA.distance(key, _without_digits(candidate.key)) <= typo_budget(len(candidate.key)):
                return _reject(VerdictCode.WRONG, f"Rejected: {_quote(shown)} leaves out the number in {target}.")

        other = self._other_owner(answer_compact, expected_ids)
        if other is not None:
            return _reject(
                VerdictCode.OTHER_ENTITY, f"Rejected: that names {self._describe_other(other)}.", self._name_of(other)
            )

        if key in self._given_names and self._given_names[key] & expected_ids:
            return _reject(
                VerdictCode.WRONG, f"Rejected: {_quote(shown)} is only a first name; give the surname of {target}."
            )

        typo = self._typo_verdict(key, candidates, expected_ids, target, shown)
        if typo is not None:
            return typo

        contained = self._contained_verdict(key, candidates, expected_ids, target, shown)
        if contained is not None:
            return contained
        return _reject(VerdictCode.WRONG, f"Rejected: {_quote(shown)} is not {target}.")

    def _name_of(self, entity_id: str) -> str:
        return self._store.entity(entity_id).name

    def _other_owner(self, answer_compact: str, expected_ids: set[str]) -> str | None:
        owners = self._owners.get(answer_compact, set()) - expected_ids
        return min(owners) if owners else None

    def _named_verdict(self, candidate: _Candidate, expected_ids: set[str], target: str, shown: str) -> Verdict:
        if candidate.kind == "surname":
            sharing = self._owners.get(compact(candidate.key), set()) - expected_ids
            if sharing:
                others = _join(sorted(self._name_of(entity_id) for entity_id in sharing))
                return _reject(
                    VerdictCode.WRONG, f"Rejected: {_quote(shown)} could also be {others}; give the full name."
                )
            return _accept(VerdictCode.SURNAME, f"Accepted: {_quote(shown)} is the surname of {target}.", target)
        if candidate.kind == "name":
            return _accept(VerdictCode.EXACT, f"Accepted: {target}.", target)
        return _accept(VerdictCode.ALIAS, f"Accepted: {_quote(shown)} is another name for {target}.", target)

    def _typo_verdict(
        self, key: str, candidates: Sequence[_Candidate], expected_ids: set[str], target: str, shown: str
    ) -> Verdict | None:
        """Accept a typo only when it is strictly closer to the answer than to any other entity's name."""
        digits = digit_runs(key)
        best: tuple[int, _Candidate] | None = None
        for candidate in candidates:
            if digit_runs(candidate.key) != digits:
                continue
            budget = typo_budget(len(candidate.key))
            distance = OSA.distance(key, candidate.key, score_cutoff=budget)
            if distance <= budget and (best is None or distance < best[0]):
                best = (distance, candidate)
        cutoff = best[0] if best else self._longest_budget
        nearest_other: tuple[int, str] | None = None
        for other_key, distance, index in process.extract(
            key, self._keys, scorer=OSA.distance, score_cutoff=cutoff, limit=None
        ):
            name = self._names[index]
            if name.entity_id in expected_ids or digit_runs(other_key) != digits:
                continue
            if best is None and distance > typo_budget(len(other_key)):
                continue
            if nearest_other is None or distance < nearest_other[0]:
                nearest_other = (int(distance), name.entity_id)
        if nearest_other is not None and (best is None or nearest_other[0] < best[0]):
            return _reject(
                VerdictCode.OTHER_ENTITY,
                f"Rejected: that looks like {self._describe_other(nearest_other[1])}.",
                self._name_of(nearest_other[1]),
            )
        if best is None:
            return None
        if nearest_other is not None:
            return _reject(
                VerdictCode.WRONG,
                f"Rejected: {_quote(shown)} is as close to {self._name_of(nearest_other[1])} as to {target}.",
            )
        candidate = best[1]
        if candidate.kind == "surname":
            return _accept(VerdictCode.TYPO, f"Accepted as a typo of {_quote(candidate.original)} ({target}).", target)
        return _accept(VerdictCode.TYPO, f"Accepted as a typo of {_quote(candidate.original)}.", target)

    def _contained_verdict(
        self, key: str, candidates: Sequence[_Candidate], expected_ids: set[str], target: str, shown: str
    ) -> Verdict | None:
        """Accept 'cosmonaut Anton Shkaplerov' (the name plus a few words) unless another entity is named too."""
        words = key.split()
        for candidate in candidates:
            name_words = candidate.key.split()
            size = len(name_words)
            starts = [i for i in range(len(words) - size + 1) if words[i : i + size] == name_words]
            if not starts:
                continue
            rest = words[: starts[0]] + words[starts[0] + size :]
            if any(word in name_words or word[0].isdecimal() for word in rest):
                # "Soyuz MS-19 or MS-18", "Peresild Peresild": a second guess or a repeat, not a description
                return _reject(VerdictCode.WRONG, f"Rejected: give one answer; {_quote(shown)} is more than {target}.")
            others = self._entities_named_in(rest) - expected_ids
            if others:
                names = _join(sorted(self._name_of(entity_id) for entity_id in others))
                return _reject(VerdictCode.WRONG, f"Rejected: give one answer, not {target} and {names}.")
            if sum(word not in STOP_WORDS for word in rest) > _MAX_EXTRA_WORDS_AROUND_NAME:
                continue
            if candidate.kind == "surname" and self._owners.get(compact(candidate.key), set()) - expected_ids:
                continue
            code = VerdictCode.SURNAME if candidate.kind == "surname" else VerdictCode.EXACT
            return _accept(code, f"Accepted: {_quote(shown)} names {target}.", target)
        return None

    def _entities_named_in(self, words: Sequence[str]) -> set[str]:
        named: set[str] = set()
        for size in range(1, _MAX_SET_WINDOW + 1):
            for start in range(len(words) - size + 1):
                window = words[start : start + size]
                if all(word in STOP_WORDS for word in window):
                    continue
                named |= self._owners.get("".join(window), set())
        return named

    # ----------------------------------------------------------------- sets

    def _resolve(self, key: str, preferred: set[str]) -> _Resolved | None:
        """Read a name as one entity of the store: exact name, alias or surname, else a unique nearest typo."""
        key = digitize_number_words(key)
        owners = self._owners.get(compact(key), set())
        if owners:
            chosen = owners if len(owners) == 1 else owners & preferred
            if len(chosen) != 1:
                return None
            entity_id = next(iter(chosen))
            kinds = {n.kind for n in self._names if n.entity_id == entity_id and n.compact == compact(key)}
            code = (
                VerdictCode.EXACT if "name" in kinds else VerdictCode.ALIAS if "alias" in kinds else VerdictCode.SURNAME
            )
            return _Resolved(entity_id, code)
        digits = digit_runs(key)
        nearest: dict[str, int] = {}
        for other_key, distance, index in process.extract(
            key, self._keys, scorer=OSA.distance, score_cutoff=self._longest_budget, limit=None
        ):
            if distance > typo_budget(len(other_key)) or digit_runs(other_key) != digits:
                continue
            entity_id = self._names[index].entity_id
            nearest[entity_id] = min(int(distance), nearest.get(entity_id, int(distance)))
        if not nearest:
            return None
        closest = min(nearest.values())
        winners = [entity_id for entity_id, distance in nearest.items() if distance == closest]
        return _Resolved(winners[0], VerdictCode.TYPO) if len(winners) == 1 else None

    def _resolve_part(self, key: str, preferred: set[str]) -> list[_Resolved] | None:
        """Resolve one comma-separated part; 'peresild shipenko' (no separator) is split into names."""
        whole = self._resolve(key, preferred)
        if whole is not None:
            return [whole]
        words = key.split()
        found: list[_Resolved] = []
        start = 0
        while start < len(words):
            if words[start] in STOP_WORDS:
                start += 1
                continue
            for size in range(min(_MAX_SET_WINDOW, len(words) - start), 0, -1):
                resolved = self._resolve(" ".join(words[start : start + size]), preferred)
                if resolved is not None:
                    found.append(resolved)
                    start += size
                    break
            else:
                return None
        return found or None

    def _judge_set(self, expected: ExpectedAnswer, cleaned: str, shown: str) -> Verdict:
        """Judge a set answer: credit is distinct members named / required, capped at 1.

        The answer is split on commas, 'and', '&', ';' and '/'; each part is read as an entity (name,
        alias, surname or typo). Naming a non-member does not cancel the members named (a wrong guess
        costs nothing more than the credit it fails to earn) but it is named in the reason. The answer
        is accepted when credit reaches 1; below that, with some credit, the code is PARTIAL.
        """
        members = [entity_id for entity_id in expected.entity_ids if entity_id in self._store.entities]
        member_set = set(members)
        required = max(1, expected.required)
        named_members: list[str] = []
        wrong: list[str] = []
        unknown: list[str] = []
        codes: set[VerdictCode] = set()
        for part in _SET_SEPARATORS.split(cleaned):
            part_key = strip_filler(normalize_cleaned(part))
            if is_blank(part_key):
                continue
            resolved = self._resolve_part(part_key, member_set)
            if resolved is None:
                unknown.append(display_text(part, 30))
                continue
            for item in resolved:
                if item.entity_id in member_set:
                    if item.entity_id not in named_members:
                        named_members.append(item.entity_id)
                    codes.add(item.code)
                elif item.entity_id not in wrong:
                    wrong.append(item.entity_id)
        credit = min(1.0, len(named_members) / required)
        names = [self._name_of(entity_id) for entity_id in named_members]
        notes: list[str] = []
        if wrong:
            verb = "is" if len(wrong) == 1 else "are"
            notes.append(f"{_join([self._name_of(entity_id) for entity_id in wrong])} {verb} not one of them")
        if unknown:
            notes.append(f"{_join([_quote(part) for part in unknown])} matched no one")
        note = f"; {'; '.join(notes)}" if notes else ""
        matched = ", ".join(names) or None
        if credit >= 1:
            code = next(
                (c for c in (VerdictCode.TYPO, VerdictCode.SURNAME, VerdictCode.ALIAS) if c in codes), VerdictCode.EXACT
            )
            return _accept(code, f"Accepted: {_join(names)}{note}.", matched)
        if credit > 0:
            return _reject(
                VerdictCode.PARTIAL,
                f"Partly right, {len(named_members)} of {required}: {_join(names)}{note}.",
                matched,
                credit=credit,
            )
        if wrong:
            return _reject(VerdictCode.OTHER_ENTITY, f"Rejected: {'; '.join(notes)}.", self._name_of(wrong[0]))
        return _reject(VerdictCode.WRONG, f"Rejected: {_quote(shown)} names none of them.")

    # ----------------------------------------------------------------- numbers and durations

    def _judge_quantity(self, expected: ExpectedAnswer, cleaned: str, shown: str) -> Verdict:
        """Judge a number or duration: words or digits, exact unit conversion only, within the tolerance."""
        quantities = combine_durations(parse_quantities(cleaned))
        if not quantities:
            return _reject(VerdictCode.UNPARSEABLE, f"Rejected: there is no number in {_quote(shown)}.")
        if expected.number is None:
            return self._judge_text_value(expected, normalize_cleaned(cleaned), shown)
        target = expected.number
        unit = duration_unit(expected.unit)
        converted_any = False
        for quantity in quantities:
            value = quantity.value
            if quantity.unit is not None and unit is not None:
                converted = convert_duration(quantity.value, quantity.unit, unit)
                if converted is None:
                    return _reject(
                        VerdictCode.UNPARSEABLE,
                        f"Rejected: {quantity.unit} do not convert exactly to {unit}; answer in {unit}.",
                    )
                converted_any = converted_any or quantity.unit != unit
                value = converted
            if not math.isclose(value, target, abs_tol=expected.tolerance + 1e-9):
                return _reject(
                    VerdictCode.WRONG_NUMBER, f"Rejected: {_describe_quantity(quantity)} is not {expected.display}."
                )
        first = quantities[0]
        notation_same = not (first.from_words or first.scaled or converted_any) and len(quantities) == 1
        if notation_same and first.value == target:
            return _accept(VerdictCode.EXACT, f"Accepted: {expected.display}.", expected.display)
        if math.isclose(_in_unit(first, unit), target, abs_tol=1e-9):
            return _accept(
                VerdictCode.EQUIVALENT, f"Accepted: {_quote(shown)} is {expected.display}.", expected.display
            )
        return _accept(
            VerdictCode.EQUIVALENT,
            f"Accepted: {_describe_quantity(first)} is within {format_number(expected.tolerance, None)} "
            f"of {expected.display}.",
            expected.display,
        )

    # ----------------------------------------------------------------- dates

    def _judge_date(self, expected: ExpectedAnswer, cleaned: str, key: str, shown: str) -> Verdict:
        """Judge a date: any usual notation; a year-less date counts when day and month match.

        Numeric dates like 5/10/2021 are read both day-first and month-first, and accepted if either
        reading is right: players come from both conventions and the quiz cannot know which they use.
        """
        target = expected.date
        if target is None:
            return self._judge_text_value(expected, key, shown)
        written = parse_dates(cleaned)
        if not written:
            weekday = parse_weekday(cleaned)
            if weekday is not None:
                return _reject(VerdictCode.UNPARSEABLE, f"Rejected: {_quote(shown)} is a weekday; give the date.")
            return _reject(VerdictCode.UNPARSEABLE, f"Rejected: there is no date in {_quote(shown)}.")
        for date in written:
            if not any(_date_matches(reading, target) for reading in date.readings):
                return _wrong_date(date.readings[0], target, expected.display)
        readings = [reading for date in written for reading in date.readings if _date_matches(reading, target)]
        exact_forms = {compact(normalize(expected.display)), compact(normalize(target.isoformat()))}
        note = ""
        weekday = parse_weekday(cleaned)
        if weekday is not None and weekday != target.weekday():
            note = f" (it was a {target:%A}, though)"
        if compact(key) in exact_forms and not note:
            return _accept(VerdictCode.EXACT, f"Accepted: {expected.display}.", expected.display)
        reading = readings[0]
        return _accept(VerdictCode.EQUIVALENT, f"Accepted: {shown} is {reading.describe()}{note}.", expected.display)

    # ----------------------------------------------------------------- times

    def _judge_time(self, expected: ExpectedAnswer, cleaned: str, shown: str) -> Verdict:
        """Judge a time of day: zones are converted (11:55 MSK is 08:55 GMT); no zone means the asked zone.

        '8:55' without am/pm or a leading zero may mean either half of the day; '8:55 pm' may not.
        """
        target = expected.time
        if target is None:
            return self._judge_text_value(expected, normalize_cleaned(cleaned), shown)
        zone = expected.zone or "GMT"
        target_offset = zone_offset(zone)
        target_clock = f"{target:%H:%M}"
        readings = parse_times(cleaned)
        if not readings:
            return _reject(VerdictCode.UNPARSEABLE, f"Rejected: there is no time in {_quote(shown)}.")
        converted = False
        for reading in readings:
            if reading.unknown_zone is not None:
                return _reject(
                    VerdictCode.UNPARSEABLE,
                    f"Rejected: the time zone {_quote(reading.unknown_zone.upper())} is not known; "
                    f"give the time in {zone}.",
                )
            offset = reading.offset_minutes if reading.zone is not None else target_offset
            if target_offset is None and reading.zone is not None and reading.zone.casefold() != zone.casefold():
                return _reject(
                    VerdictCode.UNPARSEABLE, f"Rejected: {reading.zone} cannot be converted; give the time in {zone}."
                )
            matched_minutes = _time_match(reading, target, offset or 0, target_offset or 0)
            if matched_minutes is None:
                return self._wrong_time(reading, target_clock, zone, target_offset)
            other_zone = reading.zone is not None and (offset or 0) != (target_offset or 0)
            other_half_of_day = matched_minutes != reading.hour * 60 + reading.minute
            converted = converted or other_zone or other_half_of_day or reading.meridiem is not None
        if converted:
            first = readings[0]
            written = shown if len(readings) > 1 else _describe_time_as_written(first)
            return _accept(
                VerdictCode.EQUIVALENT, f"Accepted: {written} is {target_clock} {zone}.", f"{target_clock} {zone}"
            )
        return _accept(VerdictCode.EXACT, f"Accepted: {target_clock} {zone}.", f"{target_clock} {zone}")

    @staticmethod
    def _wrong_time(reading: TimeReading, target_clock: str, zone: str, target_offset: int | None) -> Verdict:
        clock = f"{reading.hour:02d}:{reading.minute:02d}"
        same_zone = reading.zone is None or reading.offset_minutes == target_offset
        if same_zone or target_offset is None or reading.offset_minutes is None:
            return _reject(VerdictCode.WRONG_TIME, f"Rejected: {clock} is not {target_clock}.")
        minutes = (reading.hour * 60 + reading.minute - reading.offset_minutes + target_offset) % 1440
        in_zone = f"{minutes // 60:02d}:{minutes % 60:02d}"
        return _reject(
            VerdictCode.WRONG_TIME,
            f"Rejected: {clock} {reading.zone} is {in_zone} {zone}, not {target_clock} {zone}.",
        )

    # ----------------------------------------------------------------- text

    def _judge_text(
        self, question: Question, full_key: str, key: str, shown: str, extra_aliases: Sequence[str]
    ) -> Verdict:
        """Judge a phrase against the answer, its accepted phrasings and (as counter-evidence) its distractors.

        Rule: an exact phrasing (after normalisation) is accepted. Otherwise the answer's key words
        (content words, lightly stemmed: 'saves' is 'save') are looked up in the player's words, each
        allowing a small typo. A phrasing of up to three key words needs all of them, of four or five
        all but one, of six or more two thirds. At most max(2, half the key words) extra content words are allowed, a
        negation the phrasing lacks is refused, and the answer must score strictly better against the
        right phrasing than against every distractor (key-word overlap first, then word order), so
        'a female astronaut sent to save a surgeon' is not 'a female surgeon sent to save an astronaut'.
        """
        expected = question.expected
        phrasings = list(dict.fromkeys([expected.display, *expected.accepted, *extra_aliases]))
        answer_forms = {compact(full_key), compact(key)}
        for phrasing in phrasings:
            if compact(normalize(phrasing)) in answer_forms:
                code = VerdictCode.EXACT if phrasing == expected.display else VerdictCode.ALIAS
                reason = (
                    f"Accepted: {expected.display}."
                    if code == VerdictCode.EXACT
                    else (f"Accepted: {_quote(shown)} is an accepted phrasing of {_quote(expected.display)}.")
                )
                return _accept(code, reason, expected.display)
        distractors = self._text_distractors(question)
        for distractor in distractors:
            if compact(normalize(distractor)) in answer_forms:
                return _reject(VerdictCode.WRONG, f"Rejected: {_quote(shown)} is not {_quote(expected.display)}.")
        words = _content_words(key)
        if not words:
            return _reject(VerdictCode.WRONG, f"Rejected: {_quote(shown)} is not {_quote(expected.display)}.")
        best: tuple[_PhraseScore, str] | None = None
        for phrasing in phrasings:
            score = _phrase_score(words, phrasing)
            if score.acceptable and (best is None or score.rank > best[0].rank):
                best = (score, phrasing)
        if best is None:
            return _reject(VerdictCode.WRONG, f"Rejected: {_quote(shown)} is not {_quote(expected.display)}.")
        for distractor in distractors:
            rival = _phrase_score(words, distractor)
            if rival.rank >= best[0].rank:
                return _reject(
                    VerdictCode.WRONG,
                    f"Rejected: {_quote(shown)} reads as {_quote(distractor)}, not {_quote(expected.display)}.",
                    distractor,
                )
        code = VerdictCode.TYPO if best[0].typos else VerdictCode.ALIAS
        return _accept(code, f"Accepted: {_quote(shown)} matches {_quote(best[1])}.", expected.display)

    def _judge_text_value(self, expected: ExpectedAnswer, key: str, shown: str) -> Verdict:
        """Fallback for a typed answer whose value is missing: compare with the displayed answer."""
        for phrasing in (expected.display, *expected.accepted):
            if compact(normalize(phrasing)) == compact(key):
                return _accept(VerdictCode.EXACT, f"Accepted: {expected.display}.", expected.display)
        return _reject(VerdictCode.WRONG, f"Rejected: {_quote(shown)} is not {expected.display}.")

    def _text_distractors(self, question: Question) -> list[str]:
        fact = self._store.facts.get(question.fact_id)
        if fact is not None and isinstance(fact.answer, TextAnswer):
            return list(fact.answer.distractors)
        return [choice for index, choice in enumerate(question.choices) if index != question.correct_index]

    # ----------------------------------------------------------------- multiple choice and true/false

    def _judge_choice(
        self, question: Question, cleaned: str, key: str, shown: str, extra_aliases: Sequence[str]
    ) -> Verdict:
        """Judge an option pick: its letter (A-D), number (1-4), text (or a name of it); true/false words."""
        choices = question.choices
        correct = question.correct_index
        assert correct is not None
        right = choices[correct]
        index = self._pick_choice(question, cleaned, key)
        if index is None:
            alias = self._extra_alias(key, extra_aliases) if not is_blank(key) else None
            if alias is not None:
                return _accept(VerdictCode.ALIAS, f"Accepted: {_quote(alias)} is an accepted alias here.", right)
            if is_blank(key):
                return self._empty(shown)
            if question.kind == QuestionKind.TRUE_FALSE:
                return _reject(VerdictCode.UNPARSEABLE, f"Rejected: {_quote(shown)} is neither true nor false.")
            last = chr(ord("A") + len(choices) - 1)
            return _reject(
                VerdictCode.UNPARSEABLE, f"Rejected: {_quote(shown)} is not one of the options; answer A-{last}."
            )
        if question.kind == QuestionKind.TRUE_FALSE:
            picked, truth = choices[index].casefold(), right.casefold()
            if index == correct:
                return _accept(VerdictCode.EXACT, f"Accepted: the statement is {truth}.", right)
            return _reject(VerdictCode.WRONG, f"Rejected: the statement is {truth}, not {picked}.", choices[index])
        letter = chr(ord("A") + index)
        if index == correct:
            return _accept(VerdictCode.EXACT, f"Accepted: {letter}, {_quote(right)}.", right)
        return _reject(
            VerdictCode.WRONG, f"Rejected: {letter}, {_quote(choices[index])}, is not the answer.", choices[index]
        )

    def _pick_choice(self, question: Question, cleaned: str, key: str) -> int | None:
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
        exact = [
            index for index, choice_key in enumerate(choice_keys) if answer_key and choice_key == compact(answer_key)
        ]
        if len(exact) == 1:
            return exact[0]
        if label and label.group(1).isdecimal():
            index = int(label.group(1)) - 1
            if 0 <= index < len(choices):
                return index
        if question.kind == QuestionKind.TRUE_FALSE:
            truth = self._truth_value(cleaned, key)
            if truth is not None:
                words = _TRUE_WORDS if truth else _FALSE_WORDS
                found = [index for index, choice_key in enumerate(choice_keys) if choice_key in words]
                if len(found) == 1:
                    return found[0]
        if is_blank(key):
            return None
        picked = self._choice_by_value(choices, cleaned)
        if picked is None:
            picked = self._choice_by_entity(question, answer_key)
        if picked is None:
            picked = _choice_by_phrase(choices, key)
        if picked is None:
            picked = _nearest_choice(answer_key, choices)
        return picked

    @staticmethod
    def _truth_value(cleaned: str, key: str) -> bool | None:
        says_true = key in _TRUE_WORDS or any(symbol in cleaned for symbol in _TRUE_SYMBOLS)
        says_false = key in _FALSE_WORDS or any(symbol in cleaned for symbol in _FALSE_SYMBOLS)
        return says_true if says_true != says_false else None

    @staticmethod
    def _choice_by_value(choices: Sequence[str], cleaned: str) -> int | None:
        """Pick the option with the same number, duration, date or time as the answer ('twelve' for '12 days')."""
        if not mentions_value(cleaned):
            return None
        answer_dates = parse_dates(cleaned)
        if len(answer_dates) == 1:
            readings = set(answer_dates[0].readings)
            found = []
            for index, choice in enumerate(choices):
                choice_dates = _dates_of(choice)
                if len(choice_dates) == 1 and any(
                    _reading_agrees(answer, option) for answer in readings for option in choice_dates[0].readings
                ):
                    found.append(index)
            if len(found) == 1:
                return found[0]
        answer_times = parse_times(cleaned) if not answer_dates else []
        if len(answer_times) == 1 and answer_times[0].unknown_zone is None:
            found = [
                index
                for index, choice in enumerate(choices)
                if len(option_times := _times_of(choice)) == 1 and _same_time(answer_times[0], option_times[0])
            ]
            if len(found) == 1:
                return found[0]
        answer = combine_durations(parse_quantities(cleaned))
        if len(answer) != 1:
            return None
        found = []
        for index, choice in enumerate(choices):
            option = _quantities_of(choice)
            if len(option) == 1 and _same_quantity(answer[0], option[0]):
                found.append(index)
        return found[0] if len(found) == 1 else None

    def _choice_by_entity(self, question: Question, answer_key: str) -> int | None:
        """Pick the option that names the entity the answer names (a surname, an alias or a typo of one)."""
        preferred = set(question.expected.entity_ids)
        resolved = self._resolve(answer_key, preferred)
        if resolved is None:
            return None
        names = {n.compact for n in self._names if n.entity_id == resolved.entity_id and n.kind != "surname"}
        found = [index for index, choice in enumerate(question.choices) if compact(name_key(choice)) in names]
        return found[0] if len(found) == 1 else None


# --------------------------------------------------------------------------- helpers


@lru_cache(maxsize=1024)
def _dates_of(choice: str) -> list[WrittenDate]:
    return parse_dates(choice)


@lru_cache(maxsize=1024)
def _times_of(choice: str) -> list[TimeReading]:
    return parse_times(choice)


@lru_cache(maxsize=1024)
def _quantities_of(choice: str) -> list[Quantity]:
    return combine_durations(parse_quantities(choice))


def _nearest_choice(answer_key: str, choices: Sequence[str]) -> int | None:
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
    return distances.index(best)


def _describe_quantity(quantity: Quantity) -> str:
    unit = quantity.unit[:-1] if quantity.unit and quantity.value == 1 else quantity.unit
    return format_number(quantity.value, unit)


def _same_time(answer: TimeReading, option: TimeReading) -> bool:
    """Tell whether two written times are the same instant; a missing zone takes the other's zone."""
    answer_offset = answer.offset_minutes if answer.zone else option.offset_minutes
    option_offset = option.offset_minutes if option.zone else answer.offset_minutes
    wanted = (option.hour * 60 + option.minute - (option_offset or 0) + (answer_offset or 0)) % 1440
    written = answer.hour * 60 + answer.minute
    return wanted == written or (answer.twelve_hour and wanted == (written + 720) % 1440)


def _choice_by_phrase(choices: Sequence[str], key: str) -> int | None:
    """Pick the option a paraphrase matches by key words, when it beats every other option."""
    words = _content_words(key)
    if not words:
        return None
    scores = [_phrase_score(words, choice) for choice in choices]
    best = max(range(len(choices)), key=lambda index: scores[index].rank)
    rivals_beaten = all(scores[best].rank > score.rank for index, score in enumerate(scores) if index != best)
    return best if scores[best].acceptable and rivals_beaten else None


def _in_unit(quantity: Quantity, unit: DurationUnit | None) -> float:
    if quantity.unit is None or unit is None:
        return quantity.value
    converted = convert_duration(quantity.value, quantity.unit, unit)
    return quantity.value if converted is None else converted


def _same_quantity(answer: Quantity, option: Quantity) -> bool:
    if answer.unit is None or option.unit is None:
        return math.isclose(answer.value, option.value)
    converted = convert_duration(answer.value, answer.unit, option.unit)
    return converted is not None and math.isclose(converted, option.value)


def _date_matches(reading: DateReading, target: dt.date) -> bool:
    return (
        reading.day == target.day
        and reading.month == target.month
        and (reading.year is None or reading.year == target.year)
    )


def _reading_agrees(answer: DateReading, option: DateReading) -> bool:
    return (
        answer.day == option.day
        and answer.month == option.month
        and (answer.year is None or option.year is None or answer.year == option.year)
    )


def _wrong_date(reading: DateReading, target: dt.date, display: str) -> Verdict:
    if reading.day is None:
        if reading.month == target.month and reading.year in (None, target.year):
            return _reject(VerdictCode.UNPARSEABLE, f"Rejected: {reading.describe()} has no day; give the full date.")
        return _reject(VerdictCode.WRONG_DATE, f"Rejected: {reading.describe()} is not {display}.")
    return _reject(VerdictCode.WRONG_DATE, f"Rejected: {reading.describe()} is not {display}.")


def _time_match(reading: TimeReading, target: dt.time, offset: int, target_offset: int) -> int | None:
    """Return the 24-hour minutes the reading matched the target as (in its own zone), or None."""
    wanted = (target.hour * 60 + target.minute - target_offset + offset) % 1440
    written = reading.hour * 60 + reading.minute
    options = [written]
    if reading.twelve_hour:
        options.append((written + 720) % 1440)
    return next((minutes for minutes in options if minutes == wanted), None)


def _describe_time_as_written(reading: TimeReading) -> str:
    if reading.meridiem is not None:
        hour = reading.hour % 12 or 12
        clock = f"{hour}:{reading.minute:02d} {reading.meridiem}"
    else:
        clock = f"{reading.hour:02d}:{reading.minute:02d}"
    return f"{clock} {reading.zone}" if reading.zone else clock


# --------------------------------------------------------------------------- phrases


def _stem(word: str) -> str:
    """Strip common English endings so 'saves', 'saved' and 'saving' share a key; good enough for key words."""
    if len(word) <= 4 or word.isdecimal():
        return word
    if word.endswith("ies") and len(word) > 5:
        word = word[:-3] + "y"
    elif word.endswith("s") and not word.endswith("ss"):
        word = word[:-1]
    for ending in ("ing", "ed"):
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            word = word[: -len(ending)]
            break
    return word[:-1] if word.endswith("e") and len(word) > 4 else word


def _content_words(key: str) -> list[str]:
    return [_stem(word) for word in tokenize(digitize_number_words(key)) if word not in STOP_WORDS]


@lru_cache(maxsize=4096)
def _phrase_keywords(phrasing: str) -> tuple[str, ...]:
    return tuple(_content_words(normalize(phrasing)))


def _keywords_needed(count: int) -> int:
    """Return how many of a phrasing's key words an answer must have: all of 3, one less of 4-5, 2/3 beyond."""
    if count <= 3:
        return count
    if count <= 5:
        return count - 1
    return math.ceil(count * 2 / 3)


@dataclass(frozen=True)
class _PhraseScore:
    """How well the player's words fit one phrasing: overlap (F1 of key words), word order, typos."""

    overlap: float
    order: float
    typos: bool
    acceptable: bool

    @property
    def rank(self) -> tuple[float, float]:
        """Order phrasings by key-word overlap first, then by how well word order agrees."""
        return self.overlap, self.order


def _phrase_score(words: Sequence[str], phrasing: str) -> _PhraseScore:
    keywords = _phrase_keywords(phrasing)
    if not keywords:
        return _PhraseScore(0.0, 0.0, False, False)
    unused = list(words)
    matched = 0
    typos = False
    for keyword in keywords:
        if keyword in unused:
            unused.remove(keyword)
            matched += 1
            continue
        budget = 0 if keyword.isdecimal() else typo_budget(len(keyword))
        if budget == 0 or not unused:
            continue
        hit = process.extractOne(keyword, unused, scorer=OSA.distance, score_cutoff=budget)
        if hit is not None and not hit[0].isdecimal():
            del unused[hit[2]]
            matched += 1
            typos = True
    extras = len(unused)
    negated = any(word in _NEGATIONS for word in words) and not any(word in _NEGATIONS for word in keywords)
    acceptable = matched >= _keywords_needed(len(keywords)) and extras <= max(2, len(keywords) // 2) and not negated
    # F1 rather than coverage alone, so a long distractor that uses all the player's words outranks a
    # short phrasing that the player's words merely contain
    overlap = 2 * matched / (len(keywords) + len(words)) if words else 0.0
    order = fuzz.ratio(" ".join(words), " ".join(keywords)) / 100
    return _PhraseScore(round(overlap, 9), order, typos, acceptable)
