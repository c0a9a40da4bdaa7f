"""Validation results cached by the parsed document's identity.

Strawberry's ``ValidationCache`` keys an ``lru_cache`` by the document, and
graphql-core hashes a document by walking every node of it, on every request:
for the landing page that walk cost more than answering it from a compiled
plan. The parser cache hands back the same document object for the same query
text, so its identity is the key here (the entry keeps it alive, so the id
cannot be reused).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from typing import Any

from graphql import GraphQLError
from strawberry.extensions.base_extension import SchemaExtension
from strawberry.schema.schema import validate_document

Entry = tuple[Any, Any, list[GraphQLError]]
_entries: OrderedDict[tuple[int, int, tuple[Any, ...]], Entry] = OrderedDict()


class DocumentValidationCache(SchemaExtension):
    """Validate each parsed document once per schema and rule set (LRU of ``maxsize``)."""

    def __init__(self, maxsize: int) -> None:
        super().__init__()
        self.maxsize = maxsize

    def on_validate(self) -> Iterator[None]:
        """Reuse the errors (usually none) of the same document's earlier validation."""
        context = self.execution_context
        schema, document = context.schema._schema, context.graphql_document
        assert document is not None  # parsed before validation
        rules = tuple(context.validation_rules)
        key = (id(schema), id(document), rules)
        entry = _entries.get(key)
        if entry is not None and entry[0] is schema and entry[1] is document:
            _entries.move_to_end(key)
            errors = entry[2]
        else:
            errors = validate_document(schema, document, rules)
            _entries[key] = (schema, document, errors)
            if len(_entries) > self.maxsize:
                _entries.popitem(last=False)
        context.pre_execution_errors = errors
        yield
