"""Open roles' candidates: builders holding the skills a role needs, best first.

Every function takes *many* roles and answers them in one statement (``= ANY`` and
``LATERAL``), so a page of twenty roles' candidates costs what one does.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from tribe_service.data_access.raw import Row, fetch_rows
from tribe_service.engine import TribeEngine
from tribe_service.enums import AvailabilityStatus, MemberStatus

# Candidates: builders who are looking rank first.
AVAILABILITY_ORDER: Final = (
    AvailabilityStatus.OPEN_TO_TRIBE,
    AvailabilityStatus.AVAILABLE_FOR_PROJECTS,
    AvailabilityStatus.JUST_BROWSING,
)

_AVAILABILITY_RANK = (
    "CASE u.availability_status "
    + " ".join(
        f"WHEN '{status.value}' THEN {rank}" for rank, status in enumerate(AVAILABILITY_ORDER)
    )
    + f" ELSE {len(AVAILABILITY_ORDER)} END"
)

# Each role's needed skills become an array of skill ids first (in the role's order), so
# the per-role part is an index lookup of user_skills by skill id, not a join the planner
# has to guess the size of (it assumes 100 elements for any JSON array). ``{where}``
# chooses the roles.
_ROLES_SQL: Final = """
    SELECT r.id AS role_id, r.tribe_id, tr.owner_id,
           ARRAY(
               SELECT s.id
               FROM jsonb_array_elements_text(r.skills_needed) WITH ORDINALITY AS wanted(name, position)
               JOIN skills s ON lower(s.name) = lower(wanted.name) OR lower(s.slug) = lower(wanted.name)
               GROUP BY s.id
               ORDER BY min(wanted.position)
           )::varchar[] AS skill_ids
    FROM tribe_open_roles r JOIN tribes tr ON tr.id = r.tribe_id
    WHERE {where}
"""
# One role's (``roles``) candidates, best first, ``{limit}`` of them.
_CANDIDATES_OF_ROLE_SQL: Final = f"""
    SELECT held.user_id, held.skill_ids, held.matches,
           {_AVAILABILITY_RANK} AS availability,
           u.builder_score
    FROM (
        SELECT us.user_id, count(*) AS matches,
               array_agg(us.skill_id ORDER BY array_position(roles.skill_ids, us.skill_id))
                   AS skill_ids
        FROM user_skills us
        WHERE us.skill_id = ANY(roles.skill_ids) AND us.user_id <> roles.owner_id
        GROUP BY us.user_id
    ) held
    -- OFFSET 0 keeps this a lookup by primary key per holder: flattened into a join, the
    -- planner hashes all of users (it cannot know how few hold the role's skills).
    CROSS JOIN LATERAL (
        SELECT availability_status, builder_score FROM users WHERE id = held.user_id OFFSET 0
    ) u
    WHERE NOT EXISTS (
        SELECT 1 FROM tribe_members m
        WHERE m.tribe_id = roles.tribe_id AND m.user_id = held.user_id
          AND m.status = '{MemberStatus.ACTIVE.value}'
    )
    ORDER BY held.matches DESC, availability, u.builder_score DESC, held.user_id
    LIMIT {{limit}}
"""
_CANDIDATE_ORDER: Final = "{c}.matches DESC, {c}.availability, {c}.builder_score DESC, {c}.user_id"

CANDIDATES_SQL: Final = f"""
WITH roles AS MATERIALIZED ({_ROLES_SQL.format(where="r.id = ANY({})")})
SELECT roles.role_id, c.user_id, c.skill_ids, c.matches, c.availability, c.builder_score
FROM roles CROSS JOIN LATERAL ({_CANDIDATES_OF_ROLE_SQL.format(limit="{}")}) c
ORDER BY roles.role_id, {_CANDIDATE_ORDER.format(c="c")}
"""


def candidates_correlated(select: str, t: str, parent: str, limit: str) -> str:
    """The candidates of the open role ``parent`` (an alias of the enclosing statement).

    Selects ``select`` over alias ``t`` (columns ``user_id``, ``skill_ids``, ...), in
    :func:`open_role_candidates`'s order, ``limit`` (a placeholder) of them: the
    compiled executor's form of the same query.
    """
    roles = _ROLES_SQL.format(where=f"r.id = {parent}.id")
    return (
        f"SELECT {select} FROM ({roles} OFFSET 0) roles"
        f" CROSS JOIN LATERAL ({_CANDIDATES_OF_ROLE_SQL.format(limit=limit)}) {t}"
        f" ORDER BY {_CANDIDATE_ORDER.format(c=t)}"
    )


async def open_role_candidates(
    engine: TribeEngine, role_ids: Sequence[str], limit: int
) -> list[Row]:
    """Per role (``role_id``), up to ``limit`` candidates ``{user_id, skill_ids, matches}``.

    A candidate holds at least one of the role's ``skills_needed`` (by name or slug,
    any case) and is neither the tribe's owner nor an active member; ranked by
    skills held, availability (open to a tribe first), builder score, then id.
    ``skill_ids`` are the matched skills in the role's order.
    """
    return await fetch_rows(engine, CANDIDATES_SQL, list(role_ids), limit)
