"""Draft a fact pack from a document: extract candidates, build the pack, keep what passes the content checks.

``draft_pack`` is a pure function of the document's text, its date and the ids to use: a cog can call it in
a worker thread. It validates the draft exactly as ``python -m questions validate`` validates a hand-written
pack (the loader's schema and cross checks, then the content checks on the generated questions), through a
private temporary folder, and drops what fails with the reason in the report.
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from questions.checks import find_problems, year_rests_on_date
from questions.extract.document import DocumentRejectedError, PlainDocument, read_document
from questions.extract.entities import EntityRecord, find_entities
from questions.extract.rules import MAX_PROMPT_CHARS, Candidate, RuleSet, looks_like_instruction
from questions.generate import build_bank
from questions.loader import MAX_ITEMS, FactPackError, load_store, normalise_quote
from questions.models import DateAnswer, Fact, FactPack, QuestionKind

DRAFT_STATUS = "draft"
ID_PREFIX_CHARS = 40
"""Entity and fact ids start with (at most this much of) the document id, so two drafts never collide."""
MAX_VALIDATION_ROUNDS = 6
"""Dropping a fact can expose no new problem in practice; the bound only guards against a loop."""

_ID_CLEAN = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class DroppedFact:
    """A candidate that did not make it into the draft, and why."""

    rule: str
    prompt: str
    reason: str


@dataclass
class DraftReport:
    """What the extractor found and what it dropped."""

    sentences: int
    found: Counter[str] = field(default_factory=Counter)
    """Kept facts per rule ('subject', 'date', 'person-age', ...)."""
    answers: Counter[str] = field(default_factory=Counter)
    """Kept facts per answer type ('entity', 'date', 'number', ...)."""
    dropped: list[DroppedFact] = field(default_factory=list)
    skipped_sentences: int = 0
    statements_removed: int = 0
    """Facts kept without their true/false form, which failed a check."""
    truncated: bool = False
    instructions_ignored: int = 0

    @property
    def kept(self) -> int:
        """How many facts the draft has."""
        return sum(self.found.values())

    def render(self) -> str:
        """The short report printed by ``python -m questions draft``."""
        lines = [f"Drafted {self.kept} facts from {self.sentences} sentences."]
        if self.answers:
            by_answer = ", ".join(f"{kind} {count}" for kind, count in sorted(self.answers.items()))
            lines.append(f"By answer type: {by_answer}. By rule:")
        for rule, count in sorted(self.found.items(), key=lambda item: (-item[1], item[0])):
            lines.append(f"  {rule}: {count}")
        if self.dropped:
            reasons = Counter(_reason_family(drop.reason) for drop in self.dropped)
            lines.append(f"Dropped {len(self.dropped)} candidates:")
            lines.extend(f"  {reason}: {count}" for reason, count in sorted(reasons.items(), key=lambda i: -i[1]))
            lines.extend(f"  - {drop.prompt} ({drop.reason})" for drop in self.dropped[:50])
            if len(self.dropped) > 50:
                lines.append(f"  ... and {len(self.dropped) - 50} more")
        if self.statements_removed:
            lines.append(f"Kept {self.statements_removed} facts without their true/false form, which failed a check.")
        if self.skipped_sentences:
            lines.append(f"Skipped {self.skipped_sentences} over-long sentences.")
        if self.instructions_ignored:
            lines.append(f"Ignored {self.instructions_ignored} sentences that read as instructions, not facts.")
        if self.truncated:
            lines.append("The document was cut short: only its first sentences were read.")
        return "\n".join(lines)


@dataclass(frozen=True)
class DraftResult:
    """A drafted pack (every fact has status 'draft'), the plain text its quotes come from, and the report."""

    pack: FactPack
    document_text: str
    report: DraftReport


def _reason_family(reason: str) -> str:
    return reason.split(":", 1)[0].split("(", 1)[0].strip()


def draft_pack(
    text: str,
    date: dt.date,
    *,
    document_id: str,
    document_file: str,
    title: str | None = None,
    category: str | None = None,
) -> DraftResult:
    """Draft a fact pack from a document's text; raise ``DocumentRejectedError`` for input that is not a document."""
    if not re.fullmatch(r"[a-z0-9][a-z0-9_.-]{0,79}", document_id):
        raise ValueError(f"document id {document_id!r} is not a lowercase slug")
    plain = read_document(text)
    report = DraftReport(
        sentences=len(plain.sentences), skipped_sentences=plain.skipped_long, truncated=plain.truncated
    )
    index = find_entities(plain.sentences)
    rules = RuleSet(index, plain.sentences, date)
    report.instructions_ignored = sum(1 for sentence in plain.sentences if looks_like_instruction(sentence.text))
    category_id = category or _slug(document_id)[:80]
    doc_title = title or _title_of(plain)
    date_line = f"date {date.isoformat()}"
    facts_raw, entity_keys = _facts_from(
        rules.candidates(), report, category_id, document_id, date_line if date_line in plain.text else None
    )
    pack_raw = _pack_dict(
        plain, index.entities, entity_keys, facts_raw, document_id, document_file, doc_title, date, category_id
    )
    _namespace_ids(pack_raw, _slug(document_id)[:ID_PREFIX_CHARS])
    pack = _validate(pack_raw, plain.text, document_file, report)
    for fact in pack.facts:
        report.found[_rule_of(fact.id)] += 1
        report.answers[fact.answer.type] += 1
    return DraftResult(pack, plain.text, report)


