"""Find and classify the names of a document: people, organisations, places, countries, craft and titles.

Rule-based and offline: capitalised runs of words are candidate names; the words around them (a role like
"political expert", a descriptor like "spacecraft", an age like ", 37,", a head word like "Cosmodrome")
decide their type. Surnames used alone are resolved to the full name met elsewhere in the document.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import simplemma

from questions.extract.document import Sentence
from questions.extract.lexicon import (
    CELESTIAL,
    CRAFT_DESCRIPTORS,
    EVENT_HEADS,
    FUNCTION_WORDS,
    HONORIFICS,
    MONTHS,
    MORE_ORG_HEADS,
    MORE_PERSON_ROLES,
    ORG_DESCRIPTORS,
    ORG_HEADS,
    PERSON_ROLES,
    PLACE_DESCRIPTORS,
    PLACE_HEADS,
    SPEECH_VERBS,
    TIME_ZONES,
    WEEKDAYS,
    country_names,
    is_demonym,
)
from questions.models import EntityType

TOKEN = re.compile(
    r"“[^”\n]{1,200}”|\"[^\"\n]{1,200}\"|\d{1,3}(?:,\d{3})+(?!\d)|\d{1,2}:\d{2}(?!\d)|\w+(?:[’'.&-]\w+)*(?:’s|'s|’(?=\s))?|\S"
)
_CONNECTORS = frozenset({"of", "de", "del", "da", "von", "van", "der", "al", "bin", "la", "le", "du"})
_NOT_NAMES = frozenset({*MONTHS, *WEEKDAYS, *TIME_ZONES})
_AGE_AFTER = re.compile(r"^,\s*(\d{1,3}),")
_AGE_AT_END = re.compile(r"^,\s*(\d{1,3})\s*[.;]?$")

# Strength of the evidence for an entity's type; the strongest seen in any mention wins.
_EVIDENCE_COUNTRY = 9
_EVIDENCE_HEAD = 8
_EVIDENCE_DESCRIPTOR = 7
_EVIDENCE_AGE = 6
_EVIDENCE_SPEECH = 5
_EVIDENCE_SHAPE = 3
_EVIDENCE_GUESS = 1


@dataclass(frozen=True)
class Token:
    """A word, punctuation mark or quoted string of a sentence, with its offsets in the sentence."""

    text: str
    start: int
    end: int

    @property
    def word(self) -> str:
        """The token without a possessive ending."""
        for ending in ("’s", "'s", "’"):
            if self.text.endswith(ending) and len(self.text) > len(ending):
                return self.text[: -len(ending)]
        return self.text

    @property
    def possessive(self) -> bool:
        """Whether the token ends in a possessive ('Russia’s', 'Roscosmos’')."""
        return self.word != self.text

    @property
    def capitalised(self) -> bool:
        """Whether the token starts with a capital letter."""
        return self.text[:1].isupper()

    @property
    def quoted(self) -> bool:
        """Whether the token is a quoted string."""
        return self.text[:1] in '“"' and len(self.text) > 1


def tokenize(text: str) -> list[Token]:
    """Split a sentence into tokens (quoted strings stay whole)."""
    return [Token(match.group(), match.start(), match.end()) for match in TOKEN.finditer(text)]


@dataclass
class EntityRecord:
    """What the document says about one named thing."""

    key: str
    name: str
    type: EntityType
    evidence: int
    quote: str
    aliases: set[str] = field(default_factory=set)
    surname: str | None = None
    role: str | None = None
    role_quote: str | None = None
    descriptor: str | None = None
    age: int | None = None
    age_quote: str | None = None

    def names(self) -> list[str]:
        """The name and every alias."""
        return [self.name, *sorted(self.aliases)]


@dataclass(frozen=True)
class Mention:
    """A name in a sentence: tokens [first, last) refer to an entity."""

    sentence: int
    first: int
    last: int
    key: str
    start: int
    end: int
    possessive: bool
    role: str | None = None
    role_first: int | None = None


@dataclass
class EntityIndex:
    """Every entity of a document and where it is mentioned."""

    entities: dict[str, EntityRecord]
    mentions: dict[int, list[Mention]]
    tokens: dict[int, list[Token]]

    def in_sentence(self, index: int) -> list[Mention]:
        """The mentions of one sentence, in order."""
        return self.mentions.get(index, [])


def role_words(word: str) -> str | None:
    """Return which lexicon a lowercase noun belongs to: 'person', 'org', 'craft', 'place', or None."""
    lemma = simplemma.lemmatize(word.casefold(), lang="en")
    for kind, words in (
        ("person", PERSON_ROLES | MORE_PERSON_ROLES),
        ("org", ORG_DESCRIPTORS),
        ("craft", CRAFT_DESCRIPTORS),
        ("place", PLACE_DESCRIPTORS),
    ):
        if word.casefold() in words or lemma in words:
            return kind
    return None


def _slug(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-")
    return slug[:60] or "entity"


class _Builder:
    def __init__(self, sentences: list[Sentence], lowercase_words: set[str]) -> None:
        self.sentences = sentences
        self.lowercase_words = lowercase_words
        self.entities: dict[str, EntityRecord] = {}
        self.by_name: dict[str, str] = {}

    def record(self, name: str, entity_type: EntityType, evidence: int, quote: str) -> EntityRecord:
        key = self.by_name.get(name.casefold())
        if key is not None:
            entity = self.entities[key]
            if evidence > entity.evidence:
                entity.type, entity.evidence = entity_type, evidence
            return entity
        key = _slug(name)
        base, number = key, 2
        while key in self.entities:
            key, number = f"{base}-{number}", number + 1
        entity = EntityRecord(key, name, entity_type, evidence, quote)
        self.entities[key] = entity
        self.by_name[name.casefold()] = key
        return entity


def _role_before(tokens: list[Token], first: int) -> tuple[str | None, int | None, str | None]:
    """Return the role phrase right before a name ('political expert'), where it starts, and its lexicon."""
    index = first - 1
    if index < 0:
        return None, None, None
    head = tokens[index].text
    kind = role_words(head) if head.isalpha() else None
    if kind is None:
        return None, None, None
    start = index
    while start - 1 >= 0 and first - start < 4:
        word = tokens[start - 1].text
        if not (word.isalpha() and word.islower()) or word in FUNCTION_WORDS:
            break
        if word.endswith(("ed", "ing")) and role_words(word) is None:
            break
        start -= 1
    phrase = " ".join(token.text for token in tokens[start:first]).casefold()
    return phrase, start, kind


def _descriptor_after(tokens: list[Token], last: int) -> str | None:
    if last < len(tokens) and tokens[last].text.isalpha() and tokens[last].text.islower():
        kind = role_words(tokens[last].text)
        if kind in {"craft", "org", "place"}:
            return kind
    return None


def find_entities(sentences: list[Sentence]) -> EntityIndex:
    """Find and classify every name of the document's sentences."""
    lowercase_words = {
        token.text for sentence in sentences for token in tokenize(sentence.text) if token.text.islower()
    }
    builder = _Builder(sentences, lowercase_words)
    tokens_by_sentence = {sentence.index: tokenize(sentence.text) for sentence in sentences}
    runs: list[tuple[int, int, int]] = []
    for sentence in sentences:
        tokens = tokens_by_sentence[sentence.index]
        runs.extend((sentence.index, first, last) for first, last in _capitalised_runs(tokens, lowercase_words))
        for position, token in enumerate(tokens):
            if token.quoted and _looks_like_title(token.text[1:-1]):
                runs.append((sentence.index, position, position + 1))
    runs.sort()
    # Full names first, so a surname alone can be resolved to the person named in full elsewhere.
    classified: list[tuple[int, int, int, str]] = []
    for sentence_index, first, last in sorted(runs, key=lambda run: -(run[2] - run[1])):
        tokens = tokens_by_sentence[sentence_index]
        key = _classify(builder, sentences[sentence_index], tokens, first, last)
        if key is not None:
            classified.append((sentence_index, first, last, key))
    mentions: dict[int, list[Mention]] = {}
    for sentence_index, first, last, key in sorted(classified):
        tokens = tokens_by_sentence[sentence_index]
        role, role_first, _ = _role_before(tokens, first)
        mention = Mention(
            sentence_index,
            first,
            last,
            key,
            tokens[first].start,
            tokens[last - 1].end,
            tokens[last - 1].possessive,
            role,
            role_first,
        )
        mentions.setdefault(sentence_index, []).append(mention)
    return EntityIndex(builder.entities, mentions, tokens_by_sentence)


