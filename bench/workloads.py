"""What the players do: real rounds with realistic timing, the same trace replayed, and clicks at a fixed rate."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import random
import statistics
import time
from collections.abc import Callable, Coroutine, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from bench.figures import DEADLINE, KindFigures, Sent, summarise
from bench.processes import ChildProcess, LoadMeter
from bench.systems import Channel, Json, QuestionSeen, System
from fake_discord import CallbackRejectedError
from questions.models import Question

log = logging.getLogger(__name__)

CHANGE_CHOICE = 0.25
"""Share of clickers who change their choice once."""
RIGHT_CHOICE = 0.6
RIGHT_TEXT = 0.5
RETRY_TEXT = 0.5
WRONG_GUESSES = ("no idea", "NASA", "1969", "the moon", "Gagarin", "42", "Soyuz", "last year")
LONG_QUESTION_SECONDS = 120
STRAIN_P99 = 0.25
STRAIN_CPU_PERCENT = 95.0
FINE_FACTOR = 1.15
ROUND_PHASE_SPREAD = 2.5
"""Seconds over which the fixed-rate workload starts its rounds (the engine's progress interval)."""


@dataclass
class Profile:
    """How much load to offer; see ``python -m bench --help``."""

    channels: int = 100
    players: int = 8
    questions: int = 10
    seconds: int = 5
    rounds: int = 1
    lookups_per_second: float = 5.0
    seed: int = 1
    pause: float = 1.0
    stagger: float | None = None
    """Seconds over which the first rounds start (default: one question's time)."""
    skip: float = 0.08
    """Share of players who let a question pass without answering."""
    settle: float = 1.0
    """Seconds of idle before the rounds, to measure the idle RSS."""
    step_seconds: float = 5.0
    start_rate: float = 25.0
    rate_factor: float = 1.5
    max_rate: float = 3000.0
    max_steps: int = 24
    bisections: int = 2
    half_seconds: float = 6.0
    half_repeats: int = 3
    saturation: bool = True


@dataclass
class TraceEvent:
    """One interaction of the rounds workload, for replaying against the baseline at the same moment."""

    at: float
    kind: str
    channel: int
    user: int
    options: Json


@dataclass
class RoundsResult:
    """What the rounds workload did and when."""

    sent: list[Sent]
    trace: list[TraceEvent]
    start: float
    end: float
    active_from: float | None
    active_to: float | None
    idle_rss: int
    active_rss: int
    active_rounds: int
    rounds_finished: int
    skipped_clicks: int
    cpu: dict[str, float]
    failures: list[str] = field(default_factory=list)

    @property
    def seconds(self) -> float:
        """Return the workload's duration."""
        return self.end - self.start


class _Tasks:
    """Fire-and-forget tasks that are still awaited (and cancelled on failure) at the end."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[None]] = set()
        self.errors: list[str] = []

    def spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and (error := task.exception()) is not None:
            log.error("a player's action failed", exc_info=error)
            self.errors.append(f"a player's action failed: {error!r}")

    def at(self, moment: float, make: Callable[[], Coroutine[Any, Any, None]]) -> None:
        """Run ``make()`` at a monotonic time (the event loop's clock is ``time.monotonic``)."""

        async def later() -> None:
            await asyncio.sleep(max(0.0, moment - time.monotonic()))
            await make()

        self.spawn(later())

    async def drain(self, within: float) -> None:
        if self._tasks:
            _, pending = await asyncio.wait(set(self._tasks), timeout=within)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)

    def cancel(self) -> None:
        for task in self._tasks:
            task.cancel()


def _choice_of(custom_id: str) -> int:
    return int(custom_id.rsplit(":", 1)[1])


class RoundsWorkload:
    """Every channel plays real rounds: a starter, players who click or type at human delays, and look-ups."""

    def __init__(self, system: System, profile: Profile, questions: dict[str, Question]) -> None:
        self.system = system
        self.profile = profile
        self.questions = questions
        self.rng = random.Random(profile.seed)
        self.sent: list[Sent] = []
        self.trace: list[TraceEvent] = []
        self.tasks = _Tasks()
        self.start = 0.0
        self.skipped_clicks = 0
        self.failures: list[str] = []
        self.first_question: dict[int, float] = {}
        self.first_end: dict[int, float] = {}
        self.rounds_finished = 0

    async def _send(self, channel: Channel, kind: str, name: str, options: Json, user: int) -> None:
        payload = self.system.slash(channel, name, options, user)
        self.trace.append(TraceEvent(time.monotonic() - self.start, kind, channel.index, user, dict(options)))
        await self.system.send(kind, payload, self.sent)

    async def _answer(self, channel: Channel, text: str, user: int) -> None:
        await self._send(channel, "answer", "answer", {"text": text}, user)

    async def _click(self, channel: Channel, question: QuestionSeen, custom_id: str, user: int) -> None:
        try:
            payload = self.system.fake.click(question.message_id, custom_id, user=user)
        except ValueError:  # the question closed early and its buttons are gone
            self.skipped_clicks += 1
            return
        choice = {"choice": _choice_of(custom_id)}
        self.trace.append(TraceEvent(time.monotonic() - self.start, "click", channel.index, user, choice))
        await self.system.send("click", payload, self.sent)

    def _plan_question(self, channel: Channel, seen: QuestionSeen) -> None:
        """Schedule every player's answer to a question that has just appeared."""
        rng, seconds = self.rng, self.profile.seconds
        question = self.questions.get(seen.prompt)
        options = [cid for cid in seen.custom_ids if cid.startswith("ot:c:")]
        typed = any(cid.startswith("ot:t:") for cid in seen.custom_ids)
        latest = max(0.6, min(4.0, seconds - 0.5))
        for user in channel.players:
            if rng.random() < self.profile.skip:
                continue
            first = seen.opened_at + rng.uniform(0.5, latest)
            if options:
                right = None if question is None else question.correct_index
                if right is not None and right < len(options) and rng.random() < RIGHT_CHOICE:
                    pick = options[right]
                else:
                    pick = rng.choice(options)
                self.tasks.at(first, partial(self._click, channel, seen, pick, user))
                if rng.random() < CHANGE_CHOICE and len(options) > 1:
                    other = rng.choice([cid for cid in options if cid != pick])
                    again = first + rng.uniform(0.3, 1.5)
                    if again < seen.opened_at + seconds - 0.2:
                        self.tasks.at(again, partial(self._click, channel, seen, other, user))
            elif typed:
                answer = question.answer if question is not None else "no idea"
                text = answer if rng.random() < RIGHT_TEXT else rng.choice(WRONG_GUESSES)
                self.tasks.at(first, partial(self._answer, channel, text, user))
                if text != answer and rng.random() < RETRY_TEXT:
                    again = first + rng.uniform(0.5, 1.5)
                    retry = answer if rng.random() < RIGHT_TEXT else rng.choice(WRONG_GUESSES)
                    if again < seen.opened_at + seconds - 0.2:
                        self.tasks.at(again, partial(self._answer, channel, retry, user))

    async def _play_channel(self, channel: Channel) -> None:
        profile, rng = self.profile, self.rng
        state = self.system.states[channel.channel_id]
        wait_limit = profile.seconds + profile.pause + 20.0
        for round_number in range(profile.rounds):
            stagger = profile.seconds if profile.stagger is None else profile.stagger
            await asyncio.sleep(rng.uniform(0, stagger) if round_number == 0 else rng.uniform(1.0, 3.0))
            # The first channel asks typed questions only and the second multiple choice, so every run exercises
            # /answer and the buttons whatever the draw (a small profile's mixed rounds may draw neither).
            kind = {0: "typed", 1: "multiple_choice"}.get(channel.index, "mixed")
            options = {"questions": profile.questions, "seconds": profile.seconds, "kind": kind}
            await self._send(channel, "start", "trivia start", options, channel.starter)
            while True:
                try:
                    event, seen, moment = await asyncio.wait_for(state.events.get(), wait_limit)
                except TimeoutError:
                    self.failures.append(f"channel {channel.index}: nothing happened for {wait_limit:.0f} s")
                    return
                if event == "question" and seen is not None:
                    self.first_question.setdefault(channel.index, moment)
                    self._plan_question(channel, seen)
                elif event == "end":
                    self.first_end.setdefault(channel.index, moment)
                    self.rounds_finished += 1
                    break

    async def _look_up(self, stop: asyncio.Event) -> None:
        """Send /leaderboard and /stats at random moments (a Poisson process) until told to stop."""
        rate, rng = self.profile.lookups_per_second, self.rng
        if rate <= 0:
            return
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), rng.expovariate(rate))
                return
            channel = rng.choice(self.system.channels)
            user = rng.choice(channel.players)
            if rng.random() < 0.5:
                options: Json = {"scope": rng.choice(["server", "global"]), "period": rng.choice(["all", "week"])}
                self.tasks.spawn(self._send(channel, "leaderboard", "leaderboard", options, user))
            else:
                options = {} if rng.random() < 0.5 else {"member": rng.choice(channel.players)}
                self.tasks.spawn(self._send(channel, "stats", "stats", options, user))

    async def run(self) -> RoundsResult:
        """Play every channel's rounds to the end; return what was sent and when."""
        child = self.system.child
        assert child is not None
        settle_from = time.monotonic()
        await asyncio.sleep(self.profile.settle)
        idle_rss = int(statistics.median(child.rss_between(settle_from, time.monotonic()) or [child.rss()]))
        meter = LoadMeter(child)
        stop_lookups = asyncio.Event()
        with quiet_driver():
            meter.start()
            self.start = time.monotonic()
            lookups = asyncio.create_task(self._look_up(stop_lookups))
            try:
                await asyncio.gather(*(self._play_channel(channel) for channel in self.system.channels))
                stop_lookups.set()
                await lookups
                await self.tasks.drain(within=DEADLINE + 2)
                await _wait_answered(self.system, self.sent)
            finally:
                stop_lookups.set()
                lookups.cancel()
                self.tasks.cancel()
        end = time.monotonic()
        cpu = meter.stop()
        everyone = len(self.first_question) == len(self.system.channels)
        active_from = max(self.first_question.values()) if everyone else None
        active_to = min(self.first_end.values()) if self.first_end else None
        window = [] if active_from is None or active_to is None else child.rss_between(active_from, active_to)
        active_rss = int(statistics.median(window)) if window else 0
        return RoundsResult(
            sent=self.sent,
            trace=self.trace,
            start=self.start,
            end=end,
            active_from=active_from,
            active_to=active_to,
            idle_rss=idle_rss,
            active_rss=active_rss,
            active_rounds=len(self.system.channels) if window else 0,
            rounds_finished=self.rounds_finished,
            skipped_clicks=self.skipped_clicks,
            cpu=cpu,
            failures=self.failures + self.tasks.errors[:10],
        )


