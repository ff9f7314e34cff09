"""Families of wrong typed answers, tried on every typed question of the seed bank: none may be credited.

An outside probe of ~2,600 answers (Dec 2026) found whole families the corpus lacked: negations the matcher did not
know ('X? nope', 'anything but X', '!X'), a value with a bound or a second value ('more than 3', 'before 2020',
'2020 or whatever'), a scale or unit after the number ('3M', '2020s', '6 centuries'), 'or' in a set answer,
another person's first name with the right surname ('John Musk'), and near-miss words ('an experience', 'medical
tourism', 'The Big Challenge'). Each family is generated here from each question's own answer, so a new pack or a
new question kind is held to it too; the fair forms next to them must still be accepted.
"""

from __future__ import annotations

from functools import cache

import pytest

from questions.generate import build_bank
from questions.loader import load_store
from questions.matching import AnswerMatcher, Verdict
from questions.models import AnswerType, Question, QuestionKind

NEGATIONS = (
    "not {a}",
    "definitely not {a}",
    "it's not {a}",
    "{a}? no",
    "{a}? nope",
    "{a}? nah",
    "nope, {a}",
    "{a} is wrong",
    "{a} is incorrect",
    "{a} is false",
    "hardly {a}",
    "anything but {a}",
    "anyone but {a}",
    "other than {a}",
    "!{a}",
    "¬{a}",
    # a second probe's finds
    "ne {a}",
    "it ain't {a}",
    "someone besides {a}",
    "apart from {a}",
    "{a}? unlikely",
    "{a} jk",
    "≠ {a}",
    "🚫 {a}",
    "{a} ❌",
    "~~{a}~~",
    "I doubt it's {a}",
    "couldn't be {a}",
    # a third probe's finds
    "{a} ✖",
    "{a} 👎",
    "⛔ {a}",
    "{a}, just kidding",
    "rule out {a}",
    "{a}? doubtful",
    "нет, {a}",
    "no {a}",
    "no, {a}",
    "ok no {a}",
)
DOUBTS = (
    "not sure but {a}",
    "{a} (not sure)",
    "I'm not sure it's {a}",
    "{a}, maybe",
    "{a} (I think)",
    "{a} lol",
    "possibly {a}",
    "most likely {a}",
    "I'd say {a}",
    "pretty sure {a}",
    "{a} please",
    "<@123456789> {a}",
    # a last probe of fair answers: chat around the answer
    "ok {a}",
    "yeah {a}",
    "final answer: {a}",
    "I reckon {a}",
    "{a} tbh",
    "{a} :D",
    "{a} <3",
    "{a} 👍",
)
"""One answer said with doubt: accepted whenever the answer alone is (README: 'One answer said with doubt counts')."""
VALUE_QUALIFIERS = (
    "{a} or something",
    "{a} or whatever",
    "{a} or idk",
    "either {a} or not",
    "more than {a}",
    "less than {a}",
    "at most {a}",
    "at least {a}",
    "under {a}",
    "over {a}",
    "almost {a}",
    "nearly {a}",
    ">{a}",
    "<{a}",
    "minus {a}",
    "-{a}",
    "up to {a}",
    "{a} tops",
    "{a} at the latest",
    "{a} at the earliest",
    "{a} onwards",
    "{a} at most",
    "{a} at least",
    "{a} and up",
    "{a} and beyond",
)
TIME_BOUNDS = ("from {a}", "after {a}", "until {a}", "{a} later")
DATE_AND_NUMBER_BOUNDS = ("before {a}", "after {a}", "since {a}", "until {a}", "from {a}")
NUMBER_SUFFIXES = (
    "{n} hundred",
    "{n} thousand",
    "{n}M",
    "{n}bn",
    "{n}k",
    "{n}s",
    "{n} BC",
    "{n}+",
    "{n} light years",
    "{n}%",
)
DURATION_UNITS = ("{n} centuries", "{n} ms", "{n} s", "{n} millennia", "{n} seconds", "{n} seasons")
SET_HEDGES = ("{a} or something", "{a}, or maybe not", "either {a}")
VALUE_TYPES = (AnswerType.NUMBER, AnswerType.DURATION, AnswerType.DATE, AnswerType.TIME)


@cache
def _matcher() -> AnswerMatcher:
    return AnswerMatcher(load_store())


@cache
def _typed_questions() -> tuple[Question, ...]:
    kinds = (QuestionKind.MULTIPLE_CHOICE, QuestionKind.TRUE_FALSE)
    return tuple(question for question in build_bank(load_store(), seed=0) if question.kind not in kinds)


def _question(question_id: str) -> Question:
    return next(question for question in _typed_questions() if question.id == question_id)


def _judge(question: Question, text: str) -> Verdict:
    return _matcher().judge(question, text)


def _family(question: Question) -> list[str]:
    """The wrong answers generated from one question's own answer."""
    answer = question.expected.display
    forms = [form.format(a=answer) for form in NEGATIONS]
    kind = question.expected.type
    if kind in VALUE_TYPES:
        forms += [form.format(a=answer) for form in VALUE_QUALIFIERS]
    if kind in (AnswerType.NUMBER, AnswerType.DATE):
        forms += [form.format(a=answer) for form in DATE_AND_NUMBER_BOUNDS]
    if kind == AnswerType.TIME:
        forms += [form.format(a=answer) for form in TIME_BOUNDS]
    if kind in (AnswerType.NUMBER, AnswerType.DURATION):
        number = answer.split()[0]
        forms += [form.format(n=number) for form in NUMBER_SUFFIXES]
    if kind == AnswerType.DURATION:
        forms += [form.format(n=answer.split()[0]) for form in DURATION_UNITS]
    if kind == AnswerType.SET:
        forms += [form.format(a=answer) for form in SET_HEDGES]
    return forms


