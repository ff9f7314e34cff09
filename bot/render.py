"""Embeds for questions, reveals, standings, leaderboards and stats: rendering only, no state or I/O."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

import discord

from bot.engine import EndReason, QuestionOpening, QuestionResult, Standings
from bot.limits import PACKS_PER_SERVER, QUESTIONS, SECONDS
from bot.packs import DOCUMENT_LIMITS, PACK_CATEGORY_PREFIX
from bot.scoring import SCORING_RULES
from bot.storage import LeaderboardRow, PlayerStats
from bot.wording import plural
from questions.models import Question, QuestionKind

BRAND = discord.Colour.from_rgb(88, 101, 242)
RIGHT = discord.Colour.green()
LETTERS = "ABCDEFGH"
MEDALS = ("🥇", "🥈", "🥉")
MAX_LINES = 15

KIND_LABELS = {
    QuestionKind.MULTIPLE_CHOICE: "Multiple choice",
    QuestionKind.TRUE_FALSE: "True or false",
    QuestionKind.TYPED: "Typed answer",
    QuestionKind.NUMERIC: "Number",
    QuestionKind.SET: "Name them",
}

END_TITLES = {
    EndReason.FINISHED: "🏁 Round over: final standings",
    EndReason.STOPPED: "⏹️ Round stopped: final standings",
    EndReason.INACTIVE: "💤 Round ended: nobody answered two questions in a row",
    EndReason.ERROR: "⚠️ Round ended by an error: standings so far",
}


def mention(user_id: int) -> str:
    """Return a user mention (rendered as a name; allowed mentions are off, so nobody is pinged)."""
    return f"<@{user_id}>"


def timestamp(moment: dt.datetime, style: str = "R") -> str:
    """Return a Discord timestamp that every client renders in its own zone (R: 'in 20 seconds')."""
    return f"<t:{int(moment.timestamp())}:{style}>"


def clip(text: str, limit: int) -> str:
    """Shorten text to ``limit`` characters with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def answer_instructions(question: Question, attempts: int) -> str:
    """Tell players how to answer this kind of question, in plain text (footers don't render Markdown)."""
    if question.kind in (QuestionKind.MULTIPLE_CHOICE, QuestionKind.TRUE_FALSE):
        return "Pick an option below. You can change your choice until time is up; your last choice counts."
    return f"Press ✍️ Answer or use /answer ({plural(attempts, 'try', 'tries')})."


def question_embed(
    opening: QuestionOpening, *, category_label: str, answered: int = 0, hints: Sequence[str] = ()
) -> discord.Embed:
    """Render an open question: the prompt verbatim, its number, its live deadline and the answer count."""
    question = opening.question
    embed = discord.Embed(
        title=f"Question {opening.position + 1}/{opening.total} · {category_label}",
        description=question.prompt,
        colour=BRAND,
    )
    if question.kind == QuestionKind.MULTIPLE_CHOICE:
        embed.add_field(
            name="Options",
            value="\n".join(f"**{LETTERS[i]}** · {choice}" for i, choice in enumerate(question.choices)),
            inline=False,
        )
    if hints:
        embed.add_field(name="Hint", value="\n".join(f"`{hint}`" for hint in hints), inline=False)
    embed.add_field(name="Time", value=f"Closes {timestamp(opening.closes_at)}", inline=True)
    embed.add_field(name="Answered", value=str(answered), inline=True)
    embed.set_footer(text=f"{KIND_LABELS[question.kind]} · {answer_instructions(question, opening.typed_attempts)}")
    return embed