@dataclass
class ReplayResult:
    """What the replay sent and when."""

    sent: list[Sent]
    start: float
    last_sent: float
    end: float
    cpu: dict[str, float]
    problems: list[str]


async def replay(system: System, trace: list[TraceEvent]) -> ReplayResult:
    """Send the baseline the same interactions at the same moments; clicks go to its start reply's buttons."""
    assert system.child is not None
    sent: list[Sent] = []
    problems: list[str] = []
    start_tokens: dict[int, str] = {}
    meter = LoadMeter(system.child)
    with quiet_driver():
        meter.start()
        start = time.monotonic()
        for event in trace:
            await asyncio.sleep(max(0.0, start + event.at - time.monotonic()))
            channel = system.channels[event.channel]
            if event.kind == "click":
                token = start_tokens.get(event.channel)
                message = None if token is None else system.fake.original_message(token)
                if message is None:
                    problems.append(f"channel {event.channel}: no start reply to click on yet")
                    continue
                custom_id = f"ot:c:0:0:{event.options['choice'] % 4}"
                payload = system.fake.click(int(message["id"]), custom_id, user=event.user)
            else:
                name = {"start": "trivia start", "stop": "trivia stop"}.get(event.kind, event.kind)
                payload = system.slash(channel, name, event.options, event.user)
            item = await system.send(event.kind, payload, sent)
            if event.kind == "start":
                start_tokens[event.channel] = item.token
        last_sent = time.monotonic()
        await _wait_answered(system, sent)
        await asyncio.sleep(0.2)
    return ReplayResult(sent, start, last_sent, time.monotonic(), meter.stop(), problems)


