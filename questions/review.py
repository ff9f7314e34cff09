"""The editor's view of a question bank: one Markdown document to proof a whole pack in one sitting.

Per document and category, each fact shows its answer, every quote that proves it, how the answer is derived
(if it is), and every question generated from it with its options, the right answer and the content checks'
findings. ``python -m questions review [--out FILE]`` writes it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from questions.checks import Problem, find_problems
from questions.generate import QuestionBank
from questions.models import Fact, Question, QuestionKind
from questions.store import FactStore

KIND_LABELS: dict[QuestionKind, str] = {
    QuestionKind.MULTIPLE_CHOICE: "multiple choice",
    QuestionKind.TRUE_FALSE: "true/false",
    QuestionKind.TYPED: "typed",
    QuestionKind.NUMERIC: "numeric",
    QuestionKind.SET: "name them",
}
OPTION_LETTERS = "ABCDEFGHIJ"


def _quote_block(text: str) -> str:
    return "\n".join(f"> {line}" for line in text.splitlines() or [""])


def _escape(text: str) -> str:
    """Keep Markdown from reading option texts and prompts as markup (lists, emphasis, headings)."""
    return text.replace("\\", "\\\\").replace("*", "\\*").replace("_", "\\_").replace("#", "\\#")


def _render_question(question: Question, problems: Iterable[Problem]) -> list[str]:
    lines = [
        f"- `{question.id}` · *{KIND_LABELS[question.kind]}* · difficulty {question.difficulty}",
        f"  **{_escape(question.prompt)}**",
    ]
    for index, choice in enumerate(question.choices):
        mark = "✅" if index == question.correct_index else "▫️"
        letter = OPTION_LETTERS[index] if question.kind == QuestionKind.MULTIPLE_CHOICE else ""
        label = f"{letter}) " if letter else ""
        lines.append(f"  - {mark} {label}{_escape(choice)}")
    lines.append(f"  - Answer: {_escape(question.answer)}")
    lines.extend(f"  - ⚠️ {_escape(problem.message)}" for problem in problems)
    return lines


def _render_fact(store: FactStore, fact: Fact, questions: list[Question], problems: list[Problem]) -> list[str]:
    expected = store.expected_answer(fact)
    lines = [f"#### `{fact.id}` — {_escape(expected.display)}", ""]
    if expected.accepted[1:]:
        lines.append(f"Also accepted: {_escape(', '.join(expected.accepted[1:]))}")
        lines.append("")
    quotes = fact.citations
    lines.append(f"**Quote{'s' if len(quotes) > 1 else ''}:**")
    lines.append("")
    for citation in quotes:
        lines.extend([_quote_block(citation.quote), ""])
    if fact.derivation:
        lines.extend([f"**Derivation:** {_escape(fact.derivation)}", ""])
    fact_level = [problem for problem in problems if problem.question_id is None]
    lines.extend(f"- ⚠️ {_escape(problem.message)}" for problem in fact_level)
    if fact_level:
        lines.append("")
    by_question: dict[str, list[Problem]] = defaultdict(list)
    for problem in problems:
        if problem.question_id is not None:
            by_question[problem.question_id].append(problem)
    for question in questions:
        lines.extend(_render_question(question, by_question.get(question.id, [])))
    if not questions:
        lines.append("*No question is generated from this fact.*")
    lines.append("")
    return lines


def render_review(store: FactStore, bank: QuestionBank, *, seed: int = 0) -> str:
    """Render the whole bank as one Markdown document for a quiz editor."""
    problems = find_problems(store, bank)
    problems_by_fact: dict[str | None, list[Problem]] = defaultdict(list)
    for problem in problems:
        problems_by_fact[problem.fact_id].append(problem)
    questions_by_fact: dict[str, list[Question]] = defaultdict(list)
    for question in bank.questions:
        questions_by_fact[question.fact_id].append(question)

    verdict = "no problems found by the checks" if not problems else f"**{len(problems)} problems** (marked ⚠️)"
    lines = [
        "# Question bank review",
        "",
        f"{len(store.documents)} document(s) · {len(store.facts)} facts · {len(bank.questions)} questions · "
        f"generation seed {seed} · {verdict}.",
        "",
        "Read each fact against its quotes: every answer true, every quote proving it, every option of the "
        "answer's class, no prompt giving its answer away.",
        "",
    ]
    facts_by_document: dict[str, list[Fact]] = defaultdict(list)
    for fact in store.facts.values():
        facts_by_document[store.document_for(fact).meta.id].append(fact)
    for document_id, facts in facts_by_document.items():
        document = store.documents[document_id].meta
        lines.extend([f"## {_escape(document.title)} ({document.date.isoformat()})", ""])
        lines.append(f"Source file: `{document.file}`")
        lines.append("")
        by_category: dict[str, list[Fact]] = defaultdict(list)
        for fact in facts:
            by_category[fact.category].append(fact)
        for category, category_facts in by_category.items():
            lines.extend([f"### {_escape(store.category_label(category))} (`{category}`)", ""])
            for fact in category_facts:
                lines.extend(_render_fact(store, fact, questions_by_fact[fact.id], problems_by_fact[fact.id]))
    orphans = [problem for problem in problems if problem.fact_id not in store.facts]
    if orphans:
        lines.extend(["## Problems outside any fact", ""])
        lines.extend(f"- ⚠️ {_escape(str(problem))}" for problem in orphans)
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
