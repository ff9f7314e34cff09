"""Draft fact packs from a plain-text or Markdown document, offline and rule-based (see ``draft_pack``)."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from questions.extract.document import MAX_DOCUMENT_BYTES, DocumentRejectedError, decode_document

if TYPE_CHECKING:
    from questions.extract.draft import (
        DRAFT_STATUS,
        DraftReport,
        DraftResult,
        DroppedFact,
        draft_pack,
        pack_to_yaml,
    )

__all__ = [
    "DRAFT_STATUS",
    "MAX_DOCUMENT_BYTES",
    "DocumentRejectedError",
    "DraftReport",
    "DraftResult",
    "DroppedFact",
    "decode_document",
    "draft_pack",
    "pack_to_yaml",
]

_DRAFT_NAMES = frozenset({"DRAFT_STATUS", "DraftReport", "DraftResult", "DroppedFact", "draft_pack", "pack_to_yaml"})


def __getattr__(name: str) -> Any:
    """Import the drafter (its NLP word lists and date parser: ~0.1-0.2 s) on first use, not with the package:
    every bot process imports the document limits from here, and few ever draft a pack."""
    if name in _DRAFT_NAMES:
        return getattr(importlib.import_module("questions.extract.draft"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