async def _wait_answered(system: System, sent: list[Sent]) -> None:
    """Wait until every interaction was answered, or its deadline has passed."""
    deadline = time.monotonic() + DEADLINE + 0.5
    interactions = system.fake.interactions
    while time.monotonic() < deadline:
        if all((r := interactions.get(s.token)) is not None and r.callback_type is not None for s in sent):
            return
        await asyncio.sleep(0.05)


@dataclass
class StepResult:
    """One fixed-rate step of clicks."""

    offered_rate: float
    achieved_rate: float
    seconds: float
    clicks: KindFigures
    bot_cpu_percent: float
    driver_cpu_percent: float
    other_cpu_percent: float = 0.0
    steal_percent: float = 0.0
    bot_cpu_seconds: float = 0.0
    """The bot's CPU from the first interaction until every one was answered (the drain included)."""
    neighbour_cpu_percent: float = 0.0
    """The CPU of the bot processes taking a step at the same time (side by side), in percent of one core."""
    began: float = 0.0
    """When the first interaction was sent (the driver's monotonic clock): shows which steps overlapped."""

    @property
    def driver_limited(self) -> bool:
        """Return whether the driver could not offer the rate it aimed at."""
        return self.achieved_rate < 0.9 * self.offered_rate

    @property
    def sustained(self) -> bool:
        """Return whether the bot kept up: no missed deadline and p99 within 1 s."""
        return self.clicks.missed == 0 and self.clicks.p99 <= 1.0 and not self.driver_limited

    def as_dict(self) -> dict[str, Any]:
        """Return the step as plain data."""
        return {
            "offered_rate": self.offered_rate,
            "achieved_rate": self.achieved_rate,
            "seconds": self.seconds,
            "bot_cpu_percent": self.bot_cpu_percent,
            "driver_cpu_percent": self.driver_cpu_percent,
            "other_cpu_percent": self.other_cpu_percent,
            "steal_percent": self.steal_percent,
            "bot_cpu_seconds": self.bot_cpu_seconds,
            "neighbour_cpu_percent": self.neighbour_cpu_percent,
            "began": self.began,
            "driver_limited": self.driver_limited,
            "sustained": self.sustained,
            "clicks": self.clicks.as_dict(),
        }


