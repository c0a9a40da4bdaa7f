"""Writes to ``tribe_open_roles``: the tribe's owner adds, edits, fills and closes roles."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import asyncpg

from tribe_service.authorization import Refusal
from tribe_service.data_access.writes.outcome import Written, report, written
from tribe_service.data_access.writes.statement import Parameters
from tribe_service.ids import ulid_at

EDITABLE_COLUMNS = ("title", "skills_needed")
OWNED_BY = "EXISTS (SELECT 1 FROM tribes WHERE tribes.id = tribe_open_roles.tribe_id AND owner_id = {viewer})"


def _role(ident: str) -> str:
    return (
        "role AS (SELECT r.id, r.filled, t.owner_id FROM tribe_open_roles r"
        f" JOIN tribes t ON t.id = r.tribe_id WHERE r.id = {ident})"
    )


def _owner_refusals(owner: str) -> tuple[tuple[str, Refusal], ...]:
    return (
        ("NOT EXISTS (SELECT 1 FROM role)", Refusal.NOT_FOUND),
        (f"(SELECT owner_id FROM role) <> {owner}", Refusal.FORBIDDEN),
    )


async def add_open_role(
    connection: asyncpg.Connection,
    viewer: str,
    tribe_id: str,
    values: Mapping[str, Any],
    *,
    moment: datetime,
) -> Written:
    """A new open role of the viewer's tribe."""
    p = Parameters()
    ident, owner = p(tribe_id), p(viewer)
    refusals = (
        (f"NOT EXISTS (SELECT 1 FROM tribes WHERE id = {ident})", Refusal.NOT_FOUND),
        ("TRUE", Refusal.FORBIDDEN),
    )
    sql = (
        "WITH added AS (INSERT INTO tribe_open_roles (id, tribe_id, title, skills_needed, filled)"
        f" SELECT {p(ulid_at(moment))}, id, {p(values['title'])},"
        f" {p(values.get('skills_needed', '[]'))}, FALSE FROM tribes"
        f" WHERE id = {ident} AND owner_id = {owner} RETURNING id)" + report("added", *refusals)
    )
    return written(await connection.fetchrow(sql, *p.values))


async def update_open_role(
    connection: asyncpg.Connection, viewer: str, role_id: str, values: Mapping[str, Any]
) -> Written:
    """The owner edits a role that is not filled yet (a filled one: ``CONFLICT``)."""
    p = Parameters()
    unknown = set(values) - set(EDITABLE_COLUMNS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    ident, owner = p(role_id), p(viewer)
    assignments = ", ".join(f"{column} = {p(value)}" for column, value in values.items())
    sql = (
        f"WITH {_role(ident)},"
        f" changed AS (UPDATE tribe_open_roles SET {assignments or 'title = title'}"
        f" WHERE id = {ident} AND NOT filled AND {OWNED_BY.format(viewer=owner)} RETURNING id)"
        + report("changed", *_owner_refusals(owner), ("TRUE", Refusal.CONFLICT))
    )
    return written(await connection.fetchrow(sql, *p.values))


async def fill_open_role(
    connection: asyncpg.Connection, viewer: str, role_id: str, user_id: str
) -> Written:
    """The owner marks the role filled by an active member of the tribe."""
    p = Parameters()
    ident, owner, member = p(role_id), p(viewer), p(user_id)
    is_member = (
        "EXISTS (SELECT 1 FROM tribe_members m WHERE m.tribe_id = tribe_open_roles.tribe_id"
        f" AND m.user_id = {member} AND m.status = 'active')"
    )
    sql = (
        f"WITH {_role(ident)},"
        f" changed AS (UPDATE tribe_open_roles SET filled = TRUE, filled_by = {member}"
        f" WHERE id = {ident} AND NOT filled AND {OWNED_BY.format(viewer=owner)} AND {is_member}"
        " RETURNING id)" + report("changed", *_owner_refusals(owner), ("TRUE", Refusal.CONFLICT))
    )
    return written(await connection.fetchrow(sql, *p.values))


async def close_open_role(connection: asyncpg.Connection, viewer: str, role_id: str) -> Written:
    """The owner closes (deletes) a role; the id is the role's tribe's."""
    p = Parameters()
    ident, owner = p(role_id), p(viewer)
    sql = (
        f"WITH {_role(ident)},"
        f" closed AS (DELETE FROM tribe_open_roles WHERE id = {ident}"
        f" AND {OWNED_BY.format(viewer=owner)} RETURNING tribe_id)"
        + report("closed", *_owner_refusals(owner), id_column="tribe_id")
    )
    return written(await connection.fetchrow(sql, *p.values))
