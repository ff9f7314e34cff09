"""Turn the sentences of a document into candidate facts: each with a real question, an answer and its quote.

Two families of rules:

* **patterns** over names and numbers: ages ("X, 37,"), roles ("political expert X"), descriptions
  ("Russia's space agency X", "the first satellite X"), owners ("X's SpaceX"), fame ("X of "T" fame"),
  locations ("P in C"), clothing ("dressed in ...");
* **clauses**: a subject (a name, a list of names, or a pronoun resolved to the last one) followed by a verb
  group. Its subject becomes a "Which ...?" question, and each name, date, time, year, duration, count or
  quoted description in the rest becomes a "When/Where/Which/How many ...?" question by moving the asked
  part to the front (with "do"-support from the verb's lemma when the clause has no auxiliary).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import simplemma

from questions.extract.document import Sentence
from questions.extract.entities import EntityIndex, EntityRecord, Mention, Token, role_words
from questions.extract.lexicon import EVENT_HEADS, FUNCTION_WORDS, ORG_HEADS, PLACE_HEADS, WEEKDAYS
from questions.extract.when import Amount, WhenPhrase, find_counts, find_durations, find_when
from questions.models import EntityType

AUXILIARIES = frozenset(
    [
        "will",
        "would",
        "has",
        "have",
        "had",
        "is",
        "are",
        "was",
        "were",
        "can",
        "could",
        "may",
        "might",
        "must",
        "should",
        "does",
        "did",
        "do",
        "shall",
    ]
)
_ADVERB = re.compile(r"^(?:[a-z]+ly|also|still|already|now|then|just|never|not|soon|once|again|first|even)$")
_CONTRACTED_WILL = re.compile(r"^(?P<subject>\w+)[’'](?:ll)$")
_CLAUSE_STOPS = frozenset({",", ";", ":", "—", "–"})
_SUBORDINATORS = frozenset(
    [
        "when",
        "after",
        "as",
        "because",
        "while",
        "since",
        "although",
        "though",
        "if",
        "that",
        "where",
        "before",
        "until",
        "once",
        "and",
        "but",
    ]
)
_CLASS_OF_HEAD = {
    **dict.fromkeys(["United", "Athletic", "Rovers", "Wanderers", "Albion", "FC"], "club"),
    **dict.fromkeys(
        ["Times", "Gazette", "Herald", "Tribune", "Journal", "Telegraph", "Post", "Chronicle"], "newspaper"
    ),
    **dict.fromkeys(["Inc", "Ltd", "Corp", "Plc"], "company"),
}
_TAKES_INFINITIVE = frozenset(
    [
        "failed",
        "fail",
        "fails",
        "tried",
        "try",
        "tries",
        "wants",
        "want",
        "wanted",
        "hopes",
        "hoped",
        "plans",
        "planned",
        "agreed",
        "refused",
        "decided",
        "promised",
    ]
)
SAYING_VERBS = frozenset({"said", "says", "told", "tells", "added", "wrote", "explained", "warned"})
_PRONOUNS = {"they": "plural", "he": "person", "she": "person"}
MAX_PROMPT_CHARS = 220
"""Longer questions are dropped: nobody reads them in the time of a round."""
_MIN_REST_WORDS = 2

WH_BY_TYPE: dict[EntityType, str] = {
    EntityType.PERSON: "Who",
    EntityType.ORGANISATION: "Which organisation",
    EntityType.COUNTRY: "Which country",
    EntityType.PLACE: "Which place",
    EntityType.CRAFT: "Which craft",
    EntityType.TITLE: "Which title",
    EntityType.PROGRAMME: "Which programme",
    EntityType.EVENT: "Which event",
    EntityType.THING: "What",
}


@dataclass
class Candidate:
    """A drafted fact before it becomes a pack ``Fact``: everything the pack builder needs."""

    rule: str
    """What kind of fact it is, for the report: 'person-age', 'subject', 'date', 'place', ..."""
    prompt: str
    answer: dict[str, object]
    """The answer as pack YAML would spell it; entity answers name an entity key of the index."""
    quote: str
    statement: str | None = None
    as_of: bool = False
    entities: list[str] = field(default_factory=list)
    """Entity keys the fact needs in the pack (answers, set members)."""
    derivation: str | None = None
    """How the answer follows from the quote when the quote does not name it ('on Tuesday' -> the date)."""


@dataclass
class _Clause:
    sentence: Sentence
    subject_text: str
    subject_keys: list[str]
    subject_end: int
    aux: str | None
    verb: str
    verb_start: int
    verb_end: int
    verb_group: str
    rest_start: int
    rest_end: int
    front_start: int | None
    """Start of a fronted adjunct ('Aboard October 17, ...') that belongs to this clause."""
    subject_start: int = 0


class RuleSet:
    """Applies every rule to every sentence of one document."""

    def __init__(self, index: EntityIndex, sentences: list[Sentence], document_date: dt.date) -> None:
        self.index = index
        self.sentences = sentences
        self.date = document_date
        self.last_people: list[str] = []
        self.last_person: str | None = None

    # ----------------------------------------------------------------- helpers

    def entity(self, key: str) -> EntityRecord:
        """The record of an entity key."""
        return self.index.entities[key]

    def display(self, key: str, *, with_role: bool = False) -> str:
        """How a prompt names an entity: the full name, with 'the' for organisations named so."""
        entity = self.entity(key)
        if with_role and entity.role:
            return f"{entity.role} {entity.name}"
        return entity.name

    def wh_for(self, key: str) -> str:
        """The question word that asks for an entity: its role or descriptor where known."""
        entity = self.entity(key)
        if entity.type == EntityType.PERSON and entity.role:
            return f"Which {entity.role}"
        head = entity.name.split()[-1]
        if len(entity.name.split()) > 1 and head in _CLASS_OF_HEAD:
            return f"Which {_CLASS_OF_HEAD[head]}"
        if len(entity.name.split()) > 1 and head in PLACE_HEADS | ORG_HEADS | EVENT_HEADS:
            return f"Which {head.casefold()}"
        if entity.type in {EntityType.ORGANISATION, EntityType.CRAFT, EntityType.PLACE} and entity.descriptor:
            words = entity.descriptor.split()
            if not {"first", "last", "only"} & set(words):
                return f"Which {' '.join(words[-2:])}"
        return WH_BY_TYPE[entity.type]

    def rewrite_when(self, text: str) -> str:
        """Replace relative dates ('on Tuesday', 'last year') by absolute ones; drop parenthesised aliases."""
        phrases = find_when(text, self.date)
        for phrase in reversed(phrases):
            if phrase.kind in {"date", "weekday-date", "year"}:
                text = text[: phrase.start] + phrase.rewritten() + text[phrase.end :]
        text = re.sub(r"\s*\([A-Z][A-Za-z0-9.&-]{1,11}\)", "", text)
        return _tidy(text)

    # ----------------------------------------------------------------- entry point

    def candidates(self) -> Iterator[Candidate]:
        """Yield every candidate fact of the document, sentence by sentence."""
        yield from self._entity_facts()
        for sentence in self.sentences:
            if looks_like_instruction(sentence.text):
                continue
            mentions = self.index.in_sentence(sentence.index)
            tokens = self.index.tokens[sentence.index]
            yield from self._pattern_facts(sentence, tokens, mentions)
            for clause in self._clauses(sentence, tokens, mentions):
                yield from self._clause_facts(clause, tokens, mentions)
            self._remember_people(mentions)

    def _remember_people(self, mentions: list[Mention]) -> None:
        people = [m.key for m in mentions if self.entity(m.key).type == EntityType.PERSON]
        if people:
            self.last_person = people[-1]
        if len(set(people)) >= 2:
            self.last_people = list(dict.fromkeys(people))

    # ----------------------------------------------------------------- facts about one entity

    def _entity_facts(self) -> Iterator[Candidate]:
        people = [e for e in self.index.entities.values() if e.type == EntityType.PERSON]
        roles = {e.role for e in people if e.role}
        for entity in people:
            if entity.age is not None and entity.age_quote:
                yield Candidate(
                    "person-age",
                    f"How old is {entity.name}?",
                    {"type": "number", "value": entity.age, "unit": "years old"},
                    entity.age_quote,
                    statement=f"{entity.name} is {{answer}}.",
                    as_of=True,
                )
            if entity.role and entity.role_quote:
                others = sorted({_with_article(role) for role in roles if role.split()[-1] != entity.role.split()[-1]})
                head = entity.role.split()[-1]
                accept = sorted({_with_article(head), head, entity.role} - {_with_article(entity.role)})
                answer: dict[str, object] = {"type": "text", "value": _with_article(entity.role), "accept": accept}
                if len(others) >= 1:
                    answer["distractors"] = others[:3]
                yield Candidate(
                    "person-role",
                    f"What is {entity.name}'s role or profession?",
                    answer,
                    _role_quote(entity),
                    statement=f"{entity.name} is {{answer}}." if len(others) >= 3 else None,
                    as_of=True,
                )

    # ----------------------------------------------------------------- patterns

    def _pattern_facts(self, sentence: Sentence, tokens: list[Token], mentions: list[Mention]) -> Iterator[Candidate]:
        text = sentence.text
        for position, mention in enumerate(mentions):
            entity = self.entity(mention.key)
            nxt = mentions[position + 1] if position + 1 < len(mentions) else None
            between = text[mention.end : nxt.start] if nxt is not None else ""
            # "Russia’s space agency Roscosmos": the owner's described thing has a name
            if mention.possessive and nxt is not None and nxt.role and nxt.role_first == mention.last:
                described = self.entity(nxt.key)
                if described.type != EntityType.PERSON and described.descriptor:
                    yield Candidate(
                        "description",
                        f"What is the name of {entity.name}'s {nxt.role}?",
                        {"type": "entity", "entity": nxt.key},
                        text[mention.start : nxt.end],
                        statement=f"{entity.name}'s {nxt.role} is {{answer}}.",
                        entities=[nxt.key],
                    )
            # "Elon Musk’s SpaceX": a person's organisation
            elif (
                mention.possessive
                and nxt is not None
                and nxt.first == mention.last
                and entity.type == EntityType.PERSON
                and self.entity(nxt.key).type == EntityType.ORGANISATION
            ):
                organisation = self.entity(nxt.key)
                yield Candidate(
                    "owner",
                    f"Whose company is {organisation.name}?",
                    {"type": "entity", "entity": mention.key},
                    text[mention.start : nxt.end],
                    statement=f"{organisation.name} is the company of {{answer}}.",
                    entities=[mention.key],
                )
            # "Tom Cruise of “Mission Impossible” fame"
            if nxt is not None and self.entity(nxt.key).type == EntityType.TITLE and between.strip() == "of":
                after = text[nxt.end :]
                if re.match(r"^\s*fame\b", after):
                    yield Candidate(
                        "fame",
                        f"Which title is {entity.name} famous for?",
                        {"type": "entity", "entity": nxt.key},
                        text[mention.start : nxt.end] + " fame",
                        statement=f"{entity.name} is famous for {{answer}}.",
                        entities=[nxt.key],
                    )
            # "the Baikonur Cosmodrome in ex-Soviet Kazakhstan"
            if (
                nxt is not None
                and entity.type == EntityType.PLACE
                and self.entity(nxt.key).type in {EntityType.COUNTRY, EntityType.PLACE}
                and re.fullmatch(r"\s*,?\s*in\s+(?:the\s+)?(?:[a-z]+-?[A-Za-z]*\s+)?", between)
            ):
                country = self.entity(nxt.key)
                wh = "In which country" if country.type == EntityType.COUNTRY else "Where"
                yield Candidate(
                    "location",
                    f"{wh} is the {entity.name}?" if _takes_the(tokens, mention) else f"{wh} is {entity.name}?",
                    {"type": "entity", "entity": nxt.key},
                    text[mention.start : nxt.end],
                    statement=f"{_the(tokens, mention)}{entity.name} is in {{answer}}.",
                    entities=[nxt.key],
                )
            # "the first satellite Sputnik", "the first man into space, Yuri Gagarin"
            first = re.search(r"\bthe (first|last|only) ((?:[a-z]+ ){0,3}[a-z]+),? $", text[: mention.start])
            if first and entity.type != EntityType.COUNTRY:
                wh = "Who" if entity.type == EntityType.PERSON else "What"
                description = f"the {first.group(1)} {first.group(2)}"
                if not any(word in FUNCTION_WORDS - {"into", "in", "on", "to"} for word in first.group(2).split()):
                    yield Candidate(
                        "description",
                        f"{wh} was {description}?",
                        {"type": "entity", "entity": mention.key},
                        text[first.start() : mention.end],
                        statement=f"{description[0].upper()}{description[1:]} was {{answer}}.",
                        entities=[mention.key],
                    )
            # "a Hollywood initiative suggested earlier this year by A, B, and C"
            if position == 0:
                yield from self._passive_agents(sentence, mentions)
            # "The mayor of Rotterdam, Ahmed Aboutaleb, ..."
            office = re.search(
                r"\b[Tt]he ((?:[a-z]+ ){0,2}([a-z]+)(?: of (?:the )?[A-Z]\w+(?: [A-Z]\w+){0,3})?),\s*$",
                text[: mention.start],
            )
            if (
                office
                and entity.type == EntityType.PERSON
                and role_words(office.group(2)) == "person"
                and text[mention.end : mention.end + 1] == ","
            ):
                yield Candidate(
                    "office",
                    f"Who is the {office.group(1)}?",
                    {"type": "entity", "entity": mention.key},
                    text[office.start() : mention.end],
                    statement=f"The {office.group(1)} is {{answer}}.",
                    as_of=True,
                    entities=[mention.key],
                )
            # "CLAIM, according to political expert X." / "According to Russia’s space agency X, CLAIM."
            if position == 0:
                yield from self._according_to(sentence, mentions)
            # "Director Shipenko, dressed in a flight suit,"
            dressed = re.match(
                r"^,\s*(?:dressed in|wearing)\s+((?:an?|the|his|her)\s+[a-z -]{2,40}?)\s*,", text[mention.end :]
            )
            if dressed and entity.type == EntityType.PERSON:
                yield Candidate(
                    "clothing",
                    f"What was {self.display(mention.key, with_role=True)} wearing?",
                    {"type": "text", "value": dressed.group(1), "accept": [dressed.group(1).split(" ", 1)[1]]},
                    text[mention.start : mention.end + dressed.end() - 1],
                    entities=[],
                )

    def _according_to(self, sentence: Sentence, mentions: list[Mention]) -> Iterator[Candidate]:
        text = sentence.text
        trailing = re.search(r",[”\"]?\s*according to\s+(?P<who>[^,]{3,80})\.?$", text)
        leading = re.match(r"^According to\s+(?P<who>[^,]{3,80}),\s*(?P<claim>.+?)[.!]?$", text)
        if trailing:
            claim = text[: trailing.start()] + ("”" if text[trailing.start() + 1 : trailing.start() + 2] == "”" else "")
            source_start = trailing.start("who")
        elif leading:
            claim, source_start = leading.group("claim"), leading.start("who")
        else:
            return
        source = next(
            (m for m in mentions if m.start >= source_start and not m.possessive and m.start < source_start + 80), None
        )
        if source is None or re.search(r"[“\"]", claim[:1]) or len(claim.split()) < 4:
            return
        claim = _tidy(self.rewrite_when(claim.strip().rstrip(",")))
        claim = claim[0].lower() + claim[1:] if claim.split()[0] in {"The", "A", "An", "Its", "Their"} else claim
        wh = self.wh_for(source.key)
        if source.role:
            wh = f"Which {source.role}"
        yield Candidate(
            "source",
            f"{wh} said that {claim}?",
            {"type": "entity", "entity": source.key},
            text,
            entities=[source.key],
        )

    def _passive_agents(self, sentence: Sentence, mentions: list[Mention]) -> Iterator[Candidate]:
        text = sentence.text
        match = re.search(
            r"\b(?P<np>(?:a|an|the)\s+(?:[A-Z]\w+\s+|[a-z]+\s+){0,2}[a-z]+)\s+(?P<verb>[a-z]+ed)\s+"
            r"(?P<when>(?:[a-z0-9]+\s+){0,3}?)by\s+",
            text,
        )
        if match is None:
            return
        agents: list[Mention] = []
        position = match.end()
        for mention in mentions:
            if mention.start < position:
                continue
            gap = text[position : mention.start]
            if not re.fullmatch(r"\s*(?:,\s*)?(?:and\s+)?", gap):
                break
            if mention.possessive:
                position = mention.end
                continue
            if self.entity(mention.key).type == EntityType.TITLE:
                fame = re.match(r"^\s*fame", text[mention.end :])
                position = mention.end + (fame.end() if fame else 0)
                continue
            agents.append(mention)
            position = mention.end
            of = re.match(r"^\s+of\s+", text[position:])
            if of:
                position += of.end()
        if not agents:
            return
        when = self.rewrite_when(match.group("when").strip())
        np, verb = match.group("np"), match.group("verb")
        titled = re.search(r"[“\"]([^”\"]{1,80})[”\"],\s*$", text[: match.start()])
        if titled and np.split()[0] in {"a", "an"}:
            np = f"the {' '.join(np.split()[1:])} “{titled.group(1)}”"  # “The Grey Pier”, a seascape painted ...
        quote = text[match.start() : agents[-1].end]
        for agent in agents:
            others = [self.entity(m.key).name for m in agents if m.key != agent.key]
            wh = WH_BY_TYPE[self.entity(agent.key).type].lower()
            along = f"Along with {_join(others)}, " if others else ""
            yield Candidate(
                "agent",
                _tidy(f"{along}{wh} {verb} {np} {when}?")[0].upper() + _tidy(f"{along}{wh} {verb} {np} {when}?")[1:],
                {"type": "entity", "entity": agent.key},
                quote,
                entities=[agent.key],
            )
        year = next((p for p in find_when(match.group("when"), self.date) if p.kind == "year"), None)
        if year is not None and year.year is not None:
            names = _join([self.entity(m.key).name for m in agents])
            yield Candidate(
                "year",
                f"In what year was {np} {verb} by {names}?",
                {"type": "number", "value": year.year},
                quote,
                derivation=year.derivation(self.date),
            )

    # ----------------------------------------------------------------- clauses

    def _clauses(self, sentence: Sentence, tokens: list[Token], mentions: list[Mention]) -> Iterator[_Clause]:
        text = sentence.text
        starts: list[tuple[int, int, list[str], str]] = []  # (token index of subject start, end token, keys, text)
        by_first = {m.first: m for m in mentions}
        by_role = {m.role_first: m for m in mentions if m.role_first is not None}
        index = 0
        while index < len(tokens):
            token = tokens[index]
            boundary = index == 0 or _is_boundary(tokens[index - 1])
            if (
                index >= 1
                and tokens[index - 1].text.casefold() == "the"
                and (index == 1 or _is_boundary(tokens[index - 2]))
            ):
                boundary = True
            contracted = _CONTRACTED_WILL.match(token.text)
            word = (contracted.group("subject") if contracted else token.text).casefold()
            if boundary and word in _PRONOUNS and not token.quoted:
                keys = (
                    self.last_people
                    if _PRONOUNS[word] == "plural"
                    else ([self.last_person] if self.last_person else [])
                )
                if keys:
                    starts.append((index, index + 1, list(keys), ""))
                index += 1
                continue
            mention = by_first.get(index) or by_role.get(index)
            if mention is not None and mention.last + 1 < len(tokens):
                # "cosmonaut Oleg Novitsky, who has spent ...": a relative clause about the name
                relative = tokens[mention.last].text == "," and tokens[mention.last + 1].text == "who"
                boundary = boundary or relative
            if boundary and mention is not None and not mention.possessive:
                keys = [mention.key]
                end = mention.last
                # a list of people: "A, 37, and B, 38," / "A and B"
                while True:
                    skip = _skip_age(tokens, end)
                    if skip < len(tokens) and tokens[skip].text == "and" and (skip + 1) in by_first:
                        other = by_first[skip + 1]
                        keys.append(other.key)
                        end = _skip_age(tokens, other.last)
                        continue
                    if (
                        skip < len(tokens) - 1
                        and tokens[skip].text == ","
                        and tokens[skip + 1].text == "and"
                        and (skip + 2) in by_first
                    ):
                        other = by_first[skip + 2]
                        keys.append(other.key)
                        end = _skip_age(tokens, other.last)
                        continue
                    end = skip
                    break
                located = by_first.get(end + 1)
                if (
                    end < len(tokens)
                    and tokens[end].text == "in"
                    and located is not None
                    and self.entity(located.key).type in {EntityType.PLACE, EntityType.COUNTRY}
                ):
                    end = located.last  # "The Harbour Museum in Rotterdam will open ..."
                starts.append((index, end, keys, text[mention.start : tokens[max(end - 1, index)].end]))
                index = end
                continue
            named = by_first.get(index + 1)
            after_name = tokens[named.last].text if named is not None and named.last < len(tokens) else ""
            name_is_subject = named is not None and (
                after_name in AUXILIARIES or after_name in {",", "in"} or _finite(after_name)
            )
            if _np_start(tokens, index) and not name_is_subject:
                bare = _bare_plural(tokens[index].text)
                longest = index + (2 if bare else 8)  # "Researchers measured", "Local authorities have"
                for end in range(index + 1, min(len(tokens), longest)):
                    if tokens[end - 1].text in _CLAUSE_STOPS or tokens[end - 1].quoted:
                        break
                    clause = self._clause_at(sentence, tokens, index, end, [], noun_phrase=True)
                    if clause is not None:
                        starts.append((index, end, [], text[tokens[index].start : tokens[end - 1].end]))
                        break
            index += 1
        for first, end, keys, phrase in starts:
            clause = self._clause_at(sentence, tokens, first, end, keys, noun_phrase=not keys)
            if clause is not None:
                if not keys:
                    clause.subject_text = phrase.rstrip(" ,")
                yield clause

    def _clause_at(
        self,
        sentence: Sentence,
        tokens: list[Token],
        first: int,
        end: int,
        keys: list[str],
        *,
        noun_phrase: bool = False,
    ) -> _Clause | None:
        position = end
        if noun_phrase and not (
            any(token.text.isalpha() and token.text.islower() for token in tokens[first + 1 : end])
            or (end == first + 1 and _bare_plural(tokens[first].text))
        ):
            return None
        # skip a parenthetical after the subject: ", dressed in a flight suit," / ", who ..." becomes a clause
        if position < len(tokens) and tokens[position].text == ",":
            if position + 1 < len(tokens) and tokens[position + 1].text in {"who", "which"}:
                position += 2
            else:
                close = next(
                    (i for i in range(position + 1, min(len(tokens), position + 10)) if tokens[i].text == ","), None
                )
                appositive = any(m.first == position + 1 for m in self.index.in_sentence(sentence.index))
                if close is None or not (tokens[position + 1].text.islower() or appositive):
                    return None
                position = close + 1
        contracted = _CONTRACTED_WILL.match(tokens[first].text)
        aux: str | None = "will" if contracted else None
        verb_start = position
        while position < len(tokens) and _ADVERB.match(tokens[position].text):
            position += 1
        if aux is None and position < len(tokens) and tokens[position].text in AUXILIARIES:
            aux = tokens[position].text
            position += 1
            while position < len(tokens) and (
                _ADVERB.match(tokens[position].text) or tokens[position].text in {"been", "be"}
            ):
                position += 1
        if position >= len(tokens):
            return None
        verb = tokens[position].text
        if not verb.isalpha() or not verb.islower() or verb in FUNCTION_WORDS:
            if aux in {"is", "are", "was", "were"} and verb in {"a", "an", "the"}:
                position -= 1  # a copula: "X is a Y"
                verb = aux
                aux = None
            else:
                return None
        elif aux is None and not _finite(verb):
            return None
        elif aux is None and position > 0 and _counts_or_determines(tokens[position - 1].text):
            return None  # "the two clubs", "18,000 fans": a plural noun, not a verb
        rest_start = position + 1
        rest_end = rest_start
        in_quote = False
        while rest_end < len(tokens):
            text = tokens[rest_end].text
            if text in {"“", "”", '"'}:
                in_quote = not in_quote
            if not in_quote and (text in _CLAUSE_STOPS or text in {".", "!", "?"}):
                break
            if text in {"which", "who", "where", "while", "whereas"} and rest_end > rest_start:
                break
            if rest_end >= rest_start + 2 and _reduced_relative(tokens, rest_end):
                break  # "a Hollywood initiative suggested earlier this year by ...": another verb's clause
            rest_end += 1
            if tokens[rest_end - 1].quoted and text[-2:-1] == ",":
                break  # “The Challenge,” ends the clause with its comma inside the quotes
        if rest_end - rest_start < 1:
            return None
        subject_text = self._subject_text(keys, tokens, first, end)
        front = None
        if first > 0 and tokens[first - 1].text == ",":
            front = 0
        group = " ".join(t.text for t in tokens[verb_start : position + 1])
        if contracted:
            group = f"will {group}"
        return _Clause(
            sentence,
            subject_text,
            keys,
            end,
            aux,
            verb,
            tokens[verb_start].start,
            tokens[position].end,
            group,
            tokens[rest_start].start if rest_start < len(tokens) else len(sentence.text),
            tokens[rest_end - 1].end,
            front,
            tokens[first].start,
        )

    def _subject_text(self, keys: list[str], tokens: list[Token], first: int, end: int) -> str:
        if not keys:
            return " ".join(token.text for token in tokens[first:end])
        names = [self.display(key, with_role=len(keys) == 1) for key in keys]
        if len(names) == 1:
            article = "the " if first > 0 and tokens[first - 1].text.casefold() == "the" else ""
            return f"{article}{names[0]}" if not self.entity(keys[0]).role else names[0]
        return f"{', '.join(names[:-1])} and {names[-1]}"

    def _clause_facts(self, clause: _Clause, tokens: list[Token], mentions: list[Mention]) -> Iterator[Candidate]:
        text = clause.sentence.text
        rest = text[clause.rest_start : clause.rest_end]
        quote = text
        verb_lemma = lemma_of(clause.verb)
        group_text = text[clause.verb_start : clause.verb_end]
        if clause.aux == "will" and not group_text.startswith("will"):
            group_text = f"will {group_text}"
        subject_is_name = not _CONTRACTED_WILL.match(tokens[0].text) or clause.subject_end > 1
        pronoun_subject = tokens[clause.subject_end - 1].text.casefold().split("’")[0] in _PRONOUNS
        # 1. "Which country plans to launch ...?" (a single named subject)
        if (
            len(clause.subject_keys) == 1
            and not pronoun_subject
            and subject_is_name
            and clause.verb not in SAYING_VERBS
        ):
            key = clause.subject_keys[0]
            predicate = self.rewrite_when(f"{group_text} {rest}")
            weak = self.entity(key).type == EntityType.THING and self.entity(key).evidence <= 1
            if len(predicate.split()) >= _MIN_REST_WORDS + 1 and not weak:
                yield Candidate(
                    "subject",
                    f"{self.wh_for(key)} {predicate}?",
                    {"type": "entity", "entity": key},
                    quote,
                    statement=f"{{answer}} {predicate}.",
                    # a present-tense claim may change, unless the document dates it ("plans to ... on 5 October")
                    as_of=clause.aux in {None, "is", "are", "has", "have"}
                    and not _past(clause.verb, clause.aux)
                    and not find_when(rest, self.date),
                    entities=[key],
                )
        if clause.verb in SAYING_VERBS:
            # "Kalachev told AFP": whom they spoke to
            objects = [m for m in mentions if m.start >= clause.rest_start and m.end <= clause.rest_end]
            lead = text[clause.rest_start : objects[0].start].strip() if objects else "-"
            if clause.verb in {"told", "tells"} and lead in {"", "the"}:
                listener = objects[0]
                yield Candidate(
                    "spoke-to",
                    f"{WH_BY_TYPE[self.entity(listener.key).type]} did {clause.subject_text} speak to?",
                    {"type": "entity", "entity": listener.key},
                    quote,
                    statement=f"{clause.subject_text} spoke to {{answer}}.",
                    entities=[listener.key],
                )
            return
        # "A crowd of 18,000 fans watched the final": how many
        if not clause.subject_keys:
            for amount in find_counts(clause.subject_text, []):
                predicate = self.rewrite_when(f"{group_text} {rest}")
                yield Candidate(
                    "count",
                    f"How many {amount.unit} {predicate}?",
                    {"type": "number", "value": amount.value},
                    quote,
                    statement=f"{clause.subject_text.replace(amount.text, '{answer} ' + str(amount.unit))} {predicate}."
                    if amount.text in clause.subject_text
                    else None,
                    derivation=_number_derivation(amount),
                )
        # 2. questions about a part of the rest: moved to the front with the verb inverted
        inverted = self._inverted(clause, verb_lemma)
        if inverted is None:
            return
        aux_word, main_verb = inverted
        for target in self._targets(clause, mentions):
            if target.start < clause.rest_start:
                remaining = text[clause.rest_start : clause.rest_end]
            else:
                remaining = _tidy(text[clause.rest_start : target.start] + " " + text[target.end : clause.rest_end])
            remaining = self.rewrite_when(remaining)
            body = _tidy(f"{aux_word} {_lower_first(clause.subject_text)} {main_verb}{target.do_suffix} {remaining}")
            prompt = f"{target.wh} {body}?"
            declarative = _tidy(
                f"{clause.subject_text} {group_text} "
                + self.rewrite_when(text[clause.rest_start : target.start])
                + f" {target.filler} "
                + self.rewrite_when(text[target.end : clause.rest_end])
            )
            yield Candidate(
                target.rule,
                prompt,
                target.answer,
                quote,
                statement=f"{declarative}." if target.statement else None,
                entities=target.entities,
                derivation=target.derivation,
            )
            if target.weekday:
                others = [day for day in WEEKDAYS if day != target.weekday]
                yield Candidate(
                    "weekday",
                    f"On which day of the week {body}?",
                    {"type": "text", "value": target.weekday, "distractors": others[:3]},
                    quote,
                )
        # "..., with veteran cosmonaut Anton Shkaplerov leading the way."
        leading = re.match(r"^,?\s*with\s+", text[clause.rest_end :])
        if leading:
            offset = clause.rest_end + leading.end()
            leader = next(
                (m for m in mentions if m.role_first is not None and tokens[m.role_first].start == offset), None
            )
            if leader is None:
                leader = next((m for m in mentions if m.start == offset), None)
            action = re.match(r"^\s+([a-z]+ing)\b((?:\s+[a-z]+){0,4})\s*[.,]", text[leader.end :]) if leader else None
            if leader is not None and action is not None and self.entity(leader.key).type == EntityType.PERSON:
                verb = action.group(1)
                tense = "will be" if clause.aux == "will" else ("was" if _past(clause.verb, clause.aux) else "is")
                yield Candidate(
                    "person",
                    _tidy(
                        f"{self.wh_for(leader.key)} {tense} {verb}{action.group(2)} as "
                        f"{clause.subject_text} {group_text.removeprefix('will ')} {_first_phrase(rest)}?"
                    ),
                    {"type": "entity", "entity": leader.key},
                    quote,
                    entities=[leader.key],
                )
        # 3. adjectival durations: "for a 12-day journey to film scenes"
        for amount in find_durations(rest):
            if not amount.adjective:
                continue
            after = re.match(r"^\s+([a-z]+)((?:\s+(?!and\b|with\b|but\b)[\w“”’'-]+){0,8})", rest[amount.end :])
            if not after:
                continue
            noun, tail = after.group(1), after.group(2).rstrip(" ")
            if tail.count("“") > tail.count("”"):
                tail += "”"
            if clause.aux == "will":
                prompt = f"How long will the {noun}{tail} last?"
            elif _past(clause.verb, clause.aux):
                prompt = f"How long did the {noun}{tail} last?"
            else:
                prompt = f"How long is the {noun}{tail}?"
            yield Candidate(
                "duration",
                _tidy(prompt),
                {"type": "duration", "value": amount.value, "unit": amount.unit},
                quote,
            )

    def _inverted(self, clause: _Clause, verb_lemma: str) -> tuple[str, str] | None:
        """Return (auxiliary, rest of the verb group) for a question: 'will' + 'go', 'did' + 'deliver'."""
        group = clause.verb_group.split()
        if clause.aux is not None:
            aux = "will" if clause.aux in {"’ll", "'ll"} else clause.aux
            position = group.index(clause.aux) if clause.aux in group else 0
            after = list(group[position + 1 :]) if clause.aux in group else group[1:]
            adverbs_before = [word for word in group[:position] if word != clause.aux]
            return aux, " ".join([*adverbs_before, *after])
        if clause.verb in {"is", "are", "was", "were"}:
            return None
        adverbs = " ".join(group[:-1])
        if _past(clause.verb, None):
            return "did", f"{adverbs} {verb_lemma}".strip()
        if clause.verb.endswith("s"):
            return "does", f"{adverbs} {verb_lemma}".strip()
        return None

    def _targets(self, clause: _Clause, mentions: list[Mention]) -> Iterator[_Target]:
        text = clause.sentence.text
        rest = text[clause.rest_start : clause.rest_end]
        base = clause.rest_start
        taken: list[tuple[int, int]] = []
        # dates, years and times in the rest, or fronted before the subject ("Aboard October 17, ...")
        when_phrases = [
            p for p in find_when(text, self.date) if clause.rest_start <= p.start and p.end <= clause.rest_end
        ]
        if clause.front_start is not None:
            prefix = text[: clause.subject_start]
            fronted = [
                p
                for p in find_when(prefix, self.date)
                if re.fullmatch(r"\s*,\s*(?:the\s+)?", prefix[p.end :], re.IGNORECASE)
                and len(prefix[: p.start].split()) <= 2
            ]
            for phrase in fronted:
                if phrase.kind != "time" or phrase.zone is not None:
                    yield _when_target(phrase, self.date, fronted=True)
        for phrase in when_phrases:
            taken.append((phrase.start, phrase.end))
            if phrase.kind != "time" or phrase.zone is not None:
                yield _when_target(phrase, self.date)
        for amount in find_durations(rest):
            if amount.adjective:
                continue
            start, end = base + amount.start, base + amount.end
            lead = re.search(r"\b(?P<lead>for|within|the previous|the past)\s+$", text[clause.rest_start : start])
            if lead is None:
                continue  # "in the last ten minutes", "after six years": not how long something lasted
            start = clause.rest_start + lead.start()
            word = lead.group("lead")
            following = re.match(r"^\s+of\s+(?:the|a|an|its|their)\s+[a-z]+", text[end:])
            if word == "within" and following:
                end += following.end()  # "within ten minutes of the alarm"
            taken.append((start, end))
            if word == "within":
                wh, filler = f"Within how many {amount.unit}", "within {answer}"
            elif word == "for":
                wh, filler = "For how long", "for {answer}"
            else:
                wh, filler = "How long", f"{word} {{answer}}"
            yield _Target(
                start, end, wh, "duration", {"type": "duration", "value": amount.value, "unit": amount.unit}, filler
            )
        for amount in find_counts(rest, [(s - base, e - base) for s, e in taken]):
            start, end = base + amount.start, base + amount.end
            yield _Target(
                start,
                end,
                f"How many {amount.unit}",
                "count",
                {"type": "number", "value": amount.value, "unit": amount.unit},
                "{answer}",
                derivation=_number_derivation(amount),
            )
        # names after a preposition: where, from where, with whom, aboard which craft, for which film
        for mention in mentions:
            if not (clause.rest_start <= mention.start and mention.end <= clause.rest_end) or mention.possessive:
                continue
            target = self._entity_target(clause, mention)
            if target is not None:
                yield target
        yield from self._object_targets(clause, mentions)
        # described "as “an experiment”"
        quoted = re.search(r"\bas\s+(“([^”]{2,60})”|\"([^\"]{2,60})\")", rest)
        if quoted:
            value = quoted.group(2) or quoted.group(3)
            yield _Target(
                base + quoted.start(),
                base + quoted.end(),
                "How",
                "description",
                {"type": "text", "value": value.strip(" ,."), "accept": [_without_article(value.strip(" ,."))]},
                "as {answer}",
                statement=False,
            )

    def _object_targets(self, clause: _Clause, mentions: list[Mention]) -> Iterator[_Target]:
        """The verb's direct object: 'won the County Cup', 'prioritizes military spending', 'failed to innovate'."""
        text = clause.sentence.text
        rest = text[clause.rest_start : clause.rest_end]
        if clause.verb in {"is", "are", "was", "were", "be", "been"} or clause.aux in {"is", "are", "was", "were"}:
            return  # a copula or a passive has no object to ask for
        infinitive = re.fullmatch(r"to ([a-z]+)", rest)
        if infinitive and clause.verb in _TAKES_INFINITIVE:
            yield _Target(
                clause.rest_start,
                clause.rest_end,
                "What",
                "object",
                {"type": "text", "value": infinitive.group(1), "accept": [f"to {infinitive.group(1)}"]},
                "to {answer}",
                do_suffix=" to do",
            )
            return
        inside = [m for m in mentions if clause.rest_start <= m.start < clause.rest_end]
        first = inside[0] if inside else None
        if first is not None and re.fullmatch(r"(?:the\s+)?", text[clause.rest_start : first.start]):
            after = text[first.end : clause.rest_end]
            if not after.strip() or re.match(r"^\s+(?:on|in|at|last|this|next|by|for|during|after|before)\b", after):
                entity = self.entity(first.key)
                if entity.evidence > 2:  # a guessed type would ask "which organisation" about a river
                    wh = self.wh_for(first.key)
                    article = text[clause.rest_start : first.start]
                    yield _Target(
                        clause.rest_start,
                        first.end,
                        "Whom" if wh == "Who" else wh,
                        "object",
                        {"type": "entity", "entity": first.key},
                        f"{article}{{answer}}",
                        entities=[first.key],
                    )
            return
        words = rest.split()
        if (
            1 <= len(words) <= 3
            and all(word.isalpha() and word.islower() for word in words)
            and words[0] not in FUNCTION_WORDS - {"a", "an", "the"}
            and not any(word in AUXILIARIES or word in {"than", "as", "so"} or word.endswith("ly") for word in words)
            and clause.verb not in {"said", "says", "told", "added"}
        ):
            value = " ".join(words)
            yield _Target(
                clause.rest_start,
                clause.rest_end,
                "What",
                "object",
                {
                    "type": "text",
                    "value": value,
                    "accept": [_without_article(value)] if value != _without_article(value) else [],
                },
                "{answer}",
            )

    def _entity_target(self, clause: _Clause, mention: Mention) -> _Target | None:
        text = clause.sentence.text
        entity = self.entity(mention.key)
        tokens = self.index.tokens[clause.sentence.index]
        head = tokens[mention.role_first].start if mention.role_first is not None else mention.start
        if head < clause.rest_start:
            return None
        lead_match = re.search(
            r"(?:^|\s)(?P<prep>to|into|from|at|in|on|aboard|with|for|by|near)\s+(?P<det>(?:the|a|an)\s+)?"
            r"(?P<adjective>[A-Z][a-z]+\s+)?$",
            text[clause.rest_start : head],
        )
        if lead_match is None:
            return None
        prep = lead_match.group("prep")
        target_start = clause.rest_start + lead_match.start("prep")
        target_end = mention.end
        after = text[mention.end :]
        descriptor = re.match(r"^\s+([a-z]+)\b", after)
        noun = None
        if descriptor and role_words(descriptor.group(1)) in {"craft", "org", "place"}:
            noun = descriptor.group(1)
            target_end += descriptor.end()
        alias = re.match(r"^\s*\([A-Z][A-Za-z0-9.&-]{1,11}\)", text[target_end:])
        if alias:
            target_end += alias.end()
        # "the Baikonur Cosmodrome in ex-Soviet Kazakhstan": the place's location goes with it
        located = re.match(r"^,?\s+in\s+(?:the\s+)?(?:[a-z]+-[A-Z][a-z]+\s+|[a-z]+\s+)?", text[target_end:])
        if located and entity.type in {EntityType.PLACE, EntityType.ORGANISATION}:
            follower = next(
                (m for m in self.index.in_sentence(clause.sentence.index) if m.start == target_end + located.end()),
                None,
            )
            if follower is not None and self.entity(follower.key).type in {EntityType.COUNTRY, EntityType.PLACE}:
                target_end = follower.end
        if target_end > clause.rest_end + 1:
            return None
        kind = entity.type
        if kind in {EntityType.PLACE, EntityType.COUNTRY} and prep in {"to", "into", "at", "in"}:
            wh, rule = "Where", "place"
        elif kind in {EntityType.PLACE, EntityType.COUNTRY} and prep == "from":
            wh, rule = "From where", "place"
        elif kind == EntityType.PERSON and prep in {"with", "by"}:
            role = mention.role or entity.role
            wh, rule = (f"{prep.capitalize()} which {role}" if role else f"{prep.capitalize()} whom"), "person"
        elif kind == EntityType.CRAFT:
            wh, rule = f"{prep.capitalize()} which {noun or entity.descriptor or 'craft'}", "craft"
        elif kind == EntityType.TITLE:
            medium = "film" if re.search(r"\b(film|movie|scenes|cinema)\b", text) else "title"
            wh, rule = f"{prep.capitalize()} which {medium}", "title"
        elif kind == EntityType.ORGANISATION and prep in {"with", "for", "by", "to", "from"}:
            wh, rule = f"{prep.capitalize()} which {noun or 'organisation'}", "organisation"
        else:
            return None
        det = lead_match.group("det") or ""
        filler = (
            f"{prep} {det}{{answer}}{' ' + noun if noun else ''}" if kind != EntityType.PERSON else f"{prep} {{answer}}"
        )
        return _Target(
            target_start,
            target_end,
            wh,
            rule,
            {"type": "entity", "entity": mention.key},
            filler,
            entities=[mention.key],
        )


