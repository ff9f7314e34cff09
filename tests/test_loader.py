"""Tests of the fact pack loader: discovery, every error kind, several errors at once, hostile input."""

from __future__ import annotations

import copy
import datetime as dt
import logging
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from questions.loader import (
    MAX_ERRORS_PER_FILE,
    MAX_FILE_BYTES,
    MAX_ITEMS,
    MAX_YAML_NODES,
    FactPackError,
    PackError,
    default_seeds_dir,
    discover_packs,
    load_store,
    normalise_quote,
)
from questions.models import DurationAnswer, TextAnswer

TEST_PACKS_DIR = Path(__file__).resolve().parent / "packs"
SEEDS_DIR = Path(__file__).resolve().parent.parent / "seeds"

# Curly quotes and a run of spaces: the pack below quotes them straight and single-spaced.
NOTE_TEXT = "The rover “Pebble” left Camp Nine on Friday.\nIt was driven by engineer Ada Brook, 41, for   3 days.\n"

BASE_PACK: dict[str, Any] = {
    "document": {"id": "note", "file": "note.txt", "title": "A rover note", "date": dt.date(2024, 3, 1)},
    "categories": {"trips": "Trips"},
    "entities": [
        {"id": "pebble", "type": "craft", "name": "Pebble", "source": {"quote": 'The rover "Pebble"'}},
        {
            "id": "ada-brook",
            "type": "person",
            "name": "Ada Brook",
            "surname": "Brook",
            "role": "engineer",
            "age": 41,
            "source": {"quote": "engineer Ada Brook, 41"},
        },
        {"id": "camp-nine", "type": "place", "name": "Camp Nine", "source": {"quote": "left Camp Nine"}},
    ],
    "facts": [
        {
            "id": "driver",
            "category": "trips",
            "prompts": ["Who drove the rover?"],
            "statement": "{answer} drove the rover.",
            "answer": {"type": "entity", "entity": "ada-brook"},
            "source": {"quote": "It was driven by engineer Ada Brook"},
        },
        {
            "id": "trip-length",
            "category": "trips",
            "prompts": ["How long was the drive?"],
            "answer": {"type": "duration", "value": 3, "unit": "days"},
            "source": {"quote": "for 3 days"},
        },
    ],
}


