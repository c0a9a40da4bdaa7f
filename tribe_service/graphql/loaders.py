"""Per-request DataLoaders: one batched SQL statement per relation and level.

Every lazy GraphQL field goes through one of these, so a page of fifty
builders costs the same number of statements as a page of two. Loaders return
plain rows (dicts); the GraphQL types wrap them. A new :class:`Loaders` is made
for each request, so cached rows never outlive it.
"""

from __future__ import annotations

import enum
import json
from collections import defaultdict
from collections.abc import Awaitable, Callable, Hashable, Sequence
from datetime import datetime
from typing import Any

from piccolo.columns import Column
from piccolo.columns.combination import WhereRaw
from piccolo.query.functions.aggregate import Count
from piccolo.table import Table
from strawberry.dataloader import DataLoader

from tribe_service.enums import CollaboratorStatus, MemberStatus
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

Row = dict[str, Any]


class Relation(enum.StrEnum):
    """The relations rows are loaded by id through; loads batch per relation (see Loaders)."""

    QUERY_PROJECT = "query.project"
    QUERY_TRIBE = "query.tribe"
    PROJECT_OWNER = "project.owner"
    COLLABORATOR_USER = "collaborator.user"
    COLLABORATION_PROJECT = "collaboration.project"
    TRIBE_OWNER = "tribe.owner"
    TRIBE_MEMBER_USER = "tribe_member.user"
    # Actors and user targets are siblings on the same node: one batch serves both.
    FEED_PEOPLE = "feed_event.people"
    FEED_TARGET = "feed_event.target"


# The columns the API shows; search vectors and embeddings stay in the database.
USER_COLUMNS: list[Column] = [
    User.id,
    User.email,
    User.username,
    User.display_name,
    User.avatar_url,
    User.headline,
    User.primary_role,
    User.timezone,
    User.availability_status,
    User.builder_score,
    User.bio,
    User.contact_links,
    User.github_username,
    User.onboarding_completed,
    User.created_at,
]
SKILL_COLUMNS: list[Column] = [Skill.id, Skill.name, Skill.slug, Skill.category]
FEED_EVENT_COLUMNS: list[Column] = FeedEvent.all_columns()
PROJECT_COLUMNS: list[Column] = [
    Project.id,
    Project.owner_id,
    Project.title,
    Project.description,
    Project.status,
    Project.role,
    Project.thumbnail_url,
    Project.links,
    Project.tech_stack,
    Project.impact_metrics,
    Project.github_repo_full_name,
    Project.github_stars,
    Project.created_at,
    Project.updated_at,
]
TRIBE_COLUMNS: list[Column] = [
    Tribe.id,
    Tribe.owner_id,
    Tribe.name,
    Tribe.mission,
    Tribe.status,
    Tribe.max_members,
    Tribe.created_at,
    Tribe.updated_at,
]


Ordering = tuple[Column, bool]  # (column, ascending)


def asc(column: Column) -> Ordering:
    """Order by ``column``, smallest first."""
    return (column, True)


def desc(column: Column) -> Ordering:
    """Order by ``column``, largest first."""
    return (column, False)


def joined(foreign_key: Any, columns: Sequence[Column]) -> list[Column]:
    """The referenced table's ``columns`` through ``foreign_key``, under their own names."""
    return [getattr(foreign_key, c._meta.name).as_alias(c._meta.name) for c in columns]


# Joined columns are built once: Piccolo's foreign-key attribute access that makes
# them is costly enough to show in a profile when repeated per request.
SKILLS_BY_USER_COLUMNS = [UserSkill.user_id, *joined(UserSkill.skill_id, SKILL_COLUMNS)]
TRIBES_BY_MEMBER_COLUMNS = [TribeMember.user_id, *joined(TribeMember.tribe_id, TRIBE_COLUMNS)]
TRIBE_NAME_VIA_MEMBER = TribeMember.tribe_id.name


async def select_rows(
    table: type[Table],
    columns: Sequence[Any],
    *where: Any,
    order_by: Sequence[Ordering] = (),
    limit: int | None = None,
) -> list[Row]:
    """``SELECT columns FROM table WHERE ... ORDER BY ... LIMIT`` with JSON decoded."""
    query = table.select(*columns).output(load_json=True)
    for condition in where:
        query = query.where(condition)
    for column, ascending in order_by:
        query = query.order_by(column, ascending=ascending)
    if limit is not None:
        query = query.limit(limit)
    return await query


async def count_rows(table: type[Table], *where: Any) -> int:
    """``SELECT count(*) FROM table WHERE ...``."""
    query = table.count()
    for condition in where:
        query = query.where(condition)
    return await query


