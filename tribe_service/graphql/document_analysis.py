"""One analysis per document: depth, aliases, expansion, cost and the variables a plan reads.

One walk with graphql-core's visitor (:class:`~graphql.TypeInfo` supplies the field
definitions the cost needs) summarises every operation and fragment of a parsed
document; the numbers are then added up from the summaries, each fragment once
(where it is spread, its sum is reused), so the analysis is linear in the document
however its fragments nest (a fragment bomb of 2^20 fields is measured in
microseconds). It is cached by the document's identity (the parser cache hands back
the same object for the same text), and read by every limit and by the plan cache:

* depth: how many selection sets deep an operation goes below its root fields
  (introspection fields do not count, so GraphiQL's schema query passes);
* aliases: how many aliased fields it produces once its fragments are expanded;
* fields: how many field selections it holds once its fragments are expanded;
* cost: an upper bound on the objects it can return (:mod:`~tribe_service.graphql.cost`
  says how), given the request's variables: the summaries hold what it reads;
* keyed variables: those its ``@skip``/``@include`` read, the only variables a
  compiled plan depends on (every argument is a parameter of its SQL).

``@skip`` and ``@include``: every limit counts every selection, whatever its
directives say, literal or variable. A limit bounds what the document can ask for,
the same for every request of it (only the cost reads variables, for page sizes),
and a document never becomes cheaper by what it leaves out. The compiled plan, which
runs what the request selects, honours them (its cache key holds their variables).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any, NamedTuple

from graphql import (
    DirectiveNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLSchema,
    GraphQLType,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    ObjectValueNode,
    OperationDefinitionNode,
    TypeInfo,
    TypeInfoVisitor,
    ValueNode,
    VariableNode,
    Visitor,
    is_leaf_type,
    visit,
)

from tribe_service.graphql.declarations import declaration_of
from tribe_service.graphql.document_cache import DOCUMENT_CACHE_SIZE, IdentityCache
from tribe_service.graphql.mutations.write_cost import write_cost
from tribe_service.graphql.paging import MAX_PAGE_SIZE

PAGE_SIZE_ARGUMENT = "first"
# Introspection (GraphiQL's schema query) is small and fixed; count it flat.
INTROSPECTION_COST = 1


@dataclass(frozen=True, slots=True)
class PageSize:
    """Where a field's ``first`` comes from: the query, a variable, or the schema's default."""

    default: Any
    literal: Any = None  # an int written in the query; ``None`` with ``given`` is not an Int
    variable: str | None = None
    given: bool = False

    def read(self, variables: Mapping[str, Any], defaults: Mapping[str, int]) -> int:
        """The size counted: within 0..``MAX_PAGE_SIZE`` (outside, the resolver refuses it)."""
        value = self.default
        if self.variable is not None:
            value = variables.get(self.variable, defaults.get(self.variable, value))
        elif self.given:
            value = self.literal
        if not isinstance(value, int) or isinstance(value, bool):
            return MAX_PAGE_SIZE
        return min(max(value, 0), MAX_PAGE_SIZE)


@dataclass(frozen=True, slots=True)
class Field:
    """One field selection: what the limits count, and what its cost reads."""

    aliased: bool
    introspection: bool
    selections: Selections | None  # None: no selection set of its own
    # Cost: a known field returning objects costs per object; a list is as long as its
    # `first` says, else as the connection it belongs to, else `unpaged`.
    priced: bool = False
    is_list: bool = False
    page_size: PageSize | None = None
    unpaged: int = MAX_PAGE_SIZE
    # A mutation field's write (graphql.mutations.write_cost), counted once.
    written: int = 0


@dataclass(frozen=True, slots=True)
class Inline:
    """An inline fragment's selections."""

    selections: Selections


@dataclass(frozen=True, slots=True)
class Spread:
    """A named fragment, spread here."""

    name: str


type Selections = tuple[Field | Inline | Spread, ...]


@dataclass(frozen=True, slots=True)
class Fragment:
    """A fragment definition's selections; ``typed``: its type condition is in the schema."""

    selections: Selections
    typed: bool