@dataclass
class _Target:
    start: int
    end: int
    wh: str
    rule: str
    answer: dict[str, object]
    filler: str
    entities: list[str] = field(default_factory=list)
    statement: bool = True
    weekday: str | None = None
    do_suffix: str = ""
    """Appended to the question's verb: 'What has Russia failed to do?'."""
    derivation: str | None = None


def _when_target(phrase: WhenPhrase, document_date: dt.date, *, fronted: bool = False) -> _Target:
    target = _when_target_of(phrase, fronted=fronted)
    target.derivation = phrase.derivation(document_date)
    return target


def _when_target_of(phrase: WhenPhrase, *, fronted: bool = False) -> _Target:
    if phrase.kind == "time" and phrase.time is not None and phrase.zone is not None:
        zone = phrase.zone
        return _Target(
            phrase.start,
            phrase.end,
            f"At what time ({zone})",
            "time",
            {"type": "time", "value": phrase.time.isoformat(), "zone": zone},
            "at {answer}",
            statement=not fronted,
        )
    if phrase.kind == "year" and phrase.year is not None:
        since = phrase.text.startswith("since")
        return _Target(
            phrase.start,
            phrase.end,
            "Since what year" if since else "In what year",
            "year",
            {"type": "number", "value": phrase.year},
            "since {answer}" if since else "in {answer}",
            statement=not fronted,
        )
    assert phrase.date is not None
    return _Target(
        phrase.start,
        phrase.end,
        "On what date",
        "date",
        {"type": "date", "value": phrase.date.isoformat()},
        "on {answer}",
        statement=not fronted,
        weekday=phrase.weekday if phrase.kind == "weekday-date" else None,
    )


