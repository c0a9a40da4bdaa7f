"""The planner: a validated operation becomes SQL statements and readers, once.

Each root field becomes one statement (and one more for ``totalCount``). A
relation below it becomes a correlated subquery of its parent's statement
(``(SELECT ROW(...))`` for one row, ``ARRAY(SELECT ROW(...) ... ORDER BY)`` for
many), so the records asyncpg decodes already have the answer's shape. Discovery
follows the same pattern: ``search`` wraps the ranked page of
:mod:`~tribe_service.data_access.discovery` and correlates each hit's node by kind;
candidates and nearest neighbours are that module's per-row subqueries (a plan with
similarity carries the HNSW settings as its ``setup``). Fields
are collected with graphql-core's own ``collect_fields`` (fragments, type
conditions, ``@skip``/``@include``). Arguments below the root are read when
planning, so a plan holds for the operation and the values of the variables
that those arguments and the directives use (:func:`keyed_variables`); root
arguments are read per request and sent as parameters.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any

from graphql import (
    DirectiveNode,
    FieldNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLUnionType,
    InlineFragmentNode,
    ListValueNode,
    ObjectValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    ValueNode,
    VariableNode,
)
from graphql.execution.collect_fields import (
    FieldDetailsList,
    GroupedFieldSet,
    collect_fields,
    collect_subfields,
)
from graphql.execution.values import VariableValues, get_argument_values

from tribe_service.data_access.discovery import (
    DISCOVERED,
    HNSW_SETTINGS_SQL,
    highlighted_html,
    numbered,
    search_count_statement,
    search_page_statement,
)
from tribe_service.data_access.pages import ROOT_ALIAS, ListOrder, lookup_statement
from tribe_service.data_access.relations import (
    IN_ARRAY,
    TO_MANY,
    TO_ONE,
    Relation,
    ToMany,
    ToOne,
)
from tribe_service.enums import SearchKind
from tribe_service.graphql.compiled import readers
from tribe_service.graphql.compiled.bindings import (
    JSON_OBJECTS,
    ROOTS,
    TYPES,
    NestedPage,
    Polymorphic,
    RootList,
    RootLookup,
    RootSearch,
    RootViewer,
    TypeBinding,
)
from tribe_service.graphql.compiled.readers import Reader, Unsupported
from tribe_service.graphql.errors import ClientError
from tribe_service.graphql.pagination import check_page_size, encode_cursor, page_position
from tribe_service.graphql.queries.search import check_search_text, hit_cursor, search_cursor

Statement = tuple[str, list[Any]]
# A connection part: (page of records, more rows follow, total count or None, context).
Part = Callable[[Sequence[Any], bool, Any, Any], Any]
_ENUM_VALUE = re.compile(r"[a-z_]+")
CONTEXT_ARGUMENT = "__context__"


class Level:
    """The expressions one row level of a statement selects, in record order."""

    def __init__(self, alias: str) -> None:
        self.alias = alias
        self._expressions: list[str | Callable[[], str]] = []
        self._columns: dict[str, int] = {}

    def column(self, name: str) -> int:
        """The record index of column ``name`` (selected once however often asked)."""
        if name not in self._columns:
            self._columns[name] = self.nested(f"{self.alias}.{name}")
        return self._columns[name]

    def nested(self, expression: str | Callable[[], str]) -> int:
        """The record index of an expression (a subquery is rendered with the statement)."""
        self._expressions.append(expression)
        return len(self._expressions) - 1

    def ensure_selects(self, key: str = "id") -> None:
        """Select ``key`` if nothing else (``ROW()`` of nothing cannot tell a row from none)."""
        if not self._expressions:
            self.column(key)

    def select_list(self) -> str:
        """The SQL select list, subqueries rendered."""
        return ", ".join(e if isinstance(e, str) else e() for e in self._expressions)

    def row(self) -> str:
        """The level as one record, ``ROW(select list)``, for a subquery of its parent."""
        return f"ROW({self.select_list()})"


@dataclass(frozen=True)
class RootPlan:
    """How one root field is answered: its statements (made per request) and reader."""

    key: str
    field: GraphQLField | None
    node: FieldNode | None
    prepare: Callable[[dict[str, Any]], tuple[list[Statement], Callable[[list[Any], Any], Any]]]
    # Reads the request's context (the viewer) rather than arguments: prepare gets
    # {CONTEXT_ARGUMENT: context}.
    contextual: bool = False

    def statements(
        self, variables: VariableValues, context: Any = None
    ) -> tuple[list[Statement], Callable[[list[Any], Any], Any]]:
        """This request's statements and how to read their results."""
        if self.contextual:
            return self.prepare({CONTEXT_ARGUMENT: context})
        if self.field is None or self.node is None:
            return self.prepare({})
        return self.prepare(get_argument_values(self.field, self.node, variables))


