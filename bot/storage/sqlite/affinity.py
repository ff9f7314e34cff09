"""Keep the SQLite writer's thread on the core the event loop runs on (Linux; elsewhere it does nothing).

Why (issue 12, BENCHMARKS.md "CPU per stored answer at a steady rate"). At a steady rate every answer batch is a
trip to the writer's thread and back: the loop puts the batch on aiosqlite's queue and sleeps, the writer wakes,
commits, and wakes the loop. When the two threads sit on different cores, each wake-up is an inter-processor
interrupt to a halted core, and on a VM that costs far more than the trip's Python: measured on the 2-vCPU
benchmark machine at 160 answers/s, the hop cost ~0.13 ms of CPU per answer more across cores than on one
(0.945 -> 0.80 ms per click with the writer following the loop, the same as pinning the whole process; the peak
rate of `python -m bench scale` unchanged, 2,900 clicks/s). The loop itself stays free to move: before a trip, the
writer's thread is moved to the loop's current core, with one system call only when the loop has moved since the
last trip. Waiting for a trip, the loop sleeps, so the two never compete for that core on the answer path.

If the platform lacks the calls, or the kernel refuses the move (a sandbox, a changed CPU set), it stops trying
and the writer's thread runs wherever the scheduler puts it, as before.
"""

from __future__ import annotations

import ctypes
import logging
import os
from collections.abc import Callable

log = logging.getLogger(__name__)


def _current_cpu_reader() -> Callable[[], int] | None:
    """Return libc's ``sched_getcpu`` (a vDSO read, no system call), or None where there is none."""
    if not hasattr(os, "sched_setaffinity"):
        return None
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        getcpu = libc.sched_getcpu
    except (OSError, AttributeError):
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

    @property
    def active(self) -> bool:
        """Whether the thread is still being moved along (False where unsupported or once refused)."""
        return self._current_cpu is not None

    @property
    def core(self) -> int | None:
        """The core the thread was last moved to (None before the first move)."""
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
                raise OSError(ctypes.get_errno(), "sched_getcpu failed")
            os.sched_setaffinity(self._thread_id, {core})
        except OSError as error:
            self._current_cpu = None
            log.info("The SQLite writer's thread stays where the scheduler puts it (cannot move it: %s)", error)
            return
        self._core = core
