"""Question generation: kinds, ids, determinism, distractors, phrasing and round drawing."""

from __future__ import annotations

import datetime as dt
import json
import random
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from questions.checks import check_bank, is_true_answer
from questions.fairness import unfair_reason
from questions.generate import (
    QuestionBank,
    answer_spellings,
    build_bank,
    estimate_difficulty,
    gives_away,
    mentions,
    normalise_text,
    prompt_reveals,
    quantity_text,
    render_statement,
    reveal_gives_away,
    set_phrasings,
    with_as_of,
)
from questions.loader import load_store
from questions.models import (
    AnswerType,
    DateAnswer,
    Document,
    DurationAnswer,
    Entity,
    EntityAnswer,
    EntityType,
    Fact,
    NumberAnswer,
    Question,
    QuestionKind,
    Relation,
    SetAnswer,
    TextAnswer,
    TimeAnswer,
)
from questions.store import FactStore, LoadedDocument

SEED_CATEGORIES = {"launch", "crew", "film", "competitors", "history", "context"}
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_.-]*\.(mc|tf|ty|nu|so|sa)[1-9][0-9]*$")

# --------------------------------------------------------------------------- a small hand-built store

DOCUMENT = Document(id="doc", file="doc.txt", title="A test story", date=dt.date(2021, 10, 5))


def _person(entity_id: str, name: str, role: str, aliases: tuple[str, ...] = ()) -> Entity:
    return Entity(
        id=entity_id,
        type=EntityType.PERSON,
        name=name,
        role=role,
        surname=name.split()[-1],
        aliases=list(aliases),
    )


def _thing(entity_id: str, entity_type: EntityType, name: str, aliases: tuple[str, ...] = ()) -> Entity:
    return Entity(id=entity_id, type=entity_type, name=name, aliases=list(aliases))


ENTITIES = [
    _person("peresild", "Yulia Peresild", "actress", ("Julia Peresild",)),
    _person("shipenko", "Klim Shipenko", "film director"),
    _person("co-director", "Ivan Otherov", "film director"),
    _person("shkaplerov", "Anton Shkaplerov", "cosmonaut"),
    _person("novitsky", "Oleg Novitsky", "cosmonaut"),
    _person("gagarin", "Yuri Gagarin", "cosmonaut"),
    _person("cruise", "Tom Cruise", "actor"),
    _person("kalachev", "Konstantin Kalachev", "political expert"),
    _thing("soyuz", EntityType.CRAFT, "Soyuz MS-19"),
    _thing("sputnik", EntityType.CRAFT, "Sputnik"),
    _thing("baikonur", EntityType.PLACE, "Baikonur Cosmodrome", ("the Baikonur Cosmodrome",)),
    _thing("iss", EntityType.PLACE, "International Space Station", ("ISS", "the International Space Station")),
    _thing("russia", EntityType.COUNTRY, "Russia"),
    _thing("usa", EntityType.COUNTRY, "United States", ("US",)),
    _thing("china", EntityType.COUNTRY, "China"),
    _thing("kazakhstan", EntityType.COUNTRY, "Kazakhstan"),
    _thing("challenge", EntityType.TITLE, "The Challenge"),
]


def _fact(fact_id: str, category: str, prompts: list[str], answer: object, **extra: object) -> Fact:
    # the test story is not a real text: each fact says how its answer follows, so the proof check passes
    return Fact.model_validate(
        {
            "id": fact_id,
            "category": category,
            "prompts": prompts,
            "answer": answer,
            "source": {"quote": fact_id},
            "derivation": "As the test story says.",
        }
        | extra
    )


