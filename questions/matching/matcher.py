"""The answer matcher: dispatch by answer type; people, entities and sets of them."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Final, Literal

from rapidfuzz import process
from rapidfuzz.distance import OSA

from questions.matching.choices import judge_choice
from questions.matching.phrases import judge_text, negation_in, phrase_keywords, reversal_verdict, spoken_words
from questions.matching.values import (
    judge_date,
    judge_quantity,
    judge_time,
    value_qualifier,
    year_as_date,
)
from questions.matching.verdicts import (
    ALTERNATIVE_WORDS,
    DOUBT_WORDS,
    MAX_ANSWER_LENGTH,
    NameKind,
    Verdict,
    VerdictCode,
    accept,
    empty_verdict,
    extra_alias,
    join_names,
    name_key,
    quote,
    reject,
    skeleton,
    without_digits,
)
from questions.models import AnswerType, Entity, EntityType, ExpectedAnswer, Question, QuestionKind, TextAnswer
from questions.store import FactStore
from questions.text.durations import with_decimal_fractions
from questions.text.normalize import (
    STOP_WORDS,
    clean,
    compact,
    digit_runs,
    display_text,
    is_blank,
    normalize,
    normalize_cleaned,
    strip_doubt_text,
    strip_filler,
    strip_filler_text,
    typo_budget,
)
from questions.text.numbers import digitize_number_words
from questions.text.vocabulary import (
    GIVEN_NAME_WORDS,
    RUSSIAN_EXONYMS,
    WELL_KNOWN_NAMES,
    adjective_forms,
    is_capitalised_name,
    is_english_word,
    is_proper_noun,
    load_word_lists,
    same_word,
    well_known_words,
    word_count,
)


@dataclass(frozen=True)
class _Name:
    """One name of an entity of the store, precomputed for matching."""

    key: str
    compact: str
    entity_id: str
    kind: NameKind


@dataclass(frozen=True)
class _Candidate:
    """A name the answer may be: one of the expected answer's names, or an extra alias."""

    key: str
    original: str
    kind: NameKind


@dataclass(frozen=True)
class _Resolved:
    """An answer (or part of one) read as an entity of the store."""

    entity_id: str
    code: VerdictCode


_VALUE_KINDS: Final[dict[AnswerType, Literal["quantity", "date", "time"]]] = {
    AnswerType.NUMBER: "quantity",
    AnswerType.DURATION: "quantity",
    AnswerType.DATE: "date",
    AnswerType.TIME: "time",
}
_ERA: Final = re.compile(r"(?<=\d)\s*(?:a\.?\s?d\.?|c\.?\s?e\.?)(?![a-z])")
"""An era marker after a year ('2020 AD', '2020 CE'), which says the year itself."""
_DAY_RANGE: Final = re.compile(
    r"\b\d{1,2}\s*[-–]\s*\d{1,2}(?:st|nd|rd|th)?\s+[a-z]{3}|\b[a-z]{3,}\.?\s+\d{1,2}\s*[-–]\s*\d{1,2}\b(?![-–/.]\d)"
)
"""Two days of one month ('5-6 October', 'October 5-6'): a range, not one date."""
_AS_WELL_AS: Final = re.compile(r"\b(?:as well as|besides|apart from|in addition to)\b")
_SET_FILLER: Final = frozenset(
    {"others", "other", "etc", "so", "on", "more", "rest", "too", "also", "else", "both", "all", "namely"}
    | {"they", "them", "were", "are", "is", "was", "i", "think", "guess", "believe", "2", "3", "two", "three", "four"}
    | {"led", "leading", "way", "crew", "film", "team", "with", "final", "answer"}
)
"""Words of a set answer that name nobody ('both', 'all three', 'and so on'): neither a member nor a wrong guess."""


@lru_cache(maxsize=4096)
def _words_of_forms(forms: tuple[str, ...]) -> frozenset[str]:
    """The normalised words of an answer's accepted forms, once per answer (not once per judged text)."""
    return frozenset(word for form in forms for word in normalize(form).split())


def _without_former(words: list[str], former: frozenset[str]) -> list[str]:
    """Drop 'ex-Soviet', 'former USSR' from the words around a name: the former state a place belonged to describes
    it ('ex-Soviet Kazakhstan'), it names no second answer. Only a former state: 'ex-NASA Roscosmos' stays."""
    kept: list[str] = []
    index = 0
    while index < len(words):
        if words[index] in ("ex", "former") and index + 1 < len(words) and words[index + 1] in former:
            index += 1
            while index < len(words) and words[index] in former:  # 'former Soviet Union': the whole name
                index += 1
            continue
        kept.append(words[index])
        index += 1
    return kept


def _as_well_as(match: re.Match[str]) -> str:
    """Read 'besides' as 'and' between the names of a set answer; at its start ('apart from X, Y') or after 'someone'
    ('someone besides X') it still says what the answer is not."""
    before = match.string[: match.start()].split()
    return match.group(0) if not before or before[-1] in _SOMEONE else " "


_SOMEONE: Final = frozenset(
    {f"{head}{tail}" for head in ("any", "every", "some", "no") for tail in ("one", "body", "thing", "where")}
)


def _without_set_filler(key: str) -> str:
    """Drop the filler words at the start and end of one part of a set answer ('both usa' -> 'usa')."""
    words = key.split()
    while words and words[0] in _SET_FILLER:
        words.pop(0)
    while words and words[-1] in _SET_FILLER:
        words.pop()
    return " ".join(words)


_SLASHED: Final = re.compile(r"[^\W\d_]\s*/\s*[^\W\d_]")
"""Two words joined by a slash ('the Soviet/Apollo era'): a choice, not one answer."""
_CHOICE_WORDS: Final = ALTERNATIVE_WORDS | DOUBT_WORDS
"""Words inside an answer (not a lead-in) that offer a choice: 'Peresild maybe Vysotskaya', 'either X or Y'."""
_UNKNOWN_NAME_MIN: Final = 3
_PATRONYMIC: Final = re.compile(r"(?:ovna|evna|ovich|evich|ichna|ich)$")
"""Russian patronymic endings ('Borisovna', 'Nikolayevich'): part of a full name, not a second one."""
_MENTION: Final = re.compile(r"<(?:@[!&]?|#)\d+>")
"""A Discord mention or channel link inside typed text: it is no part of an answer."""
_POSSESSIVE: Final = re.compile(r"(?<=\w)['’]s\b")
_THEIR_SOMEONE: Final = re.compile(r"(\w+)['’]s\s+(?!(?:the|a|an)\b)[^\W\d_]")
"""A possessive followed by a word, in a person's answer: someone of theirs ('Peresild's director')."""
_RELATION_NOUNS: Final = frozenset(
    {"director", "co", "costar", "star", "replacement", "backup", "double", "stunt", "commander", "rival"}
    | {"successor", "predecessor", "colleague", "partner", "boss", "assistant", "understudy", "stand", "friend"}
    | {"brother", "sister", "wife", "husband", "son", "daughter", "father", "mother", "dad", "mom", "mum"}
    | {"crewmate", "producer", "agent", "manager", "coach", "teacher", "student", "deputy", "lawyer", "cousin"}
    | {"investor", "investors", "spokesman", "spokeswoman", "spokesperson", "character", "ex", "body", "uncle"}
    | {"aunt", "nephew", "niece", "fan", "fans", "employee", "employees", "lookalike", "impersonator", "clone"}
    | {"girlfriend", "boyfriend", "kid", "kids", "child", "children", "enemy", "bodyguard", "driver", "fiancee"}
)
"""Words for someone else after a person's possessive ('Peresild's director'); "Peresild's my guess" and "Musk's
company" are no one else."""
_FIRST_NAMES: Final = GIVEN_NAME_WORDS - {"rich", "frank", "sandy", "grand", "joy", "hope", "faith", "grace", "guy"}
"""Given names that, before another word, start a second person's name ('Will Smith', 'Bill Gates'); not those that
more often describe ('Elon Musk, rich guy')."""
_COMPOUND_HEADS: Final = frozenset(
    {"missile", "missiles", "ship", "ships", "control", "liner", "line", "lines", "holiday", "holidays", "speed"}
    | {"oil", "ox", "oxen", "deer", "perfume", "scent", "rat", "melon", "rose", "stick", "mallow", "cologne"}
)
"""Words that make a compound noun of a surname that is also a word ('cruise missile', 'musk ox'); 'Musk himself'
and 'Cruise again' are the person."""
_LIST_MARKER: Final = re.compile(r"(?:^|\s)\d{1,2}[.)]\s+")
"""A numbered list's markers ('1. Shkaplerov 2. Peresild'), read as separators."""
_COMPANY_WORDS: Final = frozenset(
    {"inc", "corp", "corporation", "company", "co", "ltd", "llc", "plc", "group", "state", "agency", "organisation"}
)
"""Words of an organisation's legal or full name ('SpaceX Inc', 'Roscosmos State Corporation')."""
_PLACE_TYPES: Final = frozenset({EntityType.PLACE, EntityType.COUNTRY})
_NEGATING_PREFIXES: Final = frozenset({"post", "pre", "ex", "anti", "non", "neo", "pseudo", "proto"})
"""Prefixes that make a name something else ('post-Soviet Union'); 'the former Soviet Union' is the same state."""
_BOUNDS_BEFORE_NAME: Final = frozenset(
    {"before", "after", "since", "until", "till", "prior", "beyond", "following", "later", "next", "near", "nearby"}
    | {"beside", "outside", "around", "behind"}
)
"""Words that, before a name, make it a time or place around the thing rather than the thing ('after the Soviet
era', 'a cosmodrome next to Baikonur')."""
_CLAUSE_HEADS: Final = frozenset({"that", "which", "who", "whose", "where"})
"""Words that, before a name, start a clause ending in it: the answer is the clause's head ('the rocket that launched
Soyuz MS-19')."""
_NAMING_WORDS: Final = frozenset({"called", "named", "known", "is", "was", "s"})
"""Words of a clause that only names the thing ('the one called Soyuz MS-19', 'the craft that's Soyuz MS-19')."""
_RELATIVES: Final = frozenset(
    {"sr", "snr", "senior", "jr", "jnr", "junior", "brothers", "sisters", "siblings", "family", "clan"}
    | {"father", "mother", "dad", "mom", "mum", "son", "daughter", "wife", "husband", "brother", "sister"}
)
"""Words that make a person's surname name a relative ('Musk Sr', 'the Peresild family')."""
_SET_HEDGES: Final = (ALTERNATIVE_WORDS - {"vs", "versus"}) | DOUBT_WORDS | {"nor"}
"""Words that make a set answer a choice between names ('US or China', 'Peresild, Shipenko and maybe Novitsky');
'US vs China' names the two rivals."""
_SET_SEPARATORS: Final = re.compile(
    r"\s*(?:[,;/&+|\n]|\band\b|\bor\b|\bnor\b|\bplus\b|\bvs\b|\bversus\b|\bunless\b|"
    r"\botherwise\b|\bas well as\b)\s*"
)
_HEDGE_WORDS: Final = ALTERNATIVE_WORDS | DOUBT_WORDS | {"not"}
_BOTH: Final = re.compile(r"^(?:both|either) ")
_MAX_DESCRIPTION_WORDS: Final = 5
_ALTERNATIVE_JOINERS: Final = re.compile(r"[;/&+|]|\b(?:and|or|nor|plus|vs|versus|unless|otherwise)\b|\bas well as\b")
_CYRILLIC: Final = re.compile(r"[\u0400-\u04ff]")
_MIXED_SCRIPT: Final = re.compile(r"[a-zA-Z][\u0400-\u04ff]|[\u0400-\u04ff][a-zA-Z]")
_ACRONYM_SKIPPED: Final = frozenset({"of", "the", "and", "for", "de", "du", "la"})
_DESIGNATION_WORD_MIN: Final = 5
"""In a designation like 'Soyuz MS-19', words shorter than this ('ms', 'tma') are series codes: no typos."""
_MAX_SET_WINDOW: Final = 4
_MAX_EXTRA_WORDS_AROUND_NAME: Final = 3
_NAME_DESCRIPTORS: Final = frozenset(
    {"mr", "mrs", "ms", "miss", "mister", "madam", "sir", "dame", "lady", "lord", "dr", "prof", "professor"}
    | {"major", "general", "captain", "colonel", "commander", "pilot", "tech", "star", "mogul", "hollywood"}
    | {"russian", "american", "soviet", "kazakh", "french", "british", "english", "german", "ukrainian", "us"}
)
"""Titles and descriptions that the dictionary also holds capitalised: 'Mr Musk' and 'Russian Peresild' name the
expected person, not another person of the same surname."""
_ROLE_END: Final = re.compile(r"\s(?:of|and|in|on|for|from)\s")
_SLIP_WORD_MIN: Final = 4
"""A dictionary word read as a slip for a word of a name must be this long, and so must that word."""
_COMMON_WORD_COUNT: Final = 1000
"""Occurrences in the frequency list (of 1.6 billion words) from which a word is a common one, not a name."""


