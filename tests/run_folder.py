"""A folder that every pytest-xdist worker of one run shares, for work done once per run instead of once per worker.

The xdist controller makes it before starting the workers and hands its path to each (``pytest_configure_node`` in
conftest.py); it deletes it once every worker is done, after stopping what was started there (the shared
PostgreSQL cluster). A run without workers gets a folder of its own from pytest.
"""

from __future__ import annotations

import contextlib
import fcntl
from collections.abc import Iterator
from pathlib import Path

RUN_FOLDER = "orbit_trivia_run_folder"
"""The key of the workers' input (``config.workerinput``) that names the run's shared folder."""


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on the file ``path`` (created if missing): one worker at a time runs the block."""
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