@dataclass(frozen=True)
class Plan:
    """A compiled operation; ``setup`` runs first, in the statements' transaction."""

    roots: list[RootPlan]
    setup: str | None = None


class Planner:
    """Builds the :class:`Plan` of one operation (with the executor's fragments and variables)."""

    def __init__(
        self, schema: GraphQLSchema, fragments: Any, variables: VariableValues, operation: Any
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables
        self.operation = operation
        self._aliases = 0
        self._setup: str | None = None

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
        roots = [self._root(root_type, key, details) for key, details in grouped.items()]
        return Plan(roots, self._setup)

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

    def _arguments(self, field: GraphQLField, details: FieldDetailsList) -> dict[str, Any]:
        return get_argument_values(field, details[0].node, self.variables)

    def _type(self, name: str) -> GraphQLObjectType:
        found = self.schema.get_type(name)
        assert isinstance(found, GraphQLObjectType)
        return found

    # -- root fields -----------------------------------------------------------------

    def _root(self, root_type: GraphQLObjectType, key: str, details: FieldDetailsList) -> RootPlan:
        name = details[0].node.name.value
        if name == "__typename":
            value = root_type.name
            return RootPlan(key, None, None, lambda arguments: ([], lambda results, c: value))
        if name == "health":
            return RootPlan(key, None, None, _health)
        binding = ROOTS.get(name)
        field = root_type.fields.get(name)
        if binding is None or field is None:
            raise Unsupported(f"Query.{name}")
        if isinstance(binding, RootSearch):
            return self._search(key, field, details, binding)
        node_type = self._type(binding.node_type)
        if isinstance(binding, RootLookup):
            return self._lookup(key, field, details, binding, node_type)
        if isinstance(binding, RootViewer):
            return self._viewer(key, details, binding, node_type)
        return self._list(key, field, details, binding, node_type)

    def _viewer(
        self,
        key: str,
        details: FieldDetailsList,
        binding: RootViewer,
        node_type: GraphQLObjectType,
    ) -> RootPlan:
        """``viewer``: the row of the context's signed-in builder, as the resolver reads it."""
        level = Level(ROOT_ALIAS)
        node = self._object(node_type, details, level)
        sql = lookup_statement(binding.shape, binding.column, level.select_list())

        def finish(results: list[Any], context: Any) -> Any:
            rows = results[0] if results else []
            return node(rows[0], context) if rows else None

        def prepare(arguments: dict[str, Any]) -> tuple[list[Statement], Any]:
            user_id = arguments[CONTEXT_ARGUMENT].current_user_id
            return ([(sql, [user_id])] if user_id is not None else []), finish

        return RootPlan(key, None, None, prepare, contextual=True)

    def _lookup(
        self,
        key: str,
        field: GraphQLField,
        details: FieldDetailsList,
        binding: RootLookup,
        node_type: GraphQLObjectType,
    ) -> RootPlan:
        if set(field.args) != {binding.argument}:
            raise Unsupported(f"Query.{key} arguments")
        level = Level(ROOT_ALIAS)
        node = self._object(node_type, details, level)
        sql = lookup_statement(binding.shape, binding.column, level.select_list())
        argument = binding.argument

        def finish(results: list[Any], context: Any) -> Any:
            rows = results[0]
            return node(rows[0], context) if rows else None

        def prepare(arguments: dict[str, Any]) -> tuple[list[Statement], Any]:
            return [(sql, [str(arguments[argument])])], finish

        return RootPlan(key, field, details[0].node, prepare)

    def _list(
        self,
        key: str,
        field: GraphQLField,
        details: FieldDetailsList,
        binding: RootList,
        node_type: GraphQLObjectType,
    ) -> RootPlan:
        known = set(binding.filters) | ({"first", "after"} if binding.connection else set())
        if not set(field.args) <= known:
            raise Unsupported(f"Query.{key} arguments")
        order, filters, level = binding.order, binding.filters, Level(ROOT_ALIAS)
        if binding.connection:
            connection_type = _named(field.type)
            assert isinstance(connection_type, GraphQLObjectType)
            page, counted = self._connection(
                connection_type,
                details,
                lambda sub: self._object(node_type, sub, level),
                _order_cursor(order, level),
            )
        else:
            node = self._object(node_type, details, level)
            counted = False

            def page(rows: Sequence[Any], first: int, total: Any, context: Any) -> Any:
                return [node(row, context) for row in rows]

        select = level.select_list()
        connection = binding.connection

        def prepare(arguments: dict[str, Any]) -> tuple[list[Statement], Any]:
            values = {
                column: _plain(arguments[name])
                for name, column in filters.items()
                if arguments.get(name) is not None
            }
            first = arguments["first"] if connection else 0
            position = page_position(order, first, arguments.get("after")) if connection else None
            statements = [
                order.statement(select, values, position, first + 1 if connection else None)
            ]
            if counted:
                statements.append(order.count_statement(values))

            def finish(results: list[Any], context: Any) -> Any:
                total = results[1][0][0] if counted else None
                return page(results[0], first, total, context)

            return statements, finish

        return RootPlan(key, field, details[0].node, prepare)

    def _search(
        self, key: str, field: GraphQLField, details: FieldDetailsList, binding: RootSearch
    ) -> RootPlan:
        """``search``: one statement of hits with their nodes (and one more for totalCount)."""
        if set(field.args) != {"query", "kinds", "first", "after"}:
            raise Unsupported(f"Query.{key} arguments")
        connection_type = _named(field.type)
        level = Level(ROOT_ALIAS)
        kind, hit_id, rank = (level.column(name) for name in ("kind", "id", "rank"))

        def cursor(record: Sequence[Any]) -> str:
            return hit_cursor(record[rank], record[hit_id], record[kind])

        read, counted = self._connection(
            connection_type,
            details,
            lambda sub: self._union(binding.nodes, sub, level),
            cursor,
            {
                "rank": lambda field: readers.column(rank, readers.converter(field.type)),
                "snippet": lambda field: readers.column(level.column("snippet"), highlighted_html),
            },
        )
        select = level.select_list()

        def prepare(arguments: dict[str, Any]) -> tuple[list[Statement], Any]:
            text = check_search_text(arguments["query"])
            first = check_page_size(arguments["first"])
            after = search_cursor(arguments["after"])
            kinds = arguments["kinds"]
            wanted = list(SearchKind) if kinds is None else [SearchKind(_plain(k)) for k in kinds]
            statements: list[Statement] = []
            if wanted:
                statements.append(
                    search_page_statement(select, ROOT_ALIAS, text, wanted, first + 1, after)
                )
                if counted:
                    statements.append(numbered(search_count_statement(text, wanted)))

            def finish(results: list[Any], context: Any) -> Any:
                rows = results[0] if wanted else []
                total = (results[1][0][0] if wanted else 0) if counted else None
                return read(rows, first, total, context)

            return statements, finish

        return RootPlan(key, field, details[0].node, prepare)

    def _connection(
        self,
        connection_type: GraphQLObjectType,
        details: FieldDetailsList,
        node: Callable[[FieldDetailsList], Reader],
        cursor: Callable[[Sequence[Any]], str],
        edge_fields: Mapping[str, Callable[[GraphQLField], Reader]] | None = None,
    ) -> tuple[Callable[[Sequence[Any], int, Any, Any], Any], bool]:
        """A page reader over up to ``first + 1`` records, and whether it reads ``totalCount``.

        ``node`` makes the node reader for a selection; ``edge_fields`` read an edge's
        fields besides ``cursor`` and ``node`` (search hits' rank and snippet).
        """
        parts: list[tuple[str, Part]] = []
        counted = False
        for key, sub in self._subfields(connection_type, details).items():
            name = sub[0].node.name.value
            if name == "__typename":
                parts.append((key, _constant_part(connection_type.name)))
            elif name == "totalCount":
                counted = True
                parts.append((key, lambda page, more, total, context: total))
            elif name == "nodes":
                parts.append((key, _nodes_part(node(sub))))
            elif name == "edges":
                edge_type = _named(connection_type.fields[name].type)
                parts.append((key, self._edges(edge_type, sub, node, cursor, edge_fields or {})))
            elif name == "pageInfo":
                info_type = _named(connection_type.fields[name].type)
                parts.append((key, self._page_info(info_type, sub, cursor)))
            else:
                raise Unsupported(f"{connection_type.name}.{name}")

        def read(rows: Sequence[Any], first: int, total: Any, context: Any) -> dict[str, Any]:
            page = rows[:first]
            more = len(rows) > first
            return {key: part(page, more, total, context) for key, part in parts}

        return read, counted

    def _edges(
        self,
        edge_type: GraphQLObjectType,
        details: FieldDetailsList,
        node: Callable[[FieldDetailsList], Reader],
        cursor: Callable[[Sequence[Any]], str],
        edge_fields: Mapping[str, Callable[[GraphQLField], Reader]],
    ) -> Part:
        fields: list[tuple[str, Reader]] = []
        for key, sub in self._subfields(edge_type, details).items():
            name = sub[0].node.name.value
            if name == "__typename":
                fields.append((key, readers.constant(edge_type.name)))
            elif name == "cursor":
                fields.append((key, lambda record, context: cursor(record)))
            elif name == "node":
                fields.append((key, node(sub)))
            elif name in edge_fields:
                fields.append((key, edge_fields[name](edge_type.fields[name])))
            else:
                raise Unsupported(f"{edge_type.name}.{name}")
        edge = readers.obj(fields)
        return lambda page, more, total, context: [edge(record, context) for record in page]

    def _page_info(
        self,
        info_type: GraphQLObjectType,
        details: FieldDetailsList,
        cursor: Callable[[Sequence[Any]], str],
    ) -> Part:
        fields: list[tuple[str, Callable[[Sequence[Any], bool], Any]]] = []
        for key, sub in self._subfields(info_type, details).items():
            name = sub[0].node.name.value
            if name == "__typename":
                fields.append((key, _constant_info(info_type.name)))
            elif name == "hasNextPage":
                fields.append((key, lambda page, more: more))
            elif name == "endCursor":
                fields.append((key, lambda page, more: cursor(page[-1]) if page else None))
            else:
                raise Unsupported(f"{info_type.name}.{name}")
        return lambda page, more, total, context: {key: f(page, more) for key, f in fields}

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
        if name in binding.relations:
            return self._relation(field, binding.relations[name], details, level)
        if name in binding.pages:
            return self._nested_page(field, binding.pages[name], details, level)
        if field.args:
            raise Unsupported(f"{object_type.name}.{name} arguments")
        if name in binding.unions:
            assert isinstance(_named(field.type), GraphQLUnionType)
            return self._union(binding.unions[name], details, level)
        if name in binding.private:
            private, owner = binding.private[name]
            return readers.private(level.column(private), level.column(owner))
        definition = field.extensions.get("strawberry-definition")
        column = getattr(definition, "python_name", None)
        if getattr(definition, "base_resolver", True) is not None or (
            column not in binding.shape.columns
        ):
            raise Unsupported(f"{object_type.name}.{name}")
        assert column is not None
        if column in binding.shape.json_columns:
            return self._json(field, details, level.column(column))
        return readers.column(level.column(column), readers.converter(field.type))

    def _json(self, field: GraphQLField, details: FieldDetailsList, index: int) -> Reader:
        """A JSON column shown as an object type or a list of scalars."""
        named = _named(field.type)
        nullable = not isinstance(field.type, GraphQLNonNull)
        if isinstance(named, GraphQLScalarType) and _is_list(field.type):
            return readers.json_list(index, named.serialize, nullable)
        if not isinstance(named, GraphQLObjectType) or named.name not in JSON_OBJECTS:
            raise Unsupported(f"JSON field {field.type}")
        return readers.json_object(index, self._json_fields(named, details))

    def _json_fields(
        self, object_type: GraphQLObjectType, details: FieldDetailsList
    ) -> list[tuple[str, Callable[[dict[str, Any]], Any]]]:
        fields: list[tuple[str, Callable[[dict[str, Any]], Any]]] = []
        for key, sub in self._subfields(object_type, details).items():
            name = sub[0].node.name.value
            if name == "__typename":
                fields.append((key, _constant_json(object_type.name)))
                continue
            field = object_type.fields[name]
            named = _named(field.type)
            definition = field.extensions.get("strawberry-definition")
            json_key = getattr(definition, "python_name", None)
            if field.args or not isinstance(named, GraphQLScalarType) or json_key is None:
                raise Unsupported(f"{object_type.name}.{name}")
            fields.append((key, _json_value(json_key, named.serialize, _is_list(field.type))))
        return fields

    def _relation(
        self, field: GraphQLField, relation: Relation, details: FieldDetailsList, level: Level
    ) -> Reader:
        target = _named(field.type)
        child = self._new_level()
        item = self._object(target, details, child)
        child.ensure_selects(TYPES[target.name].shape.columns[0])
        if relation in DISCOVERED:
            return self._discovered(field, relation, details, level, child, item)
        if relation in IN_ARRAY:
            in_array = IN_ARRAY[relation]
            if field.args:
                raise Unsupported(f"{field.type} arguments")
            index = level.nested(
                lambda: f"ARRAY({in_array.correlated(child.row(), child.alias, level.alias)})"
            )
            return readers.many(index, item)
        if relation in TO_ONE:
            if field.args:
                raise Unsupported(f"{field.type} arguments")
            spec = TO_ONE[relation]
            index = level.nested(_row(spec, child, level.alias))
            return readers.one(index, item, nullable=not isinstance(field.type, GraphQLNonNull))
        many = TO_MANY[relation]
        status, limit = self._list_arguments(field, details, many)
        index = level.nested(_array(many, child, level.alias, status, limit))
        return readers.many(index, item)

    def _discovered(
        self,
        field: GraphQLField,
        relation: Relation,
        details: FieldDetailsList,
        level: Level,
        child: Level,
        item: Reader,
    ) -> Reader:
        """A ranked list below a row (candidates, similar builders or projects), ``first`` long."""
        if set(field.args) != {"first"}:
            raise Unsupported(f"{field.type} arguments")
        limit = _checked(check_page_size, self._arguments(field, details)["first"])
        spec = DISCOVERED[relation]
        if spec.hnsw:
            self._setup = HNSW_SETTINGS_SQL
        parent = level.alias
        index = level.nested(
            lambda: f"ARRAY({spec.correlated(child.row(), child.alias, parent, limit)})"
        )
        return readers.many(index, item)

    def _list_arguments(
        self, field: GraphQLField, details: FieldDetailsList, spec: ToMany
    ) -> tuple[str | None, int | None]:
        """A nested list's ``status`` (an SQL literal) and ``first``, checked as the resolver does."""
        if not set(field.args) <= {"first", "status"} or ("status" in field.args) != bool(
            spec.status
        ):
            raise Unsupported(f"{field.type} arguments")
        arguments = self._arguments(field, details)
        limit = None
        if "first" in field.args:
            limit = _checked(check_page_size, arguments["first"])
        status = None
        if arguments.get("status") is not None:
            value = str(_plain(arguments["status"]))
            if not _ENUM_VALUE.fullmatch(value):
                raise Unsupported("status value")
            status = f"'{value}'"
        return status, limit

    def _nested_page(
        self, field: GraphQLField, page: NestedPage, details: FieldDetailsList, level: Level
    ) -> Reader:
        """A connection below a row (``User.activity``): records, ``first + 1`` of them."""
        if set(field.args) != {"first", "after"}:
            raise Unsupported(f"{field.type} arguments")
        arguments = self._arguments(field, details)
        order, spec = page.order, TO_MANY[page.relation]
        position = _checked(page_position, order, arguments["first"], arguments.get("after"))
        first: int = arguments["first"]
        connection_type = _named(field.type)
        node_type = self._node_type(connection_type)
        child = self._new_level()
        read, counted = self._connection(
            connection_type,
            details,
            lambda sub: self._object(node_type, sub, child),
            _order_cursor(order, child),
        )
        child.ensure_selects()
        condition = ""
        if position is not None:
            condition = order.after.format(*map(_literal, position), t=child.alias)
        parent = level.alias
        rows = level.nested(
            lambda: (
                f"ARRAY({spec.correlated(child.row(), child.alias, parent, None, first + 1, condition)})"
            )
        )
        total = level.nested(f"({spec.count(f'c{child.alias}', parent)})") if counted else None

        def reader(record: Sequence[Any], context: Any) -> Any:
            count = None if total is None else record[total]
            return read(record[rows], first, count, context)

        return reader

    def _node_type(self, connection_type: GraphQLObjectType) -> GraphQLObjectType:
        node_type = _named(connection_type.fields["nodes"].type)
        assert isinstance(node_type, GraphQLObjectType)
        return node_type

    def _union(self, union: Polymorphic, details: FieldDetailsList, level: Level) -> Reader:
        """A union's member, chosen by the discriminator column, each a correlated row."""
        discriminator = level.column(union.discriminator)
        members: dict[str, tuple[int, Reader]] = {}
        for value, (type_name, spec) in union.members.items():
            child = self._new_level()
            item = self._object(self._type(type_name), details, child)
            child.ensure_selects()
            condition = f" AND {level.alias}.{union.discriminator} = '{value}'"
            members[value] = (level.nested(_row(spec, child, level.alias, condition)), item)
        return readers.either(discriminator, members)


def _row(spec: ToOne, child: Level, parent: str, condition: str = "") -> Callable[[], str]:
    return lambda: f"({spec.correlated(child.row(), child.alias, parent)}{condition})"


def _array(
    spec: ToMany, child: Level, parent: str, status: str | None, limit: int | None
) -> Callable[[], str]:
    return lambda: f"ARRAY({spec.correlated(child.row(), child.alias, parent, status, limit)})"


def _order_cursor(order: ListOrder, level: Level) -> Callable[[Sequence[Any]], str]:
    """A record's cursor in ``order`` (its sort key columns, selected on ``level``)."""
    kind = order.cursor_kind
    key_indexes = [level.column(column) for column in order.key_columns]
    return lambda record: encode_cursor(kind, [record[index] for index in key_indexes])


def _health(arguments: dict[str, Any]) -> tuple[list[Statement], Any]:
    """``health``: "ok" once the database answered ``SELECT 1`` (as the resolver does)."""
    return [("SELECT 1", [])], lambda results, context: "ok"


def _checked(check: Callable[..., Any], *arguments: Any) -> Any:
    """``check(...)``; a client error (bad ``first`` or cursor) means: let the resolvers say it."""
    try:
        return check(*arguments)
    except ClientError as error:
        raise Unsupported(f"invalid argument: {type(error).__name__}") from None


def _literal(value: Any) -> str:
    """An SQL literal for a cursor value (a timestamp or a text id)."""
    if isinstance(value, datetime):
        return f"'{value.isoformat()}'::timestamptz"
    if isinstance(value, float | int) and not isinstance(value, bool):
        return repr(float(value))
    text = str(value)
    if "\x00" in text:
        raise Unsupported("NUL in a cursor")
    return "'" + text.replace("'", "''") + "'"


def _named(output_type: GraphQLOutputType) -> Any:
    while isinstance(output_type, GraphQLNonNull | GraphQLList):
        output_type = output_type.of_type
    return output_type


def _is_list(output_type: GraphQLOutputType) -> bool:
    inner = output_type.of_type if isinstance(output_type, GraphQLNonNull) else output_type
    return isinstance(inner, GraphQLList)


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, Enum) else value


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


def _constant_part(value: Any) -> Part:
    return lambda page, more, total, context: value


def _constant_info(value: str) -> Callable[[Sequence[Any], bool], Any]:
    return lambda page, more: value


def _nodes_part(node: Reader) -> Part:
    return lambda page, more, total, context: [node(record, context) for record in page]


def plan_operation(
    schema: GraphQLSchema, fragments: Any, variables: VariableValues, operation: Any
) -> Plan:
    """The plan of ``operation`` (raises :class:`Unsupported`)."""
    return Planner(schema, fragments, variables, operation).plan()


def keyed_variables(operation: OperationDefinitionNode, fragments: Any) -> frozenset[str]:
    """The variables a plan depends on: all but those only root fields' arguments use."""
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
        if not root:
            for argument in selection.arguments or ():
                names.update(_variables(argument.value))
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
