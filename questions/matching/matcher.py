"""The answer matcher: dispatch by answer type; people, entities and sets of them."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

from rapidfuzz import process
from rapidfuzz.distance import OSA

from questions.matching.choices import judge_choice
from questions.matching.phrases import judge_text
from questions.matching.values import judge_date, judge_quantity, judge_time
from questions.matching.verdicts import (
    MAX_ANSWER_LENGTH,
    NameKind,
    Verdict,
    VerdictCode,
    accept,
    empty_verdict,
    extra_alias,
    join_names,
    name_key,
    quote,
    reject,
    skeleton,
    without_digits,
)
from questions.models import AnswerType, Entity, EntityType, ExpectedAnswer, Question, QuestionKind, TextAnswer
from questions.store import FactStore
from questions.text.normalize import (
    STOP_WORDS,
    clean,
    compact,
    digit_runs,
    display_text,
    is_blank,
    normalize_cleaned,
    strip_filler,
    typo_budget,
)
from questions.text.numbers import digitize_number_words


@dataclass(frozen=True)
class _Name:
    """One name of an entity of the store, precomputed for matching."""

    key: str
    compact: str
    entity_id: str
    kind: NameKind


@dataclass(frozen=True)
class _Candidate:
    """A name the answer may be: one of the expected answer's names, or an extra alias."""

    key: str
    original: str
    kind: NameKind


