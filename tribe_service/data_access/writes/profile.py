"""Writes to a builder's own row and skills: profile, skills, onboarding."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import asyncpg

from tribe_service.authorization import Refusal
from tribe_service.data_access.writes.outcome import Written, report, written
from tribe_service.data_access.writes.statement import Parameters
from tribe_service.ids import ulid_at

EDITABLE_COLUMNS = (
    "display_name",
    "headline",
    "bio",
    "primary_role",
    "timezone",
    "availability_status",
    "contact_links",
    "avatar_url",
)
MAX_SKILLS = 20


async def update_profile(
    connection: asyncpg.Connection,
    viewer: str,
    values: Mapping[str, Any],
    *,
    expected_updated_at: datetime | None,
    moment: datetime,
) -> Written:
    """The viewer's own edit, ``STALE`` if the row changed since ``expected_updated_at``."""
    unknown = set(values) - set(EDITABLE_COLUMNS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    p = Parameters()
    me = p(viewer)
    assignments = "".join(f", {column} = {p(value)}" for column, value in values.items())
    fresh = "TRUE" if expected_updated_at is None else f"updated_at = {p(expected_updated_at)}"
    sql = (
        f"WITH changed AS (UPDATE users SET updated_at = {p(moment)}{assignments}"
        f" WHERE id = {me} AND {fresh} RETURNING id)"
        + report(
            "changed",
            (f"NOT EXISTS (SELECT 1 FROM users WHERE id = {me})", Refusal.NOT_FOUND),
            ("TRUE", Refusal.STALE),
        )
    )
    return written(await connection.fetchrow(sql, *p.values))


async def set_skills(
    connection: asyncpg.Connection, viewer: str, skills: Sequence[str], *, moment: datetime
) -> Written:
    """The viewer's whole skill list, by skill id or slug, in the order given.

    Kept skills keep their place; new ones follow in the given order (``added_at``
    a microsecond apart). An unknown skill changes nothing (``NOT_FOUND``).
    """
    p = Parameters()
    me, wanted = p(viewer), p(list(skills))
    times = p([moment + timedelta(microseconds=i) for i in range(len(skills))])
    ids = p([ulid_at(moment) for _ in skills])
    known = f"(SELECT count(DISTINCT id) FROM wanted) = cardinality({wanted}::text[])"
    sql = (
        "WITH wanted AS (SELECT s.id, w.position FROM unnest("
        f"{wanted}::text[]) WITH ORDINALITY AS w(ref, position)"
        " JOIN skills s ON s.id = w.ref OR s.slug = w.ref),"
        f" me AS (UPDATE users SET updated_at = {p(moment)} WHERE id = {me} AND {known}"
        " RETURNING id),"
        " dropped AS (DELETE FROM user_skills WHERE user_id IN (SELECT id FROM me)"
        " AND skill_id NOT IN (SELECT id FROM wanted)),"
        " added AS (INSERT INTO user_skills (id, user_id, skill_id, added_at)"
        f" SELECT ({ids}::text[])[w.position], me.id, w.id, ({times}::timestamptz[])[w.position]"
        " FROM wanted w, me ON CONFLICT (user_id, skill_id) DO NOTHING)"
        + report(
            "me",
            (f"NOT EXISTS (SELECT 1 FROM users WHERE id = {me})", Refusal.NOT_FOUND),
            ("TRUE", Refusal.NOT_FOUND),  # a skill that does not exist
        )
    )
    return written(await connection.fetchrow(sql, *p.values))


async def complete_onboarding(
    connection: asyncpg.Connection, viewer: str, *, moment: datetime
) -> Written:
    """The viewer has finished onboarding (again is fine)."""
    p = Parameters()
    me = p(viewer)
    sql = (
        f"WITH changed AS (UPDATE users SET onboarding_completed = TRUE, updated_at = {p(moment)}"
        f" WHERE id = {me} RETURNING id)" + report("changed", ("TRUE", Refusal.NOT_FOUND))
    )
    return written(await connection.fetchrow(sql, *p.values))