FACTS = [
    _fact(
        "launch-site",
        "launch",
        ["From which cosmodrome did the crew lift off?"],
        EntityAnswer(entity="baikonur"),
        statement="The crew lifted off from {answer}.",
    ),
    _fact(
        "launch-time",
        "launch",
        ["At what time did the rocket lift off?"],
        TimeAnswer(value=dt.time(8, 55)),
        statement="The rocket lifted off at {answer}.",
    ),
    _fact(
        "return-date",
        "launch",
        ["On what date was the crew due back?"],
        DateAnswer(value=dt.date(2021, 10, 17)),
        statement="The crew was due back on {answer}.",
    ),
    _fact(
        "actress-age",
        "crew",
        ["How old was the actress?"],
        NumberAnswer(value=37, unit="years old"),
        statement="The actress was {answer} years old.",
    ),
    _fact(
        "director-age",
        "crew",
        ["How old was the director?"],
        NumberAnswer(value=38, unit="years old", tolerance=1),
        statement="The director was {answer}.",
    ),
    _fact(
        "crowd",
        "crew",
        ["How many people watched, roughly?", "Roughly how big was the crowd at the launch?"],
        NumberAnswer(value=400, unit="people", tolerance=25),
    ),
    _fact("crew-size", "crew", ["How many people flew?"], NumberAnswer(value=2, unit="people")),
    _fact(
        "journey",
        "film",
        ["How long was the journey?", "For how many days did the trip last?"],
        DurationAnswer(value=12, unit="days"),
        statement="The journey lasted {answer}.",
    ),
    _fact(
        "director",
        "film",
        ["Who directed the film?", "Which film-maker flew to the station to shoot it?"],
        EntityAnswer(entity="shipenko"),
        statement="{answer} directed the film.",
        relation=Relation(name="directed", subject="shipenko", object="challenge"),
    ),
    _fact(
        "co-direction",
        "film",
        ["Who shared directing duties on the film with the main director?"],
        EntityAnswer(entity="co-director"),
        relation=Relation(name="directed", subject="co-director", object="challenge"),
    ),
    _fact(
        "crew",
        "crew",
        ["Who flew to the station aboard the Soyuz?", "Name the people who flew aboard the Soyuz.", "Who was aboard?"],
        SetAnswer(entities=["peresild", "shipenko", "shkaplerov"]),
        statement="{answer} flew aboard the Soyuz.",
    ),
    _fact(
        "rivals",
        "context",
        ["Which countries compete with Russia in space?"],
        SetAnswer(entities=["usa", "china"]),
        as_of=True,
        derivation="The test story says Russia competes with them.",
    ),
    _fact(
        "description",
        "film",
        ["How did the director describe the film?"],
        TextAnswer(value="an experiment", accept=["experiment"], distractors=["a gamble", "a comedy", "a masterpiece"]),
        statement="The director described the film as {answer}.",
        as_of=True,
    ),
    _fact(
        "first-man",
        "history",
        ["Who was the first man in space?"],
        EntityAnswer(entity="gagarin"),
        difficulty=3,
    ),
    _fact(
        "stay",
        "crew",
        ["How long had the cosmonaut been on the station?"],
        DurationAnswer(value=6, unit="months"),
        statement="The cosmonaut had spent {answer} on the station.",
        kinds=["typed", "true_false"],
    ),
]


def small_store() -> FactStore:
    """Build a store by hand, independent of the seed pack."""
    return FactStore(
        documents={"doc": LoadedDocument(DOCUMENT, "text", Path("doc.txt"))},
        entities={entity.id: entity for entity in ENTITIES},
        facts={fact.id: fact for fact in FACTS},
        categories={"launch": "Launch", "crew": "Crew", "film": "Film", "context": "Context", "history": "History"},
        fact_documents={fact.id: "doc" for fact in FACTS},
    )


@pytest.fixture(scope="module")
def small() -> tuple[FactStore, QuestionBank]:
    store = small_store()
    return store, build_bank(store)


@pytest.fixture(scope="module")
def seed_store() -> FactStore:
    return load_store()


@pytest.fixture(scope="module")
def seed_bank(seed_store: FactStore) -> QuestionBank:
    return build_bank(seed_store)


def _bank_json(bank: QuestionBank) -> str:
    return json.dumps([question.model_dump(mode="json") for question in bank.questions])


def _entity_by_name(store: FactStore, name: str) -> Entity:
    return next(entity for entity in store.entities.values() if entity.name == name)


# --------------------------------------------------------------------------- the seed bank


def test_seed_bank_is_large_and_covers_every_kind_and_category(seed_store: FactStore, seed_bank: QuestionBank) -> None:
    distinct = {(question.prompt, question.kind) for question in seed_bank.questions}
    assert len(distinct) >= 80
    assert {question.kind for question in seed_bank.questions} == set(QuestionKind)
    assert set(seed_bank.categories()) == SEED_CATEGORIES == set(seed_store.categories)
    assert sum(seed_bank.categories().values()) == len(seed_bank.questions)


def test_seed_bank_passes_every_content_check(seed_store: FactStore, seed_bank: QuestionBank) -> None:
    assert check_bank(seed_store, seed_bank) == []


def test_every_seed_fact_yields_a_question(seed_store: FactStore, seed_bank: QuestionBank) -> None:
    assert {question.fact_id for question in seed_bank.questions} == set(seed_store.facts)


def test_questions_carry_their_source(seed_store: FactStore, seed_bank: QuestionBank) -> None:
    for question in seed_bank.questions:
        fact = seed_store.facts[question.fact_id]
        document = seed_store.document_for(fact).meta
        assert question.category == fact.category
        assert (question.document_id, question.document_title) == (document.id, document.title)
        assert question.quotes == [citation.quote for citation in fact.citations]
        assert question.quote == question.quotes[0]
        assert question.derivation == fact.derivation
        assert question.difficulty == fact.difficulty


# --------------------------------------------------------------------------- ids and determinism