@dataclass
class ClickTarget:
    """An open question's message in one channel and its option buttons."""

    channel: Channel
    message_id: int
    options: list[str]
    open_until: float


class ClickLoad:
    """Clicks at a fixed rate on open questions, round-robin over every channel's players, always changing choice."""

    kind = "click"
    question_kind = "multiple_choice"

    def __init__(self, system: System, trivia: bool) -> None:
        self.system = system
        self.trivia = trivia
        self.targets: dict[int, ClickTarget] = {}
        self.choice_counter: dict[int, int] = {}
        self.setup: list[Sent] = []

    @property
    def name(self) -> str:
        """Return the name of the system under load."""
        return self.system.name

    async def ensure_targets(self, needed_seconds: float) -> None:
        """Make sure every channel has a question open for at least ``needed_seconds`` more."""
        now = time.monotonic()
        stale = [
            c
            for c in self.system.channels
            if (t := self.targets.get(c.index)) is None or t.open_until < now + needed_seconds
        ]
        if not stale:
            return
        # Spread the starts over a progress interval, as rounds started by people are: rounds started in the
        # same instant would edit their question messages in lockstep.
        spread = min(ROUND_PHASE_SPREAD / len(stale), 0.025)
        await asyncio.gather(*(self._open_question(channel, n * spread) for n, channel in enumerate(stale)))

    async def _open_question(self, channel: Channel, delay: float) -> None:
        await asyncio.sleep(delay)
        system = self.system
        if not self.trivia:
            start = system.slash(channel, "trivia start", {}, channel.starter)
            result = await system.fake.interact(start, timeout=DEADLINE + 2)
            message = result.original()
            assert message is not None
            options = [f"ot:c:0:0:{choice}" for choice in range(4)]
            self.targets[channel.index] = ClickTarget(channel, int(message["id"]), options, float("inf"))
            return
        state = system.states[channel.channel_id]
        options_json = {"questions": 1, "seconds": LONG_QUESTION_SECONDS, "kind": self.question_kind}
        for _ in range(CONTROL_ATTEMPTS):
            if state.round_running:
                await self._control(channel, "trivia stop", {})
                await system.wait_until(lambda: not state.round_running, 30, f"the end of the round in {channel.index}")
            while not state.events.empty():
                state.events.get_nowait()
            await self._control(channel, "trivia start", options_json)
            opened = await _question_posted(state.events, within=15)
            if opened is not None:
                break
        else:
            raise TimeoutError(f"no question opened in channel {channel.index} after {CONTROL_ATTEMPTS} starts")
        seen, moment = opened
        options = [cid for cid in seen.custom_ids if cid.startswith("ot:c:")]
        self.targets[channel.index] = ClickTarget(channel, seen.message_id, options, moment + LONG_QUESTION_SECONDS - 1)

    async def _control(self, channel: Channel, command: str, options: Json) -> None:
        """Send the driver's own ``/trivia start`` or ``stop``; a reply the fake refused as late is not fatal.

        On a loaded machine the bot may answer a control command after Discord's 3 s (the fake then refuses the
        callback, as Discord does), though the command itself took effect: the caller checks the channel's state
        rather than the reply, and tries again if nothing happened.
        """
        payload = self.system.slash(channel, command, options, channel.starter)
        try:
            await self.system.fake.interact(payload, timeout=DEADLINE + 7)
        except CallbackRejectedError as refused:
            log.warning("%s in channel %d: %s (checking what it did)", command, channel.index, refused)

    async def finish(self) -> None:
        """Stop the long rounds (trivia), so the process ends idle."""
        if not self.trivia:
            return
        for target in self.targets.values():
            channel = target.channel
            with contextlib.suppress(Exception):
                await self.system.fake.interact(
                    self.system.slash(channel, "trivia stop", {}, channel.starter), timeout=DEADLINE + 2
                )

    def forget_targets(self) -> None:
        """Open fresh questions before the next step (another load has replaced this one's rounds meanwhile)."""
        self.targets.clear()

    def payload(self, number: int, pairs: list[tuple[ClickTarget, int]]) -> Json:
        """Return the ``number``-th interaction of a step: a click that changes the player's choice."""
        target, user = pairs[number % len(pairs)]
        turn = self.choice_counter.get(user, 0) + 1
        self.choice_counter[user] = turn
        custom_id = target.options[turn % len(target.options)]
        return self.system.fake.click(target.message_id, custom_id, user=user)

    async def prepare(self, total: int, seconds: float) -> None:
        """Make sure the next ``total`` interactions, offered over ``seconds``, find their questions open."""
        await self.ensure_targets(seconds + DEADLINE + 2)

    async def step(self, rate: float, seconds: float) -> StepResult:
        """Offer ``rate`` interactions per second for ``seconds``; return latency, misses and CPU while offered."""
        await self.prepare(step_total(rate, seconds), seconds)
        return await self.offer(rate, seconds)

    async def offer(
        self, rate: float, seconds: float, *, neighbours: Sequence[ChildProcess] = (), settle: bool = True
    ) -> StepResult:
        """The step once prepared: offer the interactions (``neighbours`` take a step of their own meanwhile; without
        ``settle``, the caller has waited for the bot to be idle)."""
        pairs = [(t, user) for t in self.targets.values() for user in t.channel.players]
        payload = partial(self.payload, pairs=pairs)
        total = step_total(rate, seconds)
        return await offer_at_rate(self.system, self.kind, rate, total, payload, neighbours=neighbours, settle=settle)


