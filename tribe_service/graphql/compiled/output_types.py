"""What the planner asks of a field's GraphQL type."""

from __future__ import annotations

from typing import Any

from graphql import GraphQLList, GraphQLNonNull, GraphQLObjectType, GraphQLOutputType


def named(output_type: GraphQLOutputType) -> Any:
    """The named type inside lists and non-nulls."""
    while isinstance(output_type, GraphQLNonNull | GraphQLList):
        output_type = output_type.of_type
    return output_type


def is_connection(output_type: GraphQLOutputType) -> bool:
    """A page type (``nodes``, ``edges``, ``pageInfo``) rather than a list."""
    return isinstance(output_type, GraphQLObjectType) and "pageInfo" in output_type.fields


def is_list(output_type: GraphQLOutputType) -> bool:
    """A list (nullable or not)."""
    inner = output_type.of_type if isinstance(output_type, GraphQLNonNull) else output_type
    return isinstance(inner, GraphQLList)
