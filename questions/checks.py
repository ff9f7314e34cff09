"""Content checks over a generated question bank: answers never leak, distractors are never true.

Each problem is one line naming the question id and fact id, so tests and ``python -m questions validate``
can report them all at once.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from dataclasses import dataclass
from typing import Final

from questions.fairness import binding_qualifiers, class_reason
from questions.generate import (
    FALSE_CHOICE,
    OPTION_COUNT,
    TRUE_CHOICE,
    QuestionBank,
    answer_spellings,
    as_of_label,
    mentions,
    normalise_text,
    prompt_reveals,
    statement_pattern_parts,
    truth_texts,
)
from questions.matching.verdicts import quote
from questions.models import (
    AnswerType,
    DateAnswer,
    DurationAnswer,
    Entity,
    EntityAnswer,
    Fact,
    NumberAnswer,
    Question,
    QuestionKind,
    SetAnswer,
    TextAnswer,
    TimeAnswer,
)
from questions.store import FactStore, format_date

log = logging.getLogger(__name__)

_LEADING_NUMBER = re.compile(r"^\s*([-+]?\d+(?:\.\d+)?)")
_CLOCK_TIME = re.compile(r"^\s*(\d{1,2}):?(\d{2})\b")
_NUMBER_WORDS = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
    "twenty",
]


@dataclass(frozen=True)
class Problem:
    """One content problem: the fact and question it concerns, and what is wrong."""

    fact_id: str | None
    question_id: str | None
    message: str

    def __str__(self) -> str:
        if self.question_id and self.fact_id:
            return f"{self.question_id} (fact {self.fact_id}): {self.message}"
        if self.question_id:
            return f"{self.question_id}: {self.message}"
        return f"fact {self.fact_id}: {self.message}"


def check_bank(store: FactStore, bank: QuestionBank) -> list[str]:
    """Run every content check and return one line per problem (empty when the bank is sound)."""
    return [str(problem) for problem in find_problems(store, bank)]


def find_problems(store: FactStore, bank: QuestionBank) -> list[Problem]:
    """Run every content check and return the problems with their fact and question ids."""
    problems: list[Problem] = []
    problems.extend(check_unique_ids(bank))
    problems.extend(check_every_fact_asked(store, bank))
    problems.extend(check_every_prompt_asked(store, bank))
    problems.extend(check_consistent_answers(store, bank))
    problems.extend(check_unique_prompts(bank))
    for stored_fact in store.facts.values():
        problems.extend(check_quotes_prove_answer(store, stored_fact))
        problems.extend(check_year_is_cited(store, stored_fact))
        problems.extend(check_prompt_links_proven(store, stored_fact))
    problems.extend(check_partial_reveals(store, bank))
    for question in bank.questions:
        fact = store.facts.get(question.fact_id)
        if fact is None:
            problems.append(Problem(question.fact_id, question.id, "fact is not in the store"))
            continue
        problems.extend(check_prompt_hides_answer(store, fact, question))
        if question.kind == QuestionKind.MULTIPLE_CHOICE:
            problems.extend(check_multiple_choice(store, fact, question))
            problems.extend(check_fair_options(store, fact, question))
            problems.extend(check_text_give_away(store, fact, question))
        elif question.kind == QuestionKind.TRUE_FALSE:
            problems.extend(check_true_false(store, fact, question))
            problems.extend(check_plausible_false_statement(store, fact, question))
        problems.extend(check_no_future_years(store, fact, question))
    if problems:
        log.debug("content checks found %d problems", len(problems))
    return problems


def check_unique_ids(bank: QuestionBank) -> list[Problem]:
    """Report question ids used by more than one question."""
    counts = Counter(question.id for question in bank.questions)
    facts = {question.id: question.fact_id for question in bank.questions}
    return [
        Problem(facts[question_id], question_id, f"question id used {count} times")
        for question_id, count in counts.items()
        if count > 1
    ]


def check_every_fact_asked(store: FactStore, bank: QuestionBank) -> list[Problem]:
    """Report facts that produced no question at all (e.g. multiple choice only, but no distractors)."""
    asked = {question.fact_id for question in bank.questions}
    return [
        Problem(fact_id, None, "produces no question (too few distractors for the kinds it allows?)")
        for fact_id in store.facts
        if fact_id not in asked
    ]


def check_consistent_answers(store: FactStore, bank: QuestionBank) -> list[Problem]:
    """Report one prompt that different facts answer differently."""
    facts_by_prompt: dict[str, dict[str, Question]] = {}
    for question in bank.questions:
        if question.kind == QuestionKind.TRUE_FALSE:
            continue  # a statement is not a prompt: its facts' truths are checked one by one
        facts_by_prompt.setdefault(normalise_text(question.prompt), {}).setdefault(question.fact_id, question)
    problems: list[Problem] = []
    for by_fact in facts_by_prompt.values():
        if len(by_fact) < 2:
            continue
        answers = {fact_id: store.facts[fact_id].answer for fact_id in by_fact if fact_id in store.facts}
        if len({answer.model_dump_json() for answer in answers.values()}) > 1:
            first, *others = by_fact.values()
            problems.append(
                Problem(
                    first.fact_id,
                    first.id,
                    f"prompt {first.prompt!r} has different answers in facts "
                    f"{', '.join(sorted(by_fact))}: {', '.join(q.answer for q in [first, *others])}",
                )
            )
    return problems


def _without_as_of(store: FactStore, fact: Fact, text: str) -> str:
    if not fact.as_of:
        return text
    return text.replace(f" (as of {as_of_label(store.document_for(fact).meta.date)})", "")


def check_prompt_hides_answer(store: FactStore, fact: Fact, question: Question) -> list[Problem]:
    """Report a prompt containing its answer, an alias or a surname (true/false statements excepted)."""
    if question.kind == QuestionKind.TRUE_FALSE:
        return []
    prompt = _without_as_of(store, fact, question.prompt)
    for spelling in answer_spellings(store, fact):
        if prompt_reveals(prompt, [spelling]):
            return [Problem(fact.id, question.id, f"prompt contains its answer {spelling!r}")]
    return []


def check_every_prompt_asked(store: FactStore, bank: QuestionBank) -> list[Problem]:
    """Report a prompt of a fact that no question asks (a padding phrasing, or kinds that exclude it)."""
    asked: dict[str, int] = Counter(
        question.fact_id for question in bank.questions if question.kind != QuestionKind.TRUE_FALSE
    )
    return [
        Problem(
            fact.id,
            None,
            f"has {len(fact.prompts)} prompts but only {asked[fact.id]} become questions: "
            "drop the extra prompts or allow a kind that asks them",
        )
        for fact in store.facts.values()
        if fact.id in asked and asked[fact.id] < len(fact.prompts)
    ]


def check_unique_prompts(bank: QuestionBank) -> list[Problem]:
    """Report a prompt asked by two questions of the bank (e.g. a multiple-choice prompt reused as typed)."""
    first_by_prompt: dict[str, Question] = {}
    problems: list[Problem] = []
    for question in bank.questions:
        key = normalise_text(question.prompt)
        first = first_by_prompt.setdefault(key, question)
        if first is not question:
            problems.append(Problem(question.fact_id, question.id, f"repeats the prompt of {first.id} word for word"))
    return problems


def _number_is_stated(text: str, value: float) -> bool:
    if not float(value).is_integer():
        return re.search(rf"(?<![\w.]){re.escape(f'{value:g}')}(?![\w]|\.\d)", text) is not None
    number = int(value)
    if re.search(rf"(?<!\d){number}(?!\d)", text):
        return True
    return 0 <= number < len(_NUMBER_WORDS) and mentions(text, _NUMBER_WORDS[number])


def quotes_name_answer(store: FactStore, fact: Fact) -> bool:
    """Return whether the fact's quotes, together, state its answer (a name, alias, value or phrase)."""
    text = " ".join(citation.quote for citation in fact.citations)
    answer = fact.answer
    if isinstance(answer, EntityAnswer | SetAnswer):
        members = [answer.entity] if isinstance(answer, EntityAnswer) else answer.entities
        for member in members:
            entity = store.entities.get(member)
            if entity is None:
                return False
            names = [*store.names_of(entity), *store.surnames_of(entity)]
            if not any(mentions(text, name) for name in names):
                return False
        return True
    if isinstance(answer, NumberAnswer | DurationAnswer):
        return _number_is_stated(text, answer.value)
    if isinstance(answer, DateAnswer):
        day, month = answer.value.day, f"{answer.value:%B}"
        return any(mentions(text, form) for form in (f"{month} {day}", f"{day} {month}", answer.value.isoformat()))
    if isinstance(answer, TimeAnswer):
        clock = answer.value
        forms = (f"{clock:%H:%M}", f"{clock:%H%M}", f"{clock.hour}:{clock:%M}")
        return any(re.search(rf"(?<![\d:]){re.escape(form)}(?![\d:])", text) for form in forms)
    assert isinstance(answer, TextAnswer)
    return any(mentions(text, phrase) for phrase in (answer.value, *answer.accept))