_INSTRUCTION = re.compile(
    r"\b(?:ignore|disregard|forget)\b.{0,40}\b(?:instructions?|prompts?|rules?|above)\b"
    r"|\b(?:system prompt|you are now|as an ai|jailbreak|developer mode)\b"
    r"|\b(?:mark|approve|answer)\b.{0,30}\b(?:as correct|every question|all (?:facts|questions))\b",
    re.IGNORECASE,
)


def looks_like_instruction(text: str) -> bool:
    """Return whether a sentence addresses the drafting tool instead of stating a fact (prompt injection)."""
    return _INSTRUCTION.search(text) is not None


_NP_DETERMINERS = frozenset({"the", "a", "an", "all", "both", "its", "their"})
_FRONTED = frozenset(
    [
        "on",
        "in",
        "at",
        "after",
        "before",
        "during",
        "aboard",
        "last",
        "earlier",
        "later",
        "yesterday",
        "today",
        "meanwhile",
        "since",
    ]
)


def _np_start(tokens: list[Token], index: int) -> bool:
    """Whether a common noun phrase subject may start here ('The crew ...', 'On Sunday, the club ...')."""
    if index == 0 and _bare_plural(tokens[0].text):
        return True  # "Researchers measured ...", "Local authorities have ..."
    if tokens[index].text.casefold() not in _NP_DETERMINERS:
        return False
    if index == 0:
        return True
    return tokens[index - 1].text == "," and tokens[0].text.casefold() in _FRONTED


