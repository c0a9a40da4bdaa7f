"""Relations between API rows, named, with the SQL that loads them.

A relation is declared once and used two ways:

* batched by key (:func:`load_by_ids`, :func:`load_related`): one statement per
  relation and level of a request, ``WHERE key = ANY($1)``, for the DataLoaders;
* correlated (:meth:`ToMany.correlated`, :meth:`ToOne.correlated`): a subquery
  of the parent's statement, for the compiled executor.

SQL fragments name the target table ``{t}`` and a junction table ``{j}``;
aliases are filled in per use, so a relation can nest inside another.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from tribe_service.data_access.pages import ACTIVITY
from tribe_service.data_access.parameters import unless_null
from tribe_service.data_access.shapes import (
    COLLABORATOR,
    FEED_EVENT,
    OPEN_ROLE,
    PROJECT,
    SKILL,
    TRIBE,
    TRIBE_MEMBER,
    USER,
    Row,
    RowShape,
)
from tribe_service.enums import MemberStatus

if TYPE_CHECKING:
    from tribe_service.engine import TribeEngine

PARENT_KEY = "parent_key"


class Relation(StrEnum):
    """Every relation the API follows. Loads of one relation at one level share a batch."""

    QUERY_PROJECT = "query.project"
    WRITTEN_ROW = "mutation.written_row"  # the row a mutation wrote, read for its payload
    PAYLOAD_VIEWER = "mutation.viewer"
    QUERY_TRIBE = "query.tribe"
    PROJECT_OWNER = "project.owner"
    COLLABORATOR_USER = "collaborator.user"
    COLLABORATION_PROJECT = "collaboration.project"
    TRIBE_OWNER = "tribe.owner"
    TRIBE_MEMBER_USER = "tribe_member.user"
    # Actors and user targets are siblings on the same node: one batch serves both.
    FEED_PEOPLE = "feed_event.people"
    FEED_TARGET = "feed_event.target"
    USER_SKILLS = "user.skills"
    USER_PROJECTS = "user.projects"
    USER_TRIBES = "user.tribes"
    USER_COLLABORATIONS = "user.collaborations"
    USER_ACTIVITY = "user.activity"
    PROJECT_COLLABORATORS = "project.collaborators"
    TRIBE_MEMBERS = "tribe.members"
    TRIBE_OPEN_ROLES = "tribe.open_roles"
    SEARCH_NODE = "search.node"
    OPEN_ROLE_CANDIDATES = "open_role.candidates"
    CANDIDATE_USER = "candidate.user"
    CANDIDATE_SKILLS = "candidate.matched_skills"
    USER_SIMILAR_BUILDERS = "user.similar_builders"
    SIMILAR_BUILDER_USER = "similar_builder.user"
    PROJECT_SIMILAR_PROJECTS = "project.similar_projects"
    SIMILAR_PROJECT_PROJECT = "similar_project.project"


@dataclass(frozen=True)
class ToOne:
    """The row of ``shape`` whose id is in the parent's ``foreign_key`` column."""

    shape: RowShape
    foreign_key: str

    def correlated(self, select: str, t: str, parent: str) -> str:
        """A subquery selecting ``select`` (over alias ``t``) for the parent row."""
        return (
            f"SELECT {select} FROM {self.shape.table} {t}"
            f" WHERE {t}.id = {parent}.{self.foreign_key}"
        )


@dataclass(frozen=True)
class InArray:
    """The rows of ``shape`` whose ids the parent's array column ``ids`` holds, in its order."""

    shape: RowShape
    ids: str

    def correlated(self, select: str, t: str, parent: str) -> str:
        """A subquery selecting ``select`` (over alias ``t``) for the parent row."""
        return (
            f"SELECT {select} FROM unnest({parent}.{self.ids}) WITH ORDINALITY AS j{t}(id, n)"
            f" JOIN {self.shape.table} {t} ON {t}.id = j{t}.id ORDER BY j{t}.n"
        )