def check_quotes_prove_answer(store: FactStore, fact: Fact) -> list[Problem]:
    """Report a fact whose quotes name neither its answer nor an alias, unless it declares its derivation."""
    if fact.derivation or quotes_name_answer(store, fact):
        return []
    return [
        Problem(
            fact.id,
            None,
            "no quote names the answer or one of its aliases: quote the words that do (whole sentences), "
            "or state in 'derivation' how the answer follows from the quotes",
        )
    ]


READS_THE_DATE: Final = re.compile(r"\b(?:dated|written in \d{4}|this year|last year|next year)\b", re.IGNORECASE)
"""Derivation words that read the report's own date ('The report is dated 5 October 2021, so "this year" ...')."""


def year_rests_on_date(answer: object, quotes: str, derivation: str | None) -> str | None:
    """Say why an answer's year rests on the report's date, or return None: a date whose year no quote gives, or a
    derivation that reads the report's date ('this year')."""
    if isinstance(answer, DateAnswer) and str(answer.value.year) not in quotes:
        return f"no quote gives the year {answer.value.year}"
    if derivation and READS_THE_DATE.search(derivation):
        return "the derivation reads the report's date"
    return None


def check_year_is_cited(store: FactStore, fact: Fact) -> list[Problem]:
    """Report a fact whose year rests on the report's date without citing it.

    'Aboard October 17' names a day and a month, not the year; 'this year' means the year of the report. Either
    way the date line ('date 2021-10-05', which the document's text begins with) must be among the quotes, or a
    sentence that names the year, so that the cited sentences alone prove the answer.
    """
    document = store.document_for(fact)
    date_line = f"date {document.meta.date.isoformat()}"
    if date_line not in document.text:
        return []  # a document without a date line cannot have it cited; its loader says what it holds
    text = " ".join(citation.quote for citation in fact.citations)
    why = None if date_line in text else year_rests_on_date(fact.answer, text, fact.derivation)
    if why is None:
        return []
    return [Problem(fact.id, None, f"{why}: cite the date line ({quote(date_line)}) as a quote")]


