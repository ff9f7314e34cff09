"""A local fake of the Discord API (REST + gateway) for driving the real discord.py client in tests.

It listens on 127.0.0.1 only. Example::

    async with FakeDiscord() as fake, running_bot(fake, make_bot(guild_ready_timeout=0.05)):
        result = await fake.interact(fake.slash_command("trivia start", {"questions": 5}, user=2))
        assert result.type == 4 and "Question 1" in result.embeds[0]["title"]
        question = await fake.wait_for_message(lambda m: bool(m["components"]), channel_id=fake.channel_id)
        click = await fake.interact(fake.click(question, "trivia:answer:0", user=3))
        assert click.ephemeral

The public API of :class:`FakeDiscord`, by what a test does (each part lives in its own module):

- the world (``core``): ``user(n)``, ``add_guild``, ``join_guild``, ``guild``/``guild_id``/``channel_id``,
  ``channel(name)``, ``bot_id``, ``token``, ``base_url``;
- players (``players``): build ``slash_command``, ``click``, ``submit_modal``; ``interact`` sends one and waits
  for the bot's answer (an :class:`InteractionResult`); ``send_interaction`` sends without waiting;
  ``user_message``; a file for an attachment option is an :class:`UploadedAttachment`, served at its url
  like Discord's CDN (``uploads``; what the bot fetched is in ``downloads``);
- what the bot did (``core``, ``message_store``, ``routes.interactions``): ``requests``, ``messages``,
  ``message_log``, ``channel_writes``, ``max_writes_in_window``, ``command_syncs``, ``commands``, ``interactions``,
  ``original_message``, ``followups`` (``sent_followups`` without waiting), ``original_edits``, ``unhandled``
  (routes the fake does not know);
- waiting (``core``): ``wait_for(predicate)``, ``wait_for_request``, ``wait_for_message``, ``wait_until_ready``;
  ``pending_interactions`` and ``watch_pending_interactions`` (interactions awaiting the bot's answer);
- faults: ``fail_next`` (REST, ``rest``), ``latency``, ``interaction_ack_timeout`` (Discord's 3 s);
  ``drop_gateway`` (``gateway_server``), ``dispatch`` (any raw gateway event).

A new REST resource is a mixin in ``routes/`` with a ``*_routes()`` table, listed in ``FakeDiscord.route_specs``.
"""

from fake_discord.core import DEFAULT_TOKEN, PLAYER_ID_BASE, CallbackRejectedError
from fake_discord.gateway import GatewayFrame
from fake_discord.harness import running_bot
from fake_discord.patching import gateway_url_for, point_discord_at, reset_discord_base
from fake_discord.payloads import ADMINISTRATOR, DEFAULT_MEMBER_PERMISSIONS, MANAGE_GUILD, FakeGuild
from fake_discord.records import InteractionResult, MessageLogEntry, RecordedFile, RecordedRequest, UploadedAttachment
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
    "UploadedAttachment",
    "gateway_url_for",
    "point_discord_at",
    "reset_discord_base",
    "running_bot",
]