def step_total(rate: float, seconds: float) -> int:
    """Return how many interactions a step of ``rate`` per second for ``seconds`` offers."""
    return max(1, round(rate * seconds))


TYPED_TRIES_PER_QUESTION = 2
"""/answer interactions each player sends per open question: below the bot's 3 tries, so nobody runs out of tries
(and the question never closes early because everyone has)."""
NEW_WRONG_ANSWER = "nope ({n})"
"""A new wrong typed answer each time, wrong on every kind of question. It was "no idea ({n})" until the matcher
read a doubt lead-in past (README: 'no idea, 3' is a guess of 3): numeric questions then took it as a guess of n,
which changed the workload, not only the judging."""


class AnswerLoad(ClickLoad):
    """``/answer`` at a fixed rate on open typed questions, round-robin over every channel's players.

    Every answer is a new wrong one (so it is judged, stored as a new attempt and leaves the player tries), at most
    `TYPED_TRIES_PER_QUESTION` per player per question; fresh questions are opened before a step that would need more.
    """

    kind = "answer"
    question_kind = "typed"

    def __init__(self, system: System, trivia: bool) -> None:
        super().__init__(system, trivia)
        self.tries_left = 0
        self.answered = 0

    def forget_targets(self) -> None:
        """Open fresh questions before the next step (another load has replaced this one's rounds meanwhile)."""
        super().forget_targets()
        self.tries_left = 0

    async def prepare(self, total: int, seconds: float) -> None:
        """Open fresh typed questions everywhere unless those open take ``total`` more answers in time."""
        players = sum(len(channel.players) for channel in self.system.channels)
        if total > players * TYPED_TRIES_PER_QUESTION:
            raise ValueError(
                f"{total} answers need more than {players} players x {TYPED_TRIES_PER_QUESTION} tries: "
                "add players or shorten the step"
            )
        if self.trivia and self.tries_left < total:
            for target in self.targets.values():
                target.open_until = 0.0  # used up: ensure_targets opens a new question
            self.tries_left = players * TYPED_TRIES_PER_QUESTION
            self.answered = 0
        await self.ensure_targets(seconds + DEADLINE + 2)
        self.tries_left -= total

    def payload(self, number: int, pairs: list[tuple[ClickTarget, int]]) -> Json:
        """Return the ``number``-th interaction of a step: a new wrong ``/answer`` by the next player."""
        target, user = pairs[self.answered % len(pairs)]
        self.answered += 1
        text = NEW_WRONG_ANSWER.format(n=self.answered)
        return self.system.slash(target.channel, "answer", {"text": text}, user)