@pytest.mark.parametrize("question_id", [question.id for question in _typed_questions()])
def test_the_answer_said_with_doubt_is_still_accepted(question_id: str) -> None:
    question = _question(question_id)
    assert _judge(question, question.expected.display).accepted
    refused = [
        (text, v.reason)
        for form in DOUBTS
        if not (v := _judge(question, text := form.format(a=question.expected.display))).accepted
    ]
    assert refused == []


def test_the_bank_has_typed_questions_of_every_answer_type_the_families_cover() -> None:
    types = {question.expected.type for question in _typed_questions()}
    assert {*VALUE_TYPES, AnswerType.SET, AnswerType.PERSON, AnswerType.ENTITY, AnswerType.TEXT} <= types


@pytest.mark.parametrize("question_id", [question.id for question in _typed_questions()])
def test_no_negated_hedged_or_bounded_form_of_the_answer_earns_credit(question_id: str) -> None:
    question = _question(question_id)
    credited = [(text, verdict.reason) for text in _family(question) if (verdict := _judge(question, text)).credit > 0]
    assert credited == []


@pytest.mark.parametrize(
    ("question_id", "text"),
    [
        # another person of the same surname, first names that are words too, and near-miss first names
        ("spacex-owner.ty1", "John Musk"),
        ("spacex-owner.ty1", "Tom Musk"),
        ("actress.ty1", "Anna Peresild"),
        ("actress.ty1", "Maria Peresild"),
        ("returns-with.ty1", "Mike Novitsky"),
        ("returns-with.ty1", "Olga Novitsky"),
        ("director.ty1", "Tom Shipenko"),
        ("actress.ty1", "A. Peresild"),  # another initial, not the article
        ("spacex-owner.ty1", "K. Musk"),
        ("rival-project-actor.ty1", "Bill Cruise"),
        ("political-expert.ty1", "John Kalachev"),
        # a description that is another person's role
        ("actress.ty1", "Peresild, the director"),
        ("actress.ty1", "Peresild, the cosmonaut"),
        # a word that is another real word, not a typo
        ("director-experiment.ty1", "an experience"),
        ("rival-project-agency.ty1", "NASDA"),
        # a word of one's own before a short form of the answer says another kind of thing
        ("tourism-restart.ty1", "medical tourism"),
        ("tourism-restart.ty1", "sports tourism"),
        ("industry-funding.ty1", "NASA funding"),
        ("industry-funding.ty1", "corporate funding"),
        ("industry-funding.ty1", "commercial funding"),
        ("industry-funding.ty1", "anti-government funding"),
        # a word next to a title that is a plain word makes another title
        ("film-title.ty1", "The Big Challenge"),
        ("film-title.ty1", "The Space Challenge"),
        ("film-title.ty1", "Challenge Accepted"),
        # a set answer that offers a choice
        ("space-race-rivals.sa1", "USA or China"),
        ("space-race-rivals.sa1", "USA and/or China"),
        ("space-race-rivals.sa1", "USA and probably China"),
        ("crew-members.sa1", "Peresild or Shipenko or Shkaplerov"),
        ("crew-members.sa1", "Peresild, Shipenko and maybe Shkaplerov"),
        # a second probe's finds: sets with a wrong name that is also a word, family names, prefixes, ranks
        ("spacex-owner.ty1", "Musk Sr"),
        ("spacex-owner.ty1", "the Musks"),
        ("actress.ty1", "Peresild family"),
        ("director.ty1", "Shipenko, the commander"),
        ("soviet-firsts-era.ty1", "the post-Soviet Union"),
        # an editor's read: a time next to the answer, or its end, is not the answer
        ("soviet-firsts-era.ty1", "after the Soviet era"),
        ("soviet-firsts-era.ty1", "before the Soviet era"),
        ("soviet-firsts-era.ty1", "the fall of the Soviet Union"),
        ("soviet-firsts-era.ty1", "the breakup of the USSR"),
        ("soviet-firsts-era.ty1", "since the Soviet Union"),
        # another thing in the answer's place: a successor, a sequel, a longer title, a lettered designation
        ("spacecraft.ty1", "Soyuz MS-19M"),
        ("spacecraft.ty1", "Soyuz MS-19-A"),
        ("spacecraft.ty1", "Soyuz MS-19's successor"),
        ("spacecraft.ty1", "the successor of Soyuz MS-19"),
        ("spacecraft.ty1", "the predecessor of Soyuz MS-19"),
        ("film-title.ty1", "Challenge of Space"),
        ("film-title.ty1", "the challenge of the century"),
        ("film-title.ty1", "a sequel to The Challenge"),
        ("film-title.ty1", "The Challenge remake"),
        ("crew-size.nu1", "3 give or take 1"),
        # a probe's finds: a head noun or a clause before the name makes it another thing; a place or time near it
        ("soviet-firsts-era.ty1", "the aftermath of the Soviet era"),
        ("soviet-firsts-era.ty1", "the last years of the Soviet Union"),
        ("soviet-firsts-era.ty1", "the dawn of the Soviet era"),
        ("soviet-firsts-era.ty1", "following the Soviet era"),
        ("rival-project-agency.ty1", "the former head of NASA"),
        ("spacecraft.ty1", "the crew of Soyuz MS-19"),
        ("spacecraft.ty1", "the rocket that launched Soyuz MS-19"),
        ("film-title.ty1", "the making of The Challenge"),
        ("launch-site.ty1", "a cosmodrome next to Baikonur"),
        ("launch-site-country.ty1", "the steppes of Kazakhstan"),
        ("industry-funding.ty1", "more than government funding"),
        ("industry-funding.ty1", "bigger than government funding"),
        # a last probe: a wrong age after a comma, a period around the date, a halt of the answer
        ("actress.ty1", "Yulia Peresild, 40"),
        ("rival-project-actor.ty1", "Tom Cruise, 60"),
        ("launch-date.ty1", "the week of 5 October 2021"),
        ("launch-date.ty1", "the eve of 5 October 2021"),
        ("tourism-restart.ty1", "the suspension of space tourism"),
        ("launch-date.ty1", "6 октября 2021"),
        ("launch-date.ty1", "5 ноября 2021"),
        ("journey-length.nu1", "11 days or so"),
        ("hollywood-initiative.ty1", "Hollywood North"),
        ("hollywood-initiative.ty1", "Russian Hollywood"),
        ("film-title.ty1", "MTV's The Challenge"),
        ("film-title.ty1", "The Challenge, the Tom Cruise film"),
        ("rival-project-agency.ty1", "NACA"),
        ("director-experiment.ty1", "an experimenter"),
        ("industry-funding.ty1", "funding cuts"),
        ("industry-funding.ty1", "local government funding"),
        ("tourism-reasons.ty1", "to boost its image and reduce its earnings"),
        ("soviet-tech.ty1", "the Soviet/Apollo era"),
        ("novitsky-stay.nu1", "6 seasons"),
        ("crew-size.nu1", "3rd"),
        ("launch-time.ty1", "8:55 +0300"),
        ("launch-date.ty1", "5-6 October 2021"),
        # a third probe's finds: a second name the store does not know, listed guesses, a second time, homoglyphs
        ("director.ty1", "either Shipenko or Mikhalkov"),
        ("actress.ty1", "Peresild maybe Vysotskaya"),
        ("actress.ty1", "Peresild? Vysotskaya?"),
        ("rival-project-actor.ty1", "Tom Cruise (Keanu Reeves)"),
        ("returns-with.ty1", "Novitsky Krikalev"),
        ("director-experiment.ty1", "an experiment, a joke"),
        ("director-experiment.ty1", "a joke (an experiment)"),
        ("director-flight-suit.ty1", "a flight suit; a spacesuit"),
        ("industry-funding.ty1", "funding & engineers"),
        ("launch-time.ty1", "8:55 GMT, 9 am GMT"),
        ("launch-time.ty1", "8:55 / 9am"),
        ("spacex-owner.ty1", "Elon M\u0430sk"),  # a Cyrillic 'а' in a Latin word
        ("returns-with.ty1", "Olg\u0430 Novitsky"),
        ("roscosmos-name.ty2", "Roscosmos or Russia"),
        ("crew-members.sa1", "Peresild the director, Shipenko the actress, Shkaplerov"),  # swapped roles
        ("crew-members.sa1", "apart from Peresild, Shipenko and Shkaplerov"),
        # a last probe's wrong answers: someone of the person's, and a word that is no typo of the key word
        ("actress.ty1", "Peresild's director"),
        ("spacex-owner.ty1", "Musk's rival"),
        ("actress.ty1", "Yulia Peresild, 38"),
        ("tourism-reasons.ty1", "fun"),
        ("industry-funding.ty1", "government fun"),
        ("crew-size.nu1", "3½"),  # 3.5, not 31 nor 3
        ("roscosmos-name.ty1", "ex-NASA Roscosmos"),
        ("roscosmos-name.ty1", "former NASA Roscosmos"),
        ("spacecraft.ty1", "Soyuz MS no 18"),
        ("novitsky-stay.nu1", "6 1/2 months"),
        ("actress.ty1", "P\u0336e\u0336r\u0336e\u0336s\u0336i\u0336l\u0336d\u0336"),  # Unicode strikethrough
        # a number said as another quantity
        ("crew-size.nu1", "3 hours"),
        ("spacex-iss-year.nu1", "the 2020s"),
        ("journey-length.nu1", "12 days or more"),
    ],
)
def test_near_misses_found_by_the_probe_are_refused(question_id: str, text: str) -> None:
    verdict = _judge(_question(question_id), text)
    assert verdict.credit == 0, verdict.reason
    assert verdict.reason.startswith("Rejected")


