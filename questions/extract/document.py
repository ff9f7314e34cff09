"""Read an uploaded document safely: size and binary checks, Markdown to plain text, sentences with offsets.

Everything here runs in time linear in the input and refuses what a real article never is (huge, binary,
absurdly long lines or sentences), so a hostile upload costs little and fails with a clear ``DocumentRejectedError``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

MAX_DOCUMENT_BYTES = 256 * 1024
"""Largest document drafted: a long news feature is 20-40 KiB."""

MAX_SENTENCES = 2_000
"""Most sentences read from one document; the rest is ignored (and said so in the report)."""

MAX_SENTENCE_CHARS = 600
"""Longer 'sentences' are run-on lists or garbage: they are skipped, not parsed."""

MAX_CONTROL_SHARE = 0.01
"""Share of control characters above which a file is treated as binary."""

_CODE_FENCE = re.compile(r"^\s{0,3}(```|~~~)")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+")
_BLOCK_PREFIX = re.compile(r"^(?:\s{0,3}(?:>\s?|[-*+]\s+|\d{1,9}[.)]\s+))+")
_RULE = re.compile(r"^\s{0,3}(?:[-*_]\s*){3,}$")
_IMAGE = re.compile(r"!\[([^\]\n]{0,200})\]\([^)\n]{0,500}\)")
_LINK = re.compile(r"\[([^\]\n]{0,200})\]\([^)\n]{0,500}\)")
_EMPHASIS = re.compile(r"(\*\*|__|\*|`)(?=\S)([^*_`\n]{1,300}?)(?<=\S)\1")
_HTML_TAG = re.compile(r"</?[A-Za-z][^<>\n]{0,200}>")
_SPACE_RUN = re.compile(r"[ \t]+")
# A sentence ends at . ! or ? (optionally followed by a closing quote) before whitespace and a capital,
# a digit or an opening quote; abbreviations like "Dr." or "U.S." are handled by _NO_BREAK_BEFORE.
_SENTENCE_END = re.compile(r"(?<=[.!?])([”\"’)]?)\s+(?=[A-Z0-9“\"‘(])|()\n\s*\n")
_NO_BREAK_BEFORE = re.compile(
    r"(?:\b(?:Mr|Mrs|Ms|Dr|Prof|St|Sr|Jr|Gen|Col|Capt|Lt|Sgt|No|vs|etc|Inc|Ltd|Co|Corp|Jan|Feb|Mar|Apr|Jun|Jul|Aug|"
    r"Sep|Sept|Oct|Nov|Dec)|\b[A-Z]|\b(?:[A-Z]\.){1,4}[A-Z])\.[”\"’)]?$"
)


class DocumentRejectedError(ValueError):
    """The document cannot be drafted from; the message says why in one sentence a user can act on."""


@dataclass(frozen=True)
class Sentence:
    """One sentence of the plain text, with its offsets in that text."""

    index: int
    text: str
    start: int

    @property
    def end(self) -> int:
        """Offset just past the sentence in the plain text."""
        return self.start + len(self.text)


@dataclass(frozen=True)
class PlainDocument:
    """The plain text drafted from, its sentences, and what was skipped while reading it."""

    text: str
    sentences: list[Sentence]
    skipped_long: int
    truncated: bool
    was_markdown: bool


def decode_document(data: bytes) -> str:
    """Decode uploaded bytes as UTF-8 text, refusing oversized and binary files."""
    if len(data) > MAX_DOCUMENT_BYTES:
        raise DocumentRejectedError(
            f"the document is {len(data) // 1024} KiB; the limit is {MAX_DOCUMENT_BYTES // 1024} KiB of plain text"
        )
    if b"\x00" in data:
        raise DocumentRejectedError("the document is a binary file, not plain text or Markdown")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DocumentRejectedError(f"the document is not UTF-8 text (bad byte at position {exc.start})") from exc
    return text


def check_text(text: str) -> None:
    """Refuse text that is too long, empty, or mostly control characters."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_DOCUMENT_BYTES:
        raise DocumentRejectedError(f"the document is longer than {MAX_DOCUMENT_BYTES // 1024} KiB of plain text")
    if "\x00" in text:
        raise DocumentRejectedError("the document is a binary file, not plain text or Markdown")
    if not text.strip():
        raise DocumentRejectedError("the document is empty")
    controls = sum(1 for ch in text if unicodedata.category(ch) == "Cc" and ch not in "\n\r\t")
    if controls > MAX_CONTROL_SHARE * len(text):
        raise DocumentRejectedError("the document looks binary: it is full of control characters")


