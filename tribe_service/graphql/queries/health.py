"""``{ health }``: is the API up and can it reach its database?"""

from __future__ import annotations

import strawberry

from tribe_service.graphql.context import Info
from tribe_service.graphql.declarations import Probe, declare


@strawberry.type
class HealthQuery:
    """Liveness of the API and its database."""

    @strawberry.field(
        description='"ok" when the database answers `SELECT 1`.', metadata=declare(Probe())
    )
    async def health(self, info: Info) -> str | None:
        """Run ``SELECT 1`` through the pool; a dead database is a clear GraphQL error."""
        await info.context.engine.ping()
        return "ok"