class AnswerMatcher:
    """Judge typed answers against questions of one fact store; build once, reuse for every answer."""

    def __init__(self, store: FactStore) -> None:
        self._store = store
        self._names: list[_Name] = []
        self._owners: dict[str, set[str]] = {}
        self._given_names: dict[str, set[str]] = {}
        for entity in store.entities.values():
            for name, kind in self._entity_names(store, entity):
                key = name_key(name)
                if not key:
                    continue
                self._names.append(_Name(key, compact(key), entity.id, kind))
                self._owners.setdefault(compact(key), set()).add(entity.id)
            if entity.type == EntityType.PERSON and len(name_key(entity.name).split()) > 1:
                given = name_key(entity.name).split()[0]
                self._given_names.setdefault(given, set()).add(entity.id)
        self._keys = [name.key for name in self._names]
        self._longest_budget = max((typo_budget(len(key)) for key in self._keys), default=0)
        # words that are names, not typos: the store's names, its documents' words, well-known names
        self._well_known = {compact(name_key(name)): name for name in WELL_KNOWN_NAMES}
        self._name_words = {word for key in (*self._keys, *map(name_key, WELL_KNOWN_NAMES)) for word in key.split()}
        self._vocabulary = self._name_words | {
            word for document in store.documents.values() for word in normalize(document.text).split()
        }
        self._places = self._containing_places()
        # entities no document names (not even by an alias or surname) are only wrong options of the pack
        spans = _word_spans(normalize(document.text) for document in store.documents.values())
        self._options_only: set[str] = {
            entity.id
            for entity in store.entities.values()
            if spans
            and entity.source is None
            and not any(name_key(name) in spans for name, _ in self._entity_names(store, entity))
        }
        self._relations = self._relations_of_store()
        self._role_heads = self._role_heads_of_store()
        self._all_roles = frozenset(head for heads in self._role_heads.values() for head in heads)
        # the names and adjectives of former states ('soviet', 'ussr'), which 'ex-' and 'former' may precede
        self._former_words = frozenset(
            word
            for entity in store.entities.values()
            if "former" in (entity.kind or "")
            for name in store.names_of(entity)
            for word in (*name_key(name).split(), *adjective_forms(name))
        )
        self._rival_sources: dict[str, list[tuple[str, str]]] | None = None
        load_word_lists()
        self._proper_words = {word for word in self._name_words if not is_english_word(word)}
        self._exonyms = {name_key(russian): name_key(english) for russian, english in RUSSIAN_EXONYMS.items()}

    def _containing_places(self) -> dict[str, set[str]]:
        """Map each entity to the places it lies in: its ``country`` attribute and 'located_in' relations."""
        places: dict[str, set[str]] = {}
        for entity in self._store.entities.values():
            if entity.country and entity.country in self._store.entities:
                places.setdefault(entity.id, set()).add(entity.country)
        for fact in self._store.facts.values():
            relation = fact.relation
            if relation is not None and relation.object and relation.name in ("located_in", "in_country", "part_of"):
                places.setdefault(relation.subject, set()).add(relation.object)
        for entity_id in list(places):  # one more step: a site in a region in a country
            for place in list(places[entity_id]):
                places[entity_id] |= places.get(place, set())
        return places

    def is_known_word(self, word: str) -> bool:
        """Tell whether a normalised word is a word or name in its own right (so not a typo of another)."""
        return is_english_word(word) or word in self._vocabulary

    @staticmethod
    def _entity_names(store: FactStore, entity: Entity) -> Iterable[tuple[str, NameKind]]:
        yield entity.name, "name"
        for alias in entity.aliases:
            yield alias, "alias"
        for surname in store.surnames_of(entity):
            yield surname, "surname"

    # ----------------------------------------------------------------- entry point

    def judge(self, question: Question, text: str, extra_aliases: Sequence[str] = ()) -> Verdict:
        """Judge one typed answer; extra_aliases are a server's accepted alternatives (judged as ALIAS).

        Multiple-choice and true/false questions take an option letter, its number, its text (or a name,
        value or paraphrase of it) and, for true/false, yes/no words; every other question is judged by
        ``question.expected.type``. Input over MAX_ANSWER_LENGTH characters is refused unread (TOO_LONG).
        """
        if len(text) > MAX_ANSWER_LENGTH:
            return reject(VerdictCode.TOO_LONG, f"Rejected: answers are limited to {MAX_ANSWER_LENGTH} characters.")
        cleaned = clean(_MENTION.sub(" ", text))
        full_key = normalize_cleaned(cleaned)
        key = strip_filler(full_key)
        shown = display_text(text)
        expected = question.expected
        if (
            question.kind in (QuestionKind.MULTIPLE_CHOICE, QuestionKind.TRUE_FALSE)
            and question.correct_index is not None
            and 0 <= question.correct_index < len(question.choices)
        ):
            return judge_choice(question, cleaned, key, shown, extra_aliases, self._choice_by_entity)
        doubtless = strip_doubt_text(cleaned)
        if doubtless != cleaned and self._answer_words(expected, extra_aliases) & (
            set(full_key.split()) - set(normalize_cleaned(doubtless).split()) - STOP_WORDS
        ):
            doubtless = cleaned  # 'the far right', 'Tim Sharp': the words are the answer's own
        said_with_doubt = doubtless != cleaned
        if said_with_doubt:
            cleaned, full_key = doubtless, normalize_cleaned(doubtless)
            key = strip_filler(full_key)
        typed_shown = shown
        if is_blank(key):
            return empty_verdict(shown)
        # Cyrillic typed as such is transliterated loosely; a look-alike letter inside a Latin word ('Elon Mаsk') is
        # a trick, held to the Latin rules
        transliterated = bool(_CYRILLIC.search(text)) and not _MIXED_SCRIPT.search(text)
        if transliterated:
            key = self._english_names(key)
        # in a set, 'besides' and 'apart from' add a name ('Peresild and Shipenko, besides Shkaplerov')
        negated = _AS_WELL_AS.sub(_as_well_as, full_key) if expected.type == AnswerType.SET else full_key
        negation = negation_in(negated, [expected.display, *expected.accepted, *extra_aliases], text)
        if negation is not None:
            return reject(
                VerdictCode.WRONG,
                f"Rejected: {quote(typed_shown)} says what the answer is not ({quote(negation)}).",
            )
        if expected.type not in (AnswerType.TEXT, AnswerType.SET):  # a text answer weighs its phrasings itself
            phrasings = (expected.display, *expected.accepted, *extra_aliases)
            reversed_verdict = reversal_verdict(full_key, phrasings, question.prompt, typed_shown, expected.display)
            if reversed_verdict is not None:
                return reversed_verdict
        if said_with_doubt or key != full_key:  # the reasons below speak of the answer alone
            shown = strip_filler_text(strip_doubt_text(shown))
            cleaned = strip_filler_text(cleaned)  # 'I think it's Agence France-Presse': judged without the lead-in
        alias = extra_alias(key, extra_aliases)
        if alias is not None:
            return accept(VerdictCode.ALIAS, f"Accepted: {quote(alias)} is an accepted alias here.", expected.display)
        if expected.type in (AnswerType.PERSON, AnswerType.ENTITY):
            person = expected.type == AnswerType.PERSON
            theirs = self._someone_of_theirs(cleaned, expected, question.prompt) if person else None
            if theirs is not None:  # "Peresild's director" is Shipenko, "Musk's rival" someone else
                return reject(
                    VerdictCode.WRONG,
                    f"Rejected: {quote(shown)} names someone of {theirs.group(1).title()}'s, not {expected.display}.",
                )
            # "Elon Musk's" (whose company?) is Elon Musk; "the Musks" stays a family
            if _POSSESSIVE.search(cleaned):
                cleaned = _POSSESSIVE.sub("", cleaned)
                key = strip_filler(normalize_cleaned(cleaned))
                key = self._english_names(key) if transliterated else key
            return self._judge_entity(question, key, cleaned, shown, extra_aliases, transliterated)
        if expected.type == AnswerType.SET:
            return self._judge_set(expected, cleaned, shown, transliterated)
        value_kind = _VALUE_KINDS.get(expected.type)
        if value_kind is not None:
            return self._judge_value(expected, value_kind, cleaned, key, shown)
        if _SLASHED.search(cleaned) and not any("/" in phrasing for phrasing in (expected.display, *expected.accepted)):
            return reject(VerdictCode.WRONG, f"Rejected: give one answer; the “/” in {quote(shown)} offers two.")
        forms = (expected.display, *expected.accepted, *extra_aliases)
        added = self._story_name_added(full_key, forms, (question.prompt, *question.quotes))
        if added is not None:  # 'a Tom Cruise flight suit', 'funding from Elon Musk'
            return reject(VerdictCode.WRONG, f"Rejected: {quote(shown)} names {added}, not {quote(expected.display)}.")
        rivals = self._rival_words(question.fact_id)
        return judge_text(
            expected,
            self._text_distractors(question),
            full_key,
            key,
            shown,
            extra_aliases,
            rivals,
            cleaned,
            question.prompt,
        )

    @staticmethod
    def _judge_value(
        expected: ExpectedAnswer, kind: Literal["quantity", "date", "time"], cleaned: str, key: str, shown: str
    ) -> Verdict:
        """Judge a number, duration, date or time; a right value that is not plainly one value is refused.

        'more than 3', '2020 or so', '3M' and '2020s' hold the right digits but say something else; a wrong
        value keeps the reason that names it ('38 is not 37' for '37 or 38').
        """
        value_text = _ERA.sub("", strip_filler_text(cleaned))  # '2020 AD' is 2020
        if kind == "date" and _DAY_RANGE.search(value_text):
            return reject(VerdictCode.WRONG_DATE, f"Rejected: {quote(shown)} is a range of days; give one date.")
        if kind == "quantity":
            value_text = with_decimal_fractions(value_text)  # '1/2 year', '½ a year', '3 1/2', '.5 years'
            year = year_as_date(expected, value_text, shown)
            verdict = year if year is not None else judge_quantity(expected, value_text, shown)
        elif kind == "date":
            verdict = judge_date(expected, value_text, key, shown)
        else:
            verdict = judge_time(expected, value_text, shown)
        qualifier = value_qualifier(value_text, kind, expected.unit)
        # a wrong value keeps the reason that names it; a time the word made unreadable ('before 8:55') gets it
        unreadable = kind == "time" and verdict.code == VerdictCode.UNPARSEABLE
        if qualifier is None or not (verdict.accepted or unreadable):
            return verdict
        word, effect = qualifier
        return reject(VerdictCode.WRONG, f"Rejected: {quote(word)} in {quote(shown)} {effect}; give one value.")

    @staticmethod
    def _answer_words(expected: ExpectedAnswer, extra_aliases: Sequence[str]) -> frozenset[str]:
        """Return the words of every accepted form of the answer."""
        return _words_of_forms((expected.display, *expected.accepted, *expected.surnames, *extra_aliases))

    def _english_names(self, key: str) -> str:
        """Rewrite the Russian names of well-known things in a transliterated key in English ('mks' -> 'iss')."""
        words = key.split()
        out: list[str] = []
        index = 0
        while index < len(words):
            for size in range(min(4, len(words) - index), 0, -1):
                english = self._exonyms.get(" ".join(words[index : index + size]))
                if english is not None:
                    out.append(english)
                    index += size
                    break
            else:
                out.append(words[index])
                index += 1
        return " ".join(out)

    # ----------------------------------------------------------------- entities

    def _candidates(self, expected: ExpectedAnswer, extra_aliases: Sequence[str]) -> list[_Candidate]:
        candidates = [_Candidate(name_key(expected.display), expected.display, "name")]
        candidates += [_Candidate(name_key(name), name, "alias") for name in (*expected.accepted, *extra_aliases)]
        candidates += [_Candidate(name_key(name), name, "surname") for name in expected.surnames]
        return [candidate for candidate in candidates if candidate.key]

    def _expected_ids(self, expected: ExpectedAnswer, candidates: Sequence[_Candidate]) -> set[str]:
        ids = set(expected.entity_ids)
        if not ids:
            for candidate in candidates:
                if candidate.kind != "surname":
                    ids |= self._owners.get(compact(candidate.key), set())
        return ids

    def _describe_other(self, entity_id: str) -> str:
        entity = self._store.entity(entity_id)
        kind = "person" if entity.type == EntityType.PERSON else entity.type.value
        # an entity the documents never name is only a wrong option of the pack, not part of the story
        return (
            f"{entity.name}, not the answer"
            if entity_id in self._options_only
            else f"{entity.name}, another {kind} in this story"
        )

    def _judge_entity(
        self,
        question: Question,
        key: str,
        cleaned: str,
        shown: str,
        extra_aliases: Sequence[str],
        transliterated: bool,
    ) -> Verdict:
        """Judge a person or entity: exact, alias, surname, number mismatch, other entity, typo, containment.

        Refused on the way: an alias that only restates the question, a hedge ("X and Y", "X or Y"),
        another designation of a family ("Progress MS-19"), and a 'typo' that is another known word.
        """
        expected = question.expected
        key = digitize_number_words(key)
        answer_compact = compact(key)
        target = expected.display
        candidates = self._candidates(expected, extra_aliases)
        expected_ids = self._expected_ids(expected, candidates)

        for candidate in candidates:
            if compact(candidate.key) == answer_compact:
                if candidate.kind == "alias" and _restates(candidate.key, question.prompt, target):
                    return reject(VerdictCode.WRONG, f"Rejected: {quote(shown)} only restates the question; name it.")
                if candidate.kind == "surname" and self._common_noun_use(candidate.key, cleaned, (), 0, set()):
                    return reject(
                        VerdictCode.WRONG, f"Rejected: {quote(shown)} is the word {quote(candidate.key)}, not {target}."
                    )
                return self._named_verdict(candidate, expected_ids, target, shown)
        for candidate in candidates:
            if candidate.kind != "surname" and sorted(candidate.key.split()) == sorted(key.split()):
                return accept(VerdictCode.ALIAS, f"Accepted: {quote(shown)} is {target}, in another order.", target)
        # a name of something else is no spelled-out acronym ("the US space agency" is NASA, not U-S-A)
        acronym = None if self._owners.get(answer_compact, set()) - expected_ids else _acronym_of(key, candidates)
        if acronym is not None:
            return accept(VerdictCode.ALIAS, f"Accepted: {quote(shown)} spells out {acronym}.", target)
        shortened = self._shortened_name(key, candidates)
        if shortened is not None and not _restates(key, question.prompt, target):
            return accept(VerdictCode.ALIAS, f"Accepted: {quote(shown)} is short for {shortened}.", target)

        if self._is_person(expected_ids):
            family = next(
                (
                    word
                    for word in key.split()
                    for candidate in candidates
                    if candidate.kind == "surname" and word in (f"{candidate.key}s", f"{candidate.key}es")
                ),
                None,
            )
            if family is not None:
                return reject(VerdictCode.WRONG, f"Rejected: {quote(shown)} is a family, not {target}.")
        name_words = {word for candidate in candidates for word in candidate.key.split()}
        offered = next((word for word in key.split() if word in _CHOICE_WORDS and word not in name_words), None)
        if offered is not None:
            return reject(
                VerdictCode.WRONG, f"Rejected: give one answer; {quote(offered)} in {quote(shown)} offers a choice."
            )
        hedge = self._hedge_verdict(cleaned, expected_ids, target, shown, transliterated)
        if hedge is not None:
            return hedge

        digits = digit_runs(key)
        for candidate in candidates:
            name_digits = digit_runs(candidate.key)
            if not name_digits or digits == name_digits or not digits:
                continue
            if OSA.distance(skeleton(key), skeleton(candidate.key)) <= typo_budget(len(candidate.key)):
                other = self._other_owner(answer_compact, expected_ids)
                return reject(
                    VerdictCode.WRONG_NUMBER,
                    f"Rejected: {shown} differs from {candidate.original} in a number.",
                    self._store.entity(other).name if other else None,
                )

        other = self._other_owner(answer_compact, expected_ids)
        if other is not None:
            return reject(
                VerdictCode.OTHER_ENTITY, f"Rejected: that names {self._describe_other(other)}.", self._name_of(other)
            )
        if answer_compact in self._well_known:
            return reject(VerdictCode.WRONG, f"Rejected: {quote(shown)} is the name of something else, not {target}.")

        if key in self._given_names and self._given_names[key] & expected_ids:
            return reject(
                VerdictCode.WRONG, f"Rejected: {quote(shown)} is only a first name; give the surname of {target}."
            )

        typo = self._typo_verdict(key, candidates, expected_ids, target, shown, transliterated)
        if typo is not None:
            return typo

        if not digits:
            for candidate in candidates:
                if digit_runs(candidate.key) and without_digits(candidate.key) == key:
                    return reject(VerdictCode.WRONG, f"Rejected: {quote(shown)} leaves out the number in {target}.")

        contained = self._contained_verdict(key, candidates, expected_ids, target, shown, question.prompt)
        if contained is not None:
            return contained
        return reject(VerdictCode.WRONG, f"Rejected: {quote(shown)} is not {target}.")

    def _shortened_name(self, key: str, candidates: Sequence[_Candidate]) -> str | None:
        """Return the full name (three words or more) whose last words the answer is ('the space station').

        Only when those words name nothing else: no other entity of the store and no well-known name.
        """
        words = key.split()
        if len(words) < 2 or compact(key) in self._owners or compact(key) in self._well_known:
            return None
        for candidate in candidates:
            name_words = candidate.key.split()
            if candidate.kind == "name" and len(name_words) >= 3 and name_words[-len(words) :] == words:
                return candidate.original
        return None

    def _hedge_verdict(
        self, cleaned: str, expected_ids: set[str], target: str, shown: str, transliterated: bool
    ) -> Verdict | None:
        """Judge an answer of several parts ('X and Y', 'X or Y', 'X, Y'): one answer, or one with its place.

        'Baikonur, Kazakhstan' names the answer and the country it lies in, so it counts; any other second
        part is a second guess and the answer is refused. None when the answer is one part, or no part is
        the answer (then the usual rules judge it).
        """
        parts = [part for part in _SET_SEPARATORS.split(cleaned) if not is_blank(strip_filler(normalize_cleaned(part)))]
        if len(parts) < 2:
            return None
        places = set().union(*(self._places.get(entity_id, set()) for entity_id in expected_ids))
        ages = self._ages(expected_ids)
        # "Tom Cruise, the actor": after a comma (not after 'and' or 'or') a few plain words describe
        only_commas = _ALTERNATIVE_JOINERS.search(cleaned) is None
        right = False
        context: list[str] = []
        others: list[str] = []
        for part in parts:
            part_key = digitize_number_words(strip_filler(normalize_cleaned(part)))
            part_key = _BOTH.sub("", part_key)  # 'both Tom Cruise and Matt Damon
            if transliterated:
                part_key = self._english_names(part_key)
            resolved = self._resolve(part_key, expected_ids, transliterated)
            if resolved is not None and resolved.entity_id in expected_ids:
                right = True
            elif part_key in ages:
                continue  # 'Yulia Peresild, 37': her age, as the report gives it
            elif part_key.split() and not _without_former(part_key.split(), self._former_words):
                continue  # 'Kazakhstan, ex-USSR': the former state it belonged to, as in 'ex-Soviet Kazakhstan'
            elif resolved is not None and resolved.entity_id in places:
                context.append(self._name_of(resolved.entity_id))
            elif not (only_commas and resolved is None and self._describes(part_key, expected_ids)):
                others.append(display_text(part, 30))
        if not right:
            return None
        if others:
            return reject(
                VerdictCode.WRONG,
                f"Rejected: give one answer; {join_names([quote(part) for part in others])} is not {target}.",
            )
        if not context:
            return accept(VerdictCode.ALIAS, f"Accepted: {quote(shown)} names {target}.", target)
        return accept(VerdictCode.ALIAS, f"Accepted: {quote(shown)} names {target}, in {join_names(context)}.", target)

    def _describes(self, key: str, expected_ids: set[str]) -> bool:
        """Tell whether a part after a comma describes the answer ('the actor', "Elon Musk's company").

        A description has a plain English word in it and names nothing of the answer's own kind: 'the Mir
        station', 'actress Mordovina' or a well-known name are second guesses, not descriptions.
        """
        words = [word for word in key.split() if word not in STOP_WORDS]
        if not 0 < len(words) <= _MAX_DESCRIPTION_WORDS or any(word in _HEDGE_WORDS for word in words):
            return False
        if self._well_known_named_in(words):
            return False
        # 'Tom Cruise, Keanu Reeves', 'Tom Cruise, Matt Damon': a name of no dictionary, or a first name and another
        # word, is a second guess the store does not know, not a description
        if self._second_name_in(words, ()) is not None or any(word in _FIRST_NAMES for word in words[:-1]):
            return False
        designated = any(
            digit_runs(name_key(name))
            for entity_id in expected_ids
            if entity_id in self._store.entities
            for name in self._store.names_of(self._store.entity(entity_id))
        )
        if designated and any(word[0].isdecimal() for word in words):
            return False  # 'Soyuz MS-19, MS-18': another designation of a designated thing
        if self._roles_of_others(expected_ids) & set(words):
            return False  # 'Peresild, the director': the director is another person of the story
        numbers = {word for word in words if word.isdecimal()}
        if numbers and self._is_person(expected_ids) and not numbers <= self._ages(expected_ids):
            return False  # 'Yulia Peresild, 40': not her age, so another answer (an age the store lacks is unsure)
        kinds = {self._store.entity(entity_id).type for entity_id in expected_ids if entity_id in self._store.entities}
        named = self._entities_named_in(words) - expected_ids
        if any(self._store.entity(entity_id).type in kinds for entity_id in named):
            return False
        unrelated = named - self._related(expected_ids)
        if any(self._store.entity(entity_id).type not in _PLACE_TYPES for entity_id in unrelated):
            return False  # 'The Challenge, the Tom Cruise film': Cruise has nothing to do with it
        if set(words) <= self._kind_words(expected_ids, ()):
            return True  # 'Baikonur, the cosmodrome': what it is
        return bool(named) or any(
            (is_english_word(word) or word_count(word) >= _COMMON_WORD_COUNT) and word not in self._proper_words
            for word in words
        )

    def _someone_of_theirs(self, cleaned: str, expected: ExpectedAnswer, prompt: str) -> re.Match[str] | None:
        """Return the possessive of the person's own name followed by another word ('Peresild's director', 'Tom
        Cruise's lawyer'), if any: someone or something of theirs, unless the question asks for it ('Elon Musk's
        company' when it asks whose company). 'Tesla's Musk' (the name after someone else's possessive), 'Elon
        Musk's' and "Peresild's my guess" are the person."""
        own = _words_of_forms((expected.display, *expected.accepted, *expected.surnames))
        asked = _prompt_stems(prompt)
        for match in _THEIR_SOMEONE.finditer(cleaned):
            following = normalize(cleaned[match.end() - 1 :].split()[0]).split()[:1]  # 'co-star' -> 'co'
            if not following or normalize(match.group(1)) not in own:
                continue
            word = following[0]
            if (word in _RELATION_NOUNS or word in self._all_roles) and word[:5] not in asked:
                return match
        return None

    def _ages(self, expected_ids: set[str]) -> set[str]:
        """Return a person's age at the document's date as a word ('37'), and the words that say it is one."""
        ages = {
            str(entity.age)
            for entity_id in expected_ids
            if (entity := self._store.entities.get(entity_id)) and entity.age
        }
        return ages | ({"year", "years", "old", "aged"} if ages else set())

    def _related(self, expected_ids: set[str]) -> set[str]:
        """Return the entities a fact of the store relates to the answer ('The Challenge, by Klim Shipenko',
        'SpaceX, founded by Musk'), and the places it lies in."""
        related = set().union(*(self._places.get(entity_id, set()) for entity_id in expected_ids))
        related = related.union(*(self._relations.get(entity_id, set()) for entity_id in expected_ids))
        return related - expected_ids

    def _relations_of_store(self) -> dict[str, set[str]]:
        """Map each entity to those a fact's relation links it to, either way (built once)."""
        relations: dict[str, set[str]] = {}
        for fact in self._store.facts.values():
            relation = fact.relation
            if relation is not None and relation.object:
                relations.setdefault(relation.subject, set()).add(relation.object)
                relations.setdefault(relation.object, set()).add(relation.subject)
        return relations

    def _role_heads_of_store(self) -> dict[str, set[str]]:
        """Map each person of the story to the head words of their roles (built once).

        A role is the head word of each comma-separated part of the entity's ``role``: its last word before 'of' or
        'and' ('film director' -> 'director', 'veteran cosmonaut, commander of Soyuz MS-19' -> both).
        """
        heads: dict[str, set[str]] = {}
        for entity in self._store.entities.values():
            if entity.type != EntityType.PERSON or not entity.role or entity.id in self._options_only:
                continue
            for part in entity.role.split(","):
                words = _ROLE_END.split(normalize(part), maxsplit=1)[0].split()
                # 'the first man in space', 'on his first flight' describe; 'commander of ...' is a role
                if words and part.split()[0].casefold() not in STOP_WORDS:
                    heads.setdefault(entity.id, set()).add(words[-1])
        return heads

    def _roles_of_others(self, expected_ids: set[str]) -> set[str]:
        """Return the roles ('director', 'cosmonaut') of the story's other people that the answer's people lack."""
        if not self._is_person(expected_ids):
            return set()
        own = set().union(*(self._role_heads.get(entity_id, set()) for entity_id in expected_ids))
        own |= {"actor", "actress"} if own & {"actor", "actress"} else set()  # 'actor Yulia Peresild'
        own |= {"cosmonaut", "astronaut"} if own & {"cosmonaut", "astronaut"} else set()
        others = {
            head
            for entity_id, entity_heads in self._role_heads.items()
            if entity_id not in expected_ids
            for head in entity_heads
        }
        return others - own

    def _name_of(self, entity_id: str) -> str:
        return self._store.entity(entity_id).name

    def _other_owner(self, answer_compact: str, expected_ids: set[str]) -> str | None:
        owners = self._owners.get(answer_compact, set()) - expected_ids
        return min(owners) if owners else None

    def _named_verdict(self, candidate: _Candidate, expected_ids: set[str], target: str, shown: str) -> Verdict:
        if candidate.kind == "surname":
            sharing = self._owners.get(compact(candidate.key), set()) - expected_ids
            if sharing:
                others = join_names(sorted(self._name_of(entity_id) for entity_id in sharing))
                return reject(
                    VerdictCode.WRONG, f"Rejected: {quote(shown)} could also be {others}; give the full name."
                )
            return accept(VerdictCode.SURNAME, f"Accepted: {quote(shown)} is the surname of {target}.", target)
        if candidate.kind == "name":
            return accept(VerdictCode.EXACT, f"Accepted: {target}.", target)
        return accept(VerdictCode.ALIAS, f"Accepted: {quote(shown)} is another name for {target}.", target)

    def _known_word_instead(self, key: str, name_key_: str, transliterated: bool) -> str | None:
        """Return a word of the answer that differs from the name and is a known word or name (so no typo).

        A transliteration from Cyrillic is approximate by nature, so it is not held to this.
        """
        if transliterated:
            return None
        words, name_words = key.split(), name_key_.split()
        if len(words) == len(name_words):
            differing = [word for word, name_word in zip(words, name_words, strict=True) if word != name_word]
        else:
            differing = [word for word in words if word not in name_words]
        return next(
            (
                word
                for word in differing
                if not word.isdecimal()
                and (self.is_known_word(word) or is_capitalised_name(word))
                and not _plural_of(word, name_words)
            ),
            None,
        )

    def _slip_in_name(self, key: str, name: str, name_ids: set[str]) -> tuple[str, str] | None:
        """Return (typed word, name's word) when a dictionary word in a name of several words is a slip, else None.

        'Tom Cruse', 'Elon Mosk', 'Soviet Onion': the answer is the name with one word one edit off, and that
        word names nothing of its own (no name of the store, no well-known name, no name of the dictionary such
        as 'Prussian'), nor does the answer name anything else ('Tom Hanks', 'National Aeronautics and SpaceX').
        Then it is a slip when the player is unlikely to have meant the word: it is rarer in English than the
        name's own word ('cruse' against 'cruise', 'onion' against 'union'; 'mask' is commoner than 'musk',
        so 'Elon Mask' may be meant), or it is another form of that very word ('Press' for 'Presse'). This
        is the noisy-channel rule of spelling correctors for real-word errors, with an equal chance per edit.
        """
        words, name_words = key.split(), name.split()
        if len(name_words) < 2 or len(words) != len(name_words) or digit_runs(name):
            return None
        differing = [
            index for index, (word, name_word) in enumerate(zip(words, name_words, strict=True)) if word != name_word
        ]
        if len(differing) != 1:
            return None
        index = differing[0]
        word, name_word = words[index], name_words[index]
        if not any(len(other) >= 3 and other not in STOP_WORDS for other in words[:index] + words[index + 1 :]):
            return None  # the exact rest must say what is meant: not 'Spice X' for Space X
        if min(len(word), len(name_word)) < _SLIP_WORD_MIN or OSA.distance(word, name_word) != 1:
            return None
        if word in STOP_WORDS or word in _HEDGE_WORDS or word in self._given_names or word in well_known_words():
            return None
        # every run of words the typed word is in: none may name another thing ('Tom Hanks', 'Blue Orion')
        runs = {
            "".join(words[start : start + size])
            for size in range(1, _MAX_SET_WINDOW + 1)
            for start in range(max(0, index - size + 1), min(index, len(words) - size) + 1)
        }
        if any(self._owners.get(run, set()) - name_ids or run in self._well_known for run in runs):
            return None
        if is_proper_noun(word) and not self._owners.get(word, set()) & name_ids:
            return None  # 'Prussian Federation' names another state; 'Russia Federation' is the expected one
        if same_word(word, name_word) or word_count(word) < word_count(name_word):
            return word, name_word
        return None

    def _typo_verdict(
        self,
        key: str,
        candidates: Sequence[_Candidate],
        expected_ids: set[str],
        target: str,
        shown: str,
        transliterated: bool,
    ) -> Verdict | None:
        """Accept a typo only when it is strictly closer to the answer than to any other entity's name.

        A typo is a typo only when the differing word is not itself a known word or name ('Challenger' is
        not 'Challenge'), and a designation's series code must be exact ('Soyuz TMA-19' is not MS-19).
        """
        digits = digit_runs(key)
        best: tuple[int, _Candidate] | None = None
        for candidate in candidates:
            if digit_runs(candidate.key) != digits or not _designation_typo_allowed(key, candidate.key):
                continue
            budget = typo_budget(len(candidate.key))
            distance = OSA.distance(key, candidate.key, score_cutoff=budget)
            if distance <= budget and (best is None or distance < best[0]):
                best = (distance, candidate)
        cutoff = best[0] if best else self._longest_budget
        nearest_other: tuple[int, str] | None = None
        for other_key, distance, index in process.extract(
            key, self._keys, scorer=OSA.distance, score_cutoff=cutoff, limit=None
        ):
            name = self._names[index]
            if name.entity_id in expected_ids or digit_runs(other_key) != digits:
                continue
            if best is None and distance > typo_budget(len(other_key)):
                continue
            if nearest_other is None or distance < nearest_other[0]:
                nearest_other = (int(distance), name.entity_id)
        if nearest_other is not None and (best is None or nearest_other[0] < best[0]):
            return reject(
                VerdictCode.OTHER_ENTITY,
                f"Rejected: that looks like {self._describe_other(nearest_other[1])}.",
                self._name_of(nearest_other[1]),
            )
        if best is None:
            return None
        if nearest_other is not None:
            return reject(
                VerdictCode.WRONG,
                f"Rejected: {quote(shown)} is as close to {self._name_of(nearest_other[1])} as to {target}.",
            )
        candidate = best[1]
        known = self._known_word_instead(key, candidate.key, transliterated)
        if known is not None and len(known) == 1:
            return None  # an initial ('T. Cruise', 'Elon R. Musk'), not a typo: a name with words around it
        if known is not None:
            slip = None if candidate.kind == "surname" else self._slip_in_name(key, candidate.key, expected_ids)
            if slip is None:
                return reject(
                    VerdictCode.WRONG, f"Rejected: {quote(known)} is a word of its own, not a typo of {target}."
                )
            return accept(
                VerdictCode.TYPO,
                f"Accepted as a typo of {quote(candidate.original)} ({quote(slip[0])} for {quote(slip[1])}).",
                target,
            )
        if candidate.kind == "surname":
            return accept(VerdictCode.TYPO, f"Accepted as a typo of {quote(candidate.original)} ({target}).", target)
        return accept(VerdictCode.TYPO, f"Accepted as a typo of {quote(candidate.original)}.", target)

    def _contained_verdict(
        self, key: str, candidates: Sequence[_Candidate], expected_ids: set[str], target: str, shown: str, prompt: str
    ) -> Verdict | None:
        """Accept 'cosmonaut Anton Shkaplerov' (the name plus a few words) unless another name is there too, or the
        words before the name make it another thing ('the crew of Soyuz MS-19', 'the rocket that launched it')."""
        words = key.split()
        places = set().union(*(self._places.get(entity_id, set()) for entity_id in expected_ids))
        person, ages, related = self._is_person(expected_ids), self._ages(expected_ids), self._related(expected_ids)
        # the longest name first: 'Sputnik 1 satellite' names 'Sputnik 1', not 'Sputnik' and a number
        for candidate in sorted(candidates, key=lambda candidate: -len(candidate.key.split())):
            name_words = candidate.key.split()
            size = len(name_words)
            starts = [i for i in range(len(words) - size + 1) if words[i : i + size] == name_words]
            if not starts:
                continue
            rest = _without_former(words[: starts[0]] + words[starts[0] + size :], self._former_words)
            rest = [word for word in rest if word not in ages]  # '37-year-old Yulia Peresild'
            said_again = [word for word in rest if word not in STOP_WORDS]
            if said_again and compact(" ".join(said_again)) in {compact(c.key) for c in candidates}:
                rest = []  # 'Yulia Peresild (Юлия Пересильд)', 'Roscosmos (Роскосмос)': the same name twice
            if any(word in name_words or word[0].isdecimal() for word in rest):
                # "Soyuz MS-19 or MS-18", "Peresild Vysotskaya Peresild": a second guess, not a description
                return reject(VerdictCode.WRONG, f"Rejected: give one answer; {quote(shown)} is more than {target}.")
            after_name = words[starts[0] + size : starts[0] + size + 2]
            if (
                name_words[-1].isdecimal()
                and after_name[:1]
                and len(after_name[0]) == 1
                and re.search(rf"(?<!\d){name_words[-1]}-?{re.escape(after_name[0])}(?![^\W_])", shown, re.IGNORECASE)
            ):
                # 'Soyuz MS-19M', 'MS-19-A': a letter glued to the number is another designation ('Sputnik 1 a
                # satellite' is not)
                return reject(VerdictCode.WRONG, f"Rejected: {quote(shown)} is another designation than {target}.")
            if after_name[:1] == ["of"] and after_name[1:] and self._answer_is(expected_ids, EntityType.TITLE):
                # 'Challenge of Space', 'The Challenge of the Century': a longer title is another title
                return reject(VerdictCode.WRONG, f"Rejected: {quote(shown)} is another title than {target}.")
            other_thing = self._other_thing_before(words[: starts[0]], expected_ids, candidates, prompt)
            if other_thing is not None:
                return reject(
                    VerdictCode.WRONG,
                    f"Rejected: {quote(other_thing)} makes {quote(shown)} another thing than {target}.",
                )
            bound = next((word for word in words[: starts[0]] if word in _BOUNDS_BEFORE_NAME), None)
            if bound is not None:
                # 'after the Soviet era', 'before the USSR': a time next to the answer, not the answer
                return reject(VerdictCode.WRONG, f"Rejected: {quote(bound)} makes {quote(shown)} not {target}.")
            if starts[0] > 0 and words[starts[0] - 1] in _NEGATING_PREFIXES:
                # 'the post-Soviet Union', 'ex-NASA': the prefix makes it something else
                return reject(
                    VerdictCode.WRONG, f"Rejected: {quote(words[starts[0] - 1])} makes {quote(shown)} not {target}."
                )
            # the words right next to the name; the one word before a surname is a first name, judged below ('Kimbal
            # Musk' is another person); words further off ('from Pskov', 'as Zhenya') say where or who she played
            given_slot = candidate.kind == "surname" and starts[0] == 1
            around = [*([] if given_slot else words[max(0, starts[0] - 1) : starts[0]]), *words[starts[0] + size :][:1]]
            unknown = self._second_name_in(around, candidates) if person else None
            after = words[starts[0] + size :][:2]
            if unknown is None and person and len(after) == 2:
                # 'Tom Cruise (Will Smith)', 'Klim Shipenko (Andrei Tarkovsky)': a first name and a surname after it
                first_name = after[0] in _FIRST_NAMES or (
                    after[0] not in STOP_WORDS and after[0] not in _NAME_DESCRIPTORS and not is_english_word(after[0])
                )
                unknown = self._second_name_in(after, candidates) if first_name else None
            if unknown is not None:
                return reject(
                    VerdictCode.WRONG, f"Rejected: give one answer; {quote(unknown)} is no part of {target}'s name."
                )
            others_role = next((word for word in rest if word in self._roles_of_others(expected_ids)), None)
            if others_role is not None:  # 'director Peresild', 'Peresild the director': another person's role
                return reject(
                    VerdictCode.WRONG,
                    f"Rejected: {quote(shown)} gives {target} the role of someone else in this story "
                    f"({quote(others_role)}).",
                )
            if person and set(rest) & _RELATIVES:
                relative = next(word for word in rest if word in _RELATIVES)
                return reject(
                    VerdictCode.WRONG,
                    f"Rejected: {quote(shown)} is another person ({quote(relative)}) of that name, not {target}.",
                )
            others = self._entities_named_in(rest) - expected_ids - places - related
            if others:
                names = join_names(sorted(self._name_of(entity_id) for entity_id in others))
                return reject(VerdictCode.WRONG, f"Rejected: give one answer, not {target} and {names}.")
            well_known = self._well_known_named_in(rest)
            if well_known:
                if digit_runs(candidate.key):
                    return reject(
                        VerdictCode.WRONG,
                        f"Rejected: {quote(shown)} is a {join_names(well_known)} designation, not {target}.",
                    )
                return reject(
                    VerdictCode.WRONG, f"Rejected: give one answer, not {target} and {join_names(well_known)}."
                )
            if digit_runs(candidate.key) and starts[0] > 0 and _is_series_code(words[starts[0] - 1]):
                return reject(VerdictCode.WRONG, f"Rejected: {quote(shown)} is another series than {target}.")
            if candidate.kind == "surname" and self._common_noun_use(
                candidate.key, clean(shown), words, starts[0] + size, self._kind_words(expected_ids, candidates)
            ):
                return reject(
                    VerdictCode.WRONG, f"Rejected: {quote(shown)} is the word {quote(candidate.key)}, not {target}."
                )
            if sum(word not in STOP_WORDS for word in rest) > _MAX_EXTRA_WORDS_AROUND_NAME:
                continue
            changed = (
                None
                if candidate.kind == "surname" or person
                else _word_next_to_name(
                    words, starts[0], name_words, self._kind_words(expected_ids, candidates), self._former_words
                )
            )
            if changed is not None:
                return reject(
                    VerdictCode.WRONG, f"Rejected: {quote(changed)} makes {quote(shown)} another name than {target}."
                )
            if candidate.kind == "surname" and self._owners.get(compact(candidate.key), set()) - expected_ids:
                continue
            if (
                candidate.kind == "surname"
                and starts[0] > 0
                and self._another_given_name(words[: starts[0]], candidates, shown)
            ):
                return reject(
                    VerdictCode.WRONG,
                    f"Rejected: {quote(shown)} is another person named {candidate.original}, not {target}.",
                )
            code = VerdictCode.SURNAME if candidate.kind == "surname" else VerdictCode.EXACT
            return accept(code, f"Accepted: {quote(shown)} names {target}.", target)
        return None

    @staticmethod
    def _common_noun_use(surname: str, cleaned: str, words: Sequence[str], after: int, kind_words: set[str]) -> bool:
        """Tell whether a surname that is an English word is used as that word: with an article ('a cruise', 'the
        musk') or with a word of its own after it ('cruise missile', 'musk ox'); 'Cruise', 'Musk the billionaire'
        and 'Musk, the SpaceX man' are the person."""
        if not is_english_word(surname):
            return False
        if re.search(rf"(?:^|\s)(?:a|an|the)\s+{re.escape(surname)}\b", cleaned):
            return True
        following = words[after] if after < len(words) else None
        return (
            following in _COMPOUND_HEADS
            and following not in kind_words  # 'Cruise actor': what he is
            and re.search(rf"\b{re.escape(surname)}\s+{re.escape(following)}\b", cleaned) is not None
        )

    def _second_name_in(self, rest: Sequence[str], candidates: Sequence[_Candidate]) -> str | None:
        """Return a word around a person's name that reads as another person's name ('Peresild Vysotskaya', 'Tom
        Cruise (Keanu Reeves)'): no English or common word, no word of the expected names, no patronymic, no
        initial; None if there is none. The store's other names are judged apart (they name who they are)."""
        own = {word for candidate in candidates for word in candidate.key.split()}
        for index, word in enumerate(rest):
            following = rest[index + 1] if index + 1 < len(rest) else None
            if word in _FIRST_NAMES and word not in own and following and following not in STOP_WORDS | own:
                return f"{word} {following}"  # 'Tom Cruise (Will Smith)': a first name and another word
            if len(word) < _UNKNOWN_NAME_MIN or word in STOP_WORDS or word in own or word in _NAME_DESCRIPTORS:
                continue
            if word.isdecimal() or _PATRONYMIC.search(word) or word in GIVEN_NAME_WORDS:
                continue
            if is_english_word(word) or word_count(word) >= _COMMON_WORD_COUNT or word in self._vocabulary:
                continue
            return word
        return None

    @staticmethod
    def _another_given_name(before: Sequence[str], candidates: Sequence[_Candidate], shown: str) -> bool:
        """Tell whether the answer is someone else's full name with this surname ('Errol Musk', 'Kimbal Musk').

        One word before the surname, and it is a name: a name the dictionary holds capitalised ('John', 'Anna',
        'Bill', though words too), or no word of the dictionaries (the English one, or the frequency list, which
        has the newer words: 'billionaire'); no title or description (`_NAME_DESCRIPTORS`: 'Mr', 'Russian'), no
        possessive ("Tesla's"), an initial or a spelling of none of the expected given names. Longer answers
        ('Elon Reeve Musk', a patronymic, 'tech billionaire Musk') are judged as a name with words around it.
        """
        if len(before) != 1:
            return False
        word = before[0]
        givens = {candidate.key.split()[0] for candidate in candidates if candidate.kind != "surname"}
        if len(word) == 1:  # an initial: someone else's unless it starts an expected given name
            return not any(given.startswith(word) for given in givens)
        if word in STOP_WORDS or word in _NAME_DESCRIPTORS:
            return False
        english = is_english_word(word)
        # 'Bill', 'Anna': words too, but first names in front of a surname; 'Jeff', 'Olga': names, no words
        named = word in GIVEN_NAME_WORDS or (is_capitalised_name(word) and not english)
        if not named and english and not is_proper_noun(word):
            return False
        if (not named and word_count(word) >= _COMMON_WORD_COUNT) or re.search(
            rf"\b(?:{re.escape(word)}|{re.escape(word[:-1])})['’]s\b", shown, re.I
        ):
            return False
        return not any(OSA.distance(word, given) <= max(1, typo_budget(len(given))) for given in givens)

    def _is_person(self, expected_ids: set[str]) -> bool:
        return self._answer_is(expected_ids, EntityType.PERSON)

    def _answer_is(self, expected_ids: set[str], entity_type: EntityType) -> bool:
        """Tell whether the answer is an entity of this type."""
        return any(
            entity_id in self._store.entities and self._store.entity(entity_id).type == entity_type
            for entity_id in expected_ids
        )

    def _other_thing_before(
        self, before: Sequence[str], expected_ids: set[str], candidates: Sequence[_Candidate], prompt: str
    ) -> str | None:
        """Return the words before a name that make the answer another thing: a head noun joined by 'of' ('the
        aftermath of the Soviet era', 'the crew of Soyuz MS-19', 'the former head of NASA'), or a clause that ends in
        the name ('the rocket that launched Soyuz MS-19'); None when the name is what the answer says.

        A head noun is fine when it says what the answer is ('the cosmodrome of Baikonur', 'the state of the USSR')
        or the question says it ('the era of the Soviet Union' for 'in the era of which state?')."""
        before = list(before)
        marker = max((i for i, word in enumerate(before) if word in _CLAUSE_HEADS), default=None)
        if marker is not None:
            clause = [word for word in before[marker + 1 :] if word not in STOP_WORDS and word not in _NAMING_WORDS]
            if clause:
                return " ".join(before[marker - 1 if marker else marker :])
        if before[-1:] == ["the"]:
            before = before[:-1]
        if before[-1:] != ["of"]:
            return None
        heads = [word for word in before[:-1] if word not in STOP_WORDS]
        if not heads:
            return None
        fine = set(spoken_words((prompt,))) | {word for candidate in candidates for word in candidate.key.split()}
        for entity_id in expected_ids:  # what it is, not what its description says of it ('the crew of Soyuz MS-19')
            entity = self._store.entities.get(entity_id)
            if entity is not None:
                fine.update(normalize(f"{entity.kind or ''} {entity.type.value}").split())
        return None if all(word in fine for word in heads) else " ".join([*heads, "of"])

    def _kind_words(self, expected_ids: set[str], candidates: Sequence[_Candidate]) -> set[str]:
        """Return the words that say what the answer is ('film', 'feature'), from its kind, type and description,
        and the words of its other names ('The Challenge (Vyzov)')."""
        words: set[str] = {"film", "movie", "picture", *(word for c in candidates for word in c.key.split())}
        for entity_id in self._related(expected_ids):  # "Elon Musk's SpaceX", "Kazakhstan's Baikonur"
            for name in self._store.names_of(self._store.entity(entity_id)):
                words.update(name_key(name).split())
                words.update(adjective_forms(name))  # "Russian Roscosmos", "American NASA"
        words |= _COMPANY_WORDS
        for entity_id in expected_ids:
            if entity_id in self._store.entities:
                words.update(
                    word
                    for name in self._store.names_of(self._store.entity(entity_id))
                    for word in name_key(name).split()
                )
        for entity_id in expected_ids:
            entity = self._store.entities.get(entity_id)
            if entity is not None:
                for text in (entity.kind, entity.type.value, entity.description):
                    words.update(normalize(text or "").split())
        return words - STOP_WORDS

    def _well_known_named_in(self, words: Sequence[str]) -> list[str]:
        """Return the well-known names (other craft, people, places) that a run of words contains."""
        named: list[str] = []
        for size in range(1, _MAX_SET_WINDOW + 1):
            for start in range(len(words) - size + 1):
                name = self._well_known.get("".join(words[start : start + size]))
                if name is not None and name not in named:
                    named.append(name)
        return named

    def _story_name_added(self, key: str, phrasings: tuple[str, ...], context: tuple[str, ...]) -> str | None:
        """Return the name of a thing of the story a text answer adds, one that neither the answer's phrasings nor the
        question and its quotes speak of ('a Tom Cruise flight suit', 'an experiment by Elon Musk'); None if there
        is none. A name that is one English word ('Attraction', a surname like 'Cruise') needs its other words."""
        spoken = spoken_words((*phrasings, *context))
        words = key.split()
        unpossessed = [word[:-1] if word.endswith("s") and len(word) > 3 else word for word in words]  # "Cruise's"
        text = f" {' '.join(unpossessed)} "
        for entity_id in sorted(self._entities_named_in(words) | self._entities_named_in(unpossessed)):
            names = [name_key(name) for name in self._store.names_of(self._store.entity(entity_id))]
            if any(word in spoken for name in names for word in name.split() if word not in STOP_WORDS):
                continue
            whole = [name for name in names if f" {name} " in text or f" {name} " in f" {key} "]
            if all(" " not in name and is_english_word(name) for name in whole):
                continue  # 'space cruises', 'a tourist attraction': words, not names
            return self._name_of(entity_id)
        return None

    def _entities_named_in(self, words: Sequence[str]) -> set[str]:
        named: set[str] = set()
        for size in range(1, _MAX_SET_WINDOW + 1):
            for start in range(len(words) - size + 1):
                window = words[start : start + size]
                if all(word in STOP_WORDS for word in window):
                    continue
                named |= self._owners.get("".join(window), set())
        return named

    # ----------------------------------------------------------------- sets

    def _resolve(self, key: str, preferred: set[str], transliterated: bool = False) -> _Resolved | None:
        """Read a name as one entity of the store: exact name, alias or surname, else a unique nearest typo.

        A typo must not be a known word or name of its own, nor change a designation's series code.
        """
        key = digitize_number_words(key)
        owners = self._owners.get(compact(key), set())
        if owners:
            chosen = owners if len(owners) == 1 else owners & preferred
            if len(chosen) != 1:
                return None
            entity_id = next(iter(chosen))
            kinds = {n.kind for n in self._names if n.entity_id == entity_id and n.compact == compact(key)}
            code = (
                VerdictCode.EXACT if "name" in kinds else VerdictCode.ALIAS if "alias" in kinds else VerdictCode.SURNAME
            )
            return _Resolved(entity_id, code)
        digits = digit_runs(key)
        nearest: dict[str, int] = {}
        for other_key, distance, index in process.extract(
            key, self._keys, scorer=OSA.distance, score_cutoff=self._longest_budget, limit=None
        ):
            if distance > typo_budget(len(other_key)) or digit_runs(other_key) != digits:
                continue
            entity_id = self._names[index].entity_id
            if not _designation_typo_allowed(key, other_key) or (
                distance > 0
                and self._known_word_instead(key, other_key, transliterated) is not None
                and (self._names[index].kind == "surname" or self._slip_in_name(key, other_key, {entity_id}) is None)
            ):
                continue
            nearest[entity_id] = min(int(distance), nearest.get(entity_id, int(distance)))
        if not nearest:
            return None
        closest = min(nearest.values())
        winners = [entity_id for entity_id, distance in nearest.items() if distance == closest]
        return _Resolved(winners[0], VerdictCode.TYPO) if len(winners) == 1 else None

    def _resolve_part(
        self, key: str, preferred: set[str], transliterated: bool, described: frozenset[str] = frozenset()
    ) -> list[_Resolved] | None:
        """Resolve one comma-separated part; 'peresild shipenko' (no separator) is split into names, and words
        that describe the members ('Shipenko the director', 'Shkaplerov (commander)') are passed over."""
        whole = self._resolve(key, preferred, transliterated)
        if whole is not None:
            return [whole]
        words = key.split()
        found: list[_Resolved] = []
        start = 0
        while start < len(words):
            if words[start] in STOP_WORDS or words[start] in described:
                start += 1
                continue
            for size in range(min(_MAX_SET_WINDOW, len(words) - start), 0, -1):
                resolved = self._resolve(" ".join(words[start : start + size]), preferred, transliterated)
                if resolved is not None:
                    found.append(resolved)
                    start += size
                    break
            else:
                return None
        return found or None

    def _judge_set(self, expected: ExpectedAnswer, cleaned: str, shown: str, transliterated: bool) -> Verdict:
        """Judge a set answer: credit is (distinct members named - wrong guesses) / required, from 0 to 1.

        The answer is split on commas, 'and', 'or', '&', ';' and '/'; each part is read as an entity (name,
        alias, surname or typo). Each wrong guess (a non-member, or a name that is no one here) costs as
        much as a member earns, so a shotgun list of every name in the story earns nothing; the verdict
        names the wrong guesses. The answer is accepted when credit reaches 1; below that, with some
        credit, the code is PARTIAL.
        """
        members = [entity_id for entity_id in expected.entity_ids if entity_id in self._store.entities]
        member_set = set(members)
        hedge = self._set_hedge(cleaned, member_set)
        if hedge is not None:
            return reject(
                VerdictCode.WRONG,
                f"Rejected: give your answer, not a choice; {quote(hedge)} in {quote(shown)} offers one.",
            )
        required = max(1, expected.required)
        named_members: list[str] = []
        wrong: list[str] = []
        unknown: list[str] = []
        swapped: list[str] = []
        codes: set[VerdictCode] = set()
        described = self._description_words(member_set)
        for part in _SET_SEPARATORS.split(_AS_WELL_AS.sub(",", _LIST_MARKER.sub(", ", cleaned))):
            part_key = _without_set_filler(strip_filler(normalize_cleaned(part)))
            if transliterated:
                part_key = self._english_names(part_key)
            if is_blank(part_key):
                continue
            resolved = self._resolve_part(part_key, member_set, transliterated, described)
            if resolved is None:
                if self._is_a_guess(part_key, described):
                    unknown.append(display_text(part, 30))
                continue
            if len(resolved) == 1 and self._other_members_role(part_key, resolved[0].entity_id, member_set):
                swapped.append(display_text(part, 30))  # 'Peresild the director': a swapped role is wrong
                continue
            for item in resolved:
                if item.entity_id in member_set:
                    if item.entity_id not in named_members:
                        named_members.append(item.entity_id)
                    codes.add(item.code)
                elif item.entity_id not in wrong:
                    wrong.append(item.entity_id)
        guesses_wrong = len(wrong) + len(unknown) + len(swapped)
        credit = max(0.0, min(1.0, (len(named_members) - guesses_wrong) / required))
        names = [self._name_of(entity_id) for entity_id in named_members]
        notes: list[str] = []
        if wrong:
            verb = "is" if len(wrong) == 1 else "are"
            notes.append(f"{join_names([self._name_of(entity_id) for entity_id in wrong])} {verb} not one of them")
        if unknown:
            notes.append(f"{join_names([quote(part) for part in unknown])} matched no one")
        if swapped:
            verb = "gives" if len(swapped) == 1 else "give"
            notes.append(f"{join_names([quote(part) for part in swapped])} {verb} another one's role")
        if guesses_wrong and named_members:
            notes.append("each wrong name costs one right one")
        note = f"; {'; '.join(notes)}" if notes else ""
        matched = ", ".join(names) or None
        if credit >= 1:
            code = next(
                (c for c in (VerdictCode.TYPO, VerdictCode.SURNAME, VerdictCode.ALIAS) if c in codes), VerdictCode.EXACT
            )
            return accept(code, f"Accepted: {join_names(names)}{note}.", matched)
        if credit > 0:
            return reject(
                VerdictCode.PARTIAL,
                f"Partly right: {join_names(names)} ({len(named_members)} of {required}){note}.",
                matched,
                credit=credit,
            )
        if named_members:
            return reject(VerdictCode.WRONG, f"Rejected: {join_names(names)} named{note}.", matched)
        if wrong:
            return reject(VerdictCode.OTHER_ENTITY, f"Rejected: {'; '.join(notes)}.", self._name_of(wrong[0]))
        return reject(VerdictCode.WRONG, f"Rejected: {quote(shown)} names none of them.")

    def _set_hedge(self, cleaned: str, members: set[str]) -> str | None:
        """Return the word that makes a set answer a choice ('or', 'maybe'), unless it is part of a member's name.

        A lead-in ('maybe the US and China') says the whole answer with doubt and is not a choice between names.
        """
        words = strip_filler(normalize_cleaned(cleaned)).split()
        own = {word for name in self._names if name.entity_id in members for word in name.key.split()}
        return next((word for word in words if word in _SET_HEDGES and word not in own), None)

    def _is_a_guess(self, key: str, described: frozenset[str] = frozenset()) -> bool:
        """Tell whether an unresolved part of a set answer is a guess, not filler ('and others', 'and so on') nor a
        description of the members: any other word is one ('Canada', 'Smith', 'EU' are wrong names too)."""
        return any(word not in STOP_WORDS and word not in _SET_FILLER and word not in described for word in key.split())

    def _other_members_role(self, part_key: str, member: str, members: set[str]) -> bool:
        """Tell whether a part names a member with another member's role and not its own ('Peresild the director').
        Roles are the head words of the members' roles ('film actress' is no director's role for its 'film')."""
        words = set(part_key.split())
        own = self._role_heads.get(member, set())
        others = set().union(*(self._role_heads.get(other, set()) for other in members - {member}))
        return bool(words & (others - own))

    def _description_words(self, members: set[str]) -> frozenset[str]:
        """Return the words that describe a set's members (their roles and kinds: 'director', 'commander')."""
        words: set[str] = set()
        for entity_id in members:
            entity = self._store.entities.get(entity_id)
            if entity is not None:
                for text in (entity.role, entity.kind):
                    words.update(normalize(text or "").split())
        return frozenset(words - STOP_WORDS)

    # ----------------------------------------------------------------- numbers and durations

    def _rival_words(self, fact_id: str) -> Mapping[str, str]:
        """Map each key word of the store's other text answers (and each one-word name of its things) to that answer
        or thing, as seen from one fact: a view of one map built once per store, not a map per fact."""
        if self._rival_sources is None:
            self._rival_sources = self._rival_sources_of_store()
        return _RivalView(self._rival_sources, fact_id)

    def _rival_sources_of_store(self) -> dict[str, list[tuple[str, str]]]:
        """Map each rival word to its (fact id, answer) sources in store order; names have no fact id."""
        # the words of a document's title are every answer's context ('space', 'film'), so they name none
        story_words = {
            word for document in self._store.documents.values() for word in phrase_keywords(document.meta.title)
        }
        sources: dict[str, list[tuple[str, str]]] = {}
        for other in self._store.facts.values():
            if isinstance(other.answer, TextAnswer):
                for phrasing in (other.answer.value, *other.answer.accept):
                    for word in phrase_keywords(phrasing):
                        if word not in story_words:
                            sources.setdefault(word, []).append((other.id, other.answer.value))
        for name in self._names:  # 'NASA funding' is not government funding: NASA is a thing of the story
            one_word_name = " " not in name.key and name.kind != "surname" and not is_english_word(name.key)
            if one_word_name and name.key not in story_words:
                sources.setdefault(name.key, []).append(("", self._name_of(name.entity_id)))
        return sources

    def _text_distractors(self, question: Question) -> list[str]:
        fact = self._store.facts.get(question.fact_id)
        if fact is not None and isinstance(fact.answer, TextAnswer):
            return list(fact.answer.distractors)
        return [choice for index, choice in enumerate(question.choices) if index != question.correct_index]

    # ----------------------------------------------------------------- multiple choice and true/false

    def _choice_by_entity(self, question: Question, answer_key: str) -> int | None:
        """Pick the option that names the entity the answer names (a surname, an alias or a typo of one)."""
        preferred = set(question.expected.entity_ids)
        resolved = self._resolve(answer_key, preferred)
        if resolved is None:
            return None
        names = {n.compact for n in self._names if n.entity_id == resolved.entity_id and n.kind != "surname"}
        found = [index for index, choice in enumerate(question.choices) if compact(name_key(choice)) in names]
        return found[0] if len(found) == 1 else None


