"""Generate questions of every kind from a FactStore, with plausible distractors drawn from the store.

Generation is deterministic: the distractors and option order of a question depend only on the bank's
seed and the question's id, and ids depend only on the fact, the kind and the phrasing.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import math
import random
import re
import unicodedata
from collections import Counter
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from questions.fairness import unfair_reason
from questions.models import (
    AnswerType,
    DateAnswer,
    DurationAnswer,
    Entity,
    EntityAnswer,
    EntityType,
    ExpectedAnswer,
    Fact,
    NumberAnswer,
    Question,
    QuestionKind,
    SetAnswer,
    TextAnswer,
    TimeAnswer,
)
from questions.store import FactStore, format_date, format_number
from questions.text.vocabulary import adjective_forms

log = logging.getLogger(__name__)

AnswerModel = EntityAnswer | NumberAnswer | DateAnswer | TimeAnswer | DurationAnswer | TextAnswer | SetAnswer

ANSWER_PLACEHOLDER = "{answer}"
TRUE_CHOICE = "True"
FALSE_CHOICE = "False"
OPTION_COUNT = 4

MULTIPLE_CHOICE_CODE = "mc"
TRUE_FALSE_CODE = "tf"
TYPED_CODE = "ty"
NUMERIC_CODE = "nu"
SET_ONE_CODE = "so"
SET_ALL_CODE = "sa"

SET_MULTIPLE_CHOICE_SUFFIX = "Which of these is one of them?"
SET_ONE_SUFFIX = "Name any one of them."
_IMPERATIVE_SET_PROMPT = re.compile(r"^(?:name|list)\s+(?:the\s+)?(?P<body>.+?)[\s.?!]*$", re.IGNORECASE | re.DOTALL)

_IRREGULAR_SINGULARS = {"people": "person", "children": "child", "men": "man", "women": "woman"}
_NUMBER_WORDS = {2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight", 9: "nine", 10: "ten"}

# A director is a better decoy for another director than a cosmonaut is: roles are grouped into families.
_ROLE_FAMILIES: dict[str, tuple[str, ...]] = {
    "spaceflight": ("cosmonaut", "astronaut", "spaceflight", "space tourist", "flight engineer", "commander"),
    "film": ("actor", "actress", "director", "film", "producer", "screenwriter", "cinema", "movie"),
    "business": ("founder", "ceo", "entrepreneur", "business", "executive", "billionaire"),
    "politics": ("politic", "president", "minister", "official", "government", "analyst", "expert", "spokes"),
}

_DATE_OFFSETS_DAYS = (-14, -7, -3, -2, -1, 1, 2, 3, 7, 14)
_TIME_OFFSETS_MINUTES = (-120, -60, -30, -15, 15, 30, 60, 120)
_NUMBER_OFFSET_STEPS = (-3, -2, -1, 1, 2, 3)


# --------------------------------------------------------------------------- text helpers


@functools.lru_cache(maxsize=8192)
def normalise_text(text: str) -> str:
    """Fold case and accents and turn punctuation into single spaces, for comparing names and prompts."""
    decomposed = unicodedata.normalize("NFKD", text)
    without_accents = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    folded = "".join(ch if ch.isalnum() else " " for ch in without_accents.casefold())
    return " ".join(folded.split())


def mentions(text: str, name: str) -> bool:
    """Return whether ``name`` occurs in ``text`` as whole words, ignoring case, accents and punctuation."""
    if len(name) > 1 and name.isupper():
        # acronyms match case-sensitively, or "US" would be found in every "us"
        return re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text) is not None
    needle = normalise_text(name)
    return bool(needle) and f" {needle} " in f" {normalise_text(text)} "


def as_of_label(date: dt.date) -> str:
    """Render the month a time-sensitive answer was true, e.g. 'October 2021'."""
    return f"{date:%B %Y}"


def with_as_of(text: str, label: str) -> str:
    """Insert ' (as of <label>)' before the final punctuation mark of a prompt or statement."""
    stripped = text.rstrip()
    marker = f" (as of {label})"
    if stripped and stripped[-1] in "?.!":
        return f"{stripped[:-1]}{marker}{stripped[-1]}"
    return f"{stripped}{marker}"


def join_names(names: Sequence[str], conjunction: str) -> str:
    """Join names as English prose: 'A', 'A and B', 'A, B and C'."""
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} {conjunction} {names[-1]}"


class SetPhrasings(NamedTuple):
    """The three questions one prompt of a set fact becomes."""

    choice: str
    name_one: str
    name_all: str


def set_phrasings(prompt: str, size: int, as_of: str | None = None) -> SetPhrasings:
    """Phrase a set prompt as 'which of these is one of them', 'name any one' and 'name all N'."""
    count_word = _NUMBER_WORDS.get(size, str(size))

    def dated(text: str) -> str:
        return with_as_of(text, as_of) if as_of else text

    imperative = _IMPERATIVE_SET_PROMPT.match(prompt.strip())
    if imperative:
        # "Name the people who flew ..." reads best rewritten, not followed by another instruction
        body = imperative["body"]
        says_count = body.casefold().startswith((f"{count_word} ", f"{size} "))
        if says_count:
            name_all = f"Name the {body}."
        else:
            name_all = f"Name both of the {body}." if size == 2 else f"Name all {count_word} of the {body}."
        return SetPhrasings(
            choice=dated(f"Which of these is one of the {body}?"),
            name_one=dated(f"Name one of the {body}."),
            name_all=dated(name_all),
        )
    asked = dated(prompt.strip())
    return SetPhrasings(
        choice=f"{asked} {SET_MULTIPLE_CHOICE_SUFFIX}",
        name_one=f"{asked} {SET_ONE_SUFFIX}",
        name_all=f"{asked} Name both." if size == 2 else f"{asked} Name all {count_word}.",
    )


def render_statement(statement: str, filler: StatementFiller, as_of: str | None = None) -> str:
    """Fill a fact's statement with one answer, dropping the unit when the statement already spells it."""
    parts = statement.split(ANSWER_PLACEHOLDER)
    pieces = [parts[0]]
    for following in parts[1:]:
        unit_follows = bool(filler.unit) and following.lstrip().casefold().startswith(str(filler.unit).casefold())
        pieces.append(filler.bare if unit_follows else filler.text)
        pieces.append(following)
    sentence = "".join(pieces)
    sentence = sentence[:1].upper() + sentence[1:]
    return with_as_of(sentence, as_of) if as_of else sentence


