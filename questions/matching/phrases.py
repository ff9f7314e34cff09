"""Judge descriptive answers (phrases) by their key words against the answer and its distractors."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Final

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from questions.matching.verdicts import (
    ALTERNATIVE_WORDS,
    Verdict,
    VerdictCode,
    accept,
    quote,
    reject,
)
from questions.models import ExpectedAnswer
from questions.text.normalize import (
    STOP_WORDS,
    compact,
    normalize,
    typo_budget,
)
from questions.text.numbers import digitize_number_words, tokenize
from questions.text.vocabulary import is_english_word, is_known_word

_NEGATIONS: Final = frozenset(
    {
        *("not", "no", "never", "nt", "isnt", "wasnt", "werent", "arent", "didnt", "doesnt", "dont", "cant"),
        *("without", "non", "nothing", "none", "neither", "nor", "except", "excluding", "anti"),
        *("nope", "nah", "nay", "hardly", "scarcely", "wrong", "incorrect", "false", "untrue"),
        *("ne", "aint", "besides", "unlikely", "jk", "doubt", "couldnt", "wouldnt", "shouldnt", "mustnt"),
        *("kidding", "doubtful", "cannot", "wont", "noo", "nooo", "nahh", "naw", "nop", "nuh", "lolno", "pfft"),
        *("nyet", "nein", "nicht", "nao", "negative"),
    }
)
"""Words that say what the answer is not ('not Peresild', 'non-military spending', 'X? nope', 'X is wrong')."""
_NEGATING_PHRASES: Final = re.compile(
    r"\b(?:(?:any|every|some)(?:thing|one|body|where)\s+but|all\s+but|other\s+than|rather\s+than|instead\s+of|"
    r"apart\s+from|rule\s+out|ruled\s+out|yeah\s+right|as\s+if|fat\s+chance|far\s+from|in\s+your\s+dreams|is\s+(?:a\s+)?lie|is\s+impossible)\b"
)
"""Phrases that name the answer only to exclude it ('anything but X', 'other than X', 'X instead of Y')."""
_CYRILLIC_NOT: Final = re.compile(r"не|нет")
_NUMBER_SIGN: Final = re.compile(r"\bno\.\s*\d|№", re.IGNORECASE)
_NEGATING_SIGN: Final = re.compile(
    r"(?:^|\s)[!¬]+\s*\w|!=|=/=|[≠🚫❌❎✗✘✖✕☓⨯⛔🛑👎🙅🤥🤡\u0334\u0335\u0336\u0337\u0338]|~~.+~~|(?<!\w)(?:не|нет)(?!\w)"
)
"""A 'not' written as a sign: before a word ('!Peresild', '¬ Baikonur'; a trailing '!' is emphasis), a 'not
equal' ('≠ 3', '!= 3'), a cross, a stop, a thumbs-down, a "no" gesture or a liar's face anywhere ('Shipenko ❌',
'NASA 🙅'), a strikethrough (Discord's '~~Shipenko~~', or Unicode's combining strokes and slashes), or the Russian
'не'/'нет' typed in Cyrillic."""


_ANTONYM_PAIRS: Final = (
    ("private", "government"),
    ("foreign", "government"),
    ("civilian", "military"),
    ("male", "female"),
    ("last", "first"),
    ("uncrewed", "crewed"),
    ("unmanned", "crewed"),
    ("successful", "botched"),
    ("corporate", "government"),
    ("commercial", "government"),
    ("business", "government"),
    ("local", "government"),
    ("regional", "government"),
    ("municipal", "government"),
    ("cut", "funding"),
    ("cuts", "funding"),
    ("reduce", "boost"),
    ("lower", "boost"),
    ("damage", "boost"),
    ("hurt", "boost"),
    ("reduce", "diversify"),
    ("concentrate", "diversify"),
    ("narrow", "diversify"),
    ("post", "soviet"),
    ("pre", "soviet"),
)
"""Words that turn an answer into its opposite when the answer has the other word ('private funding')."""
_OPPOSITES: Final = {word: other for pair in _ANTONYM_PAIRS for word, other in (pair, pair[::-1])}
_JOINED_PARTS: Final = re.compile(r"\s+(?:and|plus)\s+")
_ALTERNATIVES: Final = (
    ALTERNATIVE_WORDS
    | {"maybe", "perhaps", "probably", "possibly", "unless", "otherwise"}
    | {
        "oder",  # 'or' in the languages players may slip into: German, French, Cyrillic 'или' transliterated
        "ou",
        "ili",
    }
)
"""Words that offer a choice of answers ('a surgeon or a pilot'): a hedge, not an answer."""


def _opposite_in(key: str, display: str, phrasings: Sequence[str]) -> str | None:
    """Return a word of the answer whose opposite is a key word of the answer ('private' for government)."""
    wanted = set(phrase_keywords(display))
    allowed = {word for phrasing in phrasings for word in _phrasing_words(phrasing)}
    for word in key.split():
        other = _OPPOSITES.get(word)
        if other is not None and stem(_synonym(other)) in wanted and word not in allowed:
            return word
    return None


_LISTED: Final = re.compile(r"\s*([,;&()\[\]|+=\n]|\?(?=\s*\w)|->)\s*")
_ANSWER_LIKE: Final = re.compile(r"^(?:a|an|the|to|for)\s")
_REMARK: Final = re.compile(
    r"^(?:according to|as per|per|source|says|said|he said|she said|they said|the \w+ said|again|mostly|really)\b"
    r"|^(?:an?|the) \w+ one$"
)


def _listed_guess(raw: str, phrasings: Sequence[str]) -> str | None:
    """Return a part of a listed answer that shares no key word with any phrasing of the answer: a second guess.

    A part said like an answer is one ('an experiment, a joke', 'a joke (an experiment)', 'a flight suit; a
    spacesuit': an article, 'to', or two key words or more); a remark is not ('an experiment, really', 'flight
    suit (blue)', 'a flight suit, a blue one', 'according to the report, government funding').
    """
    pieces = _LISTED.split(raw)
    parts = [(pieces[index - 1] if index else "", pieces[index]) for index in range(0, len(pieces), 2)]
    parts = [(separator, part) for separator, part in parts if part and content_words(normalize(part))]
    if len(parts) < 2:
        return None
    known = {word for phrasing in phrasings for word in phrase_keywords(phrasing)}
    for separator, part in parts:
        words = content_words(normalize(part))
        if set(words) & known or _REMARK.match(part.strip().casefold()):
            continue
        if separator == "&" or _ANSWER_LIKE.match(part) or len(words) >= 2:  # '&' joins two answers, like 'and'
            return part
        if len(words) == 1 and not is_english_word(normalize(part)) and not normalize(part).isdecimal():
            return part  # 'space tourism, Buran': a name, not a remark like 'blue' or 'really'
    return None


def _second_guess(key: str, phrasings: Sequence[str]) -> str | None:
    """Return the part of 'X and Y' that shares no key word with any phrasing of the answer, if any.

    'corruption and failed launches' is one answer in two parts; 'a surgeon and a nurse' is a second guess.
    """
    parts = [part for part in _JOINED_PARTS.split(key) if content_words(part)]
    if len(parts) < 2:
        return None
    known = {word for phrasing in phrasings for word in phrase_keywords(phrasing)}
    return next((part for part in parts if not set(content_words(part)) & known), None)


def negation_in(key: str, phrasings: Sequence[str], text: str = "") -> str | None:
    """Return the negation of an answer that none of the accepted phrasings has, if there is one.

    ``key`` is the normalised answer; ``text`` the answer as typed, for a negating sign ('!X', '¬X') that
    normalisation drops.
    """
    if text and (sign := _NEGATING_SIGN.search(text)) is not None:
        sign_text = sign.group(0).strip()
        if sign_text.startswith("~~") or _CYRILLIC_NOT.fullmatch(sign_text):
            return sign_text[:2] if sign_text.startswith("~~") else sign_text
        return sign_text[0]
    phrase = _NEGATING_PHRASES.search(key)
    if phrase is not None and not any(phrase.group(0) in _normalized(phrasing) for phrasing in phrasings):
        return phrase.group(0)
    words = key.split()
    # 'No. 19' (with its dot) or '№ 19' is a number sign, not a 'no'; 'no 3' and 'no, 2020' say no
    number_sign = bool(text) and _NUMBER_SIGN.search(text) is not None
    found = next(
        (
            word
            for index, word in enumerate(words)
            if word in _NEGATIONS
            and not (number_sign and word == "no" and index + 1 < len(words) and words[index + 1].isdecimal())
        ),
        None,
    )
    if found is None:
        return None
    if any(found in _phrasing_words(phrasing) for phrasing in phrasings):
        return None
    return found


@lru_cache(maxsize=4096)
def _normalized(phrasing: str) -> str:
    """An accepted phrasing or distractor, normalised once (they repeat for every answer judged)."""
    return normalize(phrasing)


@lru_cache(maxsize=4096)
def spoken_words(texts: tuple[str, ...]) -> frozenset[str]:
    """The normalised words of an answer's phrasings and its question, once per question (not per judged text)."""
    return frozenset(word for text in texts for word in _normalized(text).split())


@lru_cache(maxsize=4096)
def _phrasing_words(phrasing: str) -> frozenset[str]:
    """The normalised words of an accepted phrasing, computed once per phrasing (it was per answer: measured)."""
    return frozenset(_normalized(phrasing).split())


def judge_text(
    expected: ExpectedAnswer,
    distractors: Sequence[str],
    full_key: str,
    key: str,
    shown: str,
    extra_aliases: Sequence[str],
    rivals: Mapping[str, str] | None = None,
    raw: str = "",
    prompt: str = "",
) -> Verdict:
    """Judge a phrase against the answer, its accepted phrasings and (as counter-evidence) its distractors.

    ``rivals`` maps the key words of other answers of the store to the answer each belongs to: a word the player
    adds to the answer that is one of those (and of no accepted phrasing) names that other thing ('military
    funding' is not 'funding' when 'military spending' is another answer), and so does a word of a distractor.

    Rule: an exact phrasing (after normalisation) is accepted. Otherwise the answer's key words
    (content words, lightly stemmed: 'saves' is 'save') are looked up in the player's words, each
    allowing a small typo. A phrasing of up to three key words needs all of them, of four or five
    all but one, of six or more two thirds. At most max(2, half the key words) extra content words are allowed, a
    negation the phrasing lacks is refused, and the answer must score strictly better against the
    right phrasing than against every distractor (key-word overlap first, then word order), so
    'a female astronaut sent to save a surgeon' is not 'a female surgeon sent to save an astronaut'.
    """
    phrasings = list(dict.fromkeys([expected.display, *expected.accepted, *extra_aliases]))
    answer_forms = {compact(full_key), compact(key)}
    for phrasing in phrasings:
        if compact(_normalized(phrasing)) in answer_forms:
            code = VerdictCode.EXACT if phrasing == expected.display else VerdictCode.ALIAS
            reason = (
                f"Accepted: {expected.display}."
                if code == VerdictCode.EXACT
                else (f"Accepted: {quote(shown)} is an accepted phrasing of {quote(expected.display)}.")
            )
            return accept(code, reason, expected.display)
    for distractor in distractors:
        if compact(_normalized(distractor)) in answer_forms:
            return reject(VerdictCode.WRONG, f"Rejected: {quote(shown)} is not {quote(expected.display)}.")
    words = content_words(key)
    if not words:
        return reject(VerdictCode.WRONG, f"Rejected: {quote(shown)} is not {quote(expected.display)}.")
    alternative = next((word for word in key.split() if word in _ALTERNATIVES), None)
    if alternative is not None and not any(alternative in _phrasing_words(phrasing) for phrasing in phrasings):
        return reject(VerdictCode.WRONG, f"Rejected: give one answer; {quote(shown)} offers alternatives.")
    opposite = _opposite_in(key, expected.display, phrasings)
    if opposite is not None:
        return reject(
            VerdictCode.WRONG, f"Rejected: {quote(shown)} says {quote(opposite)}, the opposite of the answer."
        )
    extra = _second_guess(key, phrasings) or _listed_guess(raw, phrasings)
    if extra is not None:
        return reject(VerdictCode.WRONG, f"Rejected: give one answer; {quote(extra)} is not part of it.")
    best: tuple[_PhraseScore, str] | None = None
    for phrasing in phrasings:
        score = phrase_score(words, phrasing)
        if score.acceptable and (best is None or score.rank > best[0].rank):
            best = (score, phrasing)
    if best is None:
        return reject(VerdictCode.WRONG, f"Rejected: {quote(shown)} is not {quote(expected.display)}.")
    for distractor in distractors:
        rival = phrase_score(words, distractor)
        if rival.rank >= best[0].rank:
            return reject(
                VerdictCode.WRONG,
                f"Rejected: {quote(shown)} reads as {quote(distractor)}, not {quote(expected.display)}.",
                distractor,
            )
    modifier = _another_kind(words, best[1], expected.display, [*phrasings, prompt])
    if modifier is not None:
        return reject(
            VerdictCode.WRONG,
            f"Rejected: {quote(shown)} names another kind of {quote(best[1])} than {quote(expected.display)}.",
        )
    reversed_verdict = reversal_verdict(key, phrasings, prompt, shown, quote(expected.display))
    if reversed_verdict is not None:
        return reversed_verdict
    named = _names_another(words, phrasings, distractors, rivals or {})
    if named is not None:
        typed = _as_typed(named[0], key)
        return reject(
            VerdictCode.WRONG,
            f"Rejected: {quote(typed)} in {quote(shown)} names {quote(named[1])}, not {quote(expected.display)}.",
        )
    code = VerdictCode.TYPO if best[0].typos else VerdictCode.ALIAS
    return accept(code, f"Accepted: {quote(shown)} matches {quote(best[1])}.", expected.display)


def reversal_verdict(key: str, phrasings: Sequence[str], prompt: str, shown: str, answer: str) -> Verdict | None:
    """Refuse an answer a reversal word changes (`reversal_in`), naming the word and the ``answer`` as shown."""
    reversal = reversal_in(key, phrasings, prompt)
    if reversal is None:
        return None
    return reject(
        VerdictCode.WRONG,
        f"Rejected: {quote(reversal)} in {quote(shown)} changes what it says; the answer is {answer}.",
    )


def reversal_in(key: str, phrasings: Sequence[str], prompt: str) -> str | None:
    """Return the player's word that says the answer's thing is missing, lost, faked or failed ('fake Tom Cruise',
    'Soyuz MS-19 (crashed)', '5 October 2021, but it was cancelled'; `_REVERSALS`), unless a phrasing of the answer
    or the question has it, or it is in a clause about the answer ('SpaceX, which ended Russia's monopoly')."""
    own = spoken_words((*phrasings, prompt))
    words = key.split()
    for position, word in enumerate(words):
        if word in _CLAUSE_MARKERS:
            return None
        if word in _REVERSALS and word not in own:
            return word
        if word == "fall" and word not in own and _falls_of_a_thing(words[position + 1 :]):
            return word
        if word in _COMPARED and words[position + 1 : position + 2] == ["than"] and word not in own:
            return word  # 'more than government funding': a comparison, not the thing ('other than X' negates)
    return None


_COMPARED: Final = frozenset({"more", "greater", "larger", "bigger", "higher", "lower", "smaller"})
"""Words that, followed by 'than', compare the answer with something instead of naming it."""


_SEASON_OF: Final = frozenset({"that", "this", "year", "last", "next"})


def _falls_of_a_thing(following: Sequence[str]) -> bool:
    """Tell whether 'fall' followed by these words is a downfall ('the fall of the Soviet Union'), not the season
    ('in the fall', 'the fall of 2021', 'the fall of that year')."""
    if following[:1] != ["of"]:
        return False
    rest = following[1:]
    if rest[:1] == ["the"]:
        rest = rest[1:]
    return bool(rest) and not rest[0][0].isdecimal() and rest[0] not in _SEASON_OF


def _another_kind(words: Sequence[str], matched: str, display: str, phrasings: Sequence[str]) -> str | None:
    """Return the player's own word in the place of a word the short form leaves out ('medical' tourism).

    An accepted short form ('tourism' for 'its space tourism programme', 'funding' for 'government funding')
    leaves out a word the full answer puts right before it ('space', 'government'); a word of the player's own
    in that place says something else ('medical tourism', 'NASA funding'). A word where the full answer has none
    ('Russian space tourism'), a word that only stresses ('more funding'), words after the key word ('funding
    from the Kremlin') and answers that match the full answer are not held to it.
    """
    keywords = phrase_keywords(matched)
    full = phrase_keywords(display)
    if len(keywords) >= len(full):
        return None
    known = {word for phrasing in phrasings for word in phrase_keywords(phrasing)} | _INTENSIFIERS
    for index, word in enumerate(words):
        if index == 0 or word not in keywords or word not in full:
            continue
        before, place = words[index - 1], full.index(word)
        left_out = full[place - 1] if place > 0 and full[place - 1] not in keywords else None
        if left_out is not None and before not in known and not before.isdecimal():
            return before
    return None


def _as_typed(keyword: str, key: str) -> str:
    """Return the player's word behind a key word ('programme' for 'programm', 'public' for 'government')."""
    return next((word for word in key.split() if content_words(word) == [keyword]), keyword)


def _names_another(
    words: Sequence[str], phrasings: Sequence[str], distractors: Sequence[str], rivals: Mapping[str, str]
) -> tuple[str, str] | None:
    """Return (word, what it names) for a word the player added that belongs to a distractor or another answer.

    A word that only sizes or stresses ('more', 'new': `_INTENSIFIERS`) names nothing. A word of a long answer or
    distractor (three key words or more) names it only with others of it, half of its key words in all: 'a
    cosmonaut flight suit' is a flight suit, not 'a female surgeon sent to the ISS to save an astronaut'; 'military
    funding' still names 'military spending', and 'NASA funding' NASA.
    """
    own = {word for phrasing in phrasings for word in phrase_keywords(phrasing)}
    added = {word for word in words if word not in own and word not in _INTENSIFIERS}
    by_distractor: dict[str, str] = {}
    for distractor in distractors:
        for word in phrase_keywords(distractor):
            by_distractor.setdefault(word, distractor)
    for word in words:
        if word not in added:
            continue
        # another answer or thing of the store first, then a distractor
        for named in (rivals.get(word), by_distractor.get(word)):
            if named is not None and _named_by(added, word, named):
                return word, named
    return None


def _named_by(added: set[str], word: str, named: str) -> bool:
    """Tell whether the player's added words name ``named``: a short one by the word, a long one by half its key
    words (a word from one of its other phrasings, not its own text, names it alone)."""
    keywords = set(phrase_keywords(named))
    if len(keywords) <= 2 or word not in keywords:
        return True
    return 2 * len(added & keywords) >= len(keywords)


def choice_by_phrase(choices: Sequence[str], key: str) -> int | None:
    """Pick the option a paraphrase matches by key words, when it beats every other option."""
    words = content_words(key)
    if not words:
        return None
    scores = [phrase_score(words, choice) for choice in choices]
    best = max(range(len(choices)), key=lambda index: scores[index].rank)
    rivals_beaten = all(scores[best].rank > score.rank for index, score in enumerate(scores) if index != best)
    return best if scores[best].acceptable and rivals_beaten else None


# --------------------------------------------------------------------------- phrases


def stem(word: str) -> str:
    """Strip common English endings so 'saves', 'saved' and 'saving' share a key; good enough for key words."""
    if len(word) <= 4 or word.isdecimal():
        return word
    if word.endswith("ies") and len(word) > 5:
        word = word[:-3] + "y"
    elif word.endswith("s") and not word.endswith("ss"):
        word = word[:-1]
    for ending in ("ing", "ed"):
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            word = word[: -len(ending)]
            break
    return word[:-1] if word.endswith("e") and len(word) > 4 else word


_INTENSIFIERS: Final = frozenset(
    stem(word)
    for words in (
        ("pure", "just", "mere", "merely", "simply", "only", "basically", "mostly", "mainly", "total", "complete"),
        ("plain", "really", "very", "all", "whole", "entire", "more", "extra", "new", "additional", "increased"),
        ("further", "limited", "some", "steady", "continued"),
    )
    for word in words
)
"""Words that stress or size a short answer without changing what it is ('pure PR', 'more funding')."""
_REVERSALS: Final = frozenset(
    word
    for words in (
        ("lose", "lost", "losing", "loss", "lack", "lacking", "less", "fewer", "without", "avoid", "avoiding"),
        ("end", "ended", "cancel", "cancelled", "canceled", "cut", "cuts", "reduce", "reduced", "reduction"),
        ("shortage", "decline", "declining", "drop", "dropped", "stop", "stopped", "halt", "halted", "ban", "banned"),
        ("abandon", "abandoned", "scrap", "scrapped", "refuse", "refused", "reject", "rejected", "deny", "denied"),
        ("steal", "stole", "stolen", "fraud", "scandal", "fake", "faked", "false", "fail", "failed", "failure"),
        ("waste", "wasted", "wasting", "launder", "laundering", "embezzle", "embezzled", "misuse", "corrupt"),
        ("broken", "ruin", "ruined", "destroy", "destroyed", "crash", "crashed", "anti", "against"),
        ("withdraw", "withdrawn", "freeze", "frozen", "never", "botch", "botched"),
        ("sham", "bogus", "phony", "phoney", "hoax", "pretend", "imaginary", "fictional", "counterfeit", "imitation"),
        ("replica", "mock", "faux", "missing", "vanishing", "vanished", "dwindling", "disappearing", "aborted"),
        ("flop", "flopped", "cancellation", "impersonator", "lookalike", "scrubbed", "postponed", "delayed"),
        ("collapse", "collapsed", "neo", "downfall", "breakup", "dissolution", "dissolved", "demise"),
        ("successor", "predecessor", "sequel", "prequel", "remake", "replacement", "copy", "clone", "backup"),
        ("parody", "knockoff", "spinoff", "suspend", "suspended", "suspension", "pause", "paused", "hiatus"),
    )
    for word in words
)
"""Words that, added to an answer, say its thing is missing, lost, cut, faked or failed ('lack of government
funding', 'to lose money', 'a fake flight suit', 'an experiment in failure'), or another thing in its place
('Soyuz MS-19's successor', 'a sequel to The Challenge'): another answer, unless the answer's
own phrasings or the question use the word ('failed launches' of the setbacks). Compared as typed, not stemmed:
'losing' is no 'Los' Angeles, 'missing' no 'Miss' Peresild."""
_CLAUSE_MARKERS: Final = frozenset(
    {"which", "who", "that", "before", "after", "when", "until", "till", "since", "as", "because", "while"}
)
"""Words that start a clause about the answer ('SpaceX, which ended Russia's monopoly', 'the USSR, before its
collapse'): what follows tells about it and does not change what it is."""


_SYNONYM_GROUPS: Final = (
    # the first word of each group stands for the rest; kept small and plain, for descriptive answers
    ("film", "movie", "picture", "flick", "motion"),
    ("space", "orbit", "orbital"),
    ("astronaut", "cosmonaut", "spaceman", "spacewoman"),
    ("doctor", "physician", "medic"),
    ("female", "woman", "women", "lady"),
    ("save", "rescue", "rescuing", "saving", "rescued", "saved"),
    ("sent", "send", "dispatched", "dispatch", "deployed"),
    ("funding", "financing", "finance", "funds", "money", "cash", "budget"),
    ("government", "state", "public", "federal", "kremlin", "taxpayer", "taxpayers", "gov", "govt", "govn"),
    ("military", "army", "defence", "defense", "armed"),
    ("spending", "expenditure", "expenditures", "outlays"),
    ("online", "internet", "virtual", "virtually", "remotely", "remote", "video"),
    ("capsule", "pod", "module"),
    ("experiment", "trial", "test"),
    ("image", "reputation", "prestige", "profile"),
    ("earnings", "income", "revenue", "revenues", "profits"),
    ("boost", "improve", "enhance", "polish"),
    ("corruption", "graft", "bribery", "embezzlement"),
    ("botched", "failed", "bungled", "unsuccessful", "failing"),
    ("technology", "tech", "technologies", "hardware", "equipment"),
    ("designed", "built", "made", "engineered"),
    ("innovate", "innovation", "innovating", "innovative", "innovations"),
    ("distract", "distraction", "divert", "diversion", "deflect"),
    ("coolness", "cool"),
    ("tourism", "tourist", "tourists"),
    ("programme", "program", "programs", "programmes", "scheme"),
)
_SYNONYMS: Final = {word: group[0] for group in _SYNONYM_GROUPS for word in group[1:]}
"""Maps a word to the word that stands for its group, so 'first film in orbit' is 'the first movie in space'."""


def content_words(key: str) -> list[str]:
    """Return the key words of a phrase: no stop words, synonyms folded, lightly stemmed."""
    words = [word for word in tokenize(digitize_number_words(key)) if word not in STOP_WORDS]
    return [stem(_synonym(word)) for word in words]


def _synonym(word: str) -> str:
    """Return the word that stands for a word's synonym group ('finances' -> 'funding'), or the word."""
    singular = word[:-1] if word.endswith("s") and not word.endswith("ss") else word
    return _SYNONYMS.get(word) or _SYNONYMS.get(singular) or _SYNONYMS.get(stem(word)) or word


@lru_cache(maxsize=4096)
def phrase_keywords(phrasing: str) -> tuple[str, ...]:
    return tuple(content_words(normalize(phrasing)))


def keywords_needed(count: int) -> int:
    """Return how many of a phrasing's key words an answer must have: all of 3, one less of 4-5, 2/3 beyond."""
    if count <= 3:
        return count
    if count <= 5:
        return count - 1
    return math.ceil(count * 2 / 3)


@dataclass(frozen=True)
class _PhraseScore:
    """How well the player's words fit one phrasing: overlap (F1 of key words), word order, typos."""

    overlap: float
    order: float
    typos: bool
    acceptable: bool

    @property
    def rank(self) -> tuple[float, float]:
        """Order phrasings by key-word overlap first, then by how well word order agrees."""
        return self.overlap, self.order


def phrase_score(words: Sequence[str], phrasing: str) -> _PhraseScore:
    keywords = phrase_keywords(phrasing)
    if not keywords:
        return _PhraseScore(0.0, 0.0, False, False)
    unused = list(enumerate(words))
    matched = 0
    typos = False
    placed: list[tuple[int, int]] = []  # (position of the key word in the phrasing, of the player's word)
    for position, keyword in enumerate(keywords):
        exact = next((slot for slot, (_, word) in enumerate(unused) if word == keyword), None)
        if exact is not None:
            placed.append((position, unused.pop(exact)[0]))
            matched += 1
            continue
        budget = 0 if keyword.isdecimal() else typo_budget(len(keyword))
        if budget == 0 or not unused:
            continue
        hit = process.extractOne(keyword, [word for _, word in unused], scorer=OSA.distance, score_cutoff=budget)
        # a typo is a typo only when the player's word is not another word ('militant' is not 'military')
        if hit is not None and not hit[0].isdecimal() and not _another_word(hit[0], keyword):
            placed.append((position, unused.pop(hit[2])[0]))
            matched += 1
            typos = True
    extras = len(unused)
    negated = any(word in _NEGATIONS for word in words) and not any(word in _NEGATIONS for word in keywords)
    acceptable = (
        matched >= keywords_needed(len(keywords))
        and extras <= max(2, len(keywords) // 2)
        and not negated
        and not _roles_swapped([pair for pair in placed if keywords[pair[0]] not in _adjuncts(phrasing)])
    )
    # F1 rather than coverage alone, so a long distractor that uses all the player's words outranks a
    # short phrasing that the player's words merely contain
    overlap = 2 * matched / (len(keywords) + len(words)) if words else 0.0
    order = fuzz.ratio(" ".join(words), " ".join(keywords)) / 100
    return _PhraseScore(round(overlap, 9), order, typos, acceptable)


_INFLECTION_ENDINGS: Final = frozenset({"", "s", "es", "ed", "d", "ing", "al", "ally", "ly", "ive", "ion", "ions"})
_PREPOSITIONS: Final = frozenset({"to", "on", "in", "at", "aboard", "from", "into", "onto", "of"})


@lru_cache(maxsize=4096)
def _adjuncts(phrasing: str) -> frozenset[str]:
    """Return the key words of a phrasing that follow a preposition ('on the ISS'): they may move freely."""
    words = normalize(phrasing).split()
    found: set[str] = set()
    for index, word in enumerate(words):
        before = [w for w in words[:index] if w not in ("the", "a", "an")]
        if before and before[-1] in _PREPOSITIONS and word not in STOP_WORDS:
            found.update(content_words(word))
    return frozenset(found)


def _roles_swapped(placed: Sequence[tuple[int, int]]) -> bool:
    """Tell whether the player put two key words that stand apart in the phrasing the other way round.

    'an astronaut sent to save a surgeon' swaps the roles of 'a surgeon sent to save an astronaut'; a swap
    of neighbours ('the problems of Roscosmos' for 'Roscosmos' problems') is only another word order.
    """
    return any(
        first[0] + 1 < second[0] and first[1] > second[1]
        for index, first in enumerate(placed)
        for second in placed[index + 1 :]
    )


def _another_word(word: str, keyword: str) -> bool:
    """Tell whether a (stemmed) word near a key word is a different dictionary word, not a typo or an inflection.

    'innovativ' and 'innovat' are one word inflected (one is the start of the other); 'militant' is not
    'military'.
    """
    # an inflection ('experimental'), not another word made from it ('experimenter', a person); a cut form of the
    # key word ('innovat') unless it is a word of its own ('fun' is not 'fund')
    inflected = (keyword.startswith(word) and not is_known_word(word)) or (
        word.startswith(keyword) and word[len(keyword) :] in _INFLECTION_ENDINGS
    )
    # stems drop a final e ('experience' -> 'experienc'): the word is known if either form is
    return not inflected and (is_known_word(word) or is_known_word(word + "e"))
