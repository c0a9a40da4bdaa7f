"""A mutation operation runs in one transaction on the primary, its payload read inside it.

The writes and the reads of their payloads share the transaction's connection
(:meth:`TribeEngine._connection` hands it to raw SQL, Piccolo does the same for its
queries), so a payload shows exactly what was written, replicas or not.

The transaction commits only when the operation ends without any error: an error
anywhere (a bug, the database gone, a timeout, a bad argument in the payload's
selection) rolls everything back and the answer is those errors with ``data: null``,
so an answer with data and no errors means committed, and one with errors means
nothing was written (the client may retry; creates with their idempotency key). A
commit that fails answers ``DATABASE_UNAVAILABLE``. A refused write (``userErrors``)
wrote nothing to undo. Before COMMIT or ROLLBACK the engine waits for the statement
in flight and refuses any later one (:meth:`TribeEngine.end_transaction`): a field
still running cannot slip a statement into this transaction's end or into the next
request's transaction on the same pooled connection. The server never retries a
write on its own.

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
from tribe_service.graphql.errors import DatabaseUnavailableError
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
        try:
            await transaction.__aenter__()
        except Exception as error:
            # No transaction, nothing run: the clear error, not the driver's words.
            if not is_database_unavailable(error):
                raise
            context.result = _unavailable()  # a result set here skips execution
            yield
            return
        try:
            yield
        except BaseException as error:
            await engine.end_transaction(transaction)
            await transaction.__aexit__(type(error), error, error.__traceback__)
            raise
        errors = list(getattr(context.result, "errors", None) or [])
        committing = not errors
        try:
            await engine.end_transaction(transaction)  # no statement in flight, none after
            if not committing:
                await transaction.rollback()
            await transaction.__aexit__(None, None, None)  # commits unless rolled back
        except Exception as error:
            if not is_database_unavailable(error):
                raise
            _answer_nothing_written(context.result, [_unavailable_error()])
            return
        if committing:
            await _remember_write_position(context.context)
        else:  # nothing was written: no payload may say otherwise
            _answer_nothing_written(context.result, errors)


def _unavailable_error() -> GraphQLError:
    unavailable = DatabaseUnavailableError()
    return GraphQLError(str(unavailable), extensions={"code": unavailable.code})


def _unavailable() -> ExecutionResult:
    """The result of an operation the database's outage stopped (nothing was written)."""
    return ExecutionResult(None, [_unavailable_error()])


def _answer_nothing_written(result: Any, errors: list[GraphQLError]) -> None:
    """Make the operation's answer ``errors`` and no data.

    In place: Strawberry returns the result object execution produced, whatever
    ``execution_context.result`` is set to after it (a new object would be ignored,
    and the client would get the payload of a write that was never committed).
    """
    result.data = None
    result.errors = errors


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