def any_of(column: Column, keys: Sequence[str]) -> WhereRaw:
    """``column = ANY($1)``: one array parameter, however many keys.

    Piccolo's ``is_in`` makes a parameter per key, and assembling that query
    string cost more CPU than the rest of a loader (a fifth of a landing page).
    """
    return WhereRaw(f"{column._meta.get_full_name(with_alias=False)} = ANY({{}})", list(keys))


def by_key(keys: Sequence[str], rows: list[Row], field: str = "id") -> list[Row | None]:
    """Rows in the order of ``keys`` (None where a key has no row)."""
    found = {row[field]: row for row in rows}
    return [found.get(key) for key in keys]


def grouped(keys: Sequence[str], rows: list[Row], field: str) -> list[list[Row]]:
    """Rows grouped per key, in the order of ``keys``, keeping the rows' order."""
    groups: defaultdict[str, list[Row]] = defaultdict(list)
    for row in rows:
        groups[row[field]].append(row)
    return [groups.get(key, []) for key in keys]


async def load_users(keys: list[str]) -> list[Row | None]:
    """Users by id."""
    return by_key(keys, await select_rows(User, USER_COLUMNS, any_of(User.id, keys)))


async def load_projects(keys: list[str]) -> list[Row | None]:
    """Projects by id."""
    return by_key(keys, await select_rows(Project, PROJECT_COLUMNS, any_of(Project.id, keys)))


async def load_tribes(keys: list[str]) -> list[Row | None]:
    """Tribes by id."""
    return by_key(keys, await select_rows(Tribe, TRIBE_COLUMNS, any_of(Tribe.id, keys)))


async def load_skills_by_user(keys: list[str]) -> list[list[Row]]:
    """Each user's skills, in the order they were added."""
    rows = await select_rows(
        UserSkill,
        SKILLS_BY_USER_COLUMNS,
        any_of(UserSkill.user_id, keys),
        order_by=[asc(UserSkill.added_at), asc(UserSkill.id)],
    )
    return grouped(keys, rows, "user_id")


async def load_projects_by_owner(keys: list[str]) -> list[list[Row]]:
    """Each user's own projects, newest first."""
    rows = await select_rows(
        Project,
        PROJECT_COLUMNS,
        any_of(Project.owner_id, keys),
        order_by=[desc(Project.created_at), desc(Project.id)],
    )
    return grouped(keys, rows, "owner_id")


async def load_tribes_by_member(keys: list[str]) -> list[list[Row]]:
    """The tribes each user is an active member of (owners included), by name."""
    rows = await select_rows(
        TribeMember,
        TRIBES_BY_MEMBER_COLUMNS,
        any_of(TribeMember.user_id, keys),
        TribeMember.status == MemberStatus.ACTIVE.value,
        order_by=[asc(TRIBE_NAME_VIA_MEMBER)],
    )
    return grouped(keys, rows, "user_id")


def _status_is(column: Column, status: enum.Enum | None) -> list[Any]:
    """``column = status``, or no condition for every status (``None``)."""
    return [] if status is None else [column == status.value]


async def load_collaborators_by_project(
    keys: list[str], status: CollaboratorStatus | None
) -> list[list[Row]]:
    """Each project's collaborator rows of ``status`` (None: all), in invitation order."""
    rows = await select_rows(
        ProjectCollaborator,
        ProjectCollaborator.all_columns(),
        any_of(ProjectCollaborator.project_id, keys),
        *_status_is(ProjectCollaborator.status, status),
        order_by=[asc(ProjectCollaborator.invited_at), asc(ProjectCollaborator.id)],
    )
    return grouped(keys, rows, "project_id")


async def load_collaborations_by_user(
    keys: list[str], status: CollaboratorStatus | None
) -> list[list[Row]]:
    """Each user's collaborator rows of ``status`` (None: all), newest invitation first."""
    rows = await select_rows(
        ProjectCollaborator,
        ProjectCollaborator.all_columns(),
        any_of(ProjectCollaborator.user_id, keys),
        *_status_is(ProjectCollaborator.status, status),
        order_by=[desc(ProjectCollaborator.invited_at), desc(ProjectCollaborator.id)],
    )
    return grouped(keys, rows, "user_id")


async def load_members_by_tribe(keys: list[str], status: MemberStatus | None) -> list[list[Row]]:
    """Each tribe's memberships of ``status`` (None: all): owners first, then by request time.

    ('owner' sorts after 'member', hence descending.)
    """
    rows = await select_rows(
        TribeMember,
        TribeMember.all_columns(),
        any_of(TribeMember.tribe_id, keys),
        *_status_is(TribeMember.status, status),
        order_by=[desc(TribeMember.role), asc(TribeMember.requested_at), asc(TribeMember.id)],
    )
    return grouped(keys, rows, "tribe_id")


