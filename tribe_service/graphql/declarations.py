"""What a GraphQL field reads, declared once, at the field.

Every field of a row type and every root field carries one declaration in its
Strawberry metadata (``strawberry.field(metadata=declare(...))``); the compiled
planner, the cost estimate and the generic resolvers read it from there, so no
module keeps a table keyed by field names:

* a plain field declares nothing: it reads the column of its Python name from
  the row shape its type declares (:func:`row_type`); a JSON column's keys become
  an object type's fields;
* :class:`Follows` a relation below the row (to one row, to many, the rows of an
  id array, or rows a discovery statement ranks);
* :class:`PagedBelow` a connection below the row: a to-many relation in a list order;
* :class:`Chosen` a union member picked by a discriminator column's value;
* :class:`OwnerOnly` a column only the row's owner may read;
* :class:`ListedAtRoot`, :class:`LookedUp` and :class:`Searched` the root lists,
  lookups and the search;
* :class:`Probe` a root field with no rows (``health``);
* :class:`Written` a mutation payload's row, read by id after the write.

A field without a declaration that is not a column makes the planner fall back to
the resolvers, so a new field is answered correctly before it is declared, only
slower (and ``tests/test_graphql_differential.py`` says so).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from graphql import GraphQLField, GraphQLNamedType

from tribe_service.data_access.pages import ListOrder
from tribe_service.data_access.relations import Relation, ToOne
from tribe_service.data_access.shapes import RowShape

DECLARATION = "tribe_service.declaration"
ROW_SHAPE = "row_shape"


class Declaration:
    """What a field reads; ``list_size`` is what a list without ``first`` counts as in cost."""

    list_size: int | None = None


@dataclass(frozen=True)
class Follows(Declaration):
    """The row(s) ``relation`` leads to from the parent row."""

    relation: Relation
    list_size: int | None = None


@dataclass(frozen=True)
class PagedBelow(Declaration):
    """A connection below a row: the to-many ``relation`` paged in ``order``."""

    relation: Relation
    order: ListOrder


@dataclass(frozen=True)
class Member:
    """A union member: its Strawberry ``type``, the ``relation`` to its row, and the
    relation whose batch the resolvers load it in (siblings of one type can share one)."""

    type: type
    relation: ToOne
    batch: Relation


@dataclass(frozen=True)
class Chosen(Declaration):
    """A union: the member is chosen by the ``discriminator`` column's value."""

    discriminator: str
    members: Mapping[str, Member]


@dataclass(frozen=True)
class OwnerOnly(Declaration):
    """``column``, shown only to the viewer whose id is in the row's ``owner`` column."""

    column: str
    owner: str


@dataclass(frozen=True)
class Decoded(Declaration):
    """``column`` shown through ``decode`` (a search hit's snippet becomes HTML)."""

    column: str
    decode: Callable[[Any], Any]


@dataclass(frozen=True)
class ListedAtRoot(Declaration):
    """A root list of ``order``'s rows (a page when the field's type is a connection).

    ``filters`` maps an argument to the column it must equal (when not null), or to
    one of ``order.conditions``.
    """

    order: ListOrder
    filters: Mapping[str, str] = field(default_factory=dict)
    list_size: int | None = None

    def filter_values(self, arguments: Mapping[str, Any]) -> dict[str, Any]:
        """The filters' values by column (enums by value) for the arguments given, not null."""
        return {
            column: plain(arguments[name])
            for name, column in self.filters.items()
            if arguments.get(name) is not None
        }


@dataclass(frozen=True)
class LookedUp(Declaration):
    """A root field answering the row of ``shape`` whose ``column`` equals ``argument``.

    By id, the resolvers load it in ``batch`` (aliased lookups share one statement).
    """

    shape: RowShape
    argument: str
    column: str
    batch: Relation | None = None


@dataclass(frozen=True)
class Viewer(Declaration):
    """A root field answering the signed-in builder's row of ``shape``: ``column`` equals the
    context's ``current_user_id`` (null, and no statement, when signed out)."""

    shape: RowShape
    column: str


@dataclass(frozen=True)
class Written(Declaration):
    """A mutation payload's row: the row of ``shape`` whose id the payload object holds
    in its attribute ``source`` (null when the write was refused), read after the write
    in the write's transaction. The resolvers load it in ``batch``."""

    shape: RowShape
    source: str
    batch: Relation


@dataclass(frozen=True)
class HandWritten(Declaration):
    """A field its resolver answers by hand (the planner falls back for it): ``why``."""

    why: str


@dataclass(frozen=True)
class Searched(Declaration):
    """``search``: a page of ranked hits whose nodes are ``nodes``' members."""

    nodes: Chosen


@dataclass(frozen=True)
class Probe(Declaration):
    """A root field answering ``"ok"`` once the database answered ``SELECT 1``."""


def plain(value: Any) -> Any:
    """An argument's value as SQL takes it: an enum member's value, anything else as is."""
    return value.value if isinstance(value, Enum) else value


def declare(declaration: Declaration) -> dict[str, Any]:
    """Strawberry field metadata holding ``declaration``."""
    return {DECLARATION: declaration}


def declaration_of(graphql_field: GraphQLField) -> Declaration | None:
    """The declaration of a field of the schema, if it has one."""
    definition = graphql_field.extensions.get("strawberry-definition")
    metadata = getattr(definition, "metadata", None) or {}
    found = metadata.get(DECLARATION)
    return found if isinstance(found, Declaration) else None


def row_type[T](shape: RowShape) -> Any:
    """Class decorator: the GraphQL type reads rows of ``shape`` (put it above ``strawberry.type``)."""

    def mark(cls: type[T]) -> type[T]:
        setattr(cls, ROW_SHAPE, shape)
        return cls

    return mark


def shape_of(graphql_type: GraphQLNamedType) -> RowShape | None:
    """The row shape a GraphQL object type reads, if it is a row type."""
    definition = graphql_type.extensions.get("strawberry-definition")
    origin = getattr(definition, "origin", None)
    shape = getattr(origin, ROW_SHAPE, None)
    return shape if isinstance(shape, RowShape) else None
