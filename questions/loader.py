"""Load fact packs from disk into a validated ``FactStore``, reporting every problem at once.

A fact pack is a ``*.facts.yaml`` / ``*.facts.yml`` / ``*.facts.toml`` file beside its source document.
Loading never stops at the first problem: each file is parsed, validated and cross-checked against every
other pack, and all problems are raised together as one ``FactPackError`` whose lines read
``FILE: ITEM: MESSAGE``. Hostile files (huge, aliased, deeply nested, wrongly typed) are refused quickly.
"""

from __future__ import annotations

import copy
import datetime as dt
import difflib
import hashlib
import importlib.resources
import logging
import os
import re
import tomllib
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from questions.cache_files import PYTHON_TAG, cache_folder, read_cached, write_cached
from questions.models import (
    CITATION_REQUIRED,
    DateAnswer,
    Document,
    DurationAnswer,
    Entity,
    EntityAnswer,
    Fact,
    FactPack,
    NumberAnswer,
    QuestionKind,
    Relation,
    SetAnswer,
    Source,
    TextAnswer,
    TimeAnswer,
)
from questions.store import FactStore, LoadedDocument

log = logging.getLogger(__name__)

ModelT = TypeVar("ModelT", bound=BaseModel)

MAX_FILE_BYTES = 1024 * 1024
"""Packs and documents larger than this are refused unread: real ones are a few kilobytes."""

MAX_NESTING = 32
"""Deepest YAML nesting accepted; a real pack is about six levels deep."""

MAX_YAML_NODES = 20_000
"""Most YAML values read from one pack (the seed pack has about 2,500): bounds parse time on hostile input."""

MAX_ITEMS = 1_000
"""Most entities or facts in one pack: bounds validation time and the length of the error report."""

MAX_ERRORS_PER_FILE = 100
"""Errors listed per file before the rest are summarised in one line."""

_UNREADABLE = object()
"""Returned by the file parser when the file could not be read (``None`` is a valid, empty YAML file)."""

PACK_PATTERNS = ("*.facts.yaml", "*.facts.yml", "*.facts.toml")
ANSWER_PLACEHOLDER = "{answer}"

_CURLY_QUOTES = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'"})
_WHITESPACE_RUN = re.compile(r"\s+")
_VALID_ID = re.compile(r"[a-z0-9][a-z0-9_.-]{0,79}")

_KINDS_BY_ANSWER: dict[type[BaseModel], frozenset[QuestionKind]] = {
    EntityAnswer: frozenset({QuestionKind.MULTIPLE_CHOICE, QuestionKind.TRUE_FALSE, QuestionKind.TYPED}),
    NumberAnswer: frozenset(
        {QuestionKind.MULTIPLE_CHOICE, QuestionKind.TRUE_FALSE, QuestionKind.TYPED, QuestionKind.NUMERIC}
    ),
    DurationAnswer: frozenset(
        {QuestionKind.MULTIPLE_CHOICE, QuestionKind.TRUE_FALSE, QuestionKind.TYPED, QuestionKind.NUMERIC}
    ),
    DateAnswer: frozenset({QuestionKind.MULTIPLE_CHOICE, QuestionKind.TRUE_FALSE, QuestionKind.TYPED}),
    TimeAnswer: frozenset({QuestionKind.MULTIPLE_CHOICE, QuestionKind.TRUE_FALSE, QuestionKind.TYPED}),
    TextAnswer: frozenset({QuestionKind.MULTIPLE_CHOICE, QuestionKind.TRUE_FALSE, QuestionKind.TYPED}),
    SetAnswer: frozenset({QuestionKind.SET, QuestionKind.MULTIPLE_CHOICE, QuestionKind.TRUE_FALSE, QuestionKind.TYPED}),
}
_ANSWER_TAGS = frozenset({"entity", "number", "date", "time", "duration", "text", "set"})
_PACK_MODELS: tuple[type[BaseModel], ...] = (FactPack, Document, Entity, Source, Relation, Fact, *_KINDS_BY_ANSWER)
_KNOWN_FIELDS = sorted({name for model in _PACK_MODELS for name in model.model_fields})


# --------------------------------------------------------------------------- errors


@dataclass(frozen=True)
class PackError:
    """One problem of one pack: the file, the fact/entity id or field path, and a plain message."""

    file: str
    item: str | None
    message: str

    def __str__(self) -> str:
        if self.item is None:
            return f"{self.file}: {self.message}"
        return f"{self.file}: {self.item}: {self.message}"


