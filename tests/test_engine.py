"""The round engine, end to end on a fake clock: no Discord, no mocks, no real sleeping."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.engine import (
    AlreadyAnswered,
    AnswerRecord,
    AttemptsExhausted,
    ChoiceAck,
    EndReason,
    FakeClock,
    InvalidChoice,
    LoopClock,
    NoOpenQuestion,
    Player,
    PlayerForgotten,
    QuestionClosed,
    QuestionOpening,
    QuestionResult,
    RoundAlreadyRunning,
    RoundEnded,
    RoundError,
    RoundRegistry,
    RoundSession,
    RoundSettings,
    ScaledClock,
    Standings,
    TextAck,
    WrongQuestionKind,
    make_hints,
)
from bot.scoring import parse_number
from questions.models import AnswerType, ExpectedAnswer, Question, QuestionKind

ANN = Player(1, "Ann")
BOB = Player(2, "Bob")
CYD = Player(3, "Cyd")

CREW = ["Yulia Peresild", "Klim Shipenko", "Anton Shkaplerov"]


# --------------------------------------------------------------------------- questions


def make_question(
    question_id: str,
    kind: QuestionKind,
    expected: ExpectedAnswer,
    *,
    choices: list[str] | None = None,
    correct_index: int | None = None,
) -> Question:
    return Question(
        id=question_id,
        kind=kind,
        category="crew",
        prompt=f"Question {question_id}?",
        choices=choices or [],
        correct_index=correct_index,
        answer=expected.display,
        expected=expected,
        fact_id=f"fact-{question_id}",
        document_id="soyuz-ms19",
        document_title="Soyuz MS-19",
        quote="a quote",
        difficulty=1,
    )


def multiple_choice(question_id: str = "mc", correct_index: int = 1) -> Question:
    choices = ["Soyuz MS-18", "Soyuz MS-19", "Shenzhou 13", "Crew-3"]
    expected = ExpectedAnswer(type=AnswerType.CHOICE, display=choices[correct_index])
    return make_question(
        question_id, QuestionKind.MULTIPLE_CHOICE, expected, choices=choices, correct_index=correct_index
    )


def true_false(question_id: str = "tf", correct_index: int = 0) -> Question:
    expected = ExpectedAnswer(type=AnswerType.CHOICE, display=["True", "False"][correct_index])
    return make_question(
        question_id, QuestionKind.TRUE_FALSE, expected, choices=["True", "False"], correct_index=correct_index
    )


def typed(question_id: str = "typed", name: str = "Yulia Peresild", surname: str = "Peresild") -> Question:
    expected = ExpectedAnswer(type=AnswerType.PERSON, display=name, accepted=[name], surnames=[surname])
    return make_question(question_id, QuestionKind.TYPED, expected)


def numeric(question_id: str = "numeric", value: float = 12, tolerance: float = 0, unit: str = "days") -> Question:
    expected = ExpectedAnswer(
        type=AnswerType.NUMBER, display=f"{value:g} {unit}", number=value, tolerance=tolerance, unit=unit
    )
    return make_question(question_id, QuestionKind.NUMERIC, expected)


def crew_set(question_id: str = "set") -> Question:
    expected = ExpectedAnswer(type=AnswerType.SET, display=", ".join(CREW), accepted=CREW, required=len(CREW))
    return make_question(question_id, QuestionKind.SET, expected)


# --------------------------------------------------------------------------- fakes


@dataclass(frozen=True)
class Verdict:
    accepted: bool
    credit: float
    reason: str


def judge(question: Question, text: str) -> Verdict:
    """Judge like a strict quizmaster: exact names, surnames alone, numbers within tolerance, sets by share."""
    expected = question.expected
    guess = text.strip().casefold()
    if expected.type == AnswerType.NUMBER:
        value = parse_number(text)
        assert expected.number is not None
        ok = value is not None and abs(value - expected.number) <= expected.tolerance
        return Verdict(ok, 1.0 if ok else 0.0, "Correct!" if ok else "Not that number.")
    if expected.type == AnswerType.SET:
        named = [name for name in expected.accepted if name.casefold() in guess]
        credit = min(1.0, len(named) / expected.required)
        return Verdict(bool(named), credit, f"{len(named)} of {expected.required}")
    names = {name.casefold() for name in [*expected.accepted, *expected.surnames]}
    ok = guess in names
    return Verdict(ok, 1.0 if ok else 0.0, "Correct!" if ok else "Not quite.")


class StorageDownError(Exception):
    """What a failing fake recorder raises."""


class FakeRecorder:
    """Stores everything in lists; can fail chosen writes and take fake time per write."""

    def __init__(self, clock: FakeClock, *, write_seconds: float = 0.0) -> None:
        self.clock = clock
        self.write_seconds = write_seconds
        self.answers: list[AnswerRecord] = []
        self.results: list[QuestionResult] = []
        self.finished: list[tuple[Standings, EndReason]] = []
        self.fail_next_write_of: set[int] = set()
        self.fail_score_question = False

    async def record_answer(self, answer: AnswerRecord) -> None:
        if self.write_seconds:
            await self.clock.sleep_until(self.clock.now() + self.write_seconds)
        if answer.player.id in self.fail_next_write_of:
            self.fail_next_write_of.discard(answer.player.id)
            raise StorageDownError("database is locked")
        self.answers.append(answer)

    async def score_question(self, result: QuestionResult) -> None:
        if self.fail_score_question:
            raise StorageDownError("disk full")
        self.results.append(result)

    async def round_finished(self, standings: Standings, reason: EndReason) -> None:
        self.finished.append((standings, reason))


class FakeListener:
    """Logs every call with the fake time; can raise in one chosen method or run a hook."""

    def __init__(self, clock: FakeClock, *, fail_in: str | None = None) -> None:
        self.clock = clock
        self.fail_in = fail_in
        self.events: list[tuple[Any, ...]] = []
        self.openings: list[QuestionOpening] = []
        self.results: list[QuestionResult] = []
        self.progress_calls: list[tuple[float, int, int]] = []
        self.hints: list[tuple[float, int, str]] = []
        self.finished: list[tuple[Standings, EndReason]] = []
        self.on_open: Callable[[QuestionOpening], Awaitable[None]] | None = None

    def _maybe_fail(self, method: str) -> None:
        if self.fail_in == method:
            raise RuntimeError(f"listener broke in {method}")

    async def question_opened(self, opening: QuestionOpening) -> int | None:
        self.events.append(("opened", opening.position, self.clock.now()))
        self.openings.append(opening)
        self._maybe_fail("question_opened")
        if self.on_open is not None:
            await self.on_open(opening)
        return 1000 + opening.position

    async def progress(self, position: int, answered_count: int) -> None:
        self.progress_calls.append((self.clock.now(), position, answered_count))
        self._maybe_fail("progress")

    async def hint(self, position: int, text: str) -> None:
        self.hints.append((self.clock.now(), position, text))
        self._maybe_fail("hint")

    async def question_closed(self, result: QuestionResult) -> None:
        self.events.append(("closed", result.position, self.clock.now()))
        self.results.append(result)
        self._maybe_fail("question_closed")

    async def round_finished(self, standings: Standings, reason: EndReason) -> None:
        self.events.append(("finished", reason, self.clock.now()))
        self.finished.append((standings, reason))


@dataclass
class Table:
    """One round under test: its fakes, and the outcomes of scripted player actions."""

    clock: FakeClock
    listener: FakeListener
    recorder: FakeRecorder
    session: RoundSession
    outcomes: dict[str, Any] = field(default_factory=dict)

    def at(self, when: float, label: str, action: Callable[[], Awaitable[Any]]) -> Awaitable[None]:
        """Run ``action`` at fake time ``when``; keep its result (or the RoundError it raised) under ``label``."""

        async def scripted() -> None:
            await self.clock.sleep_until(when)
            try:
                self.outcomes[label] = await action()
            except (RoundError, StorageDownError) as error:
                self.outcomes[label] = error

        return scripted()

    def choose(self, when: float, player: Player, position: int, choice: int, label: str = "") -> Awaitable[None]:
        label = label or f"{player.name}@{when}"
        return self.at(when, label, lambda: self.session.submit_choice(player, position, choice))

    def guess(self, when: float, player: Player, text: str, label: str = "") -> Awaitable[None]:
        label = label or f"{player.name}@{when}"
        return self.at(when, label, lambda: self.session.submit_text(player, text))

    async def play(self, *scripts: Awaitable[None]) -> Standings:
        """Start the round, run the scripts alongside it, and return the final standings."""
        self.session.start()
        await asyncio.gather(*scripts)
        return await self.session.wait()


def new_table(
    questions: list[Question],
    *,
    seconds: float = 10,
    pause: float = 3,
    write_seconds: float = 0.0,
    fail_in: str | None = None,
    **settings: Any,
) -> Table:
    clock = FakeClock()
    listener = FakeListener(clock, fail_in=fail_in)
    recorder = FakeRecorder(clock, write_seconds=write_seconds)
    round_settings = RoundSettings(
        question_count=len(questions), seconds_per_question=seconds, pause_between=pause, **settings
    )
    session = RoundSession(
        42, questions, round_settings, listener=listener, recorder=recorder, judge=judge, clock=clock, round_id=7
    )
    return Table(clock, listener, recorder, session)


# --------------------------------------------------------------------------- a whole round


async def test_whole_round_over_every_kind_of_question() -> None:
    table = new_table([multiple_choice(), true_false(), typed(), numeric(), crew_set()])
    s, t = table.session, table
    standings = await table.play(
        # Q0 multiple choice, open 0..10 (the first question never closes early)
        t.choose(1, ANN, 0, 1),
        t.choose(2, BOB, 0, 0),
        t.choose(2.5, BOB, 0, 1),  # changes his mind: timed from 2.5
        t.choose(4, CYD, 0, 2),
        # Q1 true/false, opens 13; closes early at 18 when all three have answered
        t.choose(14, ANN, 1, 1),
        t.choose(15, BOB, 1, 0),
        t.choose(18, CYD, 1, 0),
        # Q2 typed, opens 21; closes early at 26 when Bob gets it right (Cyd is out of attempts)
        t.guess(22, ANN, "Peresild"),
        t.guess(22, BOB, "Yulia"),
        t.guess(23, BOB, "Julia Peresild"),
        t.guess(26, BOB, "Yulia Peresild"),
        t.guess(23, CYD, "Shipenko"),
        t.guess(24, CYD, "Shipenko"),
        t.guess(25, CYD, "Shipenko"),
        t.guess(25.5, CYD, "Shipenko", label="cyd-fourth"),
        t.guess(23.5, ANN, "Peresild", label="ann-again"),
        # Q3 numeric, opens 29 and runs to 39: nobody within tolerance, Ann's 11 and Bob's 13 are closest
        t.guess(30, ANN, "10"),
        t.guess(31, ANN, "eleven"),
        t.guess(32, ANN, "15"),
        t.guess(30.5, BOB, "13 days"),
        t.guess(31, CYD, "9"),
        # Q4 set, opens 42 and runs to 52 (Cyd joined but doesn't answer): best partial credit counts
        t.guess(43, ANN, "Yulia Peresild"),
        t.guess(45, ANN, "Yulia Peresild, Klim Shipenko"),
        t.guess(46, ANN, "Klim Shipenko"),
        t.guess(44, BOB, "Yulia Peresild, Klim Shipenko and Anton Shkaplerov"),
        t.at(53, "after-end", lambda: s.submit_text(ANN, "too late")),
    )

    assert [e for e in table.listener.events if e[0] != "opened"] == [
        ("closed", 0, 10),
        ("closed", 1, 18),
        ("closed", 2, 26),
        ("closed", 3, 39),
        ("closed", 4, 52),
        ("finished", EndReason.FINISHED, 52),
    ]
    assert [o.closes_at for o in table.listener.openings][:2] == [
        dt.datetime(2025, 1, 1, 0, 0, 10, tzinfo=dt.UTC),
        dt.datetime(2025, 1, 1, 0, 0, 23, tzinfo=dt.UTC),
    ]
    q0, q1, q2, q3, q4 = table.listener.results
    assert table.recorder.results == table.listener.results

    def points(result: QuestionResult) -> dict[str, int]:
        return {o.player.name: o.points for o in result.outcomes}

    assert points(q0) == {"Ann": 145, "Bob": 138, "Cyd": 0}  # Bob: 100 + 38 (7.5 s of 10 left)
    assert q0.choice_counts == (0, 2, 1, 0)
    assert q0.first_correct == ANN
    assert not q0.closed_early
    assert q0.message_id == 1000
    assert points(q1) == {"Ann": 0, "Bob": 150, "Cyd": 125}  # Bob: 100 + 40 + 10 streak
    assert q1.closed_early
    assert q1.first_correct == BOB
    assert points(q2) == {"Ann": 145, "Bob": 145, "Cyd": 0}  # Bob: 100 + 25 + 20 streak
    assert q2.first_correct == ANN
    assert q2.outcome_for(BOB.id) is not None
    assert q2.outcome_for(BOB.id).streak == 3  # type: ignore[union-attr]
    assert points(q3) == {"Ann": 50, "Bob": 50, "Cyd": 0}
    assert {o.player.name: (o.closest, o.text, o.elapsed) for o in q3.outcomes} == {
        "Ann": (True, "eleven", 2),
        "Bob": (True, "13 days", 1.5),
        "Cyd": (False, "9", 2),
    }
    assert q3.first_correct is None
    assert points(q4) == {"Ann": 102, "Bob": 140}  # Ann: 67 for 2 of 3 + 35 speed, from her best answer
    assert q4.outcome_for(ANN.id) is not None
    assert q4.outcome_for(ANN.id).text == "Yulia Peresild, Klim Shipenko"  # type: ignore[union-attr]
    assert q4.first_correct == BOB
    assert q4.answered_count == 2

    assert [(p.player.name, p.points, p.correct, p.answered, p.best_streak) for p in standings.scores] == [
        ("Bob", 623, 4, 5, 3),
        ("Ann", 442, 3, 5, 1),
        ("Cyd", 125, 1, 4, 1),
    ]
    assert standings.winner is not None
    assert standings.winner.player == BOB
    assert standings.questions_played == 5
    assert table.recorder.finished == [(standings, EndReason.FINISHED)]
    assert table.listener.finished == [(standings, EndReason.FINISHED)]
    assert len(table.recorder.answers) == 23
    assert table.session.done
    assert table.session.end_reason == EndReason.FINISHED

    assert isinstance(table.outcomes["cyd-fourth"], AttemptsExhausted)
    assert isinstance(table.outcomes["ann-again"], AlreadyAnswered)
    assert isinstance(table.outcomes["after-end"], RoundEnded)
    bob_right = table.outcomes["Bob@26"]
    assert isinstance(bob_right, TextAck)
    assert (bob_right.accepted, bob_right.attempts_used, bob_right.attempts_left, bob_right.finished) == (
        True,
        3,
        0,
        True,
    )
    ann_partial = table.outcomes["Ann@46"]
    assert isinstance(ann_partial, TextAck)
    assert ann_partial.credit == pytest.approx(1 / 3)
    assert ann_partial.best_credit == pytest.approx(2 / 3)
    assert ann_partial.reason == "1 of 3"
    assert table.listener.hints == [
        (21 + 10 / 3, 2, "_ _ _ _ _   _ _ _ _ _ _ _ _ (5, 8 letters)"),
        (29 + 10 / 3, 3, "a 2-digit number (days)"),
        (29 + 20 / 3, 3, "a 2-digit number starting with 1 (days)"),
        (42 + 10 / 3, 4, make_hints(crew_set())[0]),
        (42 + 20 / 3, 4, make_hints(crew_set())[1]),
    ]


@pytest.mark.parametrize(
    ("ann", "bob", "closest"),
    [
        ("20 days", "2 weeks", {"Bob"}),  # 2 weeks is 14 days: 1.5 off, where 20 days is 7.5 off
        ("a fortnight", "9 days", {"Ann"}),
        ("288 hours", "14", {"Ann"}),  # 288 hours is 12 days: 0.5 off, where 14 is 1.5 off
        ("half a month", "10", {"Bob"}),  # about 15.2 days
        ("no idea", "forty", {"Bob"}),
    ],
)
async def test_the_closest_answer_reads_units(ann: str, bob: str, closest: set[str]) -> None:
    """The closest-answer rule reads numbers with their units, as the matcher does (one number reader)."""
    table = new_table([numeric(value=12.5, unit="days")])
    await table.play(table.guess(1, ANN, ann), table.guess(1.5, BOB, bob))
    (result,) = table.listener.results
    assert {o.player.name for o in result.outcomes if o.closest} == closest


async def test_answer_records_are_complete() -> None:
    table = new_table([multiple_choice(), typed()])
    await table.play(table.choose(2, ANN, 0, 3), table.guess(15, ANN, "nobody"))
    first, second = table.recorder.answers
    assert first == AnswerRecord(
        channel_id=42,
        round_id=7,
        position=0,
        question=multiple_choice(),
        player=ANN,
        choice_index=3,
        text=None,
        correct=False,
        credit=0.0,
        reason=None,
        attempt=1,
        elapsed=2,
        answered_at=dt.datetime(2025, 1, 1, 0, 0, 2, tzinfo=dt.UTC),
    )
    assert (second.position, second.text, second.correct, second.reason, second.elapsed) == (
        1,
        "nobody",
        False,
        "Not quite.",
        2,
    )


# --------------------------------------------------------------------------- choices and timing


async def test_last_choice_counts_and_is_timed_from_when_it_was_made() -> None:
    table = new_table([multiple_choice(correct_index=2)])
    await table.play(
        table.choose(1, ANN, 0, 0),
        table.choose(6, ANN, 0, 2),  # right, 4 of 10 seconds left: speed bonus 20
        table.choose(1, BOB, 0, 2),
        table.choose(3, BOB, 0, 1),  # was right, changed to wrong
        table.choose(4, CYD, 0, 2),
        table.choose(5, CYD, 0, 2),  # same option again: nothing changes, still timed from 4
    )
    (result,) = table.listener.results
    summary = {o.player.name: (o.correct, o.choice, o.elapsed, o.points) for o in result.outcomes}
    assert summary == {"Ann": (True, 2, 6, 120), "Bob": (False, 1, 3, 0), "Cyd": (True, 2, 4, 130)}
    assert [o.player.name for o in result.outcomes] == ["Bob", "Cyd", "Ann"]  # by time of the counted answer
    assert result.first_correct == CYD
    assert result.choice_counts == (0, 1, 2, 0)
    assert table.outcomes["Ann@6"] == ChoiceAck(position=0, choice_index=2, previous_choice=0, changed=True)
    assert table.outcomes["Cyd@5"] == ChoiceAck(position=0, choice_index=2, previous_choice=2, changed=False)
    assert [(a.player.name, a.choice_index, a.attempt) for a in table.recorder.answers] == [
        ("Ann", 0, 1),
        ("Bob", 2, 1),
        ("Bob", 1, 2),
        ("Cyd", 2, 1),
        ("Ann", 2, 2),
    ]


@pytest.mark.parametrize(
    ("order", "first"),
    [((ANN, BOB, CYD), ANN), ((CYD, BOB, ANN), CYD), ((BOB, CYD, ANN), BOB)],
)
async def test_exactly_one_first_correct_when_answers_arrive_at_the_same_instant(
    order: tuple[Player, ...], first: Player
) -> None:
    table = new_table([multiple_choice(), typed()])
    await table.play(
        *(table.choose(2, player, 0, 1) for player in order),
        *(table.guess(15, player, "Yulia Peresild") for player in order),
    )
    for result in table.listener.results:
        assert result.first_correct == first
        assert [o.player for o in result.outcomes] == list(order)
        assert {o.points for o in result.outcomes} == {result.outcomes[0].points}  # same instant, same points


async def test_early_close_when_every_joined_player_has_answered() -> None:
    table = new_table([multiple_choice(), multiple_choice("mc2"), typed(), typed("typed2")])
    await table.play(
        table.choose(1, ANN, 0, 1),
        table.choose(2, BOB, 0, 1),
        # Q1 opens at 13: closes the moment the second joined player answers
        table.choose(14, ANN, 1, 0),
        table.choose(16, BOB, 1, 1),
        # Q2 opens at 19: Ann right, Bob wrong three times -> closes at 22
        table.guess(20, ANN, "Peresild"),
        table.guess(20, BOB, "a"),
        table.guess(21, BOB, "b"),
        table.guess(22, BOB, "c"),
        # Q3 opens at 25: Ann is right at 26 but Bob still has attempts left: runs to 35
        table.guess(26, ANN, "Peresild"),
        table.guess(27, BOB, "a"),
    )
    closes = [(e[1], e[2]) for e in table.listener.events if e[0] == "closed"]
    assert closes == [(0, 10), (1, 16), (2, 22), (3, 35)]
    assert [r.closed_early for r in table.listener.results] == [False, True, True, False]


async def test_a_pre_joined_player_closes_even_the_first_question_early() -> None:
    clock = FakeClock()
    listener = FakeListener(clock)
    recorder = FakeRecorder(clock)
    session = RoundSession(
        1,
        [typed()],
        RoundSettings(question_count=1, seconds_per_question=30),
        listener=listener,
        recorder=recorder,
        judge=judge,
        clock=clock,
        players=[ANN],
    )
    table = Table(clock, listener, recorder, session)
    await table.play(table.guess(4, ANN, "Peresild"))
    assert listener.events[-2:] == [("closed", 0, 4), ("finished", EndReason.FINISHED, 4)]


async def test_two_unanswered_questions_end_the_round_as_inactive() -> None:
    table = new_table([multiple_choice(), typed(), true_false(), typed("typed2")])
    standings = await table.play(table.choose(1, ANN, 0, 1))  # only the first question gets an answer
    assert [e for e in table.listener.events if e[0] != "opened"] == [
        ("closed", 0, 10),
        ("closed", 1, 23),
        ("closed", 2, 36),
        ("finished", EndReason.INACTIVE, 36),
    ]
    assert standings.questions_played == 3
    assert table.session.end_reason == EndReason.INACTIVE
    assert table.recorder.finished[0][1] == EndReason.INACTIVE


async def test_nobody_answering_at_all_means_no_winner() -> None:
    table = new_table([multiple_choice(), typed(), true_false()], max_idle_questions=2)
    standings = await table.play()
    assert standings.scores == ()
    assert standings.winner is None
    assert table.listener.finished == [(standings, EndReason.INACTIVE)]


async def test_stop_mid_question_drops_the_open_question_and_reports_stopped() -> None:
    table = new_table([multiple_choice(), multiple_choice("mc2")])
    standings = await table.play(
        table.choose(1, ANN, 0, 1),
        table.choose(14, BOB, 1, 1),
        table.at(15, "stop", lambda: table.session.stop()),
        table.at(16, "late", lambda: table.session.submit_choice(ANN, 1, 1)),
    )
    assert [e for e in table.listener.events if e[0] != "opened"] == [
        ("closed", 0, 10),
        ("finished", EndReason.STOPPED, 15),
    ]
    assert len(table.recorder.results) == 1  # the interrupted question is not scored
    assert table.recorder.finished == [(standings, EndReason.STOPPED)]
    assert standings.questions_played == 1
    assert [(p.player, p.points) for p in standings.scores] == [(ANN, 145), (BOB, 0)]
    assert isinstance(table.outcomes["late"], RoundEnded)
    assert table.session.end_reason == EndReason.STOPPED


async def test_stop_from_inside_a_listener_call_does_not_deadlock() -> None:
    table = new_table([multiple_choice(), multiple_choice("mc2")])

    async def quit_on_second_question(opening: QuestionOpening) -> None:
        if opening.position == 1:
            await table.session.stop()

    table.listener.on_open = quit_on_second_question
    await table.play(table.choose(1, ANN, 0, 1))
    assert table.listener.events[-1] == ("finished", EndReason.STOPPED, 13)


@pytest.mark.parametrize("failing_method", ["question_opened", "hint", "question_closed"])
async def test_a_listener_exception_ends_the_round_with_reason_error(failing_method: str) -> None:
    table = new_table([typed(), typed("typed2")], fail_in=failing_method)
    standings = await table.play()
    assert table.listener.finished == [(standings, EndReason.ERROR)]
    assert table.recorder.finished == [(standings, EndReason.ERROR)]
    assert table.session.done
    assert table.session.end_reason == EndReason.ERROR
    assert len(table.listener.results) <= 1


async def test_a_recorder_exception_while_scoring_ends_the_round_with_reason_error() -> None:
    table = new_table([multiple_choice(), multiple_choice("mc2")])
    table.recorder.fail_score_question = True
    await table.play(table.choose(1, ANN, 0, 1))
    assert table.listener.events[-1] == ("finished", EndReason.ERROR, 10)
    assert table.listener.results == []  # nothing revealed that wasn't stored


# --------------------------------------------------------------------------- answers: storage and refusals


async def test_an_answer_the_recorder_fails_to_store_is_not_counted() -> None:
    table = new_table([multiple_choice(), typed()])
    table.recorder.fail_next_write_of = {ANN.id}
    await table.play(
        table.choose(1, ANN, 0, 1),  # fails: not counted
        table.guess(14, BOB, "nobody"),
        table.at(13.5, "arm", lambda: _arm_failure(table.recorder, ANN)),
        table.guess(14, ANN, "Shipenko", label="failed-typed"),
        table.guess(15, ANN, "one"),
        table.guess(16, ANN, "two"),
        table.guess(17, ANN, "Peresild", label="third-attempt"),
    )
    assert isinstance(table.outcomes["Ann@1"], StorageDownError)
    assert isinstance(table.outcomes["failed-typed"], StorageDownError)
    q0, q1 = table.listener.results
    assert q0.outcomes == ()
    assert q0.answered_count == 0
    third = table.outcomes["third-attempt"]
    assert isinstance(third, TextAck)
    assert (third.accepted, third.attempts_used) == (True, 3)  # the failed write cost no attempt
    assert q1.outcome_for(ANN.id) is not None
    assert q1.outcome_for(ANN.id).attempts == 3  # type: ignore[union-attr]
    assert [a.text for a in table.recorder.answers if a.player == ANN] == ["one", "two", "Peresild"]


async def _arm_failure(recorder: FakeRecorder, player: Player) -> None:
    recorder.fail_next_write_of.add(player.id)


async def test_attempts_limit_and_already_answered() -> None:
    table = new_table([typed(), crew_set()], typed_attempts=2)
    await table.play(
        table.guess(1, ANN, "x"),
        table.guess(2, ANN, "y", label="ann-last"),
        table.guess(3, ANN, "Peresild", label="ann-over"),
        table.guess(1, BOB, "Peresild"),
        table.guess(2, BOB, "Yulia Peresild", label="bob-again"),
        # set question opens at 13: partial credit may be improved until full or out of attempts
        table.guess(14, ANN, "Klim Shipenko"),
        table.guess(15, ANN, "Klim Shipenko, Yulia Peresild, Anton Shkaplerov", label="ann-full"),
        table.guess(16, ANN, "again", label="ann-after-full"),
    )
    last = table.outcomes["ann-last"]
    assert isinstance(last, TextAck)
    assert (last.accepted, last.attempts_left, last.finished) == (False, 0, True)
    assert isinstance(table.outcomes["ann-over"], AttemptsExhausted)
    assert table.outcomes["ann-over"].message == "You've used all 2 attempts for this question: wait for the next one."
    assert isinstance(table.outcomes["bob-again"], AlreadyAnswered)
    full = table.outcomes["ann-full"]
    assert isinstance(full, TextAck)
    assert (full.credit, full.best_credit, full.finished) == (1.0, 1.0, True)
    assert isinstance(table.outcomes["ann-after-full"], AlreadyAnswered)


async def test_refusals_say_what_to_do_instead() -> None:
    table = new_table([multiple_choice(), typed()])
    s = table.session
    before_start = None
    try:
        await s.submit_text(ANN, "early")
    except RoundError as error:
        before_start = error
    assert isinstance(before_start, NoOpenQuestion)
    await table.play(
        table.at(1, "typed-to-mc", lambda: s.submit_text(ANN, "Soyuz")),
        table.at(1, "bad-option", lambda: s.submit_choice(ANN, 0, 4)),
        table.at(1, "negative-option", lambda: s.submit_choice(ANN, 0, -1)),
        table.at(1, "future-position", lambda: s.submit_choice(ANN, 1, 0)),
        table.at(11, "pause-click", lambda: s.submit_choice(ANN, 0, 1)),
        table.at(11, "pause-text", lambda: s.submit_text(ANN, "Peresild")),
        table.at(14, "stale-click", lambda: s.submit_choice(ANN, 0, 1)),
        table.at(14, "button-on-typed", lambda: s.submit_choice(ANN, 1, 0)),
    )
    expected: dict[str, tuple[type[RoundError], str]] = {
        "typed-to-mc": (WrongQuestionKind, "pick one of them instead of typing an answer"),
        "bad-option": (InvalidChoice, "pick one of the 4 options shown"),
        "negative-option": (InvalidChoice, "pick one of the 4 options shown"),
        "future-position": (QuestionClosed, "answer the current question instead"),
        "pause-click": (QuestionClosed, "Question 1 is closed"),
        "pause-text": (NoOpenQuestion, "wait for the next one"),
        "stale-click": (QuestionClosed, "Question 1 is closed"),
        "button-on-typed": (WrongQuestionKind, "type it instead of picking an option"),
    }
    for label, (error_type, words) in expected.items():
        outcome = table.outcomes[label]
        assert isinstance(outcome, error_type), label
        assert words in outcome.message, label
    assert table.recorder.answers == []


async def test_answers_in_flight_at_the_deadline_count_and_later_ones_are_refused() -> None:
    table = new_table([multiple_choice(correct_index=1)], write_seconds=0.5)
    await table.play(
        table.choose(9.8, ANN, 0, 1),  # stored at 10.3: the close waits for it
        table.choose(9.9, ANN, 0, 2, label="queued"),  # waits behind Ann's first write, which outlives the deadline
        table.choose(10, BOB, 0, 1, label="at-deadline"),
    )
    (result,) = table.listener.results
    assert table.listener.events[-2] == ("closed", 0, pytest.approx(10.3))
    assert [(o.player, o.choice, o.correct) for o in result.outcomes] == [(ANN, 1, True)]
    assert isinstance(table.outcomes["queued"], QuestionClosed)
    assert isinstance(table.outcomes["at-deadline"], QuestionClosed)


async def test_a_player_forgotten_while_their_answer_is_stored_is_not_counted_for_it() -> None:
    """They deleted their data while their click was being written: the deletion waits for the write (so that it
    deletes the row too), and the click joins neither question nor round; they are told it does not count."""
    table = new_table([multiple_choice(correct_index=1)], write_seconds=0.5)
    settled_at: list[float] = []

    async def forget() -> None:
        table.session.forget_player(ANN.id)
        await table.session.player_settled(ANN.id)
        settled_at.append(table.clock.now())
        assert [a.player for a in table.recorder.answers] == [ANN]  # stored before the deletion would run

    standings = await table.play(
        table.choose(1, ANN, 0, 1, label="ann"),  # stored at 1.5
        table.at(1.2, "forget", forget),
        table.choose(2, BOB, 0, 1),
    )
    assert settled_at == [pytest.approx(1.5)]
    assert isinstance(table.outcomes["ann"], PlayerForgotten)
    (result,) = table.listener.results
    assert [o.player for o in result.outcomes] == [BOB]
    assert [score.player for score in standings.scores] == [BOB]


async def test_a_player_with_nothing_on_its_way_is_settled_at_once() -> None:
    table = new_table([multiple_choice(correct_index=1)])
    await table.session.player_settled(ANN.id)  # never answered: no lock, nothing to wait for


async def test_players_are_stored_concurrently_but_each_players_answers_in_order() -> None:
    table = new_table([multiple_choice(correct_index=2)], write_seconds=0.5)
    acked_at: dict[str, float] = {}

    async def choose(label: str, player: Player, choice: int) -> ChoiceAck:
        ack = await table.session.submit_choice(player, 0, choice)
        acked_at[label] = table.clock.now()
        return ack

    await table.play(
        table.at(1, "ann-0", lambda: choose("ann-0", ANN, 0)),
        table.at(1, "ann-2", lambda: choose("ann-2", ANN, 2)),
        table.at(1, "bob-2", lambda: choose("bob-2", BOB, 2)),
    )
    assert acked_at == {"ann-0": 1.5, "bob-2": 1.5, "ann-2": 2.0}
    assert table.outcomes["ann-2"] == ChoiceAck(position=0, choice_index=2, previous_choice=0, changed=True)
    assert [(a.player, a.choice_index) for a in table.recorder.answers] == [(ANN, 0), (BOB, 2), (ANN, 2)]
    (result,) = table.listener.results
    assert result.choice_counts == (0, 0, 2, 0)


# --------------------------------------------------------------------------- progress and hints


async def test_progress_is_throttled_and_delivers_the_latest_count() -> None:
    table = new_table([multiple_choice()], seconds=10)
    crowd = [Player(100 + i, f"p{i}") for i in range(60)]
    await table.play(
        # a burst of 50 clicks within half a second, then 10 more around t=4
        *(table.choose(1 + i * 0.01, player, 0, i % 4) for i, player in enumerate(crowd[:50])),
        *(table.choose(4 + i * 0.01, player, 0, i % 4) for i, player in enumerate(crowd[50:])),
    )
    assert table.listener.results[0].answered_count == 60
    assert table.listener.progress_calls == [(1.0, 0, 1), (3.5, 0, 50), (6.0, 0, 60)]


async def test_progress_throttle_spans_questions_but_stale_counts_are_dropped() -> None:
    table = new_table([multiple_choice(), multiple_choice("mc2")], progress_interval=5)
    await table.play(
        table.choose(1, ANN, 0, 1),
        table.choose(2, BOB, 0, 1),
        table.choose(9, CYD, 0, 1),  # its update would be due at 11, after the close: dropped
        table.choose(14, ANN, 1, 1),
    )
    assert table.listener.progress_calls == [(1, 0, 1), (6, 0, 2), (14, 1, 1)]


async def test_hints_come_at_a_third_and_two_thirds_of_the_time() -> None:
    table = new_table([typed(), multiple_choice()], seconds=30, max_idle_questions=5)
    await table.play()
    assert table.listener.hints == [
        (10, 0, "_ _ _ _ _   _ _ _ _ _ _ _ _ (5, 8 letters)"),
        (20, 0, "Y _ _ _ _   P _ _ _ _ _ _ _"),
    ]


@pytest.mark.parametrize(
    ("question", "hints"),
    [
        (typed(), ["_ _ _ _ _   _ _ _ _ _ _ _ _ (5, 8 letters)", "Y _ _ _ _   P _ _ _ _ _ _ _"]),
        (
            make_question("craft", QuestionKind.TYPED, ExpectedAnswer(type=AnswerType.ENTITY, display="Soyuz MS-19")),
            ["_ _ _ _ _   _ _ - _ _ (5, 4 characters)", "S _ _ _ _   M _ - _ _"],
        ),
        (
            make_question("letter", QuestionKind.TYPED, ExpectedAnswer(type=AnswerType.TEXT, display="X")),
            ["_ (1 letter)"],
        ),
        (numeric(value=12), ["a 2-digit number (days)", "a 2-digit number starting with 1 (days)"]),
        (numeric(value=7, unit=""), ["a 1-digit number", "an odd number"]),
        (numeric(value=8, unit="hours"), ["a 1-digit number (hours)", "an even number (hours)"]),
        (numeric(value=18_000_000_000, unit=""), ["an 11-digit number", "an 11-digit number starting with 1"]),
        (
            numeric(value=-40, unit="°C"),
            ["a negative 2-digit number (°C)", "a negative 2-digit number starting with 4 (°C)"],
        ),
        (numeric(value=3.5, unit="hours"), ["a decimal number (hours)", "between 3 and 4 (hours)"]),
        (
            make_question(
                "date",
                QuestionKind.TYPED,
                ExpectedAnswer(type=AnswerType.DATE, display="5 October 2021", date=dt.date(2021, 10, 5)),
            ),
            ["in October", "in October 2021"],
        ),
        (
            make_question(
                "time",
                QuestionKind.TYPED,
                ExpectedAnswer(type=AnswerType.TIME, display="08:55 GMT", time=dt.time(8, 55), zone="GMT"),
            ),
            ["in the morning (GMT)", "between 08:00 and 09:00 GMT"],
        ),
        (
            crew_set(),
            [
                "3 answers: _ _ _ _ _   _ _ _ _ _ _ _ _ (5, 8 letters) / _ _ _ _   _ _ _ _ _ _ _ _ (4, 8 letters)"
                " / _ _ _ _ _   _ _ _ _ _ _ _ _ _ _ (5, 10 letters)",
                "Y _ _ _ _   P _ _ _ _ _ _ _ / K _ _ _   S _ _ _ _ _ _ _ / A _ _ _ _   S _ _ _ _ _ _ _ _ _",
            ],
        ),
        (multiple_choice(), []),
        (true_false(), []),
    ],
    ids=lambda value: value.id if isinstance(value, Question) else None,
)
def test_make_hints(question: Question, hints: list[str]) -> None:
    assert make_hints(question) == hints


@given(st.lists(st.text(alphabet="abcdefghijklmnopqrstuvwxyzé'-", min_size=2, max_size=12), min_size=1, max_size=4))
def test_word_hints_never_give_the_answer_away(words: list[str]) -> None:
    answer = " ".join(words)
    question = make_question("p", QuestionKind.TYPED, ExpectedAnswer(type=AnswerType.TEXT, display=answer))
    hints = make_hints(question)
    letters = [c for c in answer if c.isalnum()]
    revealed = [sum(c.isalnum() for c in hint.rsplit(" (", 1)[0]) for hint in hints]
    if letters:
        assert revealed[0] == 0  # the pattern shows no letter at all
    for hint in hints[1:]:
        assert sum(c.isalnum() for c in hint) < len(letters)
    for hint in hints:
        shown = hint.rsplit(" (", 1)[0]  # the "(3, 3 letters)" count is no part of the answer
        assert answer not in shown


# --------------------------------------------------------------------------- registry, settings, clocks


async def test_registry_allows_one_round_per_channel_and_cancels_them_all() -> None:
    clock = FakeClock()
    registry = RoundRegistry(clock)
    listeners = {channel: FakeListener(clock) for channel in (1, 2)}
    settings = RoundSettings(question_count=2, seconds_per_question=10)

    def create(channel: int) -> RoundSession:
        return registry.create(
            channel,
            [multiple_choice(), typed()],
            settings,
            listener=listeners[channel],
            recorder=FakeRecorder(clock),
            judge=judge,
        )

    first = create(1)
    with pytest.raises(RoundAlreadyRunning) as refused:
        create(1)
    assert "already running in this channel" in refused.value.message
    second = create(2)
    assert registry.get(1) is first
    assert registry.get(2) is second
    assert len(registry) == 2

    await clock.sleep_until(5)
    await registry.cancel_all()
    assert len(registry) == 0
    assert registry.get(1) is None
    for session in (first, second):
        assert session.done
        assert session.end_reason == EndReason.STOPPED
    assert [listener.finished[0][1] for listener in listeners.values()] == [EndReason.STOPPED] * 2


async def test_a_finished_round_leaves_the_registry_so_the_channel_can_play_again() -> None:
    clock = FakeClock()
    registry = RoundRegistry(clock)
    settings = RoundSettings(question_count=1, seconds_per_question=10)
    recorder = FakeRecorder(clock)
    session = registry.create(
        9, [multiple_choice()], settings, listener=FakeListener(clock), recorder=recorder, judge=judge
    )
    await session.wait()
    assert registry.get(9) is None
    again = registry.create(
        9, [multiple_choice()], settings, listener=FakeListener(clock), recorder=recorder, judge=judge
    )
    await again.stop()
    assert again.end_reason == EndReason.STOPPED


@pytest.mark.parametrize(
    ("settings", "problem"),
    [
        ({"question_count": 0}, "question_count must be at least 1"),
        ({"seconds_per_question": 0}, "seconds_per_question must be positive"),
        ({"typed_attempts": 0}, "typed_attempts must be at least 1"),
        ({"pause_between": -1}, "pause_between must be zero or more"),
        ({"max_idle_questions": 0}, "max_idle_questions must be at least 1"),
    ],
)
def test_round_settings_are_validated(settings: dict[str, Any], problem: str) -> None:
    arguments: dict[str, Any] = {"question_count": 5, "seconds_per_question": 20, **settings}
    with pytest.raises(ValueError, match=problem):
        RoundSettings(**arguments)


def test_a_session_refuses_unplayable_questions() -> None:
    clock = FakeClock()
    kwargs: dict[str, Any] = {
        "listener": FakeListener(clock),
        "recorder": FakeRecorder(clock),
        "judge": judge,
        "clock": clock,
    }
    settings = RoundSettings(question_count=1, seconds_per_question=10)
    with pytest.raises(ValueError, match="at least one question"):
        RoundSession(1, [], settings, **kwargs)
    broken = multiple_choice().model_copy(update={"correct_index": 9})
    with pytest.raises(ValueError, match="no valid correct_index"):
        RoundSession(1, [broken], settings, **kwargs)


async def test_fake_clock_jumps_to_each_deadline_in_order() -> None:
    clock = FakeClock(start=100)
    woke: list[tuple[str, float]] = []

    async def sleeper(name: str, deadline: float) -> None:
        await clock.sleep_until(deadline)
        woke.append((name, clock.now()))

    waiter = asyncio.create_task(sleeper("cancelled", 103))
    await asyncio.gather(sleeper("late", 130), sleeper("early", 105), sleeper("past", 50), _cancel_soon(waiter))
    assert woke == [("past", 100), ("early", 105), ("late", 130)]
    assert clock.wall() == dt.datetime(2025, 1, 1, 0, 0, 30, tzinfo=dt.UTC)


async def _cancel_soon(task: asyncio.Task[None]) -> None:
    await asyncio.sleep(0)
    task.cancel()


async def test_loop_clock_reads_the_loop_and_utc() -> None:
    clock = LoopClock()
    assert clock.now() == pytest.approx(asyncio.get_running_loop().time(), abs=1.0)
    await clock.sleep_until(clock.now() - 1)  # a past deadline returns at once
    assert clock.wall().tzinfo is dt.UTC


# --------------------------------------------------------------------------- the scaled clock of end-to-end tests


async def test_scaled_clock_runs_faster_stays_continuous_and_wakes_sleepers_on_a_speed_change() -> None:
    loop = asyncio.get_running_loop()
    clock = ScaledClock(10.0)
    outer_start = loop.time()
    start = clock.now()
    inner_start = loop.time()
    await clock.sleep_until(start + 0.5)
    inner_end = loop.time()
    end = clock.now()
    outer_end = loop.time()
    assert end >= start + 0.5
    # Ten clock seconds per real second, read between the real readings around it.
    assert (inner_end - inner_start) * 10.0 <= end - start <= (outer_end - outer_start) * 10.0

    # A sleeper started fast keeps sleeping to its deadline when the clock slows down, and time never jumps.
    deadline = clock.now() + 0.3
    sleeper = asyncio.create_task(clock.sleep_until(deadline))
    await asyncio.sleep(0)
    before = clock.now()
    clock.set_speed(2.0)
    assert clock.now() >= before and clock.speed == 2.0
    await sleeper
    assert clock.now() >= deadline - 1e-9
    clock.set_speed(50.0)
    await clock.sleep_until(clock.now() + 1.0)
    with pytest.raises(ValueError, match="positive"):
        clock.set_speed(0)
    with pytest.raises(ValueError, match="positive"):
        ScaledClock(-1)
    assert clock.wall().tzinfo is dt.UTC