def test_ids_are_short_stable_and_unique(seed_bank: QuestionBank) -> None:
    ids = [question.id for question in seed_bank.questions]
    assert len(ids) == len(set(ids))
    assert all(ID_PATTERN.match(question_id) for question_id in ids)
    assert {"launch-time.mc1", "launch-time.tf1", "crew-size.mc1", "crew-size.nu1", "director.ty1"} <= set(ids)
    assert seed_bank.get("launch-time.mc1") is seed_bank.by_id["launch-time.mc1"]
    assert seed_bank.get("no-such-fact.mc1") is None


def test_same_seed_gives_identical_banks(seed_store: FactStore) -> None:
    assert _bank_json(build_bank(seed_store, seed=7)) == _bank_json(build_bank(seed_store, seed=7))


def test_other_seed_keeps_ids_but_reorders_options(seed_store: FactStore, seed_bank: QuestionBank) -> None:
    other = build_bank(seed_store, seed=1)
    assert [q.id for q in other.questions] == [q.id for q in seed_bank.questions]
    multiple_choice = [q for q in seed_bank.questions if q.kind == QuestionKind.MULTIPLE_CHOICE]
    assert any(other.by_id[q.id].choices != q.choices for q in multiple_choice)
    assert any(other.by_id[q.id].correct_index != q.correct_index for q in multiple_choice)
    # the right answer itself never depends on the seed (sets may show another member)
    for question in seed_bank.questions:
        if question.kind != QuestionKind.TRUE_FALSE and question.expected.type != AnswerType.CHOICE:
            assert other.by_id[question.id].answer == question.answer


def test_question_depends_only_on_seed_and_its_own_key() -> None:
    full = build_bank(small_store(), seed=3)
    store = small_store()
    trimmed = FactStore(
        store.documents,
        store.entities,
        {"director": store.facts["director"], "co-direction": store.facts["co-direction"]},
        store.categories,
        fact_documents={"director": "doc", "co-direction": "doc"},
    )
    alone = build_bank(trimmed, seed=3)
    assert alone.by_id["director.mc1"] == full.by_id["director.mc1"]


# --------------------------------------------------------------------------- multiple choice


def test_multiple_choice_has_four_distinct_options_exactly_one_true(
    seed_store: FactStore, seed_bank: QuestionBank
) -> None:
    for question in seed_bank.questions:
        if question.kind != QuestionKind.MULTIPLE_CHOICE:
            continue
        fact = seed_store.facts[question.fact_id]
        assert len(question.choices) == 4
        assert len({choice.casefold() for choice in question.choices}) == 4
        truths = [is_true_answer(seed_store, fact, choice) for choice in question.choices]
        assert truths.count(True) == 1, question.id
        assert question.correct_index is not None
        assert truths[question.correct_index]
        assert question.expected.type == AnswerType.CHOICE
        assert question.expected.display == question.answer == question.choices[question.correct_index]


def test_person_distractors_are_people_and_entity_distractors_share_the_type(
    seed_store: FactStore, seed_bank: QuestionBank
) -> None:
    for seed in range(10):
        for question in build_bank(seed_store, seed=seed).questions:
            fact = seed_store.facts[question.fact_id]
            if question.kind != QuestionKind.MULTIPLE_CHOICE or not isinstance(fact.answer, EntityAnswer):
                continue
            truth = _entity_by_name(seed_store, question.answer)
            for choice in question.choices:
                decoy = _entity_by_name(seed_store, choice)
                assert (decoy.type, decoy.kind) == (truth.type, truth.kind), question.id
                assert unfair_reason(truth, decoy, question.prompt, 2021) is None, (question.id, choice)
                assert decoy is truth or not mentions(question.prompt, decoy.name), (question.id, choice)


def test_set_distractors_are_never_members(seed_store: FactStore, seed_bank: QuestionBank) -> None:
    for question in seed_bank.questions:
        fact = seed_store.facts[question.fact_id]
        if question.kind == QuestionKind.MULTIPLE_CHOICE and isinstance(fact.answer, SetAnswer):
            members = {seed_store.entity(entity_id).name for entity_id in fact.answer.entities}
            assert len(members & set(question.choices)) == 1
            assert "Which of these is one of" in question.prompt


def test_number_distractors_share_the_unit_and_stay_outside_tolerance(small: tuple[FactStore, QuestionBank]) -> None:
    store, bank = small
    crowd = bank.by_id["crowd.mc1"]
    values = [float(choice.split()[0]) for choice in crowd.choices]
    assert all(choice.endswith(" people") for choice in crowd.choices)
    assert sorted(abs(value - 400) for value in values)[1] > 25
    for seed in range(30):
        for question in build_bank(store, seed=seed).questions:
            fact = store.facts[question.fact_id]
            if question.kind == QuestionKind.MULTIPLE_CHOICE and isinstance(fact.answer, NumberAnswer | DurationAnswer):
                wrong = [c for i, c in enumerate(question.choices) if i != question.correct_index]
                assert all(abs(float(c.split()[0]) - fact.answer.value) > fact.answer.tolerance for c in wrong)


