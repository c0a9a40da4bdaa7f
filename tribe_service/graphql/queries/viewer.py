"""``viewer``: the signed-in builder (null when signed out), GitHub's convention made nullable."""

from __future__ import annotations

import strawberry

from tribe_service.data_access.relations import Relation
from tribe_service.data_access.shapes import USER
from tribe_service.graphql.context import Info
from tribe_service.graphql.declarations import Viewed, declare
from tribe_service.graphql.resolvers import from_row
from tribe_service.graphql.types.user import UserType


@strawberry.type
class ViewerQuery:
    """The signed-in builder."""

    @strawberry.field(
        description="The signed-in builder (their `email` and `sessions` included); "
        "null when signed out.",
        metadata=declare(Viewed(USER, column="id")),
    )
    async def viewer(self, info: Info) -> UserType | None:
        """The builder of the request's session (``Context.current_user_id``)."""
        user_id = info.context.current_user_id
        if user_id is None:
            return None
        row = await info.context.loaders.rows(USER, Relation.QUERY_VIEWER).load(user_id)
        return from_row(UserType, row) if row else None
