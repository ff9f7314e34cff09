"""Files of prepared data kept between processes, in the user's cache folder (``$XDG_CACHE_HOME/orbit-trivia``).

Every bot process, terminal command and test worker would otherwise redo the same slow preparation (the word lists
of the matcher, the parsed YAML of the seed packs). What is kept is plain data in ``marshal``'s format, written
atomically and keyed by everything it depends on; a missing, unreadable or unwritable cache only means the work
is done again.
"""

from __future__ import annotations

import contextlib
import marshal
import os
import sys
import tempfile
from pathlib import Path

PYTHON_TAG = f"py{sys.version_info[0]}{sys.version_info[1]}"
"""Part of every key: marshal's format follows the Python version."""


def cache_folder() -> Path | None:
    """Return the folder of Orbit Trivia's cache files, or None if the user has no home folder to hold one."""
    configured = os.environ.get("XDG_CACHE_HOME")
    try:
        root = Path(configured) if configured else Path.home() / ".cache"
    except (RuntimeError, KeyError):  # no home folder (an unusual service account)
        return None
    return root / "orbit-trivia"


def read_cached(path: Path) -> object | None:
    """Return the data kept in ``path``, or None if there is none or it cannot be read."""
    try:
        value: object = marshal.loads(path.read_bytes())
    except (OSError, ValueError, EOFError, TypeError):
        return None
    return value


def write_cached(path: Path, value: object, *, keep: int | None = None) -> bool:
    """Keep ``value`` in ``path`` (atomically); return False if it cannot be (not plain data, or not writable).

    With ``keep``, the folder holds at most that many files with the same suffix: the oldest go first.
    """
    try:
        data = marshal.dumps(value)  # type: ignore[arg-type]  # checked here: plain data only
    except ValueError:  # not plain data
        return False
    temporary: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.stem[:20]}-", delete=False) as file:
            temporary = file.name
            file.write(data)
        os.replace(temporary, path)  # a process reading it meanwhile sees the old file or the new one
        temporary = None
        if keep is not None:
            _prune(path.parent, path.suffix, keep)
    except OSError:
        return False
    finally:
        if temporary is not None:  # written in part, or not moved into place: leave no stray file
            with contextlib.suppress(OSError):
                os.unlink(temporary)
    return True


def _prune(folder: Path, suffix: str, keep: int) -> None:
    """Remove the oldest files with ``suffix`` beyond the ``keep`` newest."""
    files = []
    for entry in folder.glob(f"*{suffix}"):
        try:
            files.append((entry.stat().st_mtime, entry))
        except OSError:  # removed meanwhile by another process
            continue
    files.sort(reverse=True)
    for _, entry in files[keep:]:
        try:
            entry.unlink()
        except OSError:
            continue