def looks_like_markdown(text: str) -> bool:
    """Return whether the text uses Markdown block or link syntax (headings, quotes, lists, links, fences)."""
    lines = text.splitlines()[:400]
    marked = sum(1 for line in lines if _HEADING.match(line) or _CODE_FENCE.match(line) or _BLOCK_PREFIX.match(line))
    return marked > 0 or _LINK.search(text[:20_000]) is not None


def markdown_to_text(text: str) -> str:
    """Render Markdown as plain prose: drop code blocks, headings' hashes, quote and list markers, link targets.

    Line by line with bounded regexes, so deeply nested quotes or lists cost the same as flat ones.
    """
    out: list[str] = []
    in_code = False
    for raw_line in text.splitlines():
        if _CODE_FENCE.match(raw_line):
            in_code = not in_code
            out.append("")
            continue
        if in_code or _RULE.match(raw_line):
            out.append("")
            continue
        line = _HEADING.sub("", raw_line)
        heading = line != raw_line
        line = _BLOCK_PREFIX.sub("", line)
        line = _IMAGE.sub(r"\1", line)
        line = _LINK.sub(r"\1", line)
        line = _HTML_TAG.sub("", line)
        for _ in range(3):  # nested emphasis (***x***) needs a few passes; each is linear
            line = _EMPHASIS.sub(r"\2", line)
        line = line.rstrip("#").strip() if heading else line.strip()
        if heading:
            # a heading is a sentence of its own, even without a full stop
            out.extend(["", line + ("" if line.endswith((".", "!", "?")) else "."), ""])
        else:
            out.append(line)
    return "\n".join(out)


def split_sentences(text: str) -> tuple[list[Sentence], int, bool]:
    """Split plain text into sentences; return them, how many over-long ones were skipped, and truncation."""
    sentences: list[Sentence] = []
    skipped = 0
    start = 0
    pending_start: int | None = None
    for match in _SENTENCE_END.finditer(text):
        piece_end = match.end(1) if match.group(1) is not None else match.start()
        chunk_start = start if pending_start is None else pending_start
        if _NO_BREAK_BEFORE.search(text[max(chunk_start, piece_end - 12) : piece_end]) and "\n\n" not in match.group():
            pending_start = chunk_start
            start = match.end()
            continue
        pending_start = None
        skipped += _add_sentence(sentences, text, chunk_start, piece_end)
        start = match.end()
        if len(sentences) >= MAX_SENTENCES:
            return sentences, skipped, True
    skipped += _add_sentence(sentences, text, start if pending_start is None else pending_start, len(text))
    return sentences, skipped, False


def _add_sentence(sentences: list[Sentence], text: str, start: int, end: int) -> int:
    piece = text[start:end]
    stripped = piece.strip()
    if not stripped:
        return 0
    if len(stripped) > MAX_SENTENCE_CHARS:
        return 1
    offset = start + (len(piece) - len(piece.lstrip()))
    # A closing quote after the full stop belongs to this sentence.
    sentences.append(Sentence(len(sentences), _SPACE_RUN.sub(" ", stripped.replace("\n", " ")), offset))
    return 0


def read_document(text: str) -> PlainDocument:
    """Check a document's text and return its plain-text rendering split into sentences."""
    check_text(text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    markdown = looks_like_markdown(text)
    plain = markdown_to_text(text) if markdown else text
    sentences, skipped, truncated = split_sentences(plain)
    if not sentences and skipped:
        raise DocumentRejectedError(
            f"the document has no sentence shorter than {MAX_SENTENCE_CHARS} characters: is it prose?"
        )
    if not sentences:
        raise DocumentRejectedError("the document has no sentences to draft facts from")
    return PlainDocument(plain, sentences, skipped, truncated, markdown)
