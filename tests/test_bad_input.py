"""Bad input, through the real bot: what a modified client, a hostile fact pack or a wrong token can do.

Every interaction here is built the way Discord would send it (``fake.slash_command`` / ``fake.click``) and
then mutated, the way a modified client could. The rule under test: every one gets a clear ephemeral reply
within Discord's 3 seconds (never "This interaction failed"), it changes nothing, nobody is pinged, and
no unexpected error is logged.
"""

from __future__ import annotations

import base64
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.app import STALE_BUTTON, STALE_FORM, TriviaBot
from bot.cogs.trivia import ROUND_ENDED
from bot.config import Settings
from bot.errors import OUTDATED
from bot.logs import RedactingFilter
from tests.conftest import button_ids, embeds_of
from tests.faultkit import (
    EPHEMERAL,
    REPLY_SLA,
    Json,
    assert_pings_nobody,
    bot_env,
    error_records,
    fresh,
    in_channel,
    read_only,
    run_command,
    send_all,
    snapshot,
    unanswered,
    with_custom_id,
    with_option,
    without_option,
)
from tests.fake_discord import MANAGE_GUILD, FakeDiscord, running_bot

OWNER = 0  # owns the fake guild: every permission


def _title(message: Json) -> str:
    embeds = embeds_of(message)
    return str(embeds[0].get("title", "")) if embeds else ""


async def _question(fake: FakeDiscord, channel_id: int, number: int = 1) -> Json:
    def find() -> Json | None:
        return next(
            (m for m in fake.messages[channel_id].values() if _title(m).startswith(f"Question {number}/")), None
        )

    return await fake.wait_for(find, timeout=15, description=f"question {number}")


def _assert_refused(replies: list[Json | None], cases: list[tuple[str, Json, str]]) -> None:
    """Every case got an ephemeral message reply that contains its expected text."""
    wrong = []
    for (label, _, expected), reply in zip(cases, replies, strict=True):
        if reply is None:
            wrong.append(f"{label}: no reply within {REPLY_SLA}s")
        elif reply["type"] != 4 or not int(reply.get("flags") or 0) & EPHEMERAL:
            wrong.append(f"{label}: not an ephemeral message: {reply}")
        elif expected not in str(reply.get("content")):
            wrong.append(f"{label}: {reply.get('content')!r} lacks {expected!r}")
    assert not wrong, "\n".join(wrong)


# --------------------------------------------------------------------------- slash-command options


