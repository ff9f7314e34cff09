"""Content checks: they pass on the seed bank and catch every kind of planted problem."""

from __future__ import annotations

import pytest

from questions.checks import (
    Problem,
    check_bank,
    check_consistent_answers,
    check_every_fact_asked,
    check_multiple_choice,
    check_prompt_hides_answer,
    check_true_false,
    check_unique_ids,
    find_problems,
    is_true_answer,
)
from questions.generate import QuestionBank, build_bank
from questions.loader import load_store
from questions.models import Entity, EntityType, Fact, NumberAnswer, Question, QuestionKind, TextAnswer
from questions.store import FactStore
from tests.test_generate import small_store


def _with_facts(store: FactStore, *facts: Fact, entities: tuple[Entity, ...] = ()) -> FactStore:
    """Return a copy of the store with facts (and entities) added or replaced."""
    all_facts = {**store.facts, **{fact.id: fact for fact in facts}}
    return FactStore(
        store.documents,
        {**store.entities, **{entity.id: entity for entity in entities}},
        all_facts,
        store.categories,
        fact_documents=dict.fromkeys(all_facts, "doc"),
    )


def _fact(fact_id: str, prompt: str, answer: object, **extra: object) -> Fact:
    data = {"id": fact_id, "category": "crew", "prompts": [prompt], "answer": answer, "source": {"quote": "q"}}
    return Fact.model_validate(data | extra)


@pytest.fixture(scope="module")
def store() -> FactStore:
    return small_store()


@pytest.fixture(scope="module")
def bank(store: FactStore) -> QuestionBank:
    return build_bank(store)


def _first(bank: QuestionBank, fact_id: str, kind: QuestionKind) -> Question:
    return next(q for q in bank.questions if q.fact_id == fact_id and q.kind == kind)


# --------------------------------------------------------------------------- sound banks pass


def test_seed_bank_has_no_problems() -> None:
    seed_store = load_store()
    for seed in (0, 1, 2):
        assert check_bank(seed_store, build_bank(seed_store, seed=seed)) == []


def test_small_bank_has_no_problems(store: FactStore, bank: QuestionBank) -> None:
    assert find_problems(store, bank) == []


# --------------------------------------------------------------------------- answers leaking into prompts


@pytest.mark.parametrize(
    ("prompt", "leak"),
    [
        ("Who directed the film of Klim Shipenko?", "Klim Shipenko"),
        ("Which director, surnamed SHIPENKO, made the film?", "Shipenko"),
        ("Who was born Klím Shipénko?", "Klim Shipenko"),
    ],
)
def test_prompt_containing_its_answer_is_caught(store: FactStore, prompt: str, leak: str) -> None:
    planted = _fact("leaky", prompt, {"type": "entity", "entity": "shipenko"})
    leaky_store = _with_facts(store, planted)
    problems = check_bank(leaky_store, build_bank(leaky_store))
    assert any(p.startswith("leaky.") and f"contains its answer {leak!r}" in p for p in problems), problems


def test_alias_in_prompt_is_caught(store: FactStore) -> None:
    planted = _fact(
        "alias-leak", "Which actress, also spelt Julia Peresild, flew?", {"type": "entity", "entity": "peresild"}
    )
    leaky_store = _with_facts(store, planted)
    question = _first(build_bank(leaky_store), "alias-leak", QuestionKind.TYPED)
    assert check_prompt_hides_answer(leaky_store, planted, question) == [
        Problem("alias-leak", "alias-leak.ty1", "prompt contains its answer 'Julia Peresild'")
    ]


def test_word_boundaries_and_acronyms_avoid_false_alarms(store: FactStore) -> None:
    facts = [
        _fact("surname-inside", "Who were the Shipenkovs' neighbours?", {"type": "entity", "entity": "shipenko"}),
        _fact("acronym", "Which country beat us to it?", {"type": "entity", "entity": "usa"}),
        _fact("number", "How many people flew on Soyuz MS-19?", {"type": "number", "value": 19}),
    ]
    sound_store = _with_facts(store, *facts)
    sound_bank = build_bank(sound_store)
    for fact in facts:
        for question in sound_bank.questions:
            if question.fact_id == fact.id:
                assert check_prompt_hides_answer(sound_store, fact, question) == []


