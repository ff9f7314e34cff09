"""Known words and names: what a typed word is when it is not a typo.

A typo is a typo only when the input is not itself another known word or name: "Challenger" is not a
misspelt "Challenge" and "Bollywood" is not a misspelt "Hollywood". Three sources say what is known:

* the English dictionary of the maintained ``english-words`` package (its GCIDE list, ~114,000 words);
* :data:`WELL_KNOWN_NAMES`, a small curated list of names a space or film quiz draws as wrong guesses
  (other spacecraft, stations, spaceports, astronauts, film industries) that no dictionary holds;
* the store's own entity names and the words of its documents, which the matcher adds per store.

Inside a name of several words, a dictionary word may still be a slip ("Tom Cruse", "Soviet Onion"): the
matcher then weighs how common the word is (:func:`word_count`, from the English word-frequency list of the
maintained ``pyspellchecker`` package) against the name's own word, as a noisy-channel spelling corrector
does, and whether the two are forms of one word (:func:`same_word`).

:data:`RUSSIAN_EXONYMS` maps the Russian names of well-known places, countries and organisations (as
transliterated to Latin) to their English names, so "Россия", "США" or "МКС" read as Russia, USA, ISS.
"""

from __future__ import annotations

from functools import cache
from importlib.metadata import version
from pathlib import Path
from typing import Final

from questions.cache_files import PYTHON_TAG, cache_folder, read_cached, write_cached
from questions.text.normalize import normalize

WELL_KNOWN_NAMES: Final = (
    # spacecraft, series and stations
    "Vostok",
    "Voskhod",
    "Progress",
    "Soyuz",
    "Apollo",
    "Gemini",
    "Mercury",
    "Skylab",
    "Salyut",
    "Mir",
    "Tiangong",
    "Shenzhou",
    "Dragon",
    "Crew Dragon",
    "Starliner",
    "Orion",
    "Challenger",
    "Columbia",
    "Discovery",
    "Endeavour",
    "Atlantis",
    "Buran",
    "Hubble",
    "Explorer",
    "Vanguard",
    "Luna",
    "Lunokhod",
    "Venera",
    "Energia",
    "Proton",
    "Angara",
    "Falcon",
    "Starship",
    "Artemis",
    "Inspiration4",
    # spaceports and space cities
    "Plesetsk",
    "Vostochny",
    "Kapustin Yar",
    "Cape Canaveral",
    "Kennedy Space Center",
    "Houston",
    "Star City",
    "Jiuquan",
    "Kourou",
    "NACA",
    "Tanegashima",
    "Sriharikota",
    "Moscow",
    "Washington",
    # agencies and companies
    "ESA",
    "JAXA",
    "ISRO",
    "CNSA",
    "NASDA",
    "Blue Origin",
    "Virgin Galactic",
    "Boeing",
    "Energiya",
    "Reuters",
    "TASS",
    "Interfax",
    "Netflix",
    "Channel One",
    "UK Space Agency",
    "Canadian Space Agency",
    "Spacey",  # Kevin Spacey: no slip of SpaceX
    # people a quiz on space firsts draws
    "Neil Armstrong",
    "Buzz Aldrin",
    "Michael Collins",
    "Valentina Tereshkova",
    "Alexei Leonov",
    "Sergei Korolev",
    "Gherman Titov",
    "John Glenn",
    "Alan Shepard",
    "Sally Ride",
    "Laika",
    "Dennis Tito",
    "Yusaku Maezawa",
    "Jeff Bezos",
    "Richard Branson",
    "Dmitry Rogozin",
    "Vladimir Putin",
    "Pyotr Dubrov",
    "Mark Vande Hei",
    "Tom Hanks",
    "Brad Pitt",
    "Doug Liman",
    # film industries and places
    "Bollywood",
    "Nollywood",
    "Tollywood",
    "Mosfilm",
    "Pinewood",
    "Cannes",
    "Mars",
    "Moon",
    "Venus",
    "Jupiter",
    "Ukraine",
    "Belarus",
    "Uzbekistan",
    "Kyrgyzstan",
    "Turkmenistan",
    "Mongolia",
    "India",
    "Japan",
    "France",
    "Germany",
    "Britain",
    "Europe",
    "Yugoslavia",
    "Top Gun",
    "Gravity",
    "Interstellar",
    "Armageddon",
)
"""Names a player may type that are not in a dictionary and are not typos of the store's names."""