def test_a_true_neighbour_within_tolerance_is_never_a_distractor(small: tuple[FactStore, QuestionBank]) -> None:
    store, _ = small
    seen: set[str] = set()
    for seed in range(40):
        bank = build_bank(store, seed=seed)
        seen.update(bank.by_id["director-age.mc1"].choices)
        statement = bank.by_id["director-age.tf1"]
        if statement.correct_index == 1:
            assert not re.search(r"\b(37|38|39) years old", statement.prompt)
    assert "38 years old" in seen
    assert not seen & {"37 years old", "39 years old"}
    # the actress's real age is outside the director's tolerance, so it is a welcome decoy for her
    actress_choices = {c for seed in range(40) for c in build_bank(store, seed=seed).by_id["actress-age.mc1"].choices}
    assert "38 years old" in actress_choices


def test_a_count_of_one_is_singular(small: tuple[FactStore, QuestionBank]) -> None:
    store, _ = small
    seen = {choice for seed in range(20) for choice in build_bank(store, seed=seed).by_id["crew-size.mc1"].choices}
    assert "1 person" in seen
    assert "1 people" not in seen
    assert quantity_text(1, "years old") == "1 year old"
    assert quantity_text(1, "days") == "1 day"
    assert quantity_text(3, "days") == "3 days"


def test_date_and_time_distractors_are_near_the_truth(small: tuple[FactStore, QuestionBank]) -> None:
    store, _ = small
    for seed in range(20):
        bank = build_bank(store, seed=seed)
        dates = bank.by_id["return-date.mc1"].choices
        assert all(choice.endswith("2021") for choice in dates)
        times = bank.by_id["launch-time.mc1"].choices
        assert "08:55 GMT" in times
        for choice in times:
            hours, minutes = (int(part) for part in choice.split()[0].split(":"))
            assert 0 < abs(hours * 60 + minutes - (8 * 60 + 55)) <= 120 or choice == "08:55 GMT"


def test_text_distractors_come_from_the_fact(small: tuple[FactStore, QuestionBank]) -> None:
    _, bank = small
    assert set(bank.by_id["description.mc1"].choices) == {"an experiment", "a gamble", "a comedy", "a masterpiece"}


def test_people_named_by_the_same_relation_are_never_distractors(small: tuple[FactStore, QuestionBank]) -> None:
    store, _ = small
    for seed in range(30):
        bank = build_bank(store, seed=seed)
        assert "Ivan Otherov" not in bank.by_id["director.mc1"].choices
        assert "Klim Shipenko" not in bank.by_id["co-direction.mc1"].choices
        assert "Ivan Otherov" not in bank.by_id["director.tf1"].prompt


def test_person_distractors_prefer_the_same_role_family(small: tuple[FactStore, QuestionBank]) -> None:
    store, _ = small
    for seed in range(20):
        choices = build_bank(store, seed=seed).by_id["first-man.mc1"].choices
        # the only two other cosmonauts always make it; the fourth option has to come from elsewhere
        assert {"Anton Shkaplerov", "Oleg Novitsky", "Yuri Gagarin"} <= set(choices)


def test_facts_without_enough_decoys_get_no_multiple_choice() -> None:
    store = small_store()
    facts = {**store.facts}
    facts["description"] = facts["description"].model_copy(
        update={"answer": TextAnswer(value="an experiment", distractors=["a gamble"])}
    )
    bank = build_bank(FactStore(store.documents, store.entities, facts, store.categories, dict.fromkeys(facts, "doc")))
    assert "description.mc1" not in bank.by_id
    assert bank.by_id["description.ty1"].prompt == "How did the director describe the film (as of October 2021)?"


# --------------------------------------------------------------------------- true/false


def test_true_false_statements_are_true_or_really_false(seed_store: FactStore, seed_bank: QuestionBank) -> None:
    verdicts = []
    for seed in range(3):
        for question in build_bank(seed_store, seed=seed).questions:
            if question.kind != QuestionKind.TRUE_FALSE:
                continue
            fact = seed_store.facts[question.fact_id]
            assert fact.statement is not None
            assert question.choices == ["True", "False"]
            assert question.expected.type == AnswerType.CHOICE
            is_true = question.correct_index == 0
            verdicts.append(is_true)
            true_names = [seed_store.entity(e).name for e in getattr(fact.answer, "entities", [])] or [
                seed_store.expected_answer(fact).display
            ]
            if is_true:
                assert question.answer == "True"
            else:
                assert question.answer.startswith("False — ")
                assert any(name in question.answer for name in true_names)
                assert not any(name in question.prompt for name in true_names), question.prompt
    assert 0.3 < sum(verdicts) / len(verdicts) < 0.7


def test_false_statement_teaches_the_truth(small: tuple[FactStore, QuestionBank]) -> None:
    store, _ = small
    answers = {build_bank(store, seed=seed).by_id["actress-age.tf1"].answer for seed in range(20)}
    assert answers == {"True", "False — The actress was 37 years old."}