async def offer_at_rate(
    system: System,
    kind: str,
    rate: float,
    total: int,
    payload: Callable[[int], Json],
    *,
    neighbours: Sequence[ChildProcess] = (),
    settle: bool = True,
) -> StepResult:
    """Send ``total`` interactions built by ``payload(number)`` at ``rate`` per second; return the step's figures.

    The bot's CPU is read from the first interaction until all were answered (``bot_cpu_seconds``) as well as while
    they were offered (the percentages, which the ramps use). ``neighbours`` are bot processes taking a step at the
    same time: their CPU is not counted as the machine's other load. Without ``settle`` the caller has already
    waited for the bot to be idle (steps side by side start together).
    """
    child = system.child
    assert child is not None
    if settle:
        await child.wait_idle()  # neither a previous step's backlog nor new rounds' start-up may count here
    sent: list[Sent] = []
    meter = LoadMeter(child, neighbours)
    with quiet_driver():
        meter.start()
        cpu_before = child.cpu_seconds()
        begin = time.monotonic()
        number = 0
        while number < total:
            due = min(total, int((time.monotonic() - begin) * rate) + 1)
            while number < due:
                await system.send(kind, payload(number), sent)
                number += 1
            await asyncio.sleep(0.002)
        offered_for = time.monotonic() - begin
        cpu = meter.stop()
        await _wait_answered(system, sent)
        bot_cpu_seconds = child.cpu_seconds() - cpu_before
    figures, _ = summarise(system.fake, system.index, sent, offered_for)
    return StepResult(
        offered_rate=rate,
        achieved_rate=total / offered_for if offered_for > 0 else 0.0,
        seconds=offered_for,
        clicks=figures.get(kind, KindFigures()),
        bot_cpu_percent=cpu["bot_percent"],
        driver_cpu_percent=cpu["driver_percent"],
        other_cpu_percent=cpu["other_percent"],
        steal_percent=cpu["steal_percent"],
        bot_cpu_seconds=bot_cpu_seconds,
        neighbour_cpu_percent=cpu["neighbour_percent"],
        began=begin,
    )


