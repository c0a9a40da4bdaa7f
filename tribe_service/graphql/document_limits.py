"""Depth, alias and expansion limits, read from the document's one analysis.

Strawberry's ``QueryDepthLimiter`` and ``MaxAliasesLimiter`` walk a fragment
again at every place it is spread, so nested spreads (``fragment F0 on User
{ ...F1 ...F1 }``, twenty levels, under a kilobyte) cost 2^20 walks: seconds
of validation on the event loop. The document's analysis
(:mod:`~tribe_service.graphql.document_analysis`) measures each fragment once per
document and reuses the result wherever it is spread:

* depth and aliases are a validation rule (their errors come with graphql-core's);
* expansion, how many field selections an operation holds once its fragments
  are expanded, is checked right after parsing (:class:`ExpansionLimit`), before
  graphql-core's own rules, whose overlap check is quadratic in that number: a
  fragment bomb is refused in microseconds instead of validated in tens of
  milliseconds (and a changed character defeats any cache).
"""

from __future__ import annotations

from collections.abc import Iterator

from graphql import (
    FragmentDefinitionNode,
    GraphQLError,
    OperationDefinitionNode,
    ValidationContext,
    ValidationRule,
)
from graphql.language import SKIP, VisitorAction
from graphql.validation import ASTValidationRule
from strawberry.extensions import SchemaExtension

from tribe_service.graphql.document_analysis import analysis_of
from tribe_service.graphql.errors import QUERY_TOO_DEEP, QUERY_TOO_LARGE, TOO_MANY_ALIASES

# The landing page holds 95 field selections expanded; 2,000 tokens written out
# without fragments hold fewer than 2,000.
MAX_EXPANDED_FIELDS = 2_000


def document_limit_rules(max_depth: int, max_aliases: int) -> list[type[ASTValidationRule]]:
    """The depth and alias rule for these limits, as one graphql-core validation rule.

    Build it once (the validation cache is keyed by the rule classes).
    """

    class DocumentLimitsRule(ValidationRule):
        """Refuses operations deeper than ``max_depth`` or with more than ``max_aliases``."""

        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            self.analysis = analysis_of(context.schema, context.document)

        def enter_operation_definition(
            self, node: OperationDefinitionNode, *_args: object
        ) -> VisitorAction:
            analysis = self.analysis.of(node)
            name, depth, aliases = analysis.name, analysis.depth, analysis.aliases
            # Root fields are at depth 0, as in QueryDepthLimiter.
            if depth > max_depth:
                self.report_error(
                    GraphQLError(
                        f"'{name}' exceeds maximum operation depth of {max_depth}"
                        f" (it is {depth} deep).",
                        node,
                        extensions={"code": QUERY_TOO_DEEP, "depth": depth, "limit": max_depth},
                    )
                )
            if aliases > max_aliases:
                self.report_error(
                    GraphQLError(
                        f"'{name}' uses {aliases} aliases once its fragments are"
                        f" expanded; the limit is {max_aliases}.",
                        node,
                        extensions={
                            "code": TOO_MANY_ALIASES,
                            "aliases": aliases,
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


class ExpansionLimit(SchemaExtension):
    """Refuses, right after parsing, an operation above :data:`MAX_EXPANDED_FIELDS`."""

    def on_parse(self) -> Iterator[None]:
        """Analyse the parsed document (once per document: linear in its size)."""
        yield
        context = self.execution_context
        document = context.graphql_document
        if document is None:
            return
        for operation in analysis_of(context.schema._schema, document).operations:
            if operation.fields > MAX_EXPANDED_FIELDS:
                raise GraphQLError(
                    f"The operation selects {operation.fields} fields once its fragments are"
                    f" expanded; the limit is {MAX_EXPANDED_FIELDS}.",
                    operation.node,
                    extensions={
                        "code": QUERY_TOO_LARGE,
                        "fields": operation.fields,
                        "limit": MAX_EXPANDED_FIELDS,
                    },
                )
