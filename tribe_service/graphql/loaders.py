"""Per-request DataLoaders: one batched SQL statement per relation and level.

Every lazy GraphQL field goes through one of these, so a page of fifty
builders costs the same number of statements as a page of two. Loaders return
plain rows (dicts of the shapes in :mod:`tribe_service.data_access.shapes`);
the GraphQL types wrap them. A new :class:`Loaders` is made for each request,
so cached rows never outlive it. The SQL lives in
:mod:`tribe_service.data_access.relations`.
"""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable, Hashable
from datetime import datetime
from functools import partial
from typing import Any

from strawberry.dataloader import DataLoader

from tribe_service.data_access import discovery, relations
from tribe_service.data_access.relations import Relation
from tribe_service.data_access.shapes import PROJECT, SKILL, TRIBE, USER, Row, RowShape
from tribe_service.engine import TribeEngine

__all__ = ["Loaders", "Relation"]


def _grouped(keys: list[str], rows: list[Row], field: str) -> list[list[Row]]:
    """Rows grouped per key, in the order of ``keys``, keeping the rows' order."""
    groups: dict[str, list[Row]] = {}
    for row in rows:
        groups.setdefault(row[field], []).append(row)
    return [groups.get(key, []) for key in keys]


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
            self._loaders[arguments] = DataLoader(load_fn=partial(self._load, *arguments))
        return self._loaders[arguments]


def _status(status: enum.Enum | None) -> str | None:
    return None if status is None else str(status.value)


class Loaders:
    """The DataLoaders of one request.

    Rows by id are batched per *relation* (``users(Relation.PROJECT_OWNER)``), not
    in one loader per table: a shared loader merges the loads of sibling branches
    only when their parents happen to arrive in the same tick, so the statement
    count of a query would depend on database timing. Per relation it is fixed:
    one statement per relation and level that the page touches.
    """

    def __init__(self, engine: TribeEngine) -> None:
        self._engine = engine
        self._by_id: dict[tuple[Relation, str], DataLoader[str, Row | None]] = {}
        self.skills_by_user = self._related(Relation.USER_SKILLS)
        self.projects_by_owner = self._related(Relation.USER_PROJECTS)
        self.tribes_by_member = self._related(Relation.USER_TRIBES)
        self.open_roles_by_tribe = self._related(Relation.TRIBE_OPEN_ROLES)
        self.collaborators_by_project = LoadersByArguments(
            partial(self._load_with_status, Relation.PROJECT_COLLABORATORS)
        )
        self.collaborations_by_user = LoadersByArguments(
            partial(self._load_with_status, Relation.USER_COLLABORATIONS)
        )
        self.members_by_tribe = LoadersByArguments(
            partial(self._load_with_status, Relation.TRIBE_MEMBERS)
        )
        self.activity_by_actor = LoadersByArguments(self._load_activity)
        self.activity_count_by_actor: DataLoader[str, int] = DataLoader(
            load_fn=partial(relations.count_activity, engine)
        )
        # Discovery: each open role's / builder's / project's first ``first`` matches.
        self.candidates_by_role = LoadersByArguments(
            partial(self._load_discovered, discovery.open_role_candidates, "role_id")
        )
        self.similar_builders = LoadersByArguments(
            partial(self._load_discovered, discovery.similar_builders, "source_id")
        )
        self.similar_projects = LoadersByArguments(
            partial(self._load_discovered, discovery.similar_projects, "source_id")
        )

    @staticmethod
    async def _load_discovered(
        find: Callable[[list[str], int], Awaitable[list[Row]]],
        field: str,
        first: int,
        keys: list[str],
    ) -> list[list[Row]]:
        return _grouped(keys, await find(keys, first), field)

    def _related(self, relation: Relation) -> DataLoader[str, list[Row]]:
        return DataLoader(load_fn=partial(relations.load_related, self._engine, relation))

    async def _load_with_status(
        self, relation: Relation, status: enum.Enum | None, keys: list[str]
    ) -> list[list[Row]]:
        return await relations.load_related(self._engine, relation, keys, _status(status))

    async def _load_activity(
        self, after: tuple[datetime, str] | None, limit: int, keys: list[str]
    ) -> list[list[Row]]:
        return await relations.load_activity(self._engine, keys, after, limit)

    def _rows_by_id(self, relation: Relation, shape: RowShape) -> DataLoader[str, Row | None]:
        key = (relation, shape.table)
        if key not in self._by_id:
            load = partial(relations.load_by_ids, self._engine, shape)
            self._by_id[key] = DataLoader(load_fn=load)
        return self._by_id[key]

    def users(self, relation: Relation) -> DataLoader[str, Row | None]:
        """Users by id, for one relation (e.g. ``Relation.PROJECT_OWNER``)."""
        return self._rows_by_id(relation, USER)

    def projects(self, relation: Relation) -> DataLoader[str, Row | None]:
        """Projects by id, for one relation."""
        return self._rows_by_id(relation, PROJECT)

    def tribes(self, relation: Relation) -> DataLoader[str, Row | None]:
        """Tribes by id, for one relation."""
        return self._rows_by_id(relation, TRIBE)

    def skills(self, relation: Relation) -> DataLoader[str, Row | None]:
        """Skills by id, for one relation."""
        return self._rows_by_id(relation, SKILL)
