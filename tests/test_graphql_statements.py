"""Resolvers batch: the landing page costs the same statements for 2 rows or 50.

The seeded data set is grown to well over 50 rows per list for this module,
then seeded again afterwards (the seed clears and reloads every table).

A relation costs one statement per level whenever a page touches it: the two
newest feed events target a project and a tribe (user targets share the
actors' batch), so the 2-row page touches every relation the 50-row page does.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.graphql_client import graphql_data
from tribe_service.engine import count_statements
from tribe_service.enums import EventType, MemberRole, MemberStatus
from tribe_service.graphql.client_operations import LANDING_PAGE_QUERY
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

EXTRA = 60


@pytest.fixture(scope="module")
async def larger_data_set(seeded):
    from tribe_service.seed import seed_database

    skills = await Skill.select(Skill.id).limit(3)
    now = datetime.now(tz=UTC)
    users = [
        User(
            id=new_ulid(),
            email=f"mass{i}@example.com",
            username=f"mass{i}",
            display_name=f"Mass Builder {i}",
            builder_score=float(i % 40),
        )
        for i in range(EXTRA)
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
            ProjectCollaborator(project_id=p.id, user_id=users[(i + 1) % EXTRA].id)
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
    events = []
    for i, (user, project, tribe) in enumerate(zip(users, projects, tribes, strict=True)):
        moment = now - timedelta(minutes=i)  # i = 0 is the newest, newer than the seed's
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
    await FeedEvent.insert(*events)
    yield
    await seed_database()


async def statements_for(client, first: int) -> tuple[int, dict, list[str]]:
    with count_statements() as counter:
        data = await graphql_data(client, LANDING_PAGE_QUERY, {"first": first})
    return counter.count, data, counter.statements


@pytest.mark.usefixtures("larger_data_set")
async def test_statement_count_does_not_grow_with_page_size(client):
    small, small_data, small_statements = await statements_for(client, 2)
    large, large_data, large_statements = await statements_for(client, 50)
    again = [(await statements_for(client, first))[0] for first in (2, 50, 2, 50)]
    assert len(large_data["feed"]["edges"]) == 50
    assert len(large_data["builders"]["nodes"]) == 50
    assert len(large_data["tribes"]["nodes"]) == 50
    assert len(small_data["projects"]["nodes"]) == 2
    assert small == large, (small_statements, large_statements)
    assert again == [large] * 4  # not a matter of timing
    assert large <= 20


async def test_statement_counting_sees_every_statement(client, seeded):
    with count_statements() as counter:
        await graphql_data(client, "{ health }")
    assert counter.count == 1
