"""Bad input, through the real bot: what a modified client, a hostile fact pack or a wrong token can do.

Every interaction here is built the way Discord would send it (``fake.slash_command`` / ``fake.click``) and
then mutated, the way a modified client could. The rule under test: every one gets a clear ephemeral reply
within Discord's 3 seconds (never "This interaction failed"), it changes nothing, nobody is pinged, and
no unexpected error is logged.
"""

from __future__ import annotations

import asyncio
import base64
import io
import logging
import os
import re
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
from fake_discord import MANAGE_GUILD, FakeDiscord, running_bot
from tests.bot_helpers import assert_pings_nobody, reply_to
from tests.conftest import button_ids, embeds_of
from tests.faultkit import (
    EPHEMERAL,
    REPLY_SLA,
    Json,
    bot_env,
    consistency_problems,
    error_records,
    fresh,
    in_channel,
    query,
    run_command,
    send_all,
    snapshot,
    unanswered,
    wait_question_stored,
    with_custom_id,
    with_option,
    without_option,
)

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
        await wait_question_stored(bot_settings.database_path)
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
        stopped = await reply_to(fake, fake.slash_command("trivia stop", user=1))
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


# --------------------------------------------------------------------------- permissions


async def test_permissions_are_checked_when_the_command_runs(
    fake: FakeDiscord, make_bot: Callable[..., TriviaBot], bot_settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    async with running_bot(fake, make_bot()):
        channel = fake.channel_id
        await fake.interact(fake.slash_command("trivia start", {"questions": 1, "seconds": 5, "kind": "typed"}, user=1))
        question = await _question(fake, channel)
        wrong = await fake.interact(fake.slash_command("answer", {"text": "certainly not this"}, user=2))
        assert (wrong.content or "").startswith("❌")
        await fake.wait_for(
            lambda: "time's up" in _title(fake.messages[channel][int(question["id"])]), timeout=10, description="reveal"
        )
        dispute = await fake.interact(fake.slash_command("trivia dispute", {"reason": "close enough"}, user=2))
        assert dispute.message is not None and not dispute.ephemeral
        accept, decline = sorted(button_ids(dispute.message))  # ot:d:<id>:a, ot:d:<id>:d

        cases: list[tuple[str, Json, str]] = [
            (
                "settings by the owner whose permissions were overridden to 0",
                fake.slash_command("trivia-settings", {"questions": 7}, user=OWNER, permissions=0),
                "Manage Server",
            ),
            (
                "settings by a member",
                fake.slash_command("trivia-settings", {"seconds": 9}, user=3),
                "Manage Server",
            ),
            ("accept by a member", fake.click(dispute.message, accept, user=3), "Only someone with Manage Server"),
            ("decline by the disputer", fake.click(dispute.message, decline, user=2), "Only someone with Manage"),
            (
                "accept by an admin whose permissions were overridden to 0",
                fake.click(dispute.message, accept, user=OWNER, permissions=0),
                "Only someone with Manage Server",
            ),
        ]
        before = snapshot(bot_settings.database_path)
        _assert_refused(await send_all(fake, [payload for _, payload, _ in cases]), cases)
        assert snapshot(bot_settings.database_path) == before

        decided = await fake.interact(fake.click(dispute.message, accept, user=3, permissions=MANAGE_GUILD))
        assert decided.type == 7 and "Accepted by" in str(decided.message)
        assert query(bot_settings.database_path, "SELECT status FROM disputes") == [("accepted",)]
        assert not consistency_problems(bot_settings.database_path)
        assert not unanswered(fake)
    assert not error_records(caplog.records)


# --------------------------------------------------------------------------- typed answers of any shape

_PIECES = st.one_of(
    st.text(max_size=12),
    st.sampled_from(
        [
            "\u200b",  # zero-width space
            "\u200d",  # zero-width joiner
            "\u2060\ufeff",  # word joiner, BOM
            "\u202e\u2066\u200f",  # right-to-left override, isolate, mark
            "\u0301\u0308\u0336",  # combining marks
            "Z\u0335\u0321\u0358a\u0334\u0322l\u0337\u031b",  # zalgo
            "😀",
            "👨\u200d👩\u200d👧\u200d👦",
            "🏳️\u200d🌈",
            "🇫🇷",
            "**bold**",
            "__under__ ~~strike~~ ||spoiler||",
            "`code`",
            "```py\nprint('x')\n```",
            "> quote\n# heading",
            "[link](https://example.com)",
            "@everyone",
            "@here",
            "<@&1575000000000000001>",
            "<@100000000000000002>",
            "<@!100000000000000003>",
            "<#1575000000000000002>",
            "\x00\x07\r\n\t",
            "\ud83d",  # half of a surrogate pair: not encodable as UTF-8
            "Gagarin",
            "1961",
            "'; DROP TABLE answers; --",
        ]
    ),
)
_ANSWERS = st.one_of(
    st.lists(_PIECES, max_size=6).map("".join),
    st.builds(lambda unit, n: ((unit or "x") * n)[:n], _PIECES, st.integers(150, 4000)),
)


@pytest.fixture
async def typed_question(fake: FakeDiscord, make_bot: Callable[..., TriviaBot]) -> Any:
    """A bot with a typed question open for two minutes: (round id, question message)."""
    async with running_bot(fake, make_bot()):
        await fake.interact(
            fake.slash_command("trivia start", {"questions": 1, "seconds": 120, "kind": "typed"}, user=1)
        )
        question = await _question(fake, fake.channel_id)
        yield int(button_ids(question)[0].split(":")[2]), question


_players = iter(range(1000, 100_000))


def _utf8(text: str) -> str:
    return text.encode("utf-8", "replace").decode("utf-8")


# Real time: the 40 examples share one question of 120 s, which the fast test clock (10x between interactions)
# closed after 12 s of real time; a CI run on a loaded machine took longer than that and found it closed.
@pytest.mark.real_time
@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=_ANSWERS, path=st.sampled_from(["/answer", "form", "stale form"]))
async def test_typed_answers_of_any_shape_get_a_reply_ping_nobody_and_are_stored_bounded(
    fake: FakeDiscord, typed_question: tuple[int, Json], bot_settings: Settings, text: str, path: str
) -> None:
    round_id, question = typed_question
    player = next(_players)
    if path == "/answer":
        payload = with_option(fake.slash_command("answer", {"text": "x"}, user=player), "text", text)
    elif path == "form":  # the form the bot opened, as a client would send it back
        opened = await fake.interact(fake.click(question, button_ids(question)[0], user=player))
        assert opened.type == 9
        form = fake.interactions[opened.token].modal or {}
        field = form["components"][0]["components"][0]["custom_id"]
        payload = fake.submit_modal(form["custom_id"], {field: text}, user=player)
    else:  # a form the bot no longer holds (say, opened before a restart)
        payload = fake.submit_modal(f"ot:m:{round_id}:0:{fake.user(player)['id']}", {"answer": text}, user=player)
    (reply,) = await send_all(fake, [payload])

    assert reply is not None, f"no reply within {REPLY_SLA}s"
    assert reply["type"] == 4 and int(reply.get("flags") or 0) & EPHEMERAL
    stored = query(
        bot_settings.database_path, "SELECT text FROM answers WHERE user_id = ?", (int(fake.user(player)["id"]),)
    )
    ((longest,),) = query(bot_settings.database_path, "SELECT max(length(text)) FROM answers")
    assert longest is None or longest <= 200
    blank, too_long = not text.strip(), len(text) > 200
    if blank or too_long:  # one typed-answer path: /answer and both kinds of form refuse alike
        assert not stored, "a refused answer was stored"
    elif not too_long:
        assert str(reply["content"])[:1] in "✅🟡❌", reply["content"]
        assert [row[0] for row in stored] == [_utf8(text)], "the answer is stored as typed"
    assert_pings_nobody(fake)
    assert not unanswered(fake)


