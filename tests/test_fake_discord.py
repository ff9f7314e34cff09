"""End-to-end tests of the fake Discord API, driven by the real discord.py client."""

from __future__ import annotations

import asyncio
import io
import json
import time
import zlib
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import discord
import pytest
from discord import app_commands
from discord.ext import commands
from discord.gateway import DiscordWebSocket
from discord.http import Route

from fake_discord import (
    MANAGE_GUILD,
    CallbackRejectedError,
    FakeDiscord,
    point_discord_at,
    reset_discord_base,
    running_bot,
)

EPHEMERAL = 64


def build_demo_bot(guild_id: int) -> commands.Bot:
    """Build a small bot with a /demo group, a button view and a modal, synced to one guild."""

    class ClickView(discord.ui.View):
        def __init__(self) -> None:
            super().__init__(timeout=None)

        @discord.ui.button(label="Click me", custom_id="demo:click", style=discord.ButtonStyle.primary)
        async def click(self, interaction: discord.Interaction, button: discord.ui.Button[ClickView]) -> None:
            await interaction.response.send_message(f"clicked by {interaction.user.display_name}", ephemeral=True)
            await interaction.followup.send("a followup", ephemeral=True)

        @discord.ui.button(label="Bump", custom_id="demo:bump")
        async def bump(self, interaction: discord.Interaction, button: discord.ui.Button[ClickView]) -> None:
            await interaction.response.edit_message(content=f"bumped by {interaction.user.display_name}", view=self)

    class FeedbackModal(discord.ui.Modal, title="Feedback"):
        text: discord.ui.TextInput[FeedbackModal] = discord.ui.TextInput(
            label="Your feedback", custom_id="demo:feedback:text"
        )

        def __init__(self) -> None:
            super().__init__(custom_id="demo:feedback")

        async def on_submit(self, interaction: discord.Interaction) -> None:
            await interaction.response.send_message(f"thanks: {self.text.value}", ephemeral=True)

    demo = app_commands.Group(name="demo", description="Demo commands")

    @demo.command(name="ping", description="Answer pong")
    async def ping(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("pong")

    @demo.command(name="add", description="Add two integers")
    @app_commands.describe(a="First number", b="Second number")
    async def add(interaction: discord.Interaction, a: int, b: int = 1) -> None:
        await interaction.response.send_message(str(a + b))

    @demo.command(name="greet", description="Greet a member")
    @app_commands.describe(member="Who to greet")
    async def greet(interaction: discord.Interaction, member: discord.Member) -> None:
        await interaction.response.send_message(f"hello {member.display_name}")

    @demo.command(name="post", description="Post a message with a button")
    async def post(interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        assert isinstance(interaction.channel, discord.TextChannel)
        await interaction.channel.send("Press the button", view=ClickView())
        await interaction.followup.send("posted", ephemeral=True)

    @demo.command(name="file", description="Answer with a file")
    async def file(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("here", file=discord.File(io.BytesIO(b"abc"), "scores.txt"))

    @demo.command(name="slow", description="Defer, then edit and follow up")
    async def slow(interaction: discord.Interaction) -> None:
        await interaction.response.defer(thinking=True)
        await interaction.edit_original_response(content="done")
        original = await interaction.original_response()
        extra = await interaction.followup.send(f"extra after {original.content}", wait=True)
        await extra.edit(content="extra edited")
        await extra.delete()

    @demo.command(name="feedback", description="Open a feedback form")
    async def feedback(interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(FeedbackModal())

    class DemoBot(commands.Bot):
        async def setup_hook(self) -> None:
            self.tree.add_command(demo, guild=discord.Object(guild_id))
            await self.tree.sync(guild=discord.Object(guild_id))

        async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
            """Skip discord.py's 5 s pause before a re-IDENTIFY."""

    return DemoBot(command_prefix=commands.when_mentioned, intents=discord.Intents.default(), guild_ready_timeout=0.05)


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    """Run a fresh fake Discord for one test."""
    async with FakeDiscord() as server:
        yield server


@pytest.fixture
async def bot(fake: FakeDiscord) -> AsyncIterator[commands.Bot]:
    """Run the demo bot, logged in and ready, against the fake."""
    async with running_bot(fake, build_demo_bot(fake.guild_id)) as client:
        yield client
    assert fake.unhandled == []


def test_point_discord_at_sets_and_resets_class_attributes() -> None:
    point_discord_at("http://127.0.0.1:5555")
    try:
        assert Route("GET", "/users/@me").url == "http://127.0.0.1:5555/api/v10/users/@me"
        callback = Route("POST", "/interactions/{webhook_id}/{webhook_token}/callback", webhook_id=1, webhook_token="t")
        assert callback.url == "http://127.0.0.1:5555/api/v10/interactions/1/t/callback"
        assert str(DiscordWebSocket.DEFAULT_GATEWAY) == "ws://127.0.0.1:5555/"
    finally:
        reset_discord_base()
    assert Route.BASE == "https://discord.com/api/v10"
    assert str(DiscordWebSocket.DEFAULT_GATEWAY) == "wss://gateway.discord.gg/"


async def test_bot_logs_in_syncs_and_answers_slash_commands(fake: FakeDiscord, bot: commands.Bot) -> None:
    assert fake.identify_count == 1
    assert fake.intents == discord.Intents.default().value
    assert bot.user is not None
    assert bot.user.id == fake.bot_id
    guild = bot.get_guild(fake.guild_id)
    assert guild is not None
    assert [c.name for c in guild.text_channels] == ["general", "trivia"]
    assert guild.me is not None

    guild_id, synced = fake.command_syncs[-1]
    assert guild_id == fake.guild_id
    assert [c["name"] for c in synced] == ["demo"]
    assert {o["name"] for o in synced[0]["options"]} == {"ping", "add", "greet", "post", "file", "slow", "feedback"}

    pong = await fake.interact(fake.slash_command("demo ping"))
    assert pong.type == 4
    assert pong.content == "pong"
    assert not pong.ephemeral
    assert pong.message is not None
    assert pong.message["content"] == "pong"
    assert int(pong.message["id"]) in fake.messages[fake.channel_id]

    payload = fake.slash_command("demo add", {"a": 2, "b": 40})
    assert payload["data"]["options"][0]["options"] == [
        {"name": "a", "type": 4, "value": 2},
        {"name": "b", "type": 4, "value": 40},
    ]
    assert (await fake.interact(payload)).content == "42"

    greeting = await fake.interact(fake.slash_command("demo greet", {"member": fake.user(3)}))
    assert greeting.content == "hello Player 3"

    with_file = await fake.interact(fake.slash_command("demo file"))
    assert with_file.content == "here"
    assert with_file.message is not None
    assert [(a["filename"], a["size"]) for a in with_file.message["attachments"]] == [("scores.txt", 3)]
    [upload] = [r for r in fake.requests if r.path.endswith("/callback") and r.files]
    assert upload.json["type"] == 4
    assert upload.files[0].filename == "scores.txt"

    # Discord refuses a second response to the same interaction.
    url = f"{fake.base_url}/api/v10/interactions/{pong.interaction_id}/{pong.token}/callback"
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, json={"type": 4, "data": {"content": "again"}}) as r,
    ):
        assert (r.status, (await r.json())["code"]) == (400, 40060)


async def test_deferred_command_edits_original_and_manages_followups(fake: FakeDiscord, bot: commands.Bot) -> None:
    result = await fake.interact(fake.slash_command("demo slow"))
    assert result.type == 5
    assert result.message is not None
    assert result.message["flags"] == 128  # loading
    [edit] = await result.edits(1)
    assert edit["content"] == "done"
    [extra] = await result.followups(1)
    await fake.wait_for(lambda: int(extra["id"]) in fake.deleted_messages)
    assert extra["content"] == "extra edited"
    original = result.original()
    assert original is not None
    assert (original["content"], original["flags"]) == ("done", 0)
    log = [(e.kind, e.source) for e in fake.message_log[fake.channel_id]]
    assert log == [
        ("create", "interaction"),
        ("edit", "interaction"),
        ("create", "followup"),
        ("edit", "followup"),
        ("delete", "followup"),
    ]
    methods = [r.method for r in fake.requests if r.path.startswith("/webhooks/")]
    assert methods == ["PATCH", "GET", "POST", "PATCH", "DELETE"]


async def test_late_callback_is_rejected_as_unknown_interaction(fake: FakeDiscord, bot: commands.Bot) -> None:
    seen: list[int] = []
    fake.watch_pending_interactions(seen.append)
    fake.interaction_ack_timeout = 0.0
    with pytest.raises(CallbackRejectedError) as rejected:
        await fake.interact(fake.slash_command("demo ping"))
    assert rejected.value.status == 404
    assert rejected.value.body["code"] == 10062
    assert seen == [1, 0] and fake.pending_interactions == 0  # a refused callback settles it too


async def test_pending_interactions_are_counted_until_the_bot_answers(fake: FakeDiscord, bot: commands.Bot) -> None:
    seen: list[int] = []
    fake.watch_pending_interactions(seen.append)
    pings = [fake.slash_command("demo ping", user=n) for n in (1, 2)]
    for payload in pings:
        await fake.send_interaction(payload)
    assert fake.pending_interactions == 2
    await fake.wait_for(lambda: fake.pending_interactions == 0, description="both answers")
    assert seen == [1, 2, 1, 0]


async def test_second_guild_and_user_messages_reach_the_bot() -> None:
    async with FakeDiscord() as server:
        second = server.add_guild("Second", channels=("quiz",), players=[7])
        async with running_bot(server, build_demo_bot(server.guild_id)) as client:
            assert {g.id for g in client.guilds} == {server.guild_id, second.id}
            guild = client.get_guild(second.id)
            assert guild is not None
            assert [c.name for c in guild.text_channels] == ["quiz"]
            assert guild.member_count == 3
            received = asyncio.ensure_future(client.wait_for("message", timeout=2.0))
            await server.user_message(second.channels["quiz"], "hi bot", user=7)
            message = await received
            assert message.author.id == int(server.user(7)["id"])
            assert message.content == ""  # no message_content intent
            assert message.guild == guild


async def test_button_click_is_answered_ephemerally_with_followup(fake: FakeDiscord, bot: commands.Bot) -> None:
    deferred = await fake.interact(fake.slash_command("demo post", user=2))
    assert deferred.type == 5
    assert deferred.flags == EPHEMERAL

    posted = await fake.wait_for_message(lambda m: m["content"] == "Press the button", channel_id=fake.channel_id)
    assert posted["author"]["id"] == str(fake.bot_id)
    assert posted["guild_id"] == str(fake.guild_id)
    assert posted["components"][0]["components"][0]["custom_id"] == "demo:click"
    [followup] = await deferred.followups(1)
    assert followup["content"] == "posted"
    assert followup["flags"] & EPHEMERAL
    assert deferred.original() == followup  # the first followup after a defer replaces "thinking..."

    clicked = await fake.interact(fake.click(posted, "demo:click", user=4))
    assert clicked.type == 4
    assert clicked.content == "clicked by Player 4"
    assert clicked.ephemeral
    [later] = await clicked.followups(1)
    assert later["content"] == "a followup"

    bumped = await fake.interact(fake.click(posted, "demo:bump", user=3))
    assert bumped.type == 7
    assert fake.messages[fake.channel_id][int(posted["id"])]["content"] == "bumped by Player 3"
    assert fake.message_log[fake.channel_id][-1].kind == "edit"
    with pytest.raises(ValueError, match="no component"):
        fake.click(posted, "demo:nope")
    assert fake.unhandled == []


async def test_modal_round_trip(fake: FakeDiscord, bot: commands.Bot) -> None:
    opened = await fake.interact(fake.slash_command("demo feedback", user=5))
    assert opened.type == 9
    assert opened.data is not None
    assert opened.data["custom_id"] == "demo:feedback"

    with pytest.raises(ValueError, match="no field"):
        fake.submit_modal("demo:feedback", {"demo:feedback:text": "x", "other": "y"})
    submitted = await fake.interact(fake.submit_modal("demo:feedback", {"demo:feedback:text": "great quiz"}))
    assert submitted.payload["member"]["user"]["id"] == fake.user(5)["id"]
    assert submitted.content == "thanks: great quiz"
    assert submitted.ephemeral


async def test_resume_after_dropped_connection_replays_missed_events(fake: FakeDiscord, bot: commands.Bot) -> None:
    await fake.drop_gateway(resumable=True)
    # Sent while the bot is disconnected: buffered and replayed after RESUME.
    result = await fake.interact(fake.slash_command("demo ping"))
    assert result.content == "pong"
    assert fake.resume_count == 1
    assert fake.identify_count == 1
    assert fake.gateway_connections[-1][0] == "/resume"
    assert fake.gateway_connections[-1][1]["compress"] in ("zlib-stream", "zstd-stream")
    [delivered] = [f for f in fake.events if f.t == "INTERACTION_CREATE"]
    assert delivered.connection == 2  # replayed on the resumed connection


async def test_invalid_session_forces_a_fresh_identify(fake: FakeDiscord, bot: commands.Bot) -> None:
    await fake.drop_gateway(resumable=False)
    await fake.wait_for(lambda: fake.identify_count == 2 and fake.connected, timeout=3.0)
    assert fake.resume_count == 0
    assert fake.gateway_connections[-1][0] == "/"
    result = await fake.interact(fake.slash_command("demo add", {"a": 1}))
    assert result.content == "2"


async def test_rate_limited_channel_message_is_retried_after_retry_after(fake: FakeDiscord, bot: commands.Bot) -> None:
    fake.fail_next("POST", r"^/channels/\d+/messages$", 429, retry_after=0.3)
    channel = bot.get_channel(fake.channel_id)
    assert isinstance(channel, discord.TextChannel)
    sent = await channel.send("after the rate limit")
    attempts = [r for r in fake.requests if r.matches("POST", r"^/channels/\d+/messages$")]
    assert [r.status for r in attempts] == [429, 200]
    assert attempts[0].response["retry_after"] == 0.3
    assert attempts[1].time - attempts[0].time >= 0.3
    assert fake.messages[fake.channel_id][sent.id]["content"] == "after the rate limit"

    edited = await sent.edit(content="edited")
    assert edited.content == "edited"
    assert [e.kind for e in fake.message_log[fake.channel_id]] == ["create", "edit"]
    assert fake.max_writes_in_window(fake.channel_id, window=5.0) == 2


async def test_bad_token_raises_login_failure(fake: FakeDiscord) -> None:
    client = build_demo_bot(fake.guild_id)
    with pytest.raises(discord.LoginFailure):
        async with running_bot(fake, client, token="not-the-token"):
            pass
    assert client.is_closed()
    assert fake.requests[0].status == 401
    assert fake.requests[0].response == {"message": "401: Unauthorized", "code": 0}


async def test_nothing_is_left_running_after_the_bot_and_fake_stop() -> None:
    async with FakeDiscord() as server, running_bot(server, build_demo_bot(server.guild_id)):
        await server.interact(server.slash_command("demo ping"))
    for _ in range(100):
        if asyncio.all_tasks() == {asyncio.current_task()}:
            break
        await asyncio.sleep(0.01)
    assert asyncio.all_tasks() == {asyncio.current_task()}


async def test_auto_sharded_bot_uses_gateway_bot_and_member_chunks(fake: FakeDiscord) -> None:
    client = commands.AutoShardedBot(
        command_prefix=commands.when_mentioned,
        intents=discord.Intents(guilds=True, members=True),
        guild_ready_timeout=0.05,
    )

    @client.tree.command(name="hello", description="Say hi")
    async def hello(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("hi")

    async with running_bot(fake, client):
        assert any(r.path == "/gateway/bot" for r in fake.requests)
        assert fake.identify_payloads[-1]["shard"] == [0, 1]
        await client.tree.sync()
        assert fake.command_syncs[-1][0] is None
        assert (await fake.interact(fake.slash_command("hello"))).content == "hi"
        guild = client.get_guild(fake.guild_id)
        assert guild is not None
        found = await guild.query_members(user_ids=[int(fake.user(2)["id"])])
        assert [m.name for m in found] == ["player2"]
        assert any(f.direction == "in" and f.op == 8 for f in fake.events)
    assert fake.unhandled == []


async def test_slash_command_builder_nests_groups_and_resolves_users(fake: FakeDiscord) -> None:
    command = {
        "name": "trivia",
        "description": "Trivia",
        "options": [
            {
                "type": 2,
                "name": "admin",
                "description": "Admin",
                "options": [
                    {
                        "type": 1,
                        "name": "reset",
                        "description": "Reset scores",
                        "options": [
                            {"type": 6, "name": "who", "description": "Player", "required": True},
                            {"type": 10, "name": "ratio", "description": "Ratio"},
                            {"type": 5, "name": "hard", "description": "Hard"},
                        ],
                    }
                ],
            }
        ],
    }
    headers = {"Authorization": f"Bot {fake.token}"}
    url = f"{fake.base_url}/api/v10/applications/{fake.application_id}/commands"
    async with aiohttp.ClientSession() as session, session.put(url, json=[command], headers=headers) as response:
        registered = await response.json()
    assert response.status == 200
    assert fake.command_syncs == [(None, [command])]

    payload = fake.slash_command(
        "trivia admin reset", {"who": fake.user(2), "ratio": 2, "hard": True}, permissions=MANAGE_GUILD
    )
    data = payload["data"]
    assert data["id"] == registered[0]["id"]
    [group] = data["options"]
    assert (group["type"], group["name"]) == (2, "admin")
    [sub] = group["options"]
    assert (sub["type"], sub["name"]) == (1, "reset")
    assert [(o["name"], o["type"], o["value"]) for o in sub["options"]] == [
        ("who", 6, fake.user(2)["id"]),
        ("ratio", 10, 2),
        ("hard", 5, True),
    ]
    assert data["resolved"]["users"][fake.user(2)["id"]]["username"] == "player2"
    assert "user" not in data["resolved"]["members"][fake.user(2)["id"]]
    assert payload["member"]["permissions"] == str(MANAGE_GUILD)
    assert payload["guild_id"] == str(fake.guild_id)

    with pytest.raises(ValueError, match="unknown option"):
        fake.slash_command("trivia admin reset", {"who": fake.user(2), "nope": 1})
    with pytest.raises(ValueError, match="missing required"):
        fake.slash_command("trivia admin reset", {"hard": False})


async def _rest(
    session: aiohttp.ClientSession, fake: FakeDiscord, method: str, path: str, **kwargs: Any
) -> tuple[int, Any]:
    async with session.request(method, f"{fake.base_url}/api/v10{path}", **kwargs) as response:
        body = await response.json() if response.content_type == "application/json" else None
        return response.status, body


async def test_rest_errors_multipart_and_fault_injection(fake: FakeDiscord) -> None:
    auth = {"Authorization": f"Bot {fake.token}"}
    async with aiohttp.ClientSession() as session:
        assert await _rest(session, fake, "GET", "/users/@me") == (401, {"message": "401: Unauthorized", "code": 0})
        status, body = await _rest(session, fake, "GET", "/does/not/exist", headers=auth)
        assert (status, body["code"]) == (404, 0)
        assert [r.path for r in fake.unhandled] == ["/does/not/exist"]

        form = aiohttp.FormData(quote_fields=False)
        form.add_field("payload_json", json.dumps({"content": "with file"}), content_type="application/json")
        form.add_field("files[0]", b"12345", filename="a.txt", content_type="text/plain")
        status, message = await _rest(
            session, fake, "POST", f"/channels/{fake.channel_id}/messages", data=form, headers=auth
        )
        assert status == 200
        assert message["content"] == "with file"
        assert message["attachments"][0]["filename"] == "a.txt"
        assert message["attachments"][0]["size"] == 5
        assert fake.requests[-1].json == {"content": "with file"}

        empty = await _rest(session, fake, "POST", f"/channels/{fake.channel_id}/messages", json={}, headers=auth)
        assert empty == (400, {"message": "Cannot send an empty message", "code": 50006})

        fake.fail_next("*", r"/channels/", 503, count=2)
        for _ in range(2):
            status, _ = await _rest(session, fake, "GET", f"/channels/{fake.channel_id}", headers=auth)
            assert status == 503
        status, channel = await _rest(session, fake, "GET", f"/channels/{fake.channel_id}", headers=auth)
        assert (status, channel["name"]) == (200, "general")

        fake.latency = 0.2
        await _rest(session, fake, "GET", f"/channels/{fake.channel_id}", headers=auth)
        assert fake.requests[-1].status == 200
        assert time.monotonic() - fake.requests[-1].time >= 0.2


async def _next_json(ws: aiohttp.ClientWebSocketResponse, inflator: Any) -> dict[str, Any]:
    msg = await ws.receive(timeout=2.0)
    assert msg.type is aiohttp.WSMsgType.BINARY, msg
    assert msg.data.endswith(b"\x00\x00\xff\xff")
    result: dict[str, Any] = json.loads(inflator.decompress(msg.data))
    return result


async def test_gateway_speaks_zlib_stream_and_resumes(fake: FakeDiscord) -> None:
    url = f"{fake.gateway_url}?v=10&encoding=json&compress=zlib-stream"
    identify = {"token": fake.token, "intents": 513, "properties": {}}
    async with aiohttp.ClientSession() as session:
        async with session.ws_connect(url) as ws:
            inflator = zlib.decompressobj()
            hello = await _next_json(ws, inflator)
            assert hello["op"] == 10
            await ws.send_json({"op": 2, "d": {**identify, "token": "wrong"}})
            assert (await ws.receive(timeout=2.0)).type is aiohttp.WSMsgType.CLOSE
            assert ws.close_code == 4004

        async with session.ws_connect(url) as ws:
            inflator = zlib.decompressobj()
            await _next_json(ws, inflator)
            await ws.send_json({"op": 2, "d": identify})
            ready = await _next_json(ws, inflator)
            assert (ready["t"], ready["s"]) == ("READY", 1)
            assert ready["d"]["resume_gateway_url"] == fake.resume_gateway_url
            guild_create = await _next_json(ws, inflator)
            assert (guild_create["t"], guild_create["s"]) == ("GUILD_CREATE", 2)
            assert guild_create["d"]["member_count"] == 7  # bot, owner, five players
            await ws.send_json({"op": 1, "d": 2})
            assert (await _next_json(ws, inflator))["op"] == 11
            session_id = ready["d"]["session_id"]
        await fake.wait_for(lambda: not fake.connected)

        await fake.dispatch("TEST_EVENT", {"n": 1})
        async with session.ws_connect(fake.resume_gateway_url + "?v=10&encoding=json") as ws:
            assert json.loads((await ws.receive(timeout=2.0)).data)["op"] == 10
            await ws.send_json({"op": 6, "d": {"token": fake.token, "session_id": session_id, "seq": 1}})
            replayed = [json.loads((await ws.receive(timeout=2.0)).data) for _ in range(3)]
            assert [(p["t"], p["s"]) for p in replayed] == [("GUILD_CREATE", 2), ("TEST_EVENT", 3), ("RESUMED", 4)]
        assert (fake.identify_count, fake.resume_count) == (1, 1)