ACTIVITY_SQL = """
SELECT e.* FROM unnest({}::varchar[]) AS actor(id)
CROSS JOIN LATERAL (
    SELECT * FROM feed_events
    WHERE actor_id = actor.id AND ({}::timestamptz IS NULL OR (created_at, id) < ({}, {}))
    ORDER BY created_at DESC, id DESC
    LIMIT {}
) AS e
"""


async def load_activity_by_actor(
    keys: list[str], after: tuple[datetime, str] | None, limit: int
) -> list[list[Row]]:
    """Each user's feed events after the keyset position ``after``, newest first, ``limit`` each.

    One statement for every user (a LATERAL top-N per actor on the actor index).
    """
    created_at, event_id = after or (None, None)
    rows = await FeedEvent.raw(ACTIVITY_SQL, list(keys), created_at, created_at, event_id, limit)
    for row in rows:
        if isinstance(row["metadata"], str):
            row["metadata"] = json.loads(row["metadata"])
    return grouped(keys, rows, "actor_id")


async def count_activity_by_actor(keys: list[str]) -> list[int]:
    """How many feed events each user is the actor of."""
    rows = (
        await FeedEvent.select(FeedEvent.actor_id, Count(FeedEvent.id, alias="n"))
        .where(any_of(FeedEvent.actor_id, keys))
        .group_by(FeedEvent.actor_id)
    )
    counts = {row["actor_id"]: row["n"] for row in rows}
    return [counts.get(key, 0) for key in keys]


async def load_open_roles_by_tribe(keys: list[str]) -> list[list[Row]]:
    """Each tribe's open roles, by title."""
    rows = await select_rows(
        TribeOpenRole,
        TribeOpenRole.all_columns(),
        any_of(TribeOpenRole.tribe_id, keys),
        order_by=[asc(TribeOpenRole.title), asc(TribeOpenRole.id)],
    )
    return grouped(keys, rows, "tribe_id")


def _loader(load: Callable[[list[str]], Awaitable[list[Any]]]) -> DataLoader[str, Any]:
    return DataLoader(load_fn=load)


class LoadersByArguments:
    """One DataLoader per distinct set of field arguments (a status, a page position).

    Sibling fields with the same arguments share a batch; different arguments
    cannot, as they are different statements.
    """

    def __init__(self, load: Callable[..., Awaitable[list[Any]]]) -> None:
        self._load = load
        self._loaders: dict[Hashable, DataLoader[str, Any]] = {}

    def __call__(self, *arguments: Hashable) -> DataLoader[str, Any]:
        """The loader for ``arguments`` (passed to the load function after the keys)."""
        if arguments not in self._loaders:
            self._loaders[arguments] = DataLoader(load_fn=lambda keys: self._load(keys, *arguments))
        return self._loaders[arguments]


class Loaders:
    """The DataLoaders of one request.

    Rows by id are batched per *relation* (``users("project.owner")``), not in one
    loader per table: a shared loader merges the loads of sibling branches only when
    their parents happen to arrive in the same tick, so the statement count of a
    query would depend on database timing. Per relation it is fixed: one statement
    per relation and level that the page touches.
    """

    def __init__(self) -> None:
        self._users: dict[Relation, DataLoader[str, Row | None]] = {}
        self._projects: dict[Relation, DataLoader[str, Row | None]] = {}
        self._tribes: dict[Relation, DataLoader[str, Row | None]] = {}
        self.skills_by_user = _loader(load_skills_by_user)
        self.projects_by_owner = _loader(load_projects_by_owner)
        self.tribes_by_member = _loader(load_tribes_by_member)
        self.collaborators_by_project = LoadersByArguments(load_collaborators_by_project)
        self.collaborations_by_user = LoadersByArguments(load_collaborations_by_user)
        self.members_by_tribe = LoadersByArguments(load_members_by_tribe)
        self.activity_by_actor = LoadersByArguments(load_activity_by_actor)
        self.activity_count_by_actor = _loader(count_activity_by_actor)
        self.open_roles_by_tribe = _loader(load_open_roles_by_tribe)

    def users(self, relation: Relation) -> DataLoader[str, Row | None]:
        """Users by id, for one relation (e.g. ``Relation.PROJECT_OWNER``)."""
        return _for_relation(self._users, relation, load_users)

    def projects(self, relation: Relation) -> DataLoader[str, Row | None]:
        """Projects by id, for one relation."""
        return _for_relation(self._projects, relation, load_projects)

    def tribes(self, relation: Relation) -> DataLoader[str, Row | None]:
        """Tribes by id, for one relation."""
        return _for_relation(self._tribes, relation, load_tribes)


def _for_relation(
    loaders: dict[Relation, DataLoader[str, Row | None]],
    relation: Relation,
    load: Callable[[list[str]], Awaitable[list[Row | None]]],
) -> DataLoader[str, Row | None]:
    if relation not in loaders:
        loaders[relation] = _loader(load)
    return loaders[relation]