def is_true_answer(store: FactStore, fact: Fact, text: str) -> bool:
    """Return whether ``text``, as an option or statement filler, states a true answer of the fact."""
    answer = fact.answer
    if isinstance(answer, NumberAnswer | DurationAnswer):
        match = _LEADING_NUMBER.match(text)
        return match is not None and abs(float(match.group(1)) - float(answer.value)) <= answer.tolerance
    if isinstance(answer, DateAnswer):
        return normalise_text(text) == normalise_text(format_date(answer.value))
    if isinstance(answer, TimeAnswer):
        match = _CLOCK_TIME.match(text)
        return match is not None and (int(match.group(1)), int(match.group(2))) == (
            answer.value.hour,
            answer.value.minute,
        )
    return normalise_text(text) in {normalise_text(name) for name in truth_texts(store, fact)}


def check_multiple_choice(store: FactStore, fact: Fact, question: Question) -> list[Problem]:
    """Report wrong option counts, repeated options, and any option but the right one being true."""

    def problem(message: str) -> Problem:
        return Problem(fact.id, question.id, message)

    choices = question.choices
    problems: list[Problem] = []
    if len(choices) != OPTION_COUNT:
        problems.append(problem(f"has {len(choices)} options, not {OPTION_COUNT}"))
    normalised = [normalise_text(choice) for choice in choices]
    repeated = sorted({choice for choice, count in Counter(normalised).items() if count > 1})
    if repeated:
        problems.append(problem(f"repeats options: {', '.join(repeated)}"))
    index = question.correct_index
    if index is None or not 0 <= index < len(choices):
        return [*problems, problem(f"correct_index {index} does not point at an option")]
    if question.expected.type != AnswerType.CHOICE or question.expected.display != choices[index]:
        problems.append(problem("expected answer is not the marked option"))
    if not is_true_answer(store, fact, choices[index]):
        problems.append(problem(f"marked option {choices[index]!r} is not a true answer"))
    problems.extend(
        problem(f"distractor {choice!r} is also a true answer")
        for position, choice in enumerate(choices)
        if position != index and is_true_answer(store, fact, choice)
    )
    return problems


