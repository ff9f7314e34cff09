"""A local fake of the Discord API (REST + gateway) for driving the real discord.py client in tests.

Example::

    async with FakeDiscord() as fake, running_bot(fake, make_bot(guild_ready_timeout=0.05)):
        result = await fake.interact(fake.slash_command("trivia start", {"questions": 5}, user=2))
        assert result.type == 4 and "Question 1" in result.embeds[0]["title"]
        question = await fake.wait_for_message(lambda m: bool(m["components"]), channel_id=fake.channel_id)
        click = await fake.interact(fake.click(question, "trivia:answer:0", user=3))
        assert click.ephemeral
"""

from fake_discord.core import DEFAULT_TOKEN, PLAYER_ID_BASE, CallbackRejectedError
from fake_discord.gateway import GatewayFrame
from fake_discord.harness import running_bot
from fake_discord.patching import gateway_url_for, point_discord_at, reset_discord_base
from fake_discord.payloads import ADMINISTRATOR, DEFAULT_MEMBER_PERMISSIONS, MANAGE_GUILD, FakeGuild
from fake_discord.records import InteractionResult, MessageLogEntry, RecordedFile, RecordedRequest
from fake_discord.server import FakeDiscord

__all__ = [
    "ADMINISTRATOR",
    "DEFAULT_MEMBER_PERMISSIONS",
    "DEFAULT_TOKEN",
    "MANAGE_GUILD",
    "PLAYER_ID_BASE",
    "CallbackRejectedError",
    "FakeDiscord",
    "FakeGuild",
    "GatewayFrame",
    "InteractionResult",
    "MessageLogEntry",
    "RecordedFile",
    "RecordedRequest",
    "gateway_url_for",
    "point_discord_at",
    "reset_discord_base",
    "running_bot",
]