def test_statement_keeps_a_unit_it_already_spells() -> None:
    question = build_bank(small_store(), seed=0).by_id["actress-age.tf1"]
    assert re.fullmatch(r"The actress was \d+ years old\.", question.prompt)


def test_render_statement_uses_the_article_form_mid_sentence() -> None:
    prompts = {build_bank(small_store(), seed=seed).by_id["launch-site.tf1"].prompt for seed in range(20)}
    assert "The crew lifted off from the Baikonur Cosmodrome." in prompts
    assert all(" from the " in prompt for prompt in prompts)


# --------------------------------------------------------------------------- typed, numeric and set


def test_typed_and_numeric_expect_the_store_answer(small: tuple[FactStore, QuestionBank]) -> None:
    store, bank = small
    typed = bank.by_id["director.ty1"]
    assert typed.kind == QuestionKind.TYPED
    assert typed.expected == store.expected_answer(store.facts["director"])
    numeric = bank.by_id["crowd.nu1"]
    assert numeric.kind == QuestionKind.NUMERIC
    assert (numeric.expected.number, numeric.expected.tolerance, numeric.answer) == (400, 25, "400 people")
    assert "crowd.ty1" not in bank.by_id


def test_set_questions_say_how_many_are_wanted(small: tuple[FactStore, QuestionBank]) -> None:
    _, bank = small
    # one question per prompt: choose one, then name all, then name any one
    assert bank.by_id["crew.mc1"].prompt == "Who flew to the station aboard the Soyuz? Which of these is one of them?"
    everyone, one = bank.by_id["crew.sa1"], bank.by_id["crew.so1"]
    assert (one.expected.required, everyone.expected.required) == (1, 3)
    assert everyone.prompt == "Name all three of the people who flew aboard the Soyuz."
    assert one.prompt == "Who was aboard? Name any one of them."
    assert everyone.answer == "Yulia Peresild, Klim Shipenko and Anton Shkaplerov"
    assert {q.id for q in bank.questions if q.fact_id == "crew"} == {"crew.mc1", "crew.sa1", "crew.so1", "crew.tf1"}
    assert bank.by_id["rivals.sa1"].prompt.endswith("? Name both.")


def test_set_phrasings_keep_a_count_the_prompt_already_gives() -> None:
    phrasings = set_phrasings("Name the two rivals of Russia.", 2)
    assert phrasings.name_all == "Name the two rivals of Russia."
    assert phrasings.name_one == "Name one of the two rivals of Russia."


def test_kinds_restrict_generation_and_typed_means_numeric_for_numbers(small: tuple[FactStore, QuestionBank]) -> None:
    _, bank = small
    kinds = {question.kind for question in bank.questions if question.fact_id == "stay"}
    assert kinds == {QuestionKind.NUMERIC, QuestionKind.TRUE_FALSE}


# --------------------------------------------------------------------------- phrasing and difficulty


def test_as_of_facts_say_the_document_month(seed_store: FactStore, seed_bank: QuestionBank) -> None:
    as_of_facts = {fact.id for fact in seed_store.facts.values() if fact.as_of}
    assert as_of_facts
    for question in seed_bank.questions:
        dated = "(as of October 2021)" in question.prompt
        assert dated == (question.fact_id in as_of_facts), question.id
    assert with_as_of("Who leads it?", "October 2021") == "Who leads it (as of October 2021)?"
    assert with_as_of("It is so.", "May 2020") == "It is so (as of May 2020)."


def test_statement_rendering_capitalises_a_leading_answer() -> None:
    from questions.generate import StatementFiller

    assert render_statement("{answer} was said.", StatementFiller("an experiment", "an experiment")) == (
        "An experiment was said."
    )


def test_difficulty_is_estimated_when_the_fact_has_none(small: tuple[FactStore, QuestionBank]) -> None:
    store, bank = small
    assert bank.by_id["first-man.mc1"].difficulty == 3  # given by the fact
    director = [bank.by_id[f"director.{code}1"].difficulty for code in ("tf", "mc", "ty")]
    assert director == sorted(director)
    assert bank.by_id["director.tf1"].difficulty == 1
    answer = store.facts["launch-time"].answer
    assert isinstance(answer, TimeAnswer)
    assert estimate_difficulty(QuestionKind.TYPED, answer) == 3
    assert estimate_difficulty(QuestionKind.MULTIPLE_CHOICE, answer) == 2


# --------------------------------------------------------------------------- drawing rounds


def test_draw_never_repeats_a_fact_and_is_deterministic(seed_bank: QuestionBank) -> None:
    for seed in range(25):
        drawn = seed_bank.draw(random.Random(seed), 10)
        assert len(drawn) == 10
        assert len({question.fact_id for question in drawn}) == 10
        assert [q.id for q in seed_bank.draw(random.Random(seed), 10)] == [q.id for q in drawn]
    assert [q.id for q in seed_bank.draw(random.Random(1), 10)] != [q.id for q in seed_bank.draw(random.Random(2), 10)]