@dataclass(frozen=True)
class _Resolved:
    """An answer (or part of one) read as an entity of the store."""

    entity_id: str
    code: VerdictCode


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
    def _entity_names(entity: Entity) -> Iterable[tuple[str, NameKind]]:
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
            return reject(VerdictCode.TOO_LONG, f"Rejected: answers are limited to {MAX_ANSWER_LENGTH} characters.")
        cleaned = clean(text)
        key = strip_filler(normalize_cleaned(cleaned))
        shown = display_text(text)
        expected = question.expected
        if (
            question.kind in (QuestionKind.MULTIPLE_CHOICE, QuestionKind.TRUE_FALSE)
            and question.correct_index is not None
            and 0 <= question.correct_index < len(question.choices)
        ):
            return judge_choice(question, cleaned, key, shown, extra_aliases, self._choice_by_entity)
        full_key = normalize_cleaned(cleaned)
        if is_blank(key):
            return empty_verdict(shown)
        alias = extra_alias(key, extra_aliases)
        if alias is not None:
            return accept(VerdictCode.ALIAS, f"Accepted: {quote(alias)} is an accepted alias here.", expected.display)
        if expected.type in (AnswerType.PERSON, AnswerType.ENTITY):
            return self._judge_entity(expected, key, shown, extra_aliases)
        if expected.type == AnswerType.SET:
            return self._judge_set(expected, cleaned, shown)
        if expected.type in (AnswerType.NUMBER, AnswerType.DURATION):
            return judge_quantity(expected, cleaned, shown)
        if expected.type == AnswerType.DATE:
            return judge_date(expected, cleaned, key, shown)
        if expected.type == AnswerType.TIME:
            return judge_time(expected, cleaned, shown)
        return judge_text(expected, self._text_distractors(question), full_key, key, shown, extra_aliases)

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
                return accept(VerdictCode.ALIAS, f"Accepted: {quote(shown)} is {target}, in another order.", target)

        digits = digit_runs(key)
        for candidate in candidates:
            name_digits = digit_runs(candidate.key)
            if not name_digits or digits == name_digits:
                continue
            close = OSA.distance(skeleton(key), skeleton(candidate.key)) <= typo_budget(len(candidate.key))
            if digits and close:
                other = self._other_owner(answer_compact, expected_ids)
                return reject(
                    VerdictCode.WRONG_NUMBER,
                    f"Rejected: {shown} differs from {target} in a number.",
                    self._store.entity(other).name if other else None,
                )
            if not digits and OSA.distance(key, without_digits(candidate.key)) <= typo_budget(len(candidate.key)):
                return reject(VerdictCode.WRONG, f"Rejected: {quote(shown)} leaves out the number in {target}.")

        other = self._other_owner(answer_compact, expected_ids)
        if other is not None:
            return reject(
                VerdictCode.OTHER_ENTITY, f"Rejected: that names {self._describe_other(other)}.", self._name_of(other)
            )

        if key in self._given_names and self._given_names[key] & expected_ids:
            return reject(
                VerdictCode.WRONG, f"Rejected: {quote(shown)} is only a first name; give the surname of {target}."
            )

        typo = self._typo_verdict(key, candidates, expected_ids, target, shown)
        if typo is not None:
            return typo

        contained = self._contained_verdict(key, candidates, expected_ids, target, shown)
        if contained is not None:
            return contained
        return reject(VerdictCode.WRONG, f"Rejected: {quote(shown)} is not {target}.")

    def _name_of(self, entity_id: str) -> str:
        return self._store.entity(entity_id).name

    def _other_owner(self, answer_compact: str, expected_ids: set[str]) -> str | None:
        owners = self._owners.get(answer_compact, set()) - expected_ids
        return min(owners) if owners else None

    def _named_verdict(self, candidate: _Candidate, expected_ids: set[str], target: str, shown: str) -> Verdict:
        if candidate.kind == "surname":
            sharing = self._owners.get(compact(candidate.key), set()) - expected_ids
            if sharing:
                others = join_names(sorted(self._name_of(entity_id) for entity_id in sharing))
                return reject(
                    VerdictCode.WRONG, f"Rejected: {quote(shown)} could also be {others}; give the full name."
                )
            return accept(VerdictCode.SURNAME, f"Accepted: {quote(shown)} is the surname of {target}.", target)
        if candidate.kind == "name":
            return accept(VerdictCode.EXACT, f"Accepted: {target}.", target)
        return accept(VerdictCode.ALIAS, f"Accepted: {quote(shown)} is another name for {target}.", target)

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
            return reject(
                VerdictCode.OTHER_ENTITY,
                f"Rejected: that looks like {self._describe_other(nearest_other[1])}.",
                self._name_of(nearest_other[1]),
            )
        if best is None:
            return None
        if nearest_other is not None:
            return reject(
                VerdictCode.WRONG,
                f"Rejected: {quote(shown)} is as close to {self._name_of(nearest_other[1])} as to {target}.",
            )
        candidate = best[1]
        if candidate.kind == "surname":
            return accept(VerdictCode.TYPO, f"Accepted as a typo of {quote(candidate.original)} ({target}).", target)
        return accept(VerdictCode.TYPO, f"Accepted as a typo of {quote(candidate.original)}.", target)

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
                return reject(VerdictCode.WRONG, f"Rejected: give one answer; {quote(shown)} is more than {target}.")
            others = self._entities_named_in(rest) - expected_ids
            if others:
                names = join_names(sorted(self._name_of(entity_id) for entity_id in others))
                return reject(VerdictCode.WRONG, f"Rejected: give one answer, not {target} and {names}.")
            if sum(word not in STOP_WORDS for word in rest) > _MAX_EXTRA_WORDS_AROUND_NAME:
                continue
            if candidate.kind == "surname" and self._owners.get(compact(candidate.key), set()) - expected_ids:
                continue
            code = VerdictCode.SURNAME if candidate.kind == "surname" else VerdictCode.EXACT
            return accept(code, f"Accepted: {quote(shown)} names {target}.", target)
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
            notes.append(f"{join_names([self._name_of(entity_id) for entity_id in wrong])} {verb} not one of them")
        if unknown:
            notes.append(f"{join_names([quote(part) for part in unknown])} matched no one")
        note = f"; {'; '.join(notes)}" if notes else ""
        matched = ", ".join(names) or None
        if credit >= 1:
            code = next(
                (c for c in (VerdictCode.TYPO, VerdictCode.SURNAME, VerdictCode.ALIAS) if c in codes), VerdictCode.EXACT
            )
            return accept(code, f"Accepted: {join_names(names)}{note}.", matched)
        if credit > 0:
            return reject(
                VerdictCode.PARTIAL,
                f"Partly right, {len(named_members)} of {required}: {join_names(names)}{note}.",
                matched,
                credit=credit,
            )
        if wrong:
            return reject(VerdictCode.OTHER_ENTITY, f"Rejected: {'; '.join(notes)}.", self._name_of(wrong[0]))
        return reject(VerdictCode.WRONG, f"Rejected: {quote(shown)} names none of them.")

    # ----------------------------------------------------------------- numbers and durations

    def _text_distractors(self, question: Question) -> list[str]:
        fact = self._store.facts.get(question.fact_id)
        if fact is not None and isinstance(fact.answer, TextAnswer):
            return list(fact.answer.distractors)
        return [choice for index, choice in enumerate(question.choices) if index != question.correct_index]

    # ----------------------------------------------------------------- multiple choice and true/false

    def _choice_by_entity(self, question: Question, answer_key: str) -> int | None:
        """Pick the option that names the entity the answer names (a surname, an alias or a typo of one)."""
        preferred = set(question.expected.entity_ids)
        resolved = self._resolve(answer_key, preferred)
        if resolved is None:
            return None
        names = {n.compact for n in self._names if n.entity_id == resolved.entity_id and n.kind != "surname"}
        found = [index for index, choice in enumerate(question.choices) if compact(name_key(choice)) in names]
        return found[0] if len(found) == 1 else None
