"""Small factories: rows a test needs, with defaults for everything it does not care about.

* :func:`add_builders_with_everything` / :func:`remove_builders`: builders with a bit
  of everything, on the shared database, removed again after (every row hangs off
  the builders, ``ON DELETE CASCADE``), so it is left as the seed made it.
* ``make_*``: one row each, on the connection of the test's own transaction (rolled
  back after) or of a scratch database; each returns the new row's id.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg

from tribe_service.enums import EventType, MemberRole, MemberStatus
from tribe_service.ids import new_ulid, ulid_at
from tribe_service.tables import (
    FeedEvent,
    Project,
    ProjectCollaborator,
    Skill,
    Tribe,
    TribeMember,
    TribeOpenRole,
    User,
    UserSkill,
)


async def add_builders_with_everything(count: int) -> list[str]:
    """``count`` builders, each with 3 skills, a project with a collaborator, a tribe they
    own with an open role, and one feed event (newer than the seed's); their ids."""
    skills = await Skill.select(Skill.id).limit(3)
    users = [
        User(
            id=new_ulid(),
            email=f"mass{i}@example.com",
            username=f"mass{i}",
            display_name=f"Mass Builder {i}",
            builder_score=float(i % 40),
        )
        for i in range(count)
    ]
    await User.insert(*users)
    await UserSkill.insert(
        *(UserSkill(user_id=u.id, skill_id=s["id"]) for u in users for s in skills)
    )
    projects = [
        Project(id=new_ulid(), owner_id=u.id, title=f"Mass project {u.username}") for u in users
    ]
    await Project.insert(*projects)
    await ProjectCollaborator.insert(
        *(
            ProjectCollaborator(project_id=p.id, user_id=users[(i + 1) % count].id)
            for i, p in enumerate(projects)
        )
    )
    tribes = [Tribe(id=new_ulid(), owner_id=u.id, name=f"Mass tribe {u.username}") for u in users]
    await Tribe.insert(*tribes)
    await TribeMember.insert(
        *(
            TribeMember(
                tribe_id=t.id, user_id=u.id, role=MemberRole.OWNER, status=MemberStatus.ACTIVE
            )
            for t, u in zip(tribes, users, strict=True)
        )
    )
    await TribeOpenRole.insert(*(TribeOpenRole(tribe_id=t.id, title="Engineer") for t in tribes))
    await FeedEvent.insert(*_events(users, projects, tribes))
    return [user.id for user in users]


def _events(users: list[User], projects: list[Project], tribes: list[Tribe]) -> list[FeedEvent]:
    """One event per builder, the first the newest, their targets taking turns."""
    now = datetime.now(tz=UTC)
    events = []
    for i, (user, project, tribe) in enumerate(zip(users, projects, tribes, strict=True)):
        moment = now - timedelta(minutes=i)
        kind, target = [
            (EventType.PROJECT_CREATED, ("project", project.id)),
            (EventType.TRIBE_CREATED, ("tribe", tribe.id)),
            (EventType.BUILDER_JOINED, ("user", user.id)),
        ][i % 3]
        events.append(
            FeedEvent(
                id=ulid_at(moment),
                event_type=kind,
                actor_id=user.id,
                target_type=target[0],
                target_id=target[1],
                created_at=moment,
            )
        )
    return events


async def remove_builders(user_ids: list[str]) -> None:
    """Delete the builders and, by cascade, every row the factory hung off them."""
    await User.delete().where(User.id.is_in(user_ids))


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


async def make_session(connection: asyncpg.Connection, user: str) -> str:
    """A live session of ``user`` (one refresh token, unexpired); returns its family id."""
    family = new_ulid()
    await _insert(
        connection,
        "refresh_tokens",
        {
            "user_id": user,
            "token_hash": f"test-hash-{new_ulid()}",
            "family_id": family,
            "expires_at": datetime.now(tz=UTC) + timedelta(days=1),
            "created_at": datetime.now(tz=UTC),
        },
    )
    return family