class _PlainDumper(yaml.SafeDumper):
    """Dump without anchors: the loader rightly refuses them, and test dicts may share objects."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def write_pack(directory: Path, pack: dict[str, Any], name: str = "note.facts.yaml", *, text: str = NOTE_TEXT) -> Path:
    """Write a pack and its document into a directory and return the pack's path."""
    directory.mkdir(parents=True, exist_ok=True)
    document_file = pack.get("document", {}).get("file") if isinstance(pack.get("document"), dict) else None
    if isinstance(document_file, str) and "/" not in document_file and document_file.endswith(".txt"):
        (directory / document_file).write_text(text, encoding="utf-8")
    path = directory / name
    path.write_text(yaml.dump(pack, Dumper=_PlainDumper, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def load_errors(paths: list[Path]) -> list[PackError]:
    """Load and return the errors, failing the test if loading succeeded."""
    with pytest.raises(FactPackError) as caught:
        load_store(paths)
    return caught.value.errors


def base_pack() -> dict[str, Any]:
    """Return a fresh copy of the valid base pack."""
    return copy.deepcopy(BASE_PACK)


@pytest.fixture
def fast() -> Iterator[None]:
    """Fail a test whose body takes minutes: hostile input must be refused without a blow-up.

    The bound is generous on purpose (a busy machine must not fail it); the refusals themselves come from
    the loader's size and count limits, which the tests assert by message.
    """
    started = time.perf_counter()
    yield
    assert time.perf_counter() - started < 30.0


# --------------------------------------------------------------------------- helpers and discovery


def test_normalise_quote_straightens_quotes_and_collapses_whitespace() -> None:
    assert normalise_quote("  “Hi,”  he\n\tsaid ‘twice’ ") == "\"Hi,\" he said 'twice'"
    assert normalise_quote("Russia’s\u00a0agency") == "Russia's agency"


def test_pack_error_renders_one_friendly_line() -> None:
    assert str(PackError("a.facts.yaml", "launch-date", "bad date")) == "a.facts.yaml: launch-date: bad date"
    assert str(PackError("a.facts.yaml", None, "empty file")) == "a.facts.yaml: empty file"


def test_fact_pack_error_lists_every_line() -> None:
    errors = [PackError("a.yaml", "x", "one"), PackError("b.yaml", None, "two")]
    text = str(FactPackError(errors))
    assert text.splitlines() == ["2 problems in fact packs:", "  a.yaml: x: one", "  b.yaml: two"]


def test_default_seeds_dir_honours_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("SEEDS_DIR", raising=False)
    monkeypatch.delenv("ORBIT_SEEDS_DIR", raising=False)
    assert default_seeds_dir() == SEEDS_DIR
    monkeypatch.setenv("SEEDS_DIR", str(tmp_path))
    assert default_seeds_dir() == tmp_path


def test_the_old_seeds_variable_still_works_with_a_warning(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.delenv("SEEDS_DIR", raising=False)
    monkeypatch.setenv("ORBIT_SEEDS_DIR", str(tmp_path))
    with caplog.at_level(logging.WARNING, logger="questions.loader"):
        assert default_seeds_dir() == tmp_path
    assert "ORBIT_SEEDS_DIR is deprecated: set SEEDS_DIR instead" in caplog.text
    monkeypatch.setenv("SEEDS_DIR", str(TEST_PACKS_DIR))
    assert default_seeds_dir() == TEST_PACKS_DIR, "SEEDS_DIR wins over the old name"


def test_load_store_without_paths_uses_seeds_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SEEDS_DIR", str(TEST_PACKS_DIR))
    assert set(load_store().documents) == {"skylark-7-note"}


def test_discover_packs_recurses_sorted_and_keeps_given_files(tmp_path: Path) -> None:
    for relative in ["b.facts.yaml", "a.facts.toml", "sub/c.facts.yml", "notes.yaml", "d.txt", "sub/e.facts.json"]:
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text("", encoding="utf-8")
    direct = tmp_path / "notes.yaml"
    found = discover_packs([tmp_path, direct, tmp_path / "b.facts.yaml"])
    assert [p.relative_to(tmp_path).as_posix() for p in found] == [
        "a.facts.toml",
        "b.facts.yaml",
        "sub/c.facts.yml",
        "notes.yaml",
    ]


def test_discover_packs_reports_missing_paths(tmp_path: Path) -> None:
    with pytest.raises(FactPackError) as caught:
        discover_packs([tmp_path / "nope", tmp_path / "gone.facts.yaml"])
    assert [e.message for e in caught.value.errors] == ["no such file or directory"] * 2


def test_empty_directory_is_an_error(tmp_path: Path) -> None:
    [error] = load_errors([tmp_path])
    assert "no fact packs found" in error.message


# --------------------------------------------------------------------------- valid packs


def test_base_pack_loads_with_normalised_quotes(tmp_path: Path) -> None:
    store = load_store([write_pack(tmp_path, base_pack())])
    assert set(store.facts) == {"driver", "trip-length"}
    assert store.document_for(store.facts["driver"]).meta.id == "note"
    assert store.document_for(store.facts["driver"]).text == NOTE_TEXT
    assert store.category_label("trips") == "Trips"
    assert store.facts["trip-length"].answer == DurationAnswer(value=3, unit="days")


def test_second_document_loads_without_code_change() -> None:
    store = load_store([TEST_PACKS_DIR])
    assert set(store.documents) == {"skylark-7-note"}
    assert len(store.facts) == 6
    assert store.entity("mina-okafor").age == 19
    assert store.document_for(store.facts["skylark-altitude"]).path.name == "skylark-7-balloon-2023-06-14.txt"
    # the TOML pack declares the step from "on Wednesday" to a date, and passes every content check
    assert store.facts["skylark-release-date"].derivation is not None
    from questions.checks import check_bank
    from questions.generate import build_bank

    assert check_bank(store, build_bank(store)) == []


def test_seed_and_test_packs_load_together() -> None:
    seeds_only = load_store([SEEDS_DIR])
    store = load_store([SEEDS_DIR, TEST_PACKS_DIR])
    assert set(store.documents) == {"soyuz-ms19-film", "skylark-7-note"}
    assert len(store.facts) == len(seeds_only.facts) + 6
    assert store.document_for(store.facts["launch-date"]).meta.id == "soyuz-ms19-film"
    assert store.document_for(store.facts["skylark-landing"]).meta.id == "skylark-7-note"


def test_pack_may_cite_another_packs_document_and_entities(tmp_path: Path) -> None:
    write_pack(tmp_path / "one", base_pack())
    other = {
        "document": {"id": "other", "file": "other.txt", "title": "Other", "date": "2024-03-02"},
        "facts": [
            {
                "id": "rover-name",
                "category": "trips",
                "prompts": ["What was the rover called?"],
                "answer": {"type": "entity", "entity": "pebble"},
                "source": {"doc": "note", "quote": "The rover “Pebble” left"},
            }
        ],
    }
    write_pack(tmp_path / "two", other, "other.facts.yaml", text="Unrelated text.")
    store = load_store([tmp_path])
    assert store.document_for(store.facts["rover-name"]).meta.id == "note"


def test_yaml_1_1_scalars_are_not_misread(tmp_path: Path) -> None:
    pack = base_pack()
    pack["facts"][0]["answer"] = {"type": "text", "value": "no", "distractors": ["yes", "on"]}
    path = write_pack(tmp_path, pack)
    path.write_text(path.read_text(encoding="utf-8").replace("'no'", "no").replace("'yes'", "yes"), encoding="utf-8")
    assert "value: no" in path.read_text(encoding="utf-8")
    answer = load_store([path]).facts["driver"].answer
    assert answer == TextAnswer(value="no", distractors=["yes", "on"])


def test_unquoted_clock_time_gets_a_plain_hint(tmp_path: Path) -> None:
    pack = base_pack()
    pack["facts"][1]["answer"] = {"type": "time", "value": "PLACEHOLDER"}
    path = write_pack(tmp_path, pack)
    path.write_text(path.read_text(encoding="utf-8").replace("PLACEHOLDER", "8:55"), encoding="utf-8")
    [error] = load_errors([path])
    assert (error.item, error.message) == (
        "trip-length",
        "answer.value: expected a time like \"08:55\" (24-hour, quoted), got '8:55'",
    )


# --------------------------------------------------------------------------- one error kind at a time

Mutation = Callable[[dict[str, Any]], None]


def _set(path: str, value: Any) -> Mutation:
    """Return a mutation that sets a dotted path (list indexes as numbers) in the pack."""

    def mutate(pack: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = pack
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        if isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value

    return mutate


def _delete(path: str) -> Mutation:
    def mutate(pack: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = pack
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        del node[last]

    return mutate


def _chain(*mutations: Mutation) -> Mutation:
    def mutate(pack: dict[str, Any]) -> None:
        for mutation in mutations:
            mutation(pack)

    return mutate


ERROR_CASES: list[tuple[str, Mutation, str, str]] = [
    # schema
    ("extra-key", _set("facts.0.promts", ["x?"]), "driver", "promts: unknown key 'promts' (did you mean 'prompts'?)"),
    ("extra-top-key", _set("extras", 1), "extras", "unknown key 'extras'"),
    ("missing-id", _delete("facts.1.id"), "facts[1].id", "this required key is missing"),
    ("bad-id", _set("facts.0.id", "Driver One"), "facts[0].id", "'Driver One' is not a valid id"),
    ("prompts-not-list", _set("facts.0.prompts", "Who?"), "driver", "prompts: expected a list, got text"),
    ("age-not-number", _set("entities.1.age", "old"), "ada-brook", "age: expected a number, got 'old'"),
    ("bad-entity-type", _set("entities.0.type", "boat"), "pebble", "type: 'boat' is not allowed"),
    ("unknown-answer-type", _set("facts.0.answer", {"type": "colour"}), "driver", "answer type 'colour' is unknown"),
    ("answer-without-type", _set("facts.0.answer", {"entity": "pebble"}), "driver", "the answer needs a 'type'"),
    ("bad-date", _set("document.date", "2024-13-01"), "document.date", "expected a date like 2021-10-05"),
    ("bad-duration-unit", _set("facts.1.answer.unit", "fortnights"), "trip-length", "answer.unit: 'fortnights'"),
    ("empty-prompt", _set("facts.0.prompts", ["  "]), "driver", "prompts[0]: must not be empty"),
    # references
    ("unknown-answer-entity", _set("facts.0.answer.entity", "nobody"), "driver", "'nobody' is not a known entity"),
    (
        "unknown-set-member",
        _set("facts.0.answer", {"type": "set", "entities": ["ada-brook", "ghost"]}),
        "driver",
        "answer.entities: 'ghost' is not a known entity id",
    ),
    (
        "unknown-relation-subject",
        _set("facts.0.relation", {"name": "drove", "subject": "ghost", "object": "pebble"}),
        "driver",
        "relation.subject 'ghost' is not a known entity id",
    ),
    (
        "unknown-relation-object",
        _set("facts.0.relation", {"name": "drove", "subject": "ada-brook", "object": "ghost"}),
        "driver",
        "relation.object 'ghost' is not a known entity id",
    ),
    ("unknown-source-doc", _set("facts.0.source.doc", "elsewhere"), "driver", "source.doc 'elsewhere' is not a known"),
    # quotes
    ("fact-quote-missing", _set("facts.0.source.quote", "driven by a robot"), "driver", "quote not found"),
    (
        "second-quote-missing",
        _chain(
            _delete("facts.0.source"),
            _set("facts.0.sources", [{"quote": "It was driven by engineer Ada Brook"}, {"quote": "a robot drove"}]),
        ),
        "driver",
        "quote not found in document 'note': 'a robot drove'",
    ),
    ("no-quote", _delete("facts.0.source"), "driver", "give either 'source' (one quote) or 'sources'"),
    (
        "both-source-and-sources",
        _set("facts.0.sources", [{"quote": "for 3 days"}]),
        "driver",
        "give either 'source' (one quote) or 'sources' (a list of quotes), not both or neither",
    ),
    (
        "no-quote-and-another-error",
        _chain(_delete("facts.1.source"), _set("facts.1.prompts", "How long?")),
        "trip-length",
        "give either 'source' (one quote) or 'sources'",
    ),
    ("empty-derivation", _set("facts.0.derivation", " "), "driver", "derivation: must not be empty"),
    ("entity-quote-missing", _set("entities.0.source.quote", "The rover Pebble"), "pebble", "quote not found"),
    # statements, categories, kinds
    ("no-placeholder", _set("facts.0.statement", "Ada drove."), "driver", "exactly once (found 0)"),
    ("two-placeholders", _set("facts.0.statement", "{answer} {answer}"), "driver", "exactly once (found 2)"),
    ("stray-braces", _set("facts.0.statement", "{answer} drove {rover}."), "driver", "braces other than"),
    ("undeclared-category", _set("facts.0.category", "sport"), "driver", "category 'sport' is not declared"),
    ("kind-for-wrong-type", _set("facts.1.kinds", ["set"]), "trip-length", "kind 'set' does not suit answer type"),
    ("empty-kinds", _set("facts.1.kinds", []), "trip-length", "kinds is empty"),
    (
        "text-choice-needs-distractors",
        _chain(_set("facts.0.answer", {"type": "text", "value": "slowly"}), _set("facts.0.kinds", ["multiple_choice"])),
        "driver",
        "kind 'multiple_choice' needs answer.distractors",
    ),
    (
        "distractor-is-accepted",
        _set("facts.0.answer", {"type": "text", "value": "slowly", "accept": ["gently"], "distractors": ["Gently"]}),
        "driver",
        "answer.distractors: 'Gently' is also an accepted answer",
    ),
    # prompts
    ("prompt-names-answer", _set("facts.0.prompts", ["Did Ada Brook drive?"]), "driver", "gives away 'Ada Brook'"),
    ("prompt-names-surname", _set("facts.0.prompts", ["Was it brook who drove?"]), "driver", "gives away 'Brook'"),
    (
        "prompt-names-accepted-phrase",
        _chain(_set("facts.0.answer.accept", ["the engineer"]), _set("facts.0.prompts", ["Who was the engineer?"])),
        "driver",
        "gives away 'the engineer'",
    ),
    (
        "accepted-phrase-names-another-entity",
        _set("facts.0.answer.accept", ["pebble"]),
        "driver",
        "answer.accept: 'pebble' names entity 'pebble'",
    ),
    ("shared-prompt", _set("facts.1.prompts", ["Who  drove the rover?"]), "trip-length", "also a prompt of fact"),
    (
        "prompt-says-as-of",
        _chain(_set("facts.0.prompts", ["Who drove the rover as of 2024?"]), _set("facts.0.as_of", True)),
        "driver",
        "prompt says 'as of' itself",
    ),
    # ids and names
    ("duplicate-entity", _set("entities.2.id", "pebble"), "pebble", "duplicate entity id: already declared earlier"),
    ("duplicate-fact", _set("facts.1.id", "driver"), "driver", "duplicate fact id: already declared earlier"),
    ("alias-clash", _set("entities.2.aliases", ["PEBBLE"]), "camp-nine", "name 'PEBBLE' also names entity 'pebble'"),
    ("surname-not-in-name", _set("entities.1.surname", "Smith"), "ada-brook", "surname 'Smith' is not in the name"),
]


@pytest.mark.parametrize(
    ("mutation", "item", "message"), [case[1:] for case in ERROR_CASES], ids=[case[0] for case in ERROR_CASES]
)
def test_each_error_kind_names_file_item_and_problem(
    tmp_path: Path, mutation: Mutation, item: str, message: str
) -> None:
    pack = base_pack()
    mutation(pack)
    path = write_pack(tmp_path, pack)
    errors = load_errors([path])
    matching = [e for e in errors if e.item == item and message in e.message]
    assert matching, f"expected {item}: ...{message}... in:\n" + "\n".join(map(str, errors))
    assert all(Path(e.file).name == path.name for e in errors)


def test_document_problems(tmp_path: Path) -> None:
    cases = {
        "missing": ("gone.txt", "does not exist"),
        "outside": ("../outside.txt", "points outside the pack's folder"),
        "binary": ("binary.txt", "is not valid UTF-8 text"),
        "directory": ("folder.txt", "is not a regular file"),
        "huge": ("huge.txt", "is bigger than 1024 KiB"),
    }
    for name, (document_file, _) in cases.items():
        pack = base_pack()
        pack["document"].update(id=f"doc-{name}", file=document_file)
        pack["entities"], pack["facts"] = [], []
        write_pack(tmp_path / name, pack)
    (tmp_path / "outside.txt").write_text(NOTE_TEXT, encoding="utf-8")
    (tmp_path / "missing" / "gone.txt").unlink()
    (tmp_path / "binary" / "binary.txt").write_bytes(b"\xff\xfe\xfa not text")
    (tmp_path / "directory" / "folder.txt").unlink()
    (tmp_path / "directory" / "folder.txt").mkdir()
    (tmp_path / "huge" / "huge.txt").write_bytes(b"a" * (MAX_FILE_BYTES + 1))
    errors = load_errors([tmp_path])
    by_folder = {Path(error.file).parent.name: error for error in errors}
    assert len(errors) == len(by_folder) == len(cases)
    for name, (_, message) in cases.items():
        assert by_folder[name].item == "document.file"
        assert message in by_folder[name].message


def test_category_label_conflict_across_packs(tmp_path: Path) -> None:
    write_pack(tmp_path / "a", base_pack())
    other = base_pack()
    other["document"]["id"] = "note-b"
    other["categories"] = {"trips": "Journeys"}
    other["entities"], other["facts"] = [], []
    write_pack(tmp_path / "b", other)
    [error] = load_errors([tmp_path])
    assert error.item == "categories.trips"
    assert "'Journeys' differs from 'Trips'" in error.message


def test_duplicates_across_packs_name_the_first_file(tmp_path: Path) -> None:
    first = write_pack(tmp_path / "a", base_pack())
    write_pack(tmp_path / "b", base_pack())
    errors = load_errors([tmp_path])
    items = sorted(e.item or "" for e in errors if "duplicate" in e.message)
    assert items == ["ada-brook", "camp-nine", "driver", "note", "pebble", "trip-length"]
    assert all(e.message.endswith(f"already declared in {first}") for e in errors)
    assert all(Path(e.file).parent.name == "b" for e in errors)


def test_many_errors_in_many_files_are_reported_together(tmp_path: Path) -> None:
    broken = base_pack()
    broken["facts"][0]["category"] = "sport"
    broken["facts"][0]["answer"]["entity"] = "nobody"
    broken["facts"][1]["answer"]["value"] = "three"
    broken["entities"][0]["colour"] = "red"
    write_pack(tmp_path / "a", broken)
    (tmp_path / "b.facts.yaml").write_text("document: [unclosed\n", encoding="utf-8")
    (tmp_path / "c.facts.toml").write_text('document = "not a table"\n', encoding="utf-8")
    errors = load_errors([tmp_path])
    lines = [str(e) for e in errors]
    assert any("a/note.facts.yaml: pebble: colour: unknown key 'colour'" in line for line in lines)
    assert any("trip-length: answer.value: expected a number, got 'three'" in line for line in lines)
    assert any("driver: answer.entity 'nobody' is not a known entity id" in line for line in lines)
    assert any("driver: category 'sport' is not declared" in line for line in lines)
    assert any("b.facts.yaml: YAML error at line 2" in line for line in lines)
    assert any("c.facts.toml: document: expected a mapping of keys to values, got text" in line for line in lines)
    assert len(errors) == 6


def test_invalid_item_does_not_cause_spurious_reference_errors(tmp_path: Path) -> None:
    pack = base_pack()
    pack["entities"][1]["age"] = "forty-one"
    [error] = load_errors([write_pack(tmp_path, pack)])
    assert error.item == "ada-brook"


# --------------------------------------------------------------------------- syntax and hostile input


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("syntax.facts.yaml", "document:\n  id: x\n  - oops\n", "YAML error at line 3"),
        ("syntax.facts.toml", 'document = { id = "x"\n', "TOML syntax error"),
        ("list.facts.yaml", "- a\n- b\n", "the top level must be a mapping"),
        ("scalar.facts.yaml", "just text\n", "the top level must be a mapping"),
        ("empty.facts.yaml", "# nothing\n", "the file is empty"),
        (
            "dup.facts.yaml",
            "document: {}\ncategories: {}\ndocument: {}\n",
            "duplicate key 'document' (first given on line 1)",
        ),
        ("tag.facts.yaml", "document: !!python/object/apply:os.system [echo]\n", "could not determine a constructor"),
        ("anchor.facts.yaml", "document: &d {id: x}\n", "YAML anchors (&name) are not allowed"),
        ("alias.facts.yaml", "document: *d\n", "YAML aliases (*name) are not allowed"),
        ("merge.facts.yaml", "categories: {<<: *base}\n", "YAML aliases (*name) are not allowed"),
        ("pack.json", "{}", "unsupported file type"),
    ],
)
def test_unreadable_files_give_one_clear_line(tmp_path: Path, name: str, content: str, message: str) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    [error] = load_errors([path])
    assert error.item is None
    assert message in error.message


def test_binary_pack_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bin.facts.yaml"
    path.write_bytes(b"\x00\xff\xfe garbage")
    [error] = load_errors([path])
    assert error.message == "not valid UTF-8 text (byte 1)"


@pytest.mark.usefixtures("fast")
def test_huge_pack_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "huge.facts.yaml"
    path.write_text("# " + "x" * (2 * 1024 * 1024) + "\n", encoding="utf-8")
    [error] = load_errors([path])
    assert "is bigger than 1024 KiB; refusing to read it" in error.message


@pytest.mark.usefixtures("fast")
def test_billion_laughs_is_refused(tmp_path: Path) -> None:
    lines = ['lol0: &lol0 ["lol"]']
    lines += [f"lol{i}: &lol{i} [{', '.join([f'*lol{i - 1}'] * 10)}]" for i in range(1, 10)]
    path = tmp_path / "laughs.facts.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    [error] = load_errors([path])
    assert error.message == "YAML error at line 1, column 7: YAML anchors (&name) are not allowed in fact packs"


@pytest.mark.usefixtures("fast")
def test_recursive_alias_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "loop.facts.yaml"
    path.write_text("document: &loop\n  self: *loop\n", encoding="utf-8")
    [error] = load_errors([path])
    assert "anchors (&name) are not allowed" in error.message


@pytest.mark.usefixtures("fast")
@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("flow-lists.facts.yaml", "document: " + "[" * 10_000 + "]" * 10_000 + "\n"),
        ("flow-maps.facts.yaml", "document: " + "{a: " * 10_000 + "x" + "}" * 10_000 + "\n"),
        ("block.facts.yaml", "".join(" " * depth + f"k{depth}:\n" for depth in range(500))),
        ("arrays.facts.toml", "document = " + "[" * 10_000 + "]" * 10_000 + "\n"),
        ("tables.facts.toml", "document = " + "{a = " * 10_000 + "1" + "}" * 10_000 + "\n"),
    ],
)
def test_deep_nesting_is_refused(tmp_path: Path, name: str, content: str) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    [error] = load_errors([path])
    assert "nested" in error.message
    assert "deep" in error.message


@pytest.mark.usefixtures("fast")
def test_wrong_types_everywhere_are_reported_not_raised(tmp_path: Path) -> None:
    path = tmp_path / "types.facts.yaml"
    path.write_text(
        "document: []\ncategories: [a, b]\nentities: text\nfacts: [1, null, [x], {id: 5}]\n", encoding="utf-8"
    )
    errors = load_errors([path])
    rendered = [f"{e.item}: {e.message}" for e in errors]
    assert "document: expected a mapping of keys to values, got a list" in rendered
    assert "categories: expected a mapping of keys to values, got a list" in rendered
    assert "entities: expected a list, got text" in rendered
    assert "facts[0]: expected a mapping of keys to values, got a number" in rendered
    assert "facts[1]: expected a mapping of keys to values, got nothing" in rendered
    assert "facts[3].id: expected text, got a number 5" in rendered


@pytest.mark.usefixtures("fast")
def test_too_many_yaml_values_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "values.facts.yaml"
    path.write_text("facts: [" + ",".join(["1"] * 300_000) + "]\n", encoding="utf-8")
    [error] = load_errors([path])
    assert error.message.endswith(f"more than {MAX_YAML_NODES} values: split the pack into smaller ones")


@pytest.mark.usefixtures("fast")
def test_too_many_items_are_refused_before_validation(tmp_path: Path) -> None:
    path = tmp_path / "items.facts.toml"
    path.write_text("[[facts]]\nid = 1\n" * (MAX_ITEMS + 1), encoding="utf-8")
    [error] = load_errors([path])
    assert (error.item, error.message) == (
        "facts",
        f"{MAX_ITEMS + 1} items is more than {MAX_ITEMS}: split the pack into smaller ones",
    )


def test_errors_beyond_the_cap_are_summarised_per_file(tmp_path: Path) -> None:
    path = tmp_path / "empty-facts.facts.toml"
    path.write_text("[[facts]]\n" * 150, encoding="utf-8")
    errors = load_errors([path])
    # 150 facts missing 5 keys each, plus the missing document
    assert len(errors) == MAX_ERRORS_PER_FILE + 1
    assert errors[0] == PackError(errors[0].file, "document", "this required key is missing")
    assert errors[-1].message == f"... and {751 - MAX_ERRORS_PER_FILE} more problems in this file"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs POSIX named pipes")
@pytest.mark.usefixtures("fast")
def test_named_pipe_document_is_not_opened(tmp_path: Path) -> None:
    pack = base_pack()
    pack["document"]["file"] = "pipe.txt"
    path = write_pack(tmp_path, pack)
    (tmp_path / "pipe.txt").unlink()
    os.mkfifo(tmp_path / "pipe.txt")
    errors = load_errors([path])
    assert (errors[0].item, errors[0].message) == (
        "document.file",
        f"document {tmp_path / 'pipe.txt'} is not a regular file",
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(content=st.text(alphabet=st.sampled_from(list("[]{}:,&*!|>-'\"#?%@`\n\t abc019é“")), max_size=200))
def test_arbitrary_text_never_escapes_as_a_raw_exception(tmp_path: Path, content: str) -> None:
    path = tmp_path / "fuzz.facts.yaml"
    path.write_text(content, encoding="utf-8")
    errors: list[PackError] = []
    try:
        load_store([path])
    except FactPackError as exc:
        errors = exc.errors
    assert all(error.message and "\n" not in str(error) for error in errors)
