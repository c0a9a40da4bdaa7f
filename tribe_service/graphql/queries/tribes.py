"""Root fields for tribes: ``tribe(id)`` and the ``tribes`` list."""

from __future__ import annotations

import strawberry

from tribe_service.data_access import pages
from tribe_service.data_access.relations import Relation
from tribe_service.data_access.shapes import TRIBE
from tribe_service.graphql.context import Info
from tribe_service.graphql.declarations import ListedAtRoot, LookedUp, declare
from tribe_service.graphql.pagination import Connection
from tribe_service.graphql.paging import DEFAULT_PAGE_SIZE
from tribe_service.graphql.resolvers import root_lookup, root_page
from tribe_service.graphql.types.enums import TribeStatus
from tribe_service.graphql.types.tribe import TribeType

TRIBE_BY_ID = LookedUp(TRIBE, argument="id", column="id", batch=Relation.QUERY_TRIBE)
TRIBES = ListedAtRoot(pages.TRIBES, filters={"status": "status"})


@strawberry.type
class TribeQuery:
    """Tribes."""

    @strawberry.field(
        description="The tribe with this id, if any.",
        metadata=declare(TRIBE_BY_ID),
    )
    async def tribe(self, info: Info, id: strawberry.ID) -> TribeType | None:
        """One tribe by id."""
        return await root_lookup(info, TRIBE_BY_ID, TribeType, str(id))

    @strawberry.field(
        description="Tribes, newest first.",
        metadata=declare(TRIBES),
    )
    async def tribes(
        self,
        info: Info,
        first: int = DEFAULT_PAGE_SIZE,
        after: str | None = None,
        status: TribeStatus | None = None,
    ) -> Connection[TribeType] | None:
        """A page of tribes, optionally filtered by status."""
        return await root_page(info, TRIBES, TribeType, first, after, {"status": status})
