"""Normalise typed answers: fold Unicode, clean, and build the keys names and phrases are compared on.

Everything here is pure and fast: no I/O and no Discord. The regular expressions have no nested
quantifiers, so any input of the matcher's bounded length is read in well under a millisecond.

Two levels of normalisation:

* :func:`clean` folds Unicode (NFKC, case, accents, Cyrillic transliterated to Latin), removes
  zero-width, bidi and other invisible characters, Discord markdown and surrounding quotes, but keeps
  the punctuation that numbers, dates and times need (``:``, ``.``, ``/``, ``-``, ``+``).
* :func:`normalize` goes on to fold every other punctuation mark and hyphen into a space, splits
  letters from digits (``ms19`` -> ``ms 19``) and drops a leading article. It is the key names and
  phrases are compared on.
"""

from __future__ import annotations

import math
import re
import unicodedata
from functools import lru_cache
from typing import Final

from anyascii import anyascii

# --------------------------------------------------------------------------- normalisation

_ASCII_CONTROLS: Final = dict.fromkeys([*range(32), 127], " ")
_MARKDOWN_CHARACTERS: Final = str.maketrans({"*": " ", "_": " ", "~": " ", "`": " ", "|": " "})
_QUOTES: Final = "\"'“”‘’«»„‚‹›「」『』"
_APOSTROPHES: Final = str.maketrans({"'": None, "’": None, "ʼ": None, "‘": None})
_NON_ALNUM: Final = re.compile(r"[\W_]+")
_LETTER_DIGIT_BOUNDARY: Final = re.compile(r"(?<=[^\W\d_])(?=\d)|(?<=\d)(?=[^\W\d_])")
_SPACES: Final = re.compile(r"\s+")
_LEADING_MARKUP: Final = re.compile(r"^(?:>+|-#|#{1,3})\s+")

ARTICLES: Final = frozenset({"the", "a", "an"})
"""Words dropped from the front of an answer: 'the Challenge' is 'Challenge'."""

STOP_WORDS: Final = frozenset(
    {
        *ARTICLES,
        "and",
        "or",
        "of",
        "to",
        "in",
        "on",
        "at",
        "for",
        "by",
        "with",
        "from",
        "into",
        "onto",
        "as",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "who",
        "whom",
        "which",
        "what",
        "he",
        "she",
        "they",
        "them",
        "his",
        "her",
        "their",
        "i",
        "um",
        "uh",
        "erm",
        "hmm",
    }
)
"""Words that carry no answer on their own; an answer made only of these is empty."""

_FILLER_PREFIXES: Final = (
    "i think its ",
    "i think it is ",
    "i think ",
    "i guess ",
    "i believe ",
    "my answer is ",
    "the answer is ",
    "answer is ",
    "answer ",
    "maybe ",
    "probably ",
    "perhaps ",
    "is it ",
    "it is ",
    "its ",
)


@lru_cache(maxsize=2048)
def _latin(char: str) -> str:
    """Transliterate one non-ASCII letter to Latin with anyascii ('п' -> 'p', 'ø' -> 'o'); keep anything else.

    Only letters: symbols such as the true/false emoji stay as they are. The apostrophes anyascii writes
    for the Cyrillic soft and hard signs are dropped ('Пересильд' -> 'peresild').
    """
    if char.isascii() or not char.isalpha():
        return char
    return anyascii(char).casefold().replace("'", "")


def fold_unicode(text: str) -> str:
    """Return text in NFKC, case-folded, transliterated to Latin, without accents or invisible characters."""
    if text.isascii():
        folded = text.casefold()
        return folded if folded.isprintable() else folded.translate(_ASCII_CONTROLS)
    composed = unicodedata.normalize("NFKC", text)
    # marks left standing alone go before case folding, which would turn some into letters (U+0345 -> iota)
    composed = "".join(char for char in composed if unicodedata.category(char)[0] not in "MC" or char.isspace())
    folded = "".join(_latin(char) for char in composed.casefold())
    kept: list[str] = []
    for char in unicodedata.normalize("NFKD", folded):
        if char.isspace():
            kept.append(" ")
            continue
        # M*: combining marks (accents, variation selectors); C*: zero-width, bidi controls, BOM, controls.
        if unicodedata.category(char)[0] in "MC":
            continue
        kept.append(char)
    return "".join(kept)