def check_true_false(store: FactStore, fact: Fact, question: Question) -> list[Problem]:
    """Report a true/false question whose statement is not what its marked choice says it is."""

    def problem(message: str) -> Problem:
        return Problem(fact.id, question.id, message)

    if question.choices != [TRUE_CHOICE, FALSE_CHOICE] or question.correct_index not in (0, 1):
        return [problem(f"true/false choices must be {[TRUE_CHOICE, FALSE_CHOICE]} with correct_index 0 or 1")]
    if not fact.statement:
        return [problem("true/false question from a fact without a statement")]
    label = as_of_label(store.document_for(fact).meta.date) if fact.as_of else None
    parts = statement_pattern_parts(fact.statement, label)
    match = re.fullmatch("(.+?)".join(re.escape(part) for part in parts), question.prompt, re.DOTALL)
    if match is None:
        return [problem("prompt is not the fact's statement")]
    claims_true = question.correct_index == 0
    for filler in match.groups():
        if is_true_answer(store, fact, filler) != claims_true:
            verdict = "false" if claims_true else "true"
            return [problem(f"marked {question.choices[question.correct_index]} but {filler!r} makes it {verdict}")]
    return []


def _entities_by_name(store: FactStore) -> dict[str, Entity]:
    by_name: dict[str, Entity] = {}
    for name, entity in store.all_names():
        by_name.setdefault(normalise_text(name), entity)
    return by_name


def _answer_entities(store: FactStore, fact: Fact) -> list[Entity]:
    if isinstance(fact.answer, EntityAnswer):
        ids = [fact.answer.entity]
    elif isinstance(fact.answer, SetAnswer):
        ids = list(fact.answer.entities)
    else:
        return []
    return [store.entities[entity_id] for entity_id in ids if entity_id in store.entities]


def check_fair_options(store: FactStore, fact: Fact, question: Question) -> list[Problem]:
    """Report unfair wrong options of an entity question: another class or era, the question's own subject,
    or a give-away, where the prompt's qualifier words ("Which US agency") fit the answer alone."""
    answers = _answer_entities(store, fact)
    index = question.correct_index
    if not answers or index is None or not 0 <= index < len(question.choices):
        return []
    by_name = _entities_by_name(store)
    marked = by_name.get(normalise_text(question.choices[index]))
    # a set question shows one member: a wrong option must be of the class of some member
    single = isinstance(fact.answer, EntityAnswer) and marked is not None and marked in answers
    shown = [marked] if single and marked is not None else answers
    year = store.document_for(fact).meta.date.year

    def problem(message: str) -> Problem:
        return Problem(fact.id, question.id, message)

    problems: list[Problem] = []
    distractors: list[Entity] = []
    for position, choice in enumerate(question.choices):
        if position == index:
            continue
        entity = by_name.get(normalise_text(choice))
        if entity is None:
            problems.append(problem(f"distractor {choice!r} is not an entity of the store, so its class is unknown"))
            continue
        distractors.append(entity)
        if any(mentions(question.prompt, name) for name in store.names_of(entity)):
            problems.append(problem(f"distractor {choice!r} is named in the prompt: it is the question's own subject"))
        reasons = [class_reason(answer, entity, year) for answer in shown]
        if all(reasons):
            problems.append(problem(f"distractor {choice!r} is of another class: it {reasons[0]}"))
    if not distractors:
        return problems
    for qualifier, words in binding_qualifiers(question.prompt, shown):
        failing = [entity.name for entity in distractors if not qualifier.holds(entity)]
        if len(failing) == len(distractors):
            problems.append(
                problem(
                    f"give-away: {words!r} in the prompt fits the answer alone (no other option is {qualifier.label})"
                )
            )
        else:
            problems.extend(
                problem(f"distractor {name!r} is not {qualifier.label}, which the prompt asks for ({words!r})")
                for name in failing
            )
    return problems


