"""The ``python -m questions`` command line: validate fact packs, list generated questions, judge answers."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from questions.checks import find_problems
from questions.extract.arguments import add_draft_parser  # not the drafter: it loads for `draft` only
from questions.generate import ROUND_KINDS, build_bank
from questions.loader import FactPackError, default_seeds_dir, discover_packs, load_store
from questions.matching import AnswerMatcher
from questions.models import Question, QuestionKind
from questions.review import render_review
from questions.settings import PackSettings
from questions.store import FactStore

log = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2

_OPTION_LETTERS = "ABCDEFGHIJ"


def main(argv: Sequence[str] | None = None, *, prog: str = "python -m questions") -> int:
    """Run the command line and return its exit code (0 ok, 1 failed/rejected, 2 usage error)."""
    parser = _build_parser(prog)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits on --help and on usage errors; callers want a code
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    try:
        settings = PackSettings()  # SEEDS_DIR and QUESTION_SEED from the environment or .env
    except ValidationError as exc:
        for problem in exc.errors():
            key = str(problem["loc"][0]).upper() if problem["loc"] else "settings"
            print(f"error: {key}: {problem['msg']}", file=sys.stderr)
        return EXIT_USAGE
    command: str = args.command
    if command == "draft":
        from questions.extract.command import run_draft

        return run_draft(args)
    packs: list[Path] = [*getattr(args, "paths", []), *(args.packs or [])] or [settings.seeds_dir]
    seed: int = settings.question_seed if args.seed is None else args.seed
    if command == "validate":
        return _validate(packs, seed=seed)
    if command == "list":
        return _list(packs, seed=seed, category=args.category, kind=args.kind, as_json=args.json)
    if command == "review":
        return _review(packs, seed=seed, out=args.out)
    return _check(packs, seed=seed, question_id=args.question_id, answer=args.answer)


def run(argv: Sequence[str] | None = None, *, prog: str = "python -m questions") -> int:
    """Run :func:`main` for a console: a reader that goes away (``| head``) ends it quietly, with no traceback."""
    try:
        exit_code = main(argv, prog=prog)
        sys.stdout.flush()
    except BrokenPipeError:
        # Keep Python from failing again when it flushes stdout at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    return exit_code


def _build_parser(prog: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog, description="Validate fact packs and inspect the questions generated from them."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    validate = commands.add_parser("validate", help="load fact packs and run the content checks")
    validate.add_argument(
        "paths", nargs="*", type=Path, metavar="PATHS", help="pack files or folders (same as --packs)"
    )
    _add_common_options(validate)

    listing = commands.add_parser("list", help="print the generated questions")
    add_selection_options(listing)
    listing.add_argument("--json", action="store_true", help="print a JSON list instead of text blocks")
    _add_common_options(listing)

    review = commands.add_parser(
        "review", help="write the whole bank as one Markdown document for a quiz editor to proof"
    )
    review.add_argument("--out", type=Path, metavar="FILE", help="write to FILE instead of printing")
    _add_common_options(review)

    check = commands.add_parser("check", help="judge an answer to one question")
    check.add_argument("question_id", metavar="QUESTION_ID", help="a question id, as shown by `list`")
    check.add_argument("answer", metavar="ANSWER", help="the answer text to judge (quote it)")
    _add_common_options(check)

    add_draft_parser(commands)
    return parser


PACKS_HELP = "pack files or folders (default: SEEDS_DIR, else the bundled seeds)"
"""Help of ``--packs``, the same in every command that reads fact packs (here and in ``play``)."""


def add_packs_option(parser: argparse.ArgumentParser) -> None:
    """Add ``--packs PATH...``, the option every command that reads fact packs shares."""
    parser.add_argument("--packs", nargs="+", type=Path, metavar="PATH", help=PACKS_HELP)


def add_selection_options(parser: argparse.ArgumentParser) -> None:
    """Add ``--category`` and ``--kind``, shared by ``list`` and ``play``."""
    kinds = ", ".join(dict.fromkeys([*ROUND_KINDS, *(kind.value for kind in QuestionKind)]))
    parser.add_argument("--category", default=None, help="only this category id (default: all)")
    parser.add_argument("--kind", default=None, help=f"only this kind: {kinds} (default: all)")


def _add_common_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--seed", type=int, default=None, help="generation seed: picks distractors and option order (QUESTION_SEED)"
    )
    add_packs_option(parser)


# --------------------------------------------------------------------------- loading


def _load(paths: Sequence[Path] | None) -> FactStore | None:
    """Load the store, printing every problem on stderr and returning None if it cannot be loaded."""
    try:
        return load_store(list(paths) if paths else None)
    except FactPackError as exc:
        for error in exc.errors:
            print(error, file=sys.stderr)
    except OSError as exc:
        print(f"error: cannot read fact packs: {exc}", file=sys.stderr)
    return None


def _pack_files_by_document(paths: Sequence[Path] | None) -> dict[str, str]:
    """Map document id -> the pack file declaring it, so content problems can name their file."""
    files: dict[str, str] = {}
    try:
        pack_paths = discover_packs(list(paths) if paths else [default_seeds_dir()])
    except FactPackError:
        return files
    for pack_path in pack_paths:
        try:
            text = pack_path.read_text(encoding="utf-8-sig")
            raw = tomllib.loads(text) if pack_path.suffix == ".toml" else yaml.safe_load(text)
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, yaml.YAMLError):
            continue  # already loaded once by load_store; a failure here only loses the file name
        document = raw.get("document") if isinstance(raw, dict) else None
        if isinstance(document, dict) and isinstance(document.get("id"), str):
            files.setdefault(document["id"], _display(pack_path))
    return files


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


# --------------------------------------------------------------------------- validate


def _validate(paths: Sequence[Path] | None, *, seed: int = 0) -> int:
    store = _load(paths)
    if store is None:
        return EXIT_FAILED
    bank = build_bank(store, seed=seed)
    problems = find_problems(store, bank)
    if problems:
        files = _pack_files_by_document(paths)
        for problem in problems:
            fact = store.facts.get(problem.fact_id or "")
            file = files.get(store.document_for(fact).meta.id) if fact is not None else None
            print(f"{file}: {problem}" if file else str(problem), file=sys.stderr)
        return EXIT_FAILED
    print(
        f"OK: {len(store.documents)} documents, {len(store.entities)} entities, "
        f"{len(store.facts)} facts, {len(bank.questions)} questions"
    )
    return EXIT_OK


# --------------------------------------------------------------------------- list


def _list(packs: Sequence[Path] | None, *, seed: int, category: str | None, kind: str | None, as_json: bool) -> int:
    store = _load(packs)
    if store is None:
        return EXIT_FAILED
    bank = build_bank(store, seed=seed)
    if category is not None:
        valid_categories = sorted({*store.categories, *bank.categories()})
        if category not in valid_categories:
            print(
                f"error: unknown category {category!r}; valid categories: {', '.join(valid_categories)}",
                file=sys.stderr,
            )
            return EXIT_USAGE
    wanted_kinds: frozenset[QuestionKind] | None = None
    if kind is not None:
        wanted_kinds = kinds_named(kind)
        if wanted_kinds is None and kind.replace("-", "_").casefold() != "mixed":
            valid_kinds = ", ".join(dict.fromkeys([*ROUND_KINDS, *(k.value for k in QuestionKind)]))
            print(f"error: unknown kind {kind!r}; valid kinds: {valid_kinds}", file=sys.stderr)
            return EXIT_USAGE
    selected = [
        question
        for question in bank.questions
        if (category is None or question.category == category)
        and (wanted_kinds is None or question.kind in wanted_kinds)
    ]
    if as_json:
        print(json.dumps([question_to_json(question) for question in selected], indent=2, ensure_ascii=False))
    elif not selected:
        print("No questions match.", file=sys.stderr)
    else:
        print("\n\n".join(render_question(question, show_answer=True) for question in selected))
    return EXIT_OK


def kinds_named(name: str) -> frozenset[QuestionKind] | None:
    """Return the question kinds a ``--kind`` value selects: a round kind or one question kind (None: all)."""
    key = name.replace("-", "_").replace(" ", "_").casefold()
    if key in ROUND_KINDS:
        return ROUND_KINDS[key]
    try:
        return frozenset({QuestionKind(key)})
    except ValueError:
        return None


def question_to_json(question: Question) -> dict[str, Any]:
    """Return the JSON object `list --json` prints for one question."""
    return {
        "id": question.id,
        "kind": question.kind.value,
        "category": question.category,
        "prompt": question.prompt,
        "choices": list(question.choices),
        "correct_index": question.correct_index,
        "answer": question.answer,
        "fact_id": question.fact_id,
        "quote": question.quote,
        "quotes": list(question.quotes),
        "derivation": question.derivation,
        "difficulty": question.difficulty,
        "document": question.document_id,
        "document_title": question.document_title,
    }


def render_question(question: Question, *, show_answer: bool) -> str:
    """Render one question as a text block: id line, prompt, lettered options, and the answer."""
    lines = [
        f"{question.id}  [{question.kind.value} · {question.category} · difficulty {question.difficulty}]",
        f"  {question.prompt}",
    ]
    for index, choice in enumerate(question.choices):
        marker = "*" if show_answer and index == question.correct_index else " "
        lines.append(f"  {marker} {_OPTION_LETTERS[index]}) {choice}")
    if show_answer:
        lines.append(f"  Answer: {question.answer}")
    return "\n".join(lines)


# --------------------------------------------------------------------------- review


def _review(packs: Sequence[Path] | None, *, seed: int, out: Path | None) -> int:
    store = _load(packs)
    if store is None:
        return EXIT_FAILED
    bank = build_bank(store, seed=seed)
    document = render_review(store, bank, seed=seed)
    if out is None:
        sys.stdout.write(document)
        return EXIT_OK
    try:
        out.write_text(document, encoding="utf-8")
    except OSError as exc:
        print(f"error: cannot write {out}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_FAILED
    print(f"Wrote the review of {len(store.facts)} facts and {len(bank.questions)} questions to {out}", file=sys.stderr)
    return EXIT_OK


# --------------------------------------------------------------------------- check


def _check(packs: Sequence[Path] | None, *, seed: int, question_id: str, answer: str) -> int:
    store = _load(packs)
    if store is None:
        return EXIT_FAILED
    bank = build_bank(store, seed=seed)
    question = bank.get(question_id)
    if question is None:
        print(
            f"error: unknown question id {question_id!r}; run `python -m questions list` to see the ids",
            file=sys.stderr,
        )
        return EXIT_USAGE
    verdict = AnswerMatcher(store).judge(question, answer)
    print(render_question(question, show_answer=False))
    print(f"Your answer: {answer}")
    outcome = "accepted" if verdict.accepted else "rejected"
    print(f"Result: {outcome} (credit {verdict.credit:g}, {verdict.code})")
    print(f"Reason: {verdict.reason}")
    print(f"Right answer: {question.answer}")
    return EXIT_OK if verdict.accepted else EXIT_FAILED
