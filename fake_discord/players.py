"""What players do: build and send slash commands, clicks, form submits and messages."""

# The wait helpers take a plain timeout argument on purpose: tests call fake.wait_for(pred, timeout=2).
# ruff: noqa: ASYNC109

from __future__ import annotations

import copy
import time
from collections.abc import Iterable, Mapping
from typing import Any

from fake_discord.core import (
    ALL_PERMISSIONS,
    MESSAGE_CONTENT_INTENT,
    CallbackRejectedError,
    walk_components,
)
from fake_discord.payloads import (
    DEFAULT_MEMBER_PERMISSIONS,
    FakeGuild,
    Json,
    new_token,
)
from fake_discord.records import (
    InteractionRecord,
    InteractionResult,
    UploadedAttachment,
)
from fake_discord.routes.interactions import InteractionRoutes


class PlayerActions(InteractionRoutes):
    """Builds interactions as Discord would send them, sends them and waits for answers."""

    # ------------------------------------------------------------------ interactions: sending

    async def send_interaction(self, payload: Json) -> None:
        """Dispatch a raw INTERACTION_CREATE (buffered for RESUME while the bot is disconnected)."""
        record = InteractionRecord(int(payload["id"]), payload["token"], payload, time.monotonic())
        self.interactions[record.token] = record
        self._interactions_by_id[record.id] = record
        self._interaction_sent(record)
        await self.dispatch("INTERACTION_CREATE", payload)

    async def interact(self, payload: Json, timeout: float = 5.0) -> InteractionResult:
        """Send an interaction and wait for the bot's callback; return what it answered."""
        await self.send_interaction(payload)
        record = self.interactions[payload["token"]]

        def answered() -> bool:
            if record.rejection is not None:
                raise CallbackRejectedError(record.id, *record.rejection)
            return record.callback_type is not None

        await self.wait_for(answered, timeout, description=f"the callback of interaction {record.id}")
        return self.result(payload["token"])

    def result(self, token: str) -> InteractionResult:
        """Return the InteractionResult of an answered interaction."""
        record = self._record(token)
        if record.callback_type is None:
            raise ValueError("the interaction has not been answered yet")
        original_id = record.original_message_id
        original = None if original_id is None else copy.deepcopy(self._all_messages.get(original_id))
        return InteractionResult(
            fake=self,
            interaction_id=record.id,
            token=record.token,
            payload=record.payload,
            type=record.callback_type,
            data=record.callback_data,
            message=original,
        )

    async def user_message(self, channel_id: int, content: str, *, user: int | Json = 1) -> Json:
        """Post a message as a user; dispatch MESSAGE_CREATE if the bot's intents would receive it."""
        author = self._user_obj(user)
        message = self._new_message(channel_id, {"content": content}, [], author=author)
        message_id = int(message["id"])
        self._all_messages[message_id] = message
        self.messages[channel_id][message_id] = message
        self._log("create", message, "user")
        if self._wants_message_events(message):
            event = self._event_message(message)
            mentioned = f"<@{self.bot_id}>" in content
            intents = self._intents_for_guild(int(message["guild_id"]) if "guild_id" in message else None) or 0
            if not (intents & MESSAGE_CONTENT_INTENT) and not mentioned:
                event["content"] = ""
            await self.dispatch("MESSAGE_CREATE", event)
        return message

    def _interaction_payload(
        self,
        kind: int,
        data: Json,
        *,
        guild: FakeGuild | None,
        channel_id: int | None,
        user: int | Json,
        permissions: int | None,
        locale: str,
        message: Json | None = None,
    ) -> Json:
        author = self._user_obj(user)
        payload: Json = {
            "id": str(self._snowflake()),
            "application_id": str(self.application_id),
            "type": kind,
            "data": data,
            "token": new_token(),
            "version": 1,
            "locale": locale,
            "entitlements": [],
            "entitlement_sku_ids": [],
            "attachment_size_limit": 10 * 1024 * 1024,
        }
        if guild is not None:
            cid = channel_id if channel_id is not None else guild.channel_ids[0]
            if cid not in guild.channel_payloads:
                raise ValueError(f"channel {cid} is not in guild {guild.id}")
            user_id = int(author["id"])
            member = guild.members.get(user_id) or guild.add_member(author)
            perms = permissions if permissions is not None else self._default_permissions(guild, user_id)
            payload.update(
                {
                    "guild_id": str(guild.id),
                    "guild": {"id": str(guild.id), "locale": guild.locale, "features": []},
                    "guild_locale": guild.locale,
                    "channel_id": str(cid),
                    "channel": {**guild.channel_payloads[cid], "permissions": str(perms)},
                    "member": {**member, "user": author, "permissions": str(perms)},
                    "app_permissions": str(self._bot_permissions_in(cid)),
                    "authorizing_integration_owners": {"0": str(guild.id)},
                    "context": 0,
                }
            )
        else:
            channel = self._dm_channel(author)
            payload.update(
                {
                    "channel_id": channel["id"],
                    "channel": channel,
                    "user": author,
                    "app_permissions": str(DEFAULT_MEMBER_PERMISSIONS),
                    "authorizing_integration_owners": {"0": "0"},
                    "context": 1,
                }
            )
        if message is not None:
            payload["message"] = copy.deepcopy(message)
        return payload

    def _find_command(self, name: str, guild_id: int | None) -> Json | None:
        for scope in (guild_id, None) if guild_id is not None else (None,):
            for command in self.commands.get(scope, []):
                if command["name"] == name and int(command.get("type", 1)) == 1:
                    return command
        return None

    @staticmethod
    def _infer_option_type(value: Any) -> int:
        if isinstance(value, bool):
            return 5
        if isinstance(value, int):
            return 4
        if isinstance(value, float):
            return 10
        if isinstance(value, dict) and "username" in value:
            return 6
        if isinstance(value, str):
            return 3
        raise ValueError(f"cannot infer the option type of {value!r}; sync the command first")

    def _option_value(self, kind: int, name: str, value: Any, guild: FakeGuild | None, resolved: Json) -> Any:
        if kind == 3:
            if not isinstance(value, str):
                raise ValueError(f"option {name!r} is a string option, got {value!r}")
            return value
        if kind == 4:
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError(f"option {name!r} is an integer option, got {value!r}")
            return value
        if kind == 5:
            if not isinstance(value, bool):
                raise ValueError(f"option {name!r} is a boolean option, got {value!r}")
            return value
        if kind == 10:
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"option {name!r} is a number option, got {value!r}")
            return value
        is_role = kind == 9 and guild is not None and isinstance(value, int) and guild.role_by_id(value) is not None
        if kind in (6, 9) and not is_role:
            user = self._user_obj(value)
            resolved.setdefault("users", {})[user["id"]] = user
            if guild is not None:
                member = guild.members.get(int(user["id"]))
                if member is not None:
                    perms = self._default_permissions(guild, int(user["id"]))
                    entry = {k: v for k, v in member.items() if k != "user"}
                    resolved.setdefault("members", {})[user["id"]] = {**entry, "permissions": str(perms)}
            return user["id"]
        if kind in (8, 9):
            role = None if guild is None else guild.role_by_id(int(value))
            if role is None:
                raise ValueError(f"option {name!r}: unknown role {value!r}")
            resolved.setdefault("roles", {})[role["id"]] = role
            return role["id"]
        if kind == 11:
            if not isinstance(value, UploadedAttachment):
                raise ValueError(f"option {name!r} is an attachment option: pass an UploadedAttachment")
            attachment_id = str(self._snowflake())
            url = f"{self.base_url}/attachments/uploads/{attachment_id}/{value.filename}"
            self.uploads[url.removeprefix(self.base_url)] = value.data
            upload: Json = {
                "id": attachment_id,
                "filename": value.filename,
                "size": len(value.data) if value.size is None else value.size,
                "url": url,
                "proxy_url": url,
            }
            if value.content_type is not None:
                upload["content_type"] = value.content_type
            resolved.setdefault("attachments", {})[attachment_id] = upload
            return attachment_id
        if kind == 7:
            channel_id = int(value)
            owner = self._message_guild_id(channel_id)
            if owner is None:
                raise ValueError(f"option {name!r}: unknown channel {value!r}")
            channel = self.guilds[owner].channel_payloads[channel_id]
            perms = ALL_PERMISSIONS
            entry = {k: channel[k] for k in ("id", "name", "type", "parent_id", "guild_id")}
            resolved.setdefault("channels", {})[channel["id"]] = {**entry, "permissions": str(perms)}
            return channel["id"]
        raise ValueError(f"option {name!r}: option type {kind} is not supported by the fake")

    def _build_options(
        self, values: Mapping[str, Any], definitions: list[Json] | None, guild: FakeGuild | None
    ) -> tuple[list[Json], Json]:
        options: list[Json] = []
        resolved: Json = {}
        by_name = {d["name"]: d for d in definitions or []}
        if definitions is not None:
            unknown = set(values) - set(by_name)
            if unknown:
                raise ValueError(f"unknown option(s) {sorted(unknown)}; the command has {sorted(by_name)}")
            missing = {n for n, d in by_name.items() if d.get("required") and n not in values}
            if missing:
                raise ValueError(f"missing required option(s) {sorted(missing)}")
        for name, value in values.items():
            kind = int(by_name[name]["type"]) if definitions is not None else self._infer_option_type(value)
            value_json = self._option_value(kind, name, value, guild, resolved)
            options.append({"name": name, "type": kind, "value": value_json})
        return options, resolved

    def slash_command(
        self,
        name: str,
        options: Mapping[str, Any] | None = None,
        *,
        subcommand: str | None = None,
        group: str | None = None,
        guild_id: int | None = None,
        channel_id: int | None = None,
        user: int | Json = 1,
        permissions: int | None = None,
        locale: str = "en-US",
        dm: bool = False,
    ) -> Json:
        """Build a CHAT_INPUT interaction as Discord would send it.

        ``name`` may hold the full path ("trivia start", "trivia admin reset"). Option types, the command id
        and the nesting come from the last sync of that command (guild first, then global); unknown or missing
        required options raise ValueError. ``user`` is a player number, a user id or a user payload; a user
        option takes the same and fills ``resolved``. ``permissions`` overrides the member's permission bits.
        """
        parts = name.split()
        if len(parts) == 2:
            name, subcommand = parts
        elif len(parts) == 3:
            name, group, subcommand = parts
        elif len(parts) != 1:
            raise ValueError(f"bad command path {name!r}")
        guild = None if dm else self._guild(guild_id)
        command = self._find_command(name, None if guild is None else guild.id)
        definitions: list[Json] | None = None
        if command is not None:
            definitions = list(command.get("options") or [])
            for level, wanted in ((2, group), (1, subcommand)):
                if wanted is None:
                    continue
                match = next((o for o in definitions if o["name"] == wanted and o["type"] == level), None)
                if match is None:
                    raise ValueError(f"/{name} has no {'group' if level == 2 else 'subcommand'} {wanted!r}")
                definitions = list(match.get("options") or [])
        built, resolved = self._build_options(options or {}, definitions, guild)
        tree: list[Json] = built
        if subcommand is not None:
            tree = [{"name": subcommand, "type": 1, "options": built}]
        if group is not None:
            tree = [{"name": group, "type": 2, "options": tree}]
        data: Json = {
            "id": command["id"] if command is not None else str(self._snowflake()),
            "name": name,
            "type": 1,
        }
        if tree:
            data["options"] = tree
        if resolved:
            data["resolved"] = resolved
        if command is not None and command.get("guild_id"):
            data["guild_id"] = command["guild_id"]
        return self._interaction_payload(
            2, data, guild=guild, channel_id=channel_id, user=user, permissions=permissions, locale=locale
        )

    def _stored_message(self, message: Json | int) -> Json:
        message_id = message if isinstance(message, int) else int(message["id"])
        stored = self._all_messages.get(message_id)
        if stored is None:
            raise ValueError(f"unknown or deleted message {message_id}")
        return stored

    def click(
        self,
        message: Json | int,
        custom_id: str,
        *,
        user: int | Json = 1,
        values: Iterable[str] | None = None,
        permissions: int | None = None,
        locale: str = "en-US",
    ) -> Json:
        """Build a MESSAGE_COMPONENT interaction: ``user`` clicks ``custom_id`` on the latest state of ``message``.

        Raises ValueError if the message has no such component or it is disabled. ``values`` is for selects.
        """
        stored = self._stored_message(message)
        component = next((c for c in walk_components(stored["components"]) if c.get("custom_id") == custom_id), None)
        if component is None:
            known = [c.get("custom_id") for c in walk_components(stored["components"]) if c.get("custom_id")]
            raise ValueError(f"message {stored['id']} has no component {custom_id!r}; it has {known}")
        if component.get("disabled"):
            raise ValueError(f"component {custom_id!r} is disabled")
        data: Json = {"custom_id": custom_id, "component_type": int(component["type"])}
        if component["type"] in (3, 5, 6, 7, 8):
            data["values"] = [str(v) for v in values or []]
        guild = self.guilds.get(int(stored["guild_id"])) if "guild_id" in stored else None
        return self._interaction_payload(
            3,
            data,
            guild=guild,
            channel_id=int(stored["channel_id"]) if guild is not None else None,
            user=user,
            permissions=permissions,
            locale=locale,
            message=stored,
        )

    def _find_modal(self, custom_id: str) -> InteractionRecord | None:
        for record in reversed(list(self.interactions.values())):
            if record.modal is not None and record.modal.get("custom_id") == custom_id:
                return record
        return None

    @staticmethod
    def _submitted(component: Json, fields: Mapping[str, str | list[str]], used: set[str]) -> Json:
        custom_id = component.get("custom_id", "")
        value = fields.get(custom_id)
        if value is None and component.get("required", True) and component["type"] == 4:
            raise ValueError(f"required modal field {custom_id!r} has no value")
        used.add(custom_id)
        entry: Json = {"type": component["type"], "custom_id": custom_id}
        if "id" in component:
            entry["id"] = component["id"]
        if component["type"] == 4:
            entry["value"] = "" if value is None else str(value)
        else:
            entry["values"] = [] if value is None else ([value] if isinstance(value, str) else list(value))
        return entry

    def submit_modal(
        self,
        custom_id: str,
        fields: Mapping[str, str | list[str]],
        *,
        user: int | Json | None = None,
        permissions: int | None = None,
        locale: str = "en-US",
    ) -> Json:
        """Build a MODAL_SUBMIT interaction with ``fields`` (custom_id -> value).

        If the bot opened that modal, its layout (action rows or labels), channel and user are mirrored and
        unknown or missing required fields raise ValueError; otherwise one action row per field is sent.
        """
        source = self._find_modal(custom_id)
        used: set[str] = set()
        components: list[Json] = []
        if source is not None and source.modal is not None:
            for top in source.modal.get("components") or []:
                if top["type"] == 1:
                    inner = [self._submitted(c, fields, used) for c in top.get("components") or []]
                    components.append({"type": 1, "components": inner})
                elif top["type"] == 18:
                    components.append({"type": 18, "component": self._submitted(top["component"], fields, used)})
            unknown = set(fields) - used
            if unknown:
                raise ValueError(f"modal {custom_id!r} has no field(s) {sorted(unknown)}")
        else:
            for field_id, value in fields.items():
                text = {"type": 4, "custom_id": field_id, "value": str(value)}
                components.append({"type": 1, "components": [text]})
        guild: FakeGuild | None = None
        channel_id: int | None = None
        message: Json | None = None
        if source is not None:
            guild = self.guilds.get(int(source.payload["guild_id"])) if "guild_id" in source.payload else None
            channel_id = int(source.payload["channel_id"]) if guild is not None else None
            if user is None:
                user = source.payload.get("member", {}).get("user") or source.payload["user"]
            if "message" in source.payload:
                message = self._all_messages.get(int(source.payload["message"]["id"]), source.payload["message"])
        else:
            guild = self.guild
        return self._interaction_payload(
            5,
            {"custom_id": custom_id, "components": components},
            guild=guild,
            channel_id=channel_id,
            user=1 if user is None else user,
            permissions=permissions,
            locale=locale,
            message=message,
        )
