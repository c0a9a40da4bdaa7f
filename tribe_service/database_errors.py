"""Which errors mean "the database cannot be reached right now" (not "the query is wrong")."""

from __future__ import annotations

import asyncpg

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
