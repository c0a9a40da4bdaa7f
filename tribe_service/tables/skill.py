"""The skill taxonomy."""

from __future__ import annotations

from piccolo.columns import Varchar
from piccolo.table import Table

from tribe_service.enums import SkillCategory
from tribe_service.tables.mixins import ULIDPrimaryKey, enum_check, enum_column


class Skill(ULIDPrimaryKey, Table, tablename="skills"):
    """A skill a builder can have or a tribe can need (unique name and slug)."""

    name = Varchar(length=100, unique=True, default=None)
    slug = Varchar(length=100, unique=True, default=None)
    category = enum_column(SkillCategory)

    category_allowed = enum_check("category", SkillCategory)
