"""Readers: small functions that turn a record of a plan's statement into answer values.

A plan is a tree of readers built once per operation; answering runs them over
the records, with no resolver call, ``Info`` or awaitable per field. Each value is
converted exactly as graphql-core serializes it (enum names, ISO dates, ...).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import msgspec
from graphql import GraphQLEnumType, GraphQLNonNull, GraphQLOutputType, GraphQLScalarType

# A reader takes a record (an asyncpg Record or a nested tuple) and the request's context.
Reader = Callable[[Sequence[Any], Any], Any]
Convert = Callable[[Any], Any]


class Unsupported(Exception):
    """The planner cannot compile this operation; the resolvers answer it."""


class MissingRow(LookupError):
    """A row that a non-null relation points to is gone (only mid-request deletes)."""


def _decode_json(value: Any) -> Any:
    return msgspec.json.decode(value) if isinstance(value, str) else value


# Built-in scalars whose column values are already what graphql-core serializes.
_SCALARS: dict[str, Convert | None] = {
    "ID": None,
    "String": None,
    "Int": None,
    "Boolean": None,
    "Float": float,
    "JSON": _decode_json,  # a jsonb column arrives as text
}


def converter(output_type: GraphQLOutputType) -> Convert | None:
    """How a column value becomes what graphql-core would serialize (None: as it is).

    Enums map stored values to names; other scalars (``DateTime``) use their own
    ``serialize``, exactly as graphql-core would.
    """
    named = output_type.of_type if isinstance(output_type, GraphQLNonNull) else output_type
    if isinstance(named, GraphQLEnumType):
        names = {value.value: name for name, value in named.values.items()}
        return names.__getitem__
    if isinstance(named, GraphQLScalarType):
        return _SCALARS.get(named.name, named.serialize)
    raise Unsupported(f"output type {output_type}")


class Constant:
    """Always ``value`` (``__typename``)."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __call__(self, record: Sequence[Any], context: Any) -> Any:
        """The value."""
        return self.value


class Column:
    """The record's ``index``-th value, converted unless null."""

    __slots__ = ("convert", "index")

    def __init__(self, index: int, convert: Convert | None) -> None:
        self.index = index
        self.convert = convert

    def __call__(self, record: Sequence[Any], context: Any) -> Any:
        """The value."""
        value = record[self.index]
        return None if value is None or self.convert is None else self.convert(value)


def constant(value: Any) -> Reader:
    """Always ``value`` (``__typename``)."""
    return Constant(value)


def column(index: int, convert: Convert | None) -> Reader:
    """The record's ``index``-th value, converted unless null."""
    return Column(index, convert)


def private(index: int, owner_index: int) -> Reader:
    """The value only for the viewer whose id is the record's ``owner_index``-th value."""

    def read(record: Sequence[Any], context: Any) -> Any:
        if context.current_user_id == record[owner_index]:
            return record[index]
        return None

    return read


def obj(fields: list[tuple[str, Reader]]) -> Reader:
    """A dict of response keys to their readers' values, as one generated function.

    Columns and constants are inlined into a dict display (``{"id": record[0], ...}``),
    so an object costs one call, not one per field (graphql-jit's idea). Response
    keys are GraphQL names, so ``repr`` quotes them safely.
    """
    namespace: dict[str, Any] = {}
    items = []
    for n, (key, field) in enumerate(fields):
        if isinstance(field, Constant):
            namespace[f"k{n}"] = field.value
            value = f"k{n}"
        elif isinstance(field, Column) and field.convert is None:
            value = f"record[{field.index}]"
        elif isinstance(field, Column):
            namespace[f"c{n}"] = field.convert
            value = f"(None if (v{n} := record[{field.index}]) is None else c{n}(v{n}))"
        else:
            namespace[f"f{n}"] = field
            value = f"f{n}(record, context)"
        items.append(f"{key!r}: {value}")
    source = "def read(record, context):\n    return {" + ", ".join(items) + "}\n"
    exec(source, namespace)
    read: Reader = namespace["read"]
    return read


def one(index: int, item: Reader, nullable: bool) -> Reader:
    """A nested record (a to-one relation) read by ``item``."""

    def read(record: Sequence[Any], context: Any) -> Any:
        nested = record[index]
        if nested is None:
            if nullable:
                return None
            raise MissingRow("a non-null relation's row is missing")
        return item(nested, context)

    return read


def many(index: int, item: Reader) -> Reader:
    """An array of nested records (a to-many relation), each read by ``item``."""
    return lambda record, context: [item(nested, context) for nested in record[index]]


def either(discriminator: int, members: dict[str, tuple[int, Reader]]) -> Reader:
    """A union member chosen by the discriminator column (null if none or gone)."""

    def read(record: Sequence[Any], context: Any) -> Any:
        member = members.get(record[discriminator])
        if member is None:
            return None
        nested = record[member[0]]
        return None if nested is None else member[1](nested, context)

    return read


def json_list(index: int, item: Convert, nullable: bool) -> Reader:
    """A JSON array column as a list of scalars (``[String!]``); ``[]`` when null."""

    def read(record: Sequence[Any], context: Any) -> Any:
        value = _decode_json(record[index])
        if value is None and nullable:
            return None
        return scalar_list(value or [], item)

    return read


def scalar_list(value: Any, item: Convert) -> list[Any]:
    """Each item serialized; anything graphql-core would refuse raises (and so falls back)."""
    if not isinstance(value, list):
        raise TypeError("expected a JSON array")
    items = [item(element) for element in value]
    if any(element is None for element in items):
        raise TypeError("null in a list of non-null items")
    return items


def json_object(index: int, fields: list[tuple[str, Callable[[dict[str, Any]], Any]]]) -> Reader:
    """A JSON object column as a GraphQL object: each field reads its key (null if absent)."""

    def read(record: Sequence[Any], context: Any) -> dict[str, Any]:
        data = _decode_json(record[index]) or {}
        if not isinstance(data, dict):
            raise TypeError("expected a JSON object")
        return {key: field(data) for key, field in fields}

    return read
