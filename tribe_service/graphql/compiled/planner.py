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
conditions, ``@skip``/``@include``), so a plan holds for the operation and the
values of the variables its directives read (the document analysis' keyed
variables). Every argument's value is a parameter (:class:`Parameters`): those
below the root are planned as readings, read and checked per request (a literal
once, when planning), so the SQL text depends on the document alone.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from graphql import (
    GraphQLField,
    GraphQLNonNull,
    GraphQLObjectType,
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
from graphql.language import ArgumentNode, ListValueNode, ObjectValueNode, ValueNode, VariableNode
from strawberry.types.base import get_object_definition

from tribe_service.data_access.discovery.lists import DISCOVERED
from tribe_service.data_access.discovery.search import (
    search_count_statement,
    search_page_statement,
)
from tribe_service.data_access.discovery.similarity import HNSW_SETTINGS_SQL
from tribe_service.data_access.pages import ROOT_ALIAS, lookup_statement
from tribe_service.data_access.parameters import Parameters, numbered, unless_null
from tribe_service.data_access.relations import (
    IN_ARRAY,
    TO_MANY,
    TO_ONE,
    Relation,
    ToMany,
)
from tribe_service.data_access.shapes import RowShape
from tribe_service.graphql.compiled import readers
from tribe_service.graphql.compiled.connections import connection_reader, order_cursor
from tribe_service.graphql.compiled.json_columns import json_reader
from tribe_service.graphql.compiled.levels import Level, array_subquery, row_subquery
from tribe_service.graphql.compiled.output_types import is_connection, named
from tribe_service.graphql.compiled.plan import (
    CONTEXT_ARGUMENT,
    Lookup,
    Plan,
    Reading,
    RootPlan,
    Statement,
)
from tribe_service.graphql.compiled.readers import Reader, Unsupported
from tribe_service.graphql.declarations import (
    Chosen,
    Decoded,
    Follows,
    ListedAtRoot,
    LookedUp,
    OwnerOnly,
    PagedBelow,
    Probe,
    Searched,
    Viewer,
    Written,
    declaration_of,
    plain,
    shape_of,
)
from tribe_service.graphql.errors import ClientError
from tribe_service.graphql.paging import (
    check_page_size,
    check_search_text,
    hit_cursor,
    page_position,
    search_cursor,
    wanted_kinds,
)


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
        # Settings the plan's statements run after, in their transaction (SET LOCAL-style).
        self._setups: list[str] = []
        # How to read the parameters of the root statement being planned (nested arguments).
        self._parameters: Parameters[Reading] = Parameters()

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
        return Plan(roots, self._setup())

    def written(self, declaration: Written, details: FieldDetailsList, node_type: Any) -> Lookup:
        """A payload's row (``declaration``) as one lookup by id, its selection ``details``."""
        self._parameters = Parameters()
        level = Level(ROOT_ALIAS)
        node = self._object(node_type, details, level)
        nested = self._parameters
        row_id = f"${len(nested.values) + 1}"  # after the nested arguments' parameters
        sql = lookup_statement(declaration.shape, "id", level.select_list(), row_id)
        return Lookup(sql, node, nested, self._setup())

    def _needs(self, setup: str) -> None:
        if setup not in self._setups:
            self._setups.append(setup)

    def _setup(self) -> str | None:
        """The settings the statements need, as one round trip (or ``None``)."""
        return "; ".join(self._setups) or None

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

    def _reading(
        self, field: GraphQLField, details: FieldDetailsList, read: Callable[[dict[str, Any]], Any]
    ) -> str:
        """The placeholder of ``read(arguments)`` (it checks them, raising a ClientError).

        Literal arguments are read once, now: invalid, the plan is :class:`Unsupported`
        (the resolvers word the error). Arguments given by variables are read per
        request, so the plan does not depend on the variables' values.
        """
        node = details[0].node
        if not any(_has_variables(argument) for argument in node.arguments or ()):
            value = _checked(read, get_argument_values(field, node))
            return self._parameters.add(lambda variables: value)
        return self._parameters.add(
            lambda variables: read(get_argument_values(field, node, variables))
        )

    def _constant(self, value: Any) -> str:
        """The placeholder of a value the schema fixes (a union's discriminator value)."""
        return self._parameters.add(lambda variables: value)

    def _type(self, name: str) -> GraphQLObjectType:
        found = self.schema.get_type(name)
        assert isinstance(found, GraphQLObjectType)
        return found

    # -- root fields -----------------------------------------------------------------

    def _root(self, root_type: GraphQLObjectType, key: str, details: FieldDetailsList) -> RootPlan:
        self._parameters = Parameters()
        name = details[0].node.name.value
        if name == "__typename":
            value = root_type.name
            return RootPlan(key, None, None, lambda arguments, _: ([], lambda results, c: value))
        field = root_type.fields.get(name)
        declaration = None if field is None else declaration_of(field)
        if isinstance(declaration, Probe):
            return RootPlan(key, None, None, _health)
        if field is None:
            raise Unsupported(f"Query.{name}")
        if isinstance(declaration, Searched):
            return self._search(key, field, details, declaration)
        if isinstance(declaration, LookedUp):
            return self._lookup(key, field, details, declaration, named(field.type))
        if isinstance(declaration, ListedAtRoot):
            return self._list(key, field, details, declaration)
        if isinstance(declaration, Viewer):
            return self._viewer(key, details, declaration, named(field.type))
        raise Unsupported(f"Query.{name}")

    def _viewer(
        self,
        key: str,
        details: FieldDetailsList,
        binding: Viewer,
        node_type: GraphQLObjectType,
    ) -> RootPlan:
        """``viewer``: the row of the context's signed-in builder, as the resolver reads it."""
        level = Level(ROOT_ALIAS)
        node = self._object(node_type, details, level)
        select = level.select_list()

        def finish(results: list[Any], context: Any) -> Any:
            rows = results[0] if results else []
            return node(rows[0], context) if rows else None

        def prepare(
            arguments: dict[str, Any], parameters: Parameters[Any]
        ) -> tuple[list[Statement], Any]:
            user_id = arguments[CONTEXT_ARGUMENT].current_user_id
            if user_id is None:
                return [], finish
            sql = lookup_statement(binding.shape, binding.column, select, parameters.add(user_id))
            return [(sql, parameters.values)], finish

        return RootPlan(key, None, None, prepare, contextual=True, nested=self._parameters)

    def _lookup(
        self,
        key: str,
        field: GraphQLField,
        details: FieldDetailsList,
        binding: LookedUp,
        node_type: GraphQLObjectType,
    ) -> RootPlan:
        if set(field.args) != {binding.argument}:
            raise Unsupported(f"Query.{key} arguments")
        level = Level(ROOT_ALIAS)
        node = self._object(node_type, details, level)
        select = level.select_list()
        argument = binding.argument

        def finish(results: list[Any], context: Any) -> Any:
            rows = results[0]
            return node(rows[0], context) if rows else None

        def prepare(
            arguments: dict[str, Any], parameters: Parameters[Any]
        ) -> tuple[list[Statement], Any]:
            value = parameters.add(str(arguments[argument]))
            sql = lookup_statement(binding.shape, binding.column, select, value)
            return [(sql, parameters.values)], finish

        return RootPlan(key, field, details[0].node, prepare, nested=self._parameters)

    def _list(
        self,
        key: str,
        field: GraphQLField,
        details: FieldDetailsList,
        binding: ListedAtRoot,
    ) -> RootPlan:
        connection = is_connection(named(field.type))
        known = set(binding.filters) | ({"first", "after"} if connection else set())
        if not set(field.args) <= known:
            raise Unsupported(f"Query.{key} arguments")
        order, level = binding.order, Level(ROOT_ALIAS)
        if connection:
            connection_type = named(field.type)
            node_type = self._node_type(connection_type)
            page, counted = connection_reader(
                self._subfields,
                connection_type,
                details,
                lambda sub: self._object(node_type, sub, level),
                order_cursor(order, level),
            )
        else:
            node = self._object(named(field.type), details, level)
            counted = False

            def page(rows: Sequence[Any], first: int, total: Any, context: Any) -> Any:
                return [node(row, context) for row in rows]

        select = level.select_list()

        def prepare(
            arguments: dict[str, Any], parameters: Parameters[Any]
        ) -> tuple[list[Statement], Any]:
            values = binding.filter_values(arguments)
            first = arguments["first"] if connection else 0
            position = page_position(order, first, arguments.get("after")) if connection else None
            limit = first + 1 if connection else None
            statements = [order.statement(select, values, position, limit, parameters)]
            if counted:
                statements.append(order.count_statement(values))

            def finish(results: list[Any], context: Any) -> Any:
                total = results[1][0][0] if counted else None
                return page(results[0], first, total, context)

            return statements, finish

        return RootPlan(key, field, details[0].node, prepare, nested=self._parameters)

    def _search(
        self, key: str, field: GraphQLField, details: FieldDetailsList, binding: Searched
    ) -> RootPlan:
        """``search``: one statement of hits with their nodes (and one more for totalCount)."""
        if set(field.args) != {"query", "kinds", "first", "after"}:
            raise Unsupported(f"Query.{key} arguments")
        connection_type = named(field.type)
        level = Level(ROOT_ALIAS)
        kind, hit_id, rank = (level.column(name) for name in ("kind", "id", "rank"))

        def cursor(record: Sequence[Any]) -> str:
            return hit_cursor(record[rank], record[hit_id], record[kind])

        read, counted = connection_reader(
            self._subfields,
            connection_type,
            details,
            lambda sub: self._union(binding.nodes, sub, level),
            cursor,
            lambda field: self._hit_field(field, level),
        )
        select = level.select_list()

        def prepare(
            arguments: dict[str, Any], parameters: Parameters[Any]
        ) -> tuple[list[Statement], Any]:
            text = check_search_text(arguments["query"])
            first = check_page_size(arguments["first"])
            after = search_cursor(arguments["after"])
            kinds = arguments["kinds"]
            wanted = wanted_kinds(kinds)
            statements: list[Statement] = []
            if wanted:
                statements.append(
                    search_page_statement(
                        select, ROOT_ALIAS, text, wanted, first + 1, after, parameters
                    )
                )
                if counted:
                    statements.append(numbered(search_count_statement(text, wanted)))

            def finish(results: list[Any], context: Any) -> Any:
                rows = results[0] if wanted else []
                total = (results[1][0][0] if wanted else 0) if counted else None
                return read(rows, first, total, context)

            return statements, finish

        return RootPlan(key, field, details[0].node, prepare, nested=self._parameters)

    # -- objects ---------------------------------------------------------------------

    def _hit_field(self, field: GraphQLField, level: Level) -> Reader:
        """A search hit's own field: a column of the hit, through its declared decoding."""
        declaration = declaration_of(field)
        if isinstance(declaration, Decoded):
            return readers.column(level.column(declaration.column), declaration.decode)
        definition = field.extensions.get("strawberry-definition")
        column = getattr(definition, "python_name", None)
        if field.args or column is None or getattr(definition, "base_resolver", True) is not None:
            raise Unsupported(f"search hit field {field.type}")
        return readers.column(level.column(column), readers.converter(field.type))

    def _object(
        self, object_type: GraphQLObjectType, details: FieldDetailsList, level: Level
    ) -> Reader:
        shape = shape_of(object_type)
        if shape is None:
            raise Unsupported(f"type {object_type.name}")
        fields = [
            (key, self._field(object_type, shape, sub, level))
            for key, sub in self._subfields(object_type, details).items()
        ]
        return readers.obj(fields)

    def _field(
        self,
        object_type: GraphQLObjectType,
        shape: RowShape,
        details: FieldDetailsList,
        level: Level,
    ) -> Reader:
        name = details[0].node.name.value
        if name == "__typename":
            return readers.constant(object_type.name)
        field = object_type.fields[name]
        declaration = declaration_of(field)
        if isinstance(declaration, Follows):
            return self._relation(field, declaration.relation, details, level)
        if isinstance(declaration, PagedBelow):
            return self._nested_page(field, declaration, details, level)
        if field.args:
            raise Unsupported(f"{object_type.name}.{name} arguments")
        if isinstance(declaration, Chosen):
            assert isinstance(named(field.type), GraphQLUnionType)
            return self._union(declaration, details, level)
        if isinstance(declaration, OwnerOnly):
            return readers.private(
                level.column(declaration.column), level.column(declaration.owner)
            )
        definition = field.extensions.get("strawberry-definition")
        column = getattr(definition, "python_name", None)
        if getattr(definition, "base_resolver", True) is not None or (column not in shape.columns):
            raise Unsupported(f"{object_type.name}.{name}")
        assert column is not None
        if column in shape.json_columns:
            return json_reader(self._subfields, field, details, level.column(column))
        return readers.column(level.column(column), readers.converter(field.type))

    def _relation(
        self, field: GraphQLField, relation: Relation, details: FieldDetailsList, level: Level
    ) -> Reader:
        target = named(field.type)
        child = self._new_level()
        item = self._object(target, details, child)
        target_shape = shape_of(target)
        assert target_shape is not None  # _object refused it otherwise
        child.ensure_selects(target_shape.columns[0])
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
            index = level.nested(row_subquery(spec, child, level.alias))
            return readers.one(index, item, nullable=not isinstance(field.type, GraphQLNonNull))
        many = TO_MANY[relation]
        status, limit = self._list_arguments(field, details, many)
        index = level.nested(array_subquery(many, child, level.alias, status, limit))
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
        limit = self._reading(field, details, lambda arguments: check_page_size(arguments["first"]))
        spec = DISCOVERED[relation]
        if spec.hnsw:
            self._needs(HNSW_SETTINGS_SQL)
        parent = level.alias
        index = level.nested(
            lambda: f"ARRAY({spec.correlated(child.row(), child.alias, parent, limit)})"
        )
        return readers.many(index, item)

    def _list_arguments(
        self, field: GraphQLField, details: FieldDetailsList, spec: ToMany
    ) -> tuple[str | None, str | None]:
        """The placeholders of a nested list's ``status`` and ``first``, checked as the resolver does."""
        if not set(field.args) <= {"first", "status"} or ("status" in field.args) != bool(
            spec.status
        ):
            raise Unsupported(f"{field.type} arguments")
        limit = None
        if "first" in field.args:
            limit = self._reading(
                field, details, lambda arguments: check_page_size(arguments["first"])
            )
        status = None
        if "status" in field.args:
            status = self._reading(field, details, _status)
        return status, limit

    def _nested_page(
        self, field: GraphQLField, page: PagedBelow, details: FieldDetailsList, level: Level
    ) -> Reader:
        """A connection below a row (``User.activity``): records, ``first + 1`` of them."""
        if set(field.args) != {"first", "after"}:
            raise Unsupported(f"{field.type} arguments")
        order, spec = page.order, TO_MANY[page.relation]

        def position(arguments: dict[str, Any]) -> list[Any]:
            """The sort key ``after`` holds (nulls without one); checks ``first`` too."""
            found = page_position(order, arguments["first"], arguments.get("after"))
            return [None] * len(order.key_columns) if found is None else found

        def page_size(arguments: dict[str, Any]) -> int:
            position(arguments)  # refused with the same error, whichever is read first
            first: int = arguments["first"]
            return first

        first = self._reading(field, details, page_size)
        after = [
            self._reading(field, details, partial(_item, position, index))
            for index in range(len(order.key_columns))
        ]
        connection_type = named(field.type)
        node_type = self._node_type(connection_type)
        child = self._new_level()
        read, counted = connection_reader(
            self._subfields,
            connection_type,
            details,
            lambda sub: self._object(node_type, sub, child),
            order_cursor(order, child),
        )
        child.ensure_selects()
        condition = unless_null(order.keyset(child.alias, *after), after[0])
        parent = level.alias
        rows = level.nested(
            lambda: (
                f"ARRAY({spec.correlated(child.row(), child.alias, parent, None, f'{first}::integer + 1', condition)})"
            )
        )
        # The page size travels with the record: the reader cuts ``first`` rows of ``first + 1``.
        size = level.nested(f"{first}::integer")
        total = level.nested(f"({spec.count(f'c{child.alias}', parent)})") if counted else None

        def reader(record: Sequence[Any], context: Any) -> Any:
            count = None if total is None else record[total]
            return read(record[rows], record[size], count, context)

        return reader

    def _node_type(self, connection_type: GraphQLObjectType) -> GraphQLObjectType:
        node_type = named(connection_type.fields["nodes"].type)
        assert isinstance(node_type, GraphQLObjectType)
        return node_type

    def _union(self, union: Chosen, details: FieldDetailsList, level: Level) -> Reader:
        """A union's member, chosen by the discriminator column, each a correlated row."""
        discriminator = level.column(union.discriminator)
        members: dict[str, tuple[int, Reader]] = {}
        for value, member in union.members.items():
            spec = member.relation
            child = self._new_level()
            type_name = get_object_definition(member.type, strict=True).name
            item = self._object(self._type(type_name), details, child)
            child.ensure_selects()
            condition = f" AND {level.alias}.{union.discriminator} = {self._constant(value)}"
            members[value] = (level.nested(row_subquery(spec, child, level.alias, condition)), item)
        return readers.either(discriminator, members)


def _health(arguments: dict[str, Any], parameters: Parameters[Any]) -> tuple[list[Statement], Any]:
    """``health``: "ok" once the database answered ``SELECT 1`` (as the resolver does)."""
    return [("SELECT 1", [])], lambda results, context: "ok"


def _item(
    read: Callable[[dict[str, Any]], list[Any]], index: int, arguments: dict[str, Any]
) -> Any:
    """Item ``index`` of what ``read`` reads from the arguments."""
    return read(arguments)[index]


def _status(arguments: dict[str, Any]) -> str | None:
    """A nested list's ``status``: the enum's value (null: every status)."""
    status = arguments.get("status")
    return None if status is None else str(plain(status))


def _has_variables(node: ArgumentNode | ValueNode) -> bool:
    """Whether an argument's value (or a value inside it) is a variable."""
    value = node.value if isinstance(node, ArgumentNode) else node
    if isinstance(value, VariableNode):
        return True
    if isinstance(value, ListValueNode):
        return any(_has_variables(item) for item in value.values)
    if isinstance(value, ObjectValueNode):
        return any(_has_variables(item.value) for item in value.fields)
    return False


def _checked(check: Callable[..., Any], *arguments: Any) -> Any:
    """``check(...)``; a client error (bad ``first`` or cursor) means: let the resolvers say it."""
    try:
        return check(*arguments)
    except ClientError as error:
        raise Unsupported(f"invalid argument: {type(error).__name__}") from None


def plan_operation(
    schema: GraphQLSchema, fragments: Any, variables: VariableValues, operation: Any
) -> Plan:
    """The plan of ``operation`` (raises :class:`Unsupported`)."""
    return Planner(schema, fragments, variables, operation).plan()


def plan_written(
    schema: GraphQLSchema,
    fragments: Any,
    variables: VariableValues,
    operation: Any,
    declaration: Written,
    details: FieldDetailsList,
    node_type: GraphQLObjectType,
) -> Lookup:
    """The lookup answering a payload's written row (raises :class:`Unsupported`)."""
    return Planner(schema, fragments, variables, operation).written(declaration, details, node_type)