def _reduced_relative(tokens: list[Token], index: int) -> bool:
    """Whether tokens[index] is a participle after a noun ('an initiative suggested by', 'a survey published on')."""
    word = tokens[index].text
    before = tokens[index - 1].text
    if not (word.isalpha() and word.islower() and (word.endswith("ed") or word in _IRREGULAR_PAST)):
        return False
    if not (before.isalpha() and before.islower()) or before in AUXILIARIES or before in FUNCTION_WORDS:
        return False
    if _ADVERB.match(before) or before in {"been", "be", "being", "get", "got"}:
        return False
    following = tokens[index + 1].text if index + 1 < len(tokens) else ""
    return following in {"by", "in", "on", "at", "from", "earlier", "last", "this", "for", "during", "with"}


def _bare_plural(word: str) -> bool:
    folded = word.casefold()
    if not folded.isalpha() or folded in FUNCTION_WORDS or not word[:1].isupper():
        return False
    return folded in {"police", "people"} or (folded.endswith("s") and simplemma.lemmatize(folded, lang="en") != folded)


_NUMBER_WORDS = frozenset(
    ["two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "dozen", "hundred", "thousand", "million"]
)


def _counts_or_determines(word: str) -> bool:
    return word[:1].isdigit() or word.casefold() in _NUMBER_WORDS | _NP_DETERMINERS


def _first_phrase(rest: str) -> str:
    """The rest of a clause up to its second prepositional phrase: 'to the International Space Station'."""
    words = re.sub(r"\s*\([A-Z][A-Za-z0-9.&-]{1,11}\)", "", rest).split()
    cut = next(
        (i for i, word in enumerate(words) if i >= 2 and word in {"aboard", "for", "with", "during", "after"}), None
    )
    return " ".join(words[:cut])


def _number_derivation(amount: Amount) -> str | None:
    """Say how '400,000 visitors' reads as 400000, where the quote does not write the number as digits."""
    number = amount.text.split()[0]
    value = f"{amount.value:g}" if not float(amount.value).is_integer() else str(int(amount.value))
    return None if number == value else f"“{number}” is {value}."


def _join(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _is_boundary(token: Token) -> bool:
    """Whether a clause may start right after this token."""
    text = token.text
    return text in {",", ";", "“", '"'} or text.casefold() in _SUBORDINATORS or (token.quoted and text[-2:-1] in ",.!?")


def _skip_age(tokens: list[Token], position: int) -> int:
    """Skip ', 37,' after a name: return the index of the token after it."""
    if (
        position + 2 < len(tokens)
        and tokens[position].text == ","
        and tokens[position + 1].text.isdigit()
        and tokens[position + 2].text == ","
    ):
        return position + 3
    return position


# Past forms the lemmatizer leaves alone (or reads as another word): the ones news sentences use most.
_IRREGULAR_PAST = {
    "won": "win",
    "rose": "rise",
    "left": "leave",
    "thought": "think",
    "broke": "break",
    "beat": "beat",
    "hit": "hit",
    "cut": "cut",
    "put": "put",
    "shut": "shut",
    "quit": "quit",
}


def lemma_of(verb: str) -> str:
    """The dictionary form of a verb ('delivered' -> 'deliver', 'won' -> 'win')."""
    if not verb:
        return verb
    return _IRREGULAR_PAST.get(verb) or simplemma.lemmatize(verb, lang="en")


def _finite(verb: str) -> bool:
    if not verb.isalpha():
        return False
    if verb in _IRREGULAR_PAST:
        return True
    lemma = lemma_of(verb)
    if lemma == verb:
        return False
    if verb.endswith("ing"):
        return False
    return verb.endswith(("ed", "s")) or lemma != verb


def _past(verb: str, aux: str | None) -> bool:
    if aux is not None:
        return aux in {"did", "had", "was", "were"}
    if verb in _IRREGULAR_PAST:
        return True
    lemma = lemma_of(verb)
    return lemma != verb and not verb.endswith("s")


def _tidy(text: str) -> str:
    text = re.sub(r"\s+", " ", text)
    text = re.sub(r"\s+([,.;:?!”])", r"\1", text)
    text = re.sub(r"([“(])\s+", r"\1", text)
    text = re.sub(r",\s*([?.])", r"\1", text)
    text = re.sub(r",”\s*([?.]|$)", r"”\1", text)
    text = re.sub(r"\s*,$", "", text.strip())
    return text.strip()


def _lower_first(text: str) -> str:
    if text.split()[0].casefold() in _NP_DETERMINERS or _bare_plural(text.split()[0]):
        return text[0].lower() + text[1:]
    return text


def _with_article(phrase: str) -> str:
    if phrase.split()[0] in {"a", "an", "the"}:
        return phrase
    return f"{'an' if phrase[:1] in 'aeiou' else 'a'} {phrase}"


def _without_article(phrase: str) -> str:
    words = phrase.split()
    return " ".join(words[1:]) if len(words) > 1 and words[0].casefold() in {"a", "an", "the"} else phrase


def _role_quote(entity: EntityRecord) -> str:
    quote = entity.role_quote or entity.quote
    match = re.search(
        rf"\b{re.escape(entity.role or '')}\s+(?:\w+\s+)?{re.escape(entity.surname or entity.name)}",
        quote,
        re.IGNORECASE,
    )
    return match.group() if match else quote


def _takes_the(tokens: list[Token], mention: Mention) -> bool:
    return mention.first > 0 and tokens[mention.first - 1].text.casefold() == "the"


def _the(tokens: list[Token], mention: Mention) -> str:
    return "The " if _takes_the(tokens, mention) else ""
