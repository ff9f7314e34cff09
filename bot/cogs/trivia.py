"""``/trivia`` (start, stop, categories, help, dispute, privacy) and ``/answer``: validate, call, render."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import tempfile
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import discord
from discord import app_commands
from discord.ext import commands

from bot.acks import acknowledged, reply, update
from bot.choices import PrivacyAction, RoundKind
from bot.cogs.options import ChoiceOf
from bot.discord_round import ChannelRoundDisplay, member_name
from bot.engine import Player, RoundAlreadyRunning, RoundRegistry, RoundSession, RoundSettings
from bot.errors import UserFacingError
from bot.limits import ANSWER_MAX_LENGTH, DISPUTE_REASON_MAX_LENGTH, PACKS_PER_SERVER, QUESTIONS, SECONDS
from bot.packs import (
    DOCUMENT_LIMITS,
    PACK_CATEGORY_PREFIX,
    PackQuestions,
    build_pack_questions,
    check_upload,
    draft_guild_pack,
    fact_of,
    load_pack_questions,
    pack_category,
    pack_name_of,
)
from bot.privacy import gzipped, write_player_export
from bot.recording import GuildJudge, RecordingListener, RoundLedger
from bot.render import BRAND, LETTERS, clip, help_embed, mention
from bot.scoring import score_answer
from bot.storage import AnswerRow, GuildPack, PackFact, PackFactStatus, StorageUnavailable
from bot.views import AnswerModal, PackRemoveButton, PrivacyDeleteButton, dispute_view, pack_review_view
from bot.wording import noun, plural
from questions.extract import DocumentRejectedError
from questions.generate import ROUND_KINDS, QuestionBank
from questions.matching import AnswerMatcher
from questions.models import Question, QuestionKind
from questions.store import FactStore

if TYPE_CHECKING:
    from bot.app import TriviaBot

log = logging.getLogger(__name__)

ROUND_ENDED = "This round has ended. Start a new one with `/trivia start`."
EXPORT_FILENAME = "orbit-trivia-data.json"
DEFAULT_UPLOAD_LIMIT = 10 * 2**20
"""Discord's attachment limit where an interaction doesn't state its own (``attachment_size_limit``)."""
THREAD_TYPES = frozenset(
    {discord.ChannelType.public_thread, discord.ChannelType.private_thread, discord.ChannelType.news_thread}
)


def missing_round_permissions(interaction: discord.Interaction[Any]) -> list[str]:
    """Return the names of the permissions the bot lacks to run a round where this interaction came from.

    Discord sends the bot's own permissions in that channel (overwrites included) with every interaction.
    In a thread, Send Messages in Threads replaces Send Messages, and a locked thread needs Manage Threads.
    """
    have = interaction.app_permissions
    channel = interaction.channel
    in_thread = getattr(channel, "type", None) in THREAD_TYPES
    needed = [
        ("view_channel", "View Channel"),
        ("send_messages_in_threads", "Send Messages in Threads") if in_thread else ("send_messages", "Send Messages"),
        ("embed_links", "Embed Links"),
    ]
    missing = [name for flag, name in needed if not getattr(have, flag)]
    if in_thread and getattr(channel, "locked", False) and not have.manage_threads:
        missing.append("Manage Threads (this thread is locked)")
    return missing


BLANK_ANSWER = "Type an answer first: a blank answer doesn't use up a try."
ANSWER_TOO_LONG = f"Your answer is too long: keep it to {ANSWER_MAX_LENGTH} characters."


@dataclass(frozen=True)
class RoundInfo:
    """Who started a running round, for `/trivia stop` permissions."""

    round_id: int
    guild_id: int
    starter_id: int


class QuestionPool(Protocol):
    """Where a round's questions come from: the seed packs (``bot.source``) or one server pack."""

    @property
    def store(self) -> FactStore:
        """The facts the questions come from."""

    @property
    def bank(self) -> QuestionBank:
        """The questions."""

    @property
    def matcher(self) -> AnswerMatcher:
        """What judges typed answers."""


MANAGE_PACKS = "Only someone with Manage Server can manage this server's quiz packs."


def can_manage(interaction: discord.Interaction[Any]) -> bool:
    """Return whether the user has Manage Server here (checked at run time: owners can change defaults)."""
    return bool(interaction.guild) and interaction.permissions.manage_guild


