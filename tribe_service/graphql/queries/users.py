"""Root fields for builders: ``user(username)`` and the ``builders`` list."""

from __future__ import annotations

import strawberry

from tribe_service.data_access import pages
from tribe_service.data_access.pages import ROOT_ALIAS
from tribe_service.graphql.context import Info
from tribe_service.graphql.pagination import (
    DEFAULT_PAGE_SIZE,
    Connection,
    enum_filters,
    fetch_page,
)
from tribe_service.graphql.types.enums import AvailabilityStatus, UserRole
from tribe_service.graphql.types.user import UserType


@strawberry.type
class UserQuery:
    """Builders."""

    @strawberry.field(description="The builder with this username, if any.")
    async def user(self, info: Info, username: str) -> UserType | None:
        """One builder by username."""
        order = pages.USER_BY_USERNAME
        sql, args = order.statement(
            order.shape.select_list(ROOT_ALIAS), {"username": username}, None, None
        )
        records = await info.context.engine.fetch(sql, *args)
        return UserType.from_row(order.shape.row(records[0])) if records else None

    @strawberry.field(description="Builders by builder score, highest first, then id.")
    async def builders(
        self,
        info: Info,
        first: int = DEFAULT_PAGE_SIZE,
        after: str | None = None,
        role: UserRole | None = None,
        availability: AvailabilityStatus | None = None,
    ) -> Connection[UserType]:
        """A page of builders, optionally filtered by role and availability."""
        filters = enum_filters(primary_role=role, availability_status=availability)
        rows = await fetch_page(info.context.engine, pages.BUILDERS, first, after, filters)
        return Connection[UserType].from_rows(rows, first, pages.BUILDERS, UserType.from_row)
