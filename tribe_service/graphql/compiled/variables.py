"""The variables a compiled plan depends on (it is cached per document and their values).

Only those ``@skip``/``@include`` read: every argument's value is a parameter of the
plan's SQL, read per request.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import (
    DirectiveNode,
    FieldNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    ListValueNode,
    ObjectValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValueNode,
    VariableNode,
)

from tribe_service.graphql.compiled.readers import Unsupported


def keyed_variables(operation: OperationDefinitionNode, fragments: Any) -> frozenset[str]:
    """The variables a plan depends on: those the directives of its selections read."""
    names: set[str] = set()
    for selection in operation.selection_set.selections:
        _collect(selection, names, root=True)
    for fragment in fragments.values():
        definition = getattr(fragment, "definition", fragment)
        _collect_set(definition.selection_set, names)
    return frozenset(names)


def _collect_set(selection_set: SelectionSetNode | None, names: set[str]) -> None:
    if selection_set is not None:
        for selection in selection_set.selections:
            _collect(selection, names, root=False)


def _collect(selection: Any, names: set[str], root: bool) -> None:
    for directive in getattr(selection, "directives", None) or ():
        names.update(_variables_in_directive(directive))
    if isinstance(selection, FieldNode):
        _collect_set(selection.selection_set, names)
    elif isinstance(selection, InlineFragmentNode):
        for inner in selection.selection_set.selections:
            _collect(inner, names, root)
    elif not isinstance(selection, FragmentSpreadNode):
        raise Unsupported(f"selection {type(selection).__name__}")


def _variables_in_directive(directive: DirectiveNode) -> Iterator[str]:
    for argument in directive.arguments or ():
        yield from _variables(argument.value)


def _variables(value: ValueNode) -> Iterator[str]:
    if isinstance(value, VariableNode):
        yield value.name.value
    elif isinstance(value, ListValueNode):
        for item in value.values:
            yield from _variables(item)
    elif isinstance(value, ObjectValueNode):
        for field in value.fields:
            yield from _variables(field.value)