def _looks_like_title(text: str) -> bool:
    words = text.strip(" ,.").split()
    if not 1 <= len(words) <= 8 or text.rstrip().endswith(("?", "!")) or "," in text.strip(" ,"):
        return False
    content = [word for word in words if word.casefold() not in FUNCTION_WORDS]
    return bool(content) and all(word[:1].isupper() for word in content) and words[0][:1].isupper()


def _capitalised_runs(tokens: list[Token], lowercase_words: set[str]) -> list[tuple[int, int]]:
    runs: list[tuple[int, int]] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if not token.capitalised or token.quoted or not token.word[:1].isalpha():
            index += 1
            continue
        first = index
        last = index + 1
        while last < len(tokens) and not tokens[last - 1].possessive:
            nxt = tokens[last]
            if (nxt.capitalised and not nxt.quoted) or (
                nxt.text[:1].isdigit()
                and nxt.text.replace("-", "").isalnum()
                and not re.fullmatch(r"\d+-\d+", nxt.text)  # a score, "3-2", is not part of a name
                and last - first >= 1
            ):
                last += 1
            elif (
                nxt.text in _CONNECTORS
                and last + 1 < len(tokens)
                and tokens[last + 1].capitalised
                and not tokens[last + 1].quoted
            ):
                last += 2
            else:
                break
        # Drop leading words that are capitalised only by position or are titles/roles ("Director Shipenko").
        while first < last and (
            re.split(r"[’']", tokens[first].word.casefold())[0] in FUNCTION_WORDS
            or not tokens[first].word[:1].isalpha()
            or tokens[first].word in _NOT_NAMES
            or (first == 0 and tokens[first].word.casefold() in lowercase_words)
            or (first == 0 and last - first == 1 and _inflected(tokens[first].word))
            or (last - first > 1 and tokens[first].word.rstrip(".") in HONORIFICS)
            or (last - first > 1 and role_words(tokens[first].word) == "person")
        ):
            first += 1
        while first < last and tokens[last - 1].word in _NOT_NAMES:
            last -= 1
        if first < last:
            words = [token.word for token in tokens[first:last]]
            single = last - first == 1
            follower = tokens[last].text if last < len(tokens) else ""
            adjective = single and words[0] not in country_names() and is_demonym(words[0]) and follower[:1].islower()
            compound = single and re.match(r"^[A-Z]\w*-[a-z]", words[0]) is not None
            if not adjective and not compound:
                runs.append((first, last))
        index = max(last, index + 1)
    return runs


