"""The database engine: Piccolo's PostgresEngine, taught pgvector and a few manners.

* Every connection, pooled or not, decodes ``vector`` to ``list[float]`` (asyncpg
  has no codec for it, and Piccolo Admin's detail view fails without one).
* Connecting gives up after a few seconds, so a dead database is an error a
  client sees quickly, never a hang.
* Statements are counted per asyncio context when asked (see
  :func:`count_statements`): tests and the benchmark use it to prove that
  GraphQL resolvers batch their queries.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
from collections.abc import Iterator
from typing import Any

import asyncpg
from pgvector import Vector
from piccolo.engine.postgres import PostgresEngine
from piccolo.querystring import QueryString

from tribe_service.config import Settings

CONNECT_TIMEOUT_SECONDS = 3.0

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
    """The SQL statements sent in one asyncio context (and its child tasks)."""

    def __init__(self) -> None:
        self.statements: list[str] = []

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
    counter = StatementCounter()
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


def statement_timeout_settings(seconds: float | None) -> dict[str, str]:
    """Server settings bounding every statement of a pooled connection.

    Given at connect time, so ``RESET ALL`` (run when asyncpg's pool takes a
    connection back) keeps them. Only the pool (the app's requests) gets them:
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


class TribeEngine(PostgresEngine):
    """PostgresEngine with the pgvector codec on every connection and statement counting."""

    def __init__(
        self,
        config: dict[str, Any],
        *,
        pool_min_size: int = 2,
        pool_max_size: int = 10,
        statement_timeout_seconds: float | None = None,
    ) -> None:
        self.pool_min_size = pool_min_size
        self.pool_max_size = pool_max_size
        self.statement_timeout_seconds = statement_timeout_seconds
        super().__init__(config=config)

    async def start_connection_pool(self, **kwargs: Any) -> None:
        """Open the pool at the configured size; each new connection gets the vector codec.

        Pooled connections also get the statement timeout (see
        :func:`statement_timeout_settings`).
        """
        kwargs.setdefault("init", register_vector_codec)
        kwargs.setdefault("min_size", self.pool_min_size)
        kwargs.setdefault("max_size", self.pool_max_size)
        server_settings = statement_timeout_settings(self.statement_timeout_seconds)
        if server_settings:
            kwargs.setdefault("server_settings", server_settings)
        await super().start_connection_pool(**kwargs)

    async def get_new_connection(self) -> asyncpg.Connection:
        """A connection outside the pool (migrations, the admin, batch reads)."""
        connection = await super().get_new_connection()
        await register_vector_codec(connection)
        return connection

    async def ping(self) -> None:
        """Run ``SELECT 1``; raises if the database cannot be reached."""
        await self.run_querystring(QueryString("SELECT 1"))

    async def open_pool(self) -> None:
        """Open the pool at start-up without letting a database outage stop the app.

        If the database is down, the pool starts empty and fills once it is back.
        """
        try:
            await self.start_connection_pool()
        except Exception as error:
            if not is_database_unavailable(error):
                raise
            logger.warning("database unavailable at start-up; connecting on first use")
            await self.start_connection_pool(min_size=0)

    async def run_querystring(self, querystring: QueryString, in_pool: bool = True) -> Any:
        """Run one statement, counting it when a :func:`count_statements` block is open."""
        counter = _statement_counter.get()
        if counter is not None:
            counter.statements.append(str(querystring))
        return await super().run_querystring(querystring, in_pool=in_pool)


def build_engine(settings: Settings) -> TribeEngine:
    """The engine for ``settings.database_url`` (``piccolo_conf.py`` calls this)."""
    return TribeEngine(
        config={"dsn": settings.database_url, "timeout": CONNECT_TIMEOUT_SECONDS},
        pool_min_size=settings.db_pool_min_size,
        pool_max_size=settings.db_pool_max_size,
        statement_timeout_seconds=settings.operation_timeout_seconds,
    )
