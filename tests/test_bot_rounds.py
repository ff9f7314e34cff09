"""End to end through the real bot: typed answers, what the public messages show, reveals, pacing, channels.

Rounds use the minimum 5 seconds per question; the first question of a round always runs its full time.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable

import pytest

from bot.app import TriviaBot
from bot.engine import EndReason
from bot.render import END_TITLES, LETTERS
from fake_discord import FakeDiscord, running_bot
from questions.models import QuestionKind
from tests.bot_helpers import (
    ANSWER_SLA_SECONDS,
    Json,
    assert_pings_nobody,
    field_value,
    mention_of,
    message_by_id,
    running_session,
    title_of,
    wait_question,
    wait_reveal,
    wait_standings,
)
from tests.conftest import button_ids, embeds_of

EVERY_KIND_OF_PING = "@everyone <@&123> <@456>"


async def start_round(
    fake: FakeDiscord, channel_id: int, *, user: int = 1, guild_id: int | None = None, **options: object
) -> None:
    """Start a round with /trivia start in a channel and check it was accepted publicly."""
    command = fake.slash_command("trivia start", dict(options), user=user, channel_id=channel_id, guild_id=guild_id)
    started = await fake.interact(command)
    assert started.type == 4 and not started.ephemeral, started.content
    assert "started a round" in (started.content or "")


async def typed_answer(fake: FakeDiscord, text: str, *, user: int, channel_id: int | None = None) -> str:
    """Answer with /answer and return the (ephemeral) verdict."""
    result = await fake.interact(fake.slash_command("answer", {"text": text}, user=user, channel_id=channel_id))
    assert result.type == 4
    assert result.ephemeral, f"a verdict must be private: {result.content!r}"
    return result.content or ""


def question_edits(fake: FakeDiscord, channel_id: int, message_id: int | str) -> list[Json]:
    """Return the bodies of every edit the bot made to one channel message, in order."""
    path = f"/channels/{channel_id}/messages/{message_id}"
    return [r.json for r in fake.requests if r.method == "PATCH" and r.path == path and r.status == 200]


async def test_typed_answers_verdicts_attempts_form_hints_and_no_pings(
    fake: FakeDiscord, make_bot: Callable[..., TriviaBot]
) -> None:
    fake.interaction_ack_timeout = ANSWER_SLA_SECONDS
    channel = fake.channel_id
    async with running_bot(fake, make_bot()) as bot:
        nothing = await fake.interact(fake.slash_command("answer", {"text": "Gagarin"}, user=1))
        assert nothing.ephemeral and "No trivia round is running here" in (nothing.content or "")

        await start_round(fake, channel, questions=1, kind="typed", seconds=5)
        message = await wait_question(fake, channel, 1)
        question = running_session(bot, channel).current_question
        assert question is not None and question.kind in (QuestionKind.TYPED, QuestionKind.NUMERIC, QuestionKind.SET)
        assert embeds_of(message)[0]["description"] == question.prompt
        (form_button,) = button_ids(message)
        assert form_button.startswith("ot:t:")

        # A wrong guess: private, says why, and how many tries are left.
        wrong = await typed_answer(fake, "Definitely not the answer", user=2)
        assert wrong.startswith("❌") and "2 tries left" in wrong
        # Then the right one: private, with the matcher's reason.
        right = await typed_answer(fake, question.answer, user=2)
        assert right.startswith("✅")
        assert bot.source.matcher.judge(question, question.answer).reason in right
        again = await typed_answer(fake, question.answer, user=2)
        assert "already got this one right" in again

        # Three wrong guesses use every attempt; a fourth is refused.
        for left in ("2 tries left", "1 try left"):
            assert left in await typed_answer(fake, "wrong again", user=3)
        last = await typed_answer(fake, "wrong again", user=3)
        assert last.startswith("❌") and "left" not in last
        refused = await typed_answer(fake, question.answer, user=3)
        assert "used all 3 attempts" in refused

        # Text that would ping everyone is judged without pinging anyone.
        pings = await fake.interact(fake.slash_command("answer", {"text": EVERY_KIND_OF_PING}, user=4))
        assert pings.ephemeral and (pings.content or "").startswith("❌")
        callback = next(r for r in fake.requests if r.path.startswith(f"/interactions/{pings.interaction_id}/"))
        assert callback.json["data"]["allowed_mentions"] == {"parse": []}

        # The ✍️ button opens a form; two players have it open at once and both submissions count.
        forms = [await fake.interact(fake.click(message, form_button, user=n)) for n in (5, 6)]
        assert all(form.type == 9 for form in forms)  # a modal
        modal = forms[0].data
        assert modal is not None and modal["title"].startswith("Question 1")
        text_input = modal["components"][0]["components"][0]
        for player, form in zip((5, 6), forms, strict=True):
            assert form.data is not None
            submitted = await fake.interact(
                fake.submit_modal(form.data["custom_id"], {text_input["custom_id"]: question.answer}, user=player)
            )
            assert submitted.ephemeral and (submitted.content or "").startswith("✅"), submitted.content

        reveal = await wait_reveal(fake, channel, message["id"])
        # Hints were added to the question message while it was open, before the reveal.
        edits = question_edits(fake, channel, message["id"])
        hinted = [i for i, body in enumerate(edits) if any(f["name"] == "Hint" for f in body["embeds"][0]["fields"])]
        revealed = next(i for i, body in enumerate(edits) if "time's up" in body["embeds"][0]["title"])
        assert hinted and hinted[0] < revealed
        assert all("time's up" not in edits[i]["embeds"][0]["title"] for i in hinted)

        scored = field_value(reveal, "Scored (3)")
        assert scored is not None, embeds_of(reveal)
        for player in (2, 5, 6):
            assert mention_of(fake, player) in scored
        assert mention_of(fake, 3) not in scored
        assert not button_ids(reveal)
        standings = await wait_standings(fake, channel)
        assert title_of(standings) == END_TITLES[EndReason.FINISHED]
    assert assert_pings_nobody(fake) > 0
    assert fake.unhandled == []


@pytest.mark.real_time  # it measures the channel's writes per second
async def test_question_message_shows_count_not_choices_and_the_reveal_tells_everything(
    fake: FakeDiscord, make_bot: Callable[..., TriviaBot]
) -> None:
    fake.interaction_ack_timeout = ANSWER_SLA_SECONDS
    channel = fake.channel_id
    async with running_bot(fake, make_bot()) as bot:
        await start_round(fake, channel, questions=2, kind="multiple_choice", seconds=5)
        first = await wait_question(fake, channel, 1)
        question = running_session(bot, channel).current_question
        assert question is not None and question.correct_index is not None
        ids = button_ids(first)
        assert [b["label"] for row in first["components"] for b in row["components"]] == [
            f"{LETTERS[i]} · {choice}" for i, choice in enumerate(question.choices)
        ]
        right = ids[question.correct_index]
        wrong = next(i for i in ids if i != right)
        before = embeds_of(first)[0]

        refused = await typed_answer(fake, question.answer, user=1)
        assert "pick one of them instead of typing" in refused

        ack = await fake.interact(fake.click(first, wrong, user=1))
        assert ack.ephemeral and "You chose" in (ack.content or "")
        ack = await fake.interact(fake.click(first, right, user=1))  # changes their mind: the last choice counts
        assert ack.ephemeral and "You chose" in (ack.content or "")
        same = await fake.interact(fake.click(first, right, user=1))
        assert same.ephemeral and "already your choice" in (same.content or "")
        await fake.interact(fake.click(first, right, user=2))
        await fake.interact(fake.click(first, wrong, user=3))

        def counted_three() -> Json | None:
            message = message_by_id(fake, channel, first["id"])
            return message if message and field_value(message, "Answered") == "3" else None

        updated = await fake.wait_for(counted_three, timeout=5, description="the answer count to reach 3")
        after = embeds_of(updated)[0]
        # Only the count changed: nobody's choice (or name) appears on the public message.
        assert {k: v for k, v in after.items() if k != "fields"} == {k: v for k, v in before.items() if k != "fields"}
        assert [f for f in after["fields"] if f["name"] != "Answered"] == [
            f for f in before["fields"] if f["name"] != "Answered"
        ]
        assert "<@" not in str(after) and "player" not in str(after).lower()

        reveal = await wait_reveal(fake, channel, first["id"])
        embed = embeds_of(reveal)[0]
        assert f"**Answer:** {question.answer}" in embed["description"]
        picks = field_value(reveal, "How the options were picked")
        assert picks is not None
        lines = picks.splitlines()
        wrong_index = ids.index(wrong)
        assert lines[question.correct_index].startswith("✅") and lines[question.correct_index].endswith("— 2")
        assert lines[wrong_index].endswith("— 1")
        scored = field_value(reveal, "Scored (2)")
        assert scored is not None
        for player in (1, 2):
            line = next(line for line in scored.splitlines() if mention_of(fake, player) in line)
            assert re.search(r"\d+\.\ds \*\*\+\d+\*\*", line), line  # how fast, and the points
        assert scored.count("⚡") == 1
        assert mention_of(fake, 3) not in scored
        source = field_value(reveal, "Source")
        assert source is not None and question.quote[:60] in source and question.document_title in source
        assert embed["footer"]["text"].startswith("3 answered")

        # Question 2 closes as soon as everyone who joined has answered.
        second = await wait_question(fake, channel, 2)
        q2 = running_session(bot, channel).current_question
        assert q2 is not None and q2.correct_index is not None
        for player in (1, 2, 3):
            await fake.interact(fake.click(second, button_ids(second)[q2.correct_index], user=player))
        await wait_reveal(fake, channel, second["id"], timeout=3)
        standings = await wait_standings(fake, channel)
        assert title_of(standings) == END_TITLES[EndReason.FINISHED]
        ranking = embeds_of(standings)[0]["description"]
        assert ranking.index(mention_of(fake, 1)) < ranking.index(mention_of(fake, 3))

    # Channel writes stay within Discord's 5 per 5 seconds, and about one a second overall.
    assert fake.max_writes_in_window(channel, 5.0) <= 5
    writes = fake.channel_writes(channel)
    assert len(writes) / max(writes[-1] - writes[0], 1.0) <= 1.2
    assert assert_pings_nobody(fake) > 0
    assert fake.unhandled == []


async def test_rounds_in_three_channels_at_once(fake: FakeDiscord, make_bot: Callable[..., TriviaBot]) -> None:
    fake.interaction_ack_timeout = ANSWER_SLA_SECONDS
    other_guild = fake.add_guild("Second guild", channels=("quiz",), players=range(1, 4))
    busy, also_busy = fake.channel("general"), fake.channel("trivia")
    idle = other_guild.channels["quiz"]
    async with running_bot(fake, make_bot()) as bot:
        await start_round(fake, busy, questions=1, kind="multiple_choice", seconds=5)
        await start_round(fake, also_busy, user=2, questions=1, kind="true_false", seconds=5)
        await start_round(fake, idle, user=3, guild_id=other_guild.id, questions=3, seconds=5)
        refused = await fake.interact(fake.slash_command("trivia start", {}, user=4, channel_id=also_busy))
        assert refused.ephemeral and "already running" in (refused.content or "")

        first = await wait_question(fake, busy, 1)
        session = running_session(bot, busy)
        question = session.current_question
        assert question is not None and question.correct_index is not None
        right = button_ids(first)[question.correct_index]
        # Two players click at the same instant: both are stored, and exactly one of them is first.
        clicks = await asyncio.gather(*(fake.interact(fake.click(first, right, user=n)) for n in (1, 2)))
        assert all(c.ephemeral and "You chose" in (c.content or "") for c in clicks)

        other = await wait_question(fake, also_busy, 1)
        tf = running_session(bot, also_busy).current_question
        assert tf is not None and tf.correct_index is not None
        await fake.interact(fake.click(other, button_ids(other)[1 - tf.correct_index], user=4))

        reveal = await wait_reveal(fake, busy, first["id"])
        scored = field_value(reveal, "Scored (2)")
        assert scored is not None and scored.count("⚡") == 1
        assert session.round_id is not None
        (asked,) = await bot.storage.round_questions(session.round_id)
        answers = await bot.storage.question_answers(asked.id)
        assert sorted(a.user_id for a in answers) == sorted(int(fake.user(n)["id"]) for n in (1, 2))
        assert all(a.correct and a.points > 0 for a in answers)

        other_reveal = await wait_reveal(fake, also_busy, other["id"])
        assert field_value(other_reveal, "Scored (0)") == "Nobody got it right."
        assert mention_of(fake, 4) in embeds_of(await wait_standings(fake, also_busy))[0]["description"]
        assert mention_of(fake, 1) in embeds_of(await wait_standings(fake, busy))[0]["description"]

        # Nobody plays in the third channel: the round ends after two unanswered questions.
        standings = await wait_standings(fake, idle, timeout=20)
        assert title_of(standings) == END_TITLES[EndReason.INACTIVE]
        assert "nobody answered" in title_of(standings).lower()
        assert not [m for m in fake.messages[idle].values() if title_of(m).startswith("Question 3/")]
        nobody = [m for m in fake.messages[idle].values() if title_of(m).startswith("Question ")]
        assert len(nobody) == 2 and all(field_value(m, "Scored (0)") == "Nobody answered." for m in nobody)
    assert assert_pings_nobody(fake) > 0
    assert fake.unhandled == []


async def test_a_form_opened_for_one_question_cannot_answer_the_next(
    fake: FakeDiscord, make_bot: Callable[..., TriviaBot]
) -> None:
    fake.interaction_ack_timeout = ANSWER_SLA_SECONDS
    channel = fake.channel_id
    async with running_bot(fake, make_bot()) as bot:
        await start_round(fake, channel, questions=2, kind="typed", seconds=5)
        first = await wait_question(fake, channel, 1)
        session = running_session(bot, channel)
        q1 = session.current_question
        assert q1 is not None
        form = await fake.interact(fake.click(first, button_ids(first)[0], user=5))
        assert form.type == 9 and form.data is not None
        field_id = form.data["components"][0]["components"][0]["custom_id"]
        assert (await typed_answer(fake, q1.answer, user=2)).startswith("✅")

        second = await wait_question(fake, channel, 2)
        q2 = session.current_question
        assert q2 is not None and q2 is not q1
        # Player 5 submits the form of question 1 while question 2 is open, with question 2's answer.
        late = await fake.interact(fake.submit_modal(form.data["custom_id"], {field_id: q2.answer}, user=5))
        assert late.ephemeral and late.content == "Question 1 is closed: answer the current question instead."
        assert (await typed_answer(fake, q2.answer, user=2)).startswith("✅")  # everyone joined is done: closes
        await wait_reveal(fake, channel, second["id"], timeout=3)
        await wait_standings(fake, channel)
        assert session.round_id is not None
        asked = await bot.storage.round_questions(session.round_id)
        answered = [await bot.storage.question_answers(question.id) for question in asked]
        assert [[a.user_id for a in answers] for answers in answered] == [[int(fake.user(2)["id"])]] * 2
    assert assert_pings_nobody(fake) > 0
    assert fake.unhandled == []
