"""Who may write what: every write, for the owner, an active member, an invitee, another builder.

Each case runs in a transaction rolled back afterwards, on a small world made by
the factories. A refused write must say why (its refusal code) and change nothing.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import asyncpg
import pytest

from tests.factories import (
    make_collaborator,
    make_member,
    make_open_role,
    make_project,
    make_session,
    make_tribe,
    make_user,
)
from tribe_service.authorization import RULES, Action, Refusal, Who
from tribe_service.data_access.writes import (
    collaborators,
    open_roles,
    profile,
    projects,
    sessions,
    tribes,
)
from tribe_service.data_access.writes.outcome import Written

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
TABLES = (
    "users",
    "user_skills",
    "projects",
    "project_collaborators",
    "tribes",
    "tribe_members",
    "tribe_open_roles",
    "feed_events",
    "idempotency_keys",
    "refresh_tokens",
)
ROLES = ("owner", "member", "invitee", "other")


@dataclass
class World:
    """An owner's project and tribe, with a member, an invitee and a stranger."""

    owner: str
    member: str  # an active member of the tribe and a confirmed collaborator on the project
    invitee: str  # invited to the project, asking to join the tribe
    other: str
    project: str
    tribe: str
    role: str  # an open role of the tribe
    session: str  # a live session of the owner's


async def build_world(connection: asyncpg.Connection) -> World:
    owner, member, invitee, other = [await make_user(connection) for _ in range(4)]
    project = await make_project(connection, owner)
    await make_collaborator(connection, project, member, status="confirmed")
    await make_collaborator(connection, project, invitee, status="pending")
    tribe = await make_tribe(connection, owner)
    await make_member(connection, tribe, member, status="active")
    await make_member(connection, tribe, invitee, status="pending")
    role = await make_open_role(connection, tribe)
    session = await make_session(connection, owner)
    return World(owner, member, invitee, other, project, tribe, role, session)


Write = Callable[[asyncpg.Connection, str, World], Awaitable[Written]]

# Each action as a viewer performs it on the world's rows.
WRITES: dict[Action, Write] = {
    Action.UPDATE_PROFILE: lambda c, v, w: profile.update_profile(
        c, v, {"headline": "Shipping"}, expected_updated_at=None, moment=NOW
    ),
    Action.SET_SKILLS: lambda c, v, w: profile.set_skills(c, v, [], moment=NOW),
    Action.COMPLETE_ONBOARDING: lambda c, v, w: profile.complete_onboarding(c, v, moment=NOW),
    Action.CREATE_PROJECT: lambda c, v, w: projects.create_project(
        c, v, {"title": "New"}, idempotency_key=None, moment=NOW
    ),
    Action.UPDATE_PROJECT: lambda c, v, w: projects.update_project(
        c, v, w.project, {"title": "Renamed"}, expected_updated_at=None, moment=NOW
    ),
    Action.ARCHIVE_PROJECT: lambda c, v, w: projects.archive_project(c, v, w.project, moment=NOW),
    Action.INVITE_COLLABORATOR: lambda c, v, w: collaborators.invite_collaborator(
        c, v, w.project, w.other, "Design", moment=NOW
    ),
    Action.RESPOND_TO_COLLABORATION: lambda c, v, w: collaborators.respond_to_collaboration(
        c, v, w.project, accept=True, moment=NOW
    ),
    Action.REMOVE_COLLABORATOR: lambda c, v, w: collaborators.remove_collaborator(
        c, v, w.project, w.member
    ),
    Action.LEAVE_PROJECT: lambda c, v, w: collaborators.leave_project(c, v, w.project),
    Action.CREATE_TRIBE: lambda c, v, w: tribes.create_tribe(
        c, v, {"name": "New tribe"}, idempotency_key=None, moment=NOW
    ),
    Action.UPDATE_TRIBE: lambda c, v, w: tribes.update_tribe(
        c, v, w.tribe, {"mission": "Ship"}, expected_updated_at=None, moment=NOW
    ),
    Action.REQUEST_TO_JOIN_TRIBE: lambda c, v, w: tribes.request_to_join(c, v, w.tribe, moment=NOW),
    Action.RESPOND_TO_JOIN_REQUEST: lambda c, v, w: tribes.respond_to_join_request(
        c, v, w.tribe, w.invitee, approve=True, moment=NOW
    ),
    Action.LEAVE_TRIBE: lambda c, v, w: tribes.leave_tribe(c, v, w.tribe),
    Action.REMOVE_MEMBER: lambda c, v, w: tribes.remove_member(c, v, w.tribe, w.member),
    Action.ADD_OPEN_ROLE: lambda c, v, w: open_roles.add_open_role(
        c, v, w.tribe, {"title": "Designer"}, moment=NOW
    ),
    Action.UPDATE_OPEN_ROLE: lambda c, v, w: open_roles.update_open_role(
        c, v, w.role, {"title": "Lead designer"}
    ),
    Action.FILL_OPEN_ROLE: lambda c, v, w: open_roles.fill_open_role(c, v, w.role, w.member),
    Action.CLOSE_OPEN_ROLE: lambda c, v, w: open_roles.close_open_role(c, v, w.role),
    Action.REVOKE_SESSION: lambda c, v, w: sessions.revoke_session(c, v, w.session),
}

