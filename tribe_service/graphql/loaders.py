"""Per-request DataLoaders: one batched SQL statement per relation and level.

Every lazy GraphQL field goes through one of these, so a page of fifty
builders costs the same number of statements as a page of two. Loaders return
plain rows (dicts of the shapes in :mod:`tribe_service.data_access.shapes`);
the GraphQL types wrap them. A new :class:`Loaders` is made for each request,
so cached rows never outlive it. The SQL lives in
:mod:`tribe_service.data_access.relations`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

from strawberry.dataloader import DataLoader

from tribe_service.data_access.relations import Relation, load_by_ids, load_related
from tribe_service.data_access.shapes import PROJECT, TRIBE, USER, Row, RowShape
from tribe_service.engine import TribeEngine

LoadFn = Callable[[list[str]], Awaitable[list[Any]]]


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
        self._by_relation: dict[Relation, DataLoader[str, Any]] = {}

    def _loader(self, relation: Relation, load: LoadFn) -> DataLoader[str, Any]:
        loader = self._by_relation.get(relation)
        if loader is None:
            loader = self._by_relation[relation] = DataLoader(load_fn=load)
        return loader

    def _by_id(self, relation: Relation, shape: RowShape) -> DataLoader[str, Row | None]:
        return self._loader(relation, partial(load_by_ids, self._engine, shape))

    def users(self, relation: Relation) -> DataLoader[str, Row | None]:
        """Users by id, for one relation (e.g. ``Relation.PROJECT_OWNER``)."""
        return self._by_id(relation, USER)

    def projects(self, relation: Relation) -> DataLoader[str, Row | None]:
        """Projects by id, for one relation."""
        return self._by_id(relation, PROJECT)

    def tribes(self, relation: Relation) -> DataLoader[str, Row | None]:
        """Tribes by id, for one relation."""
        return self._by_id(relation, TRIBE)

    def related(self, relation: Relation) -> DataLoader[str, list[Row]]:
        """Each parent's rows of a to-many relation (``Relation.USER_SKILLS``, ...)."""
        return self._loader(relation, partial(load_related, self._engine, relation))
