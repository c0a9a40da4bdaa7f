"""The database engine: Piccolo's PostgresEngine with a pool, counting and read replicas.

How it connects (codecs, timeouts, PgBouncer) is in :mod:`tribe_service.connections`;
which errors mean an outage in :mod:`tribe_service.database_errors`; statements are
counted per asyncio context when asked (:mod:`tribe_service.statement_counting`).

* Read replicas (``DATABASE_REPLICA_URLS``) are Piccolo ``extra_nodes``
  named ``replica_1``, ``replica_2``...; statements sent inside
  :meth:`TribeEngine.reading` go to a healthy one, everything else (writes,
  transactions, migrations, the admin) to the primary. See
  :mod:`tribe_service.replicas` for what "healthy" means.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import weakref
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from typing import Any

import asyncpg
from asyncpg.pool import PoolConnectionProxy
from piccolo.engine.postgres import PostgresEngine, PostgresTransaction
from piccolo.querystring import QueryString

from tribe_service.config import DatabasePooler, PlanCacheMode, Settings
from tribe_service.connections import (
    connection_config,
    keep_session,
    pooled_connection_settings,
    prepare_connection,
)
from tribe_service.database_errors import is_database_unavailable
from tribe_service.replicas import ReplicaMonitor, ReplicaStatus

# Named here too for code written before the split (benchmarks/ imports them from here).
from tribe_service.statement_counting import count_statements as count_statements
from tribe_service.statement_counting import record_statement

# How long closing a pool waits for borrowed connections to come back before it
# terminates them: a leaked or stuck connection must not hang a shutdown forever.
POOL_CLOSE_TIMEOUT_SECONDS = 10.0

logger = logging.getLogger(__name__)

# One statement at a time on a transaction's connection (asyncpg refuses two at once).
_TRANSACTION_LOCKS: weakref.WeakKeyDictionary[Any, asyncio.Lock] = weakref.WeakKeyDictionary()


def _lock_of(connection: Any) -> asyncio.Lock | None:
    """The lock of a transaction's connection (a pooled connection is a proxy made per
    borrowing: the lock goes with the connection underneath); None once the pool took
    the connection back (it was lost with its server)."""
    raw = connection._con if isinstance(connection, PoolConnectionProxy) else connection
    if raw is None:
        return None
    return _TRANSACTION_LOCKS.setdefault(raw, asyncio.Lock())


_reading: contextvars.ContextVar[bool] = contextvars.ContextVar("reading", default=False)
# Inside reading(after_lsn=...): the WAL position a replica must have replayed.
_after_lsn: contextvars.ContextVar[int | None] = contextvars.ContextVar("after_lsn", default=None)


class TransactionEndedError(RuntimeError):
    """A statement for a transaction that has ended (a field still running when its
    operation finished): refused, so it cannot run on a connection that went back to
    the pool, maybe into another request's transaction."""

    def __init__(self) -> None:
        super().__init__("the transaction of this statement has ended")


