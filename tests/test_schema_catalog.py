"""The migrated schema, read back from PostgreSQL's own catalog.

The session database is migrated by ``piccolo migrations forwards all`` (see
conftest); these tests compare what PostgreSQL actually holds (pg_attribute,
pg_attrdef, pg_constraint, pg_index, pg_am, pg_opclass) with the data model of
the spec, section 3, as adapted by STACK.md (ULID ``id`` plus a composite
UNIQUE on junction tables, enums as lower-case varchars with CHECKs).

Everything is one table of expectations per concern, checked row by row.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest

from tests.schema_facts import APP_TABLES as TABLES
from tests.schema_facts import ENUM_COLUMNS

# -- expectations: columns ----------------------------------------------------------


class _Now:
    """The default is the transaction's ``now()`` (``CURRENT_TIMESTAMP``)."""

    def __repr__(self) -> str:
        return "now()"


class _NoDefault:
    """No DEFAULT at all (an explicit ``DEFAULT NULL`` is a default, and a mismatch)."""

    def __repr__(self) -> str:
        return "no default"


NOW = _Now()
NO_DEFAULT = _NoDefault()

ULID = "character varying(26)"
ENUM = "character varying(32)"  # lower-case enum values, checked by a CHECK constraint
TSTZ = "timestamp with time zone"
JSONB = "jsonb"
TEXT = "text"
TSVECTOR = "tsvector"
VECTOR = "vector(1536)"
FLOAT = "double precision"
INTEGER = "integer"
BOOLEAN = "boolean"


def varchar(length: int) -> str:
    return f"character varying({length})"


@dataclass(frozen=True)
class Col:
    name: str
    type: str
    nullable: bool
    default: Any = NO_DEFAULT


def required(name: str, type_: str) -> Col:
    """NOT NULL, no default: the caller must give a value."""
    return Col(name, type_, nullable=False)


def optional(name: str, type_: str) -> Col:
    """Nullable, no default."""
    return Col(name, type_, nullable=True)


def defaulted(name: str, type_: str, default: Any) -> Col:
    """NOT NULL with a database default."""
    return Col(name, type_, nullable=False, default=default)


ID = required("id", ULID)  # made in Python: no database default
TIMESTAMPS = (defaulted("created_at", TSTZ, NOW), defaulted("updated_at", TSTZ, NOW))

