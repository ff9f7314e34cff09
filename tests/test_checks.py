"""Content checks: they pass on the seed bank and catch every kind of planted problem."""

from __future__ import annotations

import pytest

from questions.checks import (
    Problem,
    check_bank,
    check_consistent_answers,
    check_every_fact_asked,
    check_every_prompt_asked,
    check_fair_options,
    check_multiple_choice,
    check_no_future_years,
    check_partial_reveals,
    check_plausible_false_statement,
    check_prompt_hides_answer,
    check_prompt_links_proven,
    check_quotes_prove_answer,
    check_text_give_away,
    check_true_false,
    check_unique_ids,
    check_unique_prompts,
    check_year_is_cited,
    find_problems,
    is_true_answer,
)
from questions.generate import QuestionBank, build_bank, gives_away
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
    data = {
        "id": fact_id,
        "category": "crew",
        "prompts": [prompt],
        "answer": answer,
        "source": {"quote": "q"},
        "derivation": "As the test story says.",
    }
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
        "alias-leak",
        "Which actress, also spelt Julia Peresild, flew?",
        {"type": "entity", "entity": "peresild"},
        kinds=["typed"],
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
    planted = _fact(
        "age-leak", "How old was the 37-year-old actress?", {"type": "number", "value": 37}, kinds=["typed"]
    )
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
        source={"quote": "It was a triumph."},
        derivation=None,
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


# --------------------------------------------------------------------------- quotes prove the answer


def _cited(answer: object, *quotes: str, derivation: str | None = None) -> Fact:
    return Fact.model_validate(
        {
            "id": "cited",
            "category": "crew",
            "prompts": ["Question?"],
            "answer": answer,
            "sources": [{"quote": quote} for quote in quotes],
            "derivation": derivation,
        }
    )


@pytest.mark.parametrize(
    ("answer", "quotes"),
    [
        ({"type": "entity", "entity": "peresild"}, ["Yulia Peresild, 37, and Klim Shipenko, 38"]),
        ({"type": "entity", "entity": "peresild"}, ["said Julia Peresild"]),  # an alias
        ({"type": "entity", "entity": "shipenko"}, ["Director Shipenko, dressed in a flight suit"]),  # a surname
        ({"type": "duration", "value": 6, "unit": "months"}, ["the previous six months on the ISS"]),
        ({"type": "duration", "value": 12, "unit": "days"}, ["for a 12-day journey"]),
        ({"type": "date", "value": "2021-10-17"}, ["Aboard October 17, Shipenko and Peresild will return"]),
        ({"type": "time", "value": "08:55", "zone": "GMT"}, ["at 0855 GMT"]),
        ({"type": "text", "value": "an experiment", "accept": ["experiment"]}, ["described the film as an experiment"]),
        (
            {"type": "set", "entities": ["peresild", "shipenko", "shkaplerov"]},
            ["Yulia Peresild, 37, and Klim Shipenko, 38", "with veteran cosmonaut Anton Shkaplerov leading the way"],
        ),
    ],
)
def test_quotes_naming_the_answer_prove_it(store: FactStore, answer: object, quotes: list[str]) -> None:
    assert check_quotes_prove_answer(store, _cited(answer, *quotes)) == []


