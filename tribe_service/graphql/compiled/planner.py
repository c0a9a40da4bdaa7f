"""The planner: a validated operation becomes SQL statements and readers, once.

Each root field becomes one statement. A relation below it becomes a correlated
subquery of its parent's statement (``(SELECT ROW(...))`` for one row,
``ARRAY(SELECT ROW(...) ... ORDER BY)`` for many), so the records asyncpg decodes
already have the answer's shape. Fields are collected with graphql-core's own
``collect_fields`` (fragments, type conditions, ``@skip``/``@include``), so a plan
holds for the operation and the values of its Boolean variables.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

from graphql import (
    GraphQLField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    GraphQLUnionType,
    OperationType,
)
from graphql.execution.collect_fields import (
    FieldDetailsList,
    GroupedFieldSet,
    collect_fields,
    collect_subfields,
)
from graphql.execution.values import VariableValues, get_argument_values

from tribe_service.data_access.pages import ROOT_ALIAS
from tribe_service.data_access.relations import ToMany, ToOne
from tribe_service.graphql.compiled import readers
from tribe_service.graphql.compiled.bindings import (
    ROOTS,
    TYPES,
    RootList,
    RootLookup,
    TypeBinding,
    relation_spec,
)
from tribe_service.graphql.compiled.readers import Reader, Unsupported
from tribe_service.graphql.pagination import encode_cursor, page_arguments


class Level:
    """The expressions one row level of a statement selects, in record order."""

    def __init__(self, alias: str) -> None:
        self.alias = alias
        self._expressions: list[str | Callable[[], str]] = []
        self._columns: dict[str, int] = {}

    def column(self, name: str) -> int:
        """The record index of column ``name`` (selected once however often asked)."""
        if name not in self._columns:
            self._columns[name] = self._add(f"{self.alias}.{name}")
        return self._columns[name]

    def _add(self, expression: str | Callable[[], str]) -> int:
        self._expressions.append(expression)
        return len(self._expressions) - 1

    def nested(self, render: Callable[[], str]) -> int:
        """The record index of a subquery, rendered when the statement is."""
        return self._add(render)

    def ensure_selects(self) -> None:
        """Select the id if nothing else (``ROW()`` of nothing cannot tell a row from none)."""
        if not self._expressions:
            self.column("id")

    def select_list(self) -> str:
        """The SQL select list, subqueries rendered."""
        return ", ".join(e if isinstance(e, str) else e() for e in self._expressions)


@dataclass(frozen=True)
class RootPlan:
    """How one root field is answered: a statement (built per request) and a reader."""

    key: str
    field: GraphQLField | None
    node: Any
    prepare: Callable[[dict[str, Any]], tuple[str, list[Any], Callable[[Any, Any], Any]]] | None
    value: Any = None  # the answer when there is no statement (``__typename``)

    def arguments(self, variables: VariableValues) -> dict[str, Any]:
        """This field's arguments in this request."""
        assert self.field is not None
        return get_argument_values(self.field, self.node, variables)


@dataclass(frozen=True)
class Plan:
    """A compiled operation."""

    roots: list[RootPlan]