class FactPackError(Exception):
    """Raised when fact packs cannot be loaded; ``errors`` holds every problem found."""

    def __init__(self, errors: Sequence[PackError]) -> None:
        self.errors: list[PackError] = list(errors)
        count = len(self.errors)
        header = f"{count} problem{'s' if count != 1 else ''} in fact packs:"
        super().__init__("\n".join([header, *(f"  {error}" for error in self.errors)]))


# --------------------------------------------------------------------------- public helpers


def normalise_quote(text: str) -> str:
    """Straighten curly quotes and collapse every run of whitespace to one space, for quote matching."""
    return _WHITESPACE_RUN.sub(" ", text.translate(_CURLY_QUOTES)).strip()


SEEDS_DIR_VARIABLE = "SEEDS_DIR"
"""The environment variable (or ``.env`` key) naming the folder of documents and fact packs."""
DEPRECATED_SEEDS_DIR_VARIABLE = "ORBIT_SEEDS_DIR"
"""The old, undocumented name of ``SEEDS_DIR``: still read, with a warning, when ``SEEDS_DIR`` is not set."""


def bundled_seeds_dir() -> Path:
    """Return the documents and packs shipped with the code.

    An installed package carries the repository's ``seeds/`` as the package data ``questions/seeds``; a source
    checkout (or an editable install) uses the ``seeds/`` folder beside ``questions/``.
    """
    shipped = importlib.resources.files("questions") / "seeds"
    if isinstance(shipped, Path) and shipped.is_dir():
        return shipped
    return Path(__file__).resolve().parent.parent / "seeds"


def default_seeds_dir() -> Path:
    """Return ``$SEEDS_DIR`` if set, else the deprecated ``$ORBIT_SEEDS_DIR``, else the bundled packs."""
    configured = os.environ.get(SEEDS_DIR_VARIABLE)
    if configured:
        return Path(configured)
    deprecated = os.environ.get(DEPRECATED_SEEDS_DIR_VARIABLE)
    if deprecated:
        log.warning("%s is deprecated: set %s instead", DEPRECATED_SEEDS_DIR_VARIABLE, SEEDS_DIR_VARIABLE)
        return Path(deprecated)
    return bundled_seeds_dir()


def discover_packs(paths: Sequence[Path]) -> list[Path]:
    """Expand directories into the fact packs they hold (recursively, sorted); keep files as given."""
    found: list[Path] = []
    missing: list[PackError] = []
    for path in paths:
        if path.is_dir():
            in_dir = {p for pattern in PACK_PATTERNS for p in path.rglob(pattern) if p.is_file()}
            found.extend(sorted(in_dir))
        elif path.is_file():
            found.append(path)
        else:
            missing.append(PackError(_display(path), None, "no such file or directory"))
    if missing:
        raise FactPackError(missing)
    unique: dict[Path, Path] = {}
    for path in found:
        unique.setdefault(path.resolve(), path)
    return list(unique.values())


def load_store(paths: Sequence[Path] | None = None) -> FactStore:
    """Load, validate and cross-check every pack under ``paths`` (default: the seeds dir) into a store."""
    roots = [default_seeds_dir()] if paths is None else list(paths)
    pack_paths = discover_packs(roots)
    if not pack_paths:
        where = ", ".join(_display(p) for p in roots) or "(no paths given)"
        raise FactPackError([PackError(where, None, "no fact packs found (expected *.facts.yaml or *.facts.toml)")])
    packs = [_read_pack(path) for path in pack_paths]
    errors = [error for pack in packs for error in pack.errors]
    errors.extend(_cross_check(packs))
    if errors:
        raise FactPackError(_cap_per_file(errors))
    store = _build_store(packs)
    log.info(
        "loaded %d facts and %d entities from %d fact packs",
        len(store.facts),
        len(store.entities),
        len(packs),
    )
    return store


def _cap_per_file(errors: Sequence[PackError]) -> list[PackError]:
    """Keep the first MAX_ERRORS_PER_FILE errors of each file and summarise the rest in one line."""
    kept: list[PackError] = []
    count_by_file: dict[str, int] = {}
    for error in errors:
        count_by_file[error.file] = count_by_file.get(error.file, 0) + 1
        if count_by_file[error.file] <= MAX_ERRORS_PER_FILE:
            kept.append(error)
    for file, count in count_by_file.items():
        if count > MAX_ERRORS_PER_FILE:
            kept.append(PackError(file, None, f"... and {count - MAX_ERRORS_PER_FILE} more problems in this file"))
    return kept


# --------------------------------------------------------------------------- reading one pack