@pytest.mark.parametrize(
    ("answer", "quotes"),
    [
        # the actress only by elimination: the sentence never names her
        ({"type": "entity", "entity": "peresild"}, ["Russia plans to launch an actress and a film director"]),
        # a quote cut before the words that prove the answer
        (
            {"type": "entity", "entity": "kalachev"},
            ["The space film, on the other hand, is a matter of public relations"],
        ),
        # a crew of three from a sentence that names two
        (
            {"type": "set", "entities": ["peresild", "shipenko", "shkaplerov"]},
            ["Yulia Peresild, 37, and Klim Shipenko"],
        ),
        ({"type": "number", "value": 3}, ["Yulia Peresild, 37, and Klim Shipenko, 38"]),
        ({"type": "date", "value": "2021-10-05"}, ["into space on Tuesday"]),
        ({"type": "number", "value": 2020}, ["delivered humans to the ISS last year"]),
        ({"type": "text", "value": "government funding"}, ["as the Kremlin prioritizes military spending"]),
    ],
)
def test_quotes_that_do_not_name_the_answer_are_caught_unless_derived(
    store: FactStore, answer: object, quotes: list[str]
) -> None:
    [problem] = check_quotes_prove_answer(store, _cited(answer, *quotes))
    assert problem.fact_id == "cited" and "no quote names the answer" in problem.message
    assert check_quotes_prove_answer(store, _cited(answer, *quotes, derivation="Counted in plain words.")) == []


# --------------------------------------------------------------------------- padding


def test_a_prompt_asked_twice_is_caught(bank: QuestionBank) -> None:
    multiple_choice = _first(bank, "director", QuestionKind.MULTIPLE_CHOICE)
    typed_copy = _first(bank, "director", QuestionKind.TYPED).model_copy(update={"prompt": multiple_choice.prompt})
    padded = QuestionBank([multiple_choice, typed_copy])
    assert check_unique_prompts(padded) == [
        Problem("director", typed_copy.id, f"repeats the prompt of {multiple_choice.id} word for word")
    ]
    assert check_unique_prompts(bank) == []


def test_a_prompt_no_question_asks_is_caught(store: FactStore) -> None:
    padded = _fact(
        "padded",
        "What did the critics call it?",
        TextAnswer(value="a triumph", distractors=["a flop", "a bore", "a mess"]),
        kinds=["multiple_choice"],
    ).model_copy(update={"prompts": ["What did the critics call it?", "How did the critics describe it?"]})
    padded_store = _with_facts(store, padded)
    [problem] = check_every_prompt_asked(padded_store, build_bank(padded_store))
    assert problem.fact_id == "padded" and "2 prompts but only 1" in problem.message


# --------------------------------------------------------------------------- fair options


def _entity(entity_id: str, entity_type: EntityType, name: str, **attributes: object) -> Entity:
    return Entity.model_validate({"id": entity_id, "type": entity_type, "name": name, **attributes})


