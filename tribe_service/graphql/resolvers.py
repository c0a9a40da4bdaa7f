"""The resolvers' side of the field declarations: rows become objects, declared fields resolve.

:func:`from_row` makes any row type's object from a row of its shape (enums,
JSON objects and lists converted as the field types say) and keeps the row on
it, so that a declared field reads its keys from there. The field factories
(:func:`follows`, :func:`paged_below`, :func:`chosen`, :func:`owner_only`) make
a Strawberry field from one declaration: its metadata (what the compiled planner
and the cost estimate read) and its resolver, which loads through the request's
DataLoaders, one batched statement per relation and level.

No ``from __future__ import annotations`` here: the resolvers' arguments are
annotated with real objects (a status enum per field), which Strawberry reads.
"""

import enum
from collections.abc import Callable, Hashable, Mapping
from functools import cache, partial
from typing import Annotated, Any, cast

import strawberry
from strawberry.types.base import StrawberryList, StrawberryOptional, get_object_definition
from strawberry.types.enum import StrawberryEnumDefinition
from strawberry.types.lazy_type import LazyType

from tribe_service.data_access.discovery.lists import DISCOVERED
from tribe_service.data_access.pages import ROOT_ALIAS, ListOrder, lookup_statement
from tribe_service.data_access.relations import IN_ARRAY, TO_ONE, Relation
from tribe_service.data_access.shapes import Row
from tribe_service.graphql.context import Info
from tribe_service.graphql.declarations import (
    Chosen,
    Follows,
    ListedAtRoot,
    LookedUp,
    Member,
    OwnerOnly,
    PagedBelow,
    Written,
    declare,
)
from tribe_service.graphql.pagination import Connection, fetch_connection
from tribe_service.graphql.paging import DEFAULT_PAGE_SIZE, check_page_size, page_position
from tribe_service.graphql.types.json_objects import from_json

ROW = "_row"
NESTED_FIRST = f"How many to return: 1 to 100, default {DEFAULT_PAGE_SIZE}."
NestedFirst = Annotated[int, strawberry.argument(description=NESTED_FIRST)]


def from_row[T](cls: type[T], row: Row) -> T:
    """The object of the row type ``cls`` for ``row`` (a row of its shape)."""
    build: Callable[[Row], T] = _row_builder(cast(Hashable, cls))
    return build(row)


def row_of(obj: object) -> Row:
    """The row an object was made from."""
    row: Row = getattr(obj, ROW)
    return row


@cache
def _row_builder(cls: Any) -> Callable[[Row], Any]:
    """A function making ``cls`` objects: its plain fields from the columns of their names."""
    definition = get_object_definition(cls, strict=True)
    conversions = [
        (field.python_name, _converter(field.type))
        for field in definition.fields
        if field.base_resolver is None
    ]

    def build(row: Row) -> Any:
        obj = cls(**{name: convert(row[name]) for name, convert in conversions})
        setattr(obj, ROW, row)
        return obj

    return build


def later(type_name: str, module: str, of: Any = None) -> Any:
    """The object type ``type_name`` of ``module`` (in the generic ``of``: a list, a
    connection), resolved when the schema is built.

    For a field whose type lives in a module that imports this one (``Project.owner``
    is a ``User``; ``User.projects`` names ``Project`` this way), so that the type
    modules import each other in one direction only.
    """
    lazy: LazyType[str, str] = LazyType(type_name, module)
    return lazy if of is None else of[lazy]


def _identity(value: Any) -> Any:
    return value


def _converter(field_type: Any) -> Callable[[Any], Any]:
    """How a column's value becomes the field's Python value (None stays None)."""
    if isinstance(field_type, StrawberryOptional):
        inner = _converter(field_type.of_type)
        return inner if inner is _identity else lambda value: None if not value else inner(value)
    if isinstance(field_type, StrawberryList):
        return lambda value: list(value or [])
    if isinstance(field_type, StrawberryEnumDefinition):
        return field_type.wrapped_cls
    if get_object_definition(field_type) is not None:  # a JSON column's keys
        return partial(from_json, field_type)
    return _identity


def _object_class(strawberry_type: Any) -> Any:
    """The class of the object type inside a (list, optional, lazy) field type."""
    while isinstance(strawberry_type, StrawberryOptional | StrawberryList):
        strawberry_type = strawberry_type.of_type
    if isinstance(strawberry_type, LazyType):
        strawberry_type = strawberry_type.resolve_type()
    return strawberry_type


