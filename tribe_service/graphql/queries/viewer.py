"""``viewer``: the signed-in builder (null when signed out), GitHub's convention made nullable."""

from __future__ import annotations

import strawberry

from tribe_service.data_access.pages import ROOT_ALIAS, lookup_statement
from tribe_service.data_access.shapes import USER
from tribe_service.graphql.context import Info
from tribe_service.graphql.types.user import UserType

USER_BY_ID = lookup_statement(USER, "id", USER.select_list(ROOT_ALIAS))


@strawberry.type
class ViewerQuery:
    """The signed-in builder."""

    @strawberry.field(
        description="The signed-in builder (their `email` and `sessions` included); "
        "null when signed out."
    )
    async def viewer(self, info: Info) -> UserType | None:
        """The builder of the request's session (``Context.current_user_id``)."""
        user_id = info.context.current_user_id
        if user_id is None:
            return None
        records = await info.context.engine.fetch(USER_BY_ID, user_id)
        return UserType.from_row(USER.row(records[0])) if records else None
