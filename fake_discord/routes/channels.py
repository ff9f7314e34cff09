"""REST: channels, their messages and reactions."""

# The wait helpers take a plain timeout argument on purpose: tests call fake.wait_for(pred, timeout=2).

from __future__ import annotations

from fake_discord.core import (
    CHANNEL_PATH,
    EPHEMERAL,
    MESSAGE_PATH,
    Call,
    Reply,
    RouteSpec,
    error_reply,
    form_error,
)
from fake_discord.message_store import MessageStore
from fake_discord.payloads import (
    SEND_MESSAGES,
    SEND_MESSAGES_IN_THREADS,
    THREAD_TYPES,
    VIEW_CHANNEL,
    Json,
)


class ChannelRoutes(MessageStore):
    """Channel messages the bot creates, edits, deletes and reacts to."""

    def channel_routes(self) -> list[RouteSpec]:
        """Routes of channels, their messages and reactions."""
        return [
            ("GET", CHANNEL_PATH, self._get_channel, True),
            ("GET", rf"{CHANNEL_PATH}/messages", self._list_messages, True),
            ("POST", rf"{CHANNEL_PATH}/messages", self._create_channel_message, True),
            ("POST", rf"{CHANNEL_PATH}/messages/bulk-delete", self._bulk_delete, True),
            ("POST", rf"{CHANNEL_PATH}/typing", self._typing, True),
            ("GET", MESSAGE_PATH, self._get_channel_message, True),
            ("PATCH", MESSAGE_PATH, self._edit_channel_message, True),
            ("DELETE", MESSAGE_PATH, self._delete_channel_message, True),
            ("PUT", rf"{MESSAGE_PATH}/reactions/(?P<emoji>[^/]+)/@me", self._add_reaction, True),
            ("DELETE", rf"{MESSAGE_PATH}/reactions/(?P<emoji>[^/]+)/@me", self._remove_reaction, True),
        ]

    # ------------------------------------------------------------------ REST: channels

    async def _get_channel(self, call: Call) -> Reply:
        channel_id = int(call.params["channel_id"])
        guild_id = self._message_guild_id(channel_id)
        if guild_id is not None:
            return 200, self.guilds[guild_id].channel_payloads[channel_id]
        if channel_id in self._dm_channels:
            return 200, self._dm_channels[channel_id]
        return error_reply(404, 10003, "Unknown Channel")

    async def _list_messages(self, call: Call) -> Reply:
        channel_id = int(call.params["channel_id"])
        if not self._channel_exists(channel_id):
            return error_reply(404, 10003, "Unknown Channel")
        limit = int(call.query.get("limit", 50))
        newest_first = sorted(self.messages.get(channel_id, {}).values(), key=lambda m: int(m["id"]), reverse=True)
        if "before" in call.query:
            newest_first = [m for m in newest_first if int(m["id"]) < int(call.query["before"])]
        if "after" in call.query:
            newest_first = [m for m in newest_first if int(m["id"]) > int(call.query["after"])]
        return 200, newest_first[:limit]

    async def _create_channel_message(self, call: Call) -> Reply:
        channel_id = int(call.params["channel_id"])
        if not self._channel_exists(channel_id):
            return error_reply(404, 10003, "Unknown Channel")
        if (bad := self._validate_message(call.body, call.files, creating=True)) is not None:
            return bad
        if (guild_id := self._message_guild_id(channel_id)) is not None:
            thread = self.guilds[guild_id].channel_payloads[channel_id]["type"] in THREAD_TYPES
            needed = VIEW_CHANNEL | (SEND_MESSAGES_IN_THREADS if thread else SEND_MESSAGES)
            if self._bot_permissions_in(channel_id) & needed != needed:
                return error_reply(403, 50013, "Missing Permissions")
        flags = int(call.body.get("flags") or 0) & ~EPHEMERAL
        message = self._new_message(channel_id, call.body, call.files, flags=flags)
        await self._store_new(message, "channel")
        return 200, message

    def _channel_message(self, call: Call) -> Json | Reply:
        channel_id = int(call.params["channel_id"])
        if not self._channel_exists(channel_id):
            return error_reply(404, 10003, "Unknown Channel")
        message = self.messages.get(channel_id, {}).get(int(call.params["message_id"]))
        if message is None:
            return error_reply(404, 10008, "Unknown Message")
        return message

    async def _get_channel_message(self, call: Call) -> Reply:
        found = self._channel_message(call)
        return found if isinstance(found, tuple) else (200, found)

    async def _edit_channel_message(self, call: Call) -> Reply:
        found = self._channel_message(call)
        if isinstance(found, tuple):
            return found
        if int(found["author"]["id"]) != self.bot_id:
            return error_reply(403, 50005, "Cannot edit a message authored by another user")
        if (bad := self._validate_message(call.body, call.files, creating=False)) is not None:
            return bad
        return 200, await self._apply_edit(found, call.body, call.files, "channel")

    async def _delete_channel_message(self, call: Call) -> Reply:
        found = self._channel_message(call)
        if isinstance(found, tuple):
            return found
        await self._delete(found, "channel")
        return 204, None

    async def _bulk_delete(self, call: Call) -> Reply:
        channel_id = int(call.params["channel_id"])
        ids = [int(i) for i in call.body.get("messages", [])]
        if not 2 <= len(ids) <= 100:
            return form_error("messages", "BASE_TYPE_BAD_LENGTH", "Must be between 2 and 100 in length.")
        for message_id in ids:
            message = self.messages.get(channel_id, {}).get(message_id)
            if message is not None:
                await self._delete(message, "channel")
        return 204, None

    async def _typing(self, call: Call) -> Reply:
        if not self._channel_exists(int(call.params["channel_id"])):
            return error_reply(404, 10003, "Unknown Channel")
        return 204, None

    async def _add_reaction(self, call: Call) -> Reply:
        found = self._channel_message(call)
        if isinstance(found, tuple):
            return found
        emoji = call.params["emoji"]
        reaction = next((r for r in found["reactions"] if r["emoji"]["name"] == emoji), None)
        if reaction is None:
            found["reactions"].append(
                {
                    "count": 1,
                    "count_details": {"burst": 0, "normal": 1},
                    "me": True,
                    "me_burst": False,
                    "burst_colors": [],
                    "emoji": {"id": None, "name": emoji},
                }
            )
        elif not reaction["me"]:
            reaction["me"] = True
            reaction["count"] += 1
        return 204, None

    async def _remove_reaction(self, call: Call) -> Reply:
        found = self._channel_message(call)
        if isinstance(found, tuple):
            return found
        emoji = call.params["emoji"]
        for reaction in list(found["reactions"]):
            if reaction["emoji"]["name"] == emoji and reaction["me"]:
                reaction["me"] = False
                reaction["count"] -= 1
                if reaction["count"] == 0:
                    found["reactions"].remove(reaction)
        return 204, None
