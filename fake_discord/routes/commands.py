"""REST: application commands (global and per guild), validated like Discord does."""

# The wait helpers take a plain timeout argument on purpose: tests call fake.wait_for(pred, timeout=2).

from __future__ import annotations

import copy
from typing import Any

from fake_discord.core import (
    APPLICATION_PATH,
    COMMAND_NAME,
    SNOWFLAKE,
    Call,
    FakeCore,
    Reply,
    RouteSpec,
    error_reply,
    form_error,
)
from fake_discord.payloads import (
    Json,
)


class CommandRoutes(FakeCore):
    """Stores synced command trees and refuses the ones Discord would refuse."""

    def command_routes(self) -> list[RouteSpec]:
        """Routes of global and guild application commands."""
        return [
            ("GET", rf"{APPLICATION_PATH}/commands", self._get_commands, True),
            ("PUT", rf"{APPLICATION_PATH}/commands", self._put_commands, True),
            ("GET", rf"{APPLICATION_PATH}/guilds/(?P<guild_id>{SNOWFLAKE})/commands", self._get_commands, True),
            ("PUT", rf"{APPLICATION_PATH}/guilds/(?P<guild_id>{SNOWFLAKE})/commands", self._put_commands, True),
        ]

    # ------------------------------------------------------------------ REST: application commands

    def _check_app(self, call: Call) -> Reply | None:
        if int(call.params["app_id"]) != self.application_id:
            return error_reply(404, 10002, "Unknown Application")
        return None

    async def _get_commands(self, call: Call) -> Reply:
        if (bad := self._check_app(call)) is not None:
            return bad
        guild_id = int(call.params["guild_id"]) if "guild_id" in call.params else None
        return 200, self.commands.get(guild_id, [])

    async def _put_commands(self, call: Call) -> Reply:
        if (bad := self._check_app(call)) is not None:
            return bad
        guild_id = int(call.params["guild_id"]) if "guild_id" in call.params else None
        if guild_id is not None and guild_id not in self.guilds:
            return error_reply(404, 10004, "Unknown Guild")
        payload = call.json
        if not isinstance(payload, list):
            return form_error("_root", "LIST_TYPE_CONVERT", "Must be an array.")
        if (bad := self._validate_commands(payload)) is not None:
            return bad
        self.command_syncs.append((guild_id, copy.deepcopy(payload)))
        registered: list[Json] = []
        for command in payload:
            kind = int(command.get("type", 1))
            key = (guild_id, command["name"], kind)
            if key not in self._command_ids:
                self._command_ids[key] = self._snowflake()
            entry: Json = {
                "id": str(self._command_ids[key]),
                "application_id": str(self.application_id),
                "version": str(self._snowflake()),
                "type": kind,
                "description": "",
                "default_member_permissions": None,
                "nsfw": False,
                **copy.deepcopy(command),
            }
            if guild_id is not None:
                entry["guild_id"] = str(guild_id)
            registered.append(entry)
        self.commands[guild_id] = registered
        return 200, registered

    @staticmethod
    def _validate_commands(commands: list[Any]) -> Reply | None:
        seen: set[tuple[str, int]] = set()
        if len(commands) > 100:
            return form_error("_root", "BASE_TYPE_MAX_LENGTH", "Must be 100 or fewer in length.")
        for i, command in enumerate(commands):
            if not isinstance(command, dict) or not isinstance(command.get("name"), str):
                return form_error(f"{i}.name", "BASE_TYPE_REQUIRED", "This field is required")
            kind = int(command.get("type", 1))
            name = command["name"]
            if (name, kind) in seen:
                return form_error(f"{i}.name", "APPLICATION_COMMANDS_DUPLICATE_NAME", f"Duplicate name {name}")
            seen.add((name, kind))
            if kind == 1:
                problem = CommandRoutes._validate_chat_input(command, str(i))
                if problem is not None:
                    return problem
        return None

    @staticmethod
    def _validate_chat_input(item: Json, where: str) -> Reply | None:
        name = item.get("name", "")
        if not COMMAND_NAME.fullmatch(name) or name != name.lower():
            return form_error(f"{where}.name", "APPLICATION_COMMAND_INVALID_NAME", f"Command name is invalid: {name}")
        description = item.get("description", "")
        if not 1 <= len(description) <= 100:
            return form_error(f"{where}.description", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
        options = item.get("options") or []
        if len(options) > 25:
            return form_error(f"{where}.options", "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
        optional_seen = False
        for j, option in enumerate(options):
            here = f"{where}.options.{j}"
            if option.get("type") not in (1, 2):
                if option.get("required", False):
                    if optional_seen:
                        return form_error(
                            here, "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID", "Required options must be first."
                        )
                else:
                    optional_seen = True
                if len(option.get("choices") or []) > 25:
                    return form_error(f"{here}.choices", "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
            problem = CommandRoutes._validate_chat_input(option, here)
            if problem is not None:
                return problem
        return None
