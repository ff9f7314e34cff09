"""REST: interaction callbacks, followups and the original response (webhooks)."""

# The wait helpers take a plain timeout argument on purpose: tests call fake.wait_for(pred, timeout=2).
# ruff: noqa: ASYNC109

from __future__ import annotations

import copy
import time

from fake_discord.core import (
    EPHEMERAL,
    LOADING,
    SNOWFLAKE,
    WEBHOOK_PATH,
    Call,
    Reply,
    RouteSpec,
    error_reply,
    form_error,
)
from fake_discord.message_store import MessageStore
from fake_discord.payloads import (
    Json,
)
from fake_discord.records import (
    InteractionRecord,
)


class InteractionRoutes(MessageStore):
    """How the bot answers interactions, and what tests read back about it."""

    def interaction_routes(self) -> list[RouteSpec]:
        """Routes of interaction callbacks and their webhook messages."""
        webhook_message = rf"{WEBHOOK_PATH}/messages/(?P<message_id>@original|{SNOWFLAKE})"
        return [
            (
                "POST",
                rf"/interactions/(?P<interaction_id>{SNOWFLAKE})/(?P<token>[^/]+)/callback",
                self._callback,
                False,
            ),
            ("POST", WEBHOOK_PATH, self._followup, False),
            (
                "GET",
                webhook_message,
                self._get_webhook_message,
                False,
            ),
            (
                "PATCH",
                webhook_message,
                self._edit_webhook_message,
                False,
            ),
            (
                "DELETE",
                webhook_message,
                self._delete_webhook_message,
                False,
            ),
        ]

    # ------------------------------------------------------------------ REST: interactions and webhooks

    async def _callback(self, call: Call) -> Reply:
        record = self._interactions_by_id.get(int(call.params["interaction_id"]))
        if record is None or record.token != call.params["token"]:
            return error_reply(404, 10062, "Unknown interaction")
        if record.callback_type is not None:
            return error_reply(400, 40060, "Interaction has already been acknowledged.")
        timeout = self.interaction_ack_timeout
        if timeout is not None and time.monotonic() - record.dispatched_at > timeout:
            return error_reply(404, 10062, "Unknown interaction")
        kind = call.body.get("type")
        data: Json = call.body.get("data") or {}
        allowed = {2: {4, 5, 9}, 3: {4, 5, 6, 7, 9}, 4: {8}, 5: {4, 5, 6, 7}}.get(record.type, set())
        if kind not in allowed:
            return form_error("type", "INTERACTION_RESPONSE_TYPE_INVALID", f"Invalid response type {kind}")
        if (kind == 7 or kind == 6) and "message" not in record.payload:
            return form_error("type", "INTERACTION_RESPONSE_TYPE_INVALID", "No message to update")
        if kind in (4, 7) and (bad := self._validate_message(data, call.files, creating=kind == 4)) is not None:
            return bad
        message: Json | None = None
        channel_id = int(record.payload["channel_id"])
        if kind == 4:
            flags = int(data.get("flags") or 0)
            message_type = 20 if record.type == 2 else 0
            message = self._new_message(
                channel_id, data, call.files, flags=flags, message_type=message_type, interaction=record
            )
            record.original_message_id = int(message["id"])
            await self._store_new(message, "interaction")
        elif kind == 5:
            flags = LOADING | (int(data.get("flags") or 0) & EPHEMERAL)
            message = self._new_message(channel_id, {}, [], flags=flags, interaction=record)
            record.original_message_id = int(message["id"])
            await self._store_new(message, "interaction")
        elif kind in (6, 7):
            target_id = int(record.payload["message"]["id"])
            record.original_message_id = target_id
            target = self._all_messages.get(target_id)
            if kind == 7 and target is not None:
                message = await self._apply_edit(target, data, call.files, "interaction")
        elif kind == 9:
            record.modal = copy.deepcopy(data)
        record.callback_type = int(kind)
        self._interaction_settled(record)
        record.callback_data = copy.deepcopy(data) if call.body.get("data") is not None else None
        if call.query.get("with_response", "").lower() not in ("1", "true"):
            return 204, None
        flags_now = 0 if message is None else int(message["flags"])
        interaction: Json = {
            "id": str(record.id),
            "type": record.type,
            "response_message_loading": kind == 5,
            "response_message_ephemeral": bool(flags_now & EPHEMERAL),
        }
        response: Json = {"interaction": interaction}
        if message is not None:
            interaction["response_message_id"] = message["id"]
            response["resource"] = {"type": kind, "message": message}
        return 200, response

    def _webhook_interaction(self, call: Call) -> InteractionRecord | Reply:
        record = self.interactions.get(call.params["token"])
        if int(call.params["app_id"]) != self.application_id or record is None or record.callback_type is None:
            return error_reply(404, 10015, "Unknown Webhook")
        return record

    async def _followup(self, call: Call) -> Reply:
        record = self._webhook_interaction(call)
        if isinstance(record, tuple):
            return record
        if (bad := self._validate_message(call.body, call.files, creating=True)) is not None:
            return bad
        original = self._all_messages.get(record.original_message_id or 0)
        if original is not None and int(original["flags"]) & LOADING and not record.followup_ids:
            # The first followup after a deferred response replaces the "thinking..." message.
            message = await self._apply_edit(original, call.body, call.files, "followup")
        else:
            flags = int(call.body.get("flags") or 0)
            message = self._new_message(
                int(record.payload["channel_id"]), call.body, call.files, flags=flags, interaction=record
            )
            await self._store_new(message, "followup")
        record.followup_ids.append(int(message["id"]))
        wait = call.query.get("wait", "").lower() in ("1", "true")
        return (200, message) if wait else (204, None)

    def _webhook_message(self, call: Call, record: InteractionRecord) -> Json | Reply:
        raw = call.params["message_id"]
        message_id = record.original_message_id if raw == "@original" else int(raw)
        owned = message_id is not None and (
            message_id == record.original_message_id or message_id in record.followup_ids
        )
        message = self._all_messages.get(message_id or 0) if owned else None
        return message if message is not None else error_reply(404, 10008, "Unknown Message")

    async def _get_webhook_message(self, call: Call) -> Reply:
        record = self._webhook_interaction(call)
        if isinstance(record, tuple):
            return record
        found = self._webhook_message(call, record)
        return found if isinstance(found, tuple) else (200, found)

    async def _edit_webhook_message(self, call: Call) -> Reply:
        record = self._webhook_interaction(call)
        if isinstance(record, tuple):
            return record
        found = self._webhook_message(call, record)
        if isinstance(found, tuple):
            return found
        if (bad := self._validate_message(call.body, call.files, creating=False)) is not None:
            return bad
        is_original = int(found["id"]) == record.original_message_id
        if is_original:
            record.original_edits.append(copy.deepcopy(call.body))
        return 200, await self._apply_edit(found, call.body, call.files, "interaction" if is_original else "followup")

    async def _delete_webhook_message(self, call: Call) -> Reply:
        record = self._webhook_interaction(call)
        if isinstance(record, tuple):
            return record
        found = self._webhook_message(call, record)
        if isinstance(found, tuple):
            return found
        await self._delete(found, "interaction" if int(found["id"]) == record.original_message_id else "followup")
        return 204, None

    # ------------------------------------------------------------------ interaction results

    def original_message(self, token: str) -> Json | None:
        """Return the latest state of an interaction's original response message, if any."""
        record = self._record(token)
        if record.original_message_id is None:
            return None
        return self._all_messages.get(record.original_message_id)

    def sent_followups(self, token: str) -> list[Json]:
        """Return the followups an interaction has so far, in their latest state (no waiting)."""
        record = self._record(token)
        return [self._all_messages.get(i) or self.deleted_messages[i] for i in record.followup_ids]

    async def followups(self, token: str, count: int = 1, timeout: float = 5.0) -> list[Json]:
        """Wait until an interaction has ``count`` followups; return them in their latest state."""
        record = self._record(token)
        await self.wait_for(lambda: len(record.followup_ids) >= count, timeout, description=f"{count} followup(s)")
        return [self._all_messages.get(i) or self.deleted_messages[i] for i in record.followup_ids]

    async def original_edits(self, token: str, count: int = 1, timeout: float = 5.0) -> list[Json]:
        """Wait until an interaction's original response was edited ``count`` times; return the edit bodies."""
        record = self._record(token)
        await self.wait_for(
            lambda: len(record.original_edits) >= count, timeout, description=f"{count} @original edit(s)"
        )
        return list(record.original_edits)