CLASSY_ENTITIES = (
    _entity("nasa", EntityType.ORGANISATION, "NASA", kind="space agency", country="united-states"),
    _entity("esa", EntityType.ORGANISATION, "ESA", kind="space agency"),
    _entity("jaxa", EntityType.ORGANISATION, "JAXA", kind="space agency", country="japan"),
    _entity("cnsa", EntityType.ORGANISATION, "CNSA", kind="space agency", country="china"),
    _entity("roscosmos", EntityType.ORGANISATION, "Roscosmos", kind="space agency", country="russia"),
    _entity(
        "spacex", EntityType.ORGANISATION, "SpaceX", kind="space company", country="united-states", tags=["private"]
    ),
    _entity("afp", EntityType.ORGANISATION, "AFP", kind="news agency"),
    _entity("baikonur", EntityType.PLACE, "Baikonur Cosmodrome", kind="spaceport", country="kazakhstan"),
    _entity("plesetsk", EntityType.PLACE, "Plesetsk Cosmodrome", kind="spaceport", country="russia"),
    _entity("vostochny", EntityType.PLACE, "Vostochny Cosmodrome", kind="spaceport", country="russia"),
    _entity("earth", EntityType.PLACE, "Earth", kind="planet"),
    _entity("hollywood", EntityType.PLACE, "Hollywood", kind="film industry", country="united-states"),
    _entity("russia", EntityType.COUNTRY, "Russia", kind="space power", tags=["ex-soviet"]),
    _entity("united-states", EntityType.COUNTRY, "United States", kind="space power"),
    _entity("china", EntityType.COUNTRY, "China", kind="space power"),
    _entity("japan", EntityType.COUNTRY, "Japan", kind="space power"),
    _entity("kazakhstan", EntityType.COUNTRY, "Kazakhstan", kind="country", tags=["ex-soviet"]),
    _entity("ukraine", EntityType.COUNTRY, "Ukraine", kind="country", tags=["ex-soviet"]),
    _entity("finland", EntityType.COUNTRY, "Finland", kind="country"),
    _entity("norway", EntityType.COUNTRY, "Norway", kind="country"),
    _entity("sweden", EntityType.COUNTRY, "Sweden", kind="country"),
    _entity("peresild-a", EntityType.PERSON, "Yulia Peresild", kind="actress", gender="female", born=1984),
    _entity("mordovina", EntityType.PERSON, "Alyona Mordovina", kind="actress", gender="female"),
    _entity("shipenko-a", EntityType.PERSON, "Klim Shipenko", kind="film director", gender="male", born=1983),
    _entity("cruise", EntityType.PERSON, "Tom Cruise", kind="actor", gender="male", born=1962),
    _entity("hanks", EntityType.PERSON, "Tom Hanks", kind="actor", gender="male", born=1956),
    _entity("shkaplerov-a", EntityType.PERSON, "Anton Shkaplerov", kind="cosmonaut", gender="male", born=1972),
    _entity("dubrov", EntityType.PERSON, "Pyotr Dubrov", kind="cosmonaut", gender="male", born=1978),
    _entity("artemyev", EntityType.PERSON, "Oleg Artemyev", kind="cosmonaut", gender="male", born=1970),
    _entity("gagarin-a", EntityType.PERSON, "Yuri Gagarin", kind="cosmonaut", gender="male", born=1934, died=1968),
    _entity("titov", EntityType.PERSON, "Gherman Titov", kind="cosmonaut", gender="male", born=1935, died=2000),
)


@pytest.fixture(scope="module")
def classy() -> FactStore:
    base = small_store()
    return FactStore(
        base.documents,
        {entity.id: entity for entity in CLASSY_ENTITIES},
        {},
        base.categories,
        fact_documents={},
    )


def _asked(store: FactStore, prompt: str, answer_id: str, choices: list[str], **fact: object) -> tuple[Fact, Question]:
    """Build a fact and a multiple-choice question of it whose first option is the right one."""
    planted = _fact("asked", prompt, {"type": "entity", "entity": answer_id}, **fact)
    question = Question(
        id="asked.mc1",
        kind=QuestionKind.MULTIPLE_CHOICE,
        category="crew",
        prompt=prompt,
        choices=choices,
        correct_index=0,
        answer=choices[0],
        expected={"type": "choice", "display": choices[0], "accepted": [choices[0]]},
        fact_id="asked",
        document_id="doc",
        document_title="A test story",
        quote="q",
        difficulty=1,
    )
    return planted, question


def _fairness(store: FactStore, prompt: str, answer_id: str, choices: list[str]) -> list[str]:
    planted, question = _asked(store, prompt, answer_id, choices)
    return [problem.message for problem in check_fair_options(_with_facts(store, planted), planted, question)]


def test_fair_options_pass(classy: FactStore) -> None:
    choices = ["Baikonur Cosmodrome", "Plesetsk Cosmodrome", "Vostochny Cosmodrome"]
    assert _fairness(classy, "From which spaceport did the crew lift off?", "baikonur", choices) == []
    assert _fairness(classy, "Which space agency joined the plan?", "nasa", ["NASA", "ESA", "JAXA", "CNSA"]) == []
    people = ["Anton Shkaplerov", "Pyotr Dubrov", "Oleg Artemyev"]
    assert _fairness(classy, "Which cosmonaut commanded the 2021 flight?", "shkaplerov-a", people) == []