def _target(info: Info, found: list[Any]) -> Any:
    """The field's object class, found once per field (``found`` is the field's memo)."""
    if not found:
        found.append(_object_class(info.return_type))
    return found[0]


# -- relations -----------------------------------------------------------------------


def follows(
    relation: Relation,
    *,
    description: str,
    status: enum.Enum | None = None,
    list_size: int | None = None,
    graphql_type: Any = None,
) -> Any:
    """A field following ``relation`` from its row (resolver and declaration).

    A to-many relation takes ``first`` (unless ``list_size`` bounds it: the list is
    small by nature) and, when its relation filters by status, ``status`` defaulting
    to ``status``; a discovered list takes ``first``. ``graphql_type`` names the
    field's type where the annotation cannot (a type of a module above, see :func:`later`).
    """
    declaration = Follows(relation, list_size=list_size)
    return strawberry.field(
        resolver=_relation_resolver(relation, status, list_size),
        description=description,
        metadata=declare(declaration),
        graphql_type=graphql_type,
    )


def _relation_resolver(
    relation: Relation, status: enum.Enum | None, list_size: int | None
) -> Callable[..., Any]:
    found: list[Any] = []
    if relation in TO_ONE:
        return _to_one(relation, found)
    if relation in IN_ARRAY:
        return _in_array(relation, found)
    if relation in DISCOVERED:
        return _discovered(relation, found)
    if list_size is not None:
        return _to_many_whole(relation, found)
    if status is not None:
        return _to_many_by_status(relation, type(status), status, found)
    return _to_many(relation, found)


def _to_one(relation: Relation, found: list[Any]) -> Callable[..., Any]:
    spec = TO_ONE[relation]

    async def resolve(root: Any, info: Info) -> Any:
        key = row_of(root)[spec.foreign_key]
        if key is None:  # a nullable foreign key: no row
            return None
        row = await info.context.loaders.rows(spec.shape, relation).load(key)
        if row is None:  # a foreign key: only if the row vanished mid-request
            raise LookupError(f"{spec.shape.table} row {key} not found")
        return from_row(_target(info, found), row)

    return resolve


def _in_array(relation: Relation, found: list[Any]) -> Callable[..., Any]:
    spec = IN_ARRAY[relation]

    async def resolve(root: Any, info: Info) -> Any:
        loader = info.context.loaders.rows(spec.shape, relation)
        rows = await loader.load_many(row_of(root)[spec.ids])
        return [from_row(_target(info, found), row) for row in rows if row is not None]

    return resolve


def _discovered(relation: Relation, found: list[Any]) -> Callable[..., Any]:
    async def resolve(root: Any, info: Info, first: NestedFirst = DEFAULT_PAGE_SIZE) -> Any:
        loader = info.context.loaders.discovered(relation, check_page_size(first))
        rows = await loader.load(row_of(root)["id"])
        return [from_row(_target(info, found), row) for row in rows]

    return resolve


def _to_many_whole(relation: Relation, found: list[Any]) -> Callable[..., Any]:
    async def resolve(root: Any, info: Info) -> Any:
        rows = await info.context.loaders.related(relation, None).load(row_of(root)["id"])
        return [from_row(_target(info, found), row) for row in rows]

    return resolve


def _to_many(relation: Relation, found: list[Any]) -> Callable[..., Any]:
    async def resolve(root: Any, info: Info, first: NestedFirst = DEFAULT_PAGE_SIZE) -> Any:
        check_page_size(first)
        rows = await info.context.loaders.related(relation, None).load(row_of(root)["id"])
        return [from_row(_target(info, found), row) for row in rows[:first]]

    return resolve


def _to_many_by_status(
    relation: Relation, status_type: type[enum.Enum], default: enum.Enum, found: list[Any]
) -> Callable[..., Any]:
    async def resolve(
        root: Any,
        info: Info,
        status: status_type | None = default,  # type: ignore[valid-type]
        first: NestedFirst = DEFAULT_PAGE_SIZE,
    ) -> Any:
        check_page_size(first)
        value = None if status is None else str(status.value)
        rows = await info.context.loaders.related(relation, value).load(row_of(root)["id"])
        return [from_row(_target(info, found), row) for row in rows[:first]]

    return resolve


