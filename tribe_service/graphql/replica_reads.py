"""Queries read from the replicas; any other operation (mutations, later) from the primary."""

from __future__ import annotations

from collections.abc import Iterator

from strawberry.extensions.base_extension import SchemaExtension
from strawberry.types.graphql import OperationType


class ReadFromReplicas(SchemaExtension):
    """Run a query operation inside ``engine.reading()`` (see :class:`TribeEngine`).

    A query only reads and needs no read-your-writes, so any replica within
    ``REPLICA_MAX_LAG_MS`` may answer it. The engine falls back to the primary by itself.
    """

    def on_execute(self) -> Iterator[None]:
        """Route the statements of the execution phase when the operation is a query."""
        context = self.execution_context
        # No engine: the schema runs outside the app (Schema.execute without a context).
        engine = getattr(context.context, "engine", None)
        if engine is None or context.operation_type is not OperationType.QUERY:
            yield
            return
        with engine.reading():
            yield