@pytest.mark.parametrize(
    ("prompt", "answer_id", "choices", "words"),
    [
        ("Which US agency joined the plan?", "nasa", ["NASA", "ESA", "JAXA", "CNSA"], "'US'"),
        ("Which news agency did he tell?", "afp", ["AFP", "NASA", "ESA", "SpaceX"], "'news agency'"),
        ("Which private company joined the plan?", "spacex", ["SpaceX", "NASA", "ESA", "JAXA"], "'private'"),
        (
            "From which ex-Soviet country did it fly?",
            "kazakhstan",
            ["Kazakhstan", "Finland", "Norway", "Sweden"],
            "'ex-Soviet'",
        ),
        (
            "Which actress flew to the station?",
            "peresild-a",
            ["Yulia Peresild", "Klim Shipenko", "Tom Cruise", "Tom Hanks"],
            "'actress'",
        ),
    ],
)
def test_a_give_away_qualifier_is_caught(
    classy: FactStore, prompt: str, answer_id: str, choices: list[str], words: str
) -> None:
    messages = _fairness(classy, prompt, answer_id, choices)
    assert any(message.startswith(f"give-away: {words}") for message in messages), messages


def test_a_distractor_of_another_class_is_caught(classy: FactStore) -> None:
    choices = ["Baikonur Cosmodrome", "Plesetsk Cosmodrome", "Earth", "Hollywood"]
    messages = _fairness(classy, "From which launch site did the crew lift off?", "baikonur", choices)
    assert "distractor 'Earth' is of another class: it is a planet, not a spaceport like the answer" in messages
    assert any(message.startswith("distractor 'Hollywood' is of another class") for message in messages)
    choices = ["NASA", "ESA", "SpaceX", "United States"]
    messages = _fairness(classy, "Which agency joined the plan?", "nasa", choices)
    assert any("'SpaceX' is of another class" in message for message in messages)
    assert any("'United States' is of another class: it is a country, not an organisation" in m for m in messages)


def test_a_dead_person_for_a_2021_role_is_caught(classy: FactStore) -> None:
    choices = ["Anton Shkaplerov", "Pyotr Dubrov", "Yuri Gagarin"]
    messages = _fairness(classy, "Who commanded the 2021 flight?", "shkaplerov-a", choices)
    assert messages == ["distractor 'Yuri Gagarin' is of another class: it was not alive in 2021, when the answer was"]
    # for the first man in space, another cosmonaut of his era is a fair option, one of 2021 is not
    assert _fairness(classy, "Who was the first man in space?", "gagarin-a", ["Yuri Gagarin", "Gherman Titov"]) == []
    assert _fairness(classy, "Who was the first man in space?", "gagarin-a", ["Yuri Gagarin", "Pyotr Dubrov"]) == [
        "distractor 'Pyotr Dubrov' is of another class: it is of another era (born 1978, the answer 1934)"
    ]


def test_the_questions_own_subject_is_caught(classy: FactStore) -> None:
    choices = ["United States", "Russia", "China", "Japan"]
    messages = _fairness(classy, "Which country did Russia hope to beat?", "united-states", choices)
    assert messages == ["distractor 'Russia' is named in the prompt: it is the question's own subject"]


def test_the_seed_bank_has_fair_options_for_every_seed() -> None:
    seed_store = load_store()
    for seed in range(6):
        bank = build_bank(seed_store, seed=seed)
        for question in bank.questions:
            fact = seed_store.facts[question.fact_id]
            if question.kind == QuestionKind.MULTIPLE_CHOICE:
                assert check_fair_options(seed_store, fact, question) == [], question.id
            if question.kind == QuestionKind.TRUE_FALSE:
                assert check_plausible_false_statement(seed_store, fact, question) == [], question.id


# --------------------------------------------------------------------------- plausible false statements


