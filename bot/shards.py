"""Which shards this process runs, and which guilds they hold (Discord's rule, no Discord import)."""

from __future__ import annotations

from dataclasses import dataclass


def shard_of(guild_id: int, shard_count: int) -> int:
    """Return the shard that receives a guild's events: ``(guild_id >> 22) % shard_count`` (Discord's rule)."""
    return (guild_id >> 22) % shard_count


@dataclass(frozen=True)
class ShardPlan:
    """The shards this process connects (``SHARD_IDS``) out of the bot's ``SHARD_COUNT``."""

    count: int
    ids: tuple[int, ...]

    def __post_init__(self) -> None:
        if self.count < 1:
            raise ValueError("a bot has at least one shard")
        if not self.ids or any(not 0 <= shard < self.count for shard in self.ids):
            raise ValueError(f"shard ids {self.ids} are not within 0-{self.count - 1}")

    def owns_guild(self, guild_id: int | None) -> bool:
        """Return whether this process receives the guild's events (direct messages go to shard 0).

        A negative id is no Discord guild (the terminal player's rounds use them): no shard owns it.
        """
        if guild_id is not None and guild_id < 0:
            return False
        return (0 if guild_id is None else shard_of(guild_id, self.count)) in self.ids

    @property
    def syncs_commands(self) -> bool:
        """Return whether this process syncs slash commands: only the one holding shard 0 does."""
        return 0 in self.ids

    def __str__(self) -> str:
        return f"shard{'s' if len(self.ids) > 1 else ''} {', '.join(map(str, self.ids))} of {self.count}"
