"""Root fields for builders: ``user(username)`` and the ``builders`` list."""

from __future__ import annotations

from functools import partial
from typing import Any

import strawberry
from piccolo.columns.combination import WhereRaw

from tribe_service.graphql.loaders import USER_COLUMNS, asc, count_rows, desc, select_rows
from tribe_service.graphql.pagination import (
    DEFAULT_PAGE_SIZE,
    Connection,
    check_page_size,
    decode_cursor,
)
from tribe_service.graphql.types.enums import AvailabilityStatus, UserRole
from tribe_service.graphql.types.user import UserType
from tribe_service.tables import User

CURSOR_KIND = "builders"


@strawberry.type
class UserQuery:
    """Builders."""

    @strawberry.field(description="The builder with this username, if any.")
    async def user(self, username: str) -> UserType | None:
        """One builder by username."""
        rows = await select_rows(User, USER_COLUMNS, User.username == username)
        if not rows:
            return None
        return UserType.from_row(rows[0])

    @strawberry.field(description="Builders by builder score, highest first, then id.")
    async def builders(
        self,
        first: int = DEFAULT_PAGE_SIZE,
        after: str | None = None,
        role: UserRole | None = None,
        availability: AvailabilityStatus | None = None,
    ) -> Connection[UserType] | None:
        """A page of builders, optionally filtered by role and availability."""
        check_page_size(first)
        where: list[Any] = []
        if role is not None:
            where.append(User.primary_role == role.value)
        if availability is not None:
            where.append(User.availability_status == availability.value)
        filters = list(where)
        if after is not None:
            score, user_id = decode_cursor(after, CURSOR_KIND, (float, str))
            # `score <=` bounds the index range; the rest breaks ties on id.
            where.append(
                WhereRaw(
                    "builder_score <= {} AND (builder_score < {} OR id > {})", score, score, user_id
                )
            )
        rows = await select_rows(
            User,
            USER_COLUMNS,
            *where,
            order_by=[desc(User.builder_score), asc(User.id)],
            limit=first + 1,
        )
        return Connection[UserType].from_rows(
            rows,
            first,
            CURSOR_KIND,
            sort_key=lambda row: (row["builder_score"], row["id"]),
            to_node=UserType.from_row,
            count_all=partial(count_rows, User, *filters),
        )