class ClickLoadGroup:
    """One click rate split evenly over several bot processes at once (each with its own fake and guilds).

    A step is sustained only if every process sustained its share; its p99 and max are the worst process's, its
    counts and CPU the sums.
    """

    def __init__(self, loads: list[ClickLoad]) -> None:
        self.loads = loads
        self.name = "+".join(load.name for load in loads)

    async def step(self, rate: float, seconds: float) -> StepResult:
        """Offer ``rate / len(loads)`` clicks per second to each process at the same time."""
        parts = await asyncio.gather(*(load.step(rate / len(self.loads), seconds) for load in self.loads))
        clicks = [part.clicks for part in parts]
        merged = KindFigures(
            **{name: sum(getattr(c, name) for c in clicks) for name in ("count", "answered", "missed", "late")},
            **{name: sum(getattr(c, name) for c in clicks) for name in ("unanswered", "rejected", "error_replies")},
            per_second=sum(c.per_second for c in clicks),
            p50=max(c.p50 for c in clicks),
            p95=max(c.p95 for c in clicks),
            p99=max(c.p99 for c in clicks),
            max=max(c.max for c in clicks),
        )
        return StepResult(
            offered_rate=rate,
            achieved_rate=sum(part.achieved_rate for part in parts),
            seconds=max(part.seconds for part in parts),
            clicks=merged,
            bot_cpu_percent=sum(part.bot_cpu_percent for part in parts),
            driver_cpu_percent=parts[0].driver_cpu_percent,  # the same driver process measured by each
            other_cpu_percent=min(part.other_cpu_percent for part in parts),
            steal_percent=parts[0].steal_percent,
        )

    async def finish(self) -> None:
        """Stop every process's long rounds."""
        for load in self.loads:
            await load.finish()


_quiet_depth = 0
"""How many `quiet_driver` blocks are running (steps taken side by side each hold one)."""


@contextlib.contextmanager
def quiet_driver() -> Iterator[None]:
    """Keep the driver's garbage collector out of the measurements while the block runs.

    The fake keeps every request and interaction it saw, so the driver's heap only grows; its full
    collections would pause the fake for tens of milliseconds and show up as bot latency. Garbage is
    collected before and after instead, and what survives is frozen out of later collections. Blocks may
    overlap (two steps side by side): the collector is back only when the last one ends.
    """
    global _quiet_depth
    if _quiet_depth == 0:
        gc.collect()
        gc.freeze()
        gc.disable()
    _quiet_depth += 1
    try:
        yield
    finally:
        _quiet_depth -= 1
        if _quiet_depth == 0:
            gc.enable()
            gc.collect()
            gc.freeze()


