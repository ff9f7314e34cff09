"""The ``draft`` verb's command-line arguments, apart from the drafter so that building the parser stays cheap."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

__all__ = ["add_draft_parser"]


def add_draft_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``draft`` verb to the command line."""
    draft = commands.add_parser(
        "draft",
        help="draft a fact pack from a plain-text or Markdown document (or evaluate a draft)",
        description="Draft a fact pack from a document: every fact gets status 'draft' and its verbatim quote. "
        "With --evaluate, compare the draft with a hand-written pack or an expected-facts fixture instead.",
    )
    draft.add_argument("document", type=Path, metavar="DOCUMENT", help="a .txt or .md document")
    draft.add_argument("--date", type=_iso_date, help="the document's date, YYYY-MM-DD (relative words resolve to it)")
    draft.add_argument("--out", type=Path, metavar="PACK", help="where to write the pack (default: beside DOCUMENT)")
    draft.add_argument(
        "--evaluate", type=Path, metavar="GOLD_PACK", help="compare the draft with this pack or *.expected.yaml"
    )
    draft.add_argument(
        "--expected", type=Path, metavar="FIXTURE", help="with --evaluate: the expected-facts fixture judging precision"
    )


def _iso_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2021-10-05") from exc
