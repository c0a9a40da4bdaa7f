"""One write per operation: a mutation operation selects exactly one mutation field.

GraphQL runs several mutation fields one after the other, and here they would share
one transaction: a refusal of the second would leave the first applied, with one
payload saying success and the other not, and a retry could not tell which half to
repeat. So the rule is simple: one mutation field per operation (``__typename``
aside). Send independent writes as separate requests, or batch them in one HTTP
request as separate operations.
"""

from __future__ import annotations

from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    ValidationRule,
)
from graphql.language import VisitorAction

TOO_MANY_WRITES = "TOO_MANY_MUTATIONS"


class OneMutationField(ValidationRule):
    """Refuses a mutation operation that selects more than one mutation field."""

    def enter_operation_definition(
        self, node: OperationDefinitionNode, *_args: object
    ) -> VisitorAction:
        """Count the root fields, fragments expanded (each fragment once)."""
        if node.operation is OperationType.MUTATION:
            fields = self._root_fields(node.selection_set, set())
            if len(fields) > 1:
                self.report_error(
                    GraphQLError(
                        f"An operation runs one mutation; this one asks for {len(fields)}"
                        f" ({', '.join(sorted(fields))}): send them as separate operations.",
                        node,
                        extensions={"code": TOO_MANY_WRITES},
                    )
                )
        return None

    def _root_fields(self, selection_set: SelectionSetNode, seen: set[str]) -> set[str]:
        found: set[str] = set()
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                if selection.name.value != "__typename":
                    found.add((selection.alias or selection.name).value)
            elif isinstance(selection, InlineFragmentNode):
                found |= self._root_fields(selection.selection_set, seen)
            elif isinstance(selection, FragmentSpreadNode) and selection.name.value not in seen:
                seen.add(selection.name.value)
                fragment = self.context.get_fragment(selection.name.value)
                if fragment is not None:
                    found |= self._root_fields(fragment.selection_set, seen)
        return found
