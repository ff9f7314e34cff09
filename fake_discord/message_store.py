"""Messages: validation, storage, edits, deletes, the write log, and their gateway events."""

# The wait helpers take a plain timeout argument on purpose: tests call fake.wait_for(pred, timeout=2).

from __future__ import annotations

import copy
import time
from collections.abc import Iterable
from typing import Literal

from fake_discord.core import (
    DIRECT_MESSAGES_INTENT,
    EPHEMERAL,
    GUILD_MESSAGES_INTENT,
    LOADING,
    FakeCore,
    Reply,
    error_reply,
    form_error,
    walk_components,
)
from fake_discord.payloads import (
    Json,
    iso_now,
)
from fake_discord.records import (
    InteractionRecord,
    MessageLogEntry,
    MessageSource,
    RecordedFile,
)


class MessageStore(FakeCore):
    """Stores messages like Discord does and logs every write with its time."""

    @staticmethod
    def _validate_message(body: Json, files: list[RecordedFile], *, creating: bool) -> Reply | None:
        content = body.get("content")
        embeds = body.get("embeds") or []
        components = body.get("components") or []
        if content is not None and len(str(content)) > 2000:
            return form_error("content", "BASE_TYPE_MAX_LENGTH", "Must be 2000 or fewer in length.")
        if len(embeds) > 10:
            return form_error("embeds", "BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length.")
        total = 0
        for i, embed in enumerate(embeds):
            limits = {"title": 256, "description": 4096}
            for key, limit in limits.items():
                if len(embed.get(key) or "") > limit:
                    return form_error(
                        f"embeds.{i}.{key}", "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length."
                    )
            fields = embed.get("fields") or []
            if len(fields) > 25:
                return form_error(f"embeds.{i}.fields", "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
            total += len(embed.get("title") or "") + len(embed.get("description") or "")
            total += sum(len(f.get("name", "")) + len(f.get("value", "")) for f in fields)
            total += len((embed.get("footer") or {}).get("text", "")) + len((embed.get("author") or {}).get("name", ""))
        if total > 6000:
            return form_error("embeds", "MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size of 6000")
        is_v2 = bool(int(body.get("flags") or 0) & (1 << 15))
        if not is_v2 and len(components) > 5:
            return form_error("components", "BASE_TYPE_MAX_LENGTH", "Must be 5 or fewer in length.")
        for component in walk_components(components):
            if len(component.get("custom_id") or "") > 100:
                return form_error("components", "BASE_TYPE_MAX_LENGTH", "custom_id must be 100 or fewer in length.")
            if component.get("type") == 2 and len(component.get("label") or "") > 80:
                return form_error("components", "BASE_TYPE_MAX_LENGTH", "label must be 80 or fewer in length.")
        if creating and not (content or embeds or components or files or body.get("sticker_ids") or body.get("poll")):
            return error_reply(400, 50006, "Cannot send an empty message")
        return None

    def _attachments(self, channel_id: int, body: Json, files: list[RecordedFile]) -> list[Json]:
        described = {str(a.get("id")): a for a in body.get("attachments") or []}
        result = []
        for index, upload in enumerate(files):
            attachment_id = self._snowflake()
            meta = described.get(str(index), {})
            filename = meta.get("filename") or upload.filename or f"file{index}"
            url = f"{self.base_url}/attachments/{channel_id}/{attachment_id}/{filename}"
            result.append(
                {
                    "id": str(attachment_id),
                    "filename": filename,
                    "description": meta.get("description"),
                    "content_type": upload.content_type,
                    "size": upload.size,
                    "url": url,
                    "proxy_url": url,
                }
            )
        return result

    def _new_message(
        self,
        channel_id: int,
        body: Json,
        files: list[RecordedFile],
        *,
        author: Json | None = None,
        flags: int = 0,
        message_type: int = 0,
        interaction: InteractionRecord | None = None,
    ) -> Json:
        guild_id = self._message_guild_id(channel_id)
        message: Json = {
            "id": str(self._snowflake()),
            "type": message_type,
            "channel_id": str(channel_id),
            "author": author or self.bot_user,
            "content": body.get("content") or "",
            "timestamp": iso_now(),
            "edited_timestamp": None,
            "tts": bool(body.get("tts")),
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": self._attachments(channel_id, body, files),
            "embeds": copy.deepcopy(body.get("embeds") or []),
            "reactions": [],
            "pinned": False,
            "flags": flags,
            "components": copy.deepcopy(body.get("components") or []),
        }
        if guild_id is not None:
            message["guild_id"] = str(guild_id)
        if body.get("nonce") is not None:
            message["nonce"] = body["nonce"]
        if body.get("message_reference"):
            message["message_reference"] = {**body["message_reference"], "channel_id": str(channel_id)}
            message["type"] = 19
        if interaction is not None:
            message["webhook_id"] = str(self.application_id)
            message["application_id"] = str(self.application_id)
            message["interaction_metadata"] = self._interaction_metadata(interaction)
        return message

    def _interaction_metadata(self, record: InteractionRecord) -> Json:
        payload = record.payload
        user = payload.get("member", {}).get("user") or payload.get("user")
        metadata: Json = {
            "id": str(record.id),
            "type": record.type,
            "user": user,
            "authorizing_integration_owners": payload.get("authorizing_integration_owners", {}),
        }
        if record.type == 2:
            metadata["name"] = payload["data"]["name"]
            metadata["command_type"] = payload["data"].get("type", 1)
        if record.type == 3 and "message" in payload:
            metadata["interacted_message_id"] = payload["message"]["id"]
        if record.original_message_id is not None:
            metadata["original_response_message_id"] = str(record.original_message_id)
        return metadata

    def _log(self, kind: Literal["create", "edit", "delete"], message: Json, source: MessageSource) -> None:
        channel_id = int(message["channel_id"])
        entry = MessageLogEntry(kind, channel_id, int(message["id"]), time.monotonic(), source)
        self.message_log[channel_id].append(entry)

    def _wants_message_events(self, message: Json) -> bool:
        # Like Discord, events for a session that was invalidated are simply lost.
        guild_id = int(message["guild_id"]) if "guild_id" in message else None
        intents = self._intents_for_guild(guild_id)
        if intents is None or int(message.get("flags") or 0) & EPHEMERAL:
            return False
        return bool(intents & (GUILD_MESSAGES_INTENT if guild_id is not None else DIRECT_MESSAGES_INTENT))

    def _event_message(self, message: Json) -> Json:
        data = copy.deepcopy(message)
        if "guild_id" in message:
            guild = self.guilds[int(message["guild_id"])]
            member = guild.members.get(int(message["author"]["id"]))
            if member is not None:
                data["member"] = {k: v for k, v in member.items() if k != "user"}
        return data

    async def _store_new(self, message: Json, source: MessageSource) -> None:
        message_id = int(message["id"])
        self._all_messages[message_id] = message
        if not int(message.get("flags") or 0) & EPHEMERAL:
            self.messages[int(message["channel_id"])][message_id] = message
        self._log("create", message, source)
        if self._wants_message_events(message):
            await self.dispatch("MESSAGE_CREATE", self._event_message(message))

    async def _apply_edit(self, message: Json, body: Json, files: list[RecordedFile], source: MessageSource) -> Json:
        if "content" in body:
            message["content"] = body["content"] or ""
        if "embeds" in body:
            message["embeds"] = copy.deepcopy(body["embeds"] or [])
        if "components" in body:
            message["components"] = copy.deepcopy(body["components"] or [])
        if "attachments" in body or files:
            keep = {str(a.get("id")) for a in body.get("attachments") or []}
            kept = [a for a in message["attachments"] if a["id"] in keep]
            message["attachments"] = kept + self._attachments(int(message["channel_id"]), body, files)
        if body.get("flags") is not None:
            message["flags"] = (int(body["flags"]) & ~(EPHEMERAL | LOADING)) | (int(message["flags"]) & EPHEMERAL)
        else:
            message["flags"] = int(message["flags"]) & ~LOADING
        message["edited_timestamp"] = iso_now()
        self._log("edit", message, source)
        if self._wants_message_events(message):
            await self.dispatch("MESSAGE_UPDATE", self._event_message(message))
        return message

    async def _delete(self, message: Json, source: MessageSource) -> None:
        message_id = int(message["id"])
        channel_id = int(message["channel_id"])
        self._all_messages.pop(message_id, None)
        self.messages.get(channel_id, {}).pop(message_id, None)
        self.deleted_messages[message_id] = message
        self._log("delete", message, source)
        if self._wants_message_events(message):
            data: Json = {"id": str(message_id), "channel_id": str(channel_id)}
            if "guild_id" in message:
                data["guild_id"] = message["guild_id"]
            await self.dispatch("MESSAGE_DELETE", data)

    def channel_writes(self, channel_id: int, sources: Iterable[MessageSource] = ("channel",)) -> list[float]:
        """Return the times of message creates and edits in a channel from the given sources."""
        wanted = set(sources)
        return [
            e.time for e in self.message_log.get(channel_id, []) if e.kind in ("create", "edit") and e.source in wanted
        ]

    def max_writes_in_window(
        self, channel_id: int, window: float = 1.0, sources: Iterable[MessageSource] = ("channel",)
    ) -> int:
        """Return the most creates+edits in a channel that fall within any ``window`` seconds."""
        times = self.channel_writes(channel_id, sources)
        best = 0
        lo = 0
        for hi, t in enumerate(times):
            while t - times[lo] >= window:
                lo += 1
            best = max(best, hi - lo + 1)
        return best
