"""Readers of JSON columns: shown as an object type's fields or a list of scalars."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphql import GraphQLField, GraphQLNonNull, GraphQLObjectType, GraphQLScalarType
from graphql.execution.collect_fields import FieldDetailsList

from tribe_service.graphql.compiled import readers
from tribe_service.graphql.compiled.connections import Subfields
from tribe_service.graphql.compiled.output_types import is_list, named
from tribe_service.graphql.compiled.readers import Reader, Unsupported


def json_reader(
    subfields: Subfields, field: GraphQLField, details: FieldDetailsList, index: int
) -> Reader:
    """A JSON column shown as an object type or a list of scalars."""
    inner = named(field.type)
    nullable = not isinstance(field.type, GraphQLNonNull)
    if isinstance(inner, GraphQLScalarType) and is_list(field.type):
        return readers.json_list(index, inner.serialize, nullable)
    if not isinstance(inner, GraphQLObjectType):
        raise Unsupported(f"JSON field {field.type}")
    return readers.json_object(index, _json_fields(subfields, inner, details))


def _json_fields(
    subfields: Subfields, object_type: GraphQLObjectType, details: FieldDetailsList
) -> list[tuple[str, Callable[[dict[str, Any]], Any]]]:
    fields: list[tuple[str, Callable[[dict[str, Any]], Any]]] = []
    for key, sub in subfields(object_type, details).items():
        name = sub[0].node.name.value
        if name == "__typename":
            fields.append((key, _constant_json(object_type.name)))
            continue
        field = object_type.fields[name]
        inner = named(field.type)
        definition = field.extensions.get("strawberry-definition")
        json_key = getattr(definition, "python_name", None)
        if field.args or not isinstance(inner, GraphQLScalarType) or json_key is None:
            raise Unsupported(f"{object_type.name}.{name}")
        fields.append((key, _json_value(json_key, inner.serialize, is_list(field.type))))
    return fields


def _json_value(
    key: str, serialize: Callable[[Any], Any], is_list: bool
) -> Callable[[dict[str, Any]], Any]:
    if is_list:
        return lambda data: (
            None if data.get(key) is None else readers.scalar_list(data[key], serialize)
        )
    return lambda data: None if data.get(key) is None else serialize(data[key])


def _constant_json(value: str) -> Callable[[dict[str, Any]], Any]:
    return lambda data: value
