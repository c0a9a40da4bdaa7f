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
from enum import StrEnum
from typing import TYPE_CHECKING

from tribe_service.data_access.shapes import (
    COLLABORATOR,
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

    PROJECT_OWNER = "project.owner"
    TRIBE_OWNER = "tribe.owner"
    COLLABORATOR_USER = "collaborator.user"
    MEMBER_USER = "tribe_member.user"
    FEED_ACTOR = "feed_event.actor"
    FEED_TARGET_USER = "feed_event.target.user"
    FEED_TARGET_PROJECT = "feed_event.target.project"
    FEED_TARGET_TRIBE = "feed_event.target.tribe"
    QUERY_PROJECT = "query.project"
    QUERY_TRIBE = "query.tribe"
    USER_SKILLS = "user.skills"
    USER_PROJECTS = "user.projects"
    USER_TRIBES = "user.tribes"
    PROJECT_COLLABORATORS = "project.collaborators"
    TRIBE_MEMBERS = "tribe.members"
    TRIBE_OPEN_ROLES = "tribe.open_roles"


@dataclass(frozen=True)
class ToOne:
    """The row of ``shape`` whose id is in the parent's ``foreign_key`` column."""

    shape: RowShape
    foreign_key: str

    def correlated(self, select: str, t: str, parent: str) -> str:
        """A scalar subquery selecting ``select`` (over alias ``t``) for the parent row."""
        return f"SELECT {select} FROM {self.shape.table} {t} WHERE {t}.id = {parent}.{self.foreign_key}"


@dataclass(frozen=True)
class ToMany:
    """Rows of ``shape`` belonging to a parent row, in a fixed order.

    ``source`` is the FROM clause (target ``{t}``, maybe a junction ``{j}``),
    ``key`` the expression holding the parent's id, ``where`` an extra condition.
    """

    shape: RowShape
    source: str
    key: str
    order_by: str
    where: str = ""

    def _fill(self, text: str, t: str, j: str) -> str:
        return text.format(t=t, j=j)

    def batched(self) -> str:
        """``SELECT key AS parent_key, shape columns ... WHERE key = ANY($1)``."""
        t, j = "t", "j"
        condition = f"{self._fill(self.key, t, j)} = ANY($1)"
        if self.where:
            condition += f" AND {self._fill(self.where, t, j)}"
        return (
            f"SELECT {self._fill(self.key, t, j)} AS {PARENT_KEY}, {self.shape.select_list(t)}"
            f" FROM {self._fill(self.source, t, j)} WHERE {condition}"
            f" ORDER BY {self._fill(self.order_by, t, j)}"
        )

    def correlated(self, select: str, t: str, parent: str) -> str:
        """The rows for the parent row ``parent``, as ``SELECT select ... ORDER BY``."""
        j = f"j{t}"
        condition = f"{self._fill(self.key, t, j)} = {parent}.id"
        if self.where:
            condition += f" AND {self._fill(self.where, t, j)}"
        return (
            f"SELECT {select} FROM {self._fill(self.source, t, j)} WHERE {condition}"
            f" ORDER BY {self._fill(self.order_by, t, j)}"
        )


def _table(shape: RowShape) -> str:
    return f"{shape.table} {{t}}"


TO_ONE: dict[Relation, ToOne] = {
    Relation.PROJECT_OWNER: ToOne(USER, "owner_id"),
    Relation.TRIBE_OWNER: ToOne(USER, "owner_id"),
    Relation.COLLABORATOR_USER: ToOne(USER, "user_id"),
    Relation.MEMBER_USER: ToOne(USER, "user_id"),
    Relation.FEED_ACTOR: ToOne(USER, "actor_id"),
    Relation.FEED_TARGET_USER: ToOne(USER, "target_id"),
    Relation.FEED_TARGET_PROJECT: ToOne(PROJECT, "target_id"),
    Relation.FEED_TARGET_TRIBE: ToOne(TRIBE, "target_id"),
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
    Relation.PROJECT_COLLABORATORS: ToMany(
        COLLABORATOR,
        _table(COLLABORATOR),
        key="{t}.project_id",
        order_by="{t}.invited_at, {t}.id",
    ),
    # Owners first ('owner' > 'member'), then by request time.
    Relation.TRIBE_MEMBERS: ToMany(
        TRIBE_MEMBER,
        _table(TRIBE_MEMBER),
        key="{t}.tribe_id",
        order_by="{t}.role DESC, {t}.requested_at, {t}.id",
    ),
    Relation.TRIBE_OPEN_ROLES: ToMany(
        OPEN_ROLE, _table(OPEN_ROLE), key="{t}.tribe_id", order_by="{t}.title, {t}.id"
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
    engine: TribeEngine, relation: Relation, keys: Sequence[str]
) -> list[list[Row]]:
    """Each key's rows of a to-many ``relation``, in the order of ``keys``."""
    spec = TO_MANY[relation]
    groups: defaultdict[str, list[Row]] = defaultdict(list)
    for record in await engine.fetch(spec.batched(), list(keys)):
        groups[record[PARENT_KEY]].append(spec.shape.row(record))
    return [groups.get(key, []) for key in keys]
