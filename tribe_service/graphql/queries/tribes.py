"""Root fields for tribes: ``tribe(id)`` and the ``tribes`` list."""

from __future__ import annotations

from typing import Any

import strawberry

from tribe_service.graphql.context import Context
from tribe_service.graphql.loaders import TRIBE_COLUMNS
from tribe_service.graphql.pagination import DEFAULT_PAGE_SIZE, Connection
from tribe_service.graphql.queries.newest_first import newest_first_key, newest_first_page
from tribe_service.graphql.types.enums import TribeStatus
from tribe_service.graphql.types.tribe import TribeType
from tribe_service.tables import Tribe

Info = strawberry.Info[Context, None]
CURSOR_KIND = "tribes"


@strawberry.type
class TribeQuery:
    """Tribes."""

    @strawberry.field(description="The tribe with this id, if any.")
    async def tribe(self, info: Info, id: strawberry.ID) -> TribeType | None:
        """One tribe by id."""
        row = await info.context.loaders.tribes("query.tribe").load(str(id))
        return TribeType.from_row(row) if row else None

    @strawberry.field(description="Tribes, newest first.")
    async def tribes(
        self,
        first: int = DEFAULT_PAGE_SIZE,
        after: str | None = None,
        status: TribeStatus | None = None,
    ) -> Connection[TribeType]:
        """A page of tribes, optionally filtered by status."""
        where: list[Any] = [] if status is None else [Tribe.status == status.value]
        rows = await newest_first_page(
            Tribe, TRIBE_COLUMNS, *where, first=first, after=after, kind=CURSOR_KIND
        )
        return Connection[TribeType].from_rows(
            rows, first, CURSOR_KIND, newest_first_key, TribeType.from_row
        )