@pytest.mark.parametrize(
    ("question_id", "text"),
    [
        ("spacex-owner.ty1", "Mr Musk"),
        ("spacex-owner.ty1", "billionaire Musk"),
        ("spacex-owner.ty1", "Elon Reeve Musk"),
        ("actress.ty1", "Ms Peresild"),
        ("actress.ty1", "Mrs Peresild"),
        ("actress.ty1", "Russian Peresild"),
        ("actress.ty1", "Peresild, the actress"),
        ("returns-with.ty1", "cosmonaut Novitsky"),
        ("director-experiment.ty1", "an experimental film"),
        ("director-experiment.ty1", "an experimant"),
        ("tourism-restart.ty1", "space tourism"),
        ("tourism-restart.ty1", "tourist flights"),
        ("industry-funding.ty1", "more funding"),
        ("industry-funding.ty1", "Russian government funding"),
        ("industry-funding.ty1", "funding from the Kremlin"),
        ("film-title.ty1", "the film The Challenge"),
        ("film-title.ty1", "The Challenge (Vyzov)"),
        ("space-race-rivals.sa1", "the USA and China"),
        ("space-race-rivals.sa1", "maybe the USA and China"),
        ("launch-time.ty1", "maybe 8:55"),
        ("launch-time.ty1", "I think it's 08:55+00:00"),
        ("crew-size.nu1", "three people"),
        ("crew-size.nu1", "about 3"),
        ("spacex-iss-year.nu1", "2020"),
        ("novitsky-stay.nu1", "half a year"),
        ("launch-date.ty1", "probably 5 October 2021"),
        # initials, surnames of the listed spellings, other names of the answer
        ("rival-project-actor.ty1", "T. Cruise"),
        ("director.ty1", "K. Shipenko"),
        ("spacex-owner.ty1", "Elon R. Musk"),
        ("spacex-owner.ty1", "E. Musk"),
        ("political-expert.ty1", "Kalachov"),
        ("returns-with.ty1", "Novitski"),
        ("rival-project-actor.ty1", "Thomas Cruise"),
        ("soviet-firsts-era.ty1", "CCCP"),
        ("soviet-firsts-era.ty1", "the Soviets"),
        ("hollywood-initiative.ty1", "the US film industry"),
        ("launch-time.ty1", "08:55 Greenwich Mean Time"),
        ("launch-time.ty1", "11:55 Moscow Standard Time"),
        # a second probe's finds
        ("space-race-rivals.sa1", "both USA and China"),
        ("space-race-rivals.sa1", "USA as well as China"),
        ("crew-members.sa1", "all three: Peresild, Shipenko, Shkaplerov"),
        ("crew-members.sa1", "Peresild the actress, Shipenko the director, Shkaplerov the commander"),
        ("director.ty1", "Shipenko, no doubt"),
        ("director.ty1", "none other than Shipenko"),
        ("film-title.ty1", "The Challenge, by Klim Shipenko"),
        ("rival-project-actor.ty1", "Mission Impossible star Tom Cruise"),
        ("spacex-owner.ty1", "Musk, the billionaire"),
        ("launch-site.ty1", "Baikonur, the cosmodrome"),
        ("soviet-firsts-era.ty1", "the former Soviet Union"),
        ("hollywood-initiative.ty1", "Hollywood studios"),
        ("industry-funding.ty1", "Kremlin funding"),
        ("industry-funding.ty1", "additional funding"),
        ("tourism-restart.ty1", "Russian space tourism"),
        ("tourism-restart.ty1", "spaec tourism"),
        ("tourism-reasons.ty1", "to make money"),
        ("novitsky-stay.nu1", "2 quarters"),
        ("spacex-iss-year.nu1", "30 May 2020"),
        ("spacex-iss-year.nu1", "2020 AD"),
        ("launch-time.ty1", "8:55 sharp"),
        ("launch-time.ty1", "8:55ish"),
        ("launch-time.ty1", "11:55 +03:00"),
        # a third probe's finds
        ("spacex-owner.ty1", "Elon Musk's"),
        ("rival-project-actor.ty1", "Tom Cruise's"),
        ("spacex-owner.ty1", "Tesla's Musk"),
        ("actress.ty1", "Yulia Borisovna Peresild"),
        ("launch-time.ty1", "it was 8:55"),
        ("launch-time.ty1", "8:55 GMT please"),
        ("crew-size.nu1", "no idea, 3"),
        ("crew-members.sa1", "1. Shkaplerov 2. Peresild 3. Shipenko"),
        ("monopoly-breaker.ty1", "Elon Musk's SpaceX"),
        ("director-experiment.ty1", "an experiment, really"),
        ("director-flight-suit.ty1", "flight suit, blue"),
        # a code review's finds: words around a value that are no bound, names with their country's adjective or
        # a company's suffix, descriptive clauses that are no role, sets with 'vs' and 'besides'
        ("crew-size.nu1", "3 people went up"),
        ("journey-length.nu1", "12 days up in space"),
        ("novitsky-stay.nu1", "six months, since April"),
        ("launch-date.ty1", "October 5, 2021 by Soyuz"),
        ("launch-date.ty1", "Tuesday 05-10-2021"),
        ("spacex-iss-year.nu1", "30th May 2020"),
        ("spacex-iss-year.nu1", "2020 year"),
        ("rival-project-agency.ty1", "American NASA"),
        ("roscosmos-name.ty1", "Russian Roscosmos"),
        ("roscosmos-name.ty1", "Roscosmos State Corporation"),
        ("launch-site.ty1", "Kazakhstan's Baikonur"),
        ("monopoly-breaker.ty1", "SpaceX Inc"),
        ("spacex-owner.ty1", "Elon Musk, the SpaceX man"),
        ("industry-funding.ty1", "nothing but government funding"),
        ("industry-funding.ty1", "taxpayer funding"),
        ("space-race-rivals.sa1", "US vs China"),
        ("crew-members.sa1", "Peresild and Shipenko, besides Shkaplerov"),
        # a last probe of fair answers
        ("launch-time.ty1", "they took off at 8:55 GMT"),
        ("launch-time.ty1", "8:55 GMT on the dot"),
        ("crew-members.sa1", "Peresild & Shipenko, led by Shkaplerov"),
        ("space-race-rivals.sa1", "the States and China"),
        ("crew-size.nu1", "3 100%"),
        ("actress.ty1", "Yulia Peresild, 37"),
        ("actress.ty1", "37-year-old Yulia Peresild"),
        ("launch-site-country.ty1", "ex-Soviet Kazakhstan"),
        ("film-title.ty1", "It's called The Challenge"),
        ("industry-funding.ty1", "govt funding"),
        ("industry-funding.ty1", "government funding, I'm pretty sure"),
        ("tourism-restart.ty1", "I'm pretty sure it's space tourism"),
        # a review of the last changes: remarks, the same instant twice, chat, places of a former state
        ("tourism-restart.ty1", "space tourism (again)"),
        ("director-flight-suit.ty1", "a flight suit, a blue one"),
        ("industry-funding.ty1", "according to the report, government funding"),
        ("launch-time.ty1", "0855 GMT, 1155 MSK"),
        ("launch-time.ty1", "8:55 GMT, 5 Oct"),
        ("launch-time.ty1", "8:55 ok"),
        ("launch-time.ty1", "five to nine"),  # 'to' before a number word is a time, not a bound
        ("actress.ty1", "Yulia Peresild omg"),
        ("actress.ty1", "Peresild as Zhenya"),
        ("actress.ty1", "most probably Peresild"),
        ("actress.ty1", "Peresild's my guess"),
        ("spacex-owner.ty1", "Elon Musk's company"),
        ("launch-site-country.ty1", "Kazakhstan (ex-USSR)"),
        ("crew-members.sa1", "Peresild the film actress, Shipenko, Shkaplerov"),
        # fractions
        ("novitsky-stay.nu1", "1/2 year"),
        ("novitsky-stay.nu1", "½ a year"),
        ("novitsky-stay.nu1", ".5 years"),
        # the paraphrase gaps of the last note: a space for the colon, a month name misspelt, a legal name
        ("launch-time.ty1", "8 55"),
        ("launch-time.ty1", "11 55 MSK"),
        ("launch-date.ty1", "Ocotber 5, 2021"),
        ("launch-date.ty1", "5 Oktober 2021"),
        ("rival-project-actor.ty1", "Tom Cruise Mapother"),
        ("rival-project-actor.ty1", "Thomas Cruise Mapother IV"),
        # an editor's read: a word of another answer or option that only sizes the answer ('more', 'new'), or one
        # word of a long other answer ('astronaut' of the film's plot), names nothing
        ("industry-funding.ty1", "new funding"),
        ("tourism-reasons.ty1", "to make more money"),
        ("tourism-reasons.ty1", "to earn more income"),
        ("tourism-reasons.ty1", "new revenue streams"),
        ("director-flight-suit.ty1", "a cosmonaut flight suit"),
        ("director-flight-suit.ty1", "an astronaut flight suit"),
        ("director-flight-suit.ty1", "a jumpsuit"),
        ("rival-project-agency.ty1", "the US space agency"),
        ("expert-agency.ty1", "France-Presse"),
        ("soviet-firsts-era.ty1", "the USSR"),
        ("industry-funding.ty1", "more government funding"),
        ("rival-project-actor.ty1", "Tom Cruise, the actor"),
        ("launch-date.ty1", "the morning of 5 October 2021"),
        ("launch-date.ty1", "Tuesday 5 October 2021"),
        ("launch-date.ty1", "5 октября 2021"),  # Russian months, as Cyrillic names are read
        ("launch-date.ty1", "5 октября 2021 г."),
        ("soviet-tech.ty1", "Soviet-era technology"),
        # the former state a place belonged to, after a comma or as a whole name
        ("launch-site-country.ty1", "Kazakhstan, ex-USSR"),
        ("launch-site-country.ty1", "Kazakhstan, former Soviet Union"),
        ("launch-site-country.ty1", "ex-Soviet Union Kazakhstan"),
        # a second probe: positive idioms with a 'no' or 'not' in them, and chat around the answer
        ("director.ty1", "I have no doubt it's Shipenko"),
        ("director.ty1", "not certain but Shipenko"),
        ("director.ty1", "Shipenko, not gonna lie"),
        ("director.ty1", "Shipenko no cap"),
        ("director.ty1", "Shipenko, isn't it?"),
        ("director.ty1", "it can't be anyone but Shipenko"),
        ("crew-size.nu1", "3, not kidding"),
        ("launch-date.ty1", "no lie, 5 October 2021"),
        ("rival-project-agency.ty1", "NASA, nothing else"),
        ("launch-site.ty1", "I'm going to say Baikonur"),
        ("rival-project-agency.ty1", "What about NASA?"),
        ("hollywood-initiative.ty1", "Is the answer Hollywood?"),
        ("monopoly-breaker.ty1", "hopefully SpaceX"),
        ("expert-agency.ty1", "AFP mate"),
        ("film-title.ty1", "wild guess: The Challenge"),
        ("launch-time.ty1", "Umm... 08:55 GMT"),
        ("director-flight-suit.ty1", "a flight suit, fingers crossed"),
        ("actress.ty1", "Peresild's definitely it"),
        ("rival-project-actor.ty1", "Cruise actor"),
        ("rival-project-actor.ty1", "Tom Cruise's plan"),  # what the question asks about
        ("rival-project-actor.ty1", "cruise"),
        ("actress.ty1", "actress Yulia Peresild"),
        ("director.ty1", "director Klim Shipenko"),
        ("industry-funding.ty1", "government funding from the Kremlin"),  # the question's own words
        ("journey-length.nu1", "12 days (288 hours)"),  # the same value said twice
        ("journey-length.nu1", "12 days, i.e. 288 hours"),
        ("novitsky-stay.nu1", "half a year (6 months)"),
        ("journey-length.nu1", "1 week and 5 days"),
        ("director-flight-suit.ty1", "a flight suit?"),
        ("director-experiment.ty1", "an experiment, probably"),
        # the same name twice, in another script
        ("actress.ty1", "Yulia Peresild (Юлия Пересильд)"),
        ("roscosmos-name.ty1", "Roscosmos (Роскосмос)"),
        ("spacecraft.ty1", "Soyuz MS-19 (Союз МС-19)"),
        # a lead-in before a name of several words, chat around a set answer
        ("expert-agency.ty1", "I think it's Agence France-Presse"),
        ("expert-agency.ty1", "my guess is Agence France-Presse"),
        ("rival-project-agency.ty1", "I think it's National Aeronautics and Space Administration"),
        ("space-race-rivals.sa1", "gotta be US and China"),
        ("space-race-rivals.sa1", "What about US and China?"),
        ("crew-members.sa1", "must be Shkaplerov, Peresild and Shipenko"),
        ("crew-size.nu1", "3 cosmonauts"),
        ("spacex-iss-year.nu1", "in 2020"),
        ("rival-project-actor.ty1", "Tom Cruise, The Actor"),  # what he is, capitalised
        ("rival-project-actor.ty1", "TOM CRUISE, THE ACTOR"),
        ("director.ty1", "In the end, Shipenko"),  # an idiom with 'end' in it, read past
        ("director.ty1", "Shipenko in the end"),
        ("director.ty1", "my bad, it's Shipenko"),
        # a review of this session's rules: fair answers they refused at first
        ("actress.ty1", "Peresild? I think so"),
        ("actress.ty1", "Actress? Yulia Peresild"),
        ("spacex-owner.ty1", "Elon Musk, the richest man"),
        ("actress.ty1", "Yulia Peresild, 37 years old"),
        ("hollywood-initiative.ty1", "Hollywood, California"),
        ("spacex-owner.ty1", "Elon Musk's firm"),
        ("spacex-owner.ty1", "Musk himself"),
        ("actress.ty1", "actor Yulia Peresild"),
        ("hollywood-initiative.ty1", "Hollywood, Los Angeles"),
        ("actress.ty1", "Miss Peresild"),
        ("launch-date.ty1", "5 October 2021, in the fall"),
        ("soviet-firsts-era.ty1", "the USSR, before its collapse"),
        ("soviet-firsts-era.ty1", "the Soviet era"),
        ("soviet-firsts-era.ty1", "during the Soviet era"),
        ("spacecraft.ty1", "Soyuz MS-19 a spacecraft"),
        ("spacecraft.ty1", "soyuz ms-19"),
        ("film-title.ty1", "The Challenge (film)"),
        ("film-title.ty1", "The Challenge movie"),
        # an approximation is one value said with doubt, as 'about 12 days' is: 'or' offers no second answer here
        ("journey-length.nu1", "12 days or so"),
        ("journey-length.nu1", "12 days, more or less"),
        ("crew-size.nu1", "3 give or take"),
        ("launch-time.ty1", "8:55 GMT or thereabouts"),
        # a head noun that says what the answer is, or that the question says, keeps it the answer
        ("soviet-firsts-era.ty1", "the era of the Soviet Union"),
        ("soviet-firsts-era.ty1", "the state of the USSR"),
        ("soviet-firsts-era.ty1", "the Soviet period"),
        ("soviet-firsts-era.ty1", "советская эпоха"),
        ("launch-site.ty1", "the cosmodrome of Baikonur"),
        ("launch-site.ty1", "Tyuratam"),
        ("launch-site-country.ty1", "the country of Kazakhstan"),
        ("spacecraft.ty1", "the spacecraft that's Soyuz MS-19"),
        ("hollywood-initiative.ty1", "the film industry of Hollywood"),
        ("launch-date.ty1", "5 October 2021, in the fall of that year"),
        ("monopoly-breaker.ty1", "SpaceX, which ended Russia's monopoly"),
        ("spacex-owner.ty1", "Elon Musk, end of story"),
        ("tourism-reasons.ty1", "to improve its bad image and make money"),
        ("director-experiment.ty1", "an experiment that could fail"),
        ("director-experiment.ty1", "an experiment, iirc"),
        ("director-experiment.ty1", "an experiment, according to Shipenko"),  # a name of the answer's own quote
        ("tourism-restart.ty1", "space cruises for tourists"),
        ("journey-length.nu1", "1 week, 5 days"),
        ("journey-length.nu1", "12 days, 12 nights"),
        ("director-flight-suit.ty1", "a jumpsuit aka flight suit"),
        ("launch-time.ty1", "8:55 GMT, good bot"),
        ("spacex-owner.ty1", "Elon Musk, rich guy"),  # 'Rich' is a first name too, but here it describes
    ],
)
def test_fair_forms_next_to_the_families_are_still_accepted(question_id: str, text: str) -> None:
    verdict = _judge(_question(question_id), text)
    assert verdict.accepted, verdict.reason


