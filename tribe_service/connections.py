"""How the engine connects: asyncpg options, per-connection codecs and server settings.

* Every connection, pooled or not, decodes ``vector`` to ``list[float]`` (asyncpg
  has no codec for it, and Piccolo Admin's detail view fails without one).
* Connecting gives up after a few seconds, so a dead database is an error a
  client sees quickly, never a hang.
* A connection goes back to the pool without asyncpg's reset statement
  (``SELECT pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL``):
  the app keeps no session state (no ``SET``, ``LISTEN``, advisory locks or
  cursors), so the reset was a round trip per query that returned nothing.
  An open transaction is still rolled back on release (asyncpg does that
  before calling the pool's ``reset``).
* Behind PgBouncer (``DATABASE_POOLER=pgbouncer``) asyncpg's prepared-statement
  cache is off: in transaction mode a named statement prepared on one server
  connection is unknown on the next.
"""

from __future__ import annotations

from typing import Any

import asyncpg
from pgvector import Vector

from tribe_service.config import DatabasePooler, PlanCacheMode

CONNECT_TIMEOUT_SECONDS = 3.0


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


def pooled_connection_settings(
    seconds: float | None, plan_cache_mode: PlanCacheMode = PlanCacheMode.GENERIC
) -> dict[str, str]:
    """Server settings of every pooled connection: the statement timeout, and how prepared
    statements are planned (``PLAN_CACHE_MODE``).

    Given at connect time, so they hold for the connection's life (the pool runs
    no reset on release anyway). Only the pool (the app's requests) gets them:
    migrations and ``just scale`` connect outside it and may run long. ``None``
    sends none (PgBouncer < 1.20 refuses unknown startup parameters, and it
    prepares no statement to plan once anyway).
    """
    if seconds is None:
        return {}
    return {
        "statement_timeout": str(max(1, round(seconds * 1000))),
        # A statement whose client went away (a cancelled request whose connection the
        # pool closed) is stopped within a second, not left waiting on a lock.
        "client_connection_check_interval": "1000",
        # Every value is a parameter, so a prepared statement's text depends only on the
        # document's shape. Under the default `auto`, PostgreSQL kept re-planning most of
        # them on every execution (custom plans); one generic plan per statement and
        # connection saves that planning (docs/performance.md).
        "plan_cache_mode": str(plan_cache_mode),
    }


def connection_config(url: str, pooler: DatabasePooler) -> dict[str, Any]:
    """asyncpg connection options for ``url``, fit for what sits in front of the server."""
    config: dict[str, Any] = {"dsn": url, "timeout": CONNECT_TIMEOUT_SECONDS}
    if pooler is DatabasePooler.PGBOUNCER:
        config["statement_cache_size"] = 0
    return config