class TribeTransaction(PostgresTransaction):
    """Piccolo's transaction, which knows when it has ended (:meth:`TribeEngine.end_transaction`)."""

    __slots__ = ("ended",)

    def __init__(self, engine: PostgresEngine, allow_nested: bool = True) -> None:
        super().__init__(engine, allow_nested=allow_nested)
        self.ended = False

    async def __aenter__(self) -> PostgresTransaction:
        """Piccolo's, except that a BEGIN that fails (the server went away) gives the
        connection back to the pool instead of keeping it."""
        if self._parent is not None:
            return self._parent
        self.connection = await self.get_connection()
        self.transaction = self.connection.transaction()
        try:
            await self.begin()
        except BaseException:
            self.ended = True
            await self._give_back()
            raise
        self.context = self.engine.current_transaction.set(self)
        return self

    async def _give_back(self) -> None:
        if self.engine.pool:
            await self.engine.pool.release(self.connection)
        else:
            await self.connection.close()

    async def __aexit__(self, exception_type: Any, exception: Any, traceback: Any) -> bool:
        """Piccolo's, except that the connection goes back to the pool and the context is
        reset even when COMMIT or ROLLBACK fails (the server went away): else every failed
        commit would keep a pooled connection, and the task would keep a dead transaction."""
        if self._parent:
            return exception is None
        try:
            if exception is not None:
                if not self._rolled_back:
                    await self.rollback()
            elif not self._committed and not self._rolled_back:
                await self.commit()
        finally:
            self.ended = True
            try:
                await self._give_back()
            finally:
                self.engine.current_transaction.reset(self.context)
        return exception is None


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
        plan_cache_mode: PlanCacheMode = PlanCacheMode.GENERIC,
    ) -> None:
        self.pool_min_size = pool_min_size
        self.pool_max_size = pool_max_size
        self.statement_timeout_seconds = statement_timeout_seconds
        self.plan_cache_mode = plan_cache_mode
        super().__init__(config=config, extra_nodes=dict(replicas or {}))
        self.replica_monitor = ReplicaMonitor(
            list(self.extra_nodes),
            self._connect_to_replica,
            max_lag_ms=replica_max_lag_ms,
            interval_ms=replica_check_interval_ms,
        )

    @contextlib.contextmanager
    def reading(self, after_lsn: int | None = None) -> Iterator[None]:
        """Send the statements of this block (and its child tasks) to the read replicas.

        ``after_lsn``: only to a replica that has replayed the primary's WAL that far
        (a builder reading after their own write), else to the primary.
        """
        token, after = _reading.set(True), _after_lsn.set(after_lsn)
        try:
            yield
        finally:
            _reading.reset(token)
            _after_lsn.reset(after)

    def replica_statuses(self) -> dict[str, ReplicaStatus]:
        """Each replica's last known health, by node name (empty without replicas)."""
        return self.replica_monitor.statuses()

    async def start_connection_pool(self, **kwargs: Any) -> None:
        """Open the pools (primary and replicas) at the configured size; each connection is prepared.

        Pooled connections get the vector codec and the ``record[]`` decoder
        (:func:`prepare_connection`), the statement timeout (see
        :func:`pooled_connection_settings`), the plan cache mode, and no reset on release.
        """
        kwargs.setdefault("init", prepare_connection)
        kwargs.setdefault("reset", keep_session)
        kwargs.setdefault("min_size", self.pool_min_size)
        kwargs.setdefault("max_size", self.pool_max_size)
        server_settings = pooled_connection_settings(
            self.statement_timeout_seconds, self.plan_cache_mode
        )
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
        record_statement("SELECT 1")
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
        record_statement(str(querystring))
        if self.current_transaction.get() is not None:
            # Piccolo runs it on the transaction's connection: one statement at a time.
            async with self.transaction_connection():
                return await PostgresEngine.run_querystring(self, querystring, in_pool=in_pool)
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
            record_statement(sql)
        if setup is not None:
            record_statement(setup)
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
    async def transaction_connection(self) -> AsyncIterator[asyncpg.Connection]:
        """The open transaction's connection, one statement at a time (a mutation's writes
        run on it, and the reads of its payload, whose sibling fields run concurrently)."""
        transaction = self.current_transaction.get()
        if transaction is None:
            raise RuntimeError("writes run inside engine.transaction()")
        if getattr(transaction, "ended", False):  # its connection may be back in the pool
            raise TransactionEndedError
        connection = transaction.connection
        lock = _lock_of(connection)
        if lock is None:
            raise asyncpg.ConnectionDoesNotExistError("the transaction's connection was lost")
        async with lock:
            if getattr(transaction, "ended", False):  # it ended while this one waited
                raise TransactionEndedError
            yield connection

    def transaction(self, allow_nested: bool = True) -> TribeTransaction:
        """A transaction (Piccolo's) that :meth:`end_transaction` can close to stragglers."""
        return TribeTransaction(self, allow_nested=allow_nested)

    async def end_transaction(self, transaction: PostgresTransaction) -> None:
        """Wait for the statement in flight on ``transaction``'s connection, then refuse any
        later one, before the caller commits or rolls back.

        graphql-core lets sibling fields run on after one of them fails; without this,
        one could still be sending a statement while COMMIT runs, or after the connection
        went back to the pool and into another request's transaction (whose COMMIT
        PostgreSQL then answers with ROLLBACK if that statement failed).
        """
        if not isinstance(transaction, TribeTransaction):
            return
        lock = _lock_of(getattr(transaction, "connection", None))
        if lock is None:  # no connection, or lost: no statement can run on it
            transaction.ended = True
            return
        async with lock:
            transaction.ended = True

    @contextlib.asynccontextmanager
    async def _connection(self) -> AsyncIterator[asyncpg.Connection]:
        """The open transaction's connection, else one pooled (a new one if the pool is not
        open): inside ``engine.transaction()`` raw SQL sees what the transaction wrote."""
        if self.current_transaction.get() is not None:
            async with self.transaction_connection() as connection:
                yield connection
            return
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
        return self.replica_monitor.pick(_after_lsn.get())

    def _replicas(self) -> list[TribeEngine]:
        return [node for node in self.extra_nodes.values() if isinstance(node, TribeEngine)]

    async def _connect_to_replica(self, name: str) -> asyncpg.Connection:
        return await asyncpg.connect(**self.extra_nodes[name].config)


def replica_node_name(index: int) -> str:
    """The Piccolo node name of the ``index``-th (0-based) URL in ``DATABASE_REPLICA_URLS``."""
    return f"replica_{index + 1}"


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
            plan_cache_mode=settings.plan_cache_mode,
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
        plan_cache_mode=settings.plan_cache_mode,
    )
