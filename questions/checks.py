"""Content checks over a generated question bank: answers never leak, distractors are never true.

Each problem is one line naming the question id and fact id, so tests and ``python -m questions validate``
can report them all at once.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from dataclasses import dataclass

from questions.generate import (
    FALSE_CHOICE,
    OPTION_COUNT,
    TRUE_CHOICE,
    QuestionBank,
    as_of_label,
    mentions,
    normalise_text,
    statement_pattern_parts,
    truth_texts,
)
from questions.models import (
    AnswerType,
    DateAnswer,
    DurationAnswer,
    Fact,
    NumberAnswer,
    Question,
    QuestionKind,
    TimeAnswer,
)
from questions.store import FactStore, format_date, format_number

log = logging.getLogger(__name__)

_LEADING_NUMBER = re.compile(r"^\s*([-+]?\d+(?:\.\d+)?)")
_CLOCK_TIME = re.compile(r"^\s*(\d{1,2}):?(\d{2})\b")


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
    problems.extend(check_consistent_answers(store, bank))
    for question in bank.questions:
        fact = store.facts.get(question.fact_id)
        if fact is None:
            problems.append(Problem(question.fact_id, question.id, "fact is not in the store"))
            continue
        problems.extend(check_prompt_hides_answer(store, fact, question))
        if question.kind == QuestionKind.MULTIPLE_CHOICE:
            problems.extend(check_multiple_choice(store, fact, question))
        elif question.kind == QuestionKind.TRUE_FALSE:
            problems.extend(check_true_false(store, fact, question))
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


def _answer_spellings(store: FactStore, fact: Fact) -> list[str]:
    """Return the texts that would give the answer away if a prompt contained them."""
    answer = fact.answer
    if isinstance(answer, NumberAnswer | DurationAnswer):
        return [format_number(answer.value, None)]
    if isinstance(answer, DateAnswer):
        return [format_date(answer.value), f"{answer.value:%B} {answer.value.day}"]
    if isinstance(answer, TimeAnswer):
        return [f"{answer.value:%H:%M}", f"{answer.value:%H%M}"]
    return truth_texts(store, fact)


def check_prompt_hides_answer(store: FactStore, fact: Fact, question: Question) -> list[Problem]:
    """Report a prompt containing its answer, an alias or a surname (true/false statements excepted)."""
    if question.kind == QuestionKind.TRUE_FALSE:
        return []
    prompt = _without_as_of(store, fact, question.prompt)
    numeric = isinstance(fact.answer, NumberAnswer | DurationAnswer)
    for spelling in _answer_spellings(store, fact):
        if numeric:
            # "37-year-old" gives 37 away, but the 19 of "Soyuz MS-19" and the 5 of "2.5" are other tokens
            found = re.search(rf"(?<![\w.-]){re.escape(spelling)}(?!\w|\.\d)", prompt) is not None
        else:
            found = mentions(prompt, spelling)
        if found:
            return [Problem(fact.id, question.id, f"prompt contains its answer {spelling!r}")]
    return []


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
