"""Running it like an operator: every bad setting gives one clear line and exit code 2, in a real process."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.storage import SQLiteStorage
from tests.fake_discord import FakeDiscord
from tests.faultkit import Finished, bot_env, run_command

REPO = Path(__file__).resolve().parent.parent
PASTED_TOKEN = "MTMwMDAwMDAwMDAwMDAwMDAwMQ.Gx7Yq1.pastedT0kenS3cretPartThatMustNotLeak_x9"


def problem_lines(finished: Finished) -> list[str]:
    """Return the lines that report a problem: log lines at WARNING or worse, and plain (unlogged) lines."""
    output = (finished.stdout + finished.stderr).splitlines()
    logged = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ (\w+) ")
    problems = []
    for line in output:
        match = logged.match(line)
        if match is None or match[1] in {"WARNING", "ERROR", "CRITICAL"}:
            problems.append(line)
    return [line for line in problems if line.strip()]


def assert_one_clear_line(finished: Finished, setting: str, *words: str) -> str:
    """Check: exit code 2, no traceback, exactly one problem line, naming the setting and the given words."""
    output = finished.stdout + finished.stderr
    assert "Traceback" not in output, output[-4000:]
    assert finished.code == 2, f"exit {finished.code}\n{output[-3000:]}"
    problems = problem_lines(finished)
    assert len(problems) == 1, "\n".join(problems)
    line = problems[0]
    assert f"{setting}:" in line, line
    for word in words:
        assert word in line, f"{word!r} not in {line!r}"
    return line


def _leaked(text: str, token: str) -> list[str]:
    parts = {token, *(part for part in token.split(".") if len(part) >= 6)}
    return sorted(part for part in parts if part in text)


async def test_a_dev_guild_the_bot_is_not_in_is_one_line_and_exit_2(tmp_path: Path, fake: FakeDiscord) -> None:
    stranger_guild = fake.guild_id + 12345  # a well-formed id of a server the bot is not in
    env = bot_env(fake, tmp_path / "trivia.db", DEV_GUILD_IDS=f"{fake.guild_id},{stranger_guild}")
    run, sync = await asyncio.gather(
        run_command("-m", "bot", env=env, cwd=tmp_path, timeout=60),
        run_command("-m", "bot", "sync", env=env, cwd=tmp_path, timeout=60),
    )
    for finished in (run, sync):
        line = assert_one_clear_line(finished, "DEV_GUILD_IDS", str(stranger_guild), "not in server")
        assert "ERROR" in line


async def test_a_token_pasted_into_dev_guild_ids_is_refused_without_printing_it(
    tmp_path: Path, fake: FakeDiscord
) -> None:
    env = bot_env(fake, tmp_path / "trivia.db", DEV_GUILD_IDS=f"{fake.guild_id}, {PASTED_TOKEN}", LOG_LEVEL="DEBUG")
    run, sync = await asyncio.gather(
        run_command("-m", "bot", env=env, cwd=tmp_path, timeout=60),
        run_command("-m", "bot", "sync", env=env, cwd=tmp_path, timeout=60),
    )
    for finished in (run, sync):
        assert_one_clear_line(finished, "DEV_GUILD_IDS", "entry 2 of 2 is not a server id")
        assert not _leaked(finished.stdout + finished.stderr, PASTED_TOKEN)
    assert not any(request.path.startswith("/users/@me") for request in fake.requests), "it must not even log in"


async def test_a_database_path_that_is_a_folder_or_not_a_database_is_one_line(
    tmp_path: Path, fake: FakeDiscord
) -> None:
    folder = tmp_path / "a-folder"
    folder.mkdir()
    corrupt = tmp_path / "corrupt.db"
    corrupt.write_bytes(b"this is not a SQLite file\n" * 200)
    blocker = tmp_path / "a-file"
    blocker.write_text("a file where a folder should be\n")
    uncreatable = blocker / "data" / "trivia.db"
    cases = {
        "folder": (folder, ("is a folder",)),
        "corrupt": (corrupt, ("is not a SQLite database or is damaged",)),
        "uncreatable": (uncreatable, ("cannot create the folder", str(blocker / "data"))),
    }
    verbs = [("run",), ("play",)]
    runs = await asyncio.gather(
        *(
            run_command("-m", "bot", *verb, env=bot_env(fake, path), cwd=tmp_path, timeout=60)
            for verb in verbs
            for path, _ in cases.values()
        )
    )
    for (name, (_, words)), finished in zip([*cases.items(), *cases.items()], runs, strict=True):
        line = assert_one_clear_line(finished, "DATABASE_PATH", *words)
        assert "Could not reach Discord" not in line, name
    assert corrupt.read_bytes().startswith(b"this is not a SQLite file"), "the corrupt file is left as it was"
    assert not any(request.path.startswith("/users/@me") for request in fake.requests), "no log-in with a bad database"


@contextlib.contextmanager
def read_only(path: Path) -> Iterator[None]:
    """Make a file read-only even for root (which ignores permission bits): ``chattr +i`` as root, else chmod."""
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        chattr = shutil.which("chattr")
        if chattr is None or subprocess.run([chattr, "+i", str(path)], check=False, capture_output=True).returncode:
            pytest.skip("running as root, and this file system cannot make a file immutable (chattr +i)")
        try:
            yield
        finally:
            subprocess.run([chattr, "-i", str(path)], check=True)
        return
    path.chmod(0o444)
    path.parent.chmod(0o555)
    try:
        yield
    finally:
        path.parent.chmod(0o755)
        path.chmod(0o644)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
async def test_a_read_only_database_is_refused_at_start_not_at_every_write(tmp_path: Path, fake: FakeDiscord) -> None:
    database = tmp_path / "data" / "trivia.db"
    storage = await SQLiteStorage.open(database)
    await storage.close()
    env = bot_env(fake, database)
    with read_only(database):
        run, play = await asyncio.gather(
            run_command("-m", "bot", env=env, cwd=tmp_path, timeout=60),
            run_command("-m", "bot", "play", env=env, cwd=tmp_path, timeout=60),
        )
    for finished in (run, play):
        assert_one_clear_line(finished, "DATABASE_PATH", "is read-only for this user", "write access")
    assert not any(request.path.startswith("/users/@me") for request in fake.requests)
    with sqlite3.connect(database) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
