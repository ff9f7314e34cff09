"""A built wheel carries the seed documents and packs, and the installed commands find them from any folder."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

from tests.run_folder import locked

REPO = Path(__file__).resolve().parent.parent
BUILD_IGNORES = (".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".*_cache", ".hypothesis", "data")
SEED_FILES = sorted(path.name for path in (REPO / "seeds").iterdir() if path.is_file())


@pytest.fixture(scope="module")
def installed(run_folder: Path) -> tuple[Path, Path]:
    """Build the wheel from this checkout and install it (without dependencies) into a folder of its own.

    Once per run: with several xdist workers, the first to get here builds it, the others use it.
    """
    work = run_folder / "wheel"
    with locked(run_folder / "wheel.lock"):
        if not (work / "installed").exists():
            shutil.rmtree(work, ignore_errors=True)  # what a failed build left
            work.mkdir()
            _build_and_install(work)
            (work / "installed").touch()
    (wheel,) = work.glob("orbit_trivia-*.whl")
    return wheel, work / "site"


def _build_and_install(work: Path) -> None:
    source = work / "source"  # a copy, so that the build leaves nothing in the checkout
    shutil.copytree(REPO, source, ignore=shutil.ignore_patterns(*BUILD_IGNORES))
    # No build isolation: setuptools and wheel come from the test extra, so this needs no network.
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(work), str(source)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = work.glob("orbit_trivia-*.whl")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(work / "site"), str(wheel)],
        check=True,
        capture_output=True,
        timeout=300,
    )


def _run_installed(target: Path, cwd: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """Run with the installed copy first on the path (ahead of this checkout's editable install)."""
    env = {key: value for key, value in os.environ.items() if key not in {"SEEDS_DIR", "ORBIT_SEEDS_DIR"}}
    env |= {"PYTHONPATH": str(target), "DATABASE_PATH": str(cwd / "trivia.db"), "ROUND_PAUSE_SECONDS": "0"}
    env.pop("DISCORD_TOKEN", None)
    return subprocess.run(
        list(args), input=stdin, capture_output=True, text=True, env=env, cwd=cwd, timeout=120, check=False
    )


def test_the_wheel_holds_the_seeds_and_every_package(installed: tuple[Path, Path]) -> None:
    wheel, _ = installed
    names = set(zipfile.ZipFile(wheel).namelist())
    for seed in SEED_FILES:
        assert f"questions/seeds/{seed}" in names, f"{seed} is not in the wheel"
    assert any(name.startswith("bot/storage/") and name.endswith("/001_initial.sql") for name in names)
    listed = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    on_disk = {
        ".".join(init.parent.relative_to(REPO).parts)
        for top in ("questions", "bot", "bench", "fake_discord")
        for init in (REPO / top).rglob("__init__.py")
    }
    assert on_disk <= set(listed), f"packages missing from pyproject.toml: {sorted(on_disk - set(listed))}"
    entry_points = next(name for name in names if name.endswith(".dist-info/entry_points.txt"))
    assert "orbit-trivia = bot.__main__:main" in zipfile.ZipFile(wheel).read(entry_points).decode()


def test_the_installed_commands_find_the_seeds_from_any_folder(installed: tuple[Path, Path], tmp_path: Path) -> None:
    _, target = installed
    where = _run_installed(target, tmp_path, sys.executable, "-c", "import questions.loader as m; print(m.__file__)")
    assert where.stdout.strip().startswith(str(target)), "the test must run the installed copy"

    validate = _run_installed(target, tmp_path, sys.executable, "-m", "questions", "validate")
    assert validate.returncode == 0, validate.stderr
    assert validate.stdout.startswith("OK: 1 documents")

    script = target / "bin" / "orbit-trivia"
    assert script.exists()
    listed = _run_installed(target, tmp_path, str(script), "questions", "list", "--json", "--kind", "true_false")
    assert listed.returncode == 0, listed.stderr
    assert '"kind": "true_false"' in listed.stdout

    play = _run_installed(
        target, tmp_path, str(script), "play", "--questions", "1", "--seconds", "5", "--kind", "true_false", stdin="A\n"
    )
    assert play.returncode == 0, play.stderr
    assert "Round finished. 1 question" in play.stdout
    assert "Traceback" not in play.stderr
    assert (tmp_path / "trivia.db").exists()