class Shape(NamedTuple):
    """What selections add up to: their depth, aliases and fields, fragments expanded."""

    depth: int = 0
    aliases: int = 0
    fields: int = 0

    def beside(self, other: Shape) -> Shape:
        """Two selections of the same selection set."""
        return Shape(
            max(self.depth, other.depth), self.aliases + other.aliases, self.fields + other.fields
        )


@dataclass(frozen=True)
class OperationAnalysis:
    """One operation's numbers, and what its cost reads from the variables."""

    node: OperationDefinitionNode
    depth: int
    aliases: int
    fields: int
    # Those @skip/@include read, sorted: the plan cache's key.
    keyed_variables: tuple[str, ...]
    selections: Selections
    fragments: Mapping[str, Fragment]
    variable_defaults: Mapping[str, int]
    rooted: bool  # the schema has this operation's root type

    @property
    def name(self) -> str:
        """The operation's name, as limit errors say it."""
        return self.node.name.value if self.node.name else "anonymous"

    def cost(self, variables: Mapping[str, Any] | None = None) -> int:
        """The estimated cost with these variables (each fragment summed once per size)."""
        if not self.rooted:
            return 0
        return _Cost(self, variables or {}).selections(self.selections, None)


@dataclass(frozen=True)
class DocumentAnalysis:
    """Every operation of a document, analysed, in document order."""

    operations: tuple[OperationAnalysis, ...]

    def of(self, operation: OperationDefinitionNode) -> OperationAnalysis:
        """The analysis of ``operation`` (a node of this document)."""
        return next(analysis for analysis in self.operations if analysis.node is operation)


def analysis_of(schema: GraphQLSchema, document: DocumentNode) -> DocumentAnalysis:
    """The analysis of ``document`` against ``schema``, made once per document object."""
    return _DOCUMENTS.get((schema, document), None, lambda: _analysed(schema, document))


def operation_analysis(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: Mapping[str, FragmentDefinitionNode],
) -> OperationAnalysis:
    """The analysis of ``operation`` (its document's, when that was analysed).

    For an executor, which knows the operation and its fragments but not the document.
    """

    def analyse() -> OperationAnalysis:
        document = DocumentNode(definitions=(operation, *fragments.values()))
        return _analysed(schema, document).of(operation)

    return _OPERATIONS.get((schema, operation), None, analyse)


# Per parsed document, and the same analyses per operation node (for the executor).
_DOCUMENTS: IdentityCache[DocumentAnalysis] = IdentityCache(DOCUMENT_CACHE_SIZE)
_OPERATIONS: IdentityCache[OperationAnalysis] = IdentityCache(DOCUMENT_CACHE_SIZE)


def _analysed(schema: GraphQLSchema, document: DocumentNode) -> DocumentAnalysis:
    type_info = TypeInfo(schema)
    walk = _Summaries(schema, type_info)
    visit(document, TypeInfoVisitor(type_info, walk))
    shapes = _Shapes(walk.fragments)
    analyses = tuple(
        OperationAnalysis(
            node=node,
            **shapes.selections(selections)._asdict(),
            keyed_variables=tuple(sorted(keyed | walk.fragment_keyed)),
            selections=selections,
            fragments=walk.fragments,
            variable_defaults=_int_defaults(node),
            rooted=schema.get_root_type(node.operation) is not None,
        )
        for node, selections, keyed in walk.operations
    )
    for analysis in analyses:  # where the executor, which has no document, finds them
        _OPERATIONS.get((schema, analysis.node), None, partial(_same, analysis))
    return DocumentAnalysis(analyses)


def _same[V](value: V) -> V:
    return value