def test_draw_mixes_kinds_and_categories(seed_bank: QuestionBank) -> None:
    drawn = seed_bank.draw(random.Random(5), 12)
    assert len({question.category for question in drawn}) == len(SEED_CATEGORIES)
    assert len({question.kind for question in drawn}) >= 3
    first_six = drawn[:6]
    assert len({question.category for question in first_six}) == 6


def test_draw_respects_category_and_kinds(seed_bank: QuestionBank) -> None:
    crew = seed_bank.draw(random.Random(0), 5, category="crew")
    assert len(crew) == 5
    assert {question.category for question in crew} == {"crew"}
    numeric = seed_bank.draw(random.Random(0), 50, kinds={QuestionKind.NUMERIC})
    numeric_facts = {q.fact_id for q in seed_bank.questions if q.kind == QuestionKind.NUMERIC}
    assert {question.kind for question in numeric} == {QuestionKind.NUMERIC}
    assert 2 <= len(numeric) <= len(numeric_facts)


def test_draw_returns_fewer_when_facts_run_out(seed_bank: QuestionBank) -> None:
    history = seed_bank.draw(random.Random(0), 100, category="history")
    history_facts = {q.fact_id for q in seed_bank.questions if q.category == "history"}
    assert len(history) == len(history_facts)
    assert seed_bank.draw(random.Random(0), 0) == []
    assert seed_bank.draw(random.Random(0), 3, category="no-such-category") == []
    assert seed_bank.draw(random.Random(0), 3, kinds=()) == []


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(min_value=0, max_value=2**32), count=st.integers(min_value=0, max_value=40))
def test_draw_property(seed: int, count: int) -> None:
    for bank in (_SMALL_BANK, _SEED_BANK):
        drawn = bank.draw(random.Random(seed), count)
        assert len(drawn) <= count
        assert len({question.fact_id for question in drawn}) == len(drawn)
        assert all(isinstance(question, Question) for question in drawn)
        # no prompt of the round states another question's answer
        assert [(a.id, b.id) for a in drawn for b in drawn if a is not b and gives_away(a, b)] == []
        if len(drawn) < count:
            # only when every question of every fact left out would give one away (or be given away)
            left_out = [q for q in bank.questions if q.fact_id not in {d.fact_id for d in drawn}]
            assert all(any(gives_away(q, d) for d in drawn) for q in left_out)


def test_a_round_never_pairs_a_prompt_with_the_answer_it_states(seed_bank: QuestionBank) -> None:
    actress_age = seed_bank.by_id["actress-age.mc1"]  # its answer, 37, is in the prompt of actress.ty1
    assert gives_away(actress_age, seed_bank.by_id["actress.ty1"])
    assert not gives_away(actress_age, seed_bank.by_id["first-satellite.mc1"])
    for seed in range(60):
        drawn = seed_bank.draw(random.Random(seed), 10)
        assert len(drawn) == 10
        assert [(a.id, b.id) for a in drawn for b in drawn if a is not b and gives_away(a, b)] == []


def test_a_question_never_follows_the_reveal_that_showed_its_answer(seed_bank: QuestionBank) -> None:
    # An editor's read found ~95% of rounds of 10 asking a question whose answer an earlier reveal had quoted:
    # eleven facts cite 'Yulia Peresild, 37, and Klim Shipenko, 38, will take out from the Baikonur Cosmodrome
    # in ex-Soviet Kazakhstan at 0855 GMT.'
    launch_site, launch_time = seed_bank.by_id["launch-site.mc1"], seed_bank.by_id["launch-time.ty1"]
    assert not gives_away(launch_site, launch_time)  # neither prompt states the other's answer
    assert reveal_gives_away(launch_site, launch_time)  # but the first's quote shows "0855 GMT"
    assert not reveal_gives_away(seed_bank.by_id["first-satellite.mc1"], launch_time)
    for seed in range(200):
        drawn = seed_bank.draw(random.Random(seed), 10)
        assert len(drawn) == 10
        leaks = [(d.id, q.id) for i, q in enumerate(drawn) for d in drawn[:i] if reveal_gives_away(d, q)]
        assert leaks == [], seed


def test_a_long_or_one_category_round_takes_shown_answers_only_once_the_others_run_out(
    seed_bank: QuestionBank,
) -> None:
    for seed in range(20):
        crew = seed_bank.draw(random.Random(seed), 10, category="crew")
        assert len(crew) >= 5  # as many as without the rule: the facts of a category share their sentences
        assert len({q.fact_id for q in crew}) == len(crew)
        long_round = seed_bank.draw(random.Random(seed), 20)
        assert len(long_round) == 20
        # every question asked after a reveal that showed its answer comes after every question that was not
        shown = [any(reveal_gives_away(d, q) for d in long_round[:i]) for i, q in enumerate(long_round)]
        assert shown == sorted(shown), seed


