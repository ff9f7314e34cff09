"""The tests' throwaway PostgreSQL cluster (it lives in `bench.postgres_cluster`, which the benchmark uses too), and
the one cluster that every pytest-xdist worker of a run shares.

Starting a cluster costs a second or two of CPU (``initdb``, then a server per cluster): with ``-n 8`` on a small
machine, one per worker is a noticeable share of the run. So the first worker that needs PostgreSQL starts it under
a file lock in the run's shared folder (tests/run_folder.py) and writes where it listens; the other workers read
that. Each worker's databases carry its name (``gw0_...``), so two workers never meet. The xdist controller stops
the cluster once every worker has finished (``pytest_unconfigure``), whatever the outcome.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bench.postgres_cluster import PostgresCluster, PostgresUnavailable, find_bin_dir, free_port
from tests.run_folder import locked

STATE_FILE = "postgres.json"
LOCK_FILE = "postgres.lock"


@dataclass
class SharedPostgresCluster(PostgresCluster):
    """A cluster other workers use too: databases get this worker's prefix, and it is never restarted here."""

    database_prefix: str = ""

    async def create_database(self, name: str) -> str:
        """Create an empty database named ``<worker>_<name>`` and return its URL."""
        return await super().create_database(f"{self.database_prefix}{name}")

    def restart(self) -> None:
        """Refuse: a restart would cut off every other worker's connections (use `private_postgres_cluster`)."""
        raise RuntimeError("the shared test cluster is never restarted: use the private_postgres_cluster fixture")


def shared_cluster(folder: Path, worker: str) -> SharedPostgresCluster:
    """Return the run's shared cluster, starting it if no worker has yet; raise `PostgresUnavailable` if it cannot."""
    with locked(folder / LOCK_FILE):
        state_file = folder / STATE_FILE
        if state_file.exists():
            state = json.loads(state_file.read_text())
        else:
            try:
                cluster = PostgresCluster.start()
            except PostgresUnavailable as error:
                state = {"error": str(error)}
            else:
                state = {"cluster": {**asdict(cluster), "root": str(cluster.root), "bin_dir": str(cluster.bin_dir)}}
            state_file.write_text(json.dumps(state))
    if "error" in state:
        raise PostgresUnavailable(state["error"])
    cluster = _cluster_of(state["cluster"])
    return SharedPostgresCluster(**vars(cluster), database_prefix=f"{worker}_")


def stop_shared_cluster(folder: Path) -> None:
    """Stop the run's shared cluster if a worker started one (its record is in the run's ``folder``)."""
    try:
        state = json.loads((folder / STATE_FILE).read_text())
    except (OSError, ValueError):
        return
    if "cluster" in state:
        _cluster_of(state["cluster"]).stop()


def _cluster_of(fields: dict[str, Any]) -> PostgresCluster:
    return PostgresCluster(Path(fields["root"]), int(fields["port"]), Path(fields["bin_dir"]), list(fields["run_as"]))


__all__ = [
    "PostgresCluster",
    "PostgresUnavailable",
    "SharedPostgresCluster",
    "find_bin_dir",
    "free_port",
    "shared_cluster",
    "stop_shared_cluster",
]