def _title_of(plain: PlainDocument) -> str:
    first = plain.sentences[0].text.rstrip(".")
    return first if len(first) <= 120 else first[:117].rsplit(" ", 1)[0] + "..."


def _slug(text: str) -> str:
    return _ID_CLEAN.sub("-", text.casefold()).strip("-") or "draft"


def _rule_of(fact_id: str) -> str:
    """'story.subject--3' -> 'subject'."""
    return fact_id.rsplit(".", 1)[-1].split("--", 1)[0]


def _namespace_ids(pack_raw: dict[str, Any], prefix: str) -> None:
    """Prefix every entity and fact id with the document's: ids are unique across a whole store of packs."""
    renamed = {entity["id"]: f"{prefix}.{entity['id']}"[:80] for entity in pack_raw["entities"]}
    for entity in pack_raw["entities"]:
        entity["id"] = renamed[entity["id"]]
    for fact in pack_raw["facts"]:
        fact["id"] = f"{prefix}.{fact['id']}"
        answer = fact["answer"]
        if answer.get("type") == "entity":
            answer["entity"] = renamed.get(answer["entity"], answer["entity"])
        elif answer.get("type") == "set":
            answer["entities"] = [renamed.get(member, member) for member in answer["entities"]]


def _facts_from(
    candidates: Any, report: DraftReport, category: str, document_id: str, date_line: str | None
) -> tuple[list[dict[str, Any]], set[str]]:
    """Turn rule candidates into fact dicts; a fact whose year rests on the document's date also quotes its date
    line (``date_line``, when the document has one), as `check_year_is_cited` asks of every pack."""
    facts: list[dict[str, Any]] = []
    seen_prompts: set[str] = set()
    entity_keys: set[str] = set()
    counters: Counter[str] = Counter()
    for candidate in candidates:
        assert isinstance(candidate, Candidate)
        key = normalise_quote(candidate.prompt).casefold()
        if key in seen_prompts:
            report.dropped.append(DroppedFact(candidate.rule, candidate.prompt, "duplicate question"))
            continue
        if len(candidate.prompt) > MAX_PROMPT_CHARS:
            report.dropped.append(
                DroppedFact(
                    candidate.rule, candidate.prompt[:80] + "...", f"prompt too long ({len(candidate.prompt)} chars)"
                )
            )
            continue
        if len(facts) >= MAX_ITEMS:
            report.dropped.append(DroppedFact(candidate.rule, candidate.prompt, "too many facts in one document"))
            continue
        seen_prompts.add(key)
        counters[candidate.rule] += 1
        fact: dict[str, Any] = {
            "id": f"{candidate.rule}--{counters[candidate.rule]}",
            "category": category,
            "prompts": [candidate.prompt],
            "answer": dict(candidate.answer),
            "source": {"quote": candidate.quote},
            "status": DRAFT_STATUS,
        }
        answer = DateAnswer.model_validate(candidate.answer) if candidate.answer.get("type") == "date" else None
        if date_line and year_rests_on_date(answer, candidate.quote, candidate.derivation) is not None:
            del fact["source"]
            fact["sources"] = [{"quote": date_line}, {"quote": candidate.quote}]
        if candidate.statement:
            fact["statement"] = candidate.statement
        if candidate.derivation:
            fact["derivation"] = candidate.derivation
        if candidate.as_of:
            fact["as_of"] = True
        facts.append(fact)
        entity_keys.update(candidate.entities)
    return facts, entity_keys


def _pack_dict(
    plain: PlainDocument,
    entities: dict[str, EntityRecord],
    used: set[str],
    facts: list[dict[str, Any]],
    document_id: str,
    document_file: str,
    title: str,
    date: dt.date,
    category: str,
) -> dict[str, Any]:
    entity_dicts: list[dict[str, Any]] = []
    for record in entities.values():
        entity: dict[str, Any] = {"id": record.key, "type": record.type.value, "name": record.name}
        aliases = sorted(alias for alias in record.aliases if alias.casefold() != record.name.casefold())
        if aliases:
            entity["aliases"] = aliases
        if record.surname:
            entity["surname"] = record.surname
        if record.role:
            entity["role"] = record.role
        if record.age is not None:
            entity["age"] = record.age
        entity["source"] = {"quote": record.name if record.name in plain.text else record.quote}
        entity_dicts.append(entity)
    del used  # every entity stays: the others are the distractors of multiple-choice questions
    return {
        "document": {"id": document_id, "file": document_file, "title": title, "date": date.isoformat()},
        "categories": {category: title[:80]},
        "entities": entity_dicts,
        "facts": facts,
    }


