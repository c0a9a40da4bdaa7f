"""Root fields for builders: ``user(username)`` and the ``builders`` list."""

from __future__ import annotations

from typing import Annotated

import strawberry

from tribe_service.data_access import pages
from tribe_service.data_access.shapes import USER
from tribe_service.graphql.context import Info
from tribe_service.graphql.declarations import ListedAtRoot, LookedUp, declare
from tribe_service.graphql.pagination import Connection
from tribe_service.graphql.paging import DEFAULT_PAGE_SIZE
from tribe_service.graphql.resolvers import root_lookup, root_page
from tribe_service.graphql.types.enums import AvailabilityStatus, UserRole
from tribe_service.graphql.types.user import UserType

USER_BY_USERNAME = LookedUp(USER, argument="username", column="username")


BUILDERS = ListedAtRoot(
    pages.BUILDERS,
    filters={"role": "primary_role", "availability": "availability_status", "skills": "skills"},
)


@strawberry.type
class UserQuery:
    """Builders."""

    @strawberry.field(
        description="The builder with this username, if any.",
        metadata=declare(USER_BY_USERNAME),
    )
    async def user(self, info: Info, username: str) -> UserType | None:
        """One builder by username."""
        return await root_lookup(info, USER_BY_USERNAME, UserType, username)

    @strawberry.field(
        description="Builders by builder score, highest first, then id.",
        metadata=declare(BUILDERS),
    )
    async def builders(
        self,
        info: Info,
        first: int = DEFAULT_PAGE_SIZE,
        after: str | None = None,
        role: UserRole | None = None,
        availability: AvailabilityStatus | None = None,
        skills: Annotated[
            list[str] | None,
            strawberry.argument(
                description="Only builders holding every one of these skills (names or "
                "slugs, any case)."
            ),
        ] = None,
    ) -> Connection[UserType] | None:
        """A page of builders, optionally filtered by role, availability and skills."""
        filters = {"role": role, "availability": availability, "skills": skills}
        return await root_page(info, BUILDERS, UserType, first, after, filters)
