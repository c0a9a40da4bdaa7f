"""Test fixtures: a real, freshly migrated PostgreSQL database for the whole session.

Where the server comes from:

* ``DATABASE_URL`` set (Docker, CI of other kinds): a throwaway database is
  created on that server and dropped at the end;
* otherwise: an embedded PostgreSQL 16 + pgvector is started in a temporary
  directory on a free port, and stopped (and deleted) at the end.

``DATABASE_URL`` is pointed at the throwaway database before anything imports
``piccolo_conf``, so the app, the tables and every subprocess (migrations,
seed) use it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import asyncpg
import httpx
import pytest

from harness.database_urls import with_database

if TYPE_CHECKING:
    from harness.server import ServerProcess
    from tribe_service.embedded_postgres import EmbeddedPostgres

REPO_ROOT = Path(__file__).resolve().parent.parent


class TestDatabase:
    """The session's database server and throwaway database."""

    def __init__(self) -> None:
        self.embedded = None
        self.temp_dir: Path | None = None
        server_url = os.environ.get("DATABASE_URL")
        if not server_url:
            from tribe_service.embedded_postgres import EmbeddedPostgres

            self.temp_dir = Path(tempfile.mkdtemp(prefix="tribe-test-"))
            self.embedded = EmbeddedPostgres(self.temp_dir / "postgres")
            self.embedded.start()
            server_url = self.embedded.url()
        self.server_url = server_url
        self.name = f"tribe_test_{uuid.uuid4().hex[:12]}"
        self.url = with_database(server_url, self.name)

    def create(self) -> None:
        asyncio.run(self._admin(f'CREATE DATABASE "{self.name}"'))

    def drop(self) -> None:
        self.drop_database(self.name)

    def drop_database(self, name: str) -> None:
        """Drop ``name`` on the session's server (see :func:`drop_database`)."""
        drop_database(self.server_url, name)

    def close(self) -> None:
        try:
            self.drop()
        finally:
            if self.embedded is not None:
                self.embedded.stop()
            if self.temp_dir is not None:
                shutil.rmtree(self.temp_dir, ignore_errors=True)

    async def _admin(self, sql: str) -> None:
        await _execute(self.server_url, sql)