def statement_pattern_parts(statement: str, as_of: str | None = None) -> list[str]:
    """Split a rendered statement template around its answer slots, for recovering what was filled in."""
    sentinel = "\x00"
    template = statement.replace(ANSWER_PLACEHOLDER, sentinel)
    template = template[:1].upper() + template[1:]
    if as_of:
        template = with_as_of(template, as_of)
    return template.split(sentinel)


# --------------------------------------------------------------------------- options


@dataclass(frozen=True)
class StatementFiller:
    """What replaces ``{answer}``: the text, and the bare number for statements that spell the unit."""

    text: str
    bare: str
    unit: str | None = None


@dataclass(frozen=True)
class _Option:
    """One possible answer: its text, other accepted spellings, how a statement says it and its entity."""

    text: str
    filler: StatementFiller
    names: tuple[str, ...] = ()
    surnames: tuple[str, ...] = ()
    entity_id: str | None = None


def _entity_option(store: FactStore, entity: Entity) -> _Option:
    names = tuple(store.names_of(entity))
    surnames = tuple(store.surnames_of(entity))
    # mid-sentence, "the International Space Station" reads right where a bare option label would not
    with_article = next(
        (alias for alias in entity.aliases if alias.casefold() == f"the {entity.name}".casefold()), None
    )
    in_sentence = with_article or entity.name
    return _Option(
        text=entity.name,
        filler=StatementFiller(in_sentence, in_sentence),
        names=names,
        surnames=surnames,
        entity_id=entity.id,
    )


def quantity_text(value: float, unit: str | None) -> str:
    """Render a number with its unit, singular for exactly one ('1 person', '1 day', '1 year old')."""
    if unit and value == 1:
        first, _, rest = unit.partition(" ")
        singular = _IRREGULAR_SINGULARS.get(first.casefold())
        if singular is None:
            singular = first[:-1] if first.endswith("s") and not first.endswith("ss") else first
        unit = f"{singular} {rest}" if rest else singular
    return format_number(value, unit)


def _number_option(value: float, unit: str | None) -> _Option:
    text = quantity_text(value, unit)
    return _Option(text=text, filler=StatementFiller(text, format_number(value, None), unit))


def _plain_option(text: str, names: Sequence[str] = ()) -> _Option:
    return _Option(text=text, filler=StatementFiller(text, text), names=tuple(names))


def _date_option(value: dt.date) -> _Option:
    return _plain_option(format_date(value))


def _time_option(value: dt.time, zone: str) -> _Option:
    return _plain_option(f"{value:%H:%M} {zone}")


def _text_option(value: str, accept: Sequence[str] = ()) -> _Option:
    return _plain_option(value, (value, *accept))