class Planner:
    """Builds the :class:`Plan` of one operation (with the executor's fragments and variables)."""

    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: Any,
        variables: VariableValues,
        operation: Any,
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables
        self.operation = operation
        self._aliases = 0

    def plan(self) -> Plan:
        """The operation's plan, or :class:`Unsupported`."""
        if self.operation.operation is not OperationType.QUERY:
            raise Unsupported(f"{self.operation.operation.value} operation")
        root_type = self.schema.query_type
        assert root_type is not None
        grouped, defer_usages, _ = collect_fields(
            self.schema, self.fragments, self.variables, root_type, self.operation
        )
        if defer_usages:
            raise Unsupported("@defer")
        return Plan([self._root(root_type, key, details) for key, details in grouped.items()])

    # -- collecting ------------------------------------------------------------------

    def _subfields(
        self, object_type: GraphQLObjectType, details: FieldDetailsList
    ) -> GroupedFieldSet:
        for detail in details:
            if detail.fragment_variable_values is not None:
                raise Unsupported("fragment arguments")
        grouped, defer_usages, _ = collect_subfields(
            self.schema, self.fragments, self.variables, self.operation, object_type, details
        )
        if defer_usages:
            raise Unsupported("@defer")
        return grouped

    def _new_level(self) -> Level:
        self._aliases += 1
        return Level(f"t{self._aliases}")

    # -- root fields -----------------------------------------------------------------

    def _root(self, root_type: GraphQLObjectType, key: str, details: FieldDetailsList) -> RootPlan:
        name = details[0].node.name.value
        if name == "__typename":
            return RootPlan(key, None, None, None, root_type.name)
        binding = ROOTS.get(name)
        field = root_type.fields.get(name)
        if binding is None or field is None:
            raise Unsupported(f"Query.{name}")
        level = Level(ROOT_ALIAS)
        node_type = self.schema.get_type(binding.node_type)
        assert isinstance(node_type, GraphQLObjectType)
        if isinstance(binding, RootLookup):
            return self._lookup(key, field, details, binding, level, node_type)
        return self._list(key, field, details, binding, level, node_type)

    def _lookup(
        self,
        key: str,
        field: GraphQLField,
        details: FieldDetailsList,
        binding: RootLookup,
        level: Level,
        node_type: GraphQLObjectType,
    ) -> RootPlan:
        if set(field.args) != {binding.argument}:
            raise Unsupported(f"Query.{key} arguments")
        node = self._object(node_type, details, level)
        sql_head = f"SELECT {level.select_list()} FROM {binding.shape.table} {ROOT_ALIAS}"
        sql = f"{sql_head} WHERE {ROOT_ALIAS}.{binding.column} = $1"
        argument = binding.argument

        def finish(rows: Any, context: Any) -> Any:
            return node(rows[0], context) if rows else None

        def prepare(arguments: dict[str, Any]) -> tuple[str, list[Any], Any]:
            return sql, [str(arguments[argument])], finish

        return RootPlan(key, field, details[0].node, prepare)

    def _list(
        self,
        key: str,
        field: GraphQLField,
        details: FieldDetailsList,
        binding: RootList,
        level: Level,
        node_type: GraphQLObjectType,
    ) -> RootPlan:
        known = set(binding.filters) | ({"first", "after"} if binding.connection else set())
        if not set(field.args) <= known:
            raise Unsupported(f"Query.{key} arguments")
        order = binding.order
        return_type = _named(field.type)
        if binding.connection:
            assert isinstance(return_type, GraphQLObjectType)
            read_page = self._connection(return_type, details, level, node_type, binding)
        else:
            node = self._object(node_type, details, level)

            def read_page(rows: Any, first: int, context: Any) -> Any:
                return [node(row, context) for row in rows]

        select = level.select_list()
        filters = binding.filters
        connection = binding.connection

        def prepare(arguments: dict[str, Any]) -> tuple[str, list[Any], Any]:
            values = {
                column: _plain(arguments[name])
                for name, column in filters.items()
                if arguments.get(name) is not None
            }
            if connection:
                first = arguments["first"]
                after = page_arguments(order, first, arguments.get("after"))
                sql, args = order.statement(select, values, after, first + 1)
            else:
                first = 0
                sql, args = order.statement(select, values, None, None)
            return sql, args, lambda rows, context: read_page(rows, first, context)

        return RootPlan(key, field, details[0].node, prepare)

    def _connection(
        self,
        connection_type: GraphQLObjectType,
        details: FieldDetailsList,
        level: Level,
        node_type: GraphQLObjectType,
        binding: RootList,
    ) -> Callable[[Any, int, Any], Any]:
        order = binding.order
        kind = order.cursor_kind
        key_indexes = [level.column(column) for column in order.key_columns]

        def cursor(record: Sequence[Any]) -> str:
            return encode_cursor(kind, [record[index] for index in key_indexes])

        parts: list[tuple[str, Callable[[Any, bool, Any], Any]]] = []
        for key, sub in self._subfields(connection_type, details).items():
            name = sub[0].node.name.value
            if name == "__typename":
                parts.append((key, _const_part(connection_type.name)))
            elif name == "nodes":
                parts.append((key, _nodes_part(self._object(node_type, sub, level))))
            elif name == "edges":
                edge_type = _named(connection_type.fields[name].type)
                assert isinstance(edge_type, GraphQLObjectType)
                parts.append((key, self._edges(edge_type, sub, level, node_type, cursor)))
            elif name == "pageInfo":
                info_type = _named(connection_type.fields[name].type)
                assert isinstance(info_type, GraphQLObjectType)
                parts.append((key, self._page_info(info_type, sub, cursor)))
            else:
                raise Unsupported(f"{connection_type.name}.{name}")

        def read(rows: Any, first: int, context: Any) -> dict[str, Any]:
            page = rows[:first]
            more = len(rows) > first
            return {key: part(page, more, context) for key, part in parts}

        return read

    def _edges(
        self,
        edge_type: GraphQLObjectType,
        details: FieldDetailsList,
        level: Level,
        node_type: GraphQLObjectType,
        cursor: Callable[[Sequence[Any]], str],
    ) -> Callable[[Any, bool, Any], Any]:
        fields: list[tuple[str, Reader]] = []
        for key, sub in self._subfields(edge_type, details).items():
            name = sub[0].node.name.value
            if name == "__typename":
                fields.append((key, readers.constant(edge_type.name)))
            elif name == "cursor":
                fields.append((key, lambda record, context: cursor(record)))
            elif name == "node":
                fields.append((key, self._object(node_type, sub, level)))
            else:
                raise Unsupported(f"{edge_type.name}.{name}")
        edge = readers.obj(fields)
        return lambda page, more, context: [edge(record, context) for record in page]

    def _page_info(
        self,
        info_type: GraphQLObjectType,
        details: FieldDetailsList,
        cursor: Callable[[Sequence[Any]], str],
    ) -> Callable[[Any, bool, Any], Any]:
        fields: list[tuple[str, Callable[[Any, bool], Any]]] = []
        for key, sub in self._subfields(info_type, details).items():
            name = sub[0].node.name.value
            if name == "__typename":
                fields.append((key, _const_info(info_type.name)))
            elif name == "hasNextPage":
                fields.append((key, lambda page, more: more))
            elif name == "endCursor":
                fields.append((key, lambda page, more: cursor(page[-1]) if page else None))
            else:
                raise Unsupported(f"{info_type.name}.{name}")
        return lambda page, more, context: {key: f(page, more) for key, f in fields}

    # -- objects ---------------------------------------------------------------------

    def _object(
        self, object_type: GraphQLObjectType, details: FieldDetailsList, level: Level
    ) -> Reader:
        binding = TYPES.get(object_type.name)
        if binding is None:
            raise Unsupported(f"type {object_type.name}")
        fields = [
            (key, self._field(object_type, binding, sub, level))
            for key, sub in self._subfields(object_type, details).items()
        ]
        return readers.obj(fields)

    def _field(
        self,
        object_type: GraphQLObjectType,
        binding: TypeBinding,
        details: FieldDetailsList,
        level: Level,
    ) -> Reader:
        name = details[0].node.name.value
        if name == "__typename":
            return readers.constant(object_type.name)
        field = object_type.fields[name]
        if field.args:
            raise Unsupported(f"{object_type.name}.{name} arguments")
        if name in binding.relations:
            return self._relation(field, binding.relations[name], details, level)
        if name in binding.unions:
            return self._union(field, binding, name, details, level)
        if name in binding.private:
            column, owner = binding.private[name]
            return readers.private(level.column(column), level.column(owner))
        definition = field.extensions.get("strawberry-definition")
        python_name = getattr(definition, "python_name", None)
        if getattr(definition, "base_resolver", True) is not None or (
            python_name not in binding.shape.columns
        ):
            raise Unsupported(f"{object_type.name}.{name}")
        return readers.column(level.column(python_name), readers.converter(field.type))

    def _relation(
        self, field: GraphQLField, relation: Any, details: FieldDetailsList, level: Level
    ) -> Reader:
        spec = relation_spec(relation)
        target = _named(field.type)
        assert isinstance(target, GraphQLObjectType)
        child = self._new_level()
        item = self._object(target, details, child)
        child.ensure_selects()
        if isinstance(spec, ToMany):
            index = level.nested(_array(spec, child, level.alias))
            return readers.many(index, item)
        index = level.nested(_row(spec, child, level.alias, ""))
        return readers.one(index, item, nullable=not isinstance(field.type, GraphQLNonNull))

    def _union(
        self,
        field: GraphQLField,
        binding: TypeBinding,
        name: str,
        details: FieldDetailsList,
        level: Level,
    ) -> Reader:
        union = binding.unions[name]
        union_type = _named(field.type)
        assert isinstance(union_type, GraphQLUnionType)
        discriminator = level.column(union.discriminator)
        members: dict[str, tuple[int, Reader]] = {}
        for value, (type_name, relation) in union.members.items():
            member_type = self.schema.get_type(type_name)
            assert isinstance(member_type, GraphQLObjectType)
            spec = relation_spec(relation)
            assert isinstance(spec, ToOne)
            child = self._new_level()
            item = self._object(member_type, details, child)
            child.ensure_selects()
            condition = f" AND {level.alias}.{union.discriminator} = '{value}'"
            members[value] = (level.nested(_row(spec, child, level.alias, condition)), item)
        return readers.either(discriminator, members)


def _row(spec: ToOne | ToMany, child: Level, parent: str, condition: str) -> Callable[[], str]:
    return lambda: (
        f"({spec.correlated(f'ROW({child.select_list()})', child.alias, parent)}{condition})"
    )


def _array(spec: ToMany, child: Level, parent: str) -> Callable[[], str]:
    return lambda: f"ARRAY({spec.correlated(f'ROW({child.select_list()})', child.alias, parent)})"


def _named(output_type: GraphQLOutputType) -> Any:
    while isinstance(output_type, GraphQLNonNull | GraphQLList):
        output_type = output_type.of_type
    return output_type


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, Enum) else value


def _const_part(value: Any) -> Callable[[Any, bool, Any], Any]:
    return lambda page, more, context: value


def _const_info(value: str) -> Callable[[Any, bool], Any]:
    return lambda page, more: value


def _nodes_part(node: Reader) -> Callable[[Any, bool, Any], Any]:
    return lambda page, more, context: [node(record, context) for record in page]


def plan_operation(
    schema: GraphQLSchema,
    fragments: Any,
    variables: VariableValues,
    operation: Any,
) -> Plan:
    """The plan of ``operation`` (raises :class:`Unsupported`)."""
    return Planner(schema, fragments, variables, operation).plan()