@pytest.mark.parametrize(
    ("question_id", "text"),
    [
        ("launch-time.ty1", "8 5"),  # two hours, not 8:05: refused, and no longer an error
        ("launch-time.ty1", "8 9"),
        ("launch-time.ty1", "8 55 pm"),
        ("launch-date.ty1", "5 Novmber 2021"),  # one slip from November is November, not October
        ("launch-date.ty1", "Match 5 2021"),  # a word of its own is no month
        ("rival-project-actor.ty1", "Tom Hanks Mapother"),
        # an editor's read: an accepted bare 'money' took in answers that only hold the word
        ("tourism-reasons.ty1", "to lose money"),
        ("tourism-reasons.ty1", "money laundering"),
        ("tourism-reasons.ty1", "to launder money"),
        ("tourism-reasons.ty1", "to train more cosmonauts"),
        ("industry-funding.ty1", "military funding"),  # a short other answer is still named by one word
        ("industry-funding.ty1", "NASA funding"),
        ("director-flight-suit.ty1", "a spacesuit"),
        ("soviet-firsts-era.ty1", "Russia"),  # the report's loose word is not the state of the era
        # words that say the answer's thing is missing, lost, cut, faked or failed
        ("industry-funding.ty1", "lack of government funding"),
        ("industry-funding.ty1", "to lose government funding"),
        ("industry-funding.ty1", "government funding cuts"),
        ("industry-funding.ty1", "funding fraud"),
        ("director-flight-suit.ty1", "a fake flight suit"),
        ("director-experiment.ty1", "an experiment in failure"),
        ("director-experiment.ty1", "a failed experiment"),
        ("soviet-tech.ty1", "the end of the Soviet era"),
        ("tourism-restart.ty1", "cancelled space tourism"),
        ("launch-site-country.ty1", "Kazakhstan, USSR"),  # a second country, not what it once belonged to
        ("launch-site-country.ty1", "ex-NASA Kazakhstan"),  # only a former state is read past
        ("launch-site-country.ty1", "Kazakhstan (ex-NASA)"),
        # a second probe: negations written as signs, sarcasm, informal and foreign 'no', times said at night
        ("director.ty1", "Shipenko ☓"),
        ("rival-project-agency.ty1", "NASA ❎"),
        ("film-title.ty1", "The Challenge 🙅"),
        ("actress.ty1", "Yulia Peresild 🤥"),
        ("crew-size.nu1", "!= 3"),
        ("director.ty1", "S\u0335h\u0335i\u0335p\u0335e\u0335n\u0335k\u0335o\u0335"),
        ("launch-time.ty1", "0\u03378\u0337:\u03375\u03375\u0337"),
        ("rival-project-actor.ty1", "Tom Cruise, yeah right"),
        ("launch-site-country.ty1", "Kazakhstan is a lie"),
        ("expert-agency.ty1", "cannot be AFP"),
        ("soviet-firsts-era.ty1", "USSR? as if"),
        ("journey-length.nu1", "12 days? noo"),
        ("novitsky-stay.nu1", "6 months? nyet"),
        ("launch-time.ty1", "8:55 at night"),
        ("launch-time.ty1", "8:55 tonight"),
        ("launch-time.ty1", "8:55 IST"),  # India or Ireland: not read as GMT
        ("actress.ty1", "Peresild isn't it"),  # 'it isn't Peresild', unlike 'Peresild, isn't it?'
        ("launch-time.ty1", "2:55 at night"),  # the small hours: 02:55
        # a second guess the store does not know, in a list, in brackets or after another joiner
        ("rival-project-actor.ty1", "Tom Cruise, Keanu Reeves"),
        ("rival-project-actor.ty1", "Tom Cruise, Matt Damon"),
        ("rival-project-actor.ty1", "Matt Damon, Tom Cruise"),
        ("rival-project-actor.ty1", "Tom Cruise (Will Smith)"),
        ("rival-project-actor.ty1", "both Tom Cruise and Matt Damon"),
        ("rival-project-actor.ty1", "Tom Cruise aka Keanu Reeves"),
        ("rival-project-actor.ty1", "Tom Cruise unless it's Keanu Reeves"),
        ("spacex-owner.ty1", "Elon Musk, Bill Gates"),
        ("spacex-owner.ty1", "Elon Musk (Mark Zuckerberg)"),
        ("political-expert.ty1", "Konstantin Kalachev? Dmitry Peskov?"),
        # words that say the thing is fake, failed, missing or lost, on every kind of answer
        ("rival-project-actor.ty1", "fake Tom Cruise"),
        ("rival-project-actor.ty1", "Tom Cruise impersonator"),
        ("launch-site.ty1", "Baikonur Cosmodrome (destroyed)"),
        ("spacecraft.ty1", "the failed Soyuz MS-19"),
        ("spacecraft.ty1", "Soyuz MS-19 replica"),
        ("film-title.ty1", "The Challenge is missing"),
        ("launch-date.ty1", "5 October 2021, but it was cancelled"),
        ("launch-time.ty1", "8:55 GMT but it was scrubbed"),
        ("spacex-iss-year.nu1", "2020 (failed)"),
        ("journey-length.nu1", "12 days (cut short)"),
        ("director-experiment.ty1", "a sham experiment"),
        ("director-flight-suit.ty1", "a replica flight suit"),
        ("industry-funding.ty1", "dwindling government funding"),
        # someone or something of the person's; the surname used as the English word it also is
        ("rival-project-actor.ty1", "Tom Cruise's co-star"),
        ("rival-project-actor.ty1", "Tom Cruise's lawyer"),
        ("spacex-owner.ty1", "Elon Musk's cousin"),
        ("actress.ty1", "Peresild's character"),
        ("rival-project-actor.ty1", "a cruise"),
        ("rival-project-actor.ty1", "cruise missile"),
        ("spacex-owner.ty1", "the musk"),
        ("spacex-owner.ty1", "a musk ox"),
        # another person's role of the story given to the answer, in any place
        ("actress.ty1", "director Peresild"),
        ("actress.ty1", "Peresild the director"),
        ("actress.ty1", "Yulia Peresild (director)"),
        ("director.ty1", "Shipenko the commander"),
        ("spacex-owner.ty1", "Elon Musk the actor"),
        # a thing of the story added to a text answer by its whole name
        ("director-flight-suit.ty1", "a Tom Cruise flight suit"),
        ("director-flight-suit.ty1", "a flight suit from Elon Musk"),
        ("director-experiment.ty1", "Tom Cruise's experiment"),
        ("industry-funding.ty1", "funding from Elon Musk"),
        ("tourism-reasons.ty1", "to make money for Elon Musk"),
        # two durations in separate parts are two guesses, not one sum
        ("journey-length.nu1", "1 week (5 days)"),
        ("journey-length.nu1", "a week / 5 days"),
        ("journey-length.nu1", "11 days (24 hours)"),
        # a second guess after '?', '+', '=', or 'perhaps', 'aka', 'unless', another language's 'or'
        ("director-flight-suit.ty1", "a flight suit? a spacesuit?"),
        ("director-flight-suit.ty1", "a flight suit + a spacesuit"),
        ("director-flight-suit.ty1", "a flight suit perhaps a spacesuit"),
        ("director-flight-suit.ty1", "flight suit unless it's a spacesuit"),
        ("director-flight-suit.ty1", "a flight suit oder a spacesuit"),
        ("director-experiment.ty1", "experiment = a gamble"),
        ("rival-project-agency.ty1", "the UK space agency"),  # a real agency, no slip of 'the US space agency'
        ("monopoly-breaker.ty1", "Spacey"),
        ("spacecraft.ty1", "Soyuz MS-19, MS-18"),  # another designation after a comma
        # bounds written as prefixes, counted things that are not the answer's, the end of an era
        ("spacex-iss-year.nu1", "pre-2020"),
        ("spacex-iss-year.nu1", "post-2020"),
        ("spacex-iss-year.nu1", "through 2020"),
        ("crew-size.nu1", "3 crews"),
        ("journey-length.nu1", "12 orbits"),
        ("journey-length.nu1", "12 business days"),
        ("novitsky-stay.nu1", "6 terms"),
        ("soviet-firsts-era.ty1", "the collapse of the USSR"),
        ("soviet-tech.ty1", "the neo-Soviet era"),
        ("director.ty1", "Klim Shipenko (Andrei Tarkovsky)"),  # a first name and a surname in brackets
        ("returns-with.ty1", "Oleg Novitsky (Thomas Pesquet)"),
        ("political-expert.ty1", "Konstantin Kalachev (Dmitry Peskov)"),
        ("launch-time.ty1", "8:55 ± 5 min"),  # a range
        ("tourism-restart.ty1", "space tourism, Buran"),  # one word, but a name: a second guess
        ("tourism-restart.ty2", "space tourism + Buran"),
    ],
)
def test_near_the_new_paraphrases_wrong_answers_stay_wrong(question_id: str, text: str) -> None:
    verdict = _judge(_question(question_id), text)
    assert not verdict.accepted, verdict.reason


