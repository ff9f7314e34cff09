"""Running it like an operator: every bad setting gives one clear line and exit code 2, in a real process."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import logging
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.app import QuestionSource, TriviaBot
from bot.logs import JsonFormatter, RedactingFilter
from bot.metrics import HEALTH_CACHE_SECONDS, STORAGE_WRITES, HealthCheck
from bot.storage import SQLiteStorage, Storage
from fake_discord import FakeDiscord, running_bot
from tests.bot_helpers import wait_question, wait_reveal, wait_standings
from tests.conftest import button_ids
from tests.faultkit import Finished, bot_env, bot_process, run_command

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


# --------------------------------------------------------------------------- metrics, health and JSON logs


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def _scrape(port: int) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Return every sample of the bot's /metrics, keyed by name and sorted labels."""
    async with aiohttp.ClientSession() as session, session.get(f"http://127.0.0.1:{port}/metrics") as response:
        assert response.status == 200
        text = await response.text()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


async def _health(port: int) -> tuple[int, dict[str, Any]]:
    async with aiohttp.ClientSession() as session, session.get(f"http://127.0.0.1:{port}/healthz") as response:
        return response.status, await response.json()


def _value(samples: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


WAIT_SECONDS = 30.0
"""Generous bound for what another process does: a busy machine must not fail a test."""


async def _until(check: Callable[[], Awaitable[bool]], what: str) -> None:
    """Poll ``check`` (an HTTP endpoint of another process: there is no event to wait on) until it is true."""
    try:
        async with asyncio.timeout(WAIT_SECONDS):
            while not await check():  # noqa: ASYNC110
                await asyncio.sleep(0.1)
    except TimeoutError:
        raise AssertionError(f"waited {WAIT_SECONDS:g}s for {what}") from None


@pytest.mark.slow  # a bot process plays a real-time round (~20 s): started first in a parallel run
async def test_metrics_and_health_of_a_real_bot_change_as_a_round_is_played(
    tmp_path: Path, fake: FakeDiscord, question_source: QuestionSource
) -> None:
    port = _free_port()
    database = tmp_path / "trivia.db"
    env = bot_env(fake, database, METRICS_PORT=str(port), LOG_FORMAT="json")
    channel = fake.channel_id
    async with bot_process(env, tmp_path) as bot:

        async def healthy() -> bool:
            with contextlib.suppress(aiohttp.ClientError):
                return (await _health(port))[0] == 200
            assert bot.running, "\n".join(bot.log)
            return False

        await _until(healthy, "a healthy bot")
        status, body = await _health(port)
        last_probe = time.monotonic()  # the bot probed its database before answering, so no later than this
        assert body["status"] == "ok" and body["gateway"]["connected"] is True
        assert body["database"] == {"writable": True, "problem": None}
        before = await _scrape(port)
        assert _value(before, "orbit_trivia_rounds_running") == 0
        assert _value(before, "orbit_trivia_answers_total") == 0
        assert _value(before, "orbit_trivia_gateway_connected") == 1

        fake.fail_next("POST", r"/channels/\d+/messages$", 429, retry_after=0.3)  # the first question's post
        started = await fake.interact(
            fake.slash_command("trivia start", {"questions": 1, "kind": "multiple_choice", "seconds": 10}, user=1)
        )
        assert "started a round" in (started.content or "")
        first = await wait_question(fake, channel, 1, timeout=30)
        during = await _scrape(port)
        assert _value(during, "orbit_trivia_rounds_running") == 1
        assert _value(during, "orbit_trivia_interactions_total", type="application_command") == 1
        assert _value(during, "orbit_trivia_interaction_response_seconds_count") >= 1
        assert _value(during, "orbit_trivia_storage_write_seconds_count", operation="create_round") == 1
        assert _value(during, "orbit_trivia_discord_rate_limits_total", scope="route") == 1

        for player, index in ((2, 0), (3, 1)):
            await fake.interact(fake.click(first, button_ids(first)[index], user=player))
        await wait_reveal(fake, channel, first["id"], timeout=30)
        answered = await _scrape(port)
        assert _value(answered, "orbit_trivia_answers_total") == 2
        assert _value(answered, "orbit_trivia_interactions_total", type="component") == 2
        assert _value(answered, "orbit_trivia_storage_write_seconds_count", operation="record_answer") == 2
        responses = _value(answered, "orbit_trivia_interaction_response_seconds_count")
        assert responses >= 3, "the start and both clicks were answered"
        assert _value(answered, "orbit_trivia_interaction_response_seconds_bucket", le="+Inf") == responses

        await wait_standings(fake, channel, timeout=60)

        async def round_over() -> bool:
            return _value(await _scrape(port), "orbit_trivia_rounds_running") == 0

        await _until(round_over, "the round to end")
        after = await _scrape(port)
        assert _value(after, "orbit_trivia_storage_write_seconds_count", operation="finish_round") >= 1
        # The global write budget let through the post, the reveal and the standings, and broke no bound.
        assert _value(after, "orbit_trivia_channel_writes_total", priority="essential") >= 3
        for counter in ("write_bound_exceeded", "writes_dropped", "writes_coalesced"):
            assert (f"orbit_trivia_channel_{counter}_total", ()) in after, sorted(after)
        assert _value(after, "orbit_trivia_channel_write_bound_exceeded_total") == 0

        # Another process holding the database's write lock makes the bot's writes fail: the health says so.
        with sqlite3.connect(database, isolation_level=None) as intruder:
            intruder.execute("BEGIN IMMEDIATE")
            # The last probe is reused this long (the round took longer than that already, as a rule).
            await asyncio.sleep(max(0.0, last_probe + HEALTH_CACHE_SECONDS - time.monotonic()))
            status, body = await _health(port)
            intruder.execute("ROLLBACK")
        assert status == 503 and body["status"] == "unhealthy", body
        assert body["database"]["writable"] is False and "is locked" in body["database"]["problem"]
        assert body["gateway"]["connected"] is True
        await asyncio.sleep(HEALTH_CACHE_SECONDS)
        status, body = await _health(port)
        assert (status, body["status"], body["database"]["writable"]) == (200, "ok", True), "healthy again"
        log = list(bot.log)

    assert log, "the bot logged nothing"
    entries = [json.loads(line) for line in log]  # every line is one JSON object
    assert all({"time", "level", "logger", "message"} <= entry.keys() for entry in entries)
    assert any("Serving metrics on" in entry["message"] for entry in entries)
    assert any("rate limited" in entry["message"] and entry["level"] == "WARNING" for entry in entries)
    assert not _leaked("\n".join(log), fake.token)


# --------------------------------------------------------------------------- backup

WRITER = """
import sqlite3, sys, time
connection = sqlite3.connect(sys.argv[1], timeout=5, isolation_level=None)
connection.execute("PRAGMA journal_mode = WAL")
connection.execute("CREATE TABLE IF NOT EXISTS ticks (n INTEGER PRIMARY KEY, at REAL)")
n = 0
while True:
    n += 1
    connection.execute("BEGIN IMMEDIATE")
    connection.execute("INSERT INTO ticks VALUES (?, ?)", (n, time.time()))
    connection.execute("COMMIT")
    print(n, flush=True)
"""


def _orbit_trivia() -> str:
    """Return the installed console script, which must sit beside this Python."""
    script = Path(sys.executable).parent / "orbit-trivia"
    assert script.exists(), "the package installs the orbit-trivia command"
    return str(script)


async def test_backup_copies_the_live_database_while_another_process_writes(tmp_path: Path) -> None:
    database = tmp_path / "data" / "trivia.db"
    storage = await SQLiteStorage.open(database)
    await storage.set_meta("marker", "before the backup")
    await storage.close()
    with sqlite3.connect(database) as connection:
        schema_version = connection.execute("PRAGMA user_version").fetchone()[0]
    assert schema_version > 0

    writer = await asyncio.create_subprocess_exec(
        sys.executable, "-c", WRITER, str(database), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    assert writer.stdout is not None
    written = 0
    try:
        while written < 200:  # the writer is well under way
            written = int(await asyncio.wait_for(writer.stdout.readline(), WAIT_SECONDS))
        env = {key: value for key, value in os.environ.items() if key != "DATABASE_PATH"}
        env["DATABASE_PATH"] = str(database)
        process = await asyncio.create_subprocess_exec(
            _orbit_trivia(),
            "backup",
            str(tmp_path / "copy.db"),
            cwd=tmp_path,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(process.communicate(), WAIT_SECONDS)
        assert process.returncode == 0, err.decode()
        assert f"to {tmp_path / 'copy.db'}" in out.decode()
        copy = tmp_path / "copy.db"
        assert not Path(f"{copy}-wal").exists(), "the copy is one self-contained file"  # noqa: ASYNC240
        with sqlite3.connect(f"{copy.as_uri()}?mode=ro", uri=True) as connection:
            assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            assert connection.execute("PRAGMA user_version").fetchone()[0] == schema_version
            marker = connection.execute("SELECT value FROM meta WHERE key = 'marker'").fetchone()
            ticks, highest = connection.execute("SELECT count(*), max(n) FROM ticks").fetchone()
        assert marker == ("before the backup",)
        assert 200 <= ticks == highest, "a consistent snapshot: every tick up to one point, none missing"
        while written < highest + 200:  # the writer goes on after the backup: it was never blocked for good
            written = int(await asyncio.wait_for(writer.stdout.readline(), WAIT_SECONDS))
    finally:
        writer.kill()
        _, writer_errors = await writer.communicate()
    assert b"Traceback" not in writer_errors, writer_errors.decode()
    assert not list(tmp_path.glob(".*.partial")), "no partial file left behind"  # noqa: ASYNC240


async def test_backup_has_a_default_destination_and_refuses_a_missing_database(tmp_path: Path) -> None:
    database = tmp_path / "trivia.db"
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_PATH"}
    missing = await run_command("-m", "bot", "backup", env=env | {"DATABASE_PATH": str(database)}, cwd=tmp_path)
    assert missing.code == 2 and "Traceback" not in missing.stderr
    assert missing.stderr.strip() == f"DATABASE_PATH: there is no database at {database}"

    storage = await SQLiteStorage.open(database)
    await storage.close()
    done = await run_command("-m", "bot", "backup", env=env | {"DATABASE_PATH": str(database)}, cwd=tmp_path)
    assert done.code == 0, done.stderr
    (copy,) = (tmp_path / "backups").glob("trivia-*.db")
    assert re.fullmatch(r"trivia-\d{8}-\d{6}\.db", copy.name)
    assert f"to {copy}" in done.stdout


async def test_health_follows_the_gateway_connection(
    tmp_path: Path, fake: FakeDiscord, make_bot: Callable[..., TriviaBot]
) -> None:
    bot = make_bot()
    health = HealthCheck(bot, tmp_path / "trivia.db")
    healthy, body = await health.report()
    assert not healthy and body["gateway"]["connected"] is False, "not logged in yet"
    async with running_bot(fake, bot):
        healthy, body = await health.report()
        assert healthy, body
        assert body["status"] == "ok" and body["database"]["writable"] is True
    healthy, body = await health.report()
    assert not healthy and body["status"] == "unhealthy" and body["gateway"]["connected"] is False


async def test_a_metrics_port_in_use_is_one_line_and_exit_2(tmp_path: Path, fake: FakeDiscord) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        finished = await run_command(
            "-m", "bot", env=bot_env(fake, tmp_path / "trivia.db", METRICS_PORT=str(port)), cwd=tmp_path, timeout=60
        )
    assert_one_clear_line(finished, "METRICS_PORT", f"cannot listen on 127.0.0.1:{port}")


def test_json_log_lines_scrub_the_token_from_messages_and_tracebacks() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RedactingFilter([PASTED_TOKEN]))
    logger = logging.getLogger("tests.json_logs")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    try:
        logger.info('plain line with a "quote" and ünïcode')
        try:
            raise RuntimeError(f"login failed with {PASTED_TOKEN}")
        except RuntimeError:
            logger.exception("Could not log in with %s", PASTED_TOKEN)
    finally:
        logger.removeHandler(handler)
    plain, failure = (json.loads(line) for line in stream.getvalue().splitlines())
    assert plain["message"] == 'plain line with a "quote" and ünïcode' and plain["level"] == "INFO"
    assert plain["logger"] == "tests.json_logs" and plain["time"].endswith("+00:00")
    assert failure["level"] == "ERROR" and "[redacted]" in failure["message"]
    assert "RuntimeError" in failure["exception"] and "[redacted]" in failure["exception"]
    assert not _leaked(stream.getvalue(), PASTED_TOKEN)


def test_every_timed_storage_write_is_a_storage_method() -> None:
    missing = [name for name in STORAGE_WRITES if not callable(getattr(Storage, name, None))]
    assert missing == [], f"bot.metrics.STORAGE_WRITES names methods Storage no longer has: {missing}"
