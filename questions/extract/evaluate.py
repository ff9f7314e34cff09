"""Measure a draft against a hand-written pack and against a fixture of expected facts.

A drafted fact *recovers* a reference fact when both have the same answer (same entity by any of its names,
same value, date, time or duration, or overlapping accepted phrasings for text) and their quotes overlap in
the document. Recall is the share of reference facts recovered; precision is the share of drafted facts that
match some expected fact of the fixture (the fixture lists every fact a careful reader accepts as correct).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

from questions.extract.draft import DraftResult
from questions.generate import normalise_text
from questions.loader import load_store, normalise_quote
from questions.models import (
    DateAnswer,
    DurationAnswer,
    EntityAnswer,
    Fact,
    FactPack,
    NumberAnswer,
    SetAnswer,
    TextAnswer,
    TimeAnswer,
)
from questions.store import FactStore


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ExpectedEntity(_Strict):
    """An entity answer of the fixture, named by every spelling that counts."""

    type: Literal["entity"] = "entity"
    names: list[str] = Field(min_length=1)


class ExpectedSet(_Strict):
    """A set answer of the fixture: each member by its spellings."""

    type: Literal["set"] = "set"
    members: list[list[str]] = Field(min_length=2)


ExpectedAnswer = Annotated[
    ExpectedEntity | ExpectedSet | NumberAnswer | DateAnswer | TimeAnswer | DurationAnswer | TextAnswer,
    Field(discriminator="type"),
]


class ExpectedFact(_Strict):
    """One fact a correct draft may contain, with a verbatim quote of the document."""

    answer: ExpectedAnswer
    quote: str
    note: str | None = None
    keywords: list[str] = Field(
        default_factory=list,
        description="Where one sentence holds several facts with this answer: a drafted prompt must contain one "
        "of these words (any case) to count as this fact.",
    )


class ExpectedFacts(_Strict):
    """A fixture of expected facts for one document (``*.expected.yaml``)."""

    document: str = Field(description="The document file, relative to the fixture.")
    date: dt.date
    facts: list[ExpectedFact]


# --------------------------------------------------------------------------- comparable facts


@dataclass(frozen=True)
class Comparable:
    """A fact reduced to what the comparison needs: a label, its answer, its quote's span in the document."""

    label: str
    kind: str
    names: tuple[frozenset[str], ...]
    """Entity: one set of spellings; set: one per member; text: one set of phrasings."""
    value: object
    spans: tuple[tuple[int, int], ...]
    """Where its quotes are in the document (quotes not found there have no span)."""
    prompt: str = ""
    keywords: tuple[str, ...] = ()

    def same_answer(self, other: Comparable) -> bool:
        """Whether two facts give the same answer."""
        if self.kind != other.kind:
            return False
        if self.kind in {"entity", "text"}:
            return bool(self.names[0] & other.names[0])
        if self.kind == "set":
            return len(self.names) == len(other.names) and all(
                any(mine & theirs for theirs in other.names) for mine in self.names
            )
        return self.value == other.value

    def overlaps(self, other: Comparable) -> bool:
        """Whether a quote of each shares at least one character of the document with the other's."""
        return any(mine[0] < theirs[1] and theirs[0] < mine[1] for mine in self.spans for theirs in other.spans)

    def matches(self, other: Comparable) -> bool:
        """Same answer and overlapping quotes (and, where the reference names keywords, a prompt using one)."""
        if not (self.same_answer(other) and self.overlaps(other)):
            return False
        for keyed, asked in ((other, self), (self, other)):
            if keyed.keywords and asked.prompt:
                return any(word.casefold() in asked.prompt.casefold() for word in keyed.keywords)
        return True


def _spellings(names: Sequence[str]) -> frozenset[str]:
    folded: set[str] = set()
    for name in names:
        text = normalise_text(name)
        folded.add(text)
        words = text.split()
        if len(words) > 1 and words[0] in {"a", "an", "the", "its", "his", "her", "their"}:
            folded.add(" ".join(words[1:]))
    return frozenset(folded)


def _spans(quotes: Sequence[str], document: str) -> tuple[tuple[int, int], ...]:
    spans: list[tuple[int, int]] = []
    for quote in quotes:
        needle = normalise_quote(quote)
        start = document.find(needle)
        if start >= 0:
            spans.append((start, start + len(needle)))
    return tuple(spans)


def _number_key(answer: NumberAnswer | DurationAnswer) -> object:
    value = float(answer.value)
    return (value, answer.unit) if isinstance(answer, DurationAnswer) else value


