"""A throw-away PostgreSQL server for the fault tests: its own data directory, port and socket.

The fault tests stop and start PostgreSQL; the server every other test (and other sessions on the
machine) uses must never be touched, so each test gets a server of its own from ``initdb`` and
``pg_ctl``, in a temporary directory removed afterwards. Nothing is registered with the system
(no ``pg_createcluster``): a test killed half-way leaves a temporary directory, not a cluster in
``/etc/postgresql``. As root, the server binaries run as the ``postgres`` account (``initdb``
refuses root).
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bench._common import LOOPBACK, free_port

SERVER_ACCOUNT = "postgres"


def server_binaries() -> Path | None:
    """The directory holding ``initdb`` and ``pg_ctl``: on PATH, or Debian's newest
    ``/usr/lib/postgresql/<version>/bin`` (not on PATH there); None without them."""
    on_path = shutil.which("pg_ctl")
    if on_path and shutil.which("initdb"):
        return Path(on_path).resolve().parent
    installed = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"),
        key=lambda path: int(path.parent.parent.name) if path.parent.parent.name.isdigit() else 0,
    )
    for pg_ctl in reversed(installed):
        if (pg_ctl.parent / "initdb").exists():
            return pg_ctl.parent
    return None


@dataclass(frozen=True)
class Cluster:
    binaries: Path
    directory: Path  # holds the data directory, the socket and the server log
    port: int

    @property
    def data(self) -> Path:
        return self.directory / "data"

    @property
    def log(self) -> Path:
        return self.directory / "server.log"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@{LOOPBACK}:{self.port}/{database}"

    def run(self, program: str, *args: str, timeout: float = 60) -> None:
        """Run a server program as the server's account; raise with its output if it fails."""
        command = [str(self.binaries / program), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", SERVER_ACCOUNT, "--", *command]
        finished = subprocess.run(  # noqa: S603 (PostgreSQL's own programs, our arguments)
            command, capture_output=True, text=True, timeout=timeout, check=False
        )
        if finished.returncode != 0:
            raise RuntimeError(
                f"{program} {' '.join(args)} failed ({finished.returncode}): "
                f"{finished.stdout}{finished.stderr}{self.log_tail()}"
            )

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        self.run(
            "pg_ctl", "start", "--wait", "--timeout=30", "-D", str(self.data), "-l", str(self.log)
        )

    def stop(self, mode: str = "fast") -> None:
        """Stop the server; "fast" rolls back open transactions and closes every connection."""
        self.run("pg_ctl", "stop", "--wait", "--timeout=30", "-D", str(self.data), "-m", mode)

    def log_tail(self, lines: int = 20) -> str:
        with contextlib.suppress(OSError):
            return "\nserver log:\n" + "\n".join(self.log.read_text().splitlines()[-lines:])
        return ""


@contextlib.contextmanager
def throwaway_cluster(binaries: Path) -> Iterator[Cluster]:
    """A new server on a free loopback port, started; stopped and deleted on exit, even on error."""
    directory = Path(tempfile.mkdtemp(prefix="collecte-faults-"))
    try:
        if os.geteuid() == 0:
            account = pwd.getpwnam(SERVER_ACCOUNT)
            os.chown(directory, account.pw_uid, account.pw_gid)
        cluster = Cluster(binaries=binaries, directory=directory, port=free_port())
        cluster.run(
            "initdb",
            "--pgdata",
            str(cluster.data),
            "--username=postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",  # a test's server: nothing to keep if the machine crashes
        )
        with (cluster.data / "postgresql.conf").open("a") as conf:
            conf.write(
                f"port = {cluster.port}\n"
                f"listen_addresses = '{LOOPBACK}'\n"
                f"unix_socket_directories = '{directory}'\n"
            )
        try:
            cluster.start()
            yield cluster
        finally:
            with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
                cluster.stop("immediate")
    finally:
        _remove(directory)


def _remove(directory: Path) -> None:
    # A server stopping in "immediate" mode may still be removing its files for an instant.
    for _ in range(10):
        try:
            shutil.rmtree(directory)
            return
        except FileNotFoundError:
            return
        except OSError:
            time.sleep(0.2)
    shutil.rmtree(directory, ignore_errors=True)