def reveal_embed(result: QuestionResult, *, category_label: str, document_date: str | None = None) -> discord.Embed:
    """Render a closed question: the answer, who got it and how fast, the picks, points and the source quote."""
    question = result.question
    embed = discord.Embed(
        title=f"Question {result.position + 1}/{result.total} · {category_label} · time's up",
        description=f"{question.prompt}\n\n**Answer:** {question.answer}",
        colour=RIGHT,
    )
    if question.kind in (QuestionKind.MULTIPLE_CHOICE, QuestionKind.TRUE_FALSE) and result.choice_counts:
        lines = []
        for index, (choice, count) in enumerate(zip(question.choices, result.choice_counts, strict=False)):
            mark = "✅" if index == question.correct_index else "▫️"
            label = LETTERS[index] if question.kind == QuestionKind.MULTIPLE_CHOICE else choice
            suffix = f" · {choice}" if question.kind == QuestionKind.MULTIPLE_CHOICE else ""
            lines.append(f"{mark} **{label}**{suffix} — {count}")
        embed.add_field(name="How the options were picked", value=clip("\n".join(lines), 1024), inline=False)
    scored = [o for o in result.outcomes if o.points > 0 or o.correct]
    scored.sort(key=lambda o: (not o.correct, o.elapsed))
    if scored:
        lines = []
        for outcome in scored[:MAX_LINES]:
            flag = "⚡ " if result.first_correct and outcome.player.id == result.first_correct.id else ""
            detail = "closest" if outcome.closest else f"{outcome.elapsed:.1f}s"
            partial = f" ({round(outcome.credit * 100)}%)" if 0 < outcome.credit < 1 else ""
            streak = f" · 🔥{outcome.streak}" if outcome.streak >= 2 else ""
            lines.append(f"{flag}{mention(outcome.player.id)} {detail}{partial} **+{outcome.points}**{streak}")
        if len(scored) > MAX_LINES:
            lines.append(f"…and {len(scored) - MAX_LINES} more")
        embed.add_field(name=f"Scored ({len(scored)})", value=clip("\n".join(lines), 1024), inline=False)
    else:
        who = "Nobody answered." if result.answered_count == 0 else "Nobody got it right."
        embed.add_field(name="Scored (0)", value=who, inline=False)
    embed.add_field(name="Source", value=clip(source_text(question, document_date), 1024), inline=False)
    embed.set_footer(text=f"{result.answered_count} answered · question {question.id}")
    return embed


def source_text(question: Question, document_date: str | None = None) -> str:
    """Render the proof of an answer: every quote it needs, the derivation step in words, and the document."""
    quotes = question.quotes or [question.quote]
    lines = [f"> {quote}" for quote in quotes]
    if question.derivation:
        lines.append(f"**How we know:** {question.derivation}")
    source = question.document_title + (f", {document_date}" if document_date else "")
    lines.append(f"— *{source}*")
    return "\n".join(lines)


def standings_embed(standings: Standings, reason: EndReason) -> discord.Embed:
    """Render the final standings of a round."""
    embed = discord.Embed(title=END_TITLES[reason], colour=BRAND)
    if not standings.scores:
        embed.description = "Nobody played this round."
        return embed
    lines = []
    for index, score in enumerate(standings.scores[:MAX_LINES]):
        badge = MEDALS[index] if index < len(MEDALS) and score.points > 0 else f"`{index + 1}.`"
        lines.append(
            f"{badge} {mention(score.player.id)} **{score.points}** pts · {score.correct}/{score.answered} right"
            + (f" · best streak {score.best_streak}" if score.best_streak >= 2 else "")
        )
    embed.description = "\n".join(lines)
    winner = standings.winner
    embed.set_footer(
        text=f"{plural(standings.questions_played, 'question')} played"
        + (f" · winner: {winner.player.name}" if winner else " · no winner")
    )
    return embed


def leaderboard_embed(
    rows: Sequence[LeaderboardRow],
    *,
    title: str,
    page: int,
    pages: int,
    total: int,
    names: Mapping[int, str] | None = None,
) -> discord.Embed:
    """Render one page of a leaderboard: players by ``names`` when given (else as mentions)."""
    embed = discord.Embed(title=title, colour=BRAND)
    if not rows:
        embed.description = "No scores yet: start a round with `/trivia start`."
    else:
        embed.description = "\n".join(
            f"{MEDALS[row.rank - 1] if row.rank <= len(MEDALS) else f'`{row.rank}.`'} "
            f"{player_label(row.user_id, names)} **{row.points}** pts · {row.correct}/{row.answers} right"
            for row in rows
        )
    embed.set_footer(text=f"Page {page + 1}/{max(pages, 1)} · {plural(total, 'player')}")
    return embed


