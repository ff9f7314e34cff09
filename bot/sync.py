"""Deliberate slash-command syncing: dev guilds on start, global only when the tree changed."""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from typing import Any, Protocol

import discord
from discord import app_commands

from bot.preflight import ConfigError

log = logging.getLogger(__name__)

TREE_HASH_KEY = "command_tree_hash"


class MetaStore(Protocol):
    """The part of storage that remembers the last synced tree."""

    async def get_meta(self, key: str) -> str | None: ...

    async def set_meta(self, key: str, value: str) -> None: ...


@dataclass
class SyncReport:
    """What a sync did, for logs and tests."""

    global_synced: bool = False
    guilds_synced: list[int] = field(default_factory=list)
    tree_hash: str = ""


def command_tree_hash(tree: app_commands.CommandTree[Any]) -> str:
    """Hash the JSON that a global sync would send, so unchanged trees are not re-synced."""
    payload = sorted((cmd.to_dict(tree) for cmd in tree.get_commands()), key=lambda c: str(c.get("name")))
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


async def sync_commands(
    tree: app_commands.CommandTree[Any],
    meta: MetaStore,
    dev_guild_ids: list[int],
    *,
    force_global: bool = False,
) -> SyncReport:
    """Sync dev guilds every time, and global commands only when their hash changed (or when forced)."""
    report = SyncReport(tree_hash=command_tree_hash(tree))
    for guild_id in dev_guild_ids:
        guild = discord.Object(id=guild_id)
        tree.copy_global_to(guild=guild)
        try:
            await tree.sync(guild=guild)
        except (discord.Forbidden, discord.NotFound):
            raise ConfigError(
                "DEV_GUILD_IDS",
                f"the bot is not in server {guild_id} (or was added without the applications.commands scope): "
                "invite it there with the URL from the README, or remove the id",
            ) from None
        report.guilds_synced.append(guild_id)
        log.info("Synced commands to dev guild %s", guild_id)
    stored = await meta.get_meta(TREE_HASH_KEY)
    if force_global or stored != report.tree_hash:
        await tree.sync()
        await meta.set_meta(TREE_HASH_KEY, report.tree_hash)
        report.global_synced = True
        log.info("Synced global commands (tree hash %s)", report.tree_hash[:12])
    else:
        log.info("Global commands unchanged since the last sync; not syncing")
    return report