def _inflected(word: str) -> bool:
    """Whether a capitalised word is an inflected common word ('Critics', 'Visitors'), not a name."""
    folded = word.casefold()
    if not folded.isalpha() or not folded.endswith("s") or word in country_names():
        return False
    lemma = simplemma.lemmatize(folded, lang="en")
    return lemma != folded and folded.startswith(lemma[: max(3, len(lemma) - 1)])


def _classify(builder: _Builder, sentence: Sentence, tokens: list[Token], first: int, last: int) -> str | None:
    run = tokens[first:last]
    if len(run) == 1 and run[0].quoted:
        title = run[0].text[1:-1].strip(" ,.")
        entity = builder.record(title, EntityType.TITLE, _EVIDENCE_HEAD, sentence.text)
        return entity.key
    words = [token.word for token in run]
    name = " ".join(words)
    countries = country_names()
    after = sentence.text[run[-1].end :]
    role, _, role_kind = _role_before(tokens, first)
    descriptor_kind = _descriptor_after(tokens, last)
    follower = tokens[last].text if last < len(tokens) else ""

    # A surname alone, or a known alias, refers to an entity already met.
    known = builder.by_name.get(name.casefold())
    if known is None and len(words) == 1:
        for entity in builder.entities.values():
            if entity.type == EntityType.PERSON and entity.surname == name:
                known = entity.key
                break
    if known is not None:
        entity = builder.entities[known]
        _note_role(entity, role, role_kind, sentence)
        return known

    if name in countries:
        entity = builder.record(countries[name], EntityType.COUNTRY, _EVIDENCE_COUNTRY, sentence.text)
        if name != entity.name:
            entity.aliases.add(name)
            builder.by_name[name.casefold()] = entity.key
        return entity.key
    entity_type: EntityType | None = None
    evidence = 0
    heads = set(words[:-1])
    if words[-1] in PLACE_HEADS or name in CELESTIAL:
        entity_type, evidence = EntityType.PLACE, _EVIDENCE_HEAD
    elif words[-1] in ORG_HEADS or words[-1] in MORE_ORG_HEADS:
        entity_type, evidence = EntityType.ORGANISATION, _EVIDENCE_HEAD
    elif words[-1] in EVENT_HEADS:
        entity_type, evidence = EntityType.EVENT, _EVIDENCE_HEAD
    elif heads & (ORG_HEADS | MORE_ORG_HEADS):
        entity_type, evidence = EntityType.ORGANISATION, _EVIDENCE_HEAD - 1  # "University Hospital Galway"
    elif heads & PLACE_HEADS:
        entity_type, evidence = EntityType.PLACE, _EVIDENCE_HEAD - 1
    elif first > 0 and tokens[first - 1].text.rstrip(".") in HONORIFICS:
        entity_type, evidence = EntityType.PERSON, _EVIDENCE_DESCRIPTOR
    elif role_kind is not None or descriptor_kind is not None:
        kind = role_kind or descriptor_kind
        entity_type = {
            "person": EntityType.PERSON,
            "org": EntityType.ORGANISATION,
            "craft": EntityType.CRAFT,
            "place": EntityType.PLACE,
        }[kind or "person"]
        evidence = _EVIDENCE_DESCRIPTOR
    elif _AGE_AFTER.match(after) or _AGE_AT_END.match(after):
        entity_type, evidence = EntityType.PERSON, _EVIDENCE_AGE
    elif follower in SPEECH_VERBS:
        entity_type = EntityType.ORGANISATION if name.isupper() else EntityType.PERSON
        evidence = _EVIDENCE_SPEECH
    elif len(words) == 1 and ((name.isupper() and len(name) >= 2) or re.search(r"[a-z][A-Z]", name)):
        entity_type, evidence = EntityType.ORGANISATION, _EVIDENCE_SHAPE
    elif any(character.isdigit() for character in name):
        entity_type, evidence = EntityType.THING, _EVIDENCE_SHAPE
    elif 2 <= len(words) <= 3 and all(word.isalpha() and word[1:].islower() for word in words):
        entity_type, evidence = EntityType.PERSON, _EVIDENCE_GUESS
    elif len(words) == 1 and first > 0 and tokens[first - 1].text == "the":
        entity_type, evidence = EntityType.ORGANISATION, _EVIDENCE_GUESS
    elif len(words) == 1 and first > 0 and tokens[first - 1].text in {"in", "at", "near", "from"}:
        entity_type, evidence = EntityType.PLACE, _EVIDENCE_GUESS + 1
    else:
        entity_type, evidence = EntityType.THING, _EVIDENCE_GUESS
    entity = builder.record(name, entity_type, evidence, sentence.text)
    if entity.type == EntityType.PERSON and len(words) >= 2 and entity.surname is None:
        entity.surname = words[-1]
    if descriptor_kind is not None and entity.descriptor is None and last < len(tokens):
        entity.descriptor = tokens[last].text
    _note_role(entity, role, role_kind, sentence)
    # "International Space Station (ISS)": the parenthesised acronym is an alias.
    alias = re.match(r"^\s*\(([A-Z][A-Za-z0-9.&-]{1,11})\)", after)
    if alias and len(words) > 1:
        entity.aliases.add(alias.group(1))
        builder.by_name[alias.group(1).casefold()] = entity.key
    if entity.type == EntityType.PERSON:
        age = _AGE_AFTER.match(after) or _AGE_AT_END.match(after)
        if age and entity.age is None and 0 < int(age.group(1)) < 120:
            entity.age = int(age.group(1))
            entity.age_quote = f"{sentence.text[run[0].start : run[-1].end]}, {age.group(1)}"
    return entity.key


def _note_role(entity: EntityRecord, role: str | None, role_kind: str | None, sentence: Sentence) -> None:
    if role is None or entity.role is not None:
        return
    if role_kind == "person" and entity.type == EntityType.PERSON:
        entity.role = role
        entity.role_quote = sentence.text
    elif role_kind in {"org", "craft", "place"} and entity.descriptor is None:
        entity.descriptor = role