def _false_statement(store: FactStore, statement: str, answer_id: str, shown: str) -> list[str]:
    planted = _fact("said", "Question?", {"type": "entity", "entity": answer_id}, statement=statement)
    question = Question(
        id="said.tf1",
        kind=QuestionKind.TRUE_FALSE,
        category="crew",
        prompt=statement.replace("{answer}", shown),
        choices=["True", "False"],
        correct_index=1,
        answer="False",
        expected={"type": "choice", "display": "False", "accepted": ["False"]},
        fact_id="said",
        document_id="doc",
        document_title="A test story",
        quote="q",
        difficulty=1,
    )
    store = _with_facts(store, planted)
    return [problem.message for problem in check_plausible_false_statement(store, planted, question)]


def test_an_absurd_false_statement_is_caught(classy: FactStore) -> None:
    messages = _false_statement(classy, "{answer} is Russia's space agency.", "roscosmos", "SpaceX")
    assert messages and all(message.startswith("absurd false statement: 'SpaceX'") for message in messages)
    messages = _false_statement(classy, "{answer} was the first man in space.", "gagarin-a", "Tom Cruise")
    assert messages == ["absurd false statement: 'Tom Cruise' is an actor, not a cosmonaut like the answer"]
    # the same class but ruled out by a qualifier of the statement: still nonsense
    messages = _false_statement(classy, "{answer} is Russia's space agency.", "roscosmos", "NASA")
    assert messages == ["absurd false statement: 'NASA' is not Russian (\"Russia's\")"]


def test_a_plausibly_wrong_statement_passes(classy: FactStore) -> None:
    assert _false_statement(classy, "{answer} was the first man in space.", "gagarin-a", "Gherman Titov") == []
    assert _false_statement(classy, "{answer} joined the Hollywood plan.", "nasa", "ESA") == []


# --------------------------------------------------------------------------- classes found by the editor's read


def _question(
    fact_id: str, prompt: str, choices: list[str], kind: QuestionKind = QuestionKind.MULTIPLE_CHOICE
) -> Question:
    """Build a question of ``fact_id`` whose first choice is the marked one."""
    return Question(
        id=f"{fact_id}.q1",
        kind=kind,
        category="crew",
        prompt=prompt,
        choices=choices,
        correct_index=0 if choices else None,
        answer=choices[0] if choices else "x",
        expected={"type": "choice", "display": choices[0] if choices else "x", "accepted": choices[:1]},
        fact_id=fact_id,
        document_id="doc",
        document_title="A test story",
        quote="q",
        difficulty=1,
    )


def test_a_prompt_link_no_quote_proves_is_caught(classy: FactStore) -> None:
    craft = _entity("soyuz", EntityType.CRAFT, "Soyuz MS-19", kind="crewed spacecraft")
    answer = {"type": "entity", "entity": "peresild-a"}
    # the quote names the actress but not the craft the prompt ties her to
    unproven = _fact("who", "Which actress flew aboard Soyuz MS-19?", answer, source={"quote": "Yulia Peresild, 37"})
    unproven = unproven.model_copy(update={"derivation": None})
    store = _with_facts(classy, unproven, entities=(craft,))
    messages = [problem.message for problem in check_prompt_links_proven(store, unproven)]
    assert len(messages) == 1
    assert messages[0].startswith("prompt 'Which actress flew aboard Soyuz MS-19?' names 'Soyuz MS-19', which no quote")
    # a statement is a prompt too
    stated = unproven.model_copy(
        update={"prompts": ["Which actress flew?"], "statement": "{answer} flew on Soyuz MS-19."}
    )
    assert check_prompt_links_proven(_with_facts(store, stated), stated)
    # citing the sentence that ties them, or a derivation that states the link, proves it
    proven = unproven.model_copy(update={"sources": [], "source": None})
    proven = Fact.model_validate(
        proven.model_dump() | {"sources": [{"quote": "Yulia Peresild, 37"}, {"quote": "aboard a Soyuz MS-19"}]}
    )
    assert check_prompt_links_proven(_with_facts(store, proven), proven) == []
    derived = unproven.model_copy(update={"derivation": "They fly aboard Soyuz MS-19, as the next sentence says."})
    assert check_prompt_links_proven(_with_facts(store, derived), derived) == []