COLUMNS: dict[str, tuple[Col, ...]] = {
    "users": (
        ID,
        optional("email", varchar(255)),  # issue 17: GitHub may give no (or a taken) address
        optional("password_hash", varchar(255)),
        required("username", varchar(50)),
        required("display_name", varchar(100)),
        optional("avatar_url", varchar(500)),
        optional("headline", varchar(200)),
        optional("primary_role", ENUM),
        optional("timezone", varchar(50)),
        defaulted("availability_status", ENUM, "just_browsing"),
        defaulted("builder_score", FLOAT, 0.0),
        optional("bio", TEXT),
        defaulted("contact_links", JSONB, {}),
        optional("github_username", varchar(100)),
        optional("github_access_token_encrypted", varchar(500)),
        optional("github_id", "bigint"),  # issue 17: GitHub's numeric user id
        defaulted("onboarding_completed", BOOLEAN, False),
        optional("search_vector", TSVECTOR),
        optional("embedding", VECTOR),
        *TIMESTAMPS,
    ),
    "refresh_tokens": (
        ID,
        required("user_id", ULID),
        required("token_hash", varchar(64)),
        required("expires_at", TSTZ),
        optional("revoked_at", TSTZ),
        defaulted("created_at", TSTZ, NOW),
        # issue 17: sessions (token families) and rotation
        optional("family_id", ULID),
        optional("replaced_by", ULID),
        optional("user_agent", varchar(300)),
        optional("last_used_at", TSTZ),
    ),
    "user_skills": (
        ID,
        required("user_id", ULID),
        required("skill_id", ULID),
        defaulted("added_at", TSTZ, NOW),
    ),
    "skills": (
        ID,
        required("name", varchar(100)),
        required("slug", varchar(100)),
        required("category", ENUM),
    ),
    "projects": (
        ID,
        required("owner_id", ULID),
        required("title", varchar(200)),
        optional("description", TEXT),
        defaulted("status", ENUM, "in_progress"),
        optional("role", varchar(100)),
        optional("thumbnail_url", varchar(500)),
        defaulted("links", JSONB, {}),
        defaulted("tech_stack", JSONB, []),
        defaulted("impact_metrics", JSONB, {}),
        optional("github_repo_full_name", varchar(200)),
        optional("github_stars", INTEGER),
        optional("search_vector", TSVECTOR),
        optional("embedding", VECTOR),
        *TIMESTAMPS,
    ),
    "project_collaborators": (
        ID,
        required("project_id", ULID),
        required("user_id", ULID),
        optional("role", varchar(100)),
        defaulted("status", ENUM, "pending"),
        defaulted("invited_at", TSTZ, NOW),
        optional("confirmed_at", TSTZ),
    ),
    "tribes": (
        ID,
        required("owner_id", ULID),
        required("name", varchar(100)),
        optional("mission", TEXT),
        defaulted("status", ENUM, "open"),
        defaulted("max_members", INTEGER, 8),
        optional("search_vector", TSVECTOR),
        *TIMESTAMPS,
    ),
    "tribe_members": (
        ID,
        required("tribe_id", ULID),
        required("user_id", ULID),
        defaulted("role", ENUM, "member"),
        defaulted("status", ENUM, "pending"),
        optional("joined_at", TSTZ),
        defaulted("requested_at", TSTZ, NOW),
    ),
    "tribe_open_roles": (
        ID,
        required("tribe_id", ULID),
        required("title", varchar(100)),
        defaulted("skills_needed", JSONB, []),
        defaulted("filled", BOOLEAN, False),
        optional("filled_by", ULID),
    ),
    "feed_events": (
        ID,
        required("event_type", ENUM),
        required("actor_id", ULID),
        required("target_type", varchar(20)),
        required("target_id", ULID),
        defaulted("metadata", JSONB, {}),
        defaulted("created_at", TSTZ, NOW),
    ),
}

# -- expectations: constraints and indexes -------------------------------------------

# Every UNIQUE constraint of each table (the primary key aside), as column sets.
UNIQUE: dict[str, set[frozenset[str]]] = {
    "users": {
        frozenset({"email"}),
        frozenset({"username"}),
        frozenset({"github_username"}),
        frozenset({"github_id"}),
    },
    "refresh_tokens": {frozenset({"token_hash"})},
    "user_skills": {frozenset({"user_id", "skill_id"})},
    "skills": {frozenset({"name"}), frozenset({"slug"})},
    "projects": {frozenset({"github_repo_full_name"})},
    "project_collaborators": {frozenset({"project_id", "user_id"})},
    "tribes": set(),
    "tribe_members": {frozenset({"tribe_id", "user_id"})},
    "tribe_open_roles": set(),
    "feed_events": set(),
}


@dataclass(frozen=True)
class FK:
    table: str
    column: str
    target: str
    on_delete: str
    target_column: str = "id"


FOREIGN_KEYS = (
    FK("refresh_tokens", "user_id", "users", "CASCADE"),
    FK("user_skills", "user_id", "users", "CASCADE"),
    FK("user_skills", "skill_id", "skills", "CASCADE"),
    FK("projects", "owner_id", "users", "CASCADE"),
    FK("project_collaborators", "project_id", "projects", "CASCADE"),
    FK("project_collaborators", "user_id", "users", "CASCADE"),
    FK("tribes", "owner_id", "users", "CASCADE"),
    FK("tribe_members", "tribe_id", "tribes", "CASCADE"),
    FK("tribe_members", "user_id", "users", "CASCADE"),
    FK("tribe_open_roles", "tribe_id", "tribes", "CASCADE"),
    FK("tribe_open_roles", "filled_by", "users", "SET NULL"),
    FK("feed_events", "actor_id", "users", "CASCADE"),
)