def truth_texts(store: FactStore, fact: Fact) -> list[str]:
    """Return every text that states a true answer of the fact (all names of every member for sets)."""
    return [name for option in _truth_options(store, fact) for name in (option.text, *option.names, *option.surnames)]


def _truth_options(store: FactStore, fact: Fact) -> list[_Option]:
    answer = fact.answer
    if isinstance(answer, EntityAnswer):
        return [_entity_option(store, store.entity(answer.entity))]
    if isinstance(answer, SetAnswer):
        return [_entity_option(store, store.entity(entity_id)) for entity_id in answer.entities]
    if isinstance(answer, NumberAnswer | DurationAnswer):
        return [_number_option(answer.value, answer.unit)]
    if isinstance(answer, DateAnswer):
        return [_date_option(answer.value)]
    if isinstance(answer, TimeAnswer):
        return [_time_option(answer.value, answer.zone)]
    return [_text_option(answer.value, answer.accept)]


def _answer_entity_ids(fact: Fact) -> list[str]:
    """Return the entity ids a fact's answer is (entity) or has (set); empty for other answers."""
    if isinstance(fact.answer, EntityAnswer):
        return [fact.answer.entity]
    if isinstance(fact.answer, SetAnswer):
        return list(fact.answer.entities)
    return []


def answer_spellings(store: FactStore, fact: Fact) -> list[str]:
    """Return the texts that state the fact's answer: a prompt containing one of them gives it away."""
    answer = fact.answer
    if isinstance(answer, NumberAnswer | DurationAnswer):
        spellings = [format_number(answer.value, None)]
        if float(answer.value).is_integer() and int(answer.value) in _NUMBER_WORDS:
            spellings.append(_NUMBER_WORDS[int(answer.value)])  # "Name all three" gives a count of 3 away
        return spellings
    if isinstance(answer, DateAnswer):
        return [format_date(answer.value), f"{answer.value:%B} {answer.value.day}"]
    if isinstance(answer, TimeAnswer):
        return [f"{answer.value:%H:%M}", f"{answer.value:%H%M}"]
    if isinstance(answer, EntityAnswer) and store.entity(answer.entity).type == EntityType.COUNTRY:
        country = store.entity(answer.entity)
        return [
            *truth_texts(store, fact),
            *(form for name in store.names_of(country) for form in adjective_forms(name)),
        ]
    return truth_texts(store, fact)


def round_reveals(store: FactStore, fact: Fact) -> list[str]:
    """Return what, in another question's prompt, gives this fact's answer away within a round: its spellings
    and, for a country, the store's organisations and places of that country ('NASA' and 'Hollywood' say
    'United States'). A prompt of the fact itself may name those ('In which country is Baikonur?')."""
    spellings = answer_spellings(store, fact)
    answer = fact.answer
    if isinstance(answer, EntityAnswer) and store.entity(answer.entity).type == EntityType.COUNTRY:
        spellings += [
            name
            for entity in store.entities.values()
            if entity.country == answer.entity and entity.type in (EntityType.ORGANISATION, EntityType.PLACE)
            for name in store.names_of(entity)
        ]
    return spellings


def prompt_reveals(prompt: str, spellings: Iterable[str]) -> bool:
    """Return whether ``prompt`` contains one of ``spellings`` (whole words; numbers as whole numbers)."""
    for spelling in spellings:
        if re.fullmatch(r"[\d:.]+", spelling):
            # "37-year-old" gives 37 away, but the 19 of "Soyuz MS-19" and the 5 of "2.5" are other tokens
            if re.search(rf"(?<![\w.-]){re.escape(spelling)}(?!\w|\.\d)", prompt):
                return True
        elif mentions(prompt, spelling):
            return True
    return False


def _role_families(entity: Entity) -> set[str]:
    role = (entity.role or "").casefold()
    return {family for family, words in _ROLE_FAMILIES.items() if any(word in role for word in words)}


def _tiered_shuffle(rng: random.Random, tiers: Iterable[list[_Option]]) -> list[_Option]:
    """Shuffle inside each tier and keep tier order, so preferred decoys come first but vary by seed."""
    ordered: list[_Option] = []
    for tier in tiers:
        shuffled = list(tier)
        rng.shuffle(shuffled)
        ordered.extend(shuffled)
    return ordered


def _distinct(options: Iterable[_Option], forbidden: Iterable[str]) -> list[_Option]:
    """Drop options whose text or names repeat an earlier option or any forbidden (true) text."""
    seen = {normalise_text(text) for text in forbidden}
    kept: list[_Option] = []
    for option in options:
        keys = {normalise_text(name) for name in (option.text, *option.names)}
        if keys & seen:
            continue
        seen |= keys
        kept.append(option)
    return kept


