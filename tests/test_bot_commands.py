"""End to end through the real bot: the slash-command interface, its syncing, and every command but the round.

Scores are seeded straight through ``bot.storage`` where a played round would add nothing but time.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest

from bot.app import TriviaBot
from bot.limits import PACKS_PER_SERVER
from bot.packs import DOCUMENT_LIMITS, PACK_CATEGORY_PREFIX
from bot.scoring import SCORING_RULES
from bot.sync import TREE_HASH_KEY
from fake_discord import MANAGE_GUILD, FakeDiscord, running_bot
from questions.models import QuestionKind
from tests.bot_helpers import (
    ANSWER_SLA_SECONDS,
    Json,
    assert_pings_nobody,
    field_value,
    mention_of,
    reply_to,
    running_session,
    seed_scores,
    wait_question,
    wait_reveal,
    wait_standings,
)
from tests.conftest import button_ids

GUILD_ONLY = [0]  # interaction context 0: a server channel (not DMs, not group DMs)


def user_id(fake: FakeDiscord, player: int) -> int:
    """Return the Discord id of test player ``player``."""
    return int(fake.user(player)["id"])


def by_name(items: list[Json]) -> dict[str, Json]:
    """Index commands or options by name."""
    return {item["name"]: item for item in items}


def option_shapes(command: Json) -> dict[str, tuple[Any, ...]]:
    """Return option name -> (type, required, min, max, choice values, autocomplete) of a command."""
    return {
        o["name"]: (
            o["type"],
            o.get("required", False),
            o.get("min_value"),
            o.get("max_value"),
            tuple(c["value"] for c in o.get("choices") or ()),
            o.get("autocomplete", False),
        )
        for o in command.get("options") or []
    }


async def test_the_command_interface_and_deliberate_syncing(
    fake: FakeDiscord, make_bot: Callable[..., TriviaBot]
) -> None:
    async with running_bot(fake, make_bot()) as bot:
        assert bot.sync_report is not None and bot.sync_report.global_synced
        stored_hash = await bot.storage.get_meta(TREE_HASH_KEY)
    # The first start syncs the dev guild (instant) and, as the tree is new, the global commands.
    assert [scope for scope, _ in fake.command_syncs] == [fake.guild_id, None]
    assert stored_hash == bot.sync_report.tree_hash

    commands = by_name(fake.command_syncs[-1][1])
    assert fake.command_syncs[0][1] == fake.command_syncs[-1][1]
    assert set(commands) == {"trivia", "answer", "leaderboard", "stats", "trivia-settings"}
    for command in commands.values():
        assert command["description"], command["name"]
        assert command["dm_permission"] is False and command["contexts"] == GUILD_ONLY, command["name"]
        for option in command.get("options") or []:
            assert option["description"], f"/{command['name']} {option['name']}"
            for inner in option.get("options") or []:
                assert inner["description"], f"/{command['name']} {option['name']} {inner['name']}"

    trivia = by_name(commands["trivia"]["options"])
    assert set(trivia) == {"start", "stop", "dispute", "categories", "help", "privacy", "pack"}
    pack = trivia.pop("pack")  # a group: /trivia pack add|review|list|remove
    assert pack["type"] == 2
    packs = by_name(pack["options"])
    assert set(packs) == {"add", "review", "list", "remove"}
    assert option_shapes(packs["add"]) == {
        "document": (11, True, None, None, (), False),
        "date": (3, True, None, None, (), False),
    }
    assert option_shapes(packs["review"]) == {"pack": (3, False, None, None, (), True)}
    assert option_shapes(packs["remove"]) == {"pack": (3, True, None, None, (), True)}
    assert option_shapes(packs["list"]) == {}
    assert all(sub["type"] == 1 for sub in trivia.values())
    assert option_shapes(trivia["start"]) == {
        "questions": (4, False, 1, 50, (), False),
        "category": (3, False, None, None, (), True),
        "kind": (3, False, None, None, ("mixed", "multiple_choice", "true_false", "typed"), False),
        "seconds": (4, False, 5, 120, (), False),
    }
    assert option_shapes(trivia["stop"]) == {} and option_shapes(trivia["categories"]) == {}
    assert option_shapes(trivia["help"]) == {}
    assert option_shapes(trivia["privacy"])["action"][4] == ("show", "delete")
    assert option_shapes(commands["answer"]) == {"text": (3, True, None, None, (), False)}
    assert commands["answer"]["options"][0]["max_length"] == 200
    assert option_shapes(commands["leaderboard"]) == {
        "scope": (3, False, None, None, ("server", "global"), False),
        "period": (3, False, None, None, ("all", "week"), False),
    }
    assert option_shapes(commands["stats"]) == {"member": (6, False, None, None, (), False)}
    assert option_shapes(commands["trivia-settings"]) == {
        "questions": (4, False, 1, 50, (), False),
        "seconds": (4, False, 5, 120, (), False),
    }
    # Admin settings are hidden from members without Manage Server by default; the rest is for everyone.
    assert int(commands["trivia-settings"]["default_member_permissions"]) == MANAGE_GUILD
    assert all(commands[name]["default_member_permissions"] is None for name in commands if name != "trivia-settings")

    # A restart with the same database syncs the dev guild again, but not the unchanged global commands.
    async with running_bot(fake, make_bot()) as again:
        assert again.sync_report is not None and not again.sync_report.global_synced
        assert again.sync_report.guilds_synced == [fake.guild_id]
    assert [scope for scope, _ in fake.command_syncs] == [fake.guild_id, None, fake.guild_id]


async def test_categories_help_unknown_category_and_autocomplete(
    fake: FakeDiscord, make_bot: Callable[..., TriviaBot]
) -> None:
    fake.interaction_ack_timeout = ANSWER_SLA_SECONDS
    async with running_bot(fake, make_bot()) as bot:
        counts = bot.source.bank.categories()
        store = bot.source.store

        listed = await fake.interact(fake.slash_command("trivia categories", user=2))
        assert listed.ephemeral
        text = listed.embeds[0]["description"]
        for category, count in counts.items():
            assert f"**{store.category_label(category)}** (`{category}`): {count} questions" in text

        helped = await fake.interact(fake.slash_command("trivia help", user=2))
        assert helped.ephemeral
        help_text = str(helped.embeds[0])
        assert field_value({"embeds": helped.embeds}, "Scoring") == SCORING_RULES
        for category, count in counts.items():
            assert f"(`{category}`): {count} questions" in help_text
        # Quiz packs: every command, who may use it, and the limits, from their one source.
        packs_help = field_value({"embeds": helped.embeds}, "This server's own quizzes") or ""
        for command in ("add", "review", "list", "remove"):
            assert f"`/trivia pack {command}`" in packs_help
        assert "**Manage Server**" in packs_help and "anyone can see the packs with `/trivia pack list`" in packs_help
        assert f"({DOCUMENT_LIMITS})" in packs_help and DOCUMENT_LIMITS == "a .txt or .md file of at most 256 KiB"
        assert f"at most {PACKS_PER_SERVER} packs" in packs_help and f"`{PACK_CATEGORY_PREFIX}<name>`" in packs_help

        unknown = await fake.interact(fake.slash_command("trivia start", {"category": "astrology"}, user=2))
        assert unknown.ephemeral
        assert "no category called “astrology”" in (unknown.content or "")
        assert all(category in (unknown.content or "") for category in counts)
        assert running_session_absent(bot, fake.channel_id)

        # Autocomplete (interaction type 4) suggests categories with their question counts.
        suggest = fake.slash_command("trivia start", {"category": "cre"}, user=2)
        suggest["type"] = 4
        suggest["data"]["options"][0]["options"][0]["focused"] = True
        suggestions = await fake.interact(suggest)
        assert suggestions.type == 8
        assert suggestions.data is not None
        choices = suggestions.data["choices"]
        assert choices[0] == {"name": "All categories", "value": "all"}
        assert {"name": f"{store.category_label('crew')} ({counts['crew']} questions)", "value": "crew"} in choices
        assert all(c["value"] in ("all", "crew") for c in choices)

        # A category picked by its label starts a round of that category only.
        label = store.category_label("crew")
        started = await fake.interact(
            fake.slash_command("trivia start", {"category": label, "questions": 1, "seconds": 30}, user=2)
        )
        assert not started.ephemeral and f"from {label}" in (started.content or "")
        await wait_question(fake, fake.channel_id, 1)
        question = running_session(bot, fake.channel_id).current_question
        assert question is not None and question.category == "crew"
        await reply_to(fake, fake.slash_command("trivia stop", user=2))
        await wait_standings(fake, fake.channel_id)
    assert assert_pings_nobody(fake) > 0


def running_session_absent(bot: TriviaBot, channel_id: int) -> bool:
    """Return whether no round runs in the channel."""
    session = bot.get_cog("trivia").registry.get(channel_id)  # type: ignore[union-attr]
    return session is None or session.done


@pytest.mark.usefixtures("storage_backend")  # on SQLite and on PostgreSQL
async def test_leaderboard_scopes_periods_and_paging(fake: FakeDiscord, make_bot: Callable[..., TriviaBot]) -> None:
    fake.interaction_ack_timeout = ANSWER_SLA_SECONDS
    other_guild = 987_654_321_987_654_321
    here = {100 + n: 2000 - 10 * n for n in range(22)}  # 22 players in this server
    # The 3 best players play in another server: Discord users this server's members can't resolve by mention.
    elsewhere = {user_id(fake, 20 + n): 5000 + n for n in range(3)}
    veteran = {555: 99_999}  # the best of all time here, but not this week
    async with running_bot(fake, make_bot()) as bot:
        await seed_scores(bot.storage, fake.guild_id, here)
        await seed_scores(bot.storage, other_guild, elsewhere)
        await seed_scores(
            bot.storage, fake.guild_id, veteran, closed_at=dt.datetime.now(dt.UTC) - dt.timedelta(weeks=3)
        )

        board = await fake.interact(fake.slash_command("leaderboard", {"scope": "global", "period": "week"}, user=1))
        page = board.embeds[0]
        assert "Every server" in page["title"] and "week of" in page["title"]
        assert page["footer"]["text"] == "Page 1/3 · 25 players"
        lines = page["description"].splitlines()
        assert len(lines) == 10
        assert lines[0].startswith("🥇 **Player 22**") and "**5002** pts" in lines[0]  # a name, not <@id>
        assert "<@" not in page["description"]
        assert "555" not in page["description"]
        assert board.message is not None
        previous, following = button_ids(board.message)
        assert previous.endswith(":p") and following.endswith(":n")
        buttons = [b for row in board.message["components"] for b in row["components"]]
        assert buttons[0].get("disabled") is True and not buttons[1].get("disabled")

        turned = await fake.interact(fake.click(board.message, following, user=3))
        assert turned.type == 7  # the same message, edited in place
        second = turned.embeds[0]
        assert second["footer"]["text"] == "Page 2/3 · 25 players"
        assert second["description"].splitlines()[0].startswith("`11.` **deleted user**")  # 107 is no Discord user
        message = turned.original()
        assert message is not None and message["id"] == board.message["id"]
        back = await fake.interact(fake.click(message, button_ids(message)[0], user=3))
        assert back.embeds[0]["footer"]["text"] == "Page 1/3 · 25 players"

        # This server, all time: the veteran leads, players of other servers are not listed.
        server = await fake.interact(fake.slash_command("leaderboard", {}, user=1))
        server_page = server.embeds[0]
        assert "This server" in server_page["title"] and "all time" in server_page["title"]
        assert server_page["description"].startswith("🥇 <@555> **99999** pts")
        assert "Player 20" not in server_page["description"]
        assert server_page["footer"]["text"] == "Page 1/3 · 23 players"
    assert assert_pings_nobody(fake) >= 2


async def test_stats_for_yourself_another_member_and_not_for_bots(
    fake: FakeDiscord, make_bot: Callable[..., TriviaBot]
) -> None:
    fake.interaction_ack_timeout = ANSWER_SLA_SECONDS
    async with running_bot(fake, make_bot()) as bot:
        await seed_scores(bot.storage, fake.guild_id, {user_id(fake, 1): 300, user_id(fake, 2): 120})
        await seed_scores(bot.storage, fake.guild_id, {user_id(fake, 2): 140})

        mine = await fake.interact(fake.slash_command("stats", {}, user=1))
        assert mine.ephemeral
        assert "Player 1" in mine.embeds[0]["title"]
        assert field_value({"embeds": mine.embeds}, "Rank") == "#1"

        theirs = await fake.interact(fake.slash_command("stats", {"member": 2}, user=1))
        assert theirs.ephemeral
        embed = {"embeds": theirs.embeds}
        assert "Player 2" in theirs.embeds[0]["title"] and mention_of(fake, 2) in theirs.embeds[0]["description"]
        assert field_value(embed, "Points") == "260"
        assert field_value(embed, "Rank") == "#2"
        assert field_value(embed, "Rounds") == "2 played · 1 won"
        assert field_value(embed, "Questions answered") == "2"
        assert field_value(embed, "Accuracy") == "100% (2 right)"
        assert field_value(embed, "Best streak") == "1"

        newcomer = await fake.interact(fake.slash_command("stats", {"member": 5}, user=1))
        assert field_value({"embeds": newcomer.embeds}, "Rank") == "unranked"

        robot = await fake.interact(fake.slash_command("stats", {"member": fake.bot_id}, user=1))
        assert robot.ephemeral and "Bots don't play trivia" in (robot.content or "")
    assert assert_pings_nobody(fake) > 0


async def test_settings_need_manage_server_and_become_the_round_defaults(
    fake: FakeDiscord, make_bot: Callable[..., TriviaBot]
) -> None:
    fake.interaction_ack_timeout = ANSWER_SLA_SECONDS
    async with running_bot(fake, make_bot()) as bot:
        # Discord hides the command from members without Manage Server, but a server can change that.
        refused = await fake.interact(fake.slash_command("trivia-settings", {"questions": 3}, user=2, permissions=0))
        assert refused.ephemeral and "Manage Server" in (refused.content or "")
        assert (await bot.storage.get_guild_settings(fake.guild_id)).default_questions == 10

        shown = await fake.interact(fake.slash_command("trivia-settings", {}, user=3, permissions=MANAGE_GUILD))
        assert shown.ephemeral and "**10** questions, **30** seconds" in (shown.content or "")
        changed = await fake.interact(
            fake.slash_command("trivia-settings", {"questions": 2, "seconds": 7}, user=3, permissions=MANAGE_GUILD)
        )
        assert changed.ephemeral and "are now: **2** questions, **7** seconds" in (changed.content or "")
        only_seconds = await fake.interact(
            fake.slash_command("trivia-settings", {"seconds": 8}, user=0)  # the owner: an administrator
        )
        assert "**2** questions, **8** seconds" in (only_seconds.content or "")

        started = await fake.interact(fake.slash_command("trivia start", {}, user=4))
        assert "a round of **2** questions" in (started.content or "")
        assert "**8** seconds each" in (started.content or "")
        await wait_question(fake, fake.channel_id, 1)
        session = running_session(bot, fake.channel_id)
        assert session.total == 2 and session.settings.seconds_per_question == 8
        await reply_to(fake, fake.slash_command("trivia stop", user=4))
        await wait_standings(fake, fake.channel_id)
    assert assert_pings_nobody(fake) > 0


@pytest.mark.usefixtures("storage_backend")  # on SQLite and on PostgreSQL
async def test_privacy_show_and_delete(fake: FakeDiscord, make_bot: Callable[..., TriviaBot]) -> None:
    fake.interaction_ack_timeout = ANSWER_SLA_SECONDS
    owner, other = user_id(fake, 2), user_id(fake, 3)
    async with running_bot(fake, make_bot()) as bot:
        await seed_scores(bot.storage, fake.guild_id, {owner: 150, other: 90})
        shown = await fake.interact(fake.slash_command("trivia privacy", {"action": "show"}, user=2))
        assert shown.ephemeral
        upload = next(r for r in fake.requests if r.path.startswith(f"/interactions/{shown.interaction_id}/"))
        (attachment,) = upload.files
        assert attachment.filename == "orbit-trivia-data.json"
        exported = json.loads(attachment.data)
        assert exported["user_id"] == owner and exported["answer_count"] == 1 and len(exported["answers"]) == 1
        assert [(row["guild_id"], row["points"]) for row in exported["totals_by_guild"]] == [(fake.guild_id, 150)]
        assert str(other) not in attachment.data.decode()  # nobody else's data
        assert shown.message is not None and shown.message["attachments"][0]["filename"] == "orbit-trivia-data.json"

        offer = await fake.interact(fake.slash_command("trivia privacy", {"action": "delete"}, user=2))
        assert offer.ephemeral and "can't be undone" in (offer.content or "")
        assert offer.message is not None
        (confirm,) = button_ids(offer.message)
        assert confirm == f"ot:pd:{owner}"

        intruder = await fake.interact(fake.click(offer.message, confirm, user=3))
        assert intruder.ephemeral and "Only the player whose data it is" in (intruder.content or "")
        assert (await bot.storage.player_stats(fake.guild_id, owner)).points == 150

        done = await fake.interact(fake.click(offer.message, confirm, user=2))
        assert done.type == 7 and "stored records about you were deleted" in (done.content or "")
        updated = done.original()
        assert updated is not None and not button_ids(updated)

        stats = await fake.interact(fake.slash_command("stats", {}, user=2))
        embed = {"embeds": stats.embeds}
        assert field_value(embed, "Points") == "0" and field_value(embed, "Rank") == "unranked"
        export = await bot.storage.export_player(owner)
        assert export["totals_by_guild"] == [] and export["answer_count"] == 0
        assert await bot.storage.player_answers(owner) == []
        assert (await bot.storage.player_stats(fake.guild_id, other)).points == 90  # nobody else's data
    assert assert_pings_nobody(fake) > 0


@pytest.mark.usefixtures("storage_backend")  # on SQLite and on PostgreSQL
async def test_disputes_accept_decline_and_the_alias_counts_from_then_on(
    fake: FakeDiscord, make_bot: Callable[..., TriviaBot]
) -> None:
    fake.interaction_ack_timeout = ANSWER_SLA_SECONDS
    channel = fake.channel_id
    claim = "the one I really meant"
    async with running_bot(fake, make_bot()) as bot:
        nothing = await fake.interact(fake.slash_command("trivia dispute", {}, user=2))
        assert nothing.ephemeral and "no rejected typed answer to dispute" in (nothing.content or "")

        await fake.interact(fake.slash_command("trivia start", {"questions": 1, "kind": "typed", "seconds": 5}))
        message = await wait_question(fake, channel, 1)
        question = running_session(bot, channel).current_question
        assert question is not None and question.kind in (QuestionKind.TYPED, QuestionKind.NUMERIC, QuestionKind.SET)
        for player, text in ((2, claim), (3, "@everyone <@&123> <@456>")):
            verdict = await fake.interact(fake.slash_command("answer", {"text": text}, user=player))
            assert (verdict.content or "").startswith("❌")
        await wait_reveal(fake, channel, message["id"])
        await wait_standings(fake, channel)
        assert (await bot.storage.player_stats(fake.guild_id, user_id(fake, 2))).points == 0

        filed = await fake.interact(fake.slash_command("trivia dispute", {"reason": "same thing"}, user=2))
        assert not filed.ephemeral and filed.message is not None
        dispute = filed.embeds[0]
        assert dispute["title"].startswith("Dispute #") and mention_of(fake, 2) in dispute["description"]
        assert field_value({"embeds": filed.embeds}, "Their answer") == claim
        assert field_value({"embeds": filed.embeds}, "Expected") == question.answer
        accept, decline = button_ids(filed.message)
        assert accept.endswith(":a") and decline.endswith(":d")
        twice = await fake.interact(fake.slash_command("trivia dispute", {}, user=2))
        assert twice.ephemeral and "already disputed" in (twice.content or "")

        member = await fake.interact(fake.click(filed.message, accept, user=4))
        assert member.ephemeral and "Only someone with Manage Server" in (member.content or "")

        # Two moderators press at once: the first decision counts, the second is refused.
        first = fake.click(filed.message, accept, user=5, permissions=MANAGE_GUILD)
        late = fake.click(filed.message, decline, user=0)
        accepted = await fake.interact(first)
        assert accepted.type == 7
        decided = accepted.original()
        assert decided is not None and not button_ids(decided)
        decision = field_value(decided, "Decision")
        assert decision is not None and decision.startswith(f"✅ Accepted by {mention_of(fake, 5)}")
        refused = await fake.interact(late)
        assert refused.ephemeral and "already been decided" in (refused.content or "")

        # The player's points for that question are corrected ...
        answers = await bot.storage.question_answers((await bot.storage.round_questions(1))[0].id)
        corrected = next(a for a in answers if a.user_id == user_id(fake, 2))
        assert corrected.correct and corrected.points > 0
        assert f"**{corrected.points}** points" in decision
        stats = await fake.interact(fake.slash_command("stats", {}, user=2))
        assert field_value({"embeds": stats.embeds}, "Points") == str(corrected.points)
        assert field_value({"embeds": stats.embeds}, "Accuracy") == "100% (1 right)"
        # ... and the answer is accepted in this server from now on (what a new round's judge loads).
        aliases = await bot.storage.guild_aliases(fake.guild_id, question.fact_id)
        assert aliases == [claim]
        assert bot.source.matcher.judge(question, claim, aliases).accepted
        assert not bot.source.matcher.judge(question, claim).accepted

        # A decline is recorded too, and changes no points.
        other = await fake.interact(fake.slash_command("trivia dispute", {}, user=3))
        assert other.message is not None
        assert "<@456>" in str(other.embeds)  # shown as typed, but nobody is pinged (checked below)
        declined = await fake.interact(fake.click(other.message, button_ids(other.message)[1], user=0))
        assert declined.type == 7
        decided = declined.original()
        assert decided is not None and (field_value(decided, "Decision") or "").startswith("❌ Declined by")
        # Ids as the embeds show them ("Dispute #N"; PostgreSQL may skip the id of the refused second claim).
        dispute_ids = [int(embed["title"].removeprefix("Dispute #").split()[0]) for embed in (dispute, other.embeds[0])]
        disputes = [await bot.storage.get_dispute(n) for n in dispute_ids]
        assert [(d.status, d.decided_by) for d in disputes if d] == [
            ("accepted", user_id(fake, 5)),
            ("rejected", user_id(fake, 0)),
        ]
        assert (await bot.storage.player_stats(fake.guild_id, user_id(fake, 3))).points == 0
    assert assert_pings_nobody(fake) > 0
    assert fake.unhandled == []