def check_plausible_false_statement(store: FactStore, fact: Fact, question: Question) -> list[Problem]:
    """Report a false statement built by swapping in an entity of another class ("SpaceX is Russia's space
    agency"): a false statement must be plausibly wrong, not nonsense."""
    answers = _answer_entities(store, fact)
    if not answers or question.correct_index != 1 or not fact.statement:
        return []
    label = as_of_label(store.document_for(fact).meta.date) if fact.as_of else None
    parts = statement_pattern_parts(fact.statement, label)
    match = re.fullmatch("(.+?)".join(re.escape(part) for part in parts), question.prompt, re.DOTALL)
    if match is None:
        return []  # reported by check_true_false
    by_name = _entities_by_name(store)
    year = store.document_for(fact).meta.date.year
    problems: list[Problem] = []
    for filler in match.groups():
        entity = by_name.get(normalise_text(filler)) or by_name.get(
            normalise_text(re.sub(r"^the\s+", "", filler, flags=re.I))
        )
        if entity is None:
            problems.append(
                Problem(fact.id, question.id, f"false statement names {filler!r}, not an entity of the store")
            )
            continue
        reasons = [class_reason(answer, entity, year) for answer in answers]
        if all(reasons):
            problems.append(Problem(fact.id, question.id, f"absurd false statement: {entity.name!r} {reasons[0]}"))
        for qualifier, words in binding_qualifiers(fact.statement, answers):
            if not qualifier.holds(entity):
                problems.append(
                    Problem(
                        fact.id,
                        question.id,
                        f"absurd false statement: {entity.name!r} is not {qualifier.label} ({words!r})",
                    )
                )
    return problems


def _entity_names(store: FactStore, entity: Entity) -> list[str]:
    return [*store.names_of(entity), *store.surnames_of(entity)]


def check_prompt_links_proven(store: FactStore, fact: Fact) -> list[Problem]:
    """Report a prompt or statement naming an entity that neither the quotes nor the derivation name.

    "Which actress flew aboard Soyuz MS-19?" needs a quote that ties the actress to Soyuz MS-19: the reveal
    must prove every link the prompt states, not only name the answer.
    """
    evidence = " ".join([*(citation.quote for citation in fact.citations), fact.derivation or ""])
    answer_ids = {entity.id for entity in _answer_entities(store, fact)}
    texts = [*fact.prompts, *([fact.statement.replace("{answer}", " ")] if fact.statement else [])]
    problems: list[Problem] = []
    reported: set[str] = set()
    for text in texts:
        for entity in store.entities.values():
            if entity.id in answer_ids or entity.id in reported:
                continue
            names = _entity_names(store, entity)
            named = next((name for name in names if mentions(text, name)), None)
            if named is None or any(mentions(evidence, name) for name in names):
                continue
            reported.add(entity.id)
            problems.append(
                Problem(
                    fact.id,
                    None,
                    f"prompt {text.strip()!r} names {named!r}, which no quote (nor the derivation) names: "
                    "cite the sentence that ties it to the answer, or leave it out of the prompt",
                )
            )
    return problems


_STOPWORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "to",
        "in",
        "on",
        "at",
        "for",
        "by",
        "with",
        "and",
        "or",
        "its",
        "it",
        "his",
        "her",
        "their",
        "this",
        "that",
        "which",
        "what",
        "who",
        "whom",
        "whose",
        "is",
        "was",
        "were",
        "be",
        "been",
        "are",
        "as",
        "from",
        "into",
        "than",
        "then",
        "so",
        "not",
        "no",
        "all",
        "some",
    ]
)


