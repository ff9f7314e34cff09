"""Pydantic models of the fact store (fact packs) and of generated questions.

A *fact pack* is a YAML or TOML file beside a source document. It declares the document,
the entities the document mentions (people, organisations, places, craft, titles, ...) and
typed facts about them. Every entity and fact cites a verbatim quote of its document.

This module has no Discord import and no I/O: loading lives in ``questions.loader``.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

Identifier = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_.-]*$", max_length=80)]
"""Ids of documents, entities and facts: lowercase slugs, unique within the whole store."""

NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


CITATION_REQUIRED = "give either 'source' (one quote) or 'sources' (a list of quotes), not both or neither"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --------------------------------------------------------------------------- packs


class Document(_Strict):
    """The source document a pack is about; ``file`` is relative to the pack file."""

    id: Identifier
    file: NonEmpty
    title: NonEmpty
    date: dt.date = Field(description="Publication date; relative words in the text are resolved against it.")
    publisher: str | None = None


class EntityType(StrEnum):
    """What kind of thing an entity is; distractors are drawn from entities of the same type."""

    PERSON = "person"
    ORGANISATION = "organisation"
    PLACE = "place"
    COUNTRY = "country"
    CRAFT = "craft"
    TITLE = "title"
    PROGRAMME = "programme"
    EVENT = "event"
    THING = "thing"


class Source(_Strict):
    """A citation: a verbatim quote of a document (whitespace and curly quotes are normalised)."""

    doc: Identifier | None = Field(default=None, description="Document id; defaults to the pack's document.")
    quote: NonEmpty


class Entity(_Strict):
    """A named thing of the store. People carry role and age at the time of the document.

    An entity without ``source`` is not in any document: it is a well-known real thing of the same class,
    kept only so that multiple-choice questions have fair wrong options.
    """

    id: Identifier
    type: EntityType
    name: NonEmpty
    aliases: list[NonEmpty] = Field(default_factory=list, description="Other names and transliterations.")
    surname: str | None = Field(default=None, description="For people: the surname accepted on its own.")
    role: str | None = Field(default=None, description="For people: their role in the story, e.g. 'actress'.")
    age: int | None = Field(default=None, ge=0, le=150, description="For people: age at the document's date.")
    description: str | None = None
    source: Source | None = None
    kind: str | None = Field(
        default=None,
        description="Finer class within the type, shared by fair distractors, e.g. 'spaceport', 'space agency'.",
    )
    country: Identifier | None = Field(
        default=None, description="For places and organisations: the id of the country entity they belong to."
    )
    gender: Literal["female", "male"] | None = Field(default=None, description="For people, where a prompt needs it.")
    born: int | None = Field(default=None, description="For people: year of birth (era checks of distractors).")
    died: int | None = Field(default=None, description="For people: year of death, if dead (alive-when checks).")
    tags: list[Identifier] = Field(
        default_factory=list,
        description="Qualifiers a prompt may name, e.g. 'private', 'ex-soviet': fair distractors share them.",
    )


class EntityAnswer(_Strict):
    """The answer is one entity of the store."""

    type: Literal["entity"] = "entity"
    entity: Identifier
    accept: list[NonEmpty] = Field(
        default_factory=list,
        description="Other phrasings accepted for this fact only, e.g. the report's own 'the Soviet era' for the "
        "Soviet Union (the entity's names and aliases are accepted for every fact).",
    )


class NumberAnswer(_Strict):
    """The answer is a count or quantity; ``tolerance`` is the absolute slack a numeric question allows."""

    type: Literal["number"] = "number"
    value: int | float
    unit: str | None = Field(default=None, description="Unit shown with the value, e.g. 'days', 'years old'.")
    tolerance: float = Field(default=0, ge=0)


class DateAnswer(_Strict):
    """The answer is a calendar date (already resolved from relative words like 'on Tuesday')."""

    type: Literal["date"] = "date"
    value: dt.date


class TimeAnswer(_Strict):
    """The answer is a time of day in a named zone (GMT and UTC are the same here)."""

    type: Literal["time"] = "time"
    value: dt.time
    zone: str = "GMT"


class DurationAnswer(_Strict):
    """The answer is a length of time."""

    type: Literal["duration"] = "duration"
    value: int | float
    unit: Literal["minutes", "hours", "days", "weeks", "months", "years"]
    tolerance: float = Field(default=0, ge=0)


class TextAnswer(_Strict):
    """The answer is a short phrase; ``accept`` lists other phrasings a quizmaster accepts."""

    type: Literal["text"] = "text"
    value: NonEmpty
    accept: list[NonEmpty] = Field(default_factory=list)
    distractors: list[NonEmpty] = Field(
        default_factory=list, description="Plausible false phrases for multiple-choice and true/false."
    )


class SetAnswer(_Strict):
    """The answer is a set of entities ('name one of the crew', 'name all three')."""

    type: Literal["set"] = "set"
    entities: list[Identifier] = Field(min_length=2)


Answer = Annotated[
    EntityAnswer | NumberAnswer | DateAnswer | TimeAnswer | DurationAnswer | TextAnswer | SetAnswer,
    Field(discriminator="type"),
]


class Relation(_Strict):
    """A typed link between entities, e.g. ``directed(klim-shipenko, the-challenge)``."""

    name: Identifier
    subject: Identifier
    object: Identifier | None = None


class Fact(_Strict):
    """One quizzable fact: its answer, how to ask it, and the quotes that prove it.

    Each prompt becomes one question: the first a multiple-choice question when the store has at least three
    fair wrong options for it, every other one a typed question. Give a second prompt only for a genuinely
    different angle on the fact.
    """

    id: Identifier
    category: Identifier
    prompts: list[NonEmpty] = Field(
        min_length=1, description="One per question: the first is asked as multiple choice if fair, the rest typed."
    )
    statement: NonEmpty | None = Field(
        default=None,
        description="A true sentence with an '{answer}' placeholder, used for true/false questions.",
    )
    answer: Answer
    source: Source | None = Field(default=None, description="The quote that proves the answer (or use 'sources').")
    sources: list[Source] = Field(
        default_factory=list, description="Several quotes, when the answer needs more than one sentence to prove."
    )
    derivation: NonEmpty | None = Field(
        default=None,
        description="How the answer follows from the quotes, in plain words, when no quote names it "
        "(elimination, counting, a relative date resolved against the document's date).",
    )
    relation: Relation | None = None
    difficulty: int | None = Field(default=None, ge=1, le=3, description="1 easy .. 3 hard; estimated if absent.")
    as_of: bool = Field(
        default=False, description="The answer may change over time: questions say 'as of <document month>'."
    )
    kinds: list[QuestionKind] | None = Field(
        default=None, description="Restrict the question kinds generated from this fact."
    )
    unfair_options: list[NonEmpty] = Field(
        default_factory=list,
        description="Wrong answers the generator must never offer for this fact, as options or in false "
        "statements: nearly true ('11 days' for a flight of 11 days 19 hours) or absurd in the story.",
    )
    status: Literal["draft", "approved"] | None = Field(
        default=None, description="'draft' for facts drafted by `python -m questions draft`, until reviewed."
    )

    @model_validator(mode="after")
    def _one_way_to_cite(self) -> Fact:
        if (self.source is None) == (not self.sources):
            raise ValueError(CITATION_REQUIRED)
        return self

    @property
    def citations(self) -> list[Source]:
        """Return every quote of the fact, in order."""
        return [self.source] if self.source is not None else list(self.sources)


class FactPack(_Strict):
    """One file of the store: a document, its entities and its facts."""

    document: Document
    categories: dict[Identifier, NonEmpty] = Field(
        default_factory=dict, description="Category id -> human label, for categories this pack introduces."
    )
    entities: list[Entity] = Field(default_factory=list)
    facts: list[Fact] = Field(default_factory=list)


# --------------------------------------------------------------------------- questions


class QuestionKind(StrEnum):
    """The kinds of question a fact can become."""

    MULTIPLE_CHOICE = "multiple_choice"
    TRUE_FALSE = "true_false"
    TYPED = "typed"
    NUMERIC = "numeric"
    SET = "set"


class AnswerType(StrEnum):
    """How a typed answer is matched: by what the expected answer *is*."""

    PERSON = "person"
    ENTITY = "entity"
    NUMBER = "number"
    DATE = "date"
    TIME = "time"
    DURATION = "duration"
    TEXT = "text"
    SET = "set"
    CHOICE = "choice"


class ExpectedAnswer(_Strict):
    """Everything the matcher needs to judge a typed answer to one question."""

    type: AnswerType
    display: str = Field(description="The canonical answer, as revealed to players.")
    accepted: list[str] = Field(default_factory=list, description="Names/phrasings accepted as exact or alias.")
    surnames: list[str] = Field(default_factory=list, description="Surnames accepted alone (people).")
    entity_ids: list[str] = Field(default_factory=list, description="Entity ids the answer is (or, for sets, has).")
    number: float | None = None
    tolerance: float = 0
    unit: str | None = None
    date: dt.date | None = None
    time: dt.time | None = None
    zone: str | None = None
    required: int = Field(default=1, description="Set questions: how many members make full credit.")


class Question(_Strict):
    """A generated question, self-contained enough to be asked, judged and explained."""

    id: str = Field(description="Stable id: same fact, kind and phrasing give the same id across runs.")
    kind: QuestionKind
    category: str
    prompt: str
    choices: list[str] = Field(default_factory=list, description="Options for multiple choice and true/false.")
    correct_index: int | None = Field(default=None, description="Index of the right option in ``choices``.")
    answer: str = Field(description="The right answer as shown in the reveal.")
    expected: ExpectedAnswer
    fact_id: str
    document_id: str
    document_title: str
    quote: str = Field(description="The first quote proving the answer (see ``quotes`` for all of them).")
    quotes: list[str] = Field(default_factory=list, description="Every quote the answer needs, in order.")
    derivation: str | None = Field(default=None, description="How the answer follows from the quotes, if derived.")
    reveals: list[str] = Field(
        default_factory=list,
        description="Texts that state this question's right answer; a round never shows them in another prompt.",
    )
    difficulty: int = Field(ge=1, le=3)


Fact.model_rebuild()
