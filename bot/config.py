"""Typed settings, read from the environment or a ``.env`` file (see ``.env.example``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.shards import ShardPlan
from questions.loader import default_seeds_dir

MAX_SHARD_COUNT = 65536
"""An upper bound that catches typos; Discord itself tells a bot how many shards it needs."""


class PlaySettings(BaseSettings):
    """The settings the terminal player needs: everything but Discord's."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore", env_ignore_empty=True)

    database_path: Path = Field(default=Path("data/trivia.db"), description="SQLite file; its folder is created.")
    seeds_dir: Path = Field(default_factory=default_seeds_dir, description="Folder of documents and fact packs.")
    question_seed: int = Field(default=0, description="Seed of question generation (distractors, option order).")
    round_pause_seconds: float = Field(default=3.0, ge=0, le=60, description="Pause between a reveal and the next.")


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

    @field_validator("dev_guild_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        """Accept '1,2,3' (or spaces) as well as a JSON list."""
        if isinstance(value, str):
            return [int(part) for part in value.replace(",", " ").split()]
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