def drop_database(server_url: str, name: str) -> None:
    """Drop ``name``, retrying while a server process of another role (autovacuum) is in it.

    ``WITH (FORCE)`` may terminate only our own role's sessions; an autovacuum
    worker that just started on a fresh database leaves within moments.
    """
    for attempt in range(20):
        try:
            asyncio.run(_execute(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            return
        except asyncpg.exceptions.InsufficientPrivilegeError:
            if attempt == 19:
                raise
            time.sleep(0.25)


async def _execute(server_url: str, sql: str) -> None:
    connection = await asyncpg.connect(server_url)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run a console script of the venv (``piccolo ...``) with the test environment."""
    program = str(Path(sys.executable).parent / args[0])
    return subprocess.run(
        [program, *args[1:]],
        cwd=REPO_ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def migrate_forwards(database_url: str | None = None) -> None:
    """Apply every migration (default: to the test database), failing loudly if one breaks."""
    env = {"DATABASE_URL": database_url} if database_url else None
    result = run_cli("piccolo", "migrations", "forwards", "all", env=env)
    if result.returncode != 0:
        raise RuntimeError(f"migrations failed:\n{result.stdout}\n{result.stderr}")


_database: TestDatabase | None = None


def pytest_configure(config: pytest.Config) -> None:
    """Start the database and migrate it before any test module imports the app."""
    global _database
    if hasattr(config, "workerinput"):  # pragma: no cover - no xdist here
        return
    os.environ["ENVIRONMENT"] = "test"
    # Servers the tests start must not fill embeddings behind their backs (it would race the
    # filler tests and show up in pg_stat_activity); tests/test_embeddings.py runs fillers itself.
    os.environ["EMBEDDING_FILL_INTERVAL"] = "0"
    _database = TestDatabase()
    _database.create()
    os.environ["DATABASE_URL"] = _database.url
    migrate_forwards()


def pytest_unconfigure(config: pytest.Config) -> None:
    """Drop the database and stop any server this session started."""
    if _database is not None:
        _database.close()


@pytest.fixture(scope="session")
def database_url() -> str:
    """The URL of the session's migrated test database."""
    assert _database is not None
    return _database.url


@pytest.fixture(scope="session")
def database_server_url() -> str:
    """The URL of the session's server (its ``postgres`` database), for scratch databases."""
    assert _database is not None
    return _database.server_url


@pytest.fixture(scope="session")
def embedded_server() -> object:
    """The session's embedded PostgreSQL (its log, a superuser ``psql``); needs one running.

    Tests that read what the server itself logs use it; with ``DATABASE_URL`` set they
    fail with this message rather than pass without checking.
    """
    assert _database is not None
    if _database.embedded is None:
        pytest.fail("this test reads the embedded server's log: run it without DATABASE_URL")
    return _database.embedded


@pytest.fixture(scope="session")
def live_server(database_url: str) -> Iterator[str]:
    """``uvicorn tribe_service.app:app`` on a free port of 127.0.0.1 (for the browser tests)."""
    from harness.server import uvicorn_server

    env = {"DATABASE_URL": database_url, "ENVIRONMENT": "test"}
    with uvicorn_server("tribe_service.app:app", workers=1, env=env) as server:
        yield f"http://127.0.0.1:{server.port}"


@contextlib.contextmanager
def scratch_database(server_url: str | None = None) -> Iterator[str]:
    """A new, empty database on ``server_url`` (default: the session's server), dropped after."""
    assert _database is not None
    server_url = server_url or _database.server_url
    name = f"tribe_scratch_{uuid.uuid4().hex[:12]}"
    asyncio.run(_execute(server_url, f'CREATE DATABASE "{name}"'))
    try:
        yield with_database(server_url, name)
    finally:
        drop_database(server_url, name)


@pytest.fixture
def empty_database_url() -> Iterator[str]:
    """A new, empty database on the session's server, dropped after the test.

    For tests that must not touch the shared database (migration round trips).
    """
    with scratch_database() as url:
        yield url


@pytest.fixture(scope="session")
async def engine() -> AsyncIterator[object]:
    """The app's engine with its pool open for the session."""
    from tribe_service.app import current_engine

    engine = current_engine()
    await engine.start_connection_pool()
    yield engine
    await engine.close_connection_pool()


@pytest.fixture(scope="session")
def app(engine: object) -> object:
    """The Litestar app in test mode, sharing the session's engine."""
    from tribe_service.app import create_app
    from tribe_service.config import load_settings

    # Every in-process request comes from 127.0.0.1: the whole session would share
    # one client's budget. The rate-limit tests build their own apps.
    settings = load_settings({**os.environ, "RATE_LIMIT_POINTS_PER_MINUTE": "0"})
    return create_app(settings, engine)  # type: ignore[arg-type]


@pytest.fixture
async def client(app: object) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client talking to the app in-process (no lifespan: the pool is open)."""
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


@pytest.fixture(scope="session")
async def seeded(engine: object) -> None:
    """The session database holds exactly the prototype seed data.

    Tests that change rows must restore them (a rolled-back transaction, or
    re-seeding), so that every test can rely on this.
    """
    from tribe_service.seed import seed_database

    await seed_database()


@contextlib.contextmanager
def seeded_database(server_url: str) -> Iterator[str]:
    """A scratch database on ``server_url``, migrated and seeded by the CLI, dropped after."""
    with scratch_database(server_url) as url:
        migrate_forwards(url)
        result = run_cli("piccolo", "tribe_service", "seed", env={"DATABASE_URL": url})
        if result.returncode != 0:
            raise RuntimeError(f"seed failed:\n{result.stdout}\n{result.stderr}")
        yield url


def database_name(url: str) -> str:
    """The database a URL points at."""
    return urlsplit(url).path.lstrip("/")


@pytest.fixture(scope="session")
def primary() -> Iterator[EmbeddedPostgres]:
    """An embedded server of its own, for tests that replicate it or stop it (with PgBouncer)."""
    from tribe_service.embedded_postgres import temporary_server

    with temporary_server("tribe-primary-") as server:
        yield server


@pytest.fixture(scope="session")
def primary_database(primary: EmbeddedPostgres) -> Iterator[str]:
    """A migrated, seeded scratch database on :func:`primary` (so also on its replicas)."""
    with seeded_database(primary.url()) as url:
        yield url


@pytest.fixture(scope="module")
def replica(primary: EmbeddedPostgres, primary_database: str) -> Iterator[EmbeddedPostgres]:
    """A real streaming replica of :func:`primary`, logging every statement; stopped after."""
    from tribe_service.embedded_postgres import temporary_server

    with temporary_server("tribe-replica-", replica_of=primary, log_statements=True) as replica:
        yield replica


@pytest.fixture
async def served_client(app_server: ServerProcess) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client for the module's ``app_server`` (the app in its own process)."""
    base_url = f"http://127.0.0.1:{app_server.port}"
    async with httpx.AsyncClient(base_url=base_url, timeout=10) as client:
        yield client
