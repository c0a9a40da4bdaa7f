"""Discovered lists as relations: their row shapes, and their subqueries below a parent row."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from tribe_service.data_access.discovery.candidates import candidates_correlated
from tribe_service.data_access.discovery.similarity import nearest_correlated
from tribe_service.data_access.relations import Relation, ToOne
from tribe_service.data_access.shapes import PROJECT, TRIBE, USER, RowShape
from tribe_service.enums import SearchKind

# The rows the discovery statements derive (no table): what their readers may select.
CANDIDATE = RowShape("", ("user_id", "skill_ids", "matches", "availability", "builder_score"))
SIMILAR = RowShape("", ("id", "similarity"))

# What a search hit's ``kind`` and ``id`` point to.
SEARCH_TARGETS: Final = {
    SearchKind.USER: ToOne(USER, "id"),
    SearchKind.PROJECT: ToOne(PROJECT, "id"),
    SearchKind.TRIBE: ToOne(TRIBE, "id"),
}


@dataclass(frozen=True)
class DiscoveredList:
    """A list a discovery statement ranks below a parent row, ``first`` rows of it.

    ``correlated(select, t, parent, limit)`` is its subquery (``limit`` a placeholder) (its rows have the shape
    :data:`CANDIDATE` or :data:`SIMILAR`); ``hnsw``: it needs :data:`HNSW_SETTINGS_SQL`
    in its transaction.
    """

    correlated: Callable[[str, str, str, str], str]
    hnsw: bool = False


def _nearest_in(table: str) -> Callable[[str, str, str, str], str]:
    return lambda select, t, parent, limit: nearest_correlated(table, select, t, parent, limit)


DISCOVERED: Final = {
    Relation.OPEN_ROLE_CANDIDATES: DiscoveredList(candidates_correlated),
    Relation.USER_SIMILAR_BUILDERS: DiscoveredList(_nearest_in("users"), hnsw=True),
    Relation.PROJECT_SIMILAR_PROJECTS: DiscoveredList(_nearest_in("projects"), hnsw=True),
}