def test_a_phrase_answer_sharing_a_word_with_the_prompt_alone_is_caught(store: FactStore) -> None:
    answer = {"type": "text", "value": "the first feature film shot in orbit"}
    fact = _fact("first", "What first was the film crew after?", answer)
    choices = [
        "the first feature film shot in orbit",
        "the first reality show in orbit",
        "the first talk show in orbit",
    ]
    question = _question("first", fact.prompts[0], choices)
    messages = [problem.message for problem in check_text_give_away(store, fact, question)]
    assert messages == ["give-away: the prompt's word 'film' is in the answer and in no wrong option"]
    fair = ["the first feature film shot in orbit", "the first music video shot in orbit", "the first film on the Moon"]
    assert check_text_give_away(store, fact, _question("first", fact.prompts[0], fair)) == []


def test_a_year_after_the_report_is_caught(store: FactStore) -> None:
    fact = _fact("year", "In what year did SpaceX first fly astronauts?", {"type": "number", "value": 2020})
    store = _with_facts(store, fact)
    late = _question("year", fact.prompts[0], ["2020", "2023", "2019", "2018"])
    messages = [problem.message for problem in check_no_future_years(store, fact, late)]
    assert messages == ["year 2023 is after the document (2021): an anachronistic option"]
    assert (
        check_no_future_years(store, fact, _question("year", fact.prompts[0], ["2020", "2021", "2019", "2018"])) == []
    )
    statement = _question("year", "SpaceX first flew astronauts in 2024.", ["True", "False"], QuestionKind.TRUE_FALSE)
    assert check_no_future_years(store, fact, statement)
    # the generator never draws one
    seed_store = load_store()
    for seed in range(8):
        for question in build_bank(seed_store, seed=seed).questions:
            assert check_no_future_years(seed_store, seed_store.facts[question.fact_id], question) == [], question.id


def test_a_prompt_stating_the_gist_of_another_answer_is_caught(store: FactStore) -> None:
    plot = _fact(
        "plot", "What is the film about?", {"type": "text", "value": "a female surgeon sent to save an astronaut"}
    )
    agency = _fact(
        "agency", "Which agency says the film centres on a female surgeon?", {"type": "entity", "entity": "nasa"}
    )
    planted = _with_facts(store, plot, agency)
    bank = QuestionBank([_question("agency", agency.prompts[0], [])])
    messages = [problem.message for problem in check_partial_reveals(planted, bank)]
    assert messages == ["prompt gives away the answer of fact plot ('female surgeon')"]
    # the whole answer in a prompt is the round draw's business (it keeps the two apart), not a bank problem
    whole = QuestionBank([_question("agency", "Is it a female surgeon sent to save an astronaut?", [])])
    assert check_partial_reveals(planted, whole) == []
    assert check_partial_reveals(planted, QuestionBank([_question("agency", "Which agency made it?", [])])) == []


def test_a_veteran_qualifier_rules_out_a_first_time_flyer(classy: FactStore) -> None:
    veteran = _entity("vet", EntityType.PERSON, "Anton Shkaplerov", kind="cosmonaut", born=1972, tags=["veteran"])
    other_veteran = _entity(
        "vet2", EntityType.PERSON, "Sergey Prokopyev", kind="cosmonaut", born=1970, tags=["veteran"]
    )
    rookie = _entity("rookie", EntityType.PERSON, "Pyotr Dubrov", kind="cosmonaut", born=1978)
    store = _with_facts(classy, entities=(veteran, other_veteran, rookie))
    prompt = "Which veteran cosmonaut commanded the flight?"
    messages = _fairness(store, prompt, "vet", ["Anton Shkaplerov", "Pyotr Dubrov"])
    assert messages == ["give-away: 'veteran' in the prompt fits the answer alone (no other option is a veteran)"]
    assert _fairness(store, prompt, "vet", ["Anton Shkaplerov", "Sergey Prokopyev"]) == []


