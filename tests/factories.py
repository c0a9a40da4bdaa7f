"""Small factories: rows a test needs, with defaults for everything it does not care about.

Each takes the connection of the test's transaction and returns the new row's id.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Any

import asyncpg

from tribe_service.ids import new_ulid

_serial = itertools.count(1)


def _next() -> int:
    return next(_serial)


async def _insert(connection: asyncpg.Connection, table: str, values: dict[str, Any]) -> str:
    values = {"id": new_ulid(), **values}
    columns = ", ".join(values)
    placeholders = ", ".join(f"${i}" for i in range(1, len(values) + 1))
    await connection.execute(
        f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", *values.values()
    )
    return values["id"]


async def make_user(connection: asyncpg.Connection, **values: Any) -> str:
    """A builder with a unique username and email."""
    n = _next()
    defaults = {
        "username": f"builder{n}-{new_ulid()[-6:].lower()}",
        "email": f"builder{n}-{new_ulid()[-6:].lower()}@example.com",
        "display_name": f"Builder {n}",
    }
    return await _insert(connection, "users", {**defaults, **values})


async def make_project(connection: asyncpg.Connection, owner: str, **values: Any) -> str:
    """A project of ``owner``, in progress."""
    return await _insert(
        connection, "projects", {"owner_id": owner, "title": f"Project {_next()}", **values}
    )


async def make_collaborator(
    connection: asyncpg.Connection, project: str, user: str, status: str = "confirmed"
) -> str:
    """``user`` on ``project``, confirmed unless told."""
    now = datetime.now(tz=UTC)
    return await _insert(
        connection,
        "project_collaborators",
        {
            "project_id": project,
            "user_id": user,
            "status": status,
            "confirmed_at": now if status == "confirmed" else None,
        },
    )


async def make_tribe(connection: asyncpg.Connection, owner: str, **values: Any) -> str:
    """An open tribe of ``owner``, with the owner as its active owner-member."""
    tribe = await _insert(
        connection, "tribes", {"owner_id": owner, "name": f"Tribe {_next()}", **values}
    )
    await make_member(connection, tribe, owner, status="active", role="owner")
    return tribe


async def make_member(
    connection: asyncpg.Connection,
    tribe: str,
    user: str,
    status: str = "active",
    role: str = "member",
) -> str:
    """``user``'s membership of ``tribe``, active unless told."""
    now = datetime.now(tz=UTC)
    return await _insert(
        connection,
        "tribe_members",
        {
            "tribe_id": tribe,
            "user_id": user,
            "status": status,
            "role": role,
            "joined_at": now if status == "active" else None,
        },
    )


async def make_open_role(connection: asyncpg.Connection, tribe: str, **values: Any) -> str:
    """An unfilled open role of ``tribe``."""
    return await _insert(
        connection, "tribe_open_roles", {"tribe_id": tribe, "title": f"Role {_next()}", **values}
    )
