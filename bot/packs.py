"""A server's own fact packs: drafting one from an uploaded document, and the questions of its approved facts.

Pure Python (no Discord import). Drafting and building a pack's store write a temporary folder and parse YAML:
the cog runs both in a worker thread. Each pack gets a store, bank and matcher of its own: the loader refuses
the same entity name declared twice across packs, and a server's pack must never change the seed questions.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from bot.storage import GuildPack, NewPackFact, PackFact, PackSource, Storage
from questions.extract import MAX_DOCUMENT_BYTES, DocumentRejectedError, decode_document
from questions.generate import QuestionBank, build_bank
from questions.loader import load_store
from questions.matching import AnswerMatcher
from questions.models import Fact, FactPack
from questions.store import FactStore

if TYPE_CHECKING:
    from questions.extract import DraftReport

__all__ = [
    "DOCUMENT_LIMITS",
    "DOCUMENT_SUFFIXES",
    "MAX_DOCUMENT_BYTES",
    "PACK_CATEGORY_PREFIX",
    "DraftedPack",
    "PackQuestions",
    "build_pack_questions",
    "draft_guild_pack",
    "pack_category",
    "pack_name_of",
]

DOCUMENT_SUFFIXES = (".txt", ".md")
"""What `/trivia pack add` accepts: plain text or Markdown."""

DOCUMENT_LIMITS = f"a {' or '.join(DOCUMENT_SUFFIXES)} file of at most {MAX_DOCUMENT_BYTES // 1024} KiB"
"""The documents `/trivia pack add` accepts, as its option and `/trivia help` state them."""

PACK_NAME_CHARS = 40
PACK_CATEGORY_PREFIX = "pack-"
"""A server pack's category id is this plus the pack's name: it never collides with a seed category."""

_NAME_CLEAN = re.compile(r"[^a-z0-9]+")


def pack_name_of(filename: str) -> str:
    """Return a pack's name from its document's file name, as a short slug ("Moon landing.md" -> "moon-landing")."""
    stem = Path(filename).stem.casefold()
    name = _NAME_CLEAN.sub("-", stem).strip("-")[:PACK_NAME_CHARS].strip("-")
    return name or "document"


def pack_category(name: str) -> str:
    """Return the category id of a server pack."""
    return f"{PACK_CATEGORY_PREFIX}{name}"


def check_upload(filename: str, size: int) -> None:
    """Refuse, from the attachment's metadata alone, a file that is not a small text or Markdown document."""
    if Path(filename).suffix.casefold() not in DOCUMENT_SUFFIXES:
        raise DocumentRejectedError(
            f"`{filename[:80]}` is not a plain-text (.txt) or Markdown (.md) file: save the article as one"
        )
    if size > MAX_DOCUMENT_BYTES:
        raise DocumentRejectedError(
            f"the file is {size:,} bytes; the limit is {MAX_DOCUMENT_BYTES // 1024} KiB ({MAX_DOCUMENT_BYTES:,} bytes) "
            "of plain text"
        )
    if size == 0:
        raise DocumentRejectedError("the file is empty")


@dataclass(frozen=True)
class DraftedPack:
    """A pack drafted from an uploaded document, ready to store (see `Storage.create_guild_pack`)."""

    name: str
    title: str
    pack_json: str
    document_text: str
    facts: list[NewPackFact]
    report: DraftReport


def draft_guild_pack(data: bytes, filename: str, date: dt.date) -> DraftedPack:
    """Draft a pack from an uploaded document; raise `DocumentRejectedError` with a sentence for the user.

    Blocking (it writes a temporary folder): run it in a worker thread.
    """
    from questions.extract import draft_pack  # the drafter loads on the first upload, not with every bot

    check_upload(filename, len(data))
    text = decode_document(data)
    name = pack_name_of(filename)
    result = draft_pack(text, date, document_id=name, document_file=f"{name}.txt", category=pack_category(name))
    if not result.pack.facts:
        raise DocumentRejectedError(
            "no quiz facts could be drafted from it: it needs plain sentences saying who did what, where and when"
        )
    store = _load(_pack_dict(result.pack.model_dump(mode="json", exclude_none=True)), result.document_text)
    facts = [
        NewPackFact(
            fact_id=fact.id,
            answer=store.expected_answer(fact).display,
            fact_json=json.dumps(fact.model_dump(mode="json", exclude_none=True), ensure_ascii=False),
        )
        for fact in result.pack.facts
    ]
    without_facts = result.pack.model_copy(update={"facts": []}).model_dump(mode="json", exclude_none=True)
    return DraftedPack(
        name=name,
        title=result.pack.document.title,
        pack_json=json.dumps(without_facts, ensure_ascii=False),
        document_text=result.document_text,
        facts=facts,
        report=result.report,
    )


@dataclass(frozen=True)
class PackQuestions:
    """The questions of one server pack's approved facts, with the store and matcher that judge them."""

    pack: GuildPack
    store: FactStore
    bank: QuestionBank
    matcher: AnswerMatcher

    @property
    def category(self) -> str:
        """The pack's category id."""
        return pack_category(self.pack.name)


def build_pack_questions(pack: GuildPack, source: PackSource, approved: list[PackFact], seed: int) -> PackQuestions:
    """Build the store, bank and matcher of a pack's approved facts (blocking: run it in a worker thread)."""
    raw = json.loads(source.pack_json)
    raw["facts"] = [{**json.loads(fact.fact_json), "status": "approved"} for fact in approved]
    store = _load(_pack_dict(raw), source.document_text)
    return PackQuestions(pack, store, build_bank(store, seed=seed), AnswerMatcher(store))


async def load_pack_questions(storage: Storage, pack: GuildPack, seed: int) -> PackQuestions:
    """Read a pack's approved facts and build their questions (in a worker thread)."""
    source = await storage.guild_pack_source(pack.id)
    if source is None:
        raise LookupError(f"pack {pack.id} is gone")
    approved = await storage.pack_facts(pack.id, status="approved")
    return await asyncio.to_thread(build_pack_questions, pack, source, approved, seed)


def fact_of(fact: PackFact) -> Fact:
    """Return the fact a stored pack fact holds."""
    return Fact.model_validate_json(fact.fact_json)


def _pack_dict(raw: dict[str, Any]) -> dict[str, Any]:
    FactPack.model_validate(raw)  # fail here, with the model's message, rather than deep in the loader
    return raw


def _load(raw: dict[str, Any], document_text: str) -> FactStore:
    """Load one pack and its document through the same loader and checks as the seed packs."""
    with tempfile.TemporaryDirectory(prefix="guild-pack-") as folder:
        root = Path(folder)
        document_file = Path(str(raw["document"]["file"])).name
        (root / document_file).write_text(document_text, encoding="utf-8")
        pack_path = root / "pack.facts.yaml"
        pack_path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
        return load_store([pack_path])