@dataclass(frozen=True)
class ToMany:
    """Rows of ``shape`` belonging to a parent row, in a fixed order.

    ``source`` is the FROM clause (target ``{t}``, maybe a junction ``{j}``),
    ``key`` the expression holding the parent's id, ``where`` a fixed condition,
    ``status`` the column a ``status`` argument filters on (if the relation takes one).
    """

    shape: RowShape
    source: str
    key: str
    order_by: str
    where: str = ""
    status: str = ""

    def _conditions(self, key: str, t: str, j: str, status: str | None) -> str:
        conditions = [f"{self.key} = {key}"]
        if self.where:
            conditions.append(self.where)
        if status is not None:
            conditions.append(f"{self.status} = {status}")
        return " AND ".join(conditions).format(t=t, j=j)

    def batched(self, with_status: bool) -> str:
        """``SELECT key AS parent_key, columns ... WHERE key = ANY($1) [AND status = $2]``."""
        t, j = "t", "j"
        condition = self._conditions("ANY($1)", t, j, "$2" if with_status else None)
        return (
            f"SELECT {self.key.format(t=t, j=j)} AS {PARENT_KEY}, {self.shape.select_list(t)}"
            f" FROM {self.source.format(t=t, j=j)} WHERE {condition}"
            f" ORDER BY {self.order_by.format(t=t, j=j)}"
        )

    def correlated(
        self,
        select: str,
        t: str,
        parent: str,
        status: str | None = None,
        limit: str | None = None,
        condition: str = "",
    ) -> str:
        """The rows of the parent row ``parent``, ``ORDER BY`` the relation's order.

        ``status`` and ``limit`` are placeholders (:class:`~.parameters.Parameters`):
        rows of that status (every status when its value is null), at most that
        many; ``condition`` is an extra condition over ``t``.
        """
        j = f"j{t}"
        where = self._conditions(f"{parent}.id", t, j, None)
        if status is not None:
            where += " AND " + unless_null(f"{self.status} = {status}", status).format(t=t, j=j)
        if condition:
            where += f" AND {condition}"
        sql = (
            f"SELECT {select} FROM {self.source.format(t=t, j=j)} WHERE {where}"
            f" ORDER BY {self.order_by.format(t=t, j=j)}"
        )
        return sql if limit is None else f"{sql} LIMIT {limit}"

    def count(self, t: str, parent: str) -> str:
        """``SELECT count(*)`` of the parent row's rows (no status filter, no limit)."""
        j = f"j{t}"
        return (
            f"SELECT count(*) FROM {self.source.format(t=t, j=j)}"
            f" WHERE {self._conditions(f'{parent}.id', t, j, None)}"
        )


def _table(shape: RowShape) -> str:
    return f"{shape.table} {{t}}"


TO_ONE: dict[Relation, ToOne] = {
    Relation.PROJECT_OWNER: ToOne(USER, "owner_id"),
    Relation.TRIBE_OWNER: ToOne(USER, "owner_id"),
    Relation.COLLABORATOR_USER: ToOne(USER, "user_id"),
    Relation.COLLABORATION_PROJECT: ToOne(PROJECT, "project_id"),
    Relation.TRIBE_MEMBER_USER: ToOne(USER, "user_id"),
    Relation.FEED_PEOPLE: ToOne(USER, "actor_id"),
    # Rows that discovery statements derive (data_access.discovery) point to these.
    Relation.CANDIDATE_USER: ToOne(USER, "user_id"),
    Relation.SIMILAR_BUILDER_USER: ToOne(USER, "id"),
    Relation.SIMILAR_PROJECT_PROJECT: ToOne(PROJECT, "id"),
}

IN_ARRAY: dict[Relation, InArray] = {
    # A candidate's matched skills, in the role's order (``skill_ids``).
    Relation.CANDIDATE_SKILLS: InArray(SKILL, "skill_ids"),
}

# What a feed event's target is, by ``target_type``.
FEED_TARGETS: dict[str, ToOne] = {
    "project": ToOne(PROJECT, "target_id"),
    "tribe": ToOne(TRIBE, "target_id"),
    "user": ToOne(USER, "target_id"),
}

