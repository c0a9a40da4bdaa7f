"""A mutation operation runs in one transaction on the primary, its payload read inside it.

The writes and the reads of their payloads share the transaction's connection
(:meth:`TribeEngine._connection` hands it to raw SQL, Piccolo does the same for its
queries), so a payload shows exactly what was written, replicas or not. The
transaction commits when the operation ends without an unexpected error; an
unexpected error (a bug, the database gone) rolls everything back, so a client never
gets half an operation, and a commit that fails answers ``DATABASE_UNAVAILABLE``
instead of the payload (nothing was written). A refused write (``userErrors``) wrote
nothing to undo. The server never retries a write on its own.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from graphql import ExecutionResult, GraphQLError
from strawberry.extensions.base_extension import SchemaExtension
from strawberry.types.graphql import OperationType

from tribe_service.database_errors import is_database_unavailable
from tribe_service.graphql.errors import DatabaseUnavailableError, is_unexpected


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
            await transaction.__aexit__(type(error), error, error.__traceback__)
            raise
        errors = getattr(context.result, "errors", None) or []
        try:
            if any(is_unexpected(error) for error in errors):
                await transaction.rollback()
            await transaction.__aexit__(None, None, None)  # commits unless rolled back
        except Exception as error:
            if not is_database_unavailable(error):
                raise
            context.result = _unavailable()


def _unavailable() -> ExecutionResult:
    """The result of an operation the database's outage stopped (nothing was written)."""
    unavailable = DatabaseUnavailableError()
    return ExecutionResult(
        None, [GraphQLError(str(unavailable), extensions={"code": unavailable.code})]
    )