def test_each_prompt_of_the_bank_is_asked_once(seed_store: FactStore, seed_bank: QuestionBank) -> None:
    prompts = [normalise_text(question.prompt) for question in seed_bank.questions]
    assert len(prompts) == len(set(prompts))
    for fact in seed_store.facts.values():
        asked = [q for q in seed_bank.questions if q.fact_id == fact.id and q.kind != QuestionKind.TRUE_FALSE]
        assert len(asked) == len(fact.prompts), fact.id


def test_a_qualifier_only_the_answer_fits_gives_no_multiple_choice() -> None:
    """'Which US agency' with one US agency in the store: typed, never a give-away multiple choice."""
    agencies = [
        Entity(id="nasa", type=EntityType.ORGANISATION, name="NASA", kind="space agency", country="united-states"),
        Entity(id="esa", type=EntityType.ORGANISATION, name="ESA", kind="space agency"),
        Entity(id="jaxa", type=EntityType.ORGANISATION, name="JAXA", kind="space agency", country="japan"),
        Entity(id="cnsa", type=EntityType.ORGANISATION, name="CNSA", kind="space agency", country="china"),
        Entity(id="roscosmos", type=EntityType.ORGANISATION, name="Roscosmos", kind="space agency", country="ru"),
        Entity(id="united-states", type=EntityType.COUNTRY, name="United States", kind="space power"),
    ]
    us_only = _fact("us-agency", "film", ["Which US agency backed the plan?"], EntityAnswer(entity="nasa"))
    any_agency = _fact("agency", "film", ["Which space agency backed the plan?"], EntityAnswer(entity="nasa"))
    store = FactStore(
        {"doc": LoadedDocument(DOCUMENT, "text", Path("doc.txt"))},
        {e.id: e for e in agencies},
        {us_only.id: us_only, any_agency.id: any_agency},
        {"film": "Film"},
        fact_documents={"us-agency": "doc", "agency": "doc"},
    )
    bank = build_bank(store)
    assert "us-agency.mc1" not in bank.by_id
    assert bank.by_id["us-agency.ty1"].prompt == "Which US agency backed the plan?"
    assert set(bank.by_id["agency.mc1"].choices) <= {"NASA", "ESA", "JAXA", "CNSA", "Roscosmos"}
    assert check_bank(store, bank) == []


def test_options_share_class_era_and_gender_and_skip_the_prompts_subject() -> None:
    people = [
        Entity(id="peresild", type=EntityType.PERSON, name="Yulia Peresild", kind="actress", gender="female"),
        Entity(id="mordovina", type=EntityType.PERSON, name="Alyona Mordovina", kind="actress", gender="female"),
        Entity(id="andreeva", type=EntityType.PERSON, name="Paulina Andreeva", kind="actress", gender="female"),
        Entity(
            id="khodchenkova", type=EntityType.PERSON, name="Svetlana Khodchenkova", kind="actress", gender="female"
        ),
        Entity(id="cruise", type=EntityType.PERSON, name="Tom Cruise", kind="actor", gender="male"),
        Entity(id="shkaplerov", type=EntityType.PERSON, name="Anton Shkaplerov", kind="cosmonaut", born=1972),
        Entity(id="dubrov", type=EntityType.PERSON, name="Pyotr Dubrov", kind="cosmonaut", born=1978),
        Entity(id="novitsky", type=EntityType.PERSON, name="Oleg Novitsky", kind="cosmonaut", born=1971),
        Entity(id="artemyev", type=EntityType.PERSON, name="Oleg Artemyev", kind="cosmonaut", born=1970),
        Entity(id="prokopyev", type=EntityType.PERSON, name="Sergey Prokopyev", kind="cosmonaut", born=1975),
        Entity(id="gagarin", type=EntityType.PERSON, name="Yuri Gagarin", kind="cosmonaut", born=1934, died=1968),
        Entity(id="baikonur", type=EntityType.PLACE, name="Baikonur Cosmodrome", kind="spaceport"),
        Entity(id="earth", type=EntityType.PLACE, name="Earth", kind="planet"),
    ]
    actress = _fact("actress", "crew", ["Which actress flew?"], EntityAnswer(entity="peresild"))
    commander = _fact(
        "commander", "crew", ["Who commanded the flight that Oleg Novitsky met?"], EntityAnswer(entity="shkaplerov")
    )
    store = FactStore(
        {"doc": LoadedDocument(DOCUMENT, "text", Path("doc.txt"))},
        {e.id: e for e in people},
        {actress.id: actress, commander.id: commander},
        {"crew": "Crew"},
        fact_documents={"actress": "doc", "commander": "doc"},
    )
    for seed in range(15):
        bank = build_bank(store, seed=seed)
        assert set(bank.by_id["actress.mc1"].choices) == {
            "Yulia Peresild",
            "Alyona Mordovina",
            "Paulina Andreeva",
            "Svetlana Khodchenkova",
        }
        # Novitsky is named in the prompt; Gagarin was dead in 2021; Earth and Tom Cruise are of other classes
        assert set(bank.by_id["commander.mc1"].choices) == {
            "Anton Shkaplerov",
            "Pyotr Dubrov",
            "Oleg Artemyev",
            "Sergey Prokopyev",
        }


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(min_value=0, max_value=2**63))
def test_any_seed_gives_a_sound_bank(seed: int) -> None:
    store = small_store()
    bank = build_bank(store, seed=seed)
    assert check_bank(store, bank) == []
    assert [q.id for q in bank.questions] == [q.id for q in _SMALL_BANK.questions]