class _Summaries(Visitor):
    """Summarises operations and fragments as graphql-core's visitor walks the document once."""

    def __init__(self, schema: GraphQLSchema, type_info: TypeInfo) -> None:
        super().__init__()
        self.schema = schema
        self.type_info = type_info  # where each field's definition is read
        self.operations: list[tuple[OperationDefinitionNode, Selections, set[str]]] = []
        self.fragments: dict[str, Fragment] = {}
        self.fragment_keyed: set[str] = set()  # every fragment's directives' variables
        self._keyed: set[str] = set()
        # The selections of each open selection set, innermost last.
        self._open: list[list[Field | Inline | Spread]] = []

    def enter_operation_definition(self, *_: object) -> None:
        self._keyed = set()
        self._open.append([])

    def leave_operation_definition(self, node: OperationDefinitionNode, *_: object) -> None:
        self.operations.append((node, tuple(self._open.pop()), self._keyed))

    def enter_fragment_definition(self, *_: object) -> None:
        self._keyed = self.fragment_keyed
        self._open.append([])

    def leave_fragment_definition(self, node: FragmentDefinitionNode, *_: object) -> None:
        typed = self.schema.get_type(node.type_condition.name.value) is not None
        self.fragments[node.name.value] = Fragment(tuple(self._open.pop()), typed)

    def enter_field(self, node: FieldNode, *_: object) -> None:
        self._directives(node.directives)
        self._open.append([])

    def leave_field(self, node: FieldNode, *_: object) -> None:
        inner = tuple(self._open.pop())
        selections = None if node.selection_set is None else inner
        field = _field(node, self.type_info.get_field_def(), selections)
        if field.priced and self.type_info.get_parent_type() is self.schema.mutation_type:
            field = dataclasses.replace(field, written=write_cost(node.name.value))
        self._open[-1].append(field)

    def enter_inline_fragment(self, node: InlineFragmentNode, *_: object) -> None:
        self._directives(node.directives)
        self._open.append([])

    def leave_inline_fragment(self, *_: object) -> None:
        inner = tuple(self._open.pop())
        self._open[-1].append(Inline(inner))

    def enter_fragment_spread(self, node: FragmentSpreadNode, *_: object) -> None:
        self._directives(node.directives)
        self._open[-1].append(Spread(node.name.value))

    def _directives(self, directives: tuple[DirectiveNode, ...] | None) -> None:
        for directive in directives or ():
            for argument in directive.arguments or ():
                self._keyed.update(_variables(argument.value))


def _field(
    node: FieldNode, definition: GraphQLField | None, selections: Selections | None
) -> Field:
    """A field's summary (its definition, if the schema knows the field, from TypeInfo)."""
    aliased, name = node.alias is not None, node.name.value
    if name.startswith("__"):
        return Field(aliased, True, selections)
    if definition is None:
        return Field(aliased, False, selections)  # validation reports unknown fields
    inner_type, is_list = _unwrap(definition.type)
    if is_leaf_type(inner_type):
        return Field(aliased, False, selections)
    return Field(
        aliased,
        False,
        selections,
        priced=True,
        is_list=is_list,
        page_size=_page_size(node, definition),
        unpaged=unpaged_list_size(definition),
    )


def _page_size(node: FieldNode, definition: GraphQLField) -> PageSize | None:
    argument = definition.args.get(PAGE_SIZE_ARGUMENT)
    if argument is None:
        return None
    size = PageSize(argument.default_value)
    for given in node.arguments or ():
        if given.name.value != PAGE_SIZE_ARGUMENT:
            continue
        if isinstance(given.value, IntValueNode):
            size = PageSize(size.default, literal=int(given.value.value), given=True)
        elif isinstance(given.value, VariableNode):
            size = PageSize(size.default, variable=given.value.name.value, given=True)
        else:
            size = PageSize(size.default, given=True)  # not an Int: validation refuses it
    return size


def unpaged_list_size(definition: GraphQLField) -> int:
    """What a list without ``first`` counts as: its declared size, else ``MAX_PAGE_SIZE``.

    Such lists are bounded by the data, not by the request (the skill taxonomy).
    """
    declaration = declaration_of(definition)
    size = None if declaration is None else declaration.list_size
    return MAX_PAGE_SIZE if size is None else size


def _unwrap(type_: GraphQLType) -> tuple[GraphQLNamedType, bool]:
    """The named type inside ``type_``, and whether a list wraps it."""
    is_list = False
    while isinstance(type_, GraphQLNonNull | GraphQLList):
        is_list = is_list or isinstance(type_, GraphQLList)
        type_ = type_.of_type
    assert isinstance(type_, GraphQLNamedType)
    return type_, is_list


