"""Shared fixtures: the question source (loaded once), a local fake Discord, and the bot wired to it."""

from __future__ import annotations

import importlib
import shutil
import sys
import tempfile
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import discord
import pytest

from bot.app import QuestionSource, TriviaBot
from bot.config import Settings
from bot.engine import Clock, LoopClock, ScaledClock
from fake_discord import FakeDiscord
from questions.generate import build_bank
from questions.loader import load_store
from questions.matching import AnswerMatcher
from questions.text.vocabulary import is_english_word
from tests.bench_runs import start as start_bench_runs
from tests.bench_runs import stop_all as stop_bench_runs
from tests.postgres_cluster import PostgresCluster, PostgresUnavailable, shared_cluster, stop_shared_cluster
from tests.run_folder import RUN_FOLDER
from tests.storage_backends import BACKENDS, StorageBackend, make_backend

if sys.dont_write_bytecode:
    # PYTHONDONTWRITEBYTECODE (set on some machines) makes every xdist worker rewrite the asserts of every test
    # module and compile it afresh on every run: ~1.7 s of CPU per worker. Keep the compiled test modules in the
    # pytest cache folder instead (out of the source tree, which is what the variable is for); bot processes the
    # tests start still inherit the variable.
    sys.pycache_prefix = str(Path(__file__).resolve().parent.parent / ".pytest_cache" / "pycache")
    sys.dont_write_bytecode = False


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Order the run so that with several workers the long tests overlap the rest instead of trailing it.

    With ``-n N --maxschedchunk 1`` (the README's command) xdist hands each worker two tests to begin with, then
    one at a time. So each slow test comes first with one unit test behind it (a worker of its own), then the
    tests that mostly wait (bots against the fake Discord, processes), and the CPU-bound unit tests fill in; the
    checks of the benchmark runs started in the background at collection (tests/bench_runs.py) come last.
    """
    background = [item for item in items if item.get_closest_marker("bench_run") is not None]
    slow = [item for item in items if item.get_closest_marker("slow") is not None and item not in background]
    waiting = [
        item
        for item in items
        if item not in slow and item not in background and "fake" in getattr(item, "fixturenames", ())
    ]
    chosen = {*slow, *waiting, *background}
    rest = [item for item in items if item not in chosen]
    fillers, rest = rest[: len(slow)], rest[len(slow) :]
    ordered: list[pytest.Item] = []
    for index, item in enumerate(slow):
        ordered += [item, *fillers[index : index + 1]]
    assert len(ordered + waiting + rest + background) == len(items)
    items[:] = ordered + waiting + rest + background


def pytest_collection_finish(session: pytest.Session) -> None:
    """Start the benchmark runs the selected tests check, in the background (once per run: tests/bench_runs.py)."""
    if session.config.option.collectonly:
        return
    names = {str(marker.args[0]) for item in session.items for marker in item.iter_markers("bench_run")}
    if names:
        start_bench_runs(_run_folder_of(session.config), names)


@pytest.fixture(scope="session")
def question_source() -> QuestionSource:
    """The seed fact store, its bank and matcher, built once for the whole run."""
    store = load_store()
    return QuestionSource(store=store, bank=build_bank(store, seed=0), matcher=AnswerMatcher(store))


_run_folder = pytest.StashKey[Path]()


def _run_folder_of(config: pytest.Config) -> Path:
    """Return the folder shared by every xdist worker of this run, or this process's own without workers."""
    folder = getattr(config, "workerinput", {}).get(RUN_FOLDER)
    if folder is not None:
        return Path(folder)
    if _run_folder not in config.stash:
        config.stash[_run_folder] = Path(tempfile.mkdtemp(prefix="orbit-trivia-run-"))
    return config.stash[_run_folder]


def pytest_configure(config: pytest.Config) -> None:
    """(The xdist controller.) Import every test module once before the workers start, so that its rewritten and
    compiled form is cached: on a first run (CI's fresh clone) the workers would otherwise each do it at the same
    time (~1.8 s of CPU per worker). Likewise the files of prepared data (questions/cache_files.py): the seed pack's
    parse (test_generate loads the store on import) and the matcher's word lists (~0.3 s each per worker)."""
    if hasattr(config, "workerinput") or not config.getoption("numprocesses", default=None):
        return
    for path in sorted(Path(__file__).resolve().parent.glob("test_*.py")):
        importlib.import_module(f"tests.{path.stem}")
    is_english_word("orbit")  # the first look-up reads the word lists, building and keeping them if need be


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """(The xdist controller.) Give each worker the run's shared folder (tests/run_folder.py)."""
    node.workerinput[RUN_FOLDER] = str(_run_folder_of(node.config))


def pytest_unconfigure(config: pytest.Config) -> None:
    """(The xdist controller once every worker is done, or a run without workers.) Stop what the run started in
    its shared folder (benchmark runs, the shared cluster), and delete the folder."""
    if _run_folder in config.stash:
        folder = config.stash[_run_folder]
        stop_bench_runs(folder)
        stop_shared_cluster(folder)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def run_folder(request: pytest.FixtureRequest) -> Path:
    """A folder shared by every xdist worker of this run (tests/run_folder.py), for work done once per run."""
    return _run_folder_of(request.config)


def _start_or_fail(start: Callable[[], PostgresCluster]) -> PostgresCluster:
    try:
        return start()
    except PostgresUnavailable as error:
        reason = str(error)
    # Outside the except block, so the report is the reason alone.
    pytest.fail(f"PostgreSQL is needed for this test and could not be started: {reason}", pytrace=False)


@pytest.fixture(scope="session")
def postgres_cluster(request: pytest.FixtureRequest) -> Iterator[PostgresCluster]:
    """A throwaway PostgreSQL cluster for the whole run; the tests that need it FAIL (never skip) without it.

    Under pytest-xdist every worker shares one cluster (see tests/postgres_cluster.py), each in databases of its
    own; a run without workers starts and stops its own. A test that restarts the server takes
    ``private_postgres_cluster`` instead.
    """
    workerinput: dict[str, Any] = getattr(request.config, "workerinput", {})
    folder = workerinput.get(RUN_FOLDER)
    if folder is not None:
        yield _start_or_fail(lambda: shared_cluster(Path(folder), str(workerinput["workerid"])))
        return
    cluster = _start_or_fail(PostgresCluster.start)
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def private_postgres_cluster() -> Iterator[PostgresCluster]:
    """A cluster of the test's own, for a test that stops or restarts the server."""
    cluster = _start_or_fail(PostgresCluster.start)
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(params=BACKENDS)
async def storage_backend(request: pytest.FixtureRequest, tmp_path: Path) -> StorageBackend:
    """A fresh empty database, once per backend: every storage test runs on SQLite and on PostgreSQL."""
    cluster = request.getfixturevalue("postgres_cluster") if request.param == "postgresql" else None
    return await make_backend(request.param, tmp_path, cluster)


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    """A running fake of the Discord API on 127.0.0.1."""
    async with FakeDiscord(players=6) as server:
        yield server


class FastTriviaBot(TriviaBot):
    """The real bot, minus discord.py's 5-second wait before a re-IDENTIFY (it is for real rate limits)."""

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """Identify at once."""


@pytest.fixture
def bot_settings(tmp_path: Path, fake: FakeDiscord, request: pytest.FixtureRequest) -> Settings:
    """Settings pointing the bot at the fake, with a fresh database.

    A test that also uses `storage_backend` (``@pytest.mark.usefixtures("storage_backend")``) runs once per
    backend, the bot on that backend's database.
    """
    database_url = None
    if "storage_backend" in request.fixturenames:
        backend: StorageBackend = request.getfixturevalue("storage_backend")
        database_url = str(backend.target) if backend.name == "postgresql" else None
    return Settings(
        discord_token=fake.token,
        database_path=tmp_path / "trivia.db",
        database_url=database_url,
        dev_guild_ids=[fake.guild_id],
        discord_api_base=fake.base_url,
        round_pause_seconds=0,
    )


E2E_CLOCK_SPEED = 10.0
"""How many times faster than real time rounds run in end-to-end tests while no interaction awaits the bot.

While one does (a player is acting), the clock runs at real speed, so question windows are as long as the
tests were written for however slow the machine is; in between, rounds fly."""


@pytest.fixture
def round_clock(request: pytest.FixtureRequest, fake: FakeDiscord) -> Clock:
    """The clock of the bot's rounds: fast by default, real time for tests marked ``real_time``."""
    if request.node.get_closest_marker("real_time") is not None:
        return LoopClock()
    clock = ScaledClock(E2E_CLOCK_SPEED)
    fake.watch_pending_interactions(lambda pending: clock.set_speed(1.0 if pending else E2E_CLOCK_SPEED))
    return clock


@pytest.fixture
def write_clock(request: pytest.FixtureRequest, round_clock: Clock) -> Clock:
    """The clock that spaces the bot's channel writes: the round clock for tests marked ``real_time``, otherwise
    one that always runs fast. The round clock runs at real speed while an interaction awaits the bot, and many
    a reply waits for a channel write (a stop for the standings, say): ~1 s of real time each for nothing."""
    if request.node.get_closest_marker("real_time") is not None:
        return round_clock
    return ScaledClock(E2E_CLOCK_SPEED)


@pytest.fixture
def make_bot(
    bot_settings: Settings, question_source: QuestionSource, round_clock: Clock, write_clock: Clock
) -> Callable[..., TriviaBot]:
    """Build a bot like ``python -m bot`` does, with a seeded random generator and the test's clocks."""

    def build(**overrides: Any) -> TriviaBot:
        import random

        settings = bot_settings.model_copy(update=overrides) if overrides else bot_settings
        return FastTriviaBot(
            settings,
            source=question_source,
            rng=random.Random(7),
            clock=round_clock,
            write_clock=write_clock,
            guild_ready_timeout=0.05,
        )

    return build


def embeds_of(message: dict[str, Any]) -> list[dict[str, Any]]:
    """Return the embeds of a stored fake message."""
    return list(message.get("embeds") or [])


def button_ids(message: dict[str, Any]) -> list[str]:
    """Return the custom_ids of every button of a stored fake message."""
    ids = []
    for row in message.get("components") or []:
        for component in row.get("components", []):
            if component.get("custom_id"):
                ids.append(component["custom_id"])
    return ids


__all__ = ["button_ids", "discord", "embeds_of"]
