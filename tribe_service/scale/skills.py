"""The skill catalogue of the scale data set, and its ``skills`` records.

The names are the spec's (:data:`.vocabulary.SKILLS`) and the slugs follow the
seed taxonomy's rule, so a database seeded with ``just seed`` already holds
most of them and the loader reuses those rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tribe_service.enums import SkillCategory
from tribe_service.scale.records import SKILLS, Record
from tribe_service.scale.streams import SPAN_MS, IdMaker, stream, to_milliseconds
from tribe_service.scale.vocabulary import SKILLS as SKILL_NAMES
from tribe_service.seed.skills import slugify as skill_slug


@dataclass(frozen=True, slots=True)
class SkillSpec:
    """A skill of the catalogue (inserted if the database lacks it)."""

    name: str
    slug: str
    category: SkillCategory


def skill_catalogue() -> list[SkillSpec]:
    """Every skill the scale data uses, in a stable order."""
    return [
        SkillSpec(name=name, slug=skill_slug(name), category=category)
        for category, names in SKILL_NAMES.items()
        for name in names
    ]


def names_by_category() -> dict[SkillCategory, list[str]]:
    """The catalogue's skill names per category, in catalogue order."""
    names: dict[SkillCategory, list[str]] = {}
    for skill in skill_catalogue():
        names.setdefault(skill.category, []).append(skill.name)
    return names


def skill_rows(seed: int, until: datetime) -> list[Record]:
    """The ``skills`` records of the catalogue (ids deterministic, like every id here)."""
    ids = IdMaker(stream(seed, "skills"))
    start = to_milliseconds(until) - SPAN_MS
    return [
        SKILLS.record(
            id=ids.at(start), name=skill.name, slug=skill.slug, category=skill.category.value
        )
        for skill in skill_catalogue()
    ]
