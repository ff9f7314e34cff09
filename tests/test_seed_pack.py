"""Tests of the bundled seed pack: it loads cleanly, is grounded in its article and covers every topic."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from pathlib import Path

import pytest
from pydantic import BaseModel

from questions.loader import load_store, normalise_quote
from questions.models import (
    DateAnswer,
    DurationAnswer,
    EntityAnswer,
    EntityType,
    Fact,
    NumberAnswer,
    SetAnswer,
    TextAnswer,
    TimeAnswer,
)
from questions.schema import factpack_json_schema
from questions.store import FactStore

SEEDS_DIR = Path(__file__).resolve().parent.parent / "seeds"
ARTICLE = SEEDS_DIR / "soyuz-ms19-film-in-orbit-2021-10-05.txt"
PACK = SEEDS_DIR / "soyuz-ms19-film-in-orbit-2021-10-05.facts.yaml"
ARTICLE_SHA256 = "5c08344c49f08338116e5a07ed047a83e05eb65b127e63d2d328280f03a8dcb3"

# Every topic the question bank must cover, with the answer the article (and the world) supports.
REQUIRED_ANSWERS: dict[str, BaseModel] = {
    "launch-date": DateAnswer(value=dt.date(2021, 10, 5)),
    "launch-time": TimeAnswer(value=dt.time(8, 55), zone="GMT"),
    "launch-site": EntityAnswer(entity="baikonur-cosmodrome"),
    "launch-site-country": EntityAnswer(entity="kazakhstan"),
    "spacecraft": EntityAnswer(entity="soyuz-ms-19"),
    "launching-country": EntityAnswer(entity="russia"),
    "actress": EntityAnswer(entity="yulia-peresild"),
    "director": EntityAnswer(entity="klim-shipenko"),
    "actress-age": NumberAnswer(value=37, unit="years old"),
    "director-age": NumberAnswer(value=38, unit="years old"),
    "commander": EntityAnswer(entity="anton-shkaplerov"),
    "crew-members": SetAnswer(entities=["anton-shkaplerov", "yulia-peresild", "klim-shipenko"]),
    "crew-size": NumberAnswer(value=3),
    "journey-length": DurationAnswer(value=12, unit="days"),
    "return-date": DateAnswer(value=dt.date(2021, 10, 17)),
    "returns-with": EntityAnswer(entity="oleg-novitsky"),
    "novitsky-stay": DurationAnswer(value=6, unit="months"),
    "film-title": EntityAnswer(entity="the-challenge"),
    "roscosmos-name": EntityAnswer(entity="roscosmos"),
    "beat-us": EntityAnswer(entity="united-states"),
    "rival-project-actor": EntityAnswer(entity="tom-cruise"),
    "cruise-fame": EntityAnswer(entity="mission-impossible"),
    "rival-project-agency": EntityAnswer(entity="nasa"),
    "rival-project-company": EntityAnswer(entity="spacex"),
    "spacex-owner": EntityAnswer(entity="elon-musk"),
    "hollywood-initiative": EntityAnswer(entity="hollywood"),
    "space-race-rivals": SetAnswer(entities=["united-states", "china"]),
    "spacex-iss-year": NumberAnswer(value=2020),
    "monopoly-breaker": EntityAnswer(entity="spacex"),
    "first-satellite": EntityAnswer(entity="sputnik"),
    "first-man-in-space": EntityAnswer(entity="yuri-gagarin"),
    "soviet-firsts-era": EntityAnswer(entity="soviet-union"),
    "political-expert": EntityAnswer(entity="konstantin-kalachev"),
    "expert-agency": EntityAnswer(entity="afp"),
}

# Topics whose answer is a phrase: the canonical value must be this (distractors are checked elsewhere).
REQUIRED_TEXT_ANSWERS: dict[str, str] = {
    "film-plot": "a female surgeon sent to the ISS to save an astronaut",
    "plot-secrecy": "its funding",
    "director-experiment": "an experiment",
    "director-quote": "Some things will work out, and others will not.",  # the report prints "Somethings"
    "director-flight-suit": "a flight suit",
    "industry-funding": "government funding",
    "kremlin-priority": "military spending",
    "roscosmos-setbacks": "corruption scandals and botched launches",
    "soviet-tech": "the Soviet era",
    "expert-public-relations": "public relations",
    "tourism-restart": "its space tourism programme",
    "tourism-reasons": "to boost its image and diversify its earnings",
}

# Facts of the first pack that the review of issue 7 dropped: wrong against the world (the Cruise film plan
# was announced in 2020, the lost monopoly was on crew flights to the ISS), or padding split from one clause.
DROPPED_FACTS = {
    "expert-lost-interest",  # Dec 2026: the quote is garbled (lost whose interest, in what?) and proves nothing
    "rival-project-year",
    "monopoly-lost",
    "launch-weekday",
    "kazakhstan-ex-soviet",
    "destination",
    "return-vehicle",
    "rescue-target",
    "plot-destination",
    "plot-source",
    "heroine-profession",
    "news-conference-format",
    "news-conference-date",
    "roscosmos-blow",
    "failed-to-innovate",
    "military-spending-prioritiser",
    "kalachev-role",
    "expert-distract",
    "expert-coolness",
    "tourism-year",
}

# Answers that need more than one sentence or a resolved relative word must say how they follow.
DERIVED_FACTS = {
    "launch-date",
    "crew-size",
    "actress",
    "director",
    "crew-members",
    "spacex-iss-year",
    "monopoly-breaker",
    "soviet-firsts-era",
    "tourism-restart",
    # a pronoun or "the film" in the quote points back to a name in the sentence before
    "spacecraft",
    "film-title",
    "film-plot",
    "plot-secrecy",
    # "This" in Kalachev's words to AFP is the film, named in the sentence before
    "expert-agency",
    # the news conference "on Monday" was the day before the launch "on Tuesday"
    "director-experiment",
    "director-flight-suit",
    "director-quote",
    # "the actress and the film director" of the prompts are the two film-makers the report names
    "return-date",
    "returns-with",
    # the 12-day journey runs from the launch on the report's day to the return on October 17
    "journey-length",
    # "has spent the previous six months" is said on the launch day; the report's "Sputnik" is Sputnik 1
    "novitsky-stay",
    "first-satellite",
}

# Facts whose truth may change after October 2021 must say so; these facts describe a state, not an event.
AS_OF_FACTS = {
    "spacex-owner",
    "space-race-rivals",
    "industry-funding",
    "kremlin-priority",
    "roscosmos-setbacks",
    "soviet-tech",
}

REQUIRED_ALIASES: dict[str, set[str]] = {
    "yulia-peresild": {"Yuliya Peresild", "Julia Peresild"},
    "anton-shkaplerov": {"Anton Shkaplyorov"},
    "oleg-novitsky": {"Oleg Novitskiy", "Oleg Novitskii"},
    "konstantin-kalachev": {"Konstantin Kalachyov"},
    "yuri-gagarin": {"Iurii Gagarin", "Yury Gagarin"},
    "roscosmos": {"Roskosmos"},
    "afp": {"Agence France-Presse"},
    "baikonur-cosmodrome": {"Baikonur"},
    "iss": {"ISS"},
    "united-states": {"US", "USA", "America"},
    "soviet-union": {"USSR"},
    "the-challenge": {"Vyzov", "Вызов"},
    "mission-impossible": {"Mission Impossible"},
}

UNRESOLVED_RELATIVE_WORDS = re.compile(
    r"\b(?:today|yesterday|tomorrow|last year|this year|next year|on (?:Monday|Tuesday|Wednesday|Thursday|Friday))\b",
    re.IGNORECASE,
)


@pytest.fixture(scope="module")
def store() -> FactStore:
    """Load the seed pack once for this module."""
    return load_store([SEEDS_DIR])


def _fact_texts(fact: Fact) -> list[str]:
    return [*fact.prompts, *([fact.statement] if fact.statement else [])]


def test_article_is_unchanged() -> None:
    assert hashlib.sha256(ARTICLE.read_bytes()).hexdigest() == ARTICLE_SHA256


def test_seed_pack_loads_with_its_document(store: FactStore) -> None:
    [document] = store.documents.values()
    assert document.meta.id == "soyuz-ms19-film"
    assert document.meta.date == dt.date(2021, 10, 5)
    assert document.path == ARTICLE.resolve()
    assert document.text == ARTICLE.read_text(encoding="utf-8")


def test_store_holds_at_least_forty_facts(store: FactStore) -> None:
    assert len(store.facts) >= 40


def test_categories_are_the_agreed_six(store: FactStore) -> None:
    assert set(store.categories) == {"launch", "crew", "film", "competitors", "history", "context"}
    assert {fact.category for fact in store.facts.values()} == set(store.categories)


def test_every_quote_is_verbatim_in_the_article(store: FactStore) -> None:
    article = normalise_quote(ARTICLE.read_text(encoding="utf-8"))
    quotes = [citation.quote for fact in store.facts.values() for citation in fact.citations]
    quotes += [e.source.quote for e in store.entities.values() if e.source is not None]
    assert [q for q in quotes if normalise_quote(q) not in article] == []


def test_entities_without_a_quote_are_wrong_options_only(store: FactStore) -> None:
    """Entities not in the article exist only as fair wrong options: never an answer, never in the text."""
    article = ARTICLE.read_text(encoding="utf-8").casefold()
    outside = {e.id for e in store.entities.values() if e.source is None}
    assert len(outside) >= 20
    answers = {eid for fact in store.facts.values() for eid in _answer_ids(fact)}
    assert outside & answers == set()
    named_in_article = [e.id for e in store.entities.values() if e.id in outside and e.name.casefold() in article]
    assert named_in_article == []


def test_entities_carry_the_class_fair_options_need(store: FactStore) -> None:
    assert [e.id for e in store.entities.values() if not e.kind] == []
    people = store.entities_of_type(EntityType.PERSON)
    assert [p.id for p in people if p.gender is None] == []
    assert store.entity("yuri-gagarin").died == 1968


@pytest.mark.parametrize(("fact_id", "expected"), REQUIRED_ANSWERS.items(), ids=list(REQUIRED_ANSWERS))
def test_required_topic_has_the_articles_answer(store: FactStore, fact_id: str, expected: BaseModel) -> None:
    answer = store.facts[fact_id].answer
    assert type(answer) is type(expected)
    compared = {"value", "entity", "entities", "unit", "zone"}
    assert answer.model_dump(include=compared) == expected.model_dump(include=compared)


@pytest.mark.parametrize(("fact_id", "value"), REQUIRED_TEXT_ANSWERS.items(), ids=list(REQUIRED_TEXT_ANSWERS))
def test_required_text_topic(store: FactStore, fact_id: str, value: str) -> None:
    answer = store.facts[fact_id].answer
    assert isinstance(answer, TextAnswer)
    assert answer.value == value


def test_dropped_facts_stay_dropped(store: FactStore) -> None:
    assert DROPPED_FACTS & set(store.facts) == set()


def test_no_text_repeats_the_articles_errors(store: FactStore) -> None:
    """The article is wrong on two points that no question may repeat."""
    texts = [text.casefold() for fact in store.facts.values() for text in _fact_texts(fact)]
    assert [t for t in texts if "monopoly on space flight" in t] == []
    cruise_years = [
        fact.id
        for fact in store.facts.values()
        if "tom-cruise" in {fact.relation.subject if fact.relation else None}
        and isinstance(fact.answer, NumberAnswer)
        and fact.answer.value == 2021
    ]
    assert cruise_years == []
    spacex = store.facts["spacex-iss-year"]
    # SpaceX flew crews to the ISS in 2021 too: the question must ask for the first time
    assert all("first" in text for text in _fact_texts(spacex))


def test_derived_answers_declare_their_step(store: FactStore) -> None:
    assert {fact.id for fact in store.facts.values() if fact.derivation} == DERIVED_FACTS
    assert all(len(store.facts[fact_id].citations) >= 2 for fact_id in ("crew-size", "actress", "crew-members"))


def test_kalachev_quotes_name_him(store: FactStore) -> None:
    for fact in store.facts.values():
        if "Kalachev" in " ".join(fact.prompts) or fact.id == "political-expert":
            quoted = " ".join(citation.quote for citation in fact.citations)
            assert "Kalachev" in quoted, fact.id


def test_people_carry_role_and_age(store: FactStore) -> None:
    people = store.entities_of_type(EntityType.PERSON)
    assert all(person.role and person.surname for person in people)
    ages = {person.id: person.age for person in people if person.age is not None}
    born = {person.id: person.born for person in people if person.id in ages}
    assert born == {"yulia-peresild": 1984, "klim-shipenko": 1983}
    assert ages == {"yulia-peresild": 37, "klim-shipenko": 38}


@pytest.mark.parametrize(("entity_id", "aliases"), REQUIRED_ALIASES.items(), ids=list(REQUIRED_ALIASES))
def test_common_spellings_are_aliases(store: FactStore, entity_id: str, aliases: set[str]) -> None:
    assert aliases <= set(store.entity(entity_id).aliases)


def test_as_of_marks_exactly_the_changeable_facts(store: FactStore) -> None:
    assert {fact.id for fact in store.facts.values() if fact.as_of} == AS_OF_FACTS


def test_prompts_are_questions_or_instructions_without_as_of(store: FactStore) -> None:
    for fact in store.facts.values():
        assert 1 <= len(fact.prompts) <= 2, fact.id
        for prompt in fact.prompts:
            assert prompt[0].isupper(), prompt
            assert prompt.endswith("?") or prompt.startswith("Name "), prompt
            assert "as of" not in prompt.lower(), prompt


def test_relative_words_are_resolved(store: FactStore) -> None:
    leftovers = [
        text for fact in store.facts.values() for text in _fact_texts(fact) if UNRESOLVED_RELATIVE_WORDS.search(text)
    ]
    assert leftovers == []


def test_dates_are_near_the_document_date(store: FactStore) -> None:
    dates = [f.answer.value for f in store.facts.values() if isinstance(f.answer, DateAnswer)]
    assert dates
    assert all(abs((value - dt.date(2021, 10, 5)).days) <= 31 for value in dates)


def test_text_answers_asked_as_choices_offer_enough_distractors(store: FactStore) -> None:
    thin = [
        fact.id
        for fact in store.facts.values()
        if isinstance(fact.answer, TextAnswer)
        and (fact.kinds is None or "multiple_choice" in fact.kinds)
        and len(fact.answer.distractors) < 3
    ]
    assert thin == []


def _answer_ids(fact: Fact) -> set[str]:
    if isinstance(fact.answer, EntityAnswer):
        return {fact.answer.entity}
    if isinstance(fact.answer, SetAnswer):
        return set(fact.answer.entities)
    return set()


def test_every_entity_is_used_by_a_fact_or_an_option(store: FactStore) -> None:
    from questions.generate import build_bank, mentions

    used: set[str] = set()
    for fact in store.facts.values():
        used |= _answer_ids(fact)
        if fact.relation is not None:
            used.update(e for e in (fact.relation.subject, fact.relation.object) if e)
    for seed in range(8):
        for question in build_bank(store, seed=seed):
            shown = " ".join([question.prompt, *question.choices])
            used.update(e.id for e in store.entities.values() if any(mentions(shown, n) for n in store.names_of(e)))
    assert set(store.entities) - used == set()


def test_pack_points_editors_at_the_schema() -> None:
    first_line = PACK.read_text(encoding="utf-8").splitlines()[0]
    assert first_line == "# yaml-language-server: $schema=factpack.schema.json"


def test_shipped_json_schema_is_current() -> None:
    shipped = (SEEDS_DIR / "factpack.schema.json").read_text(encoding="utf-8")
    assert shipped == factpack_json_schema(), "regenerate: python -m questions.schema > seeds/factpack.schema.json"
