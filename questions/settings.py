"""Settings shared by everything that loads fact packs, read from the environment or a ``.env`` file."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from questions.loader import default_seeds_dir


class PackSettings(BaseSettings):
    """Where the fact packs are and how questions are generated from them (``SEEDS_DIR``, ``QUESTION_SEED``)."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore", env_ignore_empty=True)

    seeds_dir: Path = Field(default_factory=default_seeds_dir, description="Folder of documents and fact packs.")
    question_seed: int = Field(default=0, description="Seed of question generation (distractors, option order).")