def test_a_wrong_value_with_a_second_one_keeps_the_reason_that_names_it() -> None:
    verdict = _judge(_question("crew-size.nu1"), "3 or 4")
    assert not verdict.accepted
    assert "4" in verdict.reason


@pytest.mark.parametrize(
    ("question_id", "text", "said"),
    [
        ("crew-size.nu1", "3M", "“m”"),
        ("spacex-iss-year.nu1", "2020 or whatever", "“or”"),
        ("spacex-iss-year.nu1", "before 2020", "“before”"),
        ("crew-size.nu1", "-3", "“minus”"),
        ("actress.ty1", "Peresild? nope", "“nope”"),
        ("actress.ty1", "!Peresild", "“!”"),
        ("space-race-rivals.sa1", "USA or China", "“or”"),
    ],
)
def test_the_reason_names_the_word_that_changed_the_answer(question_id: str, text: str, said: str) -> None:
    assert said in _judge(_question(question_id), text).reason


def test_a_wrong_option_the_story_never_names_is_not_said_to_be_in_it() -> None:
    """Mordovina and Plesetsk are only wrong options of the pack: 'another person in this story' would be untrue."""
    assert (
        _judge(_question("actress.ty1"), "Mordovina").reason == "Rejected: that names Alyona Mordovina, not the answer."
    )
    assert "in this story" not in _judge(_question("launch-site.ty1"), "Plesetsk").reason
    in_story = _judge(_question("returns-with.ty1"), "Shkaplerov").reason
    assert in_story == "Rejected: that names Anton Shkaplerov, another person in this story."


