"""Root field for the skill taxonomy."""

from __future__ import annotations

from typing import Any

import strawberry

from tribe_service.graphql.loaders import SKILL_COLUMNS, asc, select_rows
from tribe_service.graphql.types.enums import SkillCategory
from tribe_service.graphql.types.skill import SkillType
from tribe_service.tables import Skill


@strawberry.type
class SkillQuery:
    """The skill taxonomy."""

    @strawberry.field(description="Skills by category, then name; optionally one category.")
    async def skills(self, category: SkillCategory | None = None) -> list[SkillType] | None:
        """The whole taxonomy (it is small), or one category of it."""
        where: list[Any] = [] if category is None else [Skill.category == category.value]
        rows = await select_rows(
            Skill, SKILL_COLUMNS, *where, order_by=[asc(Skill.category), asc(Skill.name)]
        )
        return [SkillType.from_row(row) for row in rows]