def clean(text: str) -> str:
    """Fold Unicode and strip markdown, quotes and extra spaces, keeping punctuation that numbers need."""
    folded = fold_unicode(text).translate(_MARKDOWN_CHARACTERS)
    folded = _SPACES.sub(" ", folded).strip()
    folded = _LEADING_MARKUP.sub("", folded)
    return folded.strip(_QUOTES + " ")


def normalize(text: str) -> str:
    """Return the comparison key of a name or phrase: clean, punctuation folded, leading article dropped."""
    return normalize_cleaned(clean(text))


def normalize_cleaned(cleaned: str) -> str:
    """Like :func:`normalize`, for text that has already been through :func:`clean`."""
    spaced = _NON_ALNUM.sub(" ", cleaned.translate(_APOSTROPHES))
    words = _LETTER_DIGIT_BOUNDARY.sub(" ", spaced).split()
    # 'A. Peresild' starts with an initial, not with the article
    if len(words) > 1 and words[0] in ARTICLES and not cleaned.lstrip().startswith("a."):
        words = words[1:]
    return " ".join(words)


def strip_filler(normalized: str) -> str:
    """Drop a chatty lead-in such as 'i think its' or 'my answer is' from a normalised answer."""
    for prefix in _FILLER_PREFIXES:
        if normalized.startswith(prefix) and len(normalized) > len(prefix):
            rest = normalized[len(prefix) :]
            first, _, remainder = rest.partition(" ")
            return remainder if first in ARTICLES and remainder else rest
    return normalized


def strip_filler_text(cleaned: str) -> str:
    """Drop a chatty lead-in ('I think it's', 'maybe') from cleaned text, keeping the rest as typed (with its
    punctuation, which times and numbers need): 'maybe 8:55' -> '8:55'."""
    whole = normalize(cleaned)
    if not any(whole.startswith(prefix) for prefix in _FILLER_PREFIXES):
        return cleaned  # the common case, in one pass
    words = cleaned.split(" ")
    for count in range(1, min(len(words), 5)):
        lead = normalize(" ".join(words[:count]))
        if any(prefix.strip() == lead for prefix in _FILLER_PREFIXES):
            rest = " ".join(words[count:]).strip()
            return strip_filler_text(rest) if rest else cleaned
    return cleaned


_LEADING_DOUBT: Final = re.compile(
    r"^(?:not (?:100 ?% )?sure,? (?:but |if )?|i['’]?m not (?:100 ?% )?sure,? (?:but |if )?|(?:idk|dunno),? |"
    r"no doubt,? |without a doubt,? |none other than |(?:nothing|none|nobody|no one) but |surely,? |"
    r"definitely,? |obviously,? |of course,? |"
    r"isn['’]?t it |is it not |possibly,? |most likely,? |likely,? |i['’]?d say,? |(?:i['’]?m )?pretty sure,? |"
    r"no idea,? (?:but )?|please,? |it was |it['’]s |(?:ok|okay|yeah|yes|yep|ye|ooh|oh|ah|lol|tbh|imo|ig|ofc|so),? |"
    r"(?:final answer|my guess|my answer)(?: is| would be)?\s*[:,-]? |i reckon,? |i(?:['’]ll)? say,? |"
    r"i['’]d (?:guess|go with),? |"
    r"i['’]ll go with |clearly,? |100 ?%,? |that['’]s |that would be |it would be |they (?:are|were) |"
    r"(?:omg|bro|ngl|umm|um|uh|hmm|most probably|quite possibly|very likely),? |"
    r"the crew (?:is|was|were) |(?:(?:it['’]s|it is|the film is|the title is|the film['’]s) )?"
    r"(?:called|titled|named|known as) |:[dp3)]+ |<3 |"
    # positive idioms with a 'no' or 'not' in them, and chat before the answer
    r"i (?:have|['’]?ve got) no doubt,? (?:(?:that )?it['’]?s |that )?|i don['’]?t doubt,? (?:(?:that )?it['’]?s )?|"
    r"(?:i['’]?m )?not (?:certain|positive|kidding),? (?:but |if )?|no clue,? (?:but )?|"
    r"(?:i['’]?m )?not gonna lie,? |no lie,? |i don['’]?t know,? (?:but |maybe )?|"
    r"(?:it )?(?:can['’]?t|cannot|couldn['’]?t) be anyone (?:but|else but|other than) |"
    r"i['’]?m (?:going|gonna) (?:to )?(?:say|go with),? |(?:i['’]?m )?gonna (?:say|go with),? |"
    r"what about |is the answer |hopefully,? |thanks!?,? |thank you!?,? |(?:wild |my )?guess[:,-] |"
    r"easy(?: one)?[:,-] |iirc,? |um+\.*,? |gotta be |must be |could it be |sure,? |"
    r"i['’]?m positive,? (?:it['’]?s )?|in the end,? |at the end of the day,? |my bad,? (?:it['’]?s )?|"
    r"sorry,? (?:it['’]?s )?)",
    re.IGNORECASE,
)
_TRAILING_DOUBT: Final = re.compile(
    r"(?:[\s,;:-]+|\s*[(\[])(?:maybe|perhaps|probably|possibly|i think|i guess|i believe|i['’]?d say|not sure|"
    r"i['’]?m not sure|not 100 ?% sure|no idea|idk|lol|lmao|haha|xd|sharp|for sure|right|ish|no doubt|"
    r"without a doubt|definitely|surely|obviously|of course|please|pls|thanks|most likely|likely|ofc|tbh|imo|"
    r"ig|duh|ez|gg|ty|final answer|(?:i['’]m )?pretty sure|100 ?%|omg|bro|ngl|thx|yup|hehe|lmfao|obv|either way|"
    r"most probably|quite possibly|very likely|ok|okay|yeah|yes|yep|no cap|not gonna lie|isn['’]?t it(?=\s*\?)|"
    r"no question|no kidding|not kidding|mate|innit|fr|fingers crossed|guess|i reckon|is my answer|nothing else|"
    r"clearly|in the end|end of story|my bad|iirc|afaik|imho|imo|btw|prolly|smh|fwiw|tbf|"
    r"or so|give or take|more or less|or thereabouts|roughly|approximately|approx|"
    r":[dp3)(]+|;[)]|x[dp]|<3|c:|👍|✅|🚀|😀|😄|🙂|😎)[\s.!?)\]]*$",
    re.IGNORECASE,
)
_GLUED_ISH: Final = re.compile(r"(?<=\d)-?ish\b", re.IGNORECASE)
_SARCASM: Final = re.compile(r"\byeah,?\s+right\b|\bas if\b|\bfat chance\b", re.IGNORECASE)
"""Words of doubt that say no ('X, yeah right'): kept, for the negation check to read."""