@pytest.mark.parametrize(
    ("question_id", "text", "wrong"),
    [
        # a wrong name in a set costs a right one, even one that is an English word too
        ("space-race-rivals.sa1", "USA, China, Canada", "canada"),
        ("space-race-rivals.sa1", "USA, China, EU", "eu"),
        ("crew-members.sa1", "Peresild, Shipenko, Shkaplerov, Smith", "smith"),
    ],
)
def test_a_wrong_name_in_a_set_costs_credit_whatever_word_it_is(question_id: str, text: str, wrong: str) -> None:
    verdict = _judge(_question(question_id), text)
    assert not verdict.accepted and verdict.credit < 1
    assert wrong in verdict.reason.casefold()


def test_doubt_words_that_are_part_of_the_answer_are_kept() -> None:
    """'right' and 'sharp' are read past as doubt or noise, unless the answer itself has them."""
    from tests.test_matching import _question

    expected = {"type": "text", "display": "the far right", "accepted": ["far right"]}
    question = _question("wing", QuestionKind.TYPED, "the far right", expected)
    assert _matcher().judge(question, "the far right").accepted
    assert _matcher().judge(question, "far right").accepted
    assert not _matcher().judge(question, "the far").accepted


def test_the_engine_reads_fractions_as_the_matcher_does() -> None:
    """One number reader for the matcher and the closest-answer rule: '1/2 year' is six months for both."""
    from questions.text.durations import read_quantity

    assert read_quantity("1/2 year", "months") == pytest.approx(6)
    assert read_quantity("3½", None) == pytest.approx(3.5)
    assert read_quantity("5/10/2021", None) == 5  # a date, no fraction
