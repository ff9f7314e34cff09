"""Typed settings, read from the environment or a ``.env`` file (see ``.env.example``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, ValidationInfo, field_validator
from pydantic_settings import NoDecode

from bot.shards import ShardPlan
from questions.settings import PackSettings

MIN_SNOWFLAKE = 1 << 22
"""The smallest plausible Discord id (any id made after Discord's epoch); 0 and small numbers are typos."""
MAX_SNOWFLAKE = (1 << 63) - 1

MAX_SHARD_COUNT = 65536
"""An upper bound that catches typos; Discord itself tells a bot how many shards it needs."""


class PlaySettings(PackSettings):
    """The settings the terminal player needs: everything but Discord's (SEEDS_DIR, QUESTION_SEED inherited)."""

    database_path: Path = Field(default=Path("data/trivia.db"), description="SQLite file; its folder is created.")
    database_url: SecretStr | None = Field(
        default=None,
        description="postgresql://user:password@host:port/database; when set, PostgreSQL replaces DATABASE_PATH.",
    )
    round_pause_seconds: float = Field(default=3.0, ge=0, le=60, description="Pause between a reveal and the next.")

    @field_validator("database_url")
    @classmethod
    def _postgres_url(cls, value: SecretStr | None) -> SecretStr | None:
        # The message never quotes the URL: it may hold a password.
        if value is None:
            return None
        url = value.get_secret_value().strip()
        if not url.startswith(("postgresql://", "postgres://")):
            raise ValueError("must start with postgresql:// (leave it empty to use the SQLite file DATABASE_PATH)")
        return SecretStr(url)

    @property
    def database_target(self) -> str | Path:
        """Return what `bot.storage.opening.open_storage` opens: the PostgreSQL URL if set, else the SQLite file."""
        return self.database_path if self.database_url is None else self.database_url.get_secret_value()


class Settings(PlaySettings):
    """Every setting of the bot; each key is documented in ``.env.example``."""

    discord_token: SecretStr = Field(description="The bot token from the Discord developer portal.")
    dev_guild_ids: Annotated[list[int], NoDecode] = Field(
        default_factory=list, description="Guilds whose commands are synced instantly on every start."
    )
    log_level: str = Field(default="INFO")
    discord_api_base: str | None = Field(
        default=None, description="Base URL of a Discord REST proxy (or of the local fake used by the tests)."
    )
    shard_count: int | None = Field(
        default=None, ge=1, le=MAX_SHARD_COUNT, description="How many shards the bot runs in all (every process)."
    )
    shard_ids: Annotated[list[int] | None, NoDecode] = Field(
        default=None, description="The shards this process connects, e.g. '0,1' (default: all of SHARD_COUNT)."
    )

    @field_validator("shard_ids", mode="before")
    @classmethod
    def _split_shard_ids(cls, value: object) -> object:
        """Accept '0,1' (or spaces) as well as a JSON list."""
        if isinstance(value, str):
            parts = value.replace(",", " ").split()
            if not all(part.isdigit() for part in parts):
                raise ValueError(f"must be shard numbers separated by commas, e.g. 0,1 (got {value.strip()[:40]!r})")
            return [int(part) for part in parts]
        if isinstance(value, int):
            return [value]
        return value

    @field_validator("shard_ids")
    @classmethod
    def _shard_ids_in_range(cls, value: list[int] | None, info: ValidationInfo) -> list[int] | None:
        if value is None or "shard_count" not in info.data:  # an invalid SHARD_COUNT is reported on its own
            return value
        count = info.data["shard_count"]
        if count is None:
            raise ValueError("needs SHARD_COUNT too: set how many shards the bot runs in all (e.g. SHARD_COUNT=2)")
        if not value:
            raise ValueError("is empty: list the shards this process runs, e.g. 0,1")
        outside = [shard for shard in value if not 0 <= shard < count]
        if outside:
            listed = ", ".join(map(str, outside))
            raise ValueError(f"{listed}: with SHARD_COUNT={count} the shards are numbered 0 to {count - 1}")
        repeated = sorted({shard for shard in value if value.count(shard) > 1})
        if repeated:
            raise ValueError(f"lists shard {', '.join(map(str, repeated))} more than once")
        return value

    @property
    def shard_plan(self) -> ShardPlan | None:
        """Return this process's shards, or None to run unsharded (no SHARD_COUNT)."""
        if self.shard_count is None:
            return None
        ids = self.shard_ids if self.shard_ids is not None else range(self.shard_count)
        return ShardPlan(self.shard_count, tuple(ids))

    log_format: Literal["text", "json"] = Field(
        default="text", description="'text' lines, or 'json': one JSON object per line (token still scrubbed)."
    )
    metrics_port: int | None = Field(
        default=None, ge=1, le=65535, description="Serve Prometheus /metrics and /healthz on this port (off if unset)."
    )
    metrics_host: str = Field(default="127.0.0.1", description="Address the metrics server listens on.")
    guild_ready_timeout: float = Field(
        default=2.0,
        ge=0,
        le=60,
        description="Seconds discord.py waits after connecting for more servers' data before the bot is ready.",
    )
    sqlite_answer_writes: Literal["thread", "at_once"] = Field(
        default="thread",
        description="'thread': answers are committed on the database thread, so a stalled disk never holds up the "
        "bot; 'at_once': committed on the event loop when nothing else writes, about 0.15 ms less CPU per answer, "
        "but a disk stall freezes the whole bot while it lasts (a local, healthy disk only).",
    )
    answer_commit_window_ms: float = Field(
        default=20,
        ge=0,
        le=250,
        description="When answers come faster than this, an answer waits up to this many milliseconds for others to "
        "be committed with it (or until 4 wait): fewer, larger commits, a fifth less CPU per answer at 160/s; "
        "0 commits each at once.",
    )
    write_clock_speed: float = Field(
        default=1.0,
        ge=1,
        le=100,
        description="For tests against a fake Discord only: how many times faster the spacing of channel writes runs "
        "(Discord rate-limits a bot that writes faster than 1).",
    )

    @field_validator("dev_guild_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        """Accept '1,2,3' (or spaces) as well as a JSON list; never echo what was given (it may be a token)."""
        if isinstance(value, str):
            parts = value.replace(",", " ").split()
            for number, part in enumerate(parts, start=1):
                if not part.isdigit() or not MIN_SNOWFLAKE <= int(part) <= MAX_SNOWFLAKE:
                    raise ValueError(
                        f"entry {number} of {len(parts)} is not a server id: give numeric ids separated by commas "
                        "(Discord: right-click the server, Copy Server ID). Never put the bot token here."
                    )
            return [int(part) for part in parts]
        if isinstance(value, int):
            return [value]
        return value

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL")
        return level

    @field_validator("discord_token")
    @classmethod
    def _token_not_blank(cls, value: SecretStr) -> SecretStr:
        # The message never quotes the token: pydantic's own "input_value" is left out by __main__ too.
        token = value.get_secret_value().strip()
        if not token:
            raise ValueError("is empty")
        if any(char.isspace() or not char.isprintable() for char in token):
            raise ValueError("contains spaces or control characters: copy it again from the Developer Portal")
        return SecretStr(token)
