"""``viewer``: the signed-in builder (null when signed out), GitHub's convention made nullable."""

from __future__ import annotations

import strawberry

from tribe_service.data_access.pages import ROOT_ALIAS, lookup_statement
from tribe_service.data_access.shapes import USER
from tribe_service.graphql.context import Info
from tribe_service.graphql.declarations import Viewer, declare
from tribe_service.graphql.resolvers import from_row
from tribe_service.graphql.types.user import UserType

VIEWER = Viewer(USER, column="id")
USER_BY_ID = lookup_statement(USER, VIEWER.column, USER.select_list(ROOT_ALIAS))


@strawberry.type
class ViewerQuery:
    """The signed-in builder."""

    @strawberry.field(
        description="The signed-in builder (their `email` and `sessions` included); "
        "null when signed out.",
        metadata=declare(VIEWER),
    )
    async def viewer(self, info: Info) -> UserType | None:
        """The builder of the request's session (``Context.current_user_id``)."""
        user_id = info.context.current_user_id
        if user_id is None:
            return None
        records = await info.context.engine.fetch(USER_BY_ID, user_id)
        return from_row(UserType, USER.row(records[0])) if records else None
