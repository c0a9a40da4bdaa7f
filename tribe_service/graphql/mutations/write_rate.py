"""Each signed-in builder's writes a minute (``WRITE_RATE_PER_MINUTE``, README "Limits").

Every mutation operation that reaches execution spends one write of its builder's
budget (a token bucket in the app's store, :class:`~tribe_service.rate_limit.PointsBudget`,
shared through Redis with ``REDIS_URL``), whether or not it ends in ``userErrors``: the
statement ran either way. A builder whose writes are spent gets a top-level
``RATE_LIMITED`` error, HTTP 429 with ``Retry-After``, and nothing is written. A
mutation refused before it runs (a limit, a signed-out request) spends none. This
budget comes on top of the points every operation spends (``RATE_LIMIT_POINTS_PER_MINUTE``,
where a mutation costs what :mod:`.write_cost` declares).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from graphql import ExecutionResult, GraphQLError
from strawberry.extensions.base_extension import SchemaExtension
from strawberry.types.graphql import OperationType

from tribe_service.graphql.errors import RATE_LIMITED
from tribe_service.rate_limit import Spending


def write_rate_limited_error(spending: Spending) -> GraphQLError:
    """The error of a mutation refused because its builder's writes are spent."""
    return GraphQLError(
        f"Too many writes: this builder may run {spending.limit} mutations a minute;"
        f" retry in {spending.retry_after} s.",
        extensions={"code": RATE_LIMITED, "retryAfter": spending.retry_after},
    )


class WriteRateLimit(SchemaExtension):
    """Refuses a mutation operation when its builder's writes for the minute are spent."""

    async def on_execute(self) -> AsyncIterator[None]:
        """Spend one write before execution; a refusal skips it (``result`` is set)."""
        context = self.execution_context
        spend_write = getattr(context.context, "spend_write", None)
        if (
            spend_write is not None
            and context.operation_type is OperationType.MUTATION
            and context.result is None  # not refused already (cost, budget)
        ):
            refused = await spend_write()
            if refused is not None:
                context.result = ExecutionResult(None, [write_rate_limited_error(refused)])
        yield
