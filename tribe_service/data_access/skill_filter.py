"""The builders list's ``skills`` filter: builders holding every one of some skills."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

# ``users`` rows (alias ``{t}``) holding every one of the skill terms in parameter ``{0}``
# (a text[] from :func:`skill_terms`); the builders list's ``skills`` filter.
HOLDING_ALL_SKILLS_SQL: Final = """{t}.id IN (
            SELECT us.user_id
            FROM unnest({0}::text[]) WITH ORDINALITY AS term(text, n)
            JOIN skills s ON lower(s.name) = term.text OR lower(s.slug) = term.text
            JOIN user_skills us ON us.skill_id = s.id
            GROUP BY us.user_id
            HAVING count(DISTINCT term.n) = cardinality({0}::text[])
        )"""


def skill_terms(skills: Sequence[str] | None) -> list[str] | None:
    """The distinct lower-cased skill names or slugs to match (None: no skills filter)."""
    if not skills:
        return None
    return sorted({skill.strip().lower() for skill in skills})