def test_number_in_prompt_is_caught(store: FactStore) -> None:
    planted = _fact("age-leak", "How old was the 37-year-old actress?", {"type": "number", "value": 37})
    leaky_store = _with_facts(store, planted)
    question = _first(build_bank(leaky_store), "age-leak", QuestionKind.NUMERIC)
    assert [p.message for p in check_prompt_hides_answer(leaky_store, planted, question)] == [
        "prompt contains its answer '37'"
    ]


def test_true_false_statements_may_contain_their_answer(store: FactStore, bank: QuestionBank) -> None:
    question = _first(bank, "director", QuestionKind.TRUE_FALSE)
    assert check_prompt_hides_answer(store, store.facts["director"], question) == []


# --------------------------------------------------------------------------- one prompt, two answers


def test_same_prompt_with_different_answers_is_caught(store: FactStore) -> None:
    twin = _fact("director-twin", "Who directed the film?", {"type": "entity", "entity": "cruise"})
    twin_store = _with_facts(store, twin)
    problems = check_consistent_answers(twin_store, build_bank(twin_store))
    assert len(problems) == 1
    assert "director, director-twin" in problems[0].message
    assert "Klim Shipenko" in problems[0].message


def test_same_prompt_with_the_same_answer_is_fine(store: FactStore) -> None:
    twin = _fact("director-twin", "  who directed THE film ", {"type": "entity", "entity": "shipenko"})
    twin_store = _with_facts(store, twin)
    assert check_consistent_answers(twin_store, build_bank(twin_store)) == []


# --------------------------------------------------------------------------- multiple choice


def _replace_choice(question: Question, position: int, text: str) -> Question:
    choices = list(question.choices)
    choices[position] = text
    return question.model_copy(update={"choices": choices})


def _wrong_position(question: Question) -> int:
    assert question.correct_index is not None
    return (question.correct_index + 1) % len(question.choices)


def test_distractor_equal_to_an_alias_is_caught(store: FactStore, bank: QuestionBank) -> None:
    question = bank.by_id["crew.mc1"]
    fact = store.facts["crew"]
    # every set member is a true answer, in any spelling, not only the one shown as the right option
    for alias in ("Julia Peresild", "julia  peresild", "Peresild", "Klim Shipenko"):
        planted = _replace_choice(question, _wrong_position(question), alias)
        messages = [p.message for p in check_multiple_choice(store, fact, planted)]
        assert messages == [f"distractor {alias!r} is also a true answer"], alias


def test_number_distractor_within_tolerance_is_caught(store: FactStore, bank: QuestionBank) -> None:
    question = bank.by_id["crowd.mc1"]
    fact = store.facts["crowd"]
    planted = _replace_choice(question, _wrong_position(question), "420 people")
    assert [p.message for p in check_multiple_choice(store, fact, planted)] == [
        "distractor '420 people' is also a true answer"
    ]


def test_option_shape_problems_are_caught(store: FactStore, bank: QuestionBank) -> None:
    question = bank.by_id["director.mc1"]
    fact = store.facts["director"]
    assert question.correct_index is not None
    three = question.model_copy(update={"choices": [*question.choices[:3], question.choices[0]]})
    messages = [p.message for p in check_multiple_choice(store, fact, three)]
    assert any(m.startswith("repeats options") for m in messages)
    short = question.model_copy(update={"choices": [question.answer, "Tom Cruise"], "correct_index": 0})
    assert "has 2 options, not 4" in [p.message for p in check_multiple_choice(store, fact, short)]
    wrong_mark = question.model_copy(update={"correct_index": _wrong_position(question)})
    messages = [p.message for p in check_multiple_choice(store, fact, wrong_mark)]
    assert any("is not a true answer" in m for m in messages)
    assert any("is also a true answer" in m for m in messages)
    no_mark = question.model_copy(update={"correct_index": 9})
    assert "correct_index 9 does not point at an option" in [
        p.message for p in check_multiple_choice(store, fact, no_mark)
    ]