@settings(max_examples=12, deadline=None)
@given(seed=st.integers(min_value=0, max_value=2**63))
def test_any_seed_gives_a_sound_seed_bank(seed: int) -> None:
    """Whatever options a seed picks, every content check passes: fair classes, no give-away, no absurd statement."""
    bank = build_bank(_SEED_STORE, seed=seed)
    assert check_bank(_SEED_STORE, bank) == []
    assert [q.id for q in bank.questions] == [q.id for q in _SEED_BANK.questions]


_SMALL_BANK = build_bank(small_store())
_SEED_STORE = load_store()
_SEED_BANK = build_bank(_SEED_STORE)


def test_a_count_in_words_gives_a_number_answer_away() -> None:
    store = small_store()
    count = Fact.model_validate(
        {
            "id": "count",
            "category": "crew",
            "prompts": ["How many flew?"],
            "answer": {"type": "number", "value": 3},
            "source": {"quote": "three"},
        }
    )
    assert "three" in answer_spellings(store, count)
    assert prompt_reveals("Name all three people who flew.", answer_spellings(store, count))
    assert not prompt_reveals("Name the people who flew.", answer_spellings(store, count))


def test_unfair_options_of_a_fact_are_never_offered() -> None:
    """'11 days' for a flight that lasted 11 days 19 hours is nearly true; the launch day is no return day."""
    store = load_store()
    for seed in range(6):
        for question in build_bank(store, seed=seed).questions:
            unfair = {normalise_text(text) for text in store.facts[question.fact_id].unfair_options}
            offered = {normalise_text(choice) for choice in question.choices} | {normalise_text(question.prompt)}
            assert not unfair & offered, question.id
    journey = store.facts["journey-length"]
    assert journey.unfair_options == ["11 days"]
    without = journey.model_copy(update={"unfair_options": []})
    facts = {**store.facts, journey.id: without}
    [document_id] = store.documents
    plain = FactStore(
        store.documents, store.entities, facts, store.categories, fact_documents=dict.fromkeys(facts, document_id)
    )
    offered_somewhere = any(
        "11 days" in question.choices or "11 days" in question.prompt
        for seed in range(12)
        for question in build_bank(plain, seed=seed).questions
        if question.fact_id == journey.id
    )
    assert offered_somewhere, "without the field the generator offers 11 days: the test above would prove nothing"


def test_an_awaited_date_gets_no_decoy_on_or_before_the_report_date() -> None:
    """The report (5 October) says the crew returns on 17 October: '3 October' or the launch day is no decoy."""
    store = load_store()
    report_date = dt.date(2021, 10, 5)
    for seed in range(8):
        bank = build_bank(store, seed=seed)
        for question in bank.questions:
            if question.fact_id == "return-date" and question.kind == QuestionKind.MULTIPLE_CHOICE:
                offered = [dt.datetime.strptime(choice, "%d %B %Y").date() for choice in question.choices]
                assert all(day > report_date for day in offered), (seed, question.choices)


@pytest.mark.parametrize(
    ("fact_id", "prompt"),
    [
        ("launching-country", "Which Russian actress was launched into orbit?"),  # the adjective
        ("launching-country", "Which agency does Roscosmos answer to?"),  # an organisation of the country
        ("beat-us", "Which agency joined the Hollywood plan?"),  # a place of the country
        ("beat-us", "Which American actor planned a film in orbit?"),
    ],
)
def test_a_prompt_that_points_at_a_country_keeps_the_country_question_apart(fact_id: str, prompt: str) -> None:
    bank = build_bank(load_store(), seed=0)
    country_question = next(question for question in bank.questions if question.fact_id == fact_id)
    other = next(question for question in bank.questions if question.fact_id == "crew-size")
    assert not gives_away(country_question, other)
    assert gives_away(country_question, other.model_copy(update={"prompt": prompt}))


def test_adjective_forms_of_place_names() -> None:
    from questions.text.vocabulary import adjective_forms

    assert "russian" in adjective_forms("Russia")
    assert "american" in adjective_forms("America")
    assert "chinese" in adjective_forms("China")
    assert adjective_forms("Kazakhstan")[0] == "kazakh"
    assert adjective_forms("Soviet Union") == ["soviet"]
    assert adjective_forms("USSR") == [] and adjective_forms("Soviets") == [] and adjective_forms("United States") == []
