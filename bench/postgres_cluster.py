"""A throwaway PostgreSQL cluster for the tests and the benchmark: ``initdb`` in a temp folder, a free port.

The server binaries come from the distribution's packages (``/usr/lib/postgresql/<version>/bin``; override with
``POSTGRES_BIN``). ``initdb`` refuses to run as root, so as root every server command runs as the ``postgres``
user through ``runuser``. Any failure raises `PostgresUnavailable` with the command's output, so the tests that
need PostgreSQL fail with the reason instead of being skipped.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import asyncpg

PREFERRED_VERSION = "15"
SUPERUSER = "postgres"


class PostgresUnavailable(RuntimeError):  # noqa: N818
    """PostgreSQL could not be started for the tests."""


def find_bin_dir() -> Path:
    """Return the folder holding ``initdb`` and ``pg_ctl``."""
    configured = os.environ.get("POSTGRES_BIN")
    if configured:
        candidates = [Path(configured)]
    else:
        candidates = [Path(f"/usr/lib/postgresql/{PREFERRED_VERSION}/bin")]
        candidates.extend(sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True))
    for folder in candidates:
        if (folder / "initdb").exists() and (folder / "pg_ctl").exists():
            return folder
    where = f"POSTGRES_BIN={configured}" if configured else "/usr/lib/postgresql/*/bin"
    raise PostgresUnavailable(
        f"PostgreSQL server binaries (initdb, pg_ctl) not found in {where}; "
        "install them with `apt-get install -y postgresql` (bash .ci/run does) or set POSTGRES_BIN"
    )


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class PostgresCluster:
    """A running cluster owned by the tests."""

    root: Path
    port: int
    bin_dir: Path
    run_as: list[str]

    @property
    def data_dir(self) -> Path:
        """Return the cluster's data folder."""
        return self.root / "data"

    def url(self, database: str = "postgres") -> str:
        """Return the connection URL of a database of this cluster."""
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    @classmethod
    def start(cls) -> PostgresCluster:
        """Create and start a cluster in a fresh temp folder; raise `PostgresUnavailable` with the reason."""
        bin_dir = find_bin_dir()
        root = Path(tempfile.mkdtemp(prefix="orbit-trivia-pg-"))
        run_as: list[str] = []
        if os.geteuid() == 0:
            try:
                account = pwd.getpwnam(SUPERUSER)
            except KeyError as exc:
                shutil.rmtree(root, ignore_errors=True)
                raise PostgresUnavailable("running as root, and there is no 'postgres' user to run initdb as") from exc
            os.chown(root, account.pw_uid, account.pw_gid)
            run_as = ["runuser", "-u", SUPERUSER, "--"]
        cluster = cls(root=root, port=free_port(), bin_dir=bin_dir, run_as=run_as)
        try:
            cluster._run(
                "initdb",
                "-D",
                str(cluster.data_dir),
                "-U",
                SUPERUSER,
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
            )
            cluster._start_server()
        except PostgresUnavailable:
            log_file = root / "server.log"
            detail = log_file.read_text(errors="replace")[-2000:] if log_file.exists() else ""
            cluster.stop()
            raise PostgresUnavailable(f"could not start PostgreSQL in {root}:\n{detail}") from None
        return cluster

    def _run(self, program: str, *args: str) -> None:
        command = [*self.run_as, str(self.bin_dir / program), *args]
        try:
            completed = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise PostgresUnavailable(f"{' '.join(command)} failed: {exc}") from exc
        if completed.returncode != 0:
            raise PostgresUnavailable(
                f"{' '.join(command)} exited with {completed.returncode}:\n{completed.stdout}{completed.stderr}"
            )

    async def create_database(self, name: str) -> str:
        """Create an empty database and return its URL."""
        connection = await asyncpg.connect(self.url())
        try:
            await connection.execute(f'CREATE DATABASE "{name}"')
        finally:
            await connection.close()
        return self.url(name)

    def _start_server(self) -> None:
        # Durability settings off: the tests kill clients, never this server, and they run faster so.
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} -c fsync=off "
            "-c full_page_writes=off -c synchronous_commit=off -c max_connections=300"
        )
        # -l: the server's output goes to a file, never to our pipes (which would then never close).
        log_file = str(self.root / "server.log")
        self._run("pg_ctl", "-D", str(self.data_dir), "-o", options, "-l", log_file, "-w", "-t", "60", "start")

    def restart(self) -> None:
        """Restart the server (same port and data), as an operator or a failover would; clients are cut off."""
        self._run("pg_ctl", "-D", str(self.data_dir), "-m", "fast", "-w", "-t", "60", "stop")
        self._start_server()

    def stop(self) -> None:
        """Stop the server at once and delete its folder."""
        if (self.data_dir / "postmaster.pid").exists():
            with contextlib.suppress(PostgresUnavailable):
                self._run("pg_ctl", "-D", str(self.data_dir), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)
