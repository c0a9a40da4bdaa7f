"""Root field for the skill taxonomy."""

from __future__ import annotations

import strawberry

from tribe_service.data_access import pages
from tribe_service.data_access.pages import ROOT_ALIAS
from tribe_service.graphql.context import Info
from tribe_service.graphql.declarations import ListedAtRoot, declare
from tribe_service.graphql.pagination import enum_filters
from tribe_service.graphql.resolvers import from_row
from tribe_service.graphql.types.enums import SkillCategory
from tribe_service.graphql.types.skill import SkillType


@strawberry.type
class SkillQuery:
    """The skill taxonomy."""

    @strawberry.field(
        description="Skills by category, then name; optionally one category.",
        # the taxonomy is a fixed vocabulary: it counts as 200 in the cost estimate
        metadata=declare(
            ListedAtRoot(pages.SKILLS, filters={"category": "category"}, list_size=200)
        ),
    )
    async def skills(
        self, info: Info, category: SkillCategory | None = None
    ) -> list[SkillType] | None:
        """The whole taxonomy (it is small), or one category of it."""
        order = pages.SKILLS
        select = order.shape.select_list(ROOT_ALIAS)
        sql, args = order.statement(select, enum_filters(category=category), None, None)
        records = await info.context.engine.fetch(sql, *args)
        return [from_row(SkillType, dict(record)) for record in records]
