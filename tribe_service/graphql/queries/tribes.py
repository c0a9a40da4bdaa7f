"""Root fields for tribes: ``tribe(id)`` and the ``tribes`` list."""

from __future__ import annotations

from typing import Any

import strawberry

from tribe_service.graphql.context import Info
from tribe_service.graphql.loaders import TRIBE_COLUMNS, Relation
from tribe_service.graphql.pagination import DEFAULT_PAGE_SIZE, Connection
from tribe_service.graphql.queries.newest_first import newest_first_connection
from tribe_service.graphql.types.enums import TribeStatus
from tribe_service.graphql.types.tribe import TribeType
from tribe_service.tables import Tribe

CURSOR_KIND = "tribes"


@strawberry.type
class TribeQuery:
    """Tribes."""

    @strawberry.field(description="The tribe with this id, if any.")
    async def tribe(self, info: Info, id: strawberry.ID) -> TribeType | None:
        """One tribe by id."""
        row = await info.context.loaders.tribes(Relation.QUERY_TRIBE).load(str(id))
        return TribeType.from_row(row) if row else None

    @strawberry.field(description="Tribes, newest first.")
    async def tribes(
        self,
        first: int = DEFAULT_PAGE_SIZE,
        after: str | None = None,
        status: TribeStatus | None = None,
    ) -> Connection[TribeType] | None:
        """A page of tribes, optionally filtered by status."""
        where: list[Any] = [] if status is None else [Tribe.status == status.value]
        return await newest_first_connection(
            Tribe,
            TRIBE_COLUMNS,
            *where,
            first=first,
            after=after,
            kind=CURSOR_KIND,
            to_node=TribeType.from_row,
        )