class Ramp:
    """One system's way up to saturation: raise the click rate step by step until the bot misses a deadline or
    p99 passes 1 s, then bisect between the last rate it sustained and the first it did not.

    Steps grow by ``rate_factor``, and by only 15% once the next step would take the bot's CPU past 95% (or p99
    passed 250 ms), so that the first failing step overshoots little and does not bury the process in a backlog.
    """

    def __init__(self, load: ClickLoad | ClickLoadGroup, profile: Profile) -> None:
        self.load = load
        self.profile = profile
        self.steps: list[StepResult] = []
        self.rate: float | None = profile.start_rate
        self.best = 0.0
        self.failed: float | None = None
        self.factor = profile.rate_factor
        self.bisections_left = profile.bisections

    def _next(self, step: StepResult) -> float | None:
        rate = step.offered_rate
        if self.failed is None:
            if not step.sustained:
                self.failed = rate
            else:
                self.best = rate
                if step.clicks.p99 > STRAIN_P99 or step.bot_cpu_percent * self.factor > STRAIN_CPU_PERCENT:
                    self.factor = min(self.factor, FINE_FACTOR)
                following = rate * self.factor
                if len(self.steps) < self.profile.max_steps and following <= self.profile.max_rate:
                    return following
                return None
        elif step.sustained:
            self.best = rate
        else:
            self.failed = rate
        if self.bisections_left <= 0 or self.best <= 0 or self.failed is None:
            return None
        self.bisections_left -= 1
        return (self.best + self.failed) / 2

    async def advance(self) -> bool:
        """Run the next step; return False once the ramp is over."""
        if self.rate is None:
            return False
        step = await _logged_step(self.load, self.rate, self.profile)
        self.steps.append(step)
        self.rate = self._next(step)
        return self.rate is not None


async def ramp(*loads: ClickLoad | ClickLoadGroup, profile: Profile) -> list[Ramp]:
    """Ramp every system to saturation, taking their steps in turn, so that a change in the machine's speed
    during the run (a busy neighbour, say) weighs on all of them alike."""
    ramps = [Ramp(load, profile) for load in loads]
    running = list(ramps)
    while running:
        running = [r for r in running if await r.advance()]
    return ramps


async def paired_steps(loads: list[ClickLoad], rate: float, seconds: float, repeats: int) -> list[list[StepResult]]:
    """Run fixed-rate steps on each system in turn, ``repeats`` times; return each system's steps."""
    results: list[list[StepResult]] = [[] for _ in loads]
    for _ in range(repeats):
        for number, load in enumerate(loads):
            results[number].append(await _logged_step(load, rate, None, seconds))
    return results


async def _logged_step(
    load: ClickLoad | ClickLoadGroup, rate: float, profile: Profile | None, seconds: float = 0.0
) -> StepResult:
    step = await load.step(rate, profile.step_seconds if profile is not None else seconds)
    log.info(
        "%s: %.0f/s offered, %.0f/s sent, p99 %.3f s, missed %s, bot CPU %.0f%%, driver CPU %.0f%%",
        load.name,
        rate,
        step.achieved_rate,
        step.clicks.p99,
        step.clicks.missed,
        step.bot_cpu_percent,
        step.driver_cpu_percent,
    )
    return step


CONTROL_ATTEMPTS = 3
"""How many times the driver sends ``/trivia start`` to a channel before the benchmark gives up on it."""


async def _question_posted(
    events: asyncio.Queue[tuple[str, QuestionSeen | None, float]], within: float
) -> tuple[QuestionSeen, float] | None:
    """Wait for the channel's next question post; None if none came within ``within`` seconds."""
    deadline = time.monotonic() + within
    while (left := deadline - time.monotonic()) > 0:
        try:
            event, seen, moment = await asyncio.wait_for(events.get(), left)
        except TimeoutError:
            return None
        if event == "question" and seen is not None:
            return seen, moment
    return None
