"""The word lists the matcher needs are kept prepared in a cache file: the same lists, and a bad file is rebuilt."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from questions.text import vocabulary

SMALL = (
    frozenset({"press", "other"}),
    frozenset({"prussian"}),
    {"the": 100, "press": 5},
    frozenset({"prussian", "john"}),
)
"""Stand-in lists, for the tests of the cache's handling (building the real ones takes ~0.3 s)."""


@pytest.fixture
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    vocabulary._word_lists.cache_clear()
    yield tmp_path
    vocabulary._word_lists.cache_clear()  # the next test reads the user's cache again


def test_the_cached_word_lists_are_the_packages_lists(cache_home: Path) -> None:
    built = vocabulary._word_lists()  # no cache file yet: built from the packages, and written
    path = vocabulary._cache_file()
    assert path is not None and path.is_relative_to(cache_home) and path.is_file()
    vocabulary._word_lists.cache_clear()
    assert vocabulary._word_lists() == built  # read back from the file
    assert len(built[0]) > 100_000 and len(built[1]) > 10_000 and len(built[2]) > 100_000
    assert vocabulary.is_english_word("others") and vocabulary.is_proper_noun("prussian")
    assert vocabulary.word_count("the") > vocabulary.word_count("billionaire") > 0


@pytest.mark.parametrize("content", [b"", b"not marshal data", b"\xe9\x00\x00\x00"])
def test_a_broken_cache_file_is_rebuilt(cache_home: Path, content: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(vocabulary, "_build_word_lists", lambda: SMALL)
    path = vocabulary._cache_file()
    assert path is not None
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    assert vocabulary._word_lists() == SMALL
    vocabulary._word_lists.cache_clear()
    monkeypatch.setattr(vocabulary, "_build_word_lists", lambda: pytest.fail("the repaired file was not read"))
    assert vocabulary._word_lists() == SMALL


def test_an_unwritable_cache_folder_only_means_building_the_lists(
    cache_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(vocabulary, "_build_word_lists", lambda: SMALL)
    (cache_home / "orbit-trivia").write_text("a file where the folder should be")
    assert vocabulary._word_lists() == SMALL


def test_without_a_home_folder_the_lists_are_built(cache_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(vocabulary, "_build_word_lists", lambda: SMALL)
    monkeypatch.delenv("XDG_CACHE_HOME")

    def no_home(cls: type[Path]) -> Path:
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.setattr(Path, "home", classmethod(no_home))
    assert vocabulary._word_lists() == SMALL
