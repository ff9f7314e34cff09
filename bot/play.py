"""``python -m bot play``: a round in the terminal with the same engine, matcher and database as the bot."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import random
import sys
import threading
from typing import TextIO

from bot.config import PlaySettings
from bot.engine import (
    EndReason,
    Player,
    QuestionOpening,
    QuestionResult,
    RoundError,
    RoundRegistry,
    RoundSession,
    RoundSettings,
    Standings,
)
from bot.limits import QUESTIONS, SECONDS
from bot.recording import GuildJudge, RecordingListener, RoundLedger
from bot.storage import TERMINAL_GUILD_ID, StorageError
from bot.storage.opening import open_storage
from bot.wording import plural
from questions.generate import ROUND_KINDS, build_bank
from questions.loader import load_store
from questions.matching import AnswerMatcher
from questions.models import QuestionKind

TERMINAL_CHANNEL_ID = 0
TERMINAL_PLAYER_ID = 0
LETTERS = "ABCDEFGH"


class TerminalDisplay:
    """Prints a round: the engine's ``RoundListener`` for a terminal."""

    def __init__(self, out: TextIO) -> None:
        self.out = out

    def say(self, text: str = "") -> None:
        """Print a line now."""
        print(text, file=self.out, flush=True)

    async def question_opened(self, opening: QuestionOpening) -> int | None:
        """Print the question, its options and how to answer."""
        question = opening.question
        self.say()
        self.say(
            f"── Question {opening.position + 1}/{opening.total} · {question.category} · {opening.time_limit:.0f}s ──"
        )
        self.say(question.prompt)
        if question.kind in (QuestionKind.MULTIPLE_CHOICE, QuestionKind.TRUE_FALSE):
            for index, choice in enumerate(question.choices):
                self.say(f"  {LETTERS[index]}) {choice}")
            self.say("Type the letter of your choice (you may change it until time is up).")
        else:
            self.say(f"Type your answer ({plural(opening.typed_attempts, 'try', 'tries')}).")
        return None

    async def progress(self, position: int, answered_count: int) -> None:
        """Nothing to show for a single player."""

    async def hint(self, position: int, text: str) -> None:
        """Print a hint."""
        self.say(f"  hint: {text}")

    async def question_closed(self, result: QuestionResult) -> None:
        """Print the answer, the points and the source quote."""
        question = result.question
        self.say(f"Answer: {question.answer}")
        for outcome in result.outcomes:
            verdict = "right" if outcome.correct else ("closest" if outcome.closest else "wrong")
            self.say(f"  {outcome.player.name}: {verdict}, +{plural(outcome.points, 'point')} ({outcome.elapsed:.1f}s)")
        if not result.outcomes:
            self.say("  No answer.")
        for quote in question.quotes or [question.quote]:
            self.say(f"  Source: “{quote}”")
        if question.derivation:
            self.say(f"  How we know: {question.derivation}")
        self.say(f"  — {question.document_title}")

    async def round_finished(self, standings: Standings, reason: EndReason) -> None:
        """Print the final score."""
        self.say()
        self.say(f"Round {reason.value}. {plural(standings.questions_played, 'question')} played.")
        for score in standings.scores:
            self.say(f"  {score.player.name}: {plural(score.points, 'point')}, {score.correct}/{score.answered} right")


def _start_stdin_reader(loop: asyncio.AbstractEventLoop, lines: asyncio.Queue[str | None], source: TextIO) -> None:
    """Feed stdin lines to the loop from a daemon thread (so a pending read never blocks exit)."""

    def pump() -> None:
        for line in source:
            loop.call_soon_threadsafe(lines.put_nowait, line.rstrip("\n"))
        loop.call_soon_threadsafe(lines.put_nowait, None)

    threading.Thread(target=pump, name="stdin-reader", daemon=True).start()


