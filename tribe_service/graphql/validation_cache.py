"""Validation results cached by the parsed document's identity.

Strawberry's ``ValidationCache`` keys an ``lru_cache`` by the document, and
graphql-core hashes a document by walking every node of it, on every request:
for the landing page that walk cost more than answering it from a compiled
plan. :class:`~tribe_service.graphql.document_cache.IdentityCache` keys by identity.
"""

from __future__ import annotations

from collections.abc import Iterator

from graphql import GraphQLError
from strawberry.extensions.base_extension import SchemaExtension
from strawberry.schema.schema import validate_document

from tribe_service.graphql.document_cache import IdentityCache

_validated: dict[int, IdentityCache[list[GraphQLError]]] = {}


def validation_cache(maxsize: int) -> IdentityCache[list[GraphQLError]]:
    """The process's cache of validation results for this size (shared by every request)."""
    return _validated.setdefault(maxsize, IdentityCache(maxsize))


class DocumentValidationCache(SchemaExtension):
    """Validate each parsed document once per schema and rule set (LRU of ``maxsize``)."""

    def __init__(self, maxsize: int) -> None:
        super().__init__()
        self.cache = validation_cache(maxsize)

    def on_validate(self) -> Iterator[None]:
        """Reuse the errors (usually none) of the same document's earlier validation."""
        context = self.execution_context
        schema, document = context.schema._schema, context.graphql_document
        assert document is not None  # parsed before validation
        rules = tuple(context.validation_rules)
        context.pre_execution_errors = self.cache.get(
            (schema, document), rules, lambda: validate_document(schema, document, rules)
        )
        yield