ON_DELETE = {"a": "NO ACTION", "r": "RESTRICT", "c": "CASCADE", "n": "SET NULL", "d": "SET DEFAULT"}


@dataclass(frozen=True)
class Key:
    """One key column of an index; ``None`` fields are not checked."""

    column: str
    descending: bool | None = False
    opclass: str | None = None


@dataclass(frozen=True)
class Ix:
    """An index that must exist: ``keys`` are its leading key columns, in order."""

    table: str
    method: str
    keys: tuple[Key, ...]

    def __str__(self) -> str:
        keys = ", ".join(
            key.column
            + (" DESC" if key.descending else "")
            + (f" {key.opclass}" if key.opclass else "")
            for key in self.keys
        )
        return f"{self.table} USING {self.method} ({keys})"


INDEXES = (
    Ix("users", "hnsw", (Key("embedding", opclass="vector_cosine_ops"),)),
    Ix("projects", "hnsw", (Key("embedding", opclass="vector_cosine_ops"),)),
    Ix("users", "gin", (Key("search_vector", opclass="tsvector_ops"),)),
    Ix("projects", "gin", (Key("search_vector", opclass="tsvector_ops"),)),
    Ix("tribes", "gin", (Key("search_vector", opclass="tsvector_ops"),)),
    Ix("users", "btree", (Key("primary_role"), Key("availability_status"))),
    Ix("feed_events", "btree", (Key("created_at", descending=True),)),
    Ix("feed_events", "btree", (Key("event_type"), Key("created_at", descending=None))),
    Ix("feed_events", "btree", (Key("actor_id"),)),
    Ix("projects", "btree", (Key("owner_id"),)),
    Ix("tribes", "btree", (Key("owner_id"),)),
    Ix("refresh_tokens", "btree", (Key("user_id"),)),
    Ix("refresh_tokens", "btree", (Key("family_id"),)),  # a session's tokens (issue 17)
    Ix("tribe_open_roles", "btree", (Key("tribe_id"),)),
    # The spec's "unique indexed" columns (the UNIQUE constraint's index).
    Ix("users", "btree", (Key("email"),)),
    Ix("users", "btree", (Key("username"),)),
    Ix("skills", "btree", (Key("slug"),)),
)


# -- the catalog, read once ----------------------------------------------------------

COLUMNS_SQL = """
SELECT c.relname AS table_name, a.attname AS column_name,
       format_type(a.atttypid, a.atttypmod) AS data_type,
       NOT a.attnotnull AS nullable,
       a.attgenerated <> '' AS generated,
       pg_get_expr(d.adbin, d.adrelid) AS default_expr
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE n.nspname = current_schema() AND c.relkind = 'r' AND c.relname = ANY($1::text[])
  AND a.attnum > 0 AND NOT a.attisdropped
"""

CONSTRAINTS_SQL = """
SELECT c.relname AS table_name, con.conname AS name, con.contype::text AS type,
       ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord)
             JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum
             ORDER BY k.ord) AS columns,
       target.relname AS target_table,
       ARRAY(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY AS k(attnum, ord)
             JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum
             ORDER BY k.ord) AS target_columns,
       con.confdeltype::text AS on_delete
FROM pg_constraint con
JOIN pg_class c ON c.oid = con.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_class target ON target.oid = con.confrelid
WHERE n.nspname = current_schema() AND c.relname = ANY($1::text[])
"""

INDEXES_SQL = """
SELECT t.relname AS table_name, i.relname AS name, am.amname AS method,
       ix.indisunique AS is_unique, ix.indisprimary AS is_primary, ix.indisvalid AS is_valid,
       ix.indpred IS NOT NULL AS is_partial, ix.indexprs IS NOT NULL AS has_expressions,
       ARRAY(SELECT a.attname::text FROM unnest(ix.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
             JOIN pg_attribute a ON a.attrelid = ix.indrelid AND a.attnum = k.attnum
             ORDER BY k.ord) AS columns,
       ARRAY(SELECT opc.opcname::text FROM unnest(ix.indclass::oid[]) WITH ORDINALITY AS k(oid, ord)
             JOIN pg_opclass opc ON opc.oid = k.oid
             ORDER BY k.ord) AS opclasses,
       ARRAY(SELECT (k.option & 1) = 1 FROM unnest(ix.indoption::int2[]) WITH ORDINALITY AS k(option, ord)
             ORDER BY k.ord) AS descending
FROM pg_index ix
JOIN pg_class i ON i.oid = ix.indexrelid
JOIN pg_class t ON t.oid = ix.indrelid
JOIN pg_namespace n ON n.oid = t.relnamespace
JOIN pg_am am ON am.oid = i.relam
WHERE n.nspname = current_schema() AND t.relname = ANY($1::text[])
"""


