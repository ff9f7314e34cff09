"""Keep the SQLite writer's thread on the core the event loop runs on (Linux; elsewhere it does nothing).

Why (issue 12, BENCHMARKS.md "CPU per stored answer at a steady rate"). At a steady rate every answer batch is a
trip to the writer's thread and back: the loop puts the batch on aiosqlite's queue and sleeps, the writer wakes,
commits, and wakes the loop. When the two threads sit on different cores, each wake-up is an inter-processor
interrupt to a halted core, and on a VM that costs far more than the trip's Python: measured on the 2-vCPU
benchmark machine at 160 answers/s, clicks cost 0.945 ms of CPU per stored answer with the threads apart and
0.84-0.90 ms with the writer following the loop. The loop itself stays free to move: before a trip, the writer's
thread is moved to the loop's current core, with one system call only when the loop has moved since the last trip.

Under load the two then share a core while the loop keeps working during a commit; measured, that costs nothing:
`python -m bench scale --storage sqlite` sustained its top rate (2,900 clicks/s) as before, and three load runs
kept the trivia bot unsaturated to 2,860 clicks/s. (Giving the writer back every core for batches over four answers
was tried and measured worse: two load runs in a row saturated the bot at the ramp's top.)

If the platform lacks the calls, or the kernel refuses a move (a sandbox, a changed CPU set), it stops trying, gives
the thread back the cores it had if it can, and the writer runs wherever the scheduler puts it, as before.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable

log = logging.getLogger(__name__)


def _current_cpu_reader() -> Callable[[], int] | None:
    """Return libc's ``sched_getcpu`` (a vDSO read, no system call), or None where there is none."""
    if not hasattr(os, "sched_setaffinity"):
        return None
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        getcpu = libc.sched_getcpu
    except (ImportError, OSError, AttributeError):
        return None
    getcpu.restype = ctypes.c_int
    getcpu.argtypes = []
    return getcpu


_current_cpu = _current_cpu_reader()


class CoreFollower:
    """Moves one thread (by its native id) to the calling thread's current core, when that has changed."""

    def __init__(self, thread_id: int | None, *, current_cpu: Callable[[], int] | None = _current_cpu) -> None:
        self._thread_id = thread_id
        self._current_cpu = current_cpu if thread_id is not None else None
        self._core: int | None = None
        self._own_cores: set[int] | None = None  # the thread's cores before the first move
        if self._current_cpu is not None and thread_id is not None:
            try:
                self._own_cores = set(os.sched_getaffinity(thread_id))
            except OSError:
                self._current_cpu = None

    @property
    def active(self) -> bool:
        """Whether the thread is still being moved along (False where unsupported or once refused)."""
        return self._current_cpu is not None

    @property
    def core(self) -> int | None:
        """The core the thread is kept on (None: wherever the scheduler puts it)."""
        return self._core

    def follow(self) -> None:
        """Move the thread to the core the caller runs on now, unless it is there already."""
        if self._current_cpu is None or self._thread_id is None:
            return
        core = self._current_cpu()
        if core == self._core:
            return
        try:
            if core < 0:
                raise OSError("sched_getcpu failed")
            os.sched_setaffinity(self._thread_id, {core})
        except OSError as error:
            self._current_cpu = None
            self.release()
            log.info("The SQLite writer's thread is no longer moved to the event loop's core: %s", error)
            return
        self._core = core

    def release(self) -> None:
        """Give the thread back the cores it had before it was first moved (nothing if it was not moved); after a
        refused move."""
        if self._core is None or self._thread_id is None or self._own_cores is None:
            return
        try:
            os.sched_setaffinity(self._thread_id, self._own_cores)
        except OSError as error:
            log.info("Could not give the SQLite writer's thread its cores back: %s", error)
            return
        self._core = None