class TriviaCog(commands.Cog, name="trivia"):
    """Runs trivia rounds: one session per channel, each owning its task."""

    # guild_only alone only sets the deprecated dm_permission; contexts is what Discord reads today.
    trivia = app_commands.Group(
        name="trivia",
        description="Trivia rounds generated from real news facts.",
        guild_only=True,
        allowed_contexts=app_commands.AppCommandContext(guild=True),
    )
    # Discord sets default permissions per top-level command only (/trivia is everyone's): the pack commands
    # that change anything check Manage Server when they run.
    pack = app_commands.Group(
        name="pack", description="This server's own quizzes, drafted from your documents.", parent=trivia
    )

    def __init__(self, bot: TriviaBot) -> None:
        self.bot = bot
        self.registry = RoundRegistry(bot.clock)
        self.rounds: dict[int, RoundInfo] = {}
        # The ledger of the latest round of each channel: a storage outage can leave the end of a round
        # unwritten (its row 'running'); the next start in that channel settles it first.
        self.unsettled: dict[int, RoundLedger] = {}
        # The questions of each server pack's approved facts, by pack id; dropped when a review changes them.
        self.pack_questions: dict[int, PackQuestions] = {}

    async def cog_unload(self) -> None:
        """Stop every running round cleanly (standings are posted and stored), and write what storage owes them."""
        await self.registry.cancel_all()
        for ledger in self.unsettled.values():
            if not ledger.settled:
                with contextlib.suppress(StorageUnavailable):
                    await ledger.settle()  # one last try; what is left is closed as interrupted at the next start
            ledger.abandon()

    # ------------------------------------------------------------------ helpers

    def _session_for(self, interaction: discord.Interaction[Any], round_id: int | None = None) -> RoundSession:
        channel_id = interaction.channel_id or 0
        session = self.registry.get(channel_id)
        if session is None or session.done or (round_id is not None and session.round_id != round_id):
            raise UserFacingError(ROUND_ENDED if round_id is not None else "No trivia round is running here.")
        return session

    @staticmethod
    def _player(interaction: discord.Interaction[Any]) -> Player:
        return Player(id=interaction.user.id, name=member_name(interaction.user))

    async def _resolve_category(self, guild_id: int, category: str | None) -> tuple[str | None, GuildPack | None]:
        """Return the category asked for, and the server pack it is (None for a seed category or all)."""
        if category is None or category.strip().lower() in {"", "all", "any"}:
            return None, None
        wanted = category.strip().lower()
        store = self.bot.source.store
        for cat in self.bot.source.bank.categories():
            if wanted in {cat.lower(), store.category_label(cat).lower()}:
                return cat, None
        packs = await self.bot.storage.guild_packs(guild_id)
        for pack in packs:
            if wanted in {pack_category(pack.name), pack.name, pack.title.lower()}:
                if not pack.approved:
                    raise UserFacingError(
                        f"The quiz pack `{pack.name}` has no approved questions yet: someone with Manage Server "
                        f"can approve some with `/trivia pack review pack:{pack.name}`."
                    )
                return pack_category(pack.name), pack
        known = ", ".join([*sorted(self.bot.source.bank.categories()), *(pack_category(p.name) for p in packs)])
        raise UserFacingError(f"There is no category called “{clip(category, 40)}”. Pick one of: {known}, or all.")

    async def _questions_of(self, pack: GuildPack) -> PackQuestions:
        """Return the questions of a server pack's approved facts (built once, until a review changes them)."""
        cached = self.pack_questions.get(pack.id)
        if cached is not None and cached.pack.approved == pack.approved and cached.pack.rejected == pack.rejected:
            return cached
        built = await load_pack_questions(self.bot.storage, pack, self.bot.settings.question_seed)
        self.pack_questions[pack.id] = built
        return built

    # ------------------------------------------------------------------ /trivia start

    @trivia.command(name="start", description="Start a trivia round in this channel.")
    @app_commands.describe(
        questions=f"How many questions ({QUESTIONS.span}; default: the server's, normally {QUESTIONS.default})",
        category="Only ask questions of this category (default: all)",
        kind=f"Which kind of questions to ask (default: {RoundKind.MIXED.label.lower()})",
        seconds=f"Seconds to answer each question ({SECONDS.span}; default: the server's, normally {SECONDS.default})",
    )
    async def start(
        self,
        interaction: discord.Interaction[Any],
        questions: app_commands.Range[int, QUESTIONS.low, QUESTIONS.high] | None = None,
        category: str | None = None,
        kind: app_commands.Transform[RoundKind, ChoiceOf(RoundKind)] = RoundKind.MIXED,
        seconds: app_commands.Range[int, SECONDS.low, SECONDS.high] | None = None,
    ) -> None:
        """Start a round: refuse a second one in this channel, draw questions, post them one by one."""
        assert interaction.guild_id is not None
        assert interaction.channel_id is not None
        channel_id = interaction.channel_id
        if missing := missing_round_permissions(interaction):
            where = "thread" if getattr(interaction.channel, "type", None) in THREAD_TYPES else "channel"
            raise UserFacingError(
                f"I can't run a round in this {where}: I'm missing the {_and_list(missing)} "
                f"{'permission' if len(missing) == 1 else 'permissions'} here. Ask someone who manages this "
                f"{where} to grant {'it' if len(missing) == 1 else 'them'} to Orbit Trivia, or start the round "
                "somewhere else."
            )
        if (existing := self.registry.get(channel_id)) is not None and not existing.done:
            if existing.stopping:
                raise UserFacingError("The round here is ending right now: start a new one in a moment.")
            raise RoundAlreadyRunning(channel_id)
        defaults = await self.bot.storage.get_guild_settings(interaction.guild_id)
        count = questions or defaults.default_questions
        seconds_each = seconds or defaults.default_seconds
        chosen_category, pack = await self._resolve_category(interaction.guild_id, category)

        async def prepare() -> tuple[QuestionPool, list[Question], int]:
            source: QuestionPool = self.bot.source if pack is None else await self._questions_of(pack)
            drawn = source.bank.draw(self.bot.rng, count, category=chosen_category, kinds=ROUND_KINDS[kind])
            if not drawn:
                raise UserFacingError("No questions match that category and kind. Try `/trivia categories`.")
            round_id = await self._create_round(interaction, len(drawn), seconds_each, chosen_category, kind)
            return source, drawn, round_id

        source, drawn, round_id = await acknowledged(interaction, prepare, ephemeral=False)
        try:
            await self._announce_and_run(interaction, round_id, drawn, count, chosen_category, seconds_each, source)
        except BaseException:
            # The round row exists: never leave it 'running' without a session, or the channel stays blocked.
            await self.bot.storage.finish_round(
                round_id, status="error", ended_at=dt.datetime.now(dt.UTC), winner_id=None
            )
            raise

    async def _create_round(
        self, interaction: discord.Interaction[Any], count: int, seconds_each: int, category: str | None, kind: str
    ) -> int:
        """Store the new round, first settling the end of an earlier round here that storage has not taken yet."""
        assert interaction.guild_id is not None
        assert interaction.channel_id is not None
        earlier = self.unsettled.get(interaction.channel_id)
        if earlier is not None:
            await earlier.settle()  # raises StorageUnavailable ("busy, try again") while the outage lasts
            self.unsettled.pop(interaction.channel_id, None)
        return await self.bot.storage.create_round(
            guild_id=interaction.guild_id,
            channel_id=interaction.channel_id,
            starter_id=interaction.user.id,
            question_count=count,
            seconds=seconds_each,
            category=category,
            kind=kind,
            started_at=dt.datetime.now(dt.UTC),
        )

    async def _announce_and_run(
        self,
        interaction: discord.Interaction[Any],
        round_id: int,
        drawn: list[Question],
        asked_for: int,
        category: str | None,
        seconds_each: int,
        source: QuestionPool,
    ) -> None:
        assert interaction.guild_id is not None
        assert interaction.channel_id is not None
        channel_id = interaction.channel_id
        label = source.store.category_label(category) if category else "all categories"
        short = f" (only {len(drawn)} available)" if len(drawn) < asked_for else ""
        await reply(
            interaction,
            f"🚀 **Trivia!** {mention(interaction.user.id)} started a round of **{len(drawn)}** "
            f"{noun(len(drawn), 'question')}{short} from {label}, **{seconds_each}** {noun(seconds_each, 'second')} "
            "each. First question coming up…",
            ephemeral=False,
        )
        ledger = RoundLedger(self.bot.storage, guild_id=interaction.guild_id, round_id=round_id)
        self.unsettled[channel_id] = ledger
        judge = GuildJudge(source.matcher)
        display = ChannelRoundDisplay(
            self.bot.get_partial_messageable(channel_id, guild_id=interaction.guild_id),
            round_id=round_id,
            store=source.store,
            clock=self.bot.write_clock,
            budget=self.bot.write_budget,
            round_clock=self.bot.clock,
        )
        self.rounds[channel_id] = RoundInfo(round_id, interaction.guild_id, interaction.user.id)
        self.registry.create(
            channel_id,
            drawn,
            RoundSettings(
                question_count=len(drawn),
                seconds_per_question=seconds_each,
                pause_between=self.bot.settings.round_pause_seconds,
            ),
            listener=RecordingListener(ledger, display, judge=judge),
            recorder=ledger,
            judge=judge,
            round_id=round_id,
        )
        log.info("Round %s started in channel %s of guild %s", round_id, channel_id, interaction.guild_id)

    @start.autocomplete("category")
    async def category_autocomplete(
        self, interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        """Suggest the fact store's categories, with their question counts, then this server's own packs."""
        store = self.bot.source.store
        choices = [app_commands.Choice(name="All categories", value="all")]
        for cat, count in sorted(self.bot.source.bank.categories().items()):
            label = store.category_label(cat)
            if current.lower() in f"{cat} {label}".lower():
                choices.append(app_commands.Choice(name=f"{label} ({plural(count, 'question')})", value=cat))
        if interaction.guild_id is not None:
            for pack in await self.bot.storage.guild_packs(interaction.guild_id):
                cat = pack_category(pack.name)
                if pack.approved and current.lower() in f"{cat} {pack.title}".lower():
                    name = clip(f"{pack.title} (this server's, {plural(pack.approved, 'fact')})", 100)
                    choices.append(app_commands.Choice(name=name, value=cat))
        return choices[:25]

    # ------------------------------------------------------------------ /trivia stop

    @trivia.command(name="stop", description="Stop the round running in this channel.")
    async def stop(self, interaction: discord.Interaction[Any]) -> None:
        """Stop the round: its starter or anyone with Manage Server."""
        session = self._session_for(interaction)
        info = self.rounds.get(session.channel_id)
        if not (can_manage(interaction) or (info is not None and info.starter_id == interaction.user.id)):
            raise UserFacingError("Only the player who started this round, or someone with Manage Server, can stop it.")
        if not session.request_stop():
            # Its last question had closed, or it was ending anyway: the round ends as it was going to.
            raise UserFacingError("This round had already ended: its final standings are being posted.")
        # Confirm only once the round has wound down (standings posted, storage updated), so that a new
        # `/trivia start` right after the confirmation works.
        await acknowledged(interaction, session.wait_quietly, ephemeral=False)
        await reply(interaction, f"⏹️ {mention(interaction.user.id)} stopped the round.", ephemeral=False)

    # ------------------------------------------------------------------ /trivia categories, help

    def _category_counts(self) -> dict[str, tuple[str, int]]:
        store = self.bot.source.store
        return {cat: (store.category_label(cat), n) for cat, n in self.bot.source.bank.categories().items()}

    @trivia.command(name="categories", description="What can be asked: categories and question counts.")
    async def categories(self, interaction: discord.Interaction[Any]) -> None:
        """List the categories with their question counts."""
        counts = self._category_counts()
        embed = discord.Embed(title="Trivia categories", colour=BRAND)
        embed.description = "\n".join(
            f"**{label}** (`{cat}`): {plural(count, 'question')}" for cat, (label, count) in sorted(counts.items())
        )
        assert interaction.guild_id is not None
        packs = [pack for pack in await self.bot.storage.guild_packs(interaction.guild_id) if pack.approved]
        if packs:
            embed.add_field(
                name="This server's own quizzes",
                value=clip(
                    "\n".join(
                        f"**{discord.utils.escape_markdown(clip(pack.title, 80))}** (`{pack_category(pack.name)}`): "
                        f"{plural(pack.approved, 'approved fact')}"
                        for pack in packs
                    ),
                    1024,
                ),
                inline=False,
            )
        embed.set_footer(
            text=f"{plural(len(self.bot.source.bank), 'question')} in all, "
            f"from {plural(len(self.bot.source.store.facts), 'fact')}"
        )
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @trivia.command(name="help", description="How to play, the categories, how points are scored, and quiz packs.")
    async def help(self, interaction: discord.Interaction[Any]) -> None:
        """Explain the game, the scoring rule and quiz packs (with this server's playable ones)."""
        assert interaction.guild_id is not None
        packs = [
            (pack.title, pack_category(pack.name), pack.approved)
            for pack in await self.bot.storage.guild_packs(interaction.guild_id)
            if pack.approved
        ]
        await interaction.response.send_message(
            embed=help_embed(self._category_counts(), len(self.bot.source.bank), packs), ephemeral=True
        )

    # ------------------------------------------------------------------ answers

    async def handle_choice(
        self, interaction: discord.Interaction[Any], round_id: int, position: int, choice: int
    ) -> None:
        """Store a button click (the last choice counts) and confirm it privately, after it is stored."""
        session = self._session_for(interaction, round_id)
        player = self._player(interaction)
        # The question clicked on, taken now: when a slow write is confirmed, the next one may be open already.
        question = session.current_question if session.position == position else None
        ack = await acknowledged(interaction, lambda: session.submit_choice(player, position, choice))
        label = question.choices[ack.choice_index] if question and ack.choice_index < len(question.choices) else "?"
        if question is not None and question.kind == QuestionKind.MULTIPLE_CHOICE:
            label = f"{LETTERS[ack.choice_index]} · {label}"
        text = (
            f"You chose **{label}**. You can change your choice until time is up."
            if ack.changed
            else f"**{label}** is already your choice."
        )
        await reply(interaction, text)

    async def open_answer_form(self, interaction: discord.Interaction[Any], round_id: int, position: int) -> None:
        """Open the typed-answer form for the open question."""
        question = self._session_for(interaction, round_id).open_typed_question(position)
        await interaction.response.send_modal(AnswerModal(round_id, position, question.prompt, interaction.user.id))

    async def handle_text(
        self,
        interaction: discord.Interaction[Any],
        text: str,
        *,
        round_id: int | None = None,
        position: int | None = None,
    ) -> None:
        """Judge a typed answer and reply privately with the verdict and why: the one path of every typed answer.

        ``/answer`` gives only the text; the answer form (and a form discord.py no longer holds) names its round
        and question, and the answer counts for that question only, never for a later one that happens to be
        open when it is submitted.
        """
        if not text.strip():
            raise UserFacingError(BLANK_ANSWER)
        if len(text) > ANSWER_MAX_LENGTH:
            raise UserFacingError(ANSWER_TOO_LONG)
        session = self._session_for(interaction, round_id)
        if position is not None:
            session.open_typed_question(position)
        player = self._player(interaction)
        ack = await acknowledged(interaction, lambda: session.submit_text(player, text))
        if ack.accepted and ack.credit >= 1:
            verdict = f"✅ {ack.reason}"
        elif ack.accepted or ack.credit > 0:
            verdict = f"🟡 {ack.reason} (partial credit: {round(ack.best_credit * 100)}%)"
        else:
            verdict = f"❌ {ack.reason}"
        if not ack.finished and ack.attempts_left:
            verdict += f"\n{plural(ack.attempts_left, 'try', 'tries')} left."
        await reply(interaction, clip(verdict, 2000))

    @app_commands.command(name="answer", description="Answer the open typed question in this channel.")
    @app_commands.describe(text="Your answer (a name, a number, a date or time...)")
    @app_commands.guild_only()
    async def answer(
        self, interaction: discord.Interaction[Any], text: app_commands.Range[str, 1, ANSWER_MAX_LENGTH]
    ) -> None:
        """Answer a typed, numeric or set question."""
        await self.handle_text(interaction, text)

    # ------------------------------------------------------------------ disputes

    @trivia.command(name="dispute", description="Ask a moderator to accept your last rejected typed answer.")
    @app_commands.describe(reason="Why your answer should count (optional)")
    async def dispute(
        self, interaction: discord.Interaction[Any], reason: app_commands.Range[str, 0, DISPUTE_REASON_MAX_LENGTH] = ""
    ) -> None:
        """File a dispute for the player's last rejected typed answer in this server."""
        assert interaction.guild_id is not None
        storage = self.bot.storage
        answer = await storage.last_rejected_answer(interaction.guild_id, interaction.user.id)
        if answer is None or answer.text is None:
            raise UserFacingError("You have no rejected typed answer to dispute in this server.")
        disputed = answer

        async def file() -> tuple[int, Question | None]:
            question = await self._disputed_question(disputed)  # first: a failed look-up stores no dispute
            dispute_id = await storage.create_dispute(
                round_question_id=disputed.round_question_id,
                guild_id=disputed.guild_id,
                user_id=interaction.user.id,
                answer_text=disputed.text or "",
                created_at=dt.datetime.now(dt.UTC),
            )
            return dispute_id, question

        # A pack round's question may need its pack's questions built first (a worker thread): defer if slow.
        dispute_id, question = await acknowledged(interaction, file, ephemeral=False)
        embed = discord.Embed(title=f"Dispute #{dispute_id}", colour=discord.Colour.orange())
        embed.description = f"{mention(interaction.user.id)} asks that their answer be accepted."
        if question is not None:
            # A server pack's text comes from an uploaded document: shown as written, never as Markdown.
            embed.add_field(
                name="Question", value=clip(discord.utils.escape_markdown(question.prompt), 1024), inline=False
            )
            embed.add_field(
                name="Expected", value=clip(discord.utils.escape_markdown(question.answer), 1024), inline=True
            )
        embed.add_field(name="Their answer", value=clip(discord.utils.escape_markdown(answer.text), 1024), inline=True)
        if reason.strip():
            embed.add_field(name="Why", value=clip(discord.utils.escape_markdown(reason.strip()), 1024), inline=False)
        embed.set_footer(
            text="Someone else with Manage Server can accept (it becomes an accepted answer here) or decline."
        )
        await reply(interaction, None, ephemeral=False, embed=embed, view=dispute_view(dispute_id))

    async def _disputed_question(self, answer: AnswerRow) -> Question | None:
        """Return the question a disputed answer was given to: from the seed bank, or from this server's pack.

        A pack round's question is looked up among the questions of the pack the round was drawn from (its
        category), in the answer's own server only; None when that pack, or that fact, is gone.
        """
        round_row = await self.bot.storage.get_round(answer.round_id)
        category = round_row.category if round_row is not None else None
        if category is None or not category.startswith(PACK_CATEGORY_PREFIX):
            return self.bot.source.bank.get(answer.question_id)
        pack = await self.bot.storage.guild_pack(answer.guild_id, category.removeprefix(PACK_CATEGORY_PREFIX))
        if pack is None:
            return None
        try:
            question = (await self._questions_of(pack)).bank.get(answer.question_id) if pack.approved else None
        except LookupError:  # the pack was removed meanwhile
            return None
        if question is not None and question.fact_id == answer.fact_id:  # not a later pack of the same name's
            return question
        # Rejected since the round: build that one fact's questions (ids are per fact, so they are the same).
        fact = next((f for f in await self.bot.storage.pack_facts(pack.id) if f.fact_id == answer.fact_id), None)
        source = await self.bot.storage.guild_pack_source(pack.id)
        if fact is None or source is None:
            return None
        seed = self.bot.settings.question_seed
        built = await asyncio.to_thread(build_pack_questions, pack, source, [fact], seed)
        return built.bank.get(answer.question_id)

    async def decide_dispute(self, interaction: discord.Interaction[Any], dispute_id: int, *, accept: bool) -> None:
        """Record a moderator's decision; an accepted answer becomes a server alias and earns its points."""
        if not can_manage(interaction):
            raise UserFacingError("Only someone with Manage Server can decide disputes.")
        storage = self.bot.storage
        dispute = await storage.get_dispute(dispute_id)
        if dispute is None or dispute.guild_id != interaction.guild_id:
            raise UserFacingError("That dispute no longer exists.")
        if dispute.user_id == interaction.user.id:
            raise UserFacingError("You can't decide your own dispute: another moderator has to.")
        points = 0
        if accept:
            points = await self._disputed_points(dispute.round_question_id, dispute.round_id, dispute.user_id)
        decided = await acknowledged(
            interaction,
            lambda: storage.decide_dispute(
                dispute_id,
                accepted=accept,
                decided_by=interaction.user.id,
                decided_at=dt.datetime.now(dt.UTC),
                points_awarded=points,
            ),
            updates_message=True,
        )
        verdict = (
            f"✅ Accepted by {mention(interaction.user.id)}: {mention(decided.user_id)} gets **{points}** "
            f"{noun(points, 'point')}, "
            f"and “{clip(discord.utils.escape_markdown(decided.answer_text), 100)}” is accepted here from now on."
            if accept
            else f"❌ Declined by {mention(interaction.user.id)}."
        )
        embed = interaction.message.embeds[0] if interaction.message and interaction.message.embeds else None
        if embed is not None:
            embed.add_field(name="Decision", value=verdict, inline=False)
            await update(interaction, embed=embed, view=None)
        else:
            await update(interaction, content=verdict, view=None)

    async def _disputed_points(self, round_question_id: int, round_id: int, user_id: int) -> int:
        """Points the answer would have earned if accepted at the time (no streak bonus)."""
        answers = await self.bot.storage.question_answers(round_question_id)
        row = next((a for a in answers if a.user_id == user_id), None)
        round_row = await self.bot.storage.get_round(round_id)
        time_limit = float(round_row.seconds) if round_row else 30.0
        elapsed = row.elapsed_ms / 1000 if row else time_limit
        return score_answer(correct=True, credit=1.0, elapsed=elapsed, time_limit=time_limit, streak_before=0).total

    # ------------------------------------------------------------------ privacy

    @trivia.command(name="privacy", description="See or delete what Orbit Trivia stores about you.")
    @app_commands.describe(action="Show your data, or delete it")
    async def privacy(
        self,
        interaction: discord.Interaction[Any],
        action: app_commands.Transform[PrivacyAction, ChoiceOf(PrivacyAction)] = PrivacyAction.SHOW,
    ) -> None:
        """Show a player their stored data (as a JSON file) or offer to delete it."""
        if action is PrivacyAction.DELETE:
            view = discord.ui.View(timeout=300)
            view.add_item(PrivacyDeleteButton(interaction.user.id))
            await interaction.response.send_message(
                "This deletes your scores, answers and disputes in **every** server. It can't be undone.",
                view=view,
                ephemeral=True,
            )
            return
        with contextlib.ExitStack() as files:
            export = files.enter_context(tempfile.TemporaryFile())
            count = await acknowledged(
                interaction, lambda: write_player_export(self.bot.storage, interaction.user.id, export)
            )
            filename = EXPORT_FILENAME
            limit = int(getattr(interaction, "filesize_limit", 0) or DEFAULT_UPLOAD_LIMIT)
            if export.tell() > limit:
                packed = files.enter_context(tempfile.TemporaryFile())
                gzipped(export, packed)
                export, filename = packed, f"{EXPORT_FILENAME}.gz"
            if export.tell() > limit:
                raise UserFacingError(
                    f"Your data is larger than the {limit // 2**20} MiB Discord lets me attach, even compressed. "
                    "Ask the bot's operator for a copy, or delete it with `/trivia privacy action:Delete my data`."
                )
            export.seek(0)
            await reply(
                interaction,
                f"Here is everything Orbit Trivia stores about you, {plural(count, 'answer')} included. "
                "`/trivia privacy action:Delete my data` removes it.",
                file=discord.File(export, filename=filename),
            )

    async def confirm_delete(self, interaction: discord.Interaction[Any], user_id: int) -> None:
        """Delete the player's data; only they can confirm."""
        if interaction.user.id != user_id:
            raise UserFacingError("Only the player whose data it is can delete it.")
        # Forget them in running rounds first, so that no round's end writes new rows about them; then let what
        # they sent before settle (an answer still on its way is stored, then deleted with the rest).
        sessions = self.registry.running()
        for session in sessions:
            session.forget_player(user_id)

        async def delete() -> int:
            await asyncio.gather(*(session.player_settled(user_id) for session in sessions))
            return await self.bot.storage.delete_player(user_id)

        deleted = await acknowledged(interaction, delete, updates_message=True)
        await update(
            interaction,
            content=f"🗑️ Done: {plural(deleted, 'stored record')} about you "
            f"{'was' if deleted == 1 else 'were'} deleted.",
            view=None,
        )

    # ------------------------------------------------------------------ /trivia pack: a server's own quizzes

    @staticmethod
    def _require_manage(interaction: discord.Interaction[Any]) -> int:
        if not can_manage(interaction):
            raise UserFacingError(MANAGE_PACKS)
        assert interaction.guild_id is not None
        return interaction.guild_id

    async def _pack_named(self, guild_id: int, name: str | None) -> GuildPack:
        """Return this server's pack of that name; with no name, its only pack (or the first with drafts left)."""
        packs = await self.bot.storage.guild_packs(guild_id)
        if not packs:
            raise UserFacingError("This server has no quiz packs yet: add one with `/trivia pack add`.")
        if name is None:
            if len(packs) == 1:
                return packs[0]
            pending = [pack for pack in packs if pack.drafted]
            if pending:
                return pending[0]
            raise UserFacingError("Name the pack: see them all with `/trivia pack list`.")
        wanted = name.strip().lower().removeprefix(PACK_CATEGORY_PREFIX)
        for pack in packs:
            if wanted in {pack.name, pack.title.lower()}:
                return pack
        raise UserFacingError(f"This server has no quiz pack called “{clip(name, 40)}”. See `/trivia pack list`.")

    @pack.command(name="add", description="Draft a quiz from an article: a .txt or .md file (Manage Server).")
    @app_commands.describe(
        document=f"The article, as {DOCUMENT_LIMITS}",
        date="The article's date, YYYY-MM-DD: words like 'yesterday' in it are read against it",
    )
    async def pack_add(
        self, interaction: discord.Interaction[Any], document: discord.Attachment, date: app_commands.Range[str, 1, 40]
    ) -> None:
        """Download the document, draft its facts, and store them for review in this server."""
        guild_id = self._require_manage(interaction)
        try:
            day = dt.date.fromisoformat(date.strip())
        except ValueError:
            raise UserFacingError(
                f"“{clip(date, 40)}” is not a date: write it as YYYY-MM-DD, e.g. 2021-10-05."
            ) from None
        try:
            check_upload(document.filename, document.size)  # from the metadata: nothing is downloaded yet
        except DocumentRejectedError as error:
            raise UserFacingError(f"I can't draft a quiz from that file: {error}.") from error
        name = pack_name_of(document.filename)
        packs = await self.bot.storage.guild_packs(guild_id)
        if any(pack.name == name for pack in packs):
            raise UserFacingError(
                f"This server already has a pack called `{name}`: remove it first with "
                f"`/trivia pack remove pack:{name}`, or rename the file."
            )
        if len(packs) >= PACKS_PER_SERVER:
            raise UserFacingError(
                f"This server has {PACKS_PER_SERVER} quiz packs, the most it can keep: remove one first."
            )
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            data = await document.read()
        except discord.HTTPException as error:
            raise UserFacingError("I couldn't download that file from Discord: please try again.") from error
        try:
            drafted = await asyncio.to_thread(draft_guild_pack, data, document.filename, day)
        except DocumentRejectedError as error:
            raise UserFacingError(f"I can't draft a quiz from that file: {error}.") from error
        pack = await self.bot.storage.create_guild_pack(
            guild_id=guild_id,
            name=drafted.name,
            title=drafted.title,
            document_date=day,
            document_text=drafted.document_text,
            pack_json=drafted.pack_json,
            facts=drafted.facts,
            created_by=interaction.user.id,
            created_at=dt.datetime.now(dt.UTC),
        )
        log.info("Drafted pack %s (%s facts) in guild %s", pack.name, pack.total, guild_id)
        report = drafted.report.render().replace("```", "'''")
        await reply(
            interaction,
            f"📄 Drafted **{plural(pack.total, 'question')}** from "
            f"“{discord.utils.escape_markdown(clip(pack.title, 100))}” as the pack `{pack.name}`. Nobody is asked "
            f"them until they are approved: review them with `/trivia pack review pack:{pack.name}`. Approved "
            f"questions make the category `{pack_category(pack.name)}` of `/trivia start`, in this server only.\n"
            f"```\n{clip(report, 1200)}\n```",
        )

    @pack.command(name="list", description="This server's quiz packs and how far their review is.")
    async def pack_list(self, interaction: discord.Interaction[Any]) -> None:
        """List this server's packs."""
        assert interaction.guild_id is not None
        packs = await self.bot.storage.guild_packs(interaction.guild_id)
        if not packs:
            raise UserFacingError(
                "This server has no quiz packs yet: someone with Manage Server can add one with `/trivia pack add`."
            )
        embed = discord.Embed(title="This server's quiz packs", colour=BRAND)
        embed.description = "\n".join(
            f"`{pack.name}`: **{discord.utils.escape_markdown(clip(pack.title, 80))}** ({pack.document_date}) · "
            f"{pack.approved} approved, {pack.rejected} rejected, {pack.drafted} to review"
            for pack in packs
        )
        embed.set_footer(text=f"{len(packs)} of at most {PACKS_PER_SERVER} packs")
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @pack.command(name="review", description="Approve or reject a pack's drafted questions (Manage Server).")
    @app_commands.describe(pack="The pack (default: the first with questions left to review)")
    async def pack_review(self, interaction: discord.Interaction[Any], pack: str | None = None) -> None:
        """Show the first drafted fact still to review, with its source sentence and the review buttons."""
        guild_id = self._require_manage(interaction)
        chosen = await self._pack_named(guild_id, pack)
        facts = await self.bot.storage.pack_facts(chosen.id)
        position = next((fact.position for fact in facts if fact.status == "draft"), 0)
        embed, view = self._review_page(chosen, facts, position)
        if view is None:
            await interaction.response.send_message(embed=embed, ephemeral=True)
        else:
            await interaction.response.send_message(embed=embed, view=view, ephemeral=True)

    @pack.command(name="remove", description="Remove one of this server's quiz packs (Manage Server).")
    @app_commands.describe(pack="The pack to remove")
    async def pack_remove(self, interaction: discord.Interaction[Any], pack: str) -> None:
        """Ask for confirmation before removing a pack."""
        guild_id = self._require_manage(interaction)
        chosen = await self._pack_named(guild_id, pack)
        view = discord.ui.View(timeout=300)
        view.add_item(PackRemoveButton(chosen.id))
        await interaction.response.send_message(
            f"This removes the pack `{chosen.name}` and its {plural(chosen.total, 'question')} "
            f"({chosen.approved} approved) from this server. It can't be undone.",
            view=view,
            ephemeral=True,
        )

    @pack_review.autocomplete("pack")
    @pack_remove.autocomplete("pack")
    async def pack_autocomplete(
        self, interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        """Suggest this server's packs."""
        if interaction.guild_id is None:
            return []
        packs = await self.bot.storage.guild_packs(interaction.guild_id)
        return [
            app_commands.Choice(name=clip(f"{pack.name}: {pack.title}", 100), value=pack.name)
            for pack in packs
            if current.lower() in f"{pack.name} {pack.title}".lower()
        ][:25]

    def _review_page(
        self, pack: GuildPack, facts: list[PackFact], position: int
    ) -> tuple[discord.Embed, discord.ui.View | None]:
        """Render one drafted fact of a pack with the review buttons."""
        if not facts:
            return discord.Embed(title=clip(pack.title, 256), description="This pack has no questions."), None
        position = min(max(position, 0), len(facts) - 1)
        fact = facts[position]
        model = fact_of(fact)
        counts = {status: sum(1 for f in facts if f.status == status) for status in ("draft", "approved", "rejected")}
        mark = {"draft": "📝 To review", "approved": "✅ Approved", "rejected": "❌ Rejected"}[fact.status]
        embed = discord.Embed(
            title=clip(f"{pack.name} · question {position + 1}/{len(facts)}", 256),
            colour=BRAND,
            description=f"**{discord.utils.escape_markdown(clip(model.prompts[0], 1000))}**",
        )
        embed.add_field(name="Answer", value=clip(discord.utils.escape_markdown(fact.answer), 1024), inline=True)
        embed.add_field(name="Status", value=mark, inline=True)
        for citation in model.citations[:2]:
            quote = discord.utils.escape_markdown(citation.quote)
            embed.add_field(name="Source sentence", value=clip(f"“{quote}”", 1024), inline=False)
        embed.set_footer(
            text=f"{counts['approved']} approved · {counts['rejected']} rejected · {counts['draft']} to review. "
            f"Only approved questions are asked, in category {pack_category(pack.name)}."
        )
        decided = None if fact.status == "draft" else fact.status
        return embed, pack_review_view(pack.id, position, len(facts), decided=decided)

    async def review_pack_fact(
        self, interaction: discord.Interaction[Any], pack_id: int, position: int, action: str
    ) -> None:
        """Approve or reject the fact shown and move to the next one to review, or turn the page."""
        guild_id = self._require_manage(interaction)
        pack = await self.bot.storage.guild_pack_by_id(guild_id, pack_id)
        if pack is None:
            raise UserFacingError("That quiz pack has been removed.")
        if action in {"a", "r"}:
            status: PackFactStatus = "approved" if action == "a" else "rejected"
            changed = await self.bot.storage.set_pack_fact_status(pack_id, position, status)
            if changed is None:
                raise UserFacingError("That question is no longer in the pack.")
            self.pack_questions.pop(pack_id, None)
            pack = await self.bot.storage.guild_pack_by_id(guild_id, pack_id) or pack
        facts = await self.bot.storage.pack_facts(pack_id)
        if action in {"a", "r"}:
            later = [f.position for f in facts if f.status == "draft" and f.position > position]
            earlier = [f.position for f in facts if f.status == "draft"]
            position = (later or earlier or [position])[0]
        embed, view = self._review_page(pack, facts, position)
        await update(interaction, embed=embed, view=view)

    async def confirm_pack_removal(self, interaction: discord.Interaction[Any], pack_id: int) -> None:
        """Remove a pack of this server after the confirmation click."""
        guild_id = self._require_manage(interaction)
        pack = await self.bot.storage.guild_pack_by_id(guild_id, pack_id)
        if pack is None or not await self.bot.storage.delete_guild_pack(guild_id, pack.name):
            raise UserFacingError("That quiz pack was already removed.")
        self.pack_questions.pop(pack_id, None)
        log.info("Removed pack %s from guild %s", pack.name, guild_id)
        await update(interaction, content=f"🗑️ Removed the quiz pack `{pack.name}`.", view=None)


def _and_list(names: list[str]) -> str:
    """Return "**A**", "**A** and **B**" or "**A**, **B** and **C**"."""
    bold = [f"**{name}**" for name in names]
    return bold[0] if len(bold) == 1 else f"{', '.join(bold[:-1])} and {bold[-1]}"
