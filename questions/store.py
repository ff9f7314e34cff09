"""The in-memory fact store: documents, entities and facts loaded from fact packs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from questions.models import (
    AnswerType,
    DateAnswer,
    Document,
    DurationAnswer,
    Entity,
    EntityAnswer,
    EntityType,
    ExpectedAnswer,
    Fact,
    NumberAnswer,
    SetAnswer,
    TextAnswer,
    TimeAnswer,
)


@dataclass(frozen=True)
class LoadedDocument:
    """A source document with its full text."""

    meta: Document
    text: str
    path: Path


_NAME_SUFFIXES: Final = frozenset({"jr", "sr", "ii", "iii", "iv", "junior", "senior"})


class FactStore:
    """Read-only view over every loaded pack; ids are unique across the whole store."""

    def __init__(
        self,
        documents: Mapping[str, LoadedDocument],
        entities: Mapping[str, Entity],
        facts: Mapping[str, Fact],
        categories: Mapping[str, str],
        fact_documents: Mapping[str, str] | None = None,
    ) -> None:
        self.documents = dict(documents)
        self.entities = dict(entities)
        self.facts = dict(facts)
        self.categories = dict(categories)
        # fact id -> id of the document of the pack that declared it (used when source.doc is omitted)
        self._fact_documents = dict(fact_documents or {})

    def entity(self, entity_id: str) -> Entity:
        """Return the entity with this id (KeyError if unknown)."""
        return self.entities[entity_id]

    def entities_of_type(self, entity_type: EntityType) -> list[Entity]:
        """Return all entities of one type, in pack order."""
        return [e for e in self.entities.values() if e.type == entity_type]

    def document_for(self, fact: Fact) -> LoadedDocument:
        """Return the document that a fact's quote comes from."""
        doc_id = fact.citations[0].doc or self._fact_documents[fact.id]
        return self.documents[doc_id]

    def category_label(self, category: str) -> str:
        """Return the human label of a category id."""
        return self.categories.get(category, category.replace("-", " ").replace("_", " ").capitalize())

    def names_of(self, entity: Entity) -> list[str]:
        """Return the full name and every alias of an entity."""
        return [entity.name, *entity.aliases]

    def surnames_of(self, entity: Entity) -> list[str]:
        """Return the surnames a person is known by alone: the declared one, and the last word of each alias of
        several words that spells it otherwise ('Novitski' from the alias 'Oleg Novitski')."""
        if not entity.surname:
            return []
        declared = entity.surname.casefold()
        variants = [
            last
            for alias in entity.aliases
            if len(alias.split()) > 1
            and (last := alias.split()[-1].strip(".,")).casefold() not in _NAME_SUFFIXES
            and last.casefold()[:3]
            == declared[:3]  # a spelling of the surname ('Novitski'), not 'Liwei' of 'Yang Liwei'
        ]
        return list(dict.fromkeys([entity.surname, *variants]))

    def all_names(self) -> Iterable[tuple[str, Entity]]:
        """Yield every (name or alias or surname, entity) pair of the store."""
        for entity in self.entities.values():
            for name in self.names_of(entity):
                yield name, entity
            for surname in self.surnames_of(entity):
                yield surname, entity

    def expected_answer(self, fact: Fact) -> ExpectedAnswer:
        """Describe what a typed answer to this fact must be, for the matcher."""
        answer = fact.answer
        if isinstance(answer, EntityAnswer):
            entity = self.entity(answer.entity)
            return ExpectedAnswer(
                type=AnswerType.PERSON if entity.type == EntityType.PERSON else AnswerType.ENTITY,
                display=entity.name,
                accepted=[*self.names_of(entity), *answer.accept],
                surnames=self.surnames_of(entity),
                entity_ids=[entity.id],
            )
        if isinstance(answer, SetAnswer):
            members = [self.entity(e) for e in answer.entities]
            return ExpectedAnswer(
                type=AnswerType.SET,
                display=", ".join(m.name for m in members),
                accepted=[n for m in members for n in self.names_of(m)],
                surnames=[surname for m in members for surname in self.surnames_of(m)],
                entity_ids=[m.id for m in members],
                required=len(members),
            )
        if isinstance(answer, NumberAnswer):
            return ExpectedAnswer(
                type=AnswerType.NUMBER,
                display=format_number(answer.value, answer.unit),
                number=float(answer.value),
                tolerance=answer.tolerance,
                unit=answer.unit,
            )
        if isinstance(answer, DurationAnswer):
            return ExpectedAnswer(
                type=AnswerType.DURATION,
                display=format_number(answer.value, answer.unit),
                number=float(answer.value),
                tolerance=answer.tolerance,
                unit=answer.unit,
            )
        if isinstance(answer, DateAnswer):
            return ExpectedAnswer(type=AnswerType.DATE, display=format_date(answer.value), date=answer.value)
        if isinstance(answer, TimeAnswer):
            return ExpectedAnswer(
                type=AnswerType.TIME,
                display=f"{answer.value:%H:%M} {answer.zone}",
                time=answer.value,
                zone=answer.zone,
            )
        assert isinstance(answer, TextAnswer)
        return ExpectedAnswer(type=AnswerType.TEXT, display=answer.value, accepted=[answer.value, *answer.accept])


def format_number(value: float, unit: str | None) -> str:
    """Render 12.0 as '12' and append the unit, if any."""
    text = str(int(value)) if float(value).is_integer() else f"{value:g}"
    if unit and value == 1 and unit.endswith("s"):
        unit = unit[:-1]  # "1 day", not "1 days"
    return f"{text} {unit}" if unit else text


def format_date(value: dt.date) -> str:
    """Render a date as '5 October 2021'."""
    return f"{value.day} {value:%B %Y}"
