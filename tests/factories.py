"""Small factories for tests that need more rows than the seed: made, then removed.

Every row a factory makes hangs off the builders it makes (owner, actor or member,
all ``ON DELETE CASCADE``), so :func:`remove_builders` takes exactly those rows
away again and the shared database is left as the seed made it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

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