@dataclass
class _ParsedPack:
    """What could be read from one file: valid parts are kept even when other parts are broken."""

    path: Path
    display: str
    errors: list[PackError] = field(default_factory=list)
    document: Document | None = None
    document_text: str | None = None
    document_path: Path | None = None
    categories: dict[str, str] = field(default_factory=dict)
    entities: list[Entity] = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)
    # ids of items present in the file but invalid: references to them are not reported as unknown
    broken_ids: set[str] = field(default_factory=set)

    def error(self, item: str | None, message: str) -> None:
        """Record one problem of this pack."""
        self.errors.append(PackError(self.display, item, message))


def _read_pack(path: Path) -> _ParsedPack:
    pack = _ParsedPack(path=path, display=_display(path))
    raw = _parse_file(pack)
    if raw is _UNREADABLE:
        return pack
    if raw is None:
        pack.error(None, "the file is empty: a fact pack needs at least a 'document' mapping")
        return pack
    if not isinstance(raw, dict):
        pack.error(None, f"the top level must be a mapping with a 'document' key, not {_type_name(raw)}")
        return pack
    oversized = [key for key in ("entities", "facts") if isinstance(raw.get(key), list) and len(raw[key]) > MAX_ITEMS]
    for key in oversized:
        pack.error(key, f"{len(raw[key])} items is more than {MAX_ITEMS}: split the pack into smaller ones")
    if oversized:
        return pack
    try:
        validated = FactPack.model_validate(raw)
    except ValidationError as exc:
        # dict.fromkeys de-duplicates while keeping order: `int | float` fields fail once per member
        described = dict.fromkeys(_describe_validation_error(details, raw) for details in exc.errors())
        # a fact with other errors never reaches its citation check: report a missing quote with them
        described.update(dict.fromkeys(_missing_citations(raw)))
        for item, message in described:
            pack.error(item, message)
        _salvage(pack, raw)
    except RecursionError:
        pack.error(None, "the data is nested too deeply to validate")
        return pack
    else:
        pack.document = validated.document
        pack.categories = dict(validated.categories)
        pack.entities = list(validated.entities)
        pack.facts = list(validated.facts)
    if pack.document is not None:
        _read_document(pack, pack.document)
    return pack


def _missing_citations(raw: Mapping[str, Any]) -> list[tuple[str | None, str]]:
    """Return (item, message) for every raw fact that gives neither 'source' nor 'sources'."""
    facts = raw.get("facts")
    missing: list[tuple[str | None, str]] = []
    for index, item in enumerate(facts if isinstance(facts, list) else []):
        if not isinstance(item, dict) or item.get("source") is not None or item.get("sources"):
            continue
        raw_id = item.get("id")
        label = raw_id if isinstance(raw_id, str) and _VALID_ID.fullmatch(raw_id) else f"facts[{index}]"
        missing.append((label, CITATION_REQUIRED))
    return missing


def _parse_file(pack: _ParsedPack) -> object:
    """Return the raw data of a pack file, or ``_UNREADABLE`` after recording why it cannot be read."""
    suffix = pack.path.suffix.lower()
    if suffix not in {".yaml", ".yml", ".toml"}:
        pack.error(None, "unsupported file type: fact packs end in .facts.yaml, .facts.yml or .facts.toml")
        return _UNREADABLE
    data = _read_limited(pack, pack.path, "fact pack")
    if data is None:
        return _UNREADABLE
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        pack.error(None, f"not valid UTF-8 text (byte {exc.start})")
        return _UNREADABLE
    key = (suffix, hashlib.blake2b(data, digest_size=16).digest())
    if key in _parsed_packs:
        return copy.deepcopy(_parsed_packs[key])
    kept = _kept_parse_file(key)
    if kept is not None and isinstance(parsed := _from_plain(read_cached(kept)), dict):
        _remember_parse(key, parsed)
        return parsed
    try:
        parsed = tomllib.loads(text) if suffix == ".toml" else yaml.load(text, Loader=_PackYamlLoader)
    except tomllib.TOMLDecodeError as exc:
        pack.error(None, f"TOML syntax error: {exc}")
    except yaml.MarkedYAMLError as exc:
        pack.error(None, _describe_yaml_error(exc))
    except yaml.YAMLError as exc:
        pack.error(None, f"YAML error: {exc}")
    except RecursionError:
        pack.error(None, "nested too deeply to parse")
    else:
        _remember_parse(key, parsed)
        if kept is not None and isinstance(parsed, dict):
            write_cached(kept, _to_plain(parsed), keep=_PARSE_FILES_KEPT)
        return parsed
    return _UNREADABLE


def _remember_parse(key: tuple[str, bytes], parsed: object) -> None:
    if len(_parsed_packs) >= _PARSED_PACKS_KEPT:
        _parsed_packs.pop(next(iter(_parsed_packs)))
    _parsed_packs[key] = copy.deepcopy(parsed)