@dataclass(frozen=True)
class LiveColumn:
    type: str
    nullable: bool
    generated: bool
    default_expr: str | None
    default: Any  # evaluated in the column's type; NOW for now(), NO_DEFAULT for none


@dataclass
class Catalog:
    columns: dict[str, dict[str, LiveColumn]]
    constraints: list[dict[str, Any]]
    indexes: list[dict[str, Any]]


async def _evaluate_default(connection: Any, expression: str, data_type: str) -> Any:
    """The value a default expression gives, in the column's type (NOW if it is ``now()``)."""
    row = await connection.fetchrow(
        f"SELECT CAST(({expression}) AS {data_type}) AS value, now() AS now,"
        f" pg_typeof(CAST(({expression}) AS {data_type})) = 'jsonb'::regtype AS is_json"
    )
    if data_type == TSTZ and row["value"] == row["now"]:
        return NOW
    if row["is_json"]:
        return json.loads(row["value"])
    return row["value"]


async def read_catalog(connection: Any) -> Catalog:
    """The columns (with evaluated defaults), constraints and indexes of the ten tables."""
    columns: dict[str, dict[str, LiveColumn]] = {}
    for row in await connection.fetch(COLUMNS_SQL, list(TABLES)):
        expression = row["default_expr"]
        default = (
            NO_DEFAULT
            if expression is None
            else await _evaluate_default(connection, expression, row["data_type"])
        )
        columns.setdefault(row["table_name"], {})[row["column_name"]] = LiveColumn(
            type=row["data_type"],
            nullable=row["nullable"],
            generated=row["generated"],
            default_expr=expression,
            default=default,
        )
    constraints = [dict(row) for row in await connection.fetch(CONSTRAINTS_SQL, list(TABLES))]
    indexes = [dict(row) for row in await connection.fetch(INDEXES_SQL, list(TABLES))]
    return Catalog(columns=columns, constraints=constraints, indexes=indexes)


@pytest.fixture(scope="module")
async def catalog(engine) -> Catalog:
    async with (
        engine.pool.acquire() as connection,
        connection.transaction(isolation="repeatable_read", readonly=True),
    ):
        return await read_catalog(connection)


def _constraints(catalog: Catalog, table: str, type_: str) -> list[dict[str, Any]]:
    return [c for c in catalog.constraints if c["table_name"] == table and c["type"] == type_]


def _index_matches(index: dict[str, Any], expected: Ix) -> bool:
    """True if ``index`` is a usable index of that method whose leading keys are ``expected``'s."""
    if (
        index["table_name"] != expected.table
        or index["method"] != expected.method
        or not index["is_valid"]
        or index["is_partial"]
        or index["has_expressions"]
        or len(index["columns"]) < len(expected.keys)
    ):
        return False
    for position, key in enumerate(expected.keys):
        if index["columns"][position] != key.column:
            return False
        if key.opclass is not None and index["opclasses"][position] != key.opclass:
            return False
        if key.descending is not None and index["descending"][position] != key.descending:
            return False
    return True


# -- tests -------------------------------------------------------------------------


@pytest.mark.parametrize("table", TABLES)
def test_table_has_exactly_the_spec_columns(catalog, table):
    assert table in catalog.columns, f"table {table} is missing"
    assert set(catalog.columns[table]) == {column.name for column in COLUMNS[table]}