GIVEN_NAME_WORDS: Final = frozenset(
    {"john", "tom", "bill", "mike", "anna", "maria", "mark", "will", "jack", "rose", "grace", "pat", "sue", "ray"}
    | {"bob", "rob", "don", "frank", "joy", "hope", "faith", "art", "dawn", "drew", "earl", "gene", "guy", "ivy"}
    | {"jay", "jean", "jerry", "jim", "joe", "ken", "lily", "max", "may", "miles", "nick", "norm", "olive", "pearl"}
    | {"penny", "pete", "rich", "rick", "rod", "sally", "sandy", "stan", "ted", "terry", "tim", "toby", "wade"}
    | {"ward", "bud", "chip", "dick", "hal", "kitty", "sam", "ben", "dan", "matt", "walt", "carol", "eve", "iris"}
    | {"ruby", "holly", "heather", "daisy", "april", "june", "robin", "ruth", "victor", "grant", "chase", "cliff"}
    | {"dale", "glen", "lance", "mason", "neil", "harry", "larry", "barry", "gary", "kim", "lee", "leo", "vera"}
    | {"nina", "olga", "ivan", "boris", "igor", "yuri", "vlad", "lev", "roman", "jan", "eric", "dean", "jasmine"}
)
"""Given names that are English words too ('John', 'Bill', 'Anna', 'Roman'): in front of a surname they are still
first names ('Bill Cruise' is not Tom Cruise). The dictionary's capitalised words are too noisy for this (it holds
'Old' and 'Tech'), so this small list is curated; names that are no English word need no list."""

_IRREGULAR_ADJECTIVES: Final = {
    "kazakhstan": ("kazakh",),
    "france": ("french",),
    "britain": ("british",),
    "china": ("chinese",),
    "japan": ("japanese",),
    "netherlands": ("dutch",),
    "ukraine": ("ukrainian",),
    "soviet union": ("soviet",),
}


def adjective_forms(name: str) -> list[str]:
    """Return the forms a place's name takes as an adjective, lower-case: 'Russia' -> 'russian', 'America' ->
    'american', 'Kazakhstan' -> 'kazakh'. Names of several words, abbreviations and plurals have none but the
    irregular ones listed ('Soviet Union' -> 'soviet')."""
    key = normalize(name)
    forms = list(_IRREGULAR_ADJECTIVES.get(key, ()))
    if " " in key or len(key) < 4 or not name[:1].isupper() or name.isupper() or key.endswith("s"):
        return forms
    stem = key[:-1] if key.endswith(("a", "e")) else key
    return [*forms, f"{key}n", f"{key}an", f"{key}ian", f"{stem}ese", f"{stem}ian", f"{stem}an"]


RUSSIAN_EXONYMS: Final[dict[str, str]] = {
    # the Latin transliteration of the Russian name (as the text normaliser writes it) -> English name
    "rossiya": "Russia",
    "rossii": "Russia",
    "rossiyskaya federatsiya": "Russian Federation",
    "rf": "Russian Federation",
    "ssha": "USA",
    "soedinennye shtaty": "United States",
    "soedinennye shtaty ameriki": "United States of America",
    "amerika": "America",
    "sssr": "USSR",
    "sovetskiy soyuz": "Soviet Union",
    "kitay": "China",
    "knr": "PRC",
    "kazakhstan": "Kazakhstan",
    "kreml": "Kremlin",
    "mks": "ISS",
    "mezhdunarodnaya kosmicheskaya stantsiya": "International Space Station",
    "zemlya": "Earth",
    "gollivud": "Hollywood",
    "kosmodrom baykonur": "Baikonur Cosmodrome",
    "baykonur": "Baikonur",
    "roskosmos": "Roscosmos",
    "goskorporatsiya roskosmos": "Roscosmos",
    "nasa": "NASA",
    "speysiks": "SpaceX",
    "speys iks": "SpaceX",
    "afp": "AFP",
    "frans press": "Agence France-Presse",
    "ans frans press": "Agence France-Presse",
    "tom kruz": "Tom Cruise",
    "kruz": "Cruise",
    "ilon mask": "Elon Musk",
    "mask": "Musk",
    "missiya nevypolnima": "Mission: Impossible",
    "missiya nevypolnimay": "Mission: Impossible",
    "sputnik": "Sputnik",
    "vyzov": "Vyzov",
    # roles, so 'Пересильд, актриса' reads as 'Peresild, actress'
    "aktrisa": "actress",
    "akter": "actor",
    "aktyor": "actor",
    "rezhisser": "director",
    "rezhissyor": "director",
    "kosmonavt": "cosmonaut",
    "astronavt": "astronaut",
    "kinorezhisser": "film director",
}
"""Russian names of well-known things, for players who answer in Russian."""


_CACHE_FORMAT: Final = 2
"""Bumped when what the word-list cache holds changes."""