TO_MANY: dict[Relation, ToMany] = {
    Relation.USER_SKILLS: ToMany(
        SKILL,
        source="user_skills {j} JOIN skills {t} ON {t}.id = {j}.skill_id",
        key="{j}.user_id",
        order_by="{j}.added_at, {j}.id",
    ),
    Relation.USER_PROJECTS: ToMany(
        PROJECT, _table(PROJECT), key="{t}.owner_id", order_by="{t}.created_at DESC, {t}.id DESC"
    ),
    Relation.USER_TRIBES: ToMany(
        TRIBE,
        source="tribe_members {j} JOIN tribes {t} ON {t}.id = {j}.tribe_id",
        key="{j}.user_id",
        where=f"{{j}}.status = '{MemberStatus.ACTIVE.value}'",
        order_by="{t}.name, {t}.id",
    ),
    Relation.USER_COLLABORATIONS: ToMany(
        COLLABORATOR,
        _table(COLLABORATOR),
        key="{t}.user_id",
        order_by="{t}.invited_at DESC, {t}.id DESC",
        status="{t}.status",
    ),
    Relation.PROJECT_COLLABORATORS: ToMany(
        COLLABORATOR,
        _table(COLLABORATOR),
        key="{t}.project_id",
        order_by="{t}.invited_at, {t}.id",
        status="{t}.status",
    ),
    # Owners first ('owner' sorts after 'member', hence descending), then by request time.
    Relation.TRIBE_MEMBERS: ToMany(
        TRIBE_MEMBER,
        _table(TRIBE_MEMBER),
        key="{t}.tribe_id",
        order_by="{t}.role DESC, {t}.requested_at, {t}.id",
        status="{t}.status",
    ),
    Relation.TRIBE_OPEN_ROLES: ToMany(
        OPEN_ROLE, _table(OPEN_ROLE), key="{t}.tribe_id", order_by="{t}.title, {t}.id"
    ),
    # Batched by ACTIVITY_SQL below (a top-N per actor); correlated by the compiled executor.
    Relation.USER_ACTIVITY: ToMany(
        FEED_EVENT, _table(FEED_EVENT), key="{t}.actor_id", order_by=ACTIVITY.order_by
    ),
}


def by_id_sql(shape: RowShape) -> str:
    """``SELECT shape columns FROM table WHERE id = ANY($1)``."""
    return f"SELECT {shape.select_list('t')} FROM {shape.table} t WHERE t.id = ANY($1)"


async def load_by_ids(
    engine: TribeEngine, shape: RowShape, keys: Sequence[str]
) -> list[Row | None]:
    """Rows of ``shape`` in the order of ``keys`` (None where a key has no row)."""
    records = await engine.fetch(by_id_sql(shape), list(keys))
    found = {record["id"]: shape.row(record) for record in records}
    return [found.get(key) for key in keys]


async def load_related(
    engine: TribeEngine, relation: Relation, keys: Sequence[str], status: str | None = None
) -> list[list[Row]]:
    """Each key's rows of a to-many ``relation`` (of ``status`` if given), in ``keys`` order."""
    spec = TO_MANY[relation]
    args: list[Any] = [list(keys)] if status is None else [list(keys), status]
    groups: defaultdict[str, list[Row]] = defaultdict(list)
    for record in await engine.fetch(spec.batched(status is not None), *args):
        groups[record[PARENT_KEY]].append(spec.shape.row(record))
    return [groups.get(key, []) for key in keys]


# A builder's activity: their feed events, newest first (a LATERAL top-N per actor).
ACTIVITY_SQL = f"""
SELECT {FEED_EVENT.select_list("e")} FROM unnest($1::varchar[]) AS actor(id)
CROSS JOIN LATERAL (
    SELECT * FROM feed_events
    WHERE actor_id = actor.id
      AND ($2::timestamptz IS NULL OR {ACTIVITY.after.format("$2", "$3", t="feed_events")})
    ORDER BY {ACTIVITY.order_by.format(t="feed_events")}
    LIMIT $4
) AS e
"""
ACTIVITY_COUNT_SQL = (
    "SELECT actor_id, count(*) AS n FROM feed_events WHERE actor_id = ANY($1) GROUP BY actor_id"
)


async def load_activity(
    engine: TribeEngine, keys: Sequence[str], after: tuple[datetime, str] | None, limit: int
) -> list[list[Row]]:
    """Each user's feed events after the keyset position ``after``, newest first, ``limit`` each."""
    created_at, event_id = after or (None, None)
    groups: defaultdict[str, list[Row]] = defaultdict(list)
    for record in await engine.fetch(ACTIVITY_SQL, list(keys), created_at, event_id, limit):
        groups[record["actor_id"]].append(FEED_EVENT.row(record))
    return [groups.get(key, []) for key in keys]


async def count_activity(engine: TribeEngine, keys: Sequence[str]) -> list[int]:
    """How many feed events each user is the actor of."""
    counts = {r["actor_id"]: r["n"] for r in await engine.fetch(ACTIVITY_COUNT_SQL, list(keys))}
    return [counts.get(key, 0) for key in keys]
