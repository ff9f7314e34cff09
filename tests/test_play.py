"""``python -m bot play``: a whole round in the terminal, stored in the same database as the bot's."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path


def test_a_piped_round_is_played_scored_and_stored(tmp_path: Path) -> None:
    database = tmp_path / "play.db"
    env = {**os.environ, "DATABASE_PATH": str(database), "ROUND_PAUSE_SECONDS": "0"}
    env.pop("DISCORD_TOKEN", None)  # no token needed
    done = subprocess.run(
        [sys.executable, "-m", "bot", "play", "--questions", "1", "--seconds", "5", "--kind", "true_false"],
        input="A\n",
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,  # works from any directory: the seeds are found from the package
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "You chose A) True." in out
    assert "Answer: " in out
    assert "Source: “" in out
    assert "Round finished. 1 question" in out
    assert "Traceback" not in done.stderr
    with sqlite3.connect(database) as db:
        assert db.execute("SELECT status FROM rounds").fetchall() == [("finished",)]
        assert db.execute("SELECT choice FROM answers").fetchall() == [(0,)]