def test_generator_never_emits_a_decoy_that_is_true(store: FactStore) -> None:
    # a second entity named like an alias of the answer, and a text decoy that is also accepted
    double = Entity(id="peresild-double", type=EntityType.PERSON, name="Julia Peresild", role="actress")
    text = _fact(
        "text-trap",
        "How did the critics describe it?",
        TextAnswer(value="a triumph", accept=["triumph"], distractors=["Triumph", "a flop", "a bore", "a mess"]),
    )
    trap_store = _with_facts(store, text, entities=(double,))
    for seed in range(10):
        trap_bank = build_bank(trap_store, seed=seed)
        assert check_bank(trap_store, trap_bank) == []
        assert "Julia Peresild" not in trap_bank.by_id["crew.mc1"].choices
        assert "Triumph" not in trap_bank.by_id["text-trap.mc1"].choices


def test_is_true_answer_reads_values(store: FactStore) -> None:
    facts = store.facts
    assert is_true_answer(store, facts["launch-time"], "08:55 GMT")
    assert is_true_answer(store, facts["launch-time"], "0855")
    assert not is_true_answer(store, facts["launch-time"], "09:55 GMT")
    assert is_true_answer(store, facts["return-date"], "17 October 2021")
    assert not is_true_answer(store, facts["return-date"], "18 October 2021")
    assert is_true_answer(store, facts["crowd"], "375 people")
    assert not is_true_answer(store, facts["crowd"], "374 people")
    assert is_true_answer(store, facts["description"], "Experiment")


# --------------------------------------------------------------------------- true/false


def test_true_false_marked_wrongly_is_caught(store: FactStore) -> None:
    fact = store.facts["actress-age"]
    for seed in range(6):
        question = build_bank(store, seed=seed).by_id["actress-age.tf1"]
        assert check_true_false(store, fact, question) == []
        flipped = question.model_copy(update={"correct_index": 1 - (question.correct_index or 0)})
        [problem] = check_true_false(store, fact, flipped)
        assert problem.question_id == "actress-age.tf1"
        assert "makes it" in problem.message


def test_true_false_prompt_must_be_the_statement(store: FactStore, bank: QuestionBank) -> None:
    question = bank.by_id["director.tf1"].model_copy(update={"prompt": "Klim Shipenko wrote the film."})
    assert [p.message for p in check_true_false(store, store.facts["director"], question)] == [
        "prompt is not the fact's statement"
    ]


# --------------------------------------------------------------------------- ids and coverage


def test_duplicate_ids_are_caught(bank: QuestionBank) -> None:
    question = bank.questions[0]
    doubled = QuestionBank([*bank.questions, question.model_copy(update={"prompt": "Another?"})])
    assert check_unique_ids(doubled) == [Problem(question.fact_id, question.id, "question id used 2 times")]


def test_fact_without_any_question_is_caught(store: FactStore) -> None:
    silent = _fact(
        "silent",
        "What did it cost?",
        TextAnswer(value="a lot", distractors=["nothing"]),
        kinds=["multiple_choice"],
    )
    silent_store = _with_facts(store, silent)
    [problem] = check_every_fact_asked(silent_store, build_bank(silent_store))
    assert str(problem).startswith("fact silent: produces no question")


def test_problem_lines_name_question_and_fact() -> None:
    assert str(Problem("launch-time", "launch-time.mc1", "bad")) == "launch-time.mc1 (fact launch-time): bad"
    assert str(Problem("launch-time", None, "bad")) == "fact launch-time: bad"


def test_number_answer_type_is_checked_by_value(store: FactStore) -> None:
    fact = _fact("n", "How many?", NumberAnswer(value=2.5, unit="km", tolerance=0.2))
    assert is_true_answer(store, fact, "2.6 km")
    assert not is_true_answer(store, fact, "2.8 km")