def content_words(text: str) -> list[str]:
    """Return the words of ``text`` that carry meaning (no articles, prepositions or pronouns), folded."""
    return [word for word in normalise_text(text).split() if word not in _STOPWORDS]


def check_text_give_away(store: FactStore, fact: Fact, question: Question) -> list[Problem]:
    """Report a phrase answer that shares a prompt word no wrong option has ("What first was the *film* crew
    after?" with one film among the options): the prompt's words leave the answer alone standing."""
    if not isinstance(fact.answer, TextAnswer) or question.correct_index is None:
        return []
    prompt_words = set(content_words(_without_as_of(store, fact, question.prompt)))
    answer_words = set(content_words(question.choices[question.correct_index]))
    others = [set(content_words(choice)) for i, choice in enumerate(question.choices) if i != question.correct_index]
    if not others:
        return []
    lonely = sorted(word for word in prompt_words & answer_words if not any(word in other for other in others))
    if not lonely:
        return []
    return [
        Problem(
            fact.id,
            question.id,
            f"give-away: the prompt's word {lonely[0]!r} is in the answer and in no wrong option",
        )
    ]


def check_no_future_years(store: FactStore, fact: Fact, question: Question) -> list[Problem]:
    """Report a year option or false statement later than the document for an event the document reports
    as past or present ("2023" for a 2020 event, in a 2021 report): it is absurd, not plausibly wrong."""
    answer = fact.answer
    if not isinstance(answer, NumberAnswer) or answer.unit is not None or not float(answer.value).is_integer():
        return []
    year = store.document_for(fact).meta.date.year
    if not 1000 <= answer.value <= year:
        return []
    if question.kind == QuestionKind.MULTIPLE_CHOICE:
        texts = question.choices
    elif question.kind == QuestionKind.TRUE_FALSE:
        texts = [question.prompt]
    else:
        return []
    late = sorted(
        {int(found) for text in texts for found in re.findall(r"(?<!\d)(\d{4})(?!\d)", text) if int(found) > year}
    )
    if not late:
        return []
    return [Problem(fact.id, question.id, f"year {late[0]} is after the document ({year}): an anachronistic option")]


_REVEAL_SPAN = 2
"""A prompt that repeats this many consecutive meaning words of another fact's phrase answer gives it away."""


def _spans(words: list[str], size: int) -> set[tuple[str, ...]]:
    return {tuple(words[i : i + size]) for i in range(len(words) - size + 1)}


def check_partial_reveals(store: FactStore, bank: QuestionBank) -> list[Problem]:
    """Report a prompt that states the gist of another fact's phrase answer ("centre on a female surgeon"
    when another question asks for the plot): the round cannot tell, as the wording differs from the answer."""
    problems: list[Problem] = []
    spans_by_fact: dict[str, set[tuple[str, ...]]] = {}
    for fact in store.facts.values():
        if isinstance(fact.answer, TextAnswer):
            own = set().union(*(_spans(content_words(prompt), _REVEAL_SPAN) for prompt in fact.prompts))
            spans_by_fact[fact.id] = _spans(content_words(fact.answer.value), _REVEAL_SPAN) - own
    seen: set[tuple[str, str]] = set()
    for question in bank.questions:
        prompt_spans = _spans(content_words(question.prompt), _REVEAL_SPAN)
        for fact_id, spans in spans_by_fact.items():
            if fact_id == question.fact_id or (question.id, fact_id) in seen:
                continue
            if prompt_reveals(question.prompt, answer_spellings(store, store.facts[fact_id])):
                continue  # a whole answer in a prompt: the round draw keeps the two questions apart
            shared = sorted(prompt_spans & spans)
            if shared:
                seen.add((question.id, fact_id))
                problems.append(
                    Problem(
                        question.fact_id,
                        question.id,
                        f"prompt gives away the answer of fact {fact_id} ({' '.join(shared[0])!r})",
                    )
                )
    return problems
