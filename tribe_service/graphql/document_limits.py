"""Depth and alias limits, checked in time linear in the document.

Strawberry's ``QueryDepthLimiter`` and ``MaxAliasesLimiter`` walk a fragment
again at every place it is spread, so nested spreads (``fragment F0 on User
{ ...F1 ...F1 }``, twenty levels, under a kilobyte) cost 2^20 walks: seconds
of validation on the event loop. These rules measure each fragment once per
document and reuse the result wherever it is spread.

* depth: how many selection sets deep an operation goes below its root fields
  (introspection fields do not count, so GraphiQL's schema query passes);
* aliases: how many aliased fields an operation produces once its fragments
  are expanded (a fragment spread twice counts twice);
* expansion: how many field selections an operation holds once its fragments
  are expanded. Checked right after parsing (:class:`ExpansionLimit`), before
  graphql-core's own rules, whose overlap check is quadratic in that number: a
  fragment bomb is refused in microseconds instead of validated in tens of
  milliseconds (and a changed character defeats any cache).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import NamedTuple

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
)
from graphql.language import SKIP, VisitorAction
from graphql.validation import ASTValidationRule
from strawberry.extensions import SchemaExtension

from tribe_service.graphql.document_cache import DOCUMENT_CACHE_SIZE, IdentityCache
from tribe_service.graphql.errors import QUERY_TOO_DEEP, QUERY_TOO_LARGE, TOO_MANY_ALIASES

# The landing page holds 95 field selections expanded; 2,000 tokens written out
# without fragments hold fewer than 2,000.
MAX_EXPANDED_FIELDS = 2_000


class Shape(NamedTuple):
    """What a selection set adds up to: its depth, aliases and fields, fragments expanded."""

    depth: int = 0
    aliases: int = 0
    fields: int = 0

    def beside(self, other: Shape) -> Shape:
        """Two selections of the same selection set."""
        return Shape(
            max(self.depth, other.depth), self.aliases + other.aliases, self.fields + other.fields
        )


def fragment_definitions(document: DocumentNode) -> dict[str, FragmentDefinitionNode]:
    """The document's fragments by name."""
    return {
        definition.name.value: definition
        for definition in document.definitions
        if isinstance(definition, FragmentDefinitionNode)
    }


class ShapeMeter:
    """Measures selection sets, remembering each named fragment's shape."""

    def __init__(self, definitions: Mapping[str, FragmentDefinitionNode]) -> None:
        self.definitions = definitions
        self.fragments: dict[str, Shape] = {}
        self.in_progress: set[str] = set()  # a cycle is NoFragmentCyclesRule's to report

    def selection_set(self, node: SelectionSetNode | None) -> Shape:
        """The shape of ``node``'s selections, side by side."""
        shape = Shape()
        for selection in node.selections if node else ():
            if isinstance(selection, FieldNode):
                shape = shape.beside(self.field(selection))
            elif isinstance(selection, InlineFragmentNode):
                shape = shape.beside(self.selection_set(selection.selection_set))
            elif isinstance(selection, FragmentSpreadNode):
                shape = shape.beside(self.fragment(selection.name.value))
        return shape

    def field(self, node: FieldNode) -> Shape:
        """A field: one level deeper than its selections, plus its own alias."""
        alias = 1 if node.alias else 0
        if node.selection_set is None:
            return Shape(0, alias, 1)
        inner = self.selection_set(node.selection_set)
        if node.name.value.startswith("__"):  # introspection: no depth
            return Shape(0, inner.aliases + alias, inner.fields + 1)
        return Shape(inner.depth + 1, inner.aliases + alias, inner.fields + 1)

    def fragment(self, name: str) -> Shape:
        """A named fragment's shape, measured the first time it is spread."""
        if name in self.fragments:
            return self.fragments[name]
        definition = self.definitions.get(name)
        if definition is None or name in self.in_progress:
            return Shape()
        self.in_progress.add(name)
        shape = self.selection_set(definition.selection_set)
        self.in_progress.discard(name)
        self.fragments[name] = shape
        return shape


def document_limit_rules(max_depth: int, max_aliases: int) -> list[type[ASTValidationRule]]:
    """The depth and alias rule for these limits, as one graphql-core validation rule.

    Build it once (the validation cache is keyed by the rule classes).
    """

    class DocumentLimitsRule(ValidationRule):
        """Refuses operations deeper than ``max_depth`` or with more than ``max_aliases``."""

        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            self.meter = ShapeMeter(fragment_definitions(context.document))

        def enter_operation_definition(
            self, node: OperationDefinitionNode, *_args: object
        ) -> VisitorAction:
            name = node.name.value if node.name else "anonymous"
            shape = self.meter.selection_set(node.selection_set)
            depth = shape.depth  # root fields are at depth 0, as in QueryDepthLimiter
            if depth > max_depth:
                self.report_error(
                    GraphQLError(
                        f"'{name}' exceeds maximum operation depth of {max_depth}"
                        f" (it is {depth} deep).",
                        node,
                        extensions={"code": QUERY_TOO_DEEP, "depth": depth, "limit": max_depth},
                    )
                )
            if shape.aliases > max_aliases:
                self.report_error(
                    GraphQLError(
                        f"'{name}' uses {shape.aliases} aliases once its fragments are"
                        f" expanded; the limit is {max_aliases}.",
                        node,
                        extensions={
                            "code": TOO_MANY_ALIASES,
                            "aliases": shape.aliases,
                            "limit": max_aliases,
                        },
                    )
                )
            return SKIP

        def enter_fragment_definition(
            self, node: FragmentDefinitionNode, *_args: object
        ) -> VisitorAction:
            return SKIP  # measured where it is spread

    return [DocumentLimitsRule]


def expanded(document: DocumentNode) -> list[tuple[OperationDefinitionNode, int]]:
    """Each operation of ``document`` and how many fields it selects, fragments expanded."""
    meter = ShapeMeter(fragment_definitions(document))
    return [
        (definition, meter.selection_set(definition.selection_set).fields)
        for definition in document.definitions
        if isinstance(definition, OperationDefinitionNode)
    ]


# Measured once per parsed document (the parser cache hands back the same object).
_EXPANDED: IdentityCache[list[tuple[OperationDefinitionNode, int]]] = IdentityCache(
    DOCUMENT_CACHE_SIZE
)


class ExpansionLimit(SchemaExtension):
    """Refuses, right after parsing, an operation above :data:`MAX_EXPANDED_FIELDS`."""

    def on_parse(self) -> Iterator[None]:
        """Measure each operation of the parsed document (linear in its size)."""
        yield
        document = self.execution_context.graphql_document
        if document is None:
            return
        for definition, fields in _EXPANDED.get((document,), None, lambda: expanded(document)):
            if fields > MAX_EXPANDED_FIELDS:
                raise GraphQLError(
                    f"The operation selects {fields} fields once its fragments are expanded;"
                    f" the limit is {MAX_EXPANDED_FIELDS}.",
                    definition,
                    extensions={
                        "code": QUERY_TOO_LARGE,
                        "fields": fields,
                        "limit": MAX_EXPANDED_FIELDS,
                    },
                )
