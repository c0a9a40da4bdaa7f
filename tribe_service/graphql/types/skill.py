"""GraphQL type for the ``skills`` table."""

from __future__ import annotations

import strawberry

from tribe_service.data_access.shapes import SKILL
from tribe_service.graphql.declarations import row_type
from tribe_service.graphql.types.enums import SkillCategory


@row_type(SKILL)
@strawberry.type(name="Skill", description="A skill from the taxonomy.")
class SkillType:
    """A row of ``skills``."""

    id: strawberry.ID
    name: str
    slug: str
    category: SkillCategory