def strip_doubt_text(cleaned: str) -> str:
    """Drop what only says how sure the player is, at either end of cleaned text: 'not sure but X', 'X, maybe',
    'X (I think)', 'X lol', '8:55ish'. One answer said with doubt is still one answer; a doubt between two
    things is not touched ('X or maybe Y'). Returns the text as it was if nothing else would be left."""
    if _SARCASM.search(cleaned):
        return cleaned
    text = _GLUED_ISH.sub("", cleaned)
    while True:
        stripped = _TRAILING_DOUBT.sub("", _LEADING_DOUBT.sub("", text)).strip(" ,;:")
        if stripped == text or not stripped:
            return text if stripped == text else cleaned
        text = stripped


def compact(normalized: str) -> str:
    """Return a normalised key without spaces, so 'ms19' and 'ms 19' compare equal."""
    return normalized.replace(" ", "")


def is_blank(normalized: str) -> bool:
    """Tell whether a normalised answer has no content: empty, or only stop words like 'the'."""
    return all(word in STOP_WORDS for word in normalized.split())


def display_text(text: str, limit: int = 60) -> str:
    """Return the player's text fit to quote back: invisibles and markdown removed, case kept, shortened."""
    if text.isascii() and text.isprintable():
        visible = text
    else:
        visible = "".join(
            " " if char.isspace() else char for char in text if char.isspace() or unicodedata.category(char)[0] != "C"
        )
    visible = _SPACES.sub(" ", visible.translate(_MARKDOWN_CHARACTERS)).strip().strip(_QUOTES + " ")
    return visible if len(visible) <= limit else visible[: limit - 1].rstrip() + "…"


def typo_budget(length: int) -> int:
    """Return how many edits a typo of a key this long may have: 0 under 4, 1 to 7, 2 to 12, then ~15%."""
    if length < 4:
        return 0
    if length <= 7:
        return 1
    if length <= 12:
        return 2
    return max(2, math.floor(length * 0.15))


@lru_cache(maxsize=4096)
def digit_runs(text: str) -> tuple[int, ...]:
    """Return the numbers written with digits in a key, in order ('soyuz ms 19' -> (19,))."""
    return tuple(int(run) for run in re.findall(r"\d+", text))
