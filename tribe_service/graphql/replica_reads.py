"""Queries read from the replicas; any other operation (mutations) from the primary.

A signed-in builder who wrote recently reads only from a replica that has replayed
their last write, else from the primary (:mod:`tribe_service.read_your_writes`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractContextManager
from typing import Any

from strawberry.extensions.base_extension import SchemaExtension
from strawberry.types.graphql import OperationType

from tribe_service.engine import TribeEngine


class ReadFromReplicas(SchemaExtension):
    """Run a query operation inside ``engine.reading()`` (see :class:`TribeEngine`).

    Any replica within ``REPLICA_MAX_LAG_MS`` may answer a query, except that the
    viewer's own recent write must be there. The engine falls back to the primary
    by itself.
    """

    async def on_execute(self) -> AsyncIterator[None]:
        """Route the statements of the execution phase when the operation is a query."""
        context = self.execution_context
        # No engine: the schema runs outside the app (Schema.execute without a context).
        engine = getattr(context.context, "engine", None)
        if engine is None or context.operation_type is not OperationType.QUERY:
            yield
            return
        with await query_reads(context.context):
            yield


async def query_reads(request: Any) -> AbstractContextManager[None]:
    """Where a query's statements go for the request's viewer: ``engine.reading()``.

    Also used for a repeated query answered from its plan directly
    (:mod:`tribe_service.graphql.prepared`).
    """
    engine: TribeEngine = request.engine
    return engine.reading(after_lsn=await _viewers_last_write(request))


async def _viewers_last_write(request: Any) -> int | None:
    """The WAL position the viewer's reads must see (None: any replica will do)."""
    positions = getattr(request, "write_positions", None)
    if positions is None or not request.engine.extra_nodes:
        return None
    position: int | None = await positions.since(request.current_user_id)
    return position