def player_label(user_id: int, names: Mapping[int, str] | None) -> str:
    """Return the player's name (Markdown escaped) if ``names`` is given, else their mention."""
    if names is None:
        return mention(user_id)
    return f"**{discord.utils.escape_markdown(clip(names.get(user_id) or 'unknown player', 40))}**"


def stats_embed(name: str, user_id: int, stats: PlayerStats, *, scope: str) -> discord.Embed:
    """Render a player's stats."""
    embed = discord.Embed(title=f"Trivia stats · {clip(name, 80)}", colour=BRAND)
    embed.description = f"{mention(user_id)} · {scope}"
    embed.add_field(name="Points", value=str(stats.points))
    embed.add_field(name="Rank", value=f"#{stats.rank}" if stats.rank else "unranked")
    embed.add_field(name="Rounds", value=f"{stats.rounds_played} played · {stats.rounds_won} won")
    embed.add_field(name="Questions answered", value=str(stats.answers))
    embed.add_field(name="Accuracy", value=f"{stats.accuracy:.0%} ({stats.correct} right)")
    embed.add_field(name="Best streak", value=str(stats.best_streak))
    return embed


def help_embed(
    categories: dict[str, tuple[str, int]], total: int, server_packs: Sequence[tuple[str, str, int]] = ()
) -> discord.Embed:
    """Render what can be asked (categories with question counts), how to play, the scoring rule and quiz packs.

    ``server_packs`` are this server's packs with approved questions: (title, category, approved facts).
    """
    embed = discord.Embed(title="Orbit Trivia", colour=BRAND)
    embed.description = (
        "Questions are generated from facts of real news reports; every reveal quotes the sentence that "
        "proves the answer.\n\n"
        f"`/trivia start` starts a round here ({QUESTIONS.span} questions, {SECONDS.span} seconds each) · "
        "`/answer` answers a typed question · `/trivia stop` ends the "
        "round · `/leaderboard` and `/stats` show scores · `/trivia dispute` contests a rejected typed answer "
        "· `/trivia privacy` shows or deletes your data."
    )
    lines = [
        f"**{label}** (`{cat}`): {plural(count, 'question')}" for cat, (label, count) in sorted(categories.items())
    ]
    embed.add_field(name=f"Categories · {plural(total, 'question')}", value=clip("\n".join(lines), 1024), inline=False)
    embed.add_field(name="Scoring", value=clip(SCORING_RULES, 1024), inline=False)
    embed.add_field(name="This server's own quizzes", value=clip(pack_help(server_packs), 1024), inline=False)
    return embed


def pack_help(server_packs: Sequence[tuple[str, str, int]] = ()) -> str:
    """Explain the quiz packs a server drafts from its own documents, and list those it can play."""
    text = (
        f"`/trivia pack add` drafts questions from an article you attach ({DOCUMENT_LIMITS}) and its date · "
        "`/trivia pack review` approves or rejects them one by one, with the sentence each comes from · "
        "`/trivia pack remove` deletes a pack. These need **Manage Server**; anyone can see the packs with "
        f"`/trivia pack list`. Approved questions are asked only in this server, as the category "
        f"`{PACK_CATEGORY_PREFIX}<name>` of `/trivia start`. A server keeps at most {PACKS_PER_SERVER} packs."
    )
    lines = [
        f"**{discord.utils.escape_markdown(clip(title, 80))}** (`{category}`): {plural(approved, 'approved fact')}"
        for title, category, approved in server_packs
    ]
    return "\n".join([text, *lines])
