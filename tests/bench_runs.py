"""The benchmark runs that tests/test_bench_smoke.py checks, started in the background as soon as the tests are
collected, so that they run alongside the rest of the suite.

Each run (``python -m bench ...``) spends ~10-25 s mostly waiting on real-time rounds; a test that ran it itself
would hold an xdist worker idle all that time. So the first worker to finish collecting starts every run its
selected tests need (under a lock in the run's shared folder, tests/run_folder.py), each through this module's
``main`` (``python -m tests.bench_runs NAME FOLDER``): it runs the benchmark with its own temp folder, interrupts it
past the hang guard (SIGTERM, then SIGKILL), and writes its exit code last. The tests come last in the run's order
and only wait for that code; they check what the run printed and wrote as before. The xdist controller interrupts
any run still going when the session ends.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from tests.run_folder import locked

REPO_ROOT = Path(__file__).resolve().parent.parent
HARD_TIMEOUT = 240.0
"""A hang guard (the quick profile takes about 25 s on a quiet machine), not a speed check: speed is what it
reports."""
STOP_GRACE = 15.0
"""How long an interrupted benchmark has to clean up (it does on SIGTERM) before it is killed."""

RUNS: dict[str, list[str]] = {
    "quick": ["all", "--quick"],
    "scale-postgresql-x2": ["scale", "--quick", "--storage", "postgresql", "--processes", "2"],
    "all-postgresql": ["all", "--quick", "--no-saturation", "--no-steady", "--storage", "postgresql"],
    "budget-quick": ["budget", "--quick"],
    "steady-in-turn": ["steady", "--quick", "--in-turn", "--runs", "2"],
}
"""The benchmark runs by name: their arguments (each also gets ``--json``)."""
_wrappers: list[subprocess.Popen[bytes]] = []
"""The wrappers this process started (kept, so that they are reaped here rather than warned about)."""


@dataclass(frozen=True)
class BenchRun:
    """Where one background run keeps its files: its temp folder (TMPDIR, readable by the ``postgres`` user, as
    the throwaway cluster runs as that user under root), its JSON, its output and exit code."""

    name: str
    folder: Path

    @property
    def temp(self) -> Path:
        """Return the run's TMPDIR (the JSON is written there too)."""
        return Path((self.folder / f"bench-{self.name}.tmpdir").read_text())

    @property
    def json(self) -> Path:
        """Return the JSON the benchmark writes."""
        return self.temp / f"{self.name}.json"

    @property
    def stdout(self) -> Path:
        """Return the file the benchmark's standard output goes to."""
        return self.folder / f"bench-{self.name}.stdout"

    @property
    def stderr(self) -> Path:
        """Return the file the benchmark's standard error goes to."""
        return self.folder / f"bench-{self.name}.stderr"

    @property
    def code(self) -> Path:
        """Return the file holding the exit code, or ``timeout`` (written last, when all is over)."""
        return self.folder / f"bench-{self.name}.code"

    @property
    def pid(self) -> Path:
        """Return the file holding the pid of the wrapper running the benchmark."""
        return self.folder / f"bench-{self.name}.pid"


def start(folder: Path, names: set[str]) -> None:
    """Start each named run that no worker has started yet in this run's shared folder."""
    with locked(folder / "bench.lock"):
        for name in sorted(names):
            run = BenchRun(name, folder)
            if run.pid.exists():
                continue
            temp = Path(tempfile.mkdtemp(prefix="orbit-bench-smoke-"))
            temp.chmod(0o755)
            (folder / f"bench-{name}.tmpdir").write_text(str(temp))
            wrapper = subprocess.Popen(
                [sys.executable, "-m", "tests.bench_runs", name, str(folder)],
                cwd=REPO_ROOT,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            _wrappers.append(wrapper)
            run.pid.write_text(str(wrapper.pid))


def wait(run: BenchRun, within: float = HARD_TIMEOUT + STOP_GRACE + 30) -> subprocess.CompletedProcess[str]:
    """Wait for a started run to end; return its exit code and output (raise if it timed out or vanished)."""
    deadline = time.monotonic() + within
    while not run.code.exists():
        if time.monotonic() > deadline:
            raise AssertionError(f"the benchmark run {run.name} gave no exit code within {within:.0f} s")
        time.sleep(0.1)
    code = run.code.read_text().strip()
    stdout, stderr = run.stdout.read_text(errors="replace"), run.stderr.read_text(errors="replace")
    if code == "timeout":
        raise AssertionError(f"the benchmark run {run.name} took over {HARD_TIMEOUT:.0f} s\n{stdout}\n{stderr}")
    return subprocess.CompletedProcess(["python", "-m", "bench", *RUNS[run.name]], int(code), stdout, stderr)


def stop_all(folder: Path) -> None:
    """Interrupt every run still going (its wrapper stops the benchmark), and delete the runs' temp folders."""
    for name in RUNS:
        run = BenchRun(name, folder)
        if not run.pid.exists():
            continue
        if not run.code.exists():
            with contextlib.suppress(ProcessLookupError, ValueError):
                os.kill(int(run.pid.read_text()), signal.SIGTERM)
            deadline = time.monotonic() + STOP_GRACE + 5
            while not run.code.exists() and time.monotonic() < deadline:
                time.sleep(0.1)
        shutil.rmtree(run.temp, ignore_errors=True)


def _run(name: str, folder: Path) -> str:
    """Run the benchmark; return its exit code, or ``timeout``."""
    run = BenchRun(name, folder)
    env = {**os.environ, "TMPDIR": str(run.temp)}
    command = [sys.executable, "-m", "bench", *RUNS[name], "--json", str(run.json)]
    with run.stdout.open("w") as stdout, run.stderr.open("w") as stderr:
        bench = subprocess.Popen(command, cwd=REPO_ROOT, stdout=stdout, stderr=stderr, env=env)

        def interrupt(signum: int, frame: FrameType | None) -> None:
            bench.send_signal(signal.SIGTERM)  # the benchmark cleans up on SIGTERM

        signal.signal(signal.SIGTERM, interrupt)
        signal.signal(signal.SIGINT, interrupt)
        try:
            return str(bench.wait(timeout=HARD_TIMEOUT))
        except subprocess.TimeoutExpired:
            bench.send_signal(signal.SIGTERM)
            try:
                bench.wait(timeout=STOP_GRACE)
            except subprocess.TimeoutExpired:
                bench.kill()
                bench.wait()
            return "timeout"


def main(argv: list[str]) -> int:
    """``python -m tests.bench_runs NAME FOLDER``: run one benchmark, then write its exit code (atomically)."""
    name, folder = argv[0], Path(argv[1])
    code = _run(name, folder)
    partial = folder / f"bench-{name}.code.partial"
    partial.write_text(code)
    partial.replace(BenchRun(name, folder).code)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