def comparable_from_answer(
    label: str, answer: object, quotes: Sequence[str], document: str, names_of: Callable[[str], list[str]]
) -> Comparable:
    """Reduce a pack answer (or a fixture answer) and its quotes to a ``Comparable``."""
    span = _spans(quotes, document)
    if isinstance(answer, EntityAnswer):
        return Comparable(label, "entity", (_spellings(names_of(answer.entity)),), None, span)
    if isinstance(answer, ExpectedEntity):
        return Comparable(label, "entity", (_spellings(answer.names),), None, span)
    if isinstance(answer, SetAnswer):
        return Comparable(label, "set", tuple(_spellings(names_of(member)) for member in answer.entities), None, span)
    if isinstance(answer, ExpectedSet):
        return Comparable(label, "set", tuple(_spellings(member) for member in answer.members), None, span)
    if isinstance(answer, TextAnswer):
        return Comparable(label, "text", (_spellings([answer.value, *answer.accept]),), None, span)
    if isinstance(answer, NumberAnswer):
        return Comparable(label, "number", (), _number_key(answer), span)
    if isinstance(answer, DurationAnswer):
        return Comparable(label, "duration", (), _number_key(answer), span)
    if isinstance(answer, DateAnswer):
        return Comparable(label, "date", (), answer.value, span)
    if isinstance(answer, TimeAnswer):
        return Comparable(label, "time", (), (answer.value.hour, answer.value.minute), span)
    raise TypeError(f"unknown answer type {type(answer).__name__}")


def _quote_of(fact: Fact) -> list[str]:
    """Every quote of a fact (one of them overlapping a draft's quote is enough)."""
    return [citation.quote for citation in fact.citations]


def comparables_of_pack(pack: FactPack, document: str) -> list[Comparable]:
    """The facts of a pack (gold or draft) as comparables, entity answers spelled by name and aliases."""
    entities = {entity.id: entity for entity in pack.entities}

    def names_of(entity_id: str) -> list[str]:
        entity = entities.get(entity_id)
        return [entity.name, *entity.aliases] if entity else [entity_id]

    return [
        replace(
            comparable_from_answer(f"{fact.id}: {fact.prompts[0]}", fact.answer, _quote_of(fact), document, names_of),
            prompt=fact.prompts[0],
        )
        for fact in pack.facts
    ]


def comparables_of_store(store: FactStore, document: str) -> list[Comparable]:
    """The facts of a loaded gold store as comparables."""

    def names_of(entity_id: str) -> list[str]:
        entity = store.entities.get(entity_id)
        return store.names_of(entity) if entity else [entity_id]

    return [
        comparable_from_answer(f"{fact.id}: {fact.prompts[0]}", fact.answer, _quote_of(fact), document, names_of)
        for fact in store.facts.values()
    ]


def comparables_of_expected(expected: ExpectedFacts, document: str) -> list[Comparable]:
    """The facts of an expected-facts fixture as comparables."""
    return [
        comparable_from_answer(
            f"expected #{index}: {fact.note or fact.quote[:60]}", fact.answer, [fact.quote], document, list
        )
        for index, fact in enumerate(expected.facts, start=1)
    ]


def load_expected(path: Path) -> ExpectedFacts:
    """Read an expected-facts fixture."""
    return ExpectedFacts.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


def is_expected_fixture(path: Path) -> bool:
    """Whether a reference file is an expected-facts fixture rather than a fact pack."""
    return path.name.endswith((".expected.yaml", ".expected.yml"))


def load_gold(path: Path, document: str) -> tuple[list[Comparable], dt.date]:
    """Load a gold fact pack (or fixture) and return its facts as comparables, with the document's date."""
    if is_expected_fixture(path):
        expected = load_expected(path)
        return comparables_of_expected(expected, document), expected.date
    store = load_store([path])
    (loaded,) = store.documents.values()
    return comparables_of_store(store, document), loaded.meta.date


# --------------------------------------------------------------------------- scores


@dataclass(frozen=True)
class Score:
    """How a draft compares with one reference."""

    reference: str
    reference_facts: int
    recovered: list[str]
    missed: list[str]
    drafted: int
    correct: list[str]
    wrong: list[str]

    @property
    def recall(self) -> float:
        """Share of reference facts the draft recovers."""
        return len(self.recovered) / self.reference_facts if self.reference_facts else 0.0

    @property
    def precision(self) -> float:
        """Share of drafted facts that match a reference fact."""
        return len(self.correct) / self.drafted if self.drafted else 0.0

    def render(self, *, with_precision: bool) -> str:
        """A short report of the figures and of what was missed or wrong."""
        lines = [
            f"Against {self.reference} ({self.reference_facts} facts):",
            f"  recall    {self.recall:6.1%}  "
            f"({len(self.recovered)} of {self.reference_facts} reference facts recovered)",
        ]
        if with_precision:
            lines.append(
                f"  precision {self.precision:6.1%}  ({len(self.correct)} of {self.drafted} drafted facts correct)"
            )
            lines.extend(f"    wrong: {label}" for label in self.wrong)
        lines.extend(f"    missed: {label}" for label in self.missed)
        return "\n".join(lines)


def score(draft: Sequence[Comparable], reference: Sequence[Comparable], name: str) -> Score:
    """Compare drafted facts with reference facts."""
    recovered = [ref.label for ref in reference if any(fact.matches(ref) for fact in draft)]
    missed = [ref.label for ref in reference if ref.label not in set(recovered)]
    correct = [fact.label for fact in draft if any(fact.matches(ref) for ref in reference)]
    wrong = [fact.label for fact in draft if fact.label not in set(correct)]
    return Score(name, len(reference), recovered, missed, len(draft), correct, wrong)


def draft_comparables(result: DraftResult) -> tuple[list[Comparable], str]:
    """The drafted facts as comparables, and the normalised text their quotes are located in."""
    document = normalise_quote(result.document_text)
    return comparables_of_pack(result.pack, document), document
