"""A YAML pack's parsed data is kept between processes (by the digest of its bytes): read back, it loads the same
store; a changed, broken or unparsable pack is never served from the cache; no cache folder only costs time."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from questions import loader
from questions.cache_files import write_cached
from questions.loader import FactPackError, load_store

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


@pytest.fixture
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty cache folder, and no pack parsed yet in this process."""
    home = tmp_path / "cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    monkeypatch.setattr(loader, "_parsed_packs", {})
    return home


@pytest.fixture
def seeds(tmp_path: Path) -> Path:
    folder = tmp_path / "seeds"
    shutil.copytree(SEEDS, folder)
    return folder


def _pack(folder: Path) -> Path:
    (pack,) = folder.glob("*.facts.yaml")
    return pack


def _no_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loader, "_parsed_packs", {})  # a new process, as far as the loader knows
    monkeypatch.setattr(yaml, "load", lambda *_, **__: pytest.fail("parsed again instead of read back"))


def _facts(folder: Path) -> dict[str, object]:
    return {fact.id: fact.model_dump() for fact in load_store([folder]).facts.values()}


def test_a_parsed_pack_is_read_back_and_loads_the_same_store(
    cache_home: Path, seeds: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    parsed = _facts(seeds)
    (kept,) = (cache_home / "orbit-trivia" / "packs").glob("*.marshal")
    _no_parsing(monkeypatch)
    assert _facts(seeds) == parsed  # dates included: the document's date and date answers come back as dates
    store = load_store([seeds])
    assert isinstance(next(iter(store.documents.values())).meta.date, dt.date)
    assert kept.is_file()


def test_a_changed_pack_is_parsed_again(cache_home: Path, seeds: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    load_store([seeds])
    pack = _pack(seeds)
    pack.write_text(pack.read_text(encoding="utf-8") + "# edited\n", encoding="utf-8")  # other bytes, same data
    monkeypatch.setattr(loader, "_parsed_packs", {})
    parses: list[object] = []
    real = yaml.load

    def counted(*args: Any, **kwargs: Any) -> object:
        parses.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(yaml, "load", counted)
    load_store([seeds])
    assert len(parses) == 1
    assert len(list((cache_home / "orbit-trivia" / "packs").glob("*.marshal"))) == 2


@pytest.mark.parametrize("content", [b"", b"not marshal data", b"\xe9\x00\x00\x00"])
def test_a_broken_cache_file_is_parsed_over(
    cache_home: Path, seeds: Path, content: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    parsed = _facts(seeds)
    (kept,) = (cache_home / "orbit-trivia" / "packs").glob("*.marshal")
    kept.write_bytes(content)
    monkeypatch.setattr(loader, "_parsed_packs", {})
    assert _facts(seeds) == parsed
    _no_parsing(monkeypatch)  # the repaired file is read back
    assert _facts(seeds) == parsed


def test_cached_data_that_is_not_a_pack_is_parsed_over(
    cache_home: Path, seeds: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    parsed = _facts(seeds)
    (kept,) = (cache_home / "orbit-trivia" / "packs").glob("*.marshal")
    assert write_cached(kept, ["not", "a", "mapping"])
    monkeypatch.setattr(loader, "_parsed_packs", {})
    assert _facts(seeds) == parsed


def test_an_unparsable_pack_is_never_kept_and_reports_its_errors_every_time(
    cache_home: Path, seeds: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pack = _pack(seeds)
    pack.write_text("document: [unclosed\n", encoding="utf-8")
    for _ in range(2):
        monkeypatch.setattr(loader, "_parsed_packs", {})
        with pytest.raises(FactPackError, match="YAML"):
            load_store([seeds])
    assert not list((cache_home / "orbit-trivia").rglob("*.marshal"))


def test_without_a_writable_cache_folder_packs_still_load(
    tmp_path: Path, seeds: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    monkeypatch.setattr(loader, "_parsed_packs", {})
    assert load_store([seeds]).facts


def test_the_cache_keeps_only_the_newest_packs(cache_home: Path) -> None:
    folder = cache_home / "orbit-trivia" / "packs"
    for n in range(5):
        assert write_cached(folder / f"{n}.marshal", {"n": n}, keep=3)
    assert len(list(folder.glob("*.marshal"))) == 3


def test_a_file_that_cannot_be_moved_into_place_leaves_no_stray_file(tmp_path: Path) -> None:
    target = tmp_path / "kept" / "data.marshal"
    target.mkdir(parents=True)  # a folder where the file should go: the move fails
    assert not write_cached(target, {"a": 1})
    assert [entry.name for entry in target.parent.iterdir()] == ["data.marshal"]
