"""Root field for the skill taxonomy."""

from __future__ import annotations

import strawberry

from tribe_service.data_access import pages
from tribe_service.graphql.context import Info
from tribe_service.graphql.declarations import ListedAtRoot, declare
from tribe_service.graphql.resolvers import root_list
from tribe_service.graphql.types.enums import SkillCategory
from tribe_service.graphql.types.skill import SkillType

# The taxonomy is a fixed vocabulary: it counts as 200 in the cost estimate.
SKILLS = ListedAtRoot(pages.SKILLS, filters={"category": "category"}, list_size=200)


@strawberry.type
class SkillQuery:
    """The skill taxonomy."""

    @strawberry.field(
        description="Skills by category, then name; optionally one category.",
        metadata=declare(SKILLS),
    )
    async def skills(
        self, info: Info, category: SkillCategory | None = None
    ) -> list[SkillType] | None:
        """The whole taxonomy (it is small), or one category of it."""
        return await root_list(info, SKILLS, SkillType, {"category": category})