def _cache_file() -> Path | None:
    """Return where the prepared word lists are kept: the user's cache folder, one file per package versions."""
    folder = cache_folder()
    if folder is None:
        return None
    key = "-".join((str(_CACHE_FORMAT), PYTHON_TAG, f"ew{version('english-words')}", f"sc{version('pyspellchecker')}"))
    return folder / f"word-lists-{key}.marshal"


_WordLists = tuple[frozenset[str], frozenset[str], dict[str, int], frozenset[str]]


def _build_word_lists() -> _WordLists:
    from english_words import get_english_words_set  # only here: a process that reads the cache needs neither
    from spellchecker import SpellChecker

    dictionary = frozenset(get_english_words_set(["gcide"], lower=True, alpha=True))
    # The web2 list keeps capitals: a word it holds only capitalised is a name ('Prussian', 'Musa').
    web2 = get_english_words_set(["web2"], lower=False, alpha=True)
    proper_nouns = frozenset(word.lower() for word in web2 if word[:1].isupper() and word.lower() not in web2)
    # Every word it holds capitalised, also those that are words too ('John', 'Bill', 'Tom'): names people bear.
    capitalised = frozenset(word.lower() for word in web2 if word[:1].isupper())
    # Only pyspellchecker's word list is used (not its corrector).
    counts = dict(SpellChecker(language="en", distance=1).word_frequency.dictionary)
    return dictionary, proper_nouns, counts, capitalised


@cache
def _word_lists() -> _WordLists:
    """Return the dictionary, the dictionary's proper nouns and the word frequencies, once per process.

    Built from the packages they take about 0.3 s of CPU; every bot process and every test worker needs
    them, so the built lists are kept in a cache file (marshal, read in about 0.05 s) keyed by the Python and
    package versions. A missing, unreadable or unwritable cache only means building them again.
    """
    path = _cache_file()
    if path is not None:
        cached = read_cached(path)
        if isinstance(cached, tuple) and len(cached) == 4:
            dictionary, proper_nouns, counts, capitalised = cached
            if (
                isinstance(dictionary, frozenset)
                and isinstance(proper_nouns, frozenset)
                and isinstance(counts, dict)
                and isinstance(capitalised, frozenset)
            ):
                return dictionary, proper_nouns, counts, capitalised
    lists = _build_word_lists()
    if path is not None:
        write_cached(path, lists)
    return lists


def english_words() -> frozenset[str]:
    """Return the lower-case English dictionary words (letters only) of the english-words package."""
    return _word_lists()[0]


_INFLECTIONS: Final = (("ies", "y"), ("es", ""), ("s", ""), ("ed", ""), ("ed", "e"), ("ing", ""), ("ing", "e"))


def is_english_word(word: str) -> bool:
    """Tell whether a lower-case word, or the word it inflects ('others' -> 'other'), is in the dictionary."""
    words = english_words()
    if word in words:
        return True
    return any(
        word.endswith(ending) and len(word) > len(ending) + 2 and word[: -len(ending)] + base in words
        for ending, base in _INFLECTIONS
    )


def same_word(word: str, other: str) -> bool:
    """Tell whether two words are forms of one word: inflections of it ('unites', 'united'), or one with a silent
    final e ('press', 'presse')."""
    return bool(_forms(word) & _forms(other))


def _forms(word: str) -> set[str]:
    forms = {word, word.removesuffix("e")}
    forms |= {word[: -len(ending)] + base for ending, base in _INFLECTIONS if word.endswith(ending)}
    return {form for form in forms if len(form) > 2}


def is_proper_noun(word: str) -> bool:
    """Tell whether a lower-case word (or the word it inflects) is a dictionary name: 'prussian', 'musa'."""
    return bool(_forms(word) & _word_lists()[1])


def is_capitalised_name(word: str) -> bool:
    """Tell whether the dictionary holds a lower-case word capitalised, as a name ('john', 'olga', 'bill')."""
    return word in _word_lists()[3]


def load_word_lists() -> None:
    """Load every word list now (about 0.05 s from the cache, 0.3 s without), so that no answer waits for them."""
    _word_lists()


def word_count(word: str) -> int:
    """Return how often a lower-case word occurs in the English word-frequency list (0: never, or rare)."""
    return _word_lists()[2].get(word, 0)


@cache
def well_known_words() -> frozenset[str]:
    """Return the normalised words of the well-known names ('neil', 'armstrong', 'bollywood', ...)."""
    return frozenset(word for name in WELL_KNOWN_NAMES for word in normalize(name).split())


def is_known_word(word: str) -> bool:
    """Tell whether a normalised word is an English word or part of a well-known name (so no typo)."""
    return not word.isdecimal() and (is_english_word(word) or word in well_known_words())