def _to_plain(value: object) -> object:
    """Return parsed YAML as marshal's plain data: a date (or time stamp) becomes a tagged tuple (YAML makes none)."""
    if isinstance(value, dict):
        return {key: _to_plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_to_plain(item) for item in value]
    if isinstance(value, dt.datetime):
        return (_DATETIME_TAG, value.isoformat())
    if isinstance(value, dt.date):
        return (_DATE_TAG, value.isoformat())
    return value


def _from_plain(value: object) -> object:
    """Undo `_to_plain`."""
    if isinstance(value, dict):
        return {key: _from_plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_from_plain(item) for item in value]
    if isinstance(value, tuple) and len(value) == 2 and isinstance(value[1], str):
        if value[0] == _DATETIME_TAG:
            return dt.datetime.fromisoformat(value[1])
        if value[0] == _DATE_TAG:
            return dt.date.fromisoformat(value[1])
    return value


_DATE_TAG, _DATETIME_TAG = "date", "datetime"


def _kept_parse_file(key: tuple[str, bytes]) -> Path | None:
    """Return the cache file of a YAML pack's parsed data (None for TOML, which parses fast, or without a cache)."""
    suffix, digest = key
    folder = cache_folder()
    if suffix == ".toml" or folder is None:
        return None
    return folder / "packs" / f"{_PARSE_CACHE_FORMAT}-{PYTHON_TAG}-pyyaml{yaml.__version__}-{digest.hex()}.marshal"


_PARSED_PACKS_KEPT = 16
_parsed_packs: dict[tuple[str, bytes], object] = {}
"""The raw data of the last pack files parsed, by their bytes' digest: parsing YAML in pure Python takes ~0.1 s a
pack, and a process (the tests, a benchmark driver) often loads the same pack again. Handed out as copies."""

_PARSE_CACHE_FORMAT = 1
"""Bumped when the parser's output changes (``_PackYamlLoader``): a pack's data is kept between processes, by the
digest of its bytes, Python's and PyYAML's versions. Only a successful parse is kept (a broken pack is parsed, and
its errors reported, every time); what is read back is then validated like a fresh parse. Parsing the seed pack
takes ~0.064 s of CPU, and `load_store` as a whole 0.076 s against 0.013 s when it is read back: every bot process,
command and test worker loads it."""
_PARSE_FILES_KEPT = 32
"""Most packs' data kept: the oldest go first."""


def _read_limited(pack: _ParsedPack, path: Path, what: str, item: str | None = None) -> bytes | None:
    """Read at most MAX_FILE_BYTES of a file, recording an error if it is missing, special or bigger."""
    if not path.exists():
        pack.error(item, f"{what} {_display(path)} does not exist")
        return None
    # Opening a FIFO or a device would block or never end: only regular files are read.
    if not path.is_file():
        pack.error(item, f"{what} {_display(path)} is not a regular file")
        return None
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        pack.error(item, f"cannot read {what} {_display(path)}: {exc.strerror or exc}")
        return None
    if len(data) > MAX_FILE_BYTES:
        pack.error(item, f"{what} {_display(path)} is bigger than {MAX_FILE_BYTES // 1024} KiB; refusing to read it")
        return None
    return data


def _read_document(pack: _ParsedPack, document: Document) -> None:
    pack_dir = pack.path.resolve().parent
    doc_path = (pack_dir / document.file).resolve()
    if not doc_path.is_relative_to(pack_dir):
        pack.error("document.file", f"{document.file!r} points outside the pack's folder")
        return
    data = _read_limited(pack, doc_path, "document", "document.file")
    if data is None:
        return
    try:
        pack.document_text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        pack.error("document.file", f"{document.file} is not valid UTF-8 text (byte {exc.start})")
        return
    pack.document_path = doc_path


def _salvage(pack: _ParsedPack, raw: dict[Any, Any]) -> None:
    """Keep the parts of an invalid pack that validate alone, so cross-checks still run on them."""
    try:
        pack.document = Document.model_validate(raw.get("document"))
    except ValidationError:
        pack.document = None
    categories = raw.get("categories")
    if isinstance(categories, dict):
        pack.categories = {k: v for k, v in categories.items() if isinstance(k, str) and isinstance(v, str)}
    pack.entities = _valid_items(pack, raw.get("entities"), Entity)
    pack.facts = _valid_items(pack, raw.get("facts"), Fact)