async def _answer(session: RoundSession, player: Player, line: str, display: TerminalDisplay) -> None:
    question = session.current_question
    position = session.position
    if question is None or position is None:
        display.say("  (no question is open)")
        return
    if question.kind in (QuestionKind.MULTIPLE_CHOICE, QuestionKind.TRUE_FALSE):
        choice = _choice_index(line, question.choices)
        if choice is None:
            display.say(f"  Type one of {', '.join(LETTERS[: len(question.choices)])}.")
            return
        ack = await session.submit_choice(player, position, choice)
        display.say(f"  You chose {LETTERS[ack.choice_index]}) {question.choices[ack.choice_index]}.")
        return
    text_ack = await session.submit_text(player, line)
    mark = "✔" if text_ack.accepted else "✘"
    tries = "try" if text_ack.attempts_left == 1 else "tries"
    left = f" {text_ack.attempts_left} {tries} left." if not text_ack.finished and text_ack.attempts_left else ""
    display.say(f"  {mark} {text_ack.reason}{left}")


def _choice_index(line: str, choices: list[str]) -> int | None:
    text = line.strip().lower()
    for index, choice in enumerate(choices):
        if text in {LETTERS[index].lower(), str(index + 1), choice.lower()}:
            return index
    return None


async def play_in_terminal(settings: PlaySettings, args: argparse.Namespace, *, source: TextIO | None = None) -> int:
    """Play one round against the terminal; return the exit code."""
    display = TerminalDisplay(sys.stdout)
    if args.questions not in QUESTIONS or args.seconds not in SECONDS:
        display.say(f"--questions must be {QUESTIONS.span} and --seconds {SECONDS.span}.")
        return 2
    store = load_store(getattr(args, "packs", None) or [settings.seeds_dir])
    bank = build_bank(store, seed=settings.question_seed)
    category = None if args.category in (None, "all") else args.category
    if category is not None and category not in bank.categories():
        display.say(f"Unknown category {category!r}: pick one of {', '.join(sorted(bank.categories()))}, or all.")
        return 2
    questions = bank.draw(random.Random(args.seed), args.questions, category=category, kinds=ROUND_KINDS[args.kind])
    if not questions:
        display.say("No questions match that category and kind.")
        return 2
    storage = await open_storage(settings.database_target)
    try:
        # A terminal round left running by a killed process is closed like the bot closes its own (only
        # terminal rounds: the bot may be running rounds in the same database).
        await storage.close_interrupted_rounds(dt.datetime.now(dt.UTC), terminal=True)
        round_id = await storage.create_round(
            guild_id=TERMINAL_GUILD_ID,
            channel_id=TERMINAL_CHANNEL_ID,
            starter_id=TERMINAL_PLAYER_ID,
            question_count=len(questions),
            seconds=args.seconds,
            category=category,
            kind=args.kind,
            started_at=dt.datetime.now(dt.UTC),
        )
        ledger = RoundLedger(storage, guild_id=TERMINAL_GUILD_ID, round_id=round_id)
        judge = GuildJudge(AnswerMatcher(store))
        player = Player(id=TERMINAL_PLAYER_ID, name=args.name)
        session = RoundRegistry().create(
            TERMINAL_CHANNEL_ID,
            questions,
            RoundSettings(
                question_count=len(questions),
                seconds_per_question=args.seconds,
                pause_between=min(settings.round_pause_seconds, 1.5),
            ),
            listener=RecordingListener(ledger, display, judge=judge),
            recorder=ledger,
            judge=judge,
            round_id=round_id,
            players=[player],
        )
        display.say(
            f"Orbit Trivia: {plural(len(questions), 'question')}, {plural(args.seconds, 'second')} each. Ctrl-D stops."
        )
        lines: asyncio.Queue[str | None] = asyncio.Queue()
        stdin = source or sys.stdin
        _start_stdin_reader(asyncio.get_running_loop(), lines, stdin)
        round_over = asyncio.ensure_future(session.wait())
        while not round_over.done():
            next_line = asyncio.ensure_future(lines.get())
            await asyncio.wait({round_over, next_line}, return_when=asyncio.FIRST_COMPLETED)
            if not next_line.done():
                next_line.cancel()
                break
            line = next_line.result()
            if line is None:  # end of input: Ctrl-D at a terminal stops; piped answers let the round play out
                if stdin.isatty():
                    await session.stop()
                break
            if not line.strip():
                continue
            try:
                await _answer(session, player, line, display)
            except RoundError as error:
                display.say(f"  {error.message}")
            except StorageError as error:
                display.say(f"  Could not save that answer ({error}); try again.")
        with contextlib.suppress(Exception):
            await round_over
        return 0
    finally:
        await storage.close()