# -- root lists --------------------------------------------------------------------------


async def root_page[Node](
    info: Info,
    listed: ListedAtRoot,
    node_type: type[Node],
    first: int,
    after: str | None,
    arguments: Mapping[str, Any],
) -> Connection[Node]:
    """A page of the root list ``listed`` declares, its filters from ``arguments``."""
    to_node = partial(from_row, node_type)
    filters = listed.filter_values(arguments)
    return await fetch_connection(info.context.engine, listed.order, to_node, first, after, filters)


async def root_lookup[Node](
    info: Info, looked_up: LookedUp, node_type: type[Node], value: str
) -> Node | None:
    """The row ``looked_up`` declares for ``value`` (by id through its batch), or None."""
    shape = looked_up.shape
    if looked_up.batch is not None:
        row = await info.context.loaders.rows(shape, looked_up.batch).load(value)
    else:
        select = shape.select_list(ROOT_ALIAS)
        records = await info.context.engine.fetch(
            lookup_statement(shape, looked_up.column, select), value
        )
        row = shape.row(records[0]) if records else None
    return None if row is None else from_row(node_type, row)


async def root_list[Node](
    info: Info, listed: ListedAtRoot, node_type: type[Node], arguments: Mapping[str, Any]
) -> list[Node]:
    """The whole root list ``listed`` declares (a small one: the taxonomy), filtered."""
    order = listed.order
    select = order.shape.select_list(ROOT_ALIAS)
    sql, args = order.statement(select, listed.filter_values(arguments), None, None)
    records = await info.context.engine.fetch(sql, *args)
    return [from_row(node_type, dict(record)) for record in records]


# -- pages, unions, private columns ----------------------------------------------------


def paged_below(
    relation: Relation, order: ListOrder, *, description: str, graphql_type: Any = None
) -> Any:
    """A connection of ``relation``'s rows below the row, in ``order`` (``first``, ``after``)."""
    found: list[Any] = []

    async def resolve(
        root: Any, info: Info, first: int = DEFAULT_PAGE_SIZE, after: str | None = None
    ) -> Any:
        position = page_position(order, first, after)
        key: Any = None if position is None else tuple(position)
        loaders = info.context.loaders
        parent = row_of(root)["id"]
        rows = await loaders.below(relation, key, first + 1).load(parent)
        if not found:
            nodes = get_object_definition(info.return_type, strict=True).get_field("nodes")
            assert nodes is not None
            found.append(_object_class(nodes.type))
        return Connection.from_rows(
            rows,
            first,
            order,
            partial(from_row, found[0]),
            partial(loaders.count_below(relation).load, parent),
        )

    return strawberry.field(
        resolver=resolve,
        description=description,
        metadata=declare(PagedBelow(relation, order)),
        graphql_type=graphql_type,
    )


def chosen(discriminator: str, members: Mapping[str, Member], *, description: str) -> Any:
    """A union field: the member ``members`` names for the ``discriminator`` column's value."""

    async def resolve(root: Any, info: Info) -> Any:
        row = row_of(root)
        member = members.get(row[discriminator])
        if member is None:
            return None
        loader = info.context.loaders.rows(member.relation.shape, member.batch)
        found = await loader.load(row[member.relation.foreign_key])
        return from_row(member.type, found) if found else None

    return strawberry.field(
        resolver=resolve,
        description=description,
        metadata=declare(Chosen(discriminator, members)),
    )


def written(declaration: Written, *, description: str) -> Any:
    """A payload's field holding the row its mutation wrote (null if it wrote none)."""
    found: list[Any] = []

    async def resolve(root: Any, info: Info) -> Any:
        row_id = getattr(root, declaration.source)
        if row_id is None:
            return None
        row = await info.context.loaders.rows(declaration.shape, declaration.batch).load(row_id)
        return from_row(_target(info, found), row) if row else None

    return strawberry.field(
        resolver=resolve, description=description, metadata=declare(declaration)
    )


def owner_only(column: str, *, owner: str, description: str) -> Any:
    """``column``, shown only to the viewer whose id is in the row's ``owner`` column."""

    def resolve(root: Any, info: Info) -> Any:
        row = row_of(root)
        return row[column] if info.context.current_user_id == row[owner] else None

    return strawberry.field(
        resolver=resolve,
        description=description,
        metadata=declare(OwnerOnly(column, owner)),
    )