def _looks_like_year(value: float, unit: str | None) -> bool:
    return unit is None and value.is_integer() and 1000 <= value <= 2100


def _number_step(value: float, tolerance: float, integral: bool, unit: str | None) -> float:
    """Pick a spacing for decoy numbers that looks natural for the value and always exceeds the tolerance."""
    magnitude = abs(value)
    if _looks_like_year(value, unit):
        step = 1.0  # neighbouring years are the believable decoys
    elif magnitude >= 100:
        step = 10.0 ** (math.floor(math.log10(magnitude)) - 1)
    elif integral:
        step = 1.0
    elif magnitude > 0:
        step = max(10.0 ** (math.floor(math.log10(magnitude)) - 1), 0.5)
    else:
        step = 1.0
    while step <= tolerance:
        step *= 2
    return step


def _round_like(value: float, integral: bool) -> float:
    return float(round(value)) if integral else round(value, 6)


# --------------------------------------------------------------------------- bank


ROUND_KINDS: dict[str, frozenset[QuestionKind] | None] = {
    "mixed": None,
    "multiple_choice": frozenset({QuestionKind.MULTIPLE_CHOICE}),
    "true_false": frozenset({QuestionKind.TRUE_FALSE}),
    "typed": frozenset({QuestionKind.TYPED, QuestionKind.NUMERIC, QuestionKind.SET}),
}
"""The kinds a round can ask for (the ``kind`` option of ``/trivia start`` and ``play``) -> question kinds drawn."""


class QuestionBank:
    """Every generated question of a store, in a stable order, with round drawing."""

    def __init__(self, questions: Iterable[Question]) -> None:
        self.questions: list[Question] = list(questions)
        self.by_id: dict[str, Question] = {question.id: question for question in self.questions}

    def __len__(self) -> int:
        return len(self.questions)

    def __iter__(self) -> Iterator[Question]:
        return iter(self.questions)

    def get(self, question_id: str) -> Question | None:
        """Return the question with this id, or None."""
        return self.by_id.get(question_id)

    def categories(self) -> dict[str, int]:
        """Return category id -> number of questions, in order of first appearance."""
        return dict(Counter(question.category for question in self.questions))

    def kinds(self) -> dict[QuestionKind, int]:
        """Return question kind -> number of questions, in order of first appearance."""
        return dict(Counter(question.kind for question in self.questions))

    def draw(
        self,
        rng: random.Random,
        count: int,
        *,
        category: str | None = None,
        kinds: Collection[QuestionKind] | None = None,
    ) -> list[Question]:
        """Draw up to ``count`` questions for one round, mixing categories and kinds.

        A round never asks the same fact twice and never holds two questions where one's prompt states the other's
        answer (a question is skipped when it would; its fact may still give another question). It asks a question
        after one whose reveal (the answer and its quotes) stated its answer only when the others have run out.
        """
        if count <= 0:
            return []
        allowed_kinds = set(kinds) if kinds is not None else None
        questions_by_fact: dict[str, list[Question]] = {}
        for question in self.questions:
            if category is not None and question.category != category:
                continue
            if allowed_kinds is not None and question.kind not in allowed_kinds:
                continue
            questions_by_fact.setdefault(question.fact_id, []).append(question)

        facts_by_category: dict[str, list[str]] = {}
        for fact_id, fact_questions in questions_by_fact.items():
            facts_by_category.setdefault(fact_questions[0].category, []).append(fact_id)
        for fact_ids in facts_by_category.values():
            rng.shuffle(fact_ids)

        kind_uses: Counter[QuestionKind] = Counter()
        drawn: list[Question] = []
        set_aside: dict[str, list[str]] = {name: [] for name in facts_by_category}

        def fair(question: Question) -> bool:
            return not any(gives_away(question, d) or reveal_gives_away(d, question) for d in drawn)

        def not_given_away(question: Question) -> bool:
            return not any(gives_away(question, d) for d in drawn)

        # Fair questions first; only if they run out, questions an earlier reveal's quote has shown the answer of
        # (a category round would otherwise end after 2-5 questions: its facts share their sentences).
        for allowed, queues in ((fair, facts_by_category), (not_given_away, set_aside)):
            while len(drawn) < count and any(queues.values()):
                # one fact per category per pass keeps consecutive questions on different topics
                category_order = sorted(name for name, fact_ids in queues.items() if fact_ids)
                rng.shuffle(category_order)
                for name in category_order:
                    if len(drawn) == count:
                        break
                    queue = queues[name]
                    while queue:
                        fact_id = queue.pop()
                        candidates = [q for q in questions_by_fact[fact_id] if allowed(q)]
                        if not candidates:
                            if allowed is fair and any(not_given_away(q) for q in questions_by_fact[fact_id]):
                                set_aside[name].insert(0, fact_id)  # its answer was on screen: maybe later
                            continue  # every question of this fact would give an answer away, or be given away
                        fewest_uses = min(kind_uses[question.kind] for question in candidates)
                        least_used = [question for question in candidates if kind_uses[question.kind] == fewest_uses]
                        picked = rng.choice(least_used)
                        kind_uses[picked.kind] += 1
                        drawn.append(picked)
                        break
        return drawn


