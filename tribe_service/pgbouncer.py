"""A local PgBouncer in transaction mode, for tests and benchmarks (Debian's ``pgbouncer``).

It listens on 127.0.0.1 on its own port, forwards every database name to one
PostgreSQL server, and authenticates the embedded server's ``tribe`` role with
SCRAM. Like the embedded server, it runs as the unprivileged ``pgserver`` user
when we are root (PgBouncer refuses root; its ``--user`` switches, so that the
process we signal to stop is PgBouncer itself, not a ``runuser`` around it). Install it with
``apt-get install pgbouncer``; ``.ci/run`` does.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import Self

from tribe_service.embedded_postgres import (
    PASSWORD,
    ROLE,
    SYSTEM_USER,
    free_port,
    give_to_server_user,
)

START_TIMEOUT_SECONDS = 10.0
# Debian installs it outside a normal user's PATH.
CANDIDATES = ("pgbouncer", "/usr/sbin/pgbouncer")


class PgBouncerError(RuntimeError):
    """PgBouncer is missing, or did not start."""


def pgbouncer_binary() -> str | None:
    """The path of the ``pgbouncer`` program, or None if it is not installed."""
    for candidate in CANDIDATES:
        found = shutil.which(candidate)
        if found:
            return found
    return None


class LocalPgBouncer:
    """PgBouncer in front of ``127.0.0.1:server_port``; a context manager that stops it."""

    def __init__(
        self, server_port: int, *, pool_size: int = 20, query_wait_timeout: int = 5
    ) -> None:
        self.server_port = server_port
        self.pool_size = pool_size
        # How long a client waits for a server connection: during an outage, how long
        # a query hangs before its error (PgBouncer's default is 120 s).
        self.query_wait_timeout = query_wait_timeout
        self.port = free_port()
        self.directory = Path(tempfile.mkdtemp(prefix="tribe-pgbouncer-"))
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def log_file(self) -> Path:
        """PgBouncer's log."""
        return self.directory / "pgbouncer.log"

    def url(self, database: str) -> str:
        """The URL of ``database`` through PgBouncer, for the app role."""
        return f"postgresql://{ROLE}:{PASSWORD}@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        """Write the configuration and start; returns once it accepts connections."""
        binary = pgbouncer_binary()
        if binary is None:
            raise PgBouncerError("pgbouncer is not installed (apt-get install pgbouncer)")
        config = self._write_config()
        command = [binary, str(config)]
        if os.geteuid() == 0:  # PgBouncer switches user itself, so signals reach it directly
            command[1:1] = ["--user", SYSTEM_USER]
        self._process = subprocess.Popen(
            command,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while not self._accepts_connections():
            if self._process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise PgBouncerError(f"pgbouncer did not start (log: {self.log_file})")
            time.sleep(0.05)

    def stop(self) -> None:
        """Stop PgBouncer (its clients are disconnected) and remove its files."""
        if self._process is not None and self._process.poll() is None:
            self._process.send_signal(signal.SIGINT)  # "safe shutdown" would wait for clients
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process = None
        shutil.rmtree(self.directory, ignore_errors=True)

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def _accepts_connections(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                return True
        except OSError:
            return False

    def _write_config(self) -> Path:
        users = self.directory / "userlist.txt"
        users.write_text(f'"{ROLE}" "{PASSWORD}"\n')
        config = self.directory / "pgbouncer.ini"
        config.write_text(
            f"""\
[databases]
* = host=127.0.0.1 port={self.server_port}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {self.port}
unix_socket_dir =
auth_type = scram-sha-256
auth_file = {users}
pool_mode = transaction
default_pool_size = {self.pool_size}
max_client_conn = 2000
logfile = {self.log_file}
pidfile = {self.directory / "pgbouncer.pid"}
server_connect_timeout = 3
server_login_retry = 1
query_wait_timeout = {self.query_wait_timeout}
"""
        )
        self.log_file.touch()
        give_to_server_user(self.directory, users, config, self.log_file)
        return config
