"""Writes under load: ``createProject`` and ``respondToJoinRequest`` (c1 and c16).

They run on a scratch copy of the scaled database (``CREATE DATABASE ... TEMPLATE``,
dropped after), so the rows they add never reach the read scenarios of a later
run. Every request is a different write, as a product sends them: each
``createProject`` has its own idempotency key, each ``respondToJoinRequest``
approves its own pending request (the copy gets pending requests in tribes with
room for them, approved by each tribe's owner). Builders are signed in with
sessions made directly (``SessionManager.start``), their access token in the
session cookie. A response with a non-empty ``userErrors`` counts as an error.

Statements are counted as PostgreSQL logs them (``log_statement = 'all'`` on the
copy) for one request of each, after two warm-up requests; ``BEGIN``/``COMMIT``
are reported apart from the statements of the write, its feed event and payload.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import re
import secrets
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from urllib.parse import urlsplit

import asyncpg

from benchmarks.bench.databases import admin_sql
from benchmarks.bench.measuring import Cell, fetch_once
from benchmarks.bench.side_by_side import logged_statements
from harness.database_urls import with_database
from harness.load import HttpRequest, HttpResponse, LoadResult, Picker
from harness.server import ServerProcess, uvicorn_server
from tribe_service.auth.cookies import ACCESS_COOKIE
from tribe_service.auth.sessions import SessionManager
from tribe_service.auth.signed_tokens import TokenSigner
from tribe_service.config import load_settings
from tribe_service.embedded_postgres import StatementLog, embedded_server_for
from tribe_service.engine import build_engine
from tribe_service.graphql import client_operations
from tribe_service.ids import ulid_at

WRITES = ("createProject", "respondToJoinRequest")
CREATE_REQUESTS = 40_000
JOIN_TRIBES = 600  # each gets up to MAX_MEMBERS - 1 - active pending requests
MAX_MEMBERS = 50
CREATORS = 16
_TRANSACTION_CONTROL = re.compile(r"^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)\b", re.I)


@dataclass
class WriteFigures:
    """What the write scenarios measured."""

    cells: list[Cell] = field(default_factory=list)
    # Per mutation: statements of one request as PostgreSQL logged them, and how many
    # of those were transaction control (BEGIN, COMMIT, SAVEPOINT, RELEASE).
    statements: dict[str, tuple[int, int]] = field(default_factory=dict)


def _unique(requests: list[HttpRequest]) -> Picker:
    """Each request once, in order, across every run that picks from it (warm-up included)."""
    counter = itertools.count()
    return lambda _: requests[next(counter) % len(requests)]


def write_check(request: HttpRequest, response: HttpResponse) -> str | None:
    """HTTP 200, no top-level errors, and the write took effect (no ``userErrors``)."""
    if response.status != 200:
        return f"HTTP {response.status}"
    if b'"errors"' in response.body:
        return "GraphQL error"
    if b'"userErrors":[]' not in response.body:
        return "userErrors"
    return None


async def _sessions(database_url: str, secret: str, user_ids: list[str]) -> dict[str, str]:
    """An access token per builder, from a session started directly."""
    settings = load_settings(
        {"DATABASE_URL": database_url, "SESSION_SECRET": secret, "ENVIRONMENT": "production"}
    )
    engine = build_engine(settings)
    await engine.start_connection_pool()
    try:
        manager = SessionManager(engine, settings, TokenSigner(settings.session_secrets))
        return {
            user_id: (await manager.start(user_id, "just bench")).access
            for user_id in dict.fromkeys(user_ids)
        }
    finally:
        await engine.close_connection_pool()


def _signed_in(request: HttpRequest, token: str) -> HttpRequest:
    return replace(request, headers=(*request.headers, ("Cookie", f"{ACCESS_COOKIE}={token}")))


async def _pending_requests(connection: asyncpg.Connection) -> list[tuple[str, str, str]]:
    """(tribe, owner, requester) of pending join requests made in tribes with room."""
    tribes = await connection.fetch(
        "SELECT t.id, t.owner_id, (SELECT count(*) FROM tribe_members m"
        " WHERE m.tribe_id = t.id AND m.status = 'active') AS active"
        " FROM tribes t ORDER BY t.id LIMIT $1",
        JOIN_TRIBES,
    )
    await connection.execute(
        "UPDATE tribes SET max_members = $2, status = 'open' WHERE id = ANY($1)",
        [t["id"] for t in tribes],
        MAX_MEMBERS,
    )
    users = [r["id"] for r in await connection.fetch("SELECT id FROM users ORDER BY id")]
    moment = datetime.now(tz=UTC)
    rows = []
    for index, tribe in enumerate(tribes):
        room = MAX_MEMBERS - 1 - int(tribe["active"])
        for offset in range(room):
            user = users[(index * MAX_MEMBERS + offset) % len(users)]
            rows.append((ulid_at(moment), tribe["id"], user, "member", "pending", moment))
    await connection.executemany(
        "INSERT INTO tribe_members (id, tribe_id, user_id, role, status, requested_at)"
        " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (tribe_id, user_id) DO NOTHING",
        rows,
    )
    found = await connection.fetch(
        "SELECT m.tribe_id, t.owner_id, m.user_id FROM tribe_members m"
        " JOIN tribes t ON t.id = m.tribe_id"
        " WHERE m.status = 'pending' AND m.tribe_id = ANY($1) AND m.user_id <> t.owner_id",
        [t["id"] for t in tribes],
    )
    # Interleave the tribes, so that concurrent approvals rarely wait on one tribe's lock.
    by_tribe: dict[str, list[tuple[str, str, str]]] = {}
    for row in found:
        by_tribe.setdefault(row["tribe_id"], []).append(
            (row["tribe_id"], row["owner_id"], row["user_id"])
        )
    interleaved = itertools.zip_longest(*by_tribe.values())
    return [item for group in interleaved for item in group if item is not None]


async def write_requests(database_url: str, secret: str) -> dict[str, list[HttpRequest]]:
    """Every request the write scenarios may send, each a different write."""
    connection = await asyncpg.connect(database_url, timeout=10)
    try:
        pending = await _pending_requests(connection)
        creators = [
            r["id"]
            for r in await connection.fetch("SELECT id FROM users ORDER BY id LIMIT $1", CREATORS)
        ]
    finally:
        await connection.close()
    tokens = await _sessions(database_url, secret, creators + [owner for _, owner, _ in pending])
    create = client_operations.document("CreateProject")
    respond = client_operations.document("RespondToJoinRequest")
    created = [
        _signed_in(
            HttpRequest.graphql(
                "createProject",
                create,
                {"input": {"title": f"Bench project {i}", "idempotencyKey": f"bench-{i}"}},
            ),
            tokens[creators[i % len(creators)]],
        )
        for i in range(CREATE_REQUESTS)
    ]
    approvals = [
        _signed_in(
            HttpRequest.graphql(
                "respondToJoinRequest",
                respond,
                {"input": {"tribeId": tribe, "userId": user, "approve": True}},
            ),
            tokens[owner],
        )
        for tribe, owner, user in pending
    ]
    return {"createProject": created, "respondToJoinRequest": approvals}


@contextlib.contextmanager
def scratch_copy(database_url: str) -> Iterator[str]:
    """A copy of the database (no one else may be connected to it meanwhile), dropped after."""
    source = urlsplit(database_url).path.lstrip("/")
    name = f"bench_writes_{uuid.uuid4().hex[:8]}"
    asyncio.run(admin_sql(database_url, f'CREATE DATABASE "{name}" TEMPLATE "{source}"'))
    try:
        yield with_database(database_url, name)
    finally:
        asyncio.run(admin_sql(database_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _logged(server: ServerProcess, log: StatementLog, request: HttpRequest) -> tuple[int, int]:
    logged = logged_statements(server, log, request)
    control = sum(1 for sql in logged if _TRANSACTION_CONTROL.match(sql))
    return len(logged), control


def measure_writes(
    database_url: str,
    env: dict[str, str],
    workers: int,
    concurrencies: list[int],
    measure_cell: Callable[..., tuple[LoadResult, float, float | None]],
    say: Callable[[str], None],
) -> WriteFigures:
    """The write scenarios on a scratch copy: statements logged, then each cell."""
    figures = WriteFigures()
    secret = secrets.token_urlsafe(32)
    with scratch_copy(database_url) as copy:
        say("preparing the write scenarios on a scratch copy of the database")
        requests = asyncio.run(write_requests(copy, secret))
        pickers = {name: _unique(items) for name, items in requests.items()}
        server_env = {**env, "DATABASE_URL": copy, "SESSION_SECRET": secret}
        embedded = embedded_server_for(copy)
        if embedded is not None:  # a server of its own: only its connections log statements
            with (
                StatementLog(embedded, urlsplit(copy).path.lstrip("/")) as log,
                uvicorn_server("tribe_service.app:app", workers=workers, env=server_env) as server,
            ):
                for name in WRITES:
                    for _ in range(2):
                        fetch_once(server, pickers[name](0))
                    figures.statements[name] = min(
                        _logged(server, log, pickers[name](0)) for _ in range(3)
                    )
        with uvicorn_server("tribe_service.app:app", workers=workers, env=server_env) as server:
            for name in WRITES:
                for concurrency in concurrencies:
                    say(f"{name}: {workers} worker(s), {concurrency} client(s)")
                    result, app_cpu, db_cpu = measure_cell(
                        server, pickers[name], concurrency=concurrency, check=write_check
                    )
                    figures.cells.append(Cell(name, workers, concurrency, result, app_cpu, db_cpu))
    return figures