def reveal_text(question: Question) -> str:
    """Return what a question's reveal shows besides its prompt: the answer, the quotes proving it, the derivation."""
    return "\n".join([question.answer, *(question.quotes or [question.quote]), question.derivation or ""])


def reveal_gives_away(earlier: Question, later: Question) -> bool:
    """Return whether the reveal of ``earlier`` states ``later``'s answer, so ``later`` must not follow it in a round.

    Facts often cite one sentence ('Yulia Peresild, 37, and Klim Shipenko, 38, will take out from the Baikonur
    Cosmodrome ... at 0855 GMT'): once one of them is revealed with its quote, the others' answers are on screen.
    """
    return earlier.fact_id == later.fact_id or prompt_reveals(reveal_text(earlier), later.reveals)


def gives_away(first: Question, second: Question) -> bool:
    """Return whether one question's prompt states the other's answer (so both must not share a round)."""
    return (
        first.fact_id == second.fact_id
        or prompt_reveals(second.prompt, first.reveals)
        or prompt_reveals(first.prompt, second.reveals)
    )


def supported_kinds(fact: Fact) -> list[QuestionKind]:
    """Return the question kinds a fact's answer type can become (multiple choice still needs decoys)."""
    answer = fact.answer
    kinds = [QuestionKind.MULTIPLE_CHOICE]
    if fact.statement:
        kinds.append(QuestionKind.TRUE_FALSE)
    if isinstance(answer, NumberAnswer | DurationAnswer):
        kinds.append(QuestionKind.NUMERIC)
    elif isinstance(answer, SetAnswer):
        kinds.append(QuestionKind.SET)
    else:
        kinds.append(QuestionKind.TYPED)
    return kinds


def wanted_kinds(fact: Fact) -> list[QuestionKind]:
    """Return the kinds to generate: the supported ones, narrowed to ``fact.kinds`` when it is given.

    A pack may ask for ``typed`` on a number or set answer; that means the typed form of that answer,
    which is a numeric or set question here.
    """
    supported = supported_kinds(fact)
    if fact.kinds is None:
        return supported
    typed_form = next(
        (kind for kind in supported if kind in (QuestionKind.NUMERIC, QuestionKind.SET)), QuestionKind.TYPED
    )
    requested = {typed_form if kind == QuestionKind.TYPED else kind for kind in fact.kinds}
    if unsupported := requested - set(supported):
        log.warning("fact %s asks for kinds its answer cannot support: %s", fact.id, sorted(unsupported))
    return [kind for kind in supported if kind in requested]


def estimate_difficulty(kind: QuestionKind, answer: AnswerModel, *, required: int = 1) -> int:
    """Estimate 1 (easy) .. 3 (hard): true/false easiest, typed hardest, exact values harder than names."""
    exact_value = isinstance(answer, NumberAnswer | DurationAnswer | DateAnswer | TimeAnswer)
    if kind == QuestionKind.TRUE_FALSE:
        return 1
    if kind == QuestionKind.MULTIPLE_CHOICE:
        return 2 if exact_value else 1
    if kind == QuestionKind.SET:
        return 3 if required > 1 else 2
    if kind == QuestionKind.NUMERIC:
        return 3 if isinstance(answer, NumberAnswer | DurationAnswer) and answer.tolerance == 0 else 2
    return 3 if isinstance(answer, TextAnswer | DateAnswer | TimeAnswer) else 2


def build_bank(store: FactStore, *, seed: int = 0) -> QuestionBank:
    """Generate every question of every kind each fact of the store supports, deterministically for a seed."""
    generator = _Generator(store, seed)
    questions = [question for fact in store.facts.values() for question in generator.questions_for(fact)]
    log.debug("generated %d questions from %d facts (seed %d)", len(questions), len(store.facts), seed)
    return QuestionBank(questions)


