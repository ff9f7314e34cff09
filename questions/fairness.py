"""What makes a wrong option fair: the answer's class, the prompt's qualifiers, and the right era.

A multiple-choice question is only as good as its wrong options. An option of another class (Earth offered
as a launch site), one the prompt itself rules out ("Which *US* agency" with one US agency among the
options) or one from another era (a cosmonaut who died in 1968 as commander of a 2021 flight) gives the
answer away or is absurd. The generator draws only options that pass :func:`unfair_reason`; the content
checks run the same function over the generated bank, so a hand-edited or future bank cannot regress.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from questions.models import Entity, EntityType

ERA_YEARS = 30
"""People born further apart than this are of different eras: neither is a fair decoy for the other."""


@dataclass(frozen=True)
class Qualifier:
    """A word of a prompt that narrows what the answer is, e.g. 'US' in 'Which US agency ...'."""

    label: str
    pattern: re.Pattern[str]
    holds: Callable[[Entity], bool]

    def found_in(self, text: str) -> str | None:
        """Return the words of ``text`` that state this qualifier, or None."""
        match = self.pattern.search(text)
        return match.group(0) if match else None


def _kind_is(*kinds: str) -> Callable[[Entity], bool]:
    return lambda entity: (entity.kind or "").casefold() in kinds


def _of_country(country_id: str) -> Callable[[Entity], bool]:
    return lambda entity: entity.country == country_id or entity.id == country_id


QUALIFIERS: tuple[Qualifier, ...] = (
    Qualifier(
        "a woman",
        re.compile(r"\b(?:actress|woman|women|female|heroine|she|her)\b", re.IGNORECASE),
        lambda entity: entity.gender == "female",
    ),
    Qualifier(
        "a man",
        re.compile(r"\b(?:man|men|male|he|his|him|actor)\b", re.IGNORECASE),
        lambda entity: entity.gender == "male",
    ),
    Qualifier(
        "American", re.compile(r"\bUS\b|\bU\.S\.|\b[Aa]merican\b|\b[Uu]nited [Ss]tates\b"), _of_country("united-states")
    ),
    Qualifier("Russian", re.compile(r"\bRussian\b|\bRussia['’]s\b", re.IGNORECASE), _of_country("russia")),
    Qualifier(
        "ex-Soviet",
        re.compile(r"\b(?:ex|former|post)[- ]Soviet\b", re.IGNORECASE),
        lambda entity: "ex-soviet" in entity.tags,
    ),
    Qualifier(
        "Soviet",
        re.compile(r"(?<![-\w])(?<!former )(?<!post )Soviet\b", re.IGNORECASE),
        _of_country("soviet-union"),
    ),
    Qualifier("private", re.compile(r"\bprivate(?:ly)?\b", re.IGNORECASE), lambda entity: "private" in entity.tags),
    Qualifier("a news agency", re.compile(r"\bnews agency\b", re.IGNORECASE), _kind_is("news agency")),
    Qualifier("a space agency", re.compile(r"\bspace agency\b", re.IGNORECASE), _kind_is("space agency")),
    Qualifier(
        "a company",
        re.compile(r"\bcompany(?:['’]s)?\b", re.IGNORECASE),
        lambda entity: (entity.kind or "").casefold().endswith("company"),
    ),
    Qualifier(
        "a spaceport",
        re.compile(r"\b(?:spaceport|cosmodrome|launch site)\b", re.IGNORECASE),
        _kind_is("spaceport"),
    ),
    Qualifier(
        "a space traveller",
        re.compile(r"\b(?:cosmonaut|astronaut)s?\b", re.IGNORECASE),
        _kind_is("cosmonaut", "astronaut"),
    ),
    Qualifier("a veteran", re.compile(r"\bveteran\b", re.IGNORECASE), lambda entity: "veteran" in entity.tags),
    Qualifier("a satellite", re.compile(r"\bsatellite\b", re.IGNORECASE), _kind_is("satellite")),
    Qualifier("a film director", re.compile(r"\bdirector\b", re.IGNORECASE), _kind_is("film director")),
    Qualifier(
        "a country",
        re.compile(r"\b(?:country|nation)\b", re.IGNORECASE),
        lambda entity: entity.type == EntityType.COUNTRY,
    ),
    Qualifier("a film series", re.compile(r"\b(?:film series|franchise)\b", re.IGNORECASE), _kind_is("film series")),
)
"""Every qualifier word the checks and the generator know; add a row when a prompt needs a new one."""


def binding_qualifiers(context: str, answers: Iterable[Entity]) -> list[tuple[Qualifier, str]]:
    """Return the qualifiers ``context`` names that every answer satisfies, with the words that name them.

    A qualifier the answer does not satisfy describes something else in the prompt (the "Russian" of
    "the Russian film crew" when the answer is a launch site abroad), so it does not bind the options.
    """
    answer_list = list(answers)
    found: list[tuple[Qualifier, str]] = []
    for qualifier in QUALIFIERS:
        words = qualifier.found_in(context)
        if words is not None and answer_list and all(qualifier.holds(answer) for answer in answer_list):
            found.append((qualifier, words))
    return found


def alive_in(entity: Entity, year: int) -> bool:
    """Return whether a person was alive in ``year`` (unknown birth or death counts as alive)."""
    return (entity.born is None or entity.born <= year) and (entity.died is None or entity.died >= year)


def class_of(entity: Entity) -> str:
    """Describe an entity's class for messages: its kind if known, else its type."""
    return entity.kind or entity.type.value


def with_article(noun: str) -> str:
    """Return 'a noun' or 'an noun' as English wants it."""
    return f"{'an' if noun[:1].casefold() in 'aeiou' else 'a'} {noun}"


def class_reason(answer: Entity, candidate: Entity, year: int) -> str | None:
    """Return why ``candidate`` is not of ``answer``'s class or era, or None when it is."""
    if candidate.type != answer.type:
        return f"is {with_article(candidate.type.value)}, not {with_article(answer.type.value)} like the answer"
    if answer.kind is not None and (candidate.kind or "").casefold() != answer.kind.casefold():
        return f"is {with_article(class_of(candidate))}, not {with_article(answer.kind)} like the answer"
    if answer.type == EntityType.PERSON:
        if alive_in(answer, year) and not alive_in(candidate, year):
            return f"was not alive in {year}, when the answer was"
        if answer.born is not None and candidate.born is not None and abs(answer.born - candidate.born) > ERA_YEARS:
            return f"is of another era (born {candidate.born}, the answer {answer.born})"
    return None


def unfair_reason(answer: Entity, candidate: Entity, context: str, year: int) -> str | None:
    """Return why ``candidate`` is an unfair wrong option for ``answer`` under ``context``, or None."""
    reason = class_reason(answer, candidate, year)
    if reason is not None:
        return reason
    for qualifier, words in binding_qualifiers(context, [answer]):
        if not qualifier.holds(candidate):
            return f"is not {qualifier.label}, which the prompt asks for ({words!r})"
    return None