async def test_an_answer_utf8_cannot_encode_does_not_sink_the_others_of_its_batch(
    fake: FakeDiscord, typed_question: tuple[int, Json], bot_settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    poison = with_option(fake.slash_command("answer", {"text": "x"}, user=2), "text", "Ga\ud800garin")
    fine = fake.slash_command("answer", {"text": "Tereshkova"}, user=3)
    replies = await send_all(fake, [poison, fine])  # sent together: one group commit
    assert all(reply is not None and str(reply["content"])[:1] in "✅🟡❌" for reply in replies), replies
    texts = sorted(text for (text,) in query(bot_settings.database_path, "SELECT text FROM answers"))
    assert texts == ["Ga?garin", "Tereshkova"]
    assert not error_records(caplog.records)


# --------------------------------------------------------------------------- hostile fact packs


def _hostile_packs(folder: Path) -> dict[str, Path]:
    """Write fact packs built to hang, exhaust or crash a loader; return them by what they try."""
    folder.mkdir()
    laughs = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    laughs += [f"{b}: &{b} [{', '.join([f'*{a}'] * 9)}]" for a, b in zip("abcdefgh", "bcdefghi", strict=True)]
    files: dict[str, bytes] = {
        "huge": b"document:\n  title: " + b"x" * (2 * 1024 * 1024) + b"\n",
        "aliases": ("\n".join(laughs) + "\n").encode(),
        "recursive": b"document: &d\n  id: loop\n  self: *d\n",
        "deep-yaml": b"document: " + b"[" * 5000 + b"]" * 5000 + b"\n",
        "wrong-types": b"document: 5\ncategories: [1, 2]\nentities: {a: 1}\nfacts: nope\n",
        "binary": bytes(range(256)) * 4,
        "fifo-document": b"document: {id: d, file: pipe.txt, title: t, date: 2023-01-01}\n",
    }
    paths = {}
    for name, data in files.items():
        paths[name] = folder / f"{name}.facts.yaml"
        paths[name].write_bytes(data)
    paths["deep-toml"] = folder / "deep-toml.facts.toml"
    paths["deep-toml"].write_text("a = " + "[" * 5000 + "]" * 5000 + "\n")
    os.mkfifo(folder / "pipe.txt")  # reading it would block forever
    paths["fifo"] = folder / "fifo.facts.yaml"
    os.mkfifo(paths["fifo"])
    return paths


def _assert_refused_cleanly(finished: Any, what: str) -> None:
    output = finished.stdout + finished.stderr
    assert finished.code != 0, f"{what} was accepted:\n{output[-2000:]}"
    assert "Traceback" not in output, f"{what} crashed:\n{output[-4000:]}"
    # A hang guard, not a speed figure (those live in the benchmark): hostile input must not block the
    # process (a FIFO read, a blow-up), and a busy machine must not fail it.
    assert finished.seconds < 60, f"{what} took {finished.seconds:.1f}s"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
async def test_hostile_fact_packs_are_refused_quickly_with_a_clear_error(tmp_path: Path) -> None:
    packs = _hostile_packs(tmp_path / "hostile")
    names = list(packs)
    one_by_one = await asyncio.gather(
        *(run_command("-m", "questions", "validate", str(packs[name]), cwd=tmp_path) for name in names)
    )
    for name, finished in zip(names, one_by_one, strict=True):
        _assert_refused_cleanly(finished, f"validate {name}")
        assert f"{name}." in finished.stderr, f"validate {name} doesn't name the file:\n{finished.stderr[-1000:]}"

    folder = str(tmp_path / "hostile")
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DISCORD_", "SEEDS_", "ORBIT_"))}
    env |= {"SEEDS_DIR": folder, "DATABASE_PATH": str(tmp_path / "trivia.db")}
    bot_env_bad = env | {"DISCORD_TOKEN": "not.a-real.token", "DISCORD_API_BASE": "http://127.0.0.1:9"}
    validate_all, play, start = await asyncio.gather(
        run_command("-m", "questions", "validate", folder, cwd=tmp_path),
        run_command("-m", "bot", "play", "--questions", "1", env=env, cwd=tmp_path),
        run_command("-m", "bot", env=bot_env_bad, cwd=tmp_path),
    )
    for what, finished in (("validate the folder", validate_all), ("play", play), ("the bot", start)):
        _assert_refused_cleanly(finished, what)
    for finished in (play, start):
        assert finished.code == 2
        assert "fact packs have errors" in finished.stderr
        assert all(f"{name}." in finished.stderr for name in names if name != "fifo"), finished.stderr[-3000:]


# --------------------------------------------------------------------------- the token never leaks

WRONG_TOKEN = "MTMwMDAwMDAwMDAwMDAwMDAwMQ.Gx7Yq1.wr0ngT0kenS3cretPartThatMustNotLeak_x9"


def _leaks(text: str, token: str) -> list[str]:
    """Return the forms of ``token`` found in ``text``: itself, its base64, its dot-separated parts."""
    raw = token.encode()
    forms = {token, base64.b64encode(raw).decode().rstrip("="), base64.urlsafe_b64encode(raw).decode().rstrip("=")}
    forms |= {part for part in token.split(".") if len(part) >= 6}
    return sorted(form for form in forms if form in text)


async def test_a_wrong_or_missing_token_gives_one_clear_line_and_never_leaks(tmp_path: Path, fake: FakeDiscord) -> None:
    base = bot_env(fake, tmp_path / "trivia.db", LOG_LEVEL="DEBUG")
    missing = {key: value for key, value in base.items() if key != "DISCORD_TOKEN"}
    wrong = base | {"DISCORD_TOKEN": WRONG_TOKEN}
    control = base | {"DISCORD_TOKEN": WRONG_TOKEN.replace(".G", ".\nG")}
    run, sync, absent, garbled = await asyncio.gather(
        run_command("-m", "bot", env=wrong, cwd=tmp_path),
        run_command("-m", "bot", "sync", env=wrong, cwd=tmp_path),
        run_command("-m", "bot", env=missing, cwd=tmp_path),
        run_command("-m", "bot", env=control, cwd=tmp_path),
    )
    for what, finished in (("run", run), ("sync", sync)):
        output = finished.stdout + finished.stderr
        assert finished.code == 2, f"{what}: exit {finished.code}\n{output[-2000:]}"
        assert "Traceback" not in output, output[-4000:]
        problems = [line for line in output.splitlines() if re.search(r" (WARNING|ERROR|CRITICAL) ", line)]
        problems = [line for line in problems if "voice will NOT be supported" not in line]
        assert len(problems) == 1 and "Discord rejected the token: check DISCORD_TOKEN" in problems[0], output
        assert not _leaks(output, WRONG_TOKEN)
    assert absent.code == 2 and "Traceback" not in absent.stderr
    assert absent.stderr.strip() == "DISCORD_TOKEN is not set: put it in .env or the environment (see .env.example)."
    assert garbled.code == 2 and "Traceback" not in garbled.stderr
    assert garbled.stderr.strip().startswith("DISCORD_TOKEN: contains spaces or control characters")
    assert not _leaks(garbled.stdout + garbled.stderr, WRONG_TOKEN)
    assert any(r.path == "/users/@me" and r.status == 401 for r in fake.requests), "the fake refused the token"


def test_the_log_filter_scrubs_the_token_from_messages_arguments_and_tracebacks() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    handler.addFilter(RedactingFilter([WRONG_TOKEN]))
    logger = logging.getLogger("tests.redaction")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        try:
            raise RuntimeError(f"login failed with {WRONG_TOKEN} (id part {WRONG_TOKEN.split('.')[0]})")
        except RuntimeError:
            logger.exception("Could not log in with %s", WRONG_TOKEN)
        encoded = base64.b64encode(WRONG_TOKEN.encode()).decode()
        logger.warning("header was Bot %s, basic %s", WRONG_TOKEN, encoded, stack_info=True)
        logger.error(f"inline {WRONG_TOKEN.split('.')[2]}")
    finally:
        logger.removeHandler(handler)
    output = stream.getvalue()
    assert "Traceback" in output and "RuntimeError" in output and "[redacted]" in output
    assert not _leaks(output, WRONG_TOKEN), output
