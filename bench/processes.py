"""Child processes under test: start them, watch their CPU and memory, and always stop them."""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import logging
import os
import signal
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import psutil

log = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parent.parent
PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:  # pragma: no cover - runs in the forked child
    """Ask Linux to SIGKILL the child if the driver dies first, so a crashed run leaves no orphan."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def machine_cpu_seconds() -> tuple[float, float]:
    """Return the CPU seconds the whole machine has been busy, and those stolen by the hypervisor, so far."""
    times = psutil.cpu_times()
    busy = sum(getattr(times, name, 0.0) for name in ("user", "nice", "system", "irq", "softirq"))
    return busy, float(getattr(times, "steal", 0.0))


@dataclass
class LoadMeter:
    """CPU use during a phase: the bot's, the driver's, the rest of the machine's, and the hypervisor's steal.

    ``neighbours`` are bot processes measured at the same time (the steady pass runs both bots side by side): their
    CPU is part of the benchmark, so it is left out of "other" load and reported as ``neighbour_percent``.
    """

    child: ChildProcess
    neighbours: Sequence[ChildProcess] = ()
    started: float = 0.0
    _bot: float = 0.0
    _driver: float = 0.0
    _neighbours: float = 0.0
    _busy: float = 0.0
    _steal: float = 0.0

    def start(self) -> None:
        """Take the first readings."""
        self.started = time.monotonic()
        self._bot, self._driver = self.child.cpu_seconds(), _own_cpu_seconds()
        self._neighbours = self._neighbour_cpu_seconds()
        self._busy, self._steal = machine_cpu_seconds()

    def _neighbour_cpu_seconds(self) -> float:
        return sum(neighbour.cpu_seconds() for neighbour in self.neighbours if neighbour.running)

    def stop(self) -> dict[str, float]:
        """Return each CPU share since ``start`` in percent of one core, and the seconds elapsed."""
        elapsed = max(time.monotonic() - self.started, 1e-9)
        bot = self.child.cpu_seconds() - self._bot
        driver = _own_cpu_seconds() - self._driver
        neighbours = self._neighbour_cpu_seconds() - self._neighbours
        busy, steal = machine_cpu_seconds()
        return {
            "seconds": elapsed,
            "bot_cpu_seconds": bot,
            "bot_percent": 100 * bot / elapsed,
            "driver_percent": 100 * driver / elapsed,
            "neighbour_percent": 100 * neighbours / elapsed,
            "other_percent": max(0.0, 100 * (busy - self._busy - bot - driver - neighbours) / elapsed),
            "steal_percent": 100 * (steal - self._steal) / elapsed,
        }


def _own_cpu_seconds() -> float:
    times = psutil.Process().cpu_times()
    return float(times.user + times.system)


@dataclass
class MemorySample:
    """One RSS reading of a child, at a monotonic time."""

    time: float
    rss: int


@dataclass
class ChildProcess:
    """A Python module run as a child process (``python -m module``) with its output in a log file."""

    name: str
    module: str
    env: Mapping[str, str]
    log_path: Path
    process: asyncio.subprocess.Process | None = None
    samples: list[MemorySample] = field(default_factory=list)
    _ps: psutil.Process | None = None
    _sampler: asyncio.Task[None] | None = None
    _log_file: object | None = None

    async def start(self) -> None:
        """Start the child; its stdout and stderr go to ``log_path``."""
        env = {**os.environ, **self.env, "PYTHONUNBUFFERED": "1"}
        handle = self.log_path.open("wb")
        self._log_file = handle
        kwargs: dict[str, object] = {}
        if sys.platform.startswith("linux"):
            kwargs["preexec_fn"] = _die_with_parent
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            self.module,
            cwd=REPO_ROOT,
            env=env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=handle,
            stderr=asyncio.subprocess.STDOUT,
            **kwargs,  # type: ignore[arg-type]
        )
        self._ps = psutil.Process(self.process.pid)
        self._sampler = asyncio.create_task(self._sample_forever(), name=f"rss-sampler:{self.name}")

    @property
    def pid(self) -> int:
        """Return the child's process id."""
        assert self.process is not None
        return self.process.pid

    @property
    def running(self) -> bool:
        """Return whether the child is still alive."""
        return self.process is not None and self.process.returncode is None

    def check_alive(self) -> None:
        """Raise with the end of the child's log if it has exited."""
        if not self.running:
            code = None if self.process is None else self.process.returncode
            raise RuntimeError(f"{self.name} exited with code {code}:\n{self.log_tail()}")

    def cpu_seconds(self) -> float:
        """Return the user + system CPU seconds the child has used so far (all its threads)."""
        assert self._ps is not None
        times = self._ps.cpu_times()
        return float(times.user + times.system)

    def rss(self) -> int:
        """Return the child's resident set size in bytes."""
        assert self._ps is not None
        return int(self._ps.memory_info().rss)

    def peak_rss(self) -> int:
        """Return the child's peak RSS in bytes (the kernel's high-water mark, else the largest sample)."""
        sampled = max((s.rss for s in self.samples), default=0)
        with contextlib.suppress(OSError, ValueError):
            for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return max(sampled, int(line.split()[1]) * 1024)
        return sampled

    def rss_between(self, start: float, end: float) -> list[int]:
        """Return the RSS samples taken between two monotonic times."""
        return [s.rss for s in self.samples if start <= s.time <= end]

    async def _sample_forever(self, interval: float = 0.25) -> None:
        while self.running:
            with contextlib.suppress(psutil.Error):
                self.samples.append(MemorySample(time.monotonic(), self.rss()))
            await asyncio.sleep(interval)

    async def wait_idle(self, below_percent: float = 15.0, window: float = 0.3, limit: float = 30.0) -> float:
        """Wait until the child's CPU use over ``window`` seconds falls below ``below_percent`` (a backlog has
        drained), for at most ``limit`` seconds; return how long that took."""
        began = time.monotonic()
        while time.monotonic() - began < limit:
            self.check_alive()
            used = self.cpu_seconds()
            await asyncio.sleep(window)
            if 100 * (self.cpu_seconds() - used) / window < below_percent:
                break
        return time.monotonic() - began

    def log_tail(self, lines: int = 30) -> str:
        """Return the last lines of the child's output."""
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    async def stop(self, grace: float = 10.0) -> int | None:
        """Interrupt the child (it closes cleanly on SIGINT), kill it if it has not exited in time; return its code."""
        try:
            if self.process is not None and self.process.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    self.process.send_signal(signal.SIGINT)
                try:
                    await asyncio.wait_for(self.process.wait(), grace)
                except TimeoutError:
                    log.warning("%s did not exit %.0f s after SIGINT; killing it", self.name, grace)
                    with contextlib.suppress(ProcessLookupError):
                        self.process.kill()
                    await self.process.wait()
        finally:
            if self._sampler is not None:
                self._sampler.cancel()
                await asyncio.gather(self._sampler, return_exceptions=True)
            if self._log_file is not None:
                self._log_file.close()  # type: ignore[attr-defined]
                self._log_file = None
        return None if self.process is None else self.process.returncode
