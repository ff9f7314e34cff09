"""``python -m questions draft``: draft a fact pack from a document, or evaluate a draft against a reference."""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
from pathlib import Path

from questions.extract.document import MAX_DOCUMENT_BYTES, DocumentRejectedError, decode_document
from questions.extract.draft import DraftResult, draft_pack, pack_to_yaml
from questions.extract.evaluate import (
    Score,
    comparables_of_expected,
    draft_comparables,
    is_expected_fixture,
    load_expected,
    load_gold,
    score,
)
from questions.loader import FactPackError

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
DRAFT_HEADER = "# yaml-language-server"
_DRAFT_MARK = "# Drafted by `python -m questions draft`"


def run_draft(args: argparse.Namespace) -> int:
    """Run the ``draft`` verb; return the exit code."""
    if args.evaluate is not None:
        return _evaluate(args.evaluate, args.document, args.expected, args.date)
    if args.date is None:
        print("error: --date YYYY-MM-DD is required (relative words like 'on Tuesday' resolve to it)", file=sys.stderr)
        return EXIT_USAGE
    document = args.document
    # Not *.facts.yaml by default: the bot loads every *.facts.yaml of its seeds folder, and a draft must be
    # reviewed (then renamed) before anyone is asked its questions.
    out: Path = args.out or document.with_name(f"{_stem(document)}.draft.yaml")
    if out.suffix not in {".yaml", ".yml"}:
        print(f"error: {out} must end in .yaml", file=sys.stderr)
        return EXIT_USAGE
    if out.exists() and not out.read_text(encoding="utf-8", errors="replace").startswith(DRAFT_HEADER):
        print(
            f"error: {out} exists and is not a draft; refusing to overwrite it (choose another --out)", file=sys.stderr
        )
        return EXIT_FAILED
    result = _draft(document, args.date, pack_folder=out.parent, pack_name=out.name)
    if result is None:
        return EXIT_FAILED
    out.parent.mkdir(parents=True, exist_ok=True)
    document_copy = out.parent / result.pack.document.file
    if document_copy.resolve() != document.resolve():
        if (
            document_copy.exists()
            and document_copy.read_text(encoding="utf-8", errors="replace") != result.document_text
        ):
            print(f"error: {document_copy} exists; refusing to overwrite it (choose another --out)", file=sys.stderr)
            return EXIT_FAILED
        document_copy.write_text(result.document_text, encoding="utf-8")
    out.write_text(pack_to_yaml(result.pack), encoding="utf-8")
    print(result.report.render())
    print(f"Wrote {out} (document: {document_copy}). Review it, then run: python -m questions validate {out}")
    if out.name.endswith((".facts.yaml", ".facts.yml")):
        print("Note: packs named *.facts.yaml are loaded by the bot from its seeds folder, drafts included.")
    return EXIT_OK


def _stem(path: Path) -> str:
    return path.name.split(".", 1)[0]


def _draft(
    document: Path, date: dt.date, *, pack_folder: Path | None = None, pack_name: str = ""
) -> DraftResult | None:
    """Read and draft a document, printing a clear error and returning None when it cannot be."""
    try:
        if not document.is_file():
            print(f"error: {document} is not a readable file", file=sys.stderr)
            return None
        with document.open("rb") as handle:
            data = handle.read(MAX_DOCUMENT_BYTES + 1)
        text = decode_document(data)
        slug = re.sub(r"[^a-z0-9]+", "-", _stem(document).casefold()).strip("-")[:80] or "document"
        same_folder = pack_folder is not None and pack_folder.resolve() == document.parent.resolve()
        plain_file = (
            document.name if same_folder and document.suffix == ".txt" else f"{pack_name.split('.')[0] or slug}.txt"
        )
        result = draft_pack(text, date, document_id=slug, document_file=plain_file)
    except DocumentRejectedError as exc:
        print(f"error: cannot draft from {document}: {exc}", file=sys.stderr)
        return None
    except OSError as exc:
        print(f"error: cannot read {document}: {exc.strerror or exc}", file=sys.stderr)
        return None
    if same_folder and document.suffix == ".txt" and result.document_text != text.replace("\r\n", "\n"):
        # the plain rendering differs from the file (e.g. Markdown in a .txt): quote from a copy instead
        result = draft_pack(text, date, document_id=slug, document_file=f"{pack_name.split('.')[0]}.txt")
    return result


def evaluate_document(
    gold: Path, document: Path, expected: Path | None = None, date: dt.date | None = None
) -> tuple[DraftResult, Score, Score | None]:
    """Draft ``document`` and score it against ``gold`` (recall) and ``expected`` (precision and recall)."""
    text = decode_document(document.read_bytes()[: MAX_DOCUMENT_BYTES + 1])
    if date is None:
        date = load_expected(expected).date if expected is not None else _gold_date(gold)
    slug = re.sub(r"[^a-z0-9]+", "-", _stem(document).casefold()).strip("-")[:80] or "document"
    result = draft_pack(text, date, document_id=slug, document_file=document.name)
    drafted, plain = draft_comparables(result)
    gold_facts, _ = load_gold(gold, plain)
    gold_score = score(drafted, gold_facts, str(gold))
    expected_score = None
    if expected is not None:
        expected_score = score(drafted, comparables_of_expected(load_expected(expected), plain), str(expected))
    elif is_expected_fixture(gold):
        expected_score = gold_score
    return result, gold_score, expected_score


def _gold_date(gold: Path) -> dt.date:
    if is_expected_fixture(gold):
        return load_expected(gold).date
    _, date = load_gold(gold, "")
    return date


def _evaluate(gold: Path, document: Path, expected: Path | None, date: dt.date | None) -> int:
    try:
        result, gold_score, expected_score = evaluate_document(gold, document, expected, date)
    except DocumentRejectedError as exc:
        print(f"error: cannot draft from {document}: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except FactPackError as exc:
        for error in exc.errors:
            print(error, file=sys.stderr)
        return EXIT_FAILED
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    print(f"Drafted {result.report.kept} facts from {document}.")
    print(gold_score.render(with_precision=expected_score is gold_score))
    if expected_score is not None and expected_score is not gold_score:
        print(expected_score.render(with_precision=True))
    if expected_score is None:
        print("(precision needs an expected-facts fixture: pass --expected FIXTURE)")
    return EXIT_OK
