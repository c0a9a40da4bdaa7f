"""Per-request DataLoaders: one batched SQL statement per relation and level.

Every lazy GraphQL field goes through one of these, so a page of fifty
builders costs the same number of statements as a page of two. Loaders return
plain rows (dicts of the shapes in :mod:`tribe_service.data_access.shapes`);
the GraphQL types wrap them. A new :class:`Loaders` is made for each request,
so cached rows never outlive it. The SQL lives in
:mod:`tribe_service.data_access.relations`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable
from datetime import datetime
from functools import partial
from typing import Any

from strawberry.dataloader import DataLoader

from tribe_service.data_access import relations
from tribe_service.data_access.discovery.candidates import open_role_candidates
from tribe_service.data_access.discovery.similarity import similar_builders, similar_projects
from tribe_service.data_access.relations import Relation
from tribe_service.data_access.shapes import Row, RowShape
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


# The batched load of each discovered list (ranked in SQL), and the parent key of its rows.
_DISCOVERIES: dict[
    Relation, tuple[Callable[[TribeEngine, list[str], int], Awaitable[list[Row]]], str]
] = {
    Relation.OPEN_ROLE_CANDIDATES: (open_role_candidates, "role_id"),
    Relation.USER_SIMILAR_BUILDERS: (similar_builders, "source_id"),
    Relation.PROJECT_SIMILAR_PROJECTS: (similar_projects, "source_id"),
}


class Loaders:
    """The DataLoaders of one request, made on first use.

    Rows by id are batched per *relation* (``rows(USER, Relation.PROJECT_OWNER)``),
    not in one loader per table: a shared loader merges the loads of sibling
    branches only when their parents happen to arrive in the same tick, so the
    statement count of a query would depend on database timing. Per relation it is
    fixed: one statement per relation and level that the page touches.
    """

    def __init__(self, engine: TribeEngine) -> None:
        self._engine = engine
        self._by_id: dict[tuple[Relation, str], DataLoader[str, Row | None]] = {}
        self._related: dict[Relation, LoadersByArguments] = {}
        self._discovered: dict[Relation, LoadersByArguments] = {}
        self._below = LoadersByArguments(self._load_activity)
        self._count_below: DataLoader[str, int] = DataLoader(
            load_fn=partial(relations.count_activity, engine)
        )

    def rows(self, shape: RowShape, relation: Relation) -> DataLoader[str, Row | None]:
        """Rows of ``shape`` by id, for one relation (e.g. ``Relation.PROJECT_OWNER``)."""
        key = (relation, shape.table)
        if key not in self._by_id:
            load = partial(relations.load_by_ids, self._engine, shape)
            self._by_id[key] = DataLoader(load_fn=load)
        return self._by_id[key]

    def related(self, relation: Relation, status: str | None) -> DataLoader[str, list[Row]]:
        """Each parent's rows of the to-many ``relation`` (of ``status``, if given)."""
        if relation not in self._related:
            self._related[relation] = LoadersByArguments(partial(self._load_related, relation))
        return self._related[relation](status)

    def discovered(self, relation: Relation, first: int) -> DataLoader[str, list[Row]]:
        """Each parent's first ``first`` rows of a discovered list (candidates, nearest)."""
        if relation not in self._discovered:
            find, parent_key = _DISCOVERIES[relation]
            self._discovered[relation] = LoadersByArguments(
                partial(self._load_discovered, partial(find, self._engine), parent_key)
            )
        return self._discovered[relation](first)

    def below(
        self, relation: Relation, after: tuple[datetime, str] | None, limit: int
    ) -> DataLoader[str, list[Row]]:
        """Each builder's page of ``relation`` (their activity) after a keyset position."""
        assert relation is Relation.USER_ACTIVITY, relation
        return self._below(after, limit)

    def count_below(self, relation: Relation) -> DataLoader[str, int]:
        """How many rows of ``relation`` (their activity) each builder has."""
        assert relation is Relation.USER_ACTIVITY, relation
        return self._count_below

    @staticmethod
    async def _load_discovered(
        find: Callable[[list[str], int], Awaitable[list[Row]]],
        field: str,
        first: int,
        keys: list[str],
    ) -> list[list[Row]]:
        return _grouped(keys, await find(keys, first), field)

    async def _load_related(
        self, relation: Relation, status: str | None, keys: list[str]
    ) -> list[list[Row]]:
        return await relations.load_related(self._engine, relation, keys, status)

    async def _load_activity(
        self, after: tuple[datetime, str] | None, limit: int, keys: list[str]
    ) -> list[list[Row]]:
        return await relations.load_activity(self._engine, keys, after, limit)