# --------------------------------------------------------------------------- the year of a date, and the report's date


def _seed_store_with(fact: Fact) -> FactStore:
    """Return the seed pack's store with one fact replaced."""
    seed = load_store()
    facts = {**seed.facts, fact.id: fact}
    [document_id] = seed.documents
    return FactStore(
        seed.documents, seed.entities, facts, seed.categories, fact_documents=dict.fromkeys(facts, document_id)
    )


def _without_date_line(fact: Fact) -> Fact:
    kept = [citation for citation in fact.citations if not citation.quote.startswith("date ")]
    return fact.model_copy(update={"source": None, "sources": kept})


def test_the_seed_facts_cite_the_date_line_where_their_year_rests_on_it() -> None:
    store = load_store()
    assert [problem for fact in store.facts.values() for problem in check_year_is_cited(store, fact)] == []


@pytest.mark.parametrize(
    ("fact_id", "message"),
    [
        # 'Aboard October 17': the day and month are quoted, the year only by the report's date
        ("return-date", "no quote gives the year 2021"),
        # 'this year', resolved in the derivation against the report's date
        ("tourism-restart", "the derivation reads the report's date"),
        ("spacex-iss-year", "the derivation reads the report's date"),
    ],
)
def test_a_year_that_rests_on_the_report_date_needs_the_date_line_quoted(fact_id: str, message: str) -> None:
    fact = _without_date_line(load_store().facts[fact_id])
    [problem] = check_year_is_cited(_seed_store_with(fact), fact)
    assert message in problem.message and "date 2021-10-05" in problem.message


def test_a_prompt_naming_a_state_by_a_short_name_keeps_the_question_about_it_apart() -> None:
    """'Which Soviet cosmonaut...' tells a player that the state that sent the first man to space is Soviet."""
    bank = build_bank(load_store(), seed=0)
    state = next(question for question in bank.questions if question.id == "soviet-firsts-era.ty1")
    gagarin = next(question for question in bank.questions if question.fact_id == "first-man-in-space")
    assert not gives_away(state, gagarin)
    assert gives_away(
        state, gagarin.model_copy(update={"prompt": "Which Soviet cosmonaut was the first man in space?"})
    )


def test_a_derivation_that_reads_no_date_needs_no_date_line() -> None:
    """'written in Cyrillic' is no reading of the report's date; 'written in 2021' is."""
    fact = _without_date_line(load_store().facts["spacex-iss-year"])
    cyrillic = fact.model_copy(update={"derivation": "The name is written in Cyrillic in the report."})
    assert check_year_is_cited(_seed_store_with(cyrillic), cyrillic) == []
    dated = fact.model_copy(update={"derivation": "The report, written in 2021, says last year: 2020."})
    assert len(check_year_is_cited(_seed_store_with(dated), dated)) == 1


def test_surnames_of_a_person_are_spellings_of_the_declared_one() -> None:
    """An alias's last word is a surname alone only if it spells the declared one: not 'Jr.', not a given name
    written last ('Yang Liwei')."""
    store = load_store()
    novitsky = store.entity("oleg-novitsky")
    assert "Novitski" in store.surnames_of(novitsky)
    aldrin = Entity(
        id="buzz-aldrin",
        type=EntityType.PERSON,
        name="Buzz Aldrin",
        aliases=["Edwin Eugene Aldrin Jr.", "Aldrin Buzz"],
        surname="Aldrin",
    )
    yang = Entity(id="yang-liwei", type=EntityType.PERSON, name="Yang Liwei", aliases=["Yang Liwei"], surname="Yang")
    assert store.surnames_of(aldrin) == ["Aldrin"]
    assert store.surnames_of(yang) == ["Yang"]