@pytest.mark.parametrize(
    ("table", "expected"),
    [(table, column) for table, columns in COLUMNS.items() for column in columns],
    ids=lambda value: value if isinstance(value, str) else value.name,
)
def test_column_type_nullability_and_default(catalog, table, expected):
    live = catalog.columns[table][expected.name]
    assert live.type == expected.type
    assert live.nullable == expected.nullable, "nullable" if live.nullable else "NOT NULL"
    assert live.default == expected.default, f"DEFAULT {live.default_expr}"
    if expected.default is not NO_DEFAULT:
        # jsonb '{}' and '[]', 0 and False all compare equal in some pairing: check the type too.
        assert type(live.default) is type(expected.default)


def test_no_column_is_generated(catalog):
    # A GENERATED tsvector breaks a full save() of a loaded row: triggers fill search_vector.
    generated = [
        f"{table}.{name}"
        for table, columns in catalog.columns.items()
        for name, column in columns.items()
        if column.generated
    ]
    assert generated == []


@pytest.mark.parametrize("table", TABLES)
def test_primary_key_is_the_ulid_id(catalog, table):
    primary_keys = [c["columns"] for c in _constraints(catalog, table, "p")]
    assert primary_keys == [["id"]]


@pytest.mark.parametrize("table", TABLES)
def test_unique_constraints(catalog, table):
    live = {frozenset(c["columns"]) for c in _constraints(catalog, table, "u")}
    assert live == UNIQUE[table]


@pytest.mark.parametrize("table", TABLES)
def test_table_has_exactly_the_spec_foreign_keys(catalog, table):
    live = {c["columns"][0] for c in _constraints(catalog, table, "f")}
    assert all(len(c["columns"]) == 1 for c in _constraints(catalog, table, "f"))
    assert live == {fk.column for fk in FOREIGN_KEYS if fk.table == table}


@pytest.mark.parametrize("fk", FOREIGN_KEYS, ids=lambda fk: f"{fk.table}.{fk.column}")
def test_foreign_key_target_and_on_delete(catalog, fk):
    matches = [c for c in _constraints(catalog, fk.table, "f") if c["columns"] == [fk.column]]
    assert len(matches) == 1, f"no single foreign key on {fk.table}.{fk.column}"
    constraint = matches[0]
    assert (constraint["target_table"], constraint["target_columns"]) == (
        fk.target,
        [fk.target_column],
    )
    assert ON_DELETE[constraint["on_delete"]] == fk.on_delete
    if fk.on_delete == "SET NULL":
        assert catalog.columns[fk.table][fk.column].nullable


@pytest.mark.parametrize("expected", INDEXES, ids=str)
def test_index_exists(catalog, expected):
    candidates = [i for i in catalog.indexes if i["table_name"] == expected.table]
    assert any(_index_matches(index, expected) for index in candidates), (
        f"no index {expected}; the table has: "
        + "; ".join(
            f"{i['name']} {i['method']} {i['columns']} {i['opclasses']} desc={i['descending']}"
            for i in candidates
        )
    )


@pytest.mark.parametrize("fk", FOREIGN_KEYS, ids=lambda fk: f"{fk.table}.{fk.column}")
def test_every_foreign_key_column_leads_an_index(catalog, fk):
    # Cascading deletes and joins look rows up by the referencing column.
    expected = Ix(fk.table, "btree", (Key(fk.column, descending=None),))
    assert any(_index_matches(index, expected) for index in catalog.indexes)


@pytest.mark.parametrize(
    ("table", "column", "enum"),
    ENUM_COLUMNS,
    ids=[f"{table}.{column}" for table, column, _ in ENUM_COLUMNS],
)
def test_enum_column_has_a_check_constraint(catalog, table, column, enum):
    checks = [c for c in _constraints(catalog, table, "c") if c["columns"] == [column]]
    assert len(checks) == 1
    # The column is wide enough for every value (the CHECK itself is exercised in
    # test_data_model.py).
    length = int(catalog.columns[table][column].type.split("(")[1].rstrip(")"))
    assert max(len(member.value) for member in enum) <= length
