"""Readers of connections (``edges``, ``nodes``, ``pageInfo``, ``totalCount``) over records.

A page is read from up to ``first + 1`` records (:func:`~tribe_service.graphql.paging.split_page`);
cursors come from the list order's codec.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from graphql import GraphQLField, GraphQLObjectType
from graphql.execution.collect_fields import FieldDetailsList, GroupedFieldSet

from tribe_service.data_access.pages import ListOrder
from tribe_service.graphql.compiled import readers
from tribe_service.graphql.compiled.levels import Level
from tribe_service.graphql.compiled.output_types import named
from tribe_service.graphql.compiled.readers import Reader, Unsupported
from tribe_service.graphql.paging import codec, split_page

# A connection part: (page of records, more rows follow, total count or None, context).
Part = Callable[[Sequence[Any], bool, Any, Any], Any]
# The planner's field collection: the grouped subfields of a selection on a type.
Subfields = Callable[[GraphQLObjectType, FieldDetailsList], GroupedFieldSet]


def connection_reader(
    subfields: Subfields,
    connection_type: GraphQLObjectType,
    details: FieldDetailsList,
    node: Callable[[FieldDetailsList], Reader],
    cursor: Callable[[Sequence[Any]], str],
    edge_field: Callable[[GraphQLField], Reader] | None = None,
) -> tuple[Callable[[Sequence[Any], int, Any, Any], Any], bool]:
    """A page reader over up to ``first + 1`` records, and whether it reads ``totalCount``.

    ``node`` makes the node reader for a selection; ``edge_field`` reads an edge's
    other fields by their declarations (search hits' rank and snippet).
    """
    parts: list[tuple[str, Part]] = []
    counted = False
    for key, sub in subfields(connection_type, details).items():
        name = sub[0].node.name.value
        if name == "__typename":
            parts.append((key, _constant_part(connection_type.name)))
        elif name == "totalCount":
            counted = True
            parts.append((key, lambda page, more, total, context: total))
        elif name == "nodes":
            parts.append((key, _nodes_part(node(sub))))
        elif name == "edges":
            edge_type = named(connection_type.fields[name].type)
            parts.append((key, _edges(subfields, edge_type, sub, node, cursor, edge_field)))
        elif name == "pageInfo":
            info_type = named(connection_type.fields[name].type)
            parts.append((key, _page_info(subfields, info_type, sub, cursor)))
        else:
            raise Unsupported(f"{connection_type.name}.{name}")

    def read(rows: Sequence[Any], first: int, total: Any, context: Any) -> dict[str, Any]:
        page, more = split_page(rows, first)
        return {key: part(page, more, total, context) for key, part in parts}

    return read, counted


def _edges(
    subfields: Subfields,
    edge_type: GraphQLObjectType,
    details: FieldDetailsList,
    node: Callable[[FieldDetailsList], Reader],
    cursor: Callable[[Sequence[Any]], str],
    edge_field: Callable[[GraphQLField], Reader] | None,
) -> Part:
    fields: list[tuple[str, Reader]] = []
    for key, sub in subfields(edge_type, details).items():
        name = sub[0].node.name.value
        if name == "__typename":
            fields.append((key, readers.constant(edge_type.name)))
        elif name == "cursor":
            fields.append((key, lambda record, context: cursor(record)))
        elif name == "node":
            fields.append((key, node(sub)))
        elif edge_field is not None:
            fields.append((key, edge_field(edge_type.fields[name])))
        else:
            raise Unsupported(f"{edge_type.name}.{name}")
    edge = readers.obj(fields)
    return lambda page, more, total, context: [edge(record, context) for record in page]


def _page_info(
    subfields: Subfields,
    info_type: GraphQLObjectType,
    details: FieldDetailsList,
    cursor: Callable[[Sequence[Any]], str],
) -> Part:
    fields: list[tuple[str, Callable[[Sequence[Any], bool], Any]]] = []
    for key, sub in subfields(info_type, details).items():
        name = sub[0].node.name.value
        if name == "__typename":
            fields.append((key, _constant_info(info_type.name)))
        elif name == "hasNextPage":
            fields.append((key, lambda page, more: more))
        elif name == "endCursor":
            fields.append((key, lambda page, more: cursor(page[-1]) if page else None))
        else:
            raise Unsupported(f"{info_type.name}.{name}")
    return lambda page, more, total, context: {key: f(page, more) for key, f in fields}


def order_cursor(order: ListOrder, level: Level) -> Callable[[Sequence[Any]], str]:
    """A record's cursor in ``order`` (its sort key columns, selected on ``level``)."""
    encode = codec(order).encode
    key_indexes = [level.column(column) for column in order.key_columns]
    return lambda record: encode([record[index] for index in key_indexes])


def _constant_part(value: Any) -> Part:
    return lambda page, more, total, context: value


def _constant_info(value: str) -> Callable[[Sequence[Any], bool], Any]:
    return lambda page, more: value


def _nodes_part(node: Reader) -> Part:
    return lambda page, more, total, context: [node(record, context) for record in page]