class _Generator:
    """Holds the store-wide indexes generation needs (who else is a true answer, peers of values)."""

    def __init__(self, store: FactStore, seed: int) -> None:
        self.store = store
        self.seed = seed
        self._facts_by_prompt: dict[str, list[Fact]] = {}
        for fact in store.facts.values():
            for prompt in fact.prompts:
                self._facts_by_prompt.setdefault(normalise_text(prompt), []).append(fact)

    # ----------------------------------------------------------------- per fact

    def questions_for(self, fact: Fact) -> list[Question]:
        """Generate the questions of one fact: one per prompt, plus a true/false one from its statement.

        The first prompt becomes a multiple-choice question when at least three fair wrong options exist,
        every other prompt (and the first, failing that) the typed form of the answer. No prompt is asked
        twice in two forms: a fact gives as many questions as it has prompts (angles) and statements.
        """
        wanted = wanted_kinds(fact)
        document = self.store.document_for(fact)
        label = as_of_label(document.meta.date) if fact.as_of else None
        prompts = [with_as_of(prompt, label) if label else prompt for prompt in fact.prompts]
        set_size = len(fact.answer.entities) if isinstance(fact.answer, SetAnswer) else 0
        set_prompts = [set_phrasings(prompt, set_size, label) for prompt in fact.prompts] if set_size else []
        typed_kind = next(
            (kind for kind in (QuestionKind.NUMERIC, QuestionKind.SET, QuestionKind.TYPED) if kind in wanted), None
        )

        questions: list[Question] = []
        numbers: Counter[str] = Counter()

        def next_id(code: str) -> str:
            numbers[code] += 1
            return f"{fact.id}.{code}{numbers[code]}"

        for position, prompt in enumerate(prompts):
            question: Question | None = None
            if position == 0 and QuestionKind.MULTIPLE_CHOICE in wanted:
                choice_prompt = set_prompts[position].choice if set_prompts else prompt
                question = self._multiple_choice(fact, f"{fact.id}.{MULTIPLE_CHOICE_CODE}1", choice_prompt)
                if question is not None:
                    numbers[MULTIPLE_CHOICE_CODE] += 1
            if question is None and typed_kind == QuestionKind.SET:
                # the first typed set question asks for all members, any later one for one of them
                name_all = numbers[SET_ALL_CODE] == 0
                phrasing = set_prompts[position]
                question = self._set_question(
                    fact,
                    next_id(SET_ALL_CODE if name_all else SET_ONE_CODE),
                    phrasing.name_all if name_all else phrasing.name_one,
                    name_all=name_all,
                )
            elif question is None and typed_kind is not None:
                code = NUMERIC_CODE if typed_kind == QuestionKind.NUMERIC else TYPED_CODE
                question = self._typed(fact, next_id(code), typed_kind, prompt)
            if question is None:
                log.debug("prompt %d of fact %s gives no question of the kinds it allows", position + 1, fact.id)
                continue
            questions.append(question)
        if QuestionKind.TRUE_FALSE in wanted and fact.statement:
            questions.append(self._true_false(fact, fact.statement, label))
        return questions

    def _rng(self, question_id: str) -> random.Random:
        return random.Random(f"{self.seed}:{question_id}")

    def _question(
        self,
        fact: Fact,
        question_id: str,
        kind: QuestionKind,
        prompt: str,
        answer: str,
        expected: ExpectedAnswer,
        choices: list[str] | None = None,
        correct_index: int | None = None,
    ) -> Question:
        document = self.store.document_for(fact).meta
        difficulty = fact.difficulty or estimate_difficulty(kind, fact.answer, required=expected.required)
        quotes = [citation.quote for citation in fact.citations]
        return Question(
            id=question_id,
            kind=kind,
            category=fact.category,
            prompt=prompt,
            choices=choices or [],
            correct_index=correct_index,
            answer=answer,
            expected=expected,
            fact_id=fact.id,
            document_id=document.id,
            document_title=document.title,
            quote=quotes[0],
            quotes=quotes,
            derivation=fact.derivation,
            reveals=round_reveals(self.store, fact),
            difficulty=difficulty,
        )

    def _multiple_choice(self, fact: Fact, question_id: str, prompt: str) -> Question | None:
        rng = self._rng(question_id)
        truth = rng.choice(_truth_options(self.store, fact))
        decoys = self.distractors(fact, rng, context=prompt)[: OPTION_COUNT - 1]
        if len(decoys) < OPTION_COUNT - 1:
            log.debug("no multiple choice for %s: only %d distractors", question_id, len(decoys))
            return None
        options = [truth, *decoys]
        rng.shuffle(options)
        expected = ExpectedAnswer(
            type=AnswerType.CHOICE,
            display=truth.text,
            accepted=list(dict.fromkeys((truth.text, *truth.names))),
            surnames=list(truth.surnames),
            entity_ids=[truth.entity_id] if truth.entity_id else [],
        )
        return self._question(
            fact,
            question_id,
            QuestionKind.MULTIPLE_CHOICE,
            prompt,
            truth.text,
            expected,
            choices=[option.text for option in options],
            correct_index=options.index(truth),
        )

    def _true_false(self, fact: Fact, statement: str, label: str | None) -> Question:
        question_id = f"{fact.id}.{TRUE_FALSE_CODE}1"
        rng = self._rng(question_id)
        truths = _truth_options(self.store, fact)
        truth = rng.choice(truths)
        decoys = self.distractors(fact, rng, context=statement)
        make_false = bool(decoys) and rng.random() < 0.5
        shown = decoys[0] if make_false else truth
        prompt = render_statement(statement, shown.filler, label)
        if not make_false:
            answer = TRUE_CHOICE
        elif isinstance(fact.answer, SetAnswer):
            answer = f"{FALSE_CHOICE} — the answer is {join_names([t.text for t in truths], 'and')}."
        else:
            answer = f"{FALSE_CHOICE} — {render_statement(statement, truth.filler, label)}"
        display = FALSE_CHOICE if make_false else TRUE_CHOICE
        expected = ExpectedAnswer(type=AnswerType.CHOICE, display=display, accepted=[display])
        return self._question(
            fact,
            question_id,
            QuestionKind.TRUE_FALSE,
            prompt,
            answer,
            expected,
            choices=[TRUE_CHOICE, FALSE_CHOICE],
            correct_index=1 if make_false else 0,
        )

    def _typed(self, fact: Fact, question_id: str, kind: QuestionKind, prompt: str) -> Question:
        expected = self.store.expected_answer(fact)
        return self._question(fact, question_id, kind, prompt, expected.display, expected)

    def _set_question(self, fact: Fact, question_id: str, prompt: str, *, name_all: bool) -> Question:
        assert isinstance(fact.answer, SetAnswer)
        expected = self.store.expected_answer(fact)
        names = [self.store.entity(entity_id).name for entity_id in fact.answer.entities]
        if name_all:
            answer, required = join_names(names, "and"), len(names)
        else:
            answer, required = f"Any of {join_names(names, 'or')}", 1
        return self._question(
            fact, question_id, QuestionKind.SET, prompt, answer, expected.model_copy(update={"required": required})
        )

    # ----------------------------------------------------------------- distractors

    def distractors(self, fact: Fact, rng: random.Random, *, context: str) -> list[_Option]:
        """Return false but believable answers to the fact, best first; ``context`` is the text asked."""
        answer = fact.answer
        forbidden = [*truth_texts(self.store, fact), *fact.unfair_options]
        if isinstance(answer, EntityAnswer | SetAnswer):
            pool = self._entity_distractors(fact, rng, context)
        elif isinstance(answer, NumberAnswer | DurationAnswer):
            pool = self._number_distractors(fact, answer, rng)
        elif isinstance(answer, DateAnswer):
            pool = self._date_distractors(fact, answer, rng)
        elif isinstance(answer, TimeAnswer):
            pool = self._time_distractors(answer, rng)
        else:
            pool = _tiered_shuffle(rng, [[_text_option(text) for text in answer.distractors]])
        return _distinct(pool, forbidden)

    def _true_entity_ids(self, fact: Fact) -> set[str]:
        """Return the answer's entities plus any entity the store says is also a true answer."""
        true_ids = set(_answer_entity_ids(fact))
        for prompt in fact.prompts:
            for other in self._facts_by_prompt.get(normalise_text(prompt), []):
                true_ids.update(_answer_entity_ids(other))
        relation = fact.relation
        if relation is not None:
            for other in self.store.facts.values():
                linked = other.relation
                if linked is None or linked.name != relation.name:
                    continue
                # same relation to the same object: its subject answers "who <relation> <object>?" too
                if relation.subject in true_ids and linked.object == relation.object:
                    true_ids.add(linked.subject)
                if relation.object in true_ids and linked.subject == relation.subject and linked.object:
                    true_ids.add(linked.object)
        return true_ids

    def _entity_distractors(self, fact: Fact, rng: random.Random, context: str) -> list[_Option]:
        """Return fair wrong entities: the answer's class and era, the prompt's qualifiers, not its subject."""
        true_ids = self._true_entity_ids(fact)
        truths = [self.store.entity(entity_id) for entity_id in sorted(true_ids) if entity_id in self.store.entities]
        answer_entities = [self.store.entity(entity_id) for entity_id in _answer_entity_ids(fact)]
        families = set().union(*(_role_families(entity) for entity in answer_entities))
        true_names = {normalise_text(name) for entity in truths for name in self.store.names_of(entity)}
        year = self.store.document_for(fact).meta.date.year
        subjects = {fact.relation.subject, fact.relation.object} if fact.relation is not None else set()

        tiers: dict[int, list[_Option]] = {}
        for candidate in self.store.entities.values():
            if candidate.id in true_ids or candidate.id in subjects:
                continue
            if {normalise_text(name) for name in self.store.names_of(candidate)} & true_names:
                continue
            if any(mentions(context, name) for name in self.store.names_of(candidate)):
                continue  # the question's own subject is never one of its wrong options
            if all(unfair_reason(answer, candidate, context, year) for answer in answer_entities):
                continue
            family_rank = 0 if not families or _role_families(candidate) & families else 1
            tiers.setdefault(family_rank, []).append(_entity_option(self.store, candidate))
        return _tiered_shuffle(rng, [tiers[rank] for rank in sorted(tiers)])

    def _number_distractors(
        self, fact: Fact, answer: NumberAnswer | DurationAnswer, rng: random.Random
    ) -> list[_Option]:
        value = float(answer.value)
        integral = value.is_integer()
        step = _number_step(value, answer.tolerance, integral, answer.unit)
        nearby = [_round_like(value + offset * step, integral) for offset in _NUMBER_OFFSET_STEPS]
        peers = [
            float(other.answer.value)
            for other in self.store.facts.values()
            if other.id != fact.id
            and type(other.answer) is type(answer)
            and isinstance(other.answer, NumberAnswer | DurationAnswer)
            and other.answer.unit == answer.unit
            and value / 3 <= float(other.answer.value) <= value * 3
        ]

        report_year = self.store.document_for(fact).meta.date.year
        past_year = _looks_like_year(value, answer.unit) and value <= report_year

        def believable(number: float) -> bool:
            # a year after the report is no fair decoy for an event the report tells as done
            in_era = not past_year or number <= report_year
            return abs(number - value) > answer.tolerance and (value <= 0 or number > 0) and in_era

        peer_options = [_number_option(number, answer.unit) for number in peers if believable(number)]
        nearby_options = [_number_option(number, answer.unit) for number in nearby if believable(number)]
        # at most one peer value: a real number from the same story is the best decoy, but not three of them
        shuffled_peers = _tiered_shuffle(rng, [peer_options])[:1]
        return [*shuffled_peers, *_tiered_shuffle(rng, [nearby_options])]

    def _date_distractors(self, fact: Fact, answer: DateAnswer, rng: random.Random) -> list[_Option]:
        truth = answer.value
        report_date = self.store.document_for(fact).meta.date
        # an event the report awaits (a return on 17 October, told on 5 October) has no decoy on or before its date
        after_report = truth > report_date

        def believable(day: dt.date) -> bool:
            return day.year == truth.year and (not after_report or day > report_date)

        peers = [
            other.answer.value
            for other in self.store.facts.values()
            if isinstance(other.answer, DateAnswer) and believable(other.answer.value)
        ]
        nearby = [truth + dt.timedelta(days=offset) for offset in _DATE_OFFSETS_DAYS]
        nearby = [day for day in nearby if believable(day)]
        peer_options = [_date_option(day) for day in peers if day != truth]
        shuffled_peers = _tiered_shuffle(rng, [peer_options])[:1]
        return [*shuffled_peers, *_tiered_shuffle(rng, [[_date_option(day) for day in nearby]])]

    def _time_distractors(self, answer: TimeAnswer, rng: random.Random) -> list[_Option]:
        truth = answer.value
        truth_minutes = truth.hour * 60 + truth.minute
        peers = [
            other.answer.value
            for other in self.store.facts.values()
            if isinstance(other.answer, TimeAnswer) and other.answer.zone == answer.zone
        ]
        nearby = [
            dt.time(((truth_minutes + offset) % 1440) // 60, (truth_minutes + offset) % 60)
            for offset in _TIME_OFFSETS_MINUTES
        ]
        peer_options = [_time_option(moment, answer.zone) for moment in peers if moment != truth]
        shuffled_peers = _tiered_shuffle(rng, [peer_options])[:1]
        return [*shuffled_peers, *_tiered_shuffle(rng, [[_time_option(moment, answer.zone) for moment in nearby]])]