def _validate(pack_raw: dict[str, Any], text: str, document_file: str, report: DraftReport) -> FactPack:
    """Drop every fact the loader or the content checks reject, until the pack loads clean."""
    facts: list[dict[str, Any]] = list(pack_raw["facts"])
    prompts = {fact["id"]: fact["prompts"][0] for fact in facts}
    rules = {fact["id"]: _rule_of(fact["id"]) for fact in facts}

    def drop(fact_id: str, reason: str) -> None:
        nonlocal facts
        before = len(facts)
        facts = [fact for fact in facts if fact["id"] != fact_id]
        if len(facts) != before:
            report.dropped.append(DroppedFact(rules[fact_id], prompts[fact_id], reason))

    # Facts that do not even fit the schema are dropped one by one, before the loader sees them.
    for fact in list(facts):
        try:
            Fact.model_validate(fact)
        except ValidationError as exc:
            drop(fact["id"], f"schema: {exc.errors()[0]['msg']}")
    entities: list[dict[str, Any]] = list(pack_raw["entities"])

    def drop_entity(entity_id: str, reason: str) -> None:
        nonlocal entities
        entities = [entity for entity in entities if entity["id"] != entity_id]
        for fact in list(facts):
            if entity_id in _entity_refs(fact["answer"]):
                drop(fact["id"], f"its answer's entity was dropped: {reason}")

    with tempfile.TemporaryDirectory(prefix="draft-") as folder:
        root = Path(folder)
        doc_name = Path(document_file).name
        (root / doc_name).write_text(text, encoding="utf-8")
        for _ in range(MAX_VALIDATION_ROUNDS):
            pack_raw = {**pack_raw, "facts": facts, "entities": entities}
            pack_raw["document"] = {**pack_raw["document"], "file": doc_name}
            pack_path = root / "draft.facts.yaml"
            pack_path.write_text(yaml.safe_dump(pack_raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
            try:
                store = load_store([pack_path])
            except FactPackError as exc:
                entity_ids = {entity["id"] for entity in entities}
                progressed = False
                for error in exc.errors:
                    if error.item is not None and error.item in prompts:
                        drop(error.item, error.message)
                        progressed = True
                    elif error.item is not None and error.item in entity_ids:
                        drop_entity(error.item, error.message)
                        progressed = True
                if not progressed:
                    raise DocumentRejectedError(
                        "the draft could not be built: " + "; ".join(error.message for error in exc.errors[:3])
                    ) from exc
                continue
            bank = build_bank(store)
            problems = find_problems(store, bank)
            if not problems:
                break
            kinds = {question.id: question.kind for question in bank.questions}
            for problem in problems:
                if problem.fact_id is None or problem.fact_id not in prompts:
                    continue
                failing = next((item for item in facts if item["id"] == problem.fact_id), {})
                true_false = kinds.get(problem.question_id or "") == QuestionKind.TRUE_FALSE
                if true_false and "statement" in failing:
                    # only its true/false form fails (e.g. the same sentence as another fact's): keep the rest
                    del failing["statement"]
                    report.statements_removed += 1
                else:
                    drop(problem.fact_id, problem.message)
        else:
            for fact in list(facts):
                drop(fact["id"], "the draft did not settle after repeated checks")
    pack_raw = {**pack_raw, "facts": facts, "entities": entities}
    pack_raw["document"] = {**pack_raw["document"], "file": document_file}
    return FactPack.model_validate(pack_raw)


def _entity_refs(answer: dict[str, Any]) -> set[str]:
    if answer.get("type") == "entity":
        return {str(answer["entity"])}
    if answer.get("type") == "set":
        return {str(member) for member in answer.get("entities", [])}
    return set()


def pack_to_yaml(pack: FactPack) -> str:
    """Render a drafted pack as YAML in the layout of the hand-written packs."""
    data = pack.model_dump(mode="json", exclude_defaults=True)
    for fact, dumped in zip(pack.facts, data.get("facts", []), strict=True):
        # the answer's type is its default, but it is the discriminator a reader needs
        dumped["answer"] = {"type": fact.answer.type, **dumped["answer"]}
        dumped["status"] = fact.status
    header = (
        "# yaml-language-server: $schema=factpack.schema.json\n"
        "# Drafted by `python -m questions draft`: review every fact before use.\n"
    )
    return header + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=120)