F, C, N = Refusal.FORBIDDEN, Refusal.CONFLICT, Refusal.NOT_FOUND
ANYONE = {"owner": None, "member": None, "invitee": None, "other": None}
OWNER_ONLY = {"owner": None, "member": F, "invitee": F, "other": F}

# What each role gets: None (the write takes effect) or the refusal.
EXPECTED: dict[Action, dict[str, Refusal | None]] = {
    Action.UPDATE_PROFILE: ANYONE,
    Action.SET_SKILLS: ANYONE,
    Action.COMPLETE_ONBOARDING: ANYONE,
    Action.CREATE_PROJECT: ANYONE,
    Action.UPDATE_PROJECT: OWNER_ONLY,
    Action.ARCHIVE_PROJECT: OWNER_ONLY,
    Action.INVITE_COLLABORATOR: OWNER_ONLY,
    # The member's invitation was answered long ago; the owner and the stranger have none.
    Action.RESPOND_TO_COLLABORATION: {"owner": F, "member": C, "invitee": None, "other": F},
    Action.REMOVE_COLLABORATOR: OWNER_ONLY,
    Action.LEAVE_PROJECT: {"owner": F, "member": None, "invitee": F, "other": F},
    Action.CREATE_TRIBE: ANYONE,
    Action.UPDATE_TRIBE: OWNER_ONLY,
    Action.REQUEST_TO_JOIN_TRIBE: {"owner": C, "member": C, "invitee": C, "other": None},
    Action.RESPOND_TO_JOIN_REQUEST: OWNER_ONLY,
    Action.LEAVE_TRIBE: {"owner": C, "member": None, "invitee": F, "other": F},
    Action.REMOVE_MEMBER: OWNER_ONLY,
    Action.ADD_OPEN_ROLE: OWNER_ONLY,
    Action.UPDATE_OPEN_ROLE: OWNER_ONLY,
    Action.FILL_OPEN_ROLE: OWNER_ONLY,
    Action.CLOSE_OPEN_ROLE: OWNER_ONLY,
    # Another's session is not found, not forbidden: whether it exists is not theirs to know.
    Action.REVOKE_SESSION: {"owner": None, "member": N, "invitee": N, "other": N},
}


@pytest.fixture
async def connection(engine) -> AsyncIterator[asyncpg.Connection]:
    """A connection inside a transaction that is rolled back after the test."""
    async with engine.pool.acquire() as connection:
        transaction = connection.transaction()
        await transaction.start()
        try:
            yield connection
        finally:
            await transaction.rollback()


async def digest(connection: asyncpg.Connection) -> dict[str, str]:
    """Every app table's content, hashed: equal digests, nothing changed."""
    return {
        table: await connection.fetchval(
            f"SELECT md5(coalesce(string_agg(t::text, ',' ORDER BY t::text), '')) FROM {table} t"
        )
        for table in TABLES
    }


def test_every_action_has_a_rule_a_write_and_an_expectation():
    assert set(RULES) == set(Action) == set(WRITES) == set(EXPECTED)


def test_the_owner_only_rules_are_the_ones_the_matrix_expects_of_owners():
    owners = {Who.PROJECT_OWNER, Who.TRIBE_OWNER}
    for action, rule in RULES.items():
        if rule.who in owners:
            assert EXPECTED[action]["other"] is Refusal.FORBIDDEN, action
            assert EXPECTED[action]["owner"] is None, action


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", list(Action))
async def test_each_role_may_do_what_the_table_says_and_nothing_else(connection, action, role):
    world = await build_world(connection)
    viewer = getattr(world, role)
    before = await digest(connection)
    outcome = await WRITES[action](connection, viewer, world)
    assert outcome.refusal is EXPECTED[action][role], (action, role)
    if outcome.refusal is None:
        assert outcome.id is not None
        assert await digest(connection) != before
    else:
        assert outcome.id is None
        assert await digest(connection) == before


MISSING = "01JZZZZZZZZZZZZZZZZZZZZZZZ"


@pytest.mark.parametrize(
    "action",
    [a for a in Action if RULES[a].who not in {Who.SELF, Who.SIGNED_IN}],
)
async def test_a_target_that_does_not_exist_is_not_found(connection, action):
    world = await build_world(connection)
    missing = World(
        world.owner, world.member, world.invitee, world.other, MISSING, MISSING, MISSING, MISSING
    )
    before = await digest(connection)
    outcome = await WRITES[action](connection, world.owner, missing)
    assert outcome.refusal is Refusal.NOT_FOUND
    assert await digest(connection) == before


def test_readme_shows_the_rules_as_they_are():
    from pathlib import Path

    from tribe_service.authorization import markdown_table

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    assert markdown_table() in readme
