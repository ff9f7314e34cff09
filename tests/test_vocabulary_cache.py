"""The word lists the matcher needs are kept prepared in a cache file: the same lists, and a bad file is rebuilt."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from questions.text import vocabulary


@pytest.fixture
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    vocabulary._word_lists.cache_clear()
    yield tmp_path
    vocabulary._word_lists.cache_clear()  # the next test reads the user's cache again


def test_the_cached_word_lists_are_the_packages_lists(cache_home: Path) -> None:
    built = vocabulary._build_word_lists()
    first = vocabulary._word_lists()  # builds and writes the cache file
    path = vocabulary._cache_file()
    assert path.is_relative_to(cache_home) and path.is_file()
    vocabulary._word_lists.cache_clear()
    assert vocabulary._word_lists() == first == built  # read back from the file
    assert vocabulary.is_english_word("others") and vocabulary.is_proper_noun("prussian")
    assert vocabulary.word_count("the") > vocabulary.word_count("billionaire") > 0


@pytest.mark.parametrize("content", [b"", b"not marshal data", b"\xe9\x00\x00\x00"])
def test_a_broken_cache_file_is_rebuilt(cache_home: Path, content: bytes) -> None:
    path = vocabulary._cache_file()
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    assert vocabulary._word_lists() == vocabulary._build_word_lists()
    assert path.stat().st_size > 1_000_000, "the broken file was replaced"


def test_an_unwritable_cache_folder_only_means_building_the_lists(cache_home: Path) -> None:
    (cache_home / "orbit-trivia").write_text("a file where the folder should be")
    assert vocabulary._word_lists() == vocabulary._build_word_lists()