# --------------------------------------------------------------------------- helpers


def _prompt_stems(prompt: str) -> set[str]:
    return {word[:5] for word in normalize(prompt).split() if word not in STOP_WORDS}


def _restates(alias_key: str, prompt: str, target: str) -> bool:
    """Tell whether an alias only restates the question: every word of it is in the prompt, none in the name.

    'the Russian space agency' answers nothing when the question asks for the agency of Russia's space
    programme; word stems (first five letters) compare 'Russian' with 'Russia's'.
    """
    words = [word for word in alias_key.split() if word not in STOP_WORDS]
    target_words = {word[:5] for word in name_key(target).split()}
    if len(words) < 2 or any(word[:5] in target_words for word in words):
        return False
    stems = _prompt_stems(prompt)
    return all(word[:5] in stems for word in words)


def _acronym_of(key: str, candidates: Sequence[_Candidate]) -> str | None:
    """Return the acronym name that an answer spells out ('union of soviet socialist republics' -> USSR).

    The spelled-out answer must share a word with another name of the same answer ('Soviet Union'), and
    no other word of it may be one letter off a word of those names: 'United Stapes' and 'International
    Spade Station' are look-alikes, judged as typos, not spelled-out acronyms.
    """
    words = key.split()
    if len(words) < 2:
        return None
    initials = "".join(word[0] for word in words if word not in _ACRONYM_SKIPPED and word.isalpha())
    if len(initials) < 2:
        return None
    name_words = {word for candidate in candidates for word in candidate.key.split()}
    content = [word for word in words if word not in _ACRONYM_SKIPPED]
    if not any(word in name_words for word in content):
        return None
    if any(word not in name_words and OSA.distance(word, other) <= 1 for word in content for other in name_words):
        return None
    for candidate in candidates:
        if candidate.kind != "surname" and compact(candidate.key) == initials and " " not in candidate.key:
            return candidate.original
    return None