def _valid_items(pack: _ParsedPack, items: object, model: type[ModelT]) -> list[ModelT]:
    """Return the items that validate alone; remember the ids of the others."""
    valid: list[ModelT] = []
    for item in items if isinstance(items, list) else []:
        try:
            valid.append(model.model_validate(item))
        except ValidationError:
            raw_id = item.get("id") if isinstance(item, dict) else None
            if isinstance(raw_id, str):
                pack.broken_ids.add(raw_id)
    return valid


# --------------------------------------------------------------------------- YAML hardening


class _PackYamlLoader(yaml.SafeLoader):
    """SafeLoader that refuses anchors, aliases, duplicate keys and deep nesting, and reads YAML 1.2 scalars.

    Fact packs need none of those YAML features; refusing anchors and aliases outright defeats
    "billion laughs" expansion and recursive aliases.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._nodes = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        """Compose one node after refusing anchors, aliases and excessive depth."""
        event: yaml.Event = self.peek_event()  # type: ignore[no-untyped-call]
        mark = event.start_mark if isinstance(event.start_mark, yaml.error.Mark) else None
        if isinstance(event, yaml.AliasEvent):
            raise yaml.composer.ComposerError(None, None, "YAML aliases (*name) are not allowed in fact packs", mark)
        if getattr(event, "anchor", None) is not None:
            raise yaml.composer.ComposerError(None, None, "YAML anchors (&name) are not allowed in fact packs", mark)
        self._nodes += 1
        if self._nodes > MAX_YAML_NODES:
            raise yaml.composer.ComposerError(
                None, None, f"more than {MAX_YAML_NODES} values: split the pack into smaller ones", mark
            )
        self._depth += 1
        try:
            if self._depth > MAX_NESTING:
                raise yaml.composer.ComposerError(None, None, f"nested more than {MAX_NESTING} levels deep", mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Hashable, Any]:
        """Build a mapping, refusing a key given twice (plain PyYAML silently keeps the last one)."""
        seen: dict[object, yaml.Node] = {}
        for key_node, _value_node in node.value:
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, Hashable) and key in seen:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"duplicate key {key!r} (first given on line {seen[key].start_mark.line + 1})",
                    key_node.start_mark,
                )
            if isinstance(key, Hashable):
                seen[key] = key_node
        return super().construct_mapping(node, deep=deep)


# YAML 1.1 reads `yes`/`no`/`on`/`off` as booleans and `8:55` as the number 535: in a quiz pack both
# silently corrupt answers, so only YAML 1.2 style booleans and plain decimal numbers are recognised.
_PackYamlLoader.yaml_implicit_resolvers = {
    first: [
        (tag, regexp)
        for tag, regexp in resolvers
        if tag not in {"tag:yaml.org,2002:bool", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float"}
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_PackYamlLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_PackYamlLoader.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$"), list("-+0123456789")
)
_PackYamlLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$"),
    list("-+0123456789."),
)


def _describe_yaml_error(exc: yaml.MarkedYAMLError) -> str:
    mark = exc.problem_mark or exc.context_mark
    where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
    problem = exc.problem or exc.context or "invalid YAML"
    if exc.context and exc.problem and "aliases" not in problem and "anchors" not in problem:
        problem = f"{exc.context}, {exc.problem}"
    return f"YAML error at {where}{problem}"


# --------------------------------------------------------------------------- pydantic errors -> lines


def _describe_validation_error(details: ErrorDetails, raw: Mapping[str, Any]) -> tuple[str | None, str]:
    """Turn one pydantic error into (item, message): the fact/entity id when known, else a field path."""
    loc = _clean_loc(details["loc"])
    message = _plain_message(details, loc)
    if len(loc) >= 2 and loc[0] in {"facts", "entities"} and isinstance(loc[1], int):
        section, index = str(loc[0]), loc[1]
        items = raw.get(section)
        raw_item = items[index] if isinstance(items, list) and index < len(items) else None
        raw_id = raw_item.get("id") if isinstance(raw_item, dict) else None
        rest = loc[2:]
        if isinstance(raw_id, str) and _VALID_ID.fullmatch(raw_id) and rest != ("id",):
            return raw_id, f"{_render_loc(rest)}: {message}" if rest else message
        return _render_loc(loc), message
    if not loc:
        return None, message
    return _render_loc(loc), message


def _clean_loc(loc: tuple[int | str, ...]) -> tuple[int | str, ...]:
    """Drop the union-member names pydantic inserts (e.g. ``answer.entity.entity`` -> ``answer.entity``)."""
    cleaned: list[int | str] = []
    for position, part in enumerate(loc):
        previous = loc[position - 1] if position else None
        if previous == "answer" and part in _ANSWER_TAGS:
            continue
        if part in {"int", "float"} and position == len(loc) - 1:
            continue
        cleaned.append(part)
    return tuple(cleaned)


def _render_loc(loc: Sequence[int | str]) -> str:
    rendered = ""
    for part in loc:
        if isinstance(part, int):
            rendered += f"[{part}]"
        elif part == "[key]":
            rendered += " (key)"
        else:
            rendered += f".{part}" if rendered else part
    return rendered


def _plain_message(details: ErrorDetails, loc: Sequence[int | str]) -> str:
    kind = details["type"]
    value = details.get("input")
    last = loc[-1] if loc else ""
    ctx = details.get("ctx") or {}
    if kind == "extra_forbidden":
        hint = difflib.get_close_matches(str(last), _KNOWN_FIELDS, n=1)
        suffix = f" (did you mean {hint[0]!r}?)" if hint else ""
        return f"unknown key {str(last)!r}{suffix}"
    if kind == "missing":
        return "this required key is missing"
    if kind == "string_pattern_mismatch":
        return (
            f"{_short(value)} is not a valid id: use lowercase letters, digits, '.', '_' and '-', "
            "starting with a letter or digit"
        )
    if kind == "union_tag_invalid":
        return f"answer type {_short(ctx.get('tag'))} is unknown; use one of {ctx.get('expected_tags')}"
    if kind == "union_tag_not_found":
        return "the answer needs a 'type' (entity, number, date, time, duration, text or set)"
    if kind in {"int_parsing", "float_parsing", "int_type", "float_type", "int_from_float"}:
        return f"expected a number, got {_short(value)}"
    if kind in {"dict_type", "model_type", "model_attributes_type"}:
        return f"expected a mapping of keys to values, got {_type_name(value)}"
    if kind == "list_type":
        return f"expected a list, got {_type_name(value)}"
    if kind == "string_type":
        return f"expected text, got {_type_name(value)} {_short(value)}"
    if kind == "string_too_short":
        return "must not be empty"
    if kind == "too_short":
        return f"needs at least {ctx.get('min_length')} item(s)"
    if kind == "bool_type" or kind == "bool_parsing":
        return f"expected true or false, got {_short(value)}"
    if kind == "enum":
        return f"{_short(value)} is not allowed; use one of {ctx.get('expected')}"
    if kind in {"date_parsing", "date_from_datetime_parsing", "date_from_datetime_inexact", "date_type"}:
        return f"expected a date like 2021-10-05, got {_short(value)}"
    if kind in {"time_parsing", "time_type"}:
        return f'expected a time like "08:55" (24-hour, quoted), got {_short(value)}'
    if kind == "value_error":
        return str(details["msg"]).removeprefix("Value error, ")
    if kind == "literal_error":
        return f"{_short(value)} is not allowed; use one of {ctx.get('expected')}"
    return f"{details['msg']} (got {_short(value)})"


def _short(value: object, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _type_name(value: object) -> str:
    names = {dict: "a mapping", list: "a list", str: "text", int: "a number", float: "a number", bool: "a boolean"}
    if value is None:
        return "nothing"
    return names.get(type(value), type(value).__name__)


# --------------------------------------------------------------------------- checks across packs


def _cross_check(packs: Sequence[_ParsedPack]) -> list[PackError]:
    """Check ids, references, quotes, placeholders, categories and kinds across all packs."""
    errors: list[PackError] = []
    documents: dict[str, _ParsedPack] = {}
    entity_home: dict[str, _ParsedPack] = {}
    fact_home: dict[str, _ParsedPack] = {}
    category_home: dict[str, tuple[str, _ParsedPack]] = {}
    declared_broken = {raw_id for pack in packs for raw_id in pack.broken_ids}

    for pack in packs:
        if pack.document is not None:
            first = documents.get(pack.document.id)
            if first is not None:
                errors.append(_duplicate(pack, pack.document.id, "document", first))
            else:
                documents[pack.document.id] = pack
        for category, label in pack.categories.items():
            earlier = category_home.get(category)
            if earlier is not None and earlier[0] != label:
                errors.append(
                    PackError(
                        pack.display,
                        f"categories.{category}",
                        f"label {label!r} differs from {earlier[0]!r} given in {earlier[1].display}",
                    )
                )
            category_home.setdefault(category, (label, pack))
        for entity in pack.entities:
            if entity.id in entity_home:
                errors.append(_duplicate(pack, entity.id, "entity", entity_home[entity.id]))
            else:
                entity_home[entity.id] = pack
        for fact in pack.facts:
            if fact.id in fact_home:
                errors.append(_duplicate(pack, fact.id, "fact", fact_home[fact.id]))
            else:
                fact_home[fact.id] = pack

    known_entities = set(entity_home) | declared_broken
    normalised_texts = {
        doc_id: normalise_quote(pack.document_text)
        for doc_id, pack in documents.items()
        if pack.document_text is not None
    }
    errors.extend(_check_names(packs))
    entities_by_id = {entity.id: entity for pack in packs for entity in pack.entities}
    prompt_home: dict[str, str] = {}
    for pack in packs:
        own_doc = pack.document.id if pack.document is not None else None
        for entity in pack.entities:
            if entity.source is not None:
                errors.extend(
                    _check_quote(
                        pack, entity.id, entity.source.doc or own_doc, entity.source.quote, documents, normalised_texts
                    )
                )
            if entity.surname and not _names_contain_word(entity, entity.surname):
                errors.append(PackError(pack.display, entity.id, f"surname {entity.surname!r} is not in the name"))
        for fact in pack.facts:
            errors.extend(_check_fact(pack, fact, known_entities, category_home, prompt_home))
            for citation in fact.citations:
                errors.extend(
                    _check_quote(pack, fact.id, citation.doc or own_doc, citation.quote, documents, normalised_texts)
                )
            errors.extend(_check_give_away(pack, fact, entities_by_id))
    return errors


def _duplicate(pack: _ParsedPack, item_id: str, what: str, first: _ParsedPack) -> PackError:
    where = "earlier in this file" if first is pack else f"in {first.display}"
    return PackError(pack.display, item_id, f"duplicate {what} id: already declared {where}")


def _check_quote(
    pack: _ParsedPack,
    item: str,
    doc_id: str | None,
    quote: str,
    documents: Mapping[str, _ParsedPack],
    normalised_texts: Mapping[str, str],
) -> list[PackError]:
    if doc_id is None:
        return []  # the pack's own document is invalid, which is already reported
    if doc_id not in documents:
        return [PackError(pack.display, item, f"source.doc {doc_id!r} is not a known document id")]
    text = normalised_texts.get(doc_id)
    if text is None:
        return []  # the document could not be read, which is already reported
    if normalise_quote(quote) not in text:
        return [PackError(pack.display, item, f"quote not found in document {doc_id!r}: {_short(quote, 80)}")]
    return []


def _check_fact(
    pack: _ParsedPack,
    fact: Fact,
    known_entities: set[str],
    category_home: Mapping[str, tuple[str, _ParsedPack]],
    prompt_home: dict[str, str],
) -> list[PackError]:
    problems: list[str] = []
    answer = fact.answer
    if isinstance(answer, EntityAnswer) and answer.entity not in known_entities:
        problems.append(f"answer.entity {answer.entity!r} is not a known entity id")
    if isinstance(answer, SetAnswer):
        problems.extend(
            f"answer.entities: {member!r} is not a known entity id"
            for member in answer.entities
            if member not in known_entities
        )
        if len(set(answer.entities)) != len(answer.entities):
            problems.append("answer.entities lists the same entity twice")
    if isinstance(answer, TextAnswer):
        right = {answer.value.casefold(), *(a.casefold() for a in answer.accept)}
        problems.extend(
            f"answer.distractors: {wrong!r} is also an accepted answer"
            for wrong in answer.distractors
            if wrong.casefold() in right
        )
    if fact.relation is not None:
        for role in ("subject", "object"):
            ref = getattr(fact.relation, role)
            if ref is not None and ref not in known_entities:
                problems.append(f"relation.{role} {ref!r} is not a known entity id")
    if fact.statement is not None:
        count = fact.statement.count(ANSWER_PLACEHOLDER)
        others = fact.statement.replace(ANSWER_PLACEHOLDER, "")
        if count != 1:
            problems.append(f"statement must contain '{ANSWER_PLACEHOLDER}' exactly once (found {count})")
        elif "{" in others or "}" in others:
            problems.append(f"statement has braces other than '{ANSWER_PLACEHOLDER}'")
    if fact.category not in category_home:
        problems.append(f"category {fact.category!r} is not declared under 'categories' by any pack")
    problems.extend(_check_kinds(fact))
    for prompt in fact.prompts:
        key = normalise_quote(prompt).casefold()
        owner = prompt_home.setdefault(key, fact.id)
        if owner != fact.id:
            problems.append(f"prompt {_short(prompt, 70)} is also a prompt of fact {owner!r}")
        if fact.as_of and re.search(r"\bas of\b", prompt, re.IGNORECASE):
            problems.append("prompt says 'as of' itself: the generator adds '(as of <month>)' to as_of facts")
        if ANSWER_PLACEHOLDER in prompt:
            problems.append(f"prompt contains '{ANSWER_PLACEHOLDER}': only statements take the placeholder")
    return [PackError(pack.display, fact.id, problem) for problem in problems]


def _check_kinds(fact: Fact) -> list[str]:
    if fact.kinds is None:
        return []
    if not fact.kinds:
        return ["kinds is empty: remove it to allow every kind, or list at least one"]
    allowed = _KINDS_BY_ANSWER[type(fact.answer)]
    answer_type = fact.answer.type
    problems = [
        f"kind {kind.value!r} does not suit answer type {answer_type!r} (allowed: {', '.join(sorted(allowed))})"
        for kind in fact.kinds
        if kind not in allowed
    ]
    if len(set(fact.kinds)) != len(fact.kinds):
        problems.append("kinds lists the same kind twice")
    if isinstance(fact.answer, TextAnswer) and not fact.answer.distractors:
        problems.extend(
            f"kind {kind.value!r} needs answer.distractors for a text answer"
            for kind in fact.kinds
            if kind in {QuestionKind.MULTIPLE_CHOICE, QuestionKind.TRUE_FALSE}
        )
    return problems


def _check_names(packs: Sequence[_ParsedPack]) -> list[PackError]:
    """Refuse a name or alias shared by two entities, or an entity answer's accepted phrase that names another
    entity: a typed answer could not tell them apart."""
    errors: list[PackError] = []
    owner_of: dict[str, str] = {}
    for pack in packs:
        for entity in pack.entities:
            spellings = {name.casefold(): name for name in (entity.name, *entity.aliases)}
            for folded, name in spellings.items():
                owner = owner_of.setdefault(folded, entity.id)
                if owner != entity.id:
                    errors.append(PackError(pack.display, entity.id, f"name {name!r} also names entity {owner!r}"))
    for pack in packs:  # a fact's own phrasing of its answer must not be another entity's name
        for fact in pack.facts:
            if not isinstance(fact.answer, EntityAnswer):
                continue
            for phrase in fact.answer.accept:
                named = owner_of.get(phrase.casefold())
                if named is not None and named != fact.answer.entity:
                    errors.append(PackError(pack.display, fact.id, f"answer.accept: {phrase!r} names entity {named!r}"))
    return errors


def _check_give_away(pack: _ParsedPack, fact: Fact, entities_by_id: Mapping[str, Entity]) -> list[PackError]:
    """Refuse a prompt that contains the answer: an entity's name, alias or surname, or an accepted phrase."""
    answer_ids: list[str] = []
    if isinstance(fact.answer, EntityAnswer):
        answer_ids = [fact.answer.entity]
    elif isinstance(fact.answer, SetAnswer):
        answer_ids = list(fact.answer.entities)
    names: list[str] = []
    for entity_id in answer_ids:
        entity = entities_by_id.get(entity_id)
        if entity is not None:
            names.extend([entity.name, *entity.aliases, *([entity.surname] if entity.surname else [])])
    if isinstance(fact.answer, EntityAnswer):
        names.extend(fact.answer.accept)
    if isinstance(fact.answer, TextAnswer):
        names.extend([fact.answer.value, *fact.answer.accept])
    errors: list[PackError] = []
    for prompt in fact.prompts:
        for name in names:
            if _mentions(prompt, name):
                errors.append(PackError(pack.display, fact.id, f"prompt {_short(prompt, 70)} gives away {name!r}"))
                break
    return errors