async def test_options_a_modified_client_sends_are_refused_and_change_nothing(
    fake: FakeDiscord, make_bot: Callable[..., TriviaBot], bot_settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    async with running_bot(fake, make_bot()):
        start = fake.slash_command("trivia start", {"questions": 5, "seconds": 30, "kind": "mixed"}, user=1)
        answer = fake.slash_command("answer", {"text": "Shipenko"}, user=1)
        admin_settings = fake.slash_command("trivia-settings", {"questions": 5}, user=OWNER)
        board = fake.slash_command("leaderboard", {"scope": "server"}, user=1)
        stats = fake.slash_command("stats", {"member": 2}, user=1)
        privacy = fake.slash_command("trivia privacy", {"action": "show"}, user=1)
        dispute = fake.slash_command("trivia dispute", {"reason": "close enough"}, user=1)
        unknown_sub = fake.slash_command("trivia help", user=1)
        unknown_sub["data"]["options"][0]["name"] = "bogus"
        unknown_command = fake.slash_command("trivia help", user=1)
        unknown_command["data"]["name"] = "nope"
        group_only = fake.slash_command("trivia help", user=1)
        group_only["data"]["options"] = []
        options_not_a_list = fake.slash_command("trivia start", {"questions": 5}, user=1)
        options_not_a_list["data"]["options"][0]["options"] = "questions=5"
        duplicated = with_option(start, "questions", 5)
        duplicated["data"]["options"][0]["options"].append({"name": "questions", "type": 4, "value": 6})
        range_1_50 = "`questions` must be from 1 to 50"
        cases: list[tuple[str, Json, str]] = [
            ("questions=0", with_option(start, "questions", 0), range_1_50),
            ("questions=51", with_option(start, "questions", 51), range_1_50),
            ("questions=-1", with_option(start, "questions", -1), range_1_50),
            ("questions=10**20", with_option(start, "questions", 10**20), range_1_50),
            ("seconds=1", with_option(start, "seconds", 1), "`seconds` must be from 5 to 120"),
            ("seconds=999", with_option(start, "seconds", 999), "`seconds` must be from 5 to 120"),
            ("kind=nonsense", with_option(start, "kind", "nonsense"), "`kind` must be one of: Mixed,"),
            ("questions as a string option", with_option(start, "questions", "5", 3), "must be a whole number"),
            ("questions='abc'", with_option(start, "questions", "abc"), "must be a whole number"),
            ("questions=5.5", with_option(start, "questions", 5.5), "must be a whole number"),
            ("questions=true", with_option(start, "questions", True), "must be a whole number"),
            ("an unknown option", with_option(start, "bogus", "x"), OUTDATED),
            ("an option twice", duplicated, OUTDATED),
            ("options not a list", options_not_a_list, OUTDATED),
            ("/answer without text", without_option(answer, "text"), "`text` is required"),
            ("/answer with 4000 characters", with_option(answer, "text", "x" * 4000), "(it was 4000)"),
            ("/answer with nothing", with_option(answer, "text", ""), "`text` must be from 1 to 200"),
            ("/answer text=42", with_option(answer, "text", 42, 4), "`text` must be text"),
            ("settings questions=0", with_option(admin_settings, "questions", 0), range_1_50),
            ("settings seconds=10**20", with_option(admin_settings, "seconds", 10**20), "`seconds` must be"),
            ("leaderboard scope=''", with_option(board, "scope", ""), "`scope` must be one of"),
            ("leaderboard period=x", with_option(board, "period", "x", 3), "`period` must be one of"),
            ("stats member=abc", with_option(stats, "member", "abc"), "`member` must be a member"),
            ("privacy action=nonsense", with_option(privacy, "action", "nonsense"), "`action` must be one of"),
            ("dispute reason too long", with_option(dispute, "reason", "r" * 5000), "`reason` must be"),
            ("an unknown subcommand", unknown_sub, "doesn't exist any more"),
            ("an unknown command", unknown_command, "doesn't exist any more"),
            ("a group without subcommand", group_only, OUTDATED),
            ("start in a DM", fake.slash_command("trivia start", {"questions": 5}, user=1, dm=True), "servers only"),
        ]
        before = snapshot(bot_settings.database_path)
        replies = await send_all(fake, [payload for _, payload, _ in cases])
        _assert_refused(replies, cases)
        assert snapshot(bot_settings.database_path) == before
        assert not fake.messages[fake.channel_id], "nothing was posted in the channel"
        assert_pings_nobody(fake)
    assert not error_records(caplog.records)


# --------------------------------------------------------------------------- buttons and forms


async def _wait_message_stored(database: Path, fake: FakeDiscord) -> None:
    """Wait until the bot has stored which message shows the open question (its last write for a while)."""

    def stored() -> bool:
        with read_only(database) as connection:
            row = connection.execute("SELECT count(*) FROM round_questions WHERE message_id IS NULL").fetchone()
        return row[0] == 0

    await fake.wait_for(stored, timeout=5, description="the question's message id in the database")


async def test_forged_and_stale_buttons_and_forms_get_a_polite_reply_and_change_nothing(
    fake: FakeDiscord, make_bot: Callable[..., TriviaBot], bot_settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    other_guild = fake.add_guild("Other Guild", channels=("elsewhere",), players=range(1, 4))
    async with running_bot(fake, make_bot()):
        channel = fake.channel_id
        started = await fake.interact(
            fake.slash_command("trivia start", {"questions": 2, "seconds": 60, "kind": "multiple_choice"}, user=1)
        )
        assert started.type == 4
        question = await _question(fake, channel)
        ids = button_ids(question)
        round_id = int(ids[0].split(":")[2])
        click = fake.click(question, ids[0], user=2)
        privacy = await fake.interact(fake.slash_command("trivia privacy", {"action": "delete"}, user=2))
        delete_button = fake.click(privacy.message or {}, button_ids(privacy.message or {})[0], user=1)
        await _wait_message_stored(bot_settings.database_path, fake)
        other_channel = fake.channel("trivia")

        cases: list[tuple[str, Json, str]] = [
            ("garbage ot:c:abc", with_custom_id(click, "ot:c:abc"), STALE_BUTTON),
            ("not ours at all", with_custom_id(click, "someone-elses-button"), STALE_BUTTON),
            ("an id the message lacks", with_custom_id(click, f"ot:c:{round_id + 1000}:0:0"), STALE_BUTTON),
            ("another round", with_custom_id(click, f"ot:c:{round_id + 1000}:0:0", on_message=True), ROUND_ENDED),
            ("no such position", with_custom_id(click, f"ot:c:{round_id}:7:0", on_message=True), "Question 8 is"),
            ("choice index 9", with_custom_id(click, f"ot:c:{round_id}:0:9", on_message=True), "doesn't exist"),
            ("huge numbers", with_custom_id(click, f"ot:c:{10**30}:{10**9}:{10**9}", on_message=True), ROUND_ENDED),
            ("from another channel", in_channel(click, other_channel), ROUND_ENDED),
            ("from another guild", in_channel(click, other_guild.channel_ids[0], other_guild.id), ROUND_ENDED),
            ("a typed-answer button", with_custom_id(click, f"ot:t:{round_id}:0", on_message=True), "has options"),
            ("a leaderboard button", with_custom_id(click, "ot:lb:x:y:1:n"), STALE_BUTTON),
            ("a huge dispute id", with_custom_id(click, f"ot:d:{10**25}:a", on_message=True), "Manage Server"),
            ("a privacy button of another player", delete_button, "Only the player whose data it is"),
            ("a form we never sent", fake.submit_modal("ot:m:abc", {"answer": "x"}, user=2), STALE_FORM),
            ("an answer form of this question", fake.submit_modal(f"ot:m:{round_id}:0", {"a": "x"}, user=2), "options"),
            (
                "an answer form of another round",
                fake.submit_modal(f"ot:m:{round_id + 5}:0:{fake.user(2)['id']}", {"a": "x"}, user=2),
                ROUND_ENDED,
            ),
            ("an empty answer form", fake.submit_modal(f"ot:m:{round_id}:0", {"a": ""}, user=2), "Type an answer"),
            ("a stop by a non-starter", fake.slash_command("trivia stop", user=3, permissions=0), "Only the player"),
        ]
        admin_click = with_custom_id(fake.click(question, ids[0], user=OWNER), f"ot:d:{10**25}:a", on_message=True)
        cases.append(("a huge dispute id, by an admin", admin_click, "no longer exists"))
        before = snapshot(bot_settings.database_path)
        replies = await send_all(fake, [payload for _, payload, _ in cases])
        _assert_refused(replies, cases)
        assert snapshot(bot_settings.database_path) == before
        assert [m["id"] for m in fake.messages[channel].values() if m["author"]["bot"]] == [
            started.message["id"] if started.message else None,
            question["id"],
        ], "the bot posted nothing else"

        # Once the round is over, its old buttons and forms answer politely too.
        stopped = await fake.interact(fake.slash_command("trivia stop", user=1))
        assert "stopped the round" in (stopped.content or "")
        await fake.wait_for(
            lambda: any("stopped" in _title(m).lower() for m in fake.messages[channel].values()),
            timeout=5,
            description="the standings of the stopped round",
        )
        late = [
            ("a click after the end", fresh(click), ROUND_ENDED),
            ("a form after the end", fake.submit_modal(f"ot:m:{round_id}:0", {"a": "Gagarin"}, user=2), ROUND_ENDED),
            ("/answer after the end", fake.slash_command("answer", {"text": "Gagarin"}, user=2), "No trivia round"),
        ]
        after_end = snapshot(bot_settings.database_path)
        _assert_refused(await send_all(fake, [payload for _, payload, _ in late]), late)
        assert snapshot(bot_settings.database_path) == after_end
        assert not unanswered(fake)
        assert_pings_nobody(fake)
    assert not error_records(caplog.records)