_SPAN_WORDS: Final = 6
"""Names up to this many words are looked up in a document's word spans; longer ones are no entity's name here."""


def _word_spans(texts: Iterable[str]) -> set[str]:
    """Return every run of up to `_SPAN_WORDS` words of the texts, to tell in one look-up whether they name a thing."""
    spans: set[str] = set()
    for text in texts:
        words = text.split()
        for size in range(1, _SPAN_WORDS + 1):
            spans.update(" ".join(words[start : start + size]) for start in range(len(words) - size + 1))
    return spans


class _RivalView(Mapping[str, str]):
    """The rival words as one fact sees them: each word's first source that is not the fact itself."""

    def __init__(self, sources: dict[str, list[tuple[str, str]]], fact_id: str) -> None:
        self._sources, self._fact_id = sources, fact_id

    def __getitem__(self, word: str) -> str:
        for fact_id, answer in self._sources.get(word, ()):
            if fact_id != self._fact_id:
                return answer
        raise KeyError(word)

    def __iter__(self) -> Iterator[str]:
        return (word for word in self._sources if word in self)

    def __len__(self) -> int:
        return sum(1 for _ in self)


def _word_next_to_name(
    words: Sequence[str], start: int, name_words: Sequence[str], kind_words: set[str], former: frozenset[str]
) -> str | None:
    """Return a word right before or after a one-word name that makes it another name ('The Big Challenge').

    A word next to a one-word name makes a new name ('Challenge Accepted', 'The Space Challenge', 'Hollywood
    North', 'Russian Hollywood'); only words for what it is ('the film Challenge', 'Baikonur launch site') and its
    other names ('The Challenge (Vyzov)') may stand there. People are judged by their own rules.
    """
    if len(name_words) != 1:
        return None
    before = [word for word in words[:start] if word not in ("the", "a", "an")]  # "MTV's The Challenge"
    # 'ex-Soviet Kazakhstan', 'former Soviet Union Kazakhstan': the former state it once belonged to (not 'ex-NASA')
    state_words = 0
    while state_words < len(before) and before[-1 - state_words] in former:
        state_words += 1
    if state_words and len(before) > state_words and before[-1 - state_words] in ("ex", "former"):
        before = before[: -1 - state_words]
    after = list(words[start + 1 : start + 3])
    if after[:1] in (["ex"], ["former"]) and after[1:2] and after[1] in former:
        after = []  # 'Kazakhstan (ex-USSR)': what it once belonged to
    neighbours = [*before[-1:], *after[:1]]
    return next((word for word in neighbours if word not in STOP_WORDS and word not in kind_words), None)


def _plural_of(word: str, name_words: Sequence[str]) -> bool:
    """Tell whether a word is a name word with or without a plural ending ('state' for 'states')."""
    return any(word in (other + "s", other + "es") or other in (word + "s", word + "es") for other in name_words)


def _is_series_code(word: str) -> bool:
    """Tell whether a word is a short letter code of a series ('tma', 'ms', 'tm'), not a description."""
    return word.isalpha() and len(word) < 4 and word not in STOP_WORDS


def _designation_typo_allowed(key: str, name: str) -> bool:
    """Tell whether an answer may be a typo of a designation: its series codes and numbers must be exact.

    'soyus ms 19' is a typo of 'soyuz ms 19'; 'soyuz tma 19' is another series. Names with no number are
    not designations and allow any typo.
    """
    if not digit_runs(name):
        return True
    words, name_words = key.split(), name.split()
    if len(words) != len(name_words):
        return False
    return all(
        word == name_word or (len(name_word) >= _DESIGNATION_WORD_MIN and not name_word.isdecimal())
        for word, name_word in zip(words, name_words, strict=True)
    )
