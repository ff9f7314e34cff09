"""Draft fact packs from a plain-text or Markdown document, offline and rule-based (see ``draft_pack``)."""

from questions.extract.document import MAX_DOCUMENT_BYTES, DocumentRejectedError, decode_document
from questions.extract.draft import DRAFT_STATUS, DraftReport, DraftResult, DroppedFact, draft_pack, pack_to_yaml

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