def _int_defaults(operation: OperationDefinitionNode) -> dict[str, int]:
    """The operation's variables whose default is an Int (a page size's fallback)."""
    return {
        definition.variable.name.value: int(definition.default_value.value)
        for definition in operation.variable_definitions or ()
        if isinstance(definition.default_value, IntValueNode)
    }


def _variables(value: ValueNode) -> Iterator[str]:
    if isinstance(value, VariableNode):
        yield value.name.value
    elif isinstance(value, ListValueNode):
        for item in value.values:
            yield from _variables(item)
    elif isinstance(value, ObjectValueNode):
        for field in value.fields:
            yield from _variables(field.value)


class _Shapes:
    """Adds up depth, aliases and fields, each fragment once."""

    def __init__(self, fragments: Mapping[str, Fragment]) -> None:
        self.fragments = fragments
        self.measured: dict[str, Shape] = {}
        self.in_progress: set[str] = set()  # a cycle is NoFragmentCyclesRule's to report

    def selections(self, selections: Selections) -> Shape:
        shape = Shape()
        for selection in selections:
            if isinstance(selection, Field):
                shape = shape.beside(self.field(selection))
            elif isinstance(selection, Inline):
                shape = shape.beside(self.selections(selection.selections))
            else:
                shape = shape.beside(self.fragment(selection.name))
        return shape

    def field(self, field: Field) -> Shape:
        """A field: one level deeper than its selections, plus its own alias."""
        alias = 1 if field.aliased else 0
        if field.selections is None:
            return Shape(0, alias, 1)
        inner = self.selections(field.selections)
        depth = 0 if field.introspection else inner.depth + 1  # introspection: no depth
        return Shape(depth, inner.aliases + alias, inner.fields + 1)

    def fragment(self, name: str) -> Shape:
        if name in self.measured:
            return self.measured[name]
        fragment = self.fragments.get(name)
        if fragment is None or name in self.in_progress:
            return Shape()
        self.in_progress.add(name)
        shape = self.selections(fragment.selections)
        self.in_progress.discard(name)
        self.measured[name] = shape
        return shape


class _Cost:
    """Adds up an operation's cost for one request's variables, each fragment once per size."""

    def __init__(self, operation: OperationAnalysis, variables: Mapping[str, Any]) -> None:
        self.operation = operation
        self.variables = variables
        self.memo: dict[tuple[str, int | None], int] = {}
        self.in_progress: set[str] = set()

    def selections(self, selections: Selections | None, size: int | None) -> int:
        """Per object, the cost of ``selections``; ``size`` is its connection's ``first``."""
        total = 0
        for selection in selections or ():
            if isinstance(selection, Field):
                total += self.field(selection, size)
            elif isinstance(selection, Inline):
                total += self.selections(selection.selections, size)
            else:
                total += self.fragment(selection.name, size)
        return total

    def field(self, field: Field, size: int | None) -> int:
        if field.introspection:
            return INTROSPECTION_COST if field.selections is not None else 0
        if not field.priced:
            return 0  # a scalar, an enum, or a field validation refuses
        own_size = None
        if field.page_size is not None:
            own_size = field.page_size.read(self.variables, self.operation.variable_defaults)
        if not field.is_list:
            count = 1
        elif own_size is not None:
            count = own_size
        elif size is not None:
            count = size  # the edges or nodes of a connection
        else:
            count = field.unpaged
        # A connection's `first` sizes its lists; a list's own `first` is spent here.
        inner_size = None if field.is_list else own_size
        return field.written + count * (1 + self.selections(field.selections, inner_size))

    def fragment(self, name: str, size: int | None) -> int:
        key = (name, size)
        if key in self.memo:
            return self.memo[key]
        fragment = self.operation.fragments.get(name)
        if fragment is None or not fragment.typed or name in self.in_progress:
            return 0
        self.in_progress.add(name)
        cost = self.selections(fragment.selections, size)
        self.in_progress.discard(name)
        self.memo[key] = cost
        return cost
