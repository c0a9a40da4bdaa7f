"""A mutation operation runs in one transaction on the primary, its payload read inside it.

The writes and the reads of their payloads share the transaction's connection
(:meth:`TribeEngine._connection` hands it to raw SQL, Piccolo does the same for its
queries), so a payload shows exactly what was written, replicas or not. The
transaction commits when the operation ends without an unexpected error; an
unexpected error (a bug, the database gone) rolls everything back, so a client never
gets half an operation, and a commit that fails answers ``DATABASE_UNAVAILABLE``
instead of the payload (nothing was written). A refused write (``userErrors``) wrote
nothing to undo. The server never retries a write on its own.

After the commit, with read replicas, the viewer's write position is remembered
(:mod:`tribe_service.read_your_writes`), so their next queries see what they wrote.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

from graphql import ExecutionResult, GraphQLError
from strawberry.extensions.base_extension import SchemaExtension
from strawberry.types.graphql import OperationType

from tribe_service.database_errors import is_database_unavailable
from tribe_service.graphql.errors import DatabaseUnavailableError, is_unexpected
from tribe_service.read_your_writes import COMMIT_POSITION_SQL

logger = logging.getLogger(__name__)


class WriteInOneTransaction(SchemaExtension):
    """Wrap a mutation operation's execution in one transaction (queries are left alone)."""

    async def on_execute(self) -> AsyncIterator[None]:
        """Begin before the first field, commit or roll back after the last."""
        context = self.execution_context
        engine = getattr(context.context, "engine", None)
        # Already in a transaction (a test's, rolled back after): that one decides.
        if (
            engine is None
            or context.operation_type is not OperationType.MUTATION
            or engine.current_transaction.get() is not None
            or context.result is not None  # refused before it ran (a limit): nothing to write
        ):
            yield
            return
        transaction = engine.transaction()
        await transaction.__aenter__()
        try:
            yield
        except BaseException as error:
            await transaction.__aexit__(type(error), error, error.__traceback__)
            raise
        errors = getattr(context.result, "errors", None) or []
        committing = not any(is_unexpected(error) for error in errors)
        try:
            if not committing:
                await transaction.rollback()
            await transaction.__aexit__(None, None, None)  # commits unless rolled back
        except Exception as error:
            if not is_database_unavailable(error):
                raise
            unavailable = DatabaseUnavailableError()
            context.result = ExecutionResult(
                None, [GraphQLError(str(unavailable), extensions={"code": unavailable.code})]
            )
            return
        if committing:
            await _remember_write_position(context.context)


async def _remember_write_position(request: Any) -> None:
    """With replicas, where the viewer's commit ended in the WAL (read after COMMIT
    returned: see :mod:`tribe_service.read_your_writes` for why not before)."""
    positions = getattr(request, "write_positions", None)
    viewer = getattr(request, "current_user_id", None)
    if positions is None or viewer is None or not request.engine.extra_nodes:
        return
    try:
        [row] = await request.engine.fetch(COMMIT_POSITION_SQL)
    except Exception as error:
        if not is_database_unavailable(error):
            raise
        # Committed all the same: answer it; the replicas may show it a moment late.
        logger.warning("write position unknown: primary unavailable after commit")
        return
    await positions.remember(viewer, row[0])
