"""The database engine: Piccolo's PostgresEngine, taught pgvector and a few manners.

* Every connection, pooled or not, decodes ``vector`` to ``list[float]`` (asyncpg
  has no codec for it, and Piccolo Admin's detail view fails without one).
* Connecting gives up after a few seconds, so a dead database is an error a
  client sees quickly, never a hang.
* Statements are counted per asyncio context when asked (see
  :func:`count_statements`): tests and the benchmark use it to prove that
  GraphQL resolvers batch their queries.
* A connection goes back to the pool without asyncpg's reset statement
  (``SELECT pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL``):
  the app keeps no session state (no ``SET``, ``LISTEN``, advisory locks or
  cursors), so the reset was a round trip per query that returned nothing.
  An open transaction is still rolled back on release (asyncpg does that
  before calling the pool's ``reset``).
* Read replicas (``DATABASE_REPLICA_URLS``) are Piccolo ``extra_nodes``
  named ``replica_1``, ``replica_2``...; statements sent inside
  :meth:`TribeEngine.reading` go to a healthy one, everything else (writes,
  transactions, migrations, the admin) to the primary. See
  :mod:`tribe_service.replicas` for what "healthy" means.
* Behind PgBouncer (``DATABASE_POOLER=pgbouncer``) asyncpg's prepared-statement
  cache is off: in transaction mode a named statement prepared on one server
  connection is unknown on the next.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from typing import Any

import asyncpg
from pgvector import Vector
from piccolo.engine.postgres import PostgresEngine
from piccolo.querystring import QueryString

from tribe_service.config import DatabasePooler, Settings
from tribe_service.replicas import ReplicaMonitor, ReplicaStatus

CONNECT_TIMEOUT_SECONDS = 3.0
# How long closing a pool waits for borrowed connections to come back before it
# terminates them: a leaked or stuck connection must not hang a shutdown forever.
POOL_CLOSE_TIMEOUT_SECONDS = 10.0

logger = logging.getLogger(__name__)

# Errors that mean "the database cannot be reached right now", as opposed to a
# bad query. Clients get a clear "database unavailable" message for these.
_UNAVAILABLE_ERRORS: tuple[type[BaseException], ...] = (
    OSError,  # refused, reset, unreachable
    TimeoutError,
    asyncpg.exceptions.PostgresConnectionError,
    asyncpg.exceptions.OperatorInterventionError,  # shutting down, starting up
    asyncpg.exceptions.TooManyConnectionsError,
)


def is_database_unavailable(error: BaseException) -> bool:
    """True if ``error`` says the database cannot be reached (not that a query is wrong)."""
    if isinstance(error, _UNAVAILABLE_ERRORS):
        return True
    # A pooled connection whose server went away fails with this on next use.
    if isinstance(error, asyncpg.exceptions.InterfaceError) and "closed" in str(error):
        return True
    # A query cancelled while the server shuts down (graphql-core cancels the sibling
    # fields of a failed one) can leave its connection mid-operation; the next query
    # on it fails with this until the pool drops it. Seen by `just stress`.
    return isinstance(error, asyncpg.exceptions.InternalClientError) and (
        "another operation" in str(error)
    )


class StatementCounter:
    """The SQL statements sent in one asyncio context (and its child tasks).

    Counters nest: a statement counts in the innermost one and every one around it
    (each GraphQL operation counts its own, inside a test's count of a request).
    """

    def __init__(self, outer: StatementCounter | None = None) -> None:
        self.statements: list[str] = []
        self.outer = outer

    @property
    def count(self) -> int:
        """How many statements were sent."""
        return len(self.statements)


_statement_counter: contextvars.ContextVar[StatementCounter | None] = contextvars.ContextVar(
    "statement_counter", default=None
)


@contextlib.contextmanager
def count_statements() -> Iterator[StatementCounter]:
    """Count the statements the engine sends inside this block (and its child tasks)."""
    counter = StatementCounter(_statement_counter.get())
    token = _statement_counter.set(counter)
    try:
        yield counter
    finally:
        _statement_counter.reset(token)


def _encode_vector(value: Any) -> bytes:
    return (value if isinstance(value, Vector) else Vector(list(value))).to_binary()


def _decode_vector(data: bytes) -> list[float]:
    return Vector.from_binary(data).to_list()


async def register_vector_codec(connection: asyncpg.Connection) -> None:
    """Teach one connection the ``vector`` type, if the extension exists yet."""
    try:
        await connection.set_type_codec(
            "vector",
            schema="public",
            encoder=_encode_vector,
            decoder=_decode_vector,
            format="binary",
        )
    except ValueError as error:  # before the first migration there is no `vector`
        if not str(error).startswith("unknown type"):
            raise


async def prepare_connection(connection: asyncpg.Connection) -> None:
    """Every pooled connection: the ``vector`` codec, and asyncpg's ``record[]`` decoder.

    Compiled plans return arrays of records nested inside records; asyncpg loads
    a type's decoder only when it appears at a statement's top level, so one
    statement here loads it for the connection's lifetime.
    """
    await register_vector_codec(connection)
    await connection.fetchval("SELECT ARRAY[ROW(1)]")


async def keep_session(connection: asyncpg.Connection) -> None:
    """The pool's ``reset``: nothing to undo, since the app never changes session state."""


def _count(sql: str) -> None:
    counter = _statement_counter.get()
    while counter is not None:
        counter.statements.append(sql)
        counter = counter.outer


def statement_timeout_settings(seconds: float | None) -> dict[str, str]:
    """Server settings bounding every statement of a pooled connection.

    Given at connect time, so they hold for the connection's life (the pool runs
    no reset on release anyway). Only the pool (the app's requests) gets them:
    migrations and ``just scale`` connect outside it and may run long.
    """
    if seconds is None:
        return {}
    return {
        "statement_timeout": str(max(1, round(seconds * 1000))),
        # A statement whose client went away (a cancelled request whose connection the
        # pool closed) is stopped within a second, not left waiting on a lock.
        "client_connection_check_interval": "1000",
    }


_reading: contextvars.ContextVar[bool] = contextvars.ContextVar("reading", default=False)


class TribeEngine(PostgresEngine):
    """PostgresEngine with the pgvector codec, statement counting and read replicas.

    Routing reads: inside ``with engine.reading():`` every statement this engine
    runs outside a transaction goes to a healthy replica (taking turns), or to the
    primary when none is healthy. That covers Piccolo queries (``await
    Table.select()``), :meth:`run_querystring` and :meth:`fetch` (raw SQL with
    asyncpg ``$n`` parameters, for callers that build SQL themselves). A read that
    fails because its replica went away is retried once on the primary and the
    replica is marked out, so a client never sees a replica outage. Outside
    ``reading()`` everything runs on the primary: only enter it for statements
    that need not see the caller's own recent writes.
    """

    def __init__(
        self,
        config: dict[str, Any],
        *,
        pool_min_size: int = 2,
        pool_max_size: int = 10,
        replicas: Mapping[str, TribeEngine] | None = None,
        replica_max_lag_ms: int = 1000,
        replica_check_interval_ms: int = 1000,
        statement_timeout_seconds: float | None = None,
    ) -> None:
        self.pool_min_size = pool_min_size
        self.pool_max_size = pool_max_size
        self.statement_timeout_seconds = statement_timeout_seconds
        super().__init__(config=config, extra_nodes=dict(replicas or {}))
        self.replica_monitor = ReplicaMonitor(
            list(self.extra_nodes),
            self._connect_to_replica,
            max_lag_ms=replica_max_lag_ms,
            interval_ms=replica_check_interval_ms,
        )

    @contextlib.contextmanager
    def reading(self) -> Iterator[None]:
        """Send the statements of this block (and its child tasks) to the read replicas."""
        token = _reading.set(True)
        try:
            yield
        finally:
            _reading.reset(token)

    def replica_statuses(self) -> dict[str, ReplicaStatus]:
        """Each replica's last known health, by node name (empty without replicas)."""
        return self.replica_monitor.statuses()

    async def start_connection_pool(self, **kwargs: Any) -> None:
        """Open the pools (primary and replicas) at the configured size; each connection is prepared.

        Pooled connections get the vector codec and the ``record[]`` decoder
        (:func:`prepare_connection`), the statement timeout (see
        :func:`statement_timeout_settings`), and no reset on release.
        """
        kwargs.setdefault("init", prepare_connection)
        kwargs.setdefault("reset", keep_session)
        kwargs.setdefault("min_size", self.pool_min_size)
        kwargs.setdefault("max_size", self.pool_max_size)
        server_settings = statement_timeout_settings(self.statement_timeout_seconds)
        if server_settings:
            kwargs.setdefault("server_settings", server_settings)
        await super().start_connection_pool(**kwargs)
        for replica in self._replicas():
            await replica.open_pool()

    async def close_connection_pool(self) -> None:
        """Stop checking replicas and close every pool.

        Each pool waits at most :data:`POOL_CLOSE_TIMEOUT_SECONDS` for its borrowed
        connections; asyncpg then terminates the pool (its ``close`` does so when cancelled).
        """
        await self.replica_monitor.stop()
        for replica in self._replicas():
            if replica.pool is not None:
                await replica.close_connection_pool()
        if self.pool is None:
            return
        try:
            await asyncio.wait_for(self.pool.close(), POOL_CLOSE_TIMEOUT_SECONDS)
        except TimeoutError:
            logger.warning(
                "connections still borrowed after %ss: pool terminated", POOL_CLOSE_TIMEOUT_SECONDS
            )
        finally:
            self.pool = None

    async def get_new_connection(self) -> asyncpg.Connection:
        """A connection outside the pool (migrations, the admin, batch reads)."""
        connection = await super().get_new_connection()
        await prepare_connection(connection)
        return connection

    async def ping(self) -> None:
        """Run ``SELECT 1`` on the primary; raises if it cannot be reached."""
        _count("SELECT 1")
        await PostgresEngine.run_querystring(self, QueryString("SELECT 1"))

    async def open_pool(self) -> None:
        """Open the pools at start-up without letting a database outage stop the app.

        If a server is down, its pool starts empty and fills once it is back.
        Replicas are checked once before this returns, then periodically.
        """
        try:
            await self.start_connection_pool()
        except Exception as error:
            if not is_database_unavailable(error):
                raise
            logger.warning("database unavailable at start-up; connecting on first use")
            await self.start_connection_pool(min_size=0)
        if self.extra_nodes:
            await self.replica_monitor.check_all()
            self.replica_monitor.start()

    async def run_querystring(self, querystring: QueryString, in_pool: bool = True) -> Any:
        """Run one statement (on a replica inside :meth:`reading`), counting it if asked."""
        _count(str(querystring))
        return await self._routed(
            lambda engine: PostgresEngine.run_querystring(engine, querystring, in_pool=in_pool)
        )

    async def fetch(self, sql: str, *args: Any) -> list[asyncpg.Record]:
        """Run raw SQL (``$1``... parameters) through the pool, routed like any statement."""
        (rows,) = await self.fetch_all([(sql, args)])
        return rows

    async def fetch_all(
        self, statements: Sequence[tuple[str, Sequence[Any]]], setup: str | None = None
    ) -> list[list[asyncpg.Record]]:
        """The rows of each statement, in order, on one pooled connection, routed as a whole.

        Inside :meth:`reading` they run on one healthy replica (all of them again on
        the primary if it went away), so a compiled plan reads one consistent server.
        With ``setup`` (``SET LOCAL``-style settings), they run in one transaction after it.
        """
        if not statements:
            return []
        for sql, _ in statements:
            _count(sql)
        if setup is not None:
            _count(setup)
        return await self._routed(
            lambda engine: engine._fetch_all_on_one_connection(statements, setup)
        )

    async def _fetch_all_on_one_connection(
        self, statements: Sequence[tuple[str, Sequence[Any]]], setup: str | None
    ) -> list[list[asyncpg.Record]]:
        async with self._connection() as connection:
            # SET LOCAL-style settings last until the end of a transaction, so they need one.
            within = contextlib.nullcontext() if setup is None else connection.transaction()
            async with within:
                if setup is not None:
                    await connection.execute(setup)
                return [list(await connection.fetch(sql, *args)) for sql, args in statements]

    @contextlib.asynccontextmanager
    async def _connection(self) -> AsyncIterator[asyncpg.Connection]:
        """One pooled connection (a new one if the pool is not open)."""
        if self.pool is None:
            raw = await self.get_new_connection()
            try:
                yield raw
            finally:
                await raw.close()
            return
        async with self.pool.acquire() as raw:
            yield raw

    async def _routed(self, run: Any) -> Any:
        """``run(engine)`` on a replica when reading and one is healthy, else on the primary."""
        name = self._replica_for_this_statement()
        if name is None:
            return await run(self)
        try:
            return await run(self.extra_nodes[name])
        except Exception as error:
            if not is_database_unavailable(error):
                raise
            self.replica_monitor.mark_down(name, error)
            return await run(self)

    def _replica_for_this_statement(self) -> str | None:
        if not self.extra_nodes or not _reading.get() or self.current_transaction.get():
            return None
        return self.replica_monitor.pick()

    def _replicas(self) -> list[TribeEngine]:
        return [node for node in self.extra_nodes.values() if isinstance(node, TribeEngine)]

    async def _connect_to_replica(self, name: str) -> asyncpg.Connection:
        return await asyncpg.connect(**self.extra_nodes[name].config)


def replica_node_name(index: int) -> str:
    """The Piccolo node name of the ``index``-th (0-based) URL in ``DATABASE_REPLICA_URLS``."""
    return f"replica_{index + 1}"


def connection_config(url: str, pooler: DatabasePooler) -> dict[str, Any]:
    """asyncpg connection options for ``url``, fit for what sits in front of the server."""
    config: dict[str, Any] = {"dsn": url, "timeout": CONNECT_TIMEOUT_SECONDS}
    if pooler is DatabasePooler.PGBOUNCER:
        config["statement_cache_size"] = 0
    return config


def build_engine(settings: Settings) -> TribeEngine:
    """The engine for ``settings.database_url`` and its replicas (``piccolo_conf.py`` calls this).

    Behind PgBouncer the statement timeout is not sent: PgBouncer < 1.20 refuses a
    connection with an unknown startup parameter (set it on the role instead).
    """
    timeout: float | None = settings.operation_timeout_seconds
    if settings.database_pooler is DatabasePooler.PGBOUNCER:
        timeout = None
    replicas = {
        replica_node_name(index): TribeEngine(
            config=connection_config(url, settings.database_pooler),
            pool_min_size=settings.db_pool_min_size,
            pool_max_size=settings.db_pool_max_size,
            statement_timeout_seconds=timeout,
        )
        for index, url in enumerate(settings.replica_urls)
    }
    return TribeEngine(
        config=connection_config(settings.database_url, settings.database_pooler),
        pool_min_size=settings.db_pool_min_size,
        pool_max_size=settings.db_pool_max_size,
        replicas=replicas,
        replica_max_lag_ms=settings.replica_max_lag_ms,
        replica_check_interval_ms=settings.replica_check_interval_ms,
        statement_timeout_seconds=timeout,
    )