def _mentions(text: str, name: str) -> bool:
    # Acronyms like "US" must match case-sensitively, or every "us" in a prompt would count.
    flags = 0 if name.isupper() else re.IGNORECASE
    return re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text, flags) is not None


def _names_contain_word(entity: Entity, word: str) -> bool:
    return any(_mentions(name, word) for name in (entity.name, *entity.aliases))


# --------------------------------------------------------------------------- building the store


def _build_store(packs: Iterable[_ParsedPack]) -> FactStore:
    documents: dict[str, LoadedDocument] = {}
    entities: dict[str, Entity] = {}
    facts: dict[str, Fact] = {}
    categories: dict[str, str] = {}
    fact_documents: dict[str, str] = {}
    for pack in packs:
        # A pack with no errors always has its document read; these asserts document that invariant.
        assert pack.document is not None
        assert pack.document_text is not None
        assert pack.document_path is not None
        documents[pack.document.id] = LoadedDocument(pack.document, pack.document_text, pack.document_path)
        categories.update(pack.categories)
        entities.update((entity.id, entity) for entity in pack.entities)
        for fact in pack.facts:
            facts[fact.id] = fact
            fact_documents[fact.id] = pack.document.id
    return FactStore(documents, entities, facts, categories, fact_documents=fact_documents)


def _display(path: Path) -> str:
    """Show a path relative to the working directory when it lies below it, else as given."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)
