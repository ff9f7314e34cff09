"""End to end: the real bot (discord.py, cogs, engine, SQLite) against the local fake Discord API."""

from __future__ import annotations

from collections.abc import Callable

from bot.app import TriviaBot
from fake_discord import MANAGE_GUILD, FakeDiscord, running_bot
from tests.bot_helpers import reply_to, wait_question, wait_reveal, wait_standings
from tests.conftest import button_ids, embeds_of

EPHEMERAL = 64


async def test_whole_round_from_start_to_leaderboard(fake: FakeDiscord, make_bot: Callable[..., TriviaBot]) -> None:
    async with running_bot(fake, make_bot()) as bot:
        channel = fake.channel_id
        started = await fake.interact(
            fake.slash_command("trivia start", {"questions": 2, "kind": "multiple_choice", "seconds": 5}, user=1)
        )
        assert started.type == 4
        assert "started a round of **2** questions" in (started.content or "")
        assert not started.ephemeral

        first = await wait_question(fake, channel, 1)
        embed = embeds_of(first)[0]
        session = bot.get_cog("trivia").registry.get(channel)  # type: ignore[union-attr]
        question = session.current_question
        assert embed["description"] == question.prompt  # the prompt verbatim
        assert "<t:" in str(embed["fields"])  # a live relative deadline
        ids = button_ids(first)
        assert len(ids) == 4
        right = ids[question.correct_index]
        wrong = next(i for i in ids if i != right)

        # Player 1 picks wrong then changes to right: the last choice counts. Player 2 picks wrong.
        ack = await fake.interact(fake.click(first, wrong, user=1))
        assert ack.ephemeral and "You chose" in (ack.content or "")
        ack = await fake.interact(fake.click(first, right, user=1))
        assert ack.ephemeral and "You chose" in (ack.content or "")
        ack = await fake.interact(fake.click(first, wrong, user=2))
        assert ack.ephemeral

        reveal = await wait_reveal(fake, channel, first["id"])
        reveal_embed = embeds_of(reveal)[0]
        text = str(reveal_embed)
        assert question.answer in reveal_embed["description"]
        assert f"<@{fake.user(1)['id']}>" in text and "+1" in text  # who scored
        assert question.quote[:40] in text  # the source quote
        assert "How the options were picked" in text
        assert not button_ids(reveal)  # buttons gone after the reveal

        second = await wait_question(fake, channel, 2)
        q2 = bot.get_cog("trivia").registry.get(channel).current_question  # type: ignore[union-attr]
        await fake.interact(fake.click(second, button_ids(second)[q2.correct_index], user=1))
        await fake.interact(fake.click(second, button_ids(second)[(q2.correct_index + 1) % 4], user=2))

        standings = await wait_standings(fake, channel)
        assert f"<@{fake.user(1)['id']}>" in embeds_of(standings)[0]["description"]

        board = await fake.interact(fake.slash_command("leaderboard", {}, user=3))
        board_text = str(board.embeds)
        assert f"<@{fake.user(1)['id']}>" in board_text
        assert board_text.index(str(fake.user(1)["id"])) < board_text.index(str(fake.user(2)["id"]))

        stats = await fake.interact(fake.slash_command("stats", {}, user=1))
        assert stats.ephemeral
        stats_text = str(stats.embeds)
        assert "1 played · 1 won" in stats_text and "#1" in stats_text
        assert fake.unhandled == []


async def test_second_start_in_same_channel_is_refused(fake: FakeDiscord, make_bot: Callable[..., TriviaBot]) -> None:
    async with running_bot(fake, make_bot()):
        await fake.interact(fake.slash_command("trivia start", {"questions": 3, "seconds": 30}, user=1))
        again = await fake.interact(fake.slash_command("trivia start", {}, user=2))
        assert again.ephemeral
        assert "already running" in (again.content or "")


async def test_stop_needs_starter_or_manage_server(fake: FakeDiscord, make_bot: Callable[..., TriviaBot]) -> None:
    async with running_bot(fake, make_bot()):
        await fake.interact(fake.slash_command("trivia start", {"questions": 3, "seconds": 30}, user=1))
        refused = await fake.interact(fake.slash_command("trivia stop", {}, user=2, permissions=0))
        assert refused.ephemeral and "Only the player who started" in (refused.content or "")
        stopped = await reply_to(fake, fake.slash_command("trivia stop", {}, user=3, permissions=MANAGE_GUILD))
        assert not stopped.ephemeral and "stopped the round" in (stopped.content or "")
        standings = await wait_standings(fake, fake.channel_id)
        assert "stopped" in embeds_of(standings)[0]["title"].lower()
