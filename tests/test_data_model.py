"""The data model's behaviour, through the Piccolo tables and raw SQL.

Every test that writes runs in a transaction that is rolled back (the session
database must keep exactly its seed data), creates its own rows with unique
values, and wraps a statement that must fail in a savepoint.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import warnings
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest
from pgvector import Vector
from piccolo.columns import JSONB
from piccolo.engine.postgres import PostgresTransaction
from ulid import ULID

from tests.schema_facts import ENUM_COLUMNS
from tribe_service.data_access import discovery, shapes
from tribe_service.data_access.relations import Relation
from tribe_service.data_access.shapes import RowShape
from tribe_service.ids import new_ulid, ulid_at
from tribe_service.tables import (
    ALL_TABLES,
    FeedEvent,
    Project,
    User,
)

TABLE_CLASSES = {table._meta.tablename: table for table in ALL_TABLES}
JSON_COLUMNS = {
    "contact_links",
    "links",
    "tech_stack",
    "impact_metrics",
    "skills_needed",
    "metadata",
}
DIMENSIONS = 1536
LONG_AGO = datetime(2001, 2, 3, 4, 5, 6, tzinfo=UTC)


@contextlib.asynccontextmanager
async def rolled_back(engine) -> AsyncIterator[PostgresTransaction]:
    """A transaction for the test body, rolled back at the end, never committed."""
    assert engine.current_transaction.get() is None, "a transaction is already open"
    async with engine.transaction() as transaction:
        yield transaction
        await transaction.rollback()


@contextlib.asynccontextmanager
async def refused(transaction: PostgresTransaction, error: type[Exception]) -> AsyncIterator[None]:
    """The body must raise ``error``; the transaction carries on from a savepoint."""
    savepoint = await transaction.savepoint()
    with pytest.raises(error):
        yield
    await savepoint.rollback_to()


# -- rows made with raw SQL --------------------------------------------------------


class Ref:
    """A required reference: a new row of ``table`` is made unless the caller gives one."""

    def __init__(self, table: str) -> None:
        self.table = table


def _required(table: str, tag: str) -> dict[str, Any]:
    """The columns a row of ``table`` cannot do without (unique values from ``tag``)."""
    return {
        "users": lambda: {
            "email": f"{tag}@example.test",
            "username": f"u_{tag}",
            "display_name": f"Builder {tag}",
        },
        "skills": lambda: {"name": f"Skill {tag}", "slug": f"skill-{tag}", "category": "data"},
        "refresh_tokens": lambda: {
            "user_id": Ref("users"),
            "token_hash": f"{tag:0>64}",
            "expires_at": datetime.now(tz=UTC) + timedelta(days=7),
        },
        "user_skills": lambda: {"user_id": Ref("users"), "skill_id": Ref("skills")},
        "projects": lambda: {"owner_id": Ref("users"), "title": f"Project {tag}"},
        "project_collaborators": lambda: {"project_id": Ref("projects"), "user_id": Ref("users")},
        "tribes": lambda: {"owner_id": Ref("users"), "name": f"Tribe {tag}"},
        "tribe_members": lambda: {"tribe_id": Ref("tribes"), "user_id": Ref("users")},
        "tribe_open_roles": lambda: {"tribe_id": Ref("tribes"), "title": f"Role {tag}"},
        "feed_events": lambda: {
            "event_type": "builder_joined",
            "actor_id": Ref("users"),
            "target_type": "user",
            "target_id": new_ulid(),
        },
    }[table]()


async def make(connection: asyncpg.Connection, table: str, **values: Any) -> str:
    """Insert a row with raw SQL: the required columns plus ``values``; returns its id.

    Columns left out get the database's defaults; missing parents are made too.
    """
    tag = new_ulid().lower()
    row = {"id": new_ulid(), **_required(table, tag), **values}
    for column, value in row.items():
        if isinstance(value, Ref):
            row[column] = await make(connection, value.table)
        elif column in JSON_COLUMNS and not isinstance(value, str):
            row[column] = json.dumps(value)
    columns = ", ".join(row)
    placeholders = ", ".join(f"${position}" for position in range(1, len(row) + 1))
    return await connection.fetchval(
        f"INSERT INTO {table} ({columns}) VALUES ({placeholders}) RETURNING id", *row.values()
    )


async def fetch_row(connection: asyncpg.Connection, table: str, row_id: str) -> dict[str, Any]:
    row = await connection.fetchrow(f"SELECT * FROM {table} WHERE id = $1", row_id)
    assert row is not None, f"{table} {row_id} is gone"
    return {key: json.loads(value) if key in JSON_COLUMNS else value for key, value in row.items()}


async def exists(connection: asyncpg.Connection, table: str, row_id: str) -> bool:
    return await connection.fetchval(f"SELECT EXISTS (SELECT 1 FROM {table} WHERE id = $1)", row_id)


def unit_vector(index: int, size: int = DIMENSIONS) -> list[float]:
    """A vector pointing along one axis (exact in float32)."""
    return [1.0 if position == index else 0.0 for position in range(size)]


# -- defaults ---------------------------------------------------------------------


class _Now:
    def __repr__(self) -> str:
        return "now()"


NOW = _Now()

# What the database fills in when an INSERT leaves the column out.
DATABASE_DEFAULTS: dict[str, dict[str, Any]] = {
    "users": {
        "availability_status": "just_browsing",
        "builder_score": 0.0,
        "contact_links": {},
        "onboarding_completed": False,
        "created_at": NOW,
        "updated_at": NOW,
    },
    "refresh_tokens": {"created_at": NOW},
    "user_skills": {"added_at": NOW},
    "skills": {},
    "projects": {
        "status": "in_progress",
        "links": {},
        "tech_stack": [],
        "impact_metrics": {},
        "created_at": NOW,
        "updated_at": NOW,
    },
    "project_collaborators": {"status": "pending", "invited_at": NOW},
    "tribes": {"status": "open", "max_members": 8, "created_at": NOW, "updated_at": NOW},
    "tribe_members": {"role": "member", "status": "pending", "requested_at": NOW},
    "tribe_open_roles": {"skills_needed": [], "filled": False},
    "feed_events": {"metadata": {}, "created_at": NOW},
}
FILLED_BY_TRIGGER = {"search_vector"}


@pytest.mark.parametrize("table", list(DATABASE_DEFAULTS))
async def test_database_defaults_fill_left_out_columns(engine, table):
    async with rolled_back(engine) as transaction:
        connection = transaction.connection
        row_id = await make(connection, table)
        row = await fetch_row(connection, table, row_id)
        now = await connection.fetchval("SELECT now()")  # the transaction's start

        given = {"id", *_required(table, "x")}
        expected = DATABASE_DEFAULTS[table]
        for column, value in row.items():
            if column in given or column in FILLED_BY_TRIGGER:
                continue
            wanted = now if expected.get(column) is NOW else expected.get(column)
            assert value == wanted, f"{table}.{column}"
            assert type(value) is type(wanted), f"{table}.{column}"
        assert set(expected) <= set(row)


@pytest.mark.parametrize("table", list(DATABASE_DEFAULTS))
async def test_insert_without_an_id_is_refused(engine, table):
    # Ids are made in Python (ULIDs): the database has no default for them.
    async with rolled_back(engine) as transaction:
        connection = transaction.connection
        values = {
            column: await make(connection, value.table) if isinstance(value, Ref) else value
            for column, value in _required(table, new_ulid().lower()).items()
        }
        columns = ", ".join(values)
        placeholders = ", ".join(f"${position}" for position in range(1, len(values) + 1))
        async with refused(transaction, asyncpg.NotNullViolationError):
            await connection.execute(
                f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", *values.values()
            )


# -- enums ------------------------------------------------------------------------

ENUM_IDS = [f"{table}.{column}" for table, column, _ in ENUM_COLUMNS]


@pytest.mark.parametrize(("table", "column", "enum"), ENUM_COLUMNS, ids=ENUM_IDS)
async def test_enum_column_takes_every_value_of_its_enum(engine, table, column, enum):
    async with rolled_back(engine) as transaction:
        connection = transaction.connection
        row_id = await make(connection, table)
        for member in enum:
            await connection.execute(
                f"UPDATE {table} SET {column} = $1 WHERE id = $2", member.value, row_id
            )
            assert (await fetch_row(connection, table, row_id))[column] == member.value


@pytest.mark.parametrize(("table", "column", "enum"), ENUM_COLUMNS, ids=ENUM_IDS)
async def test_enum_column_refuses_values_outside_its_enum(engine, table, column, enum):
    first = next(iter(enum))
    outsiders = ["not_a_" + first.value, first.name.upper(), first.value + " ", ""]
    async with rolled_back(engine) as transaction:
        connection = transaction.connection
        row_id = await make(connection, table)
        for value in outsiders:
            async with refused(transaction, asyncpg.CheckViolationError):
                await connection.execute(
                    f"UPDATE {table} SET {column} = $1 WHERE id = $2", value, row_id
                )
            async with refused(transaction, asyncpg.CheckViolationError):
                await make(connection, table, **{column: value})


# -- uniqueness and foreign keys ----------------------------------------------------

JUNCTIONS = (
    ("user_skills", "user_id", "users", "skill_id", "skills"),
    ("project_collaborators", "project_id", "projects", "user_id", "users"),
    ("tribe_members", "tribe_id", "tribes", "user_id", "users"),
)


@pytest.mark.parametrize(
    ("table", "left", "left_table", "right", "right_table"),
    JUNCTIONS,
    ids=[junction[0] for junction in JUNCTIONS],
)
async def test_junction_pair_is_unique(engine, table, left, left_table, right, right_table):
    async with rolled_back(engine) as transaction:
        connection = transaction.connection
        left_id = await make(connection, left_table)
        right_id = await make(connection, right_table)
        await make(connection, table, **{left: left_id, right: right_id})
        async with refused(transaction, asyncpg.UniqueViolationError):
            await make(connection, table, **{left: left_id, right: right_id})
        # Either side may pair with something else.
        await make(connection, table, **{left: left_id, right: await make(connection, right_table)})
        await make(connection, table, **{left: await make(connection, left_table), right: right_id})
        count = await connection.fetchval(
            f"SELECT count(*) FROM {table} WHERE {left} = $1 OR {right} = $2", left_id, right_id
        )
        assert count == 3


FOREIGN_KEYS = (
    ("refresh_tokens", "user_id", "users", "cascade"),
    ("user_skills", "user_id", "users", "cascade"),
    ("user_skills", "skill_id", "skills", "cascade"),
    ("projects", "owner_id", "users", "cascade"),
    ("project_collaborators", "project_id", "projects", "cascade"),
    ("project_collaborators", "user_id", "users", "cascade"),
    ("tribes", "owner_id", "users", "cascade"),
    ("tribe_members", "tribe_id", "tribes", "cascade"),
    ("tribe_members", "user_id", "users", "cascade"),
    ("tribe_open_roles", "tribe_id", "tribes", "cascade"),
    ("tribe_open_roles", "filled_by", "users", "set null"),
    ("feed_events", "actor_id", "users", "cascade"),
)
FK_IDS = [f"{table}.{column}" for table, column, _, _ in FOREIGN_KEYS]


@pytest.mark.parametrize(("table", "column", "target", "on_delete"), FOREIGN_KEYS, ids=FK_IDS)
async def test_orphan_rows_are_refused(engine, table, column, target, on_delete):
    async with rolled_back(engine) as transaction:
        connection = transaction.connection
        async with refused(transaction, asyncpg.ForeignKeyViolationError):
            await make(connection, table, **{column: new_ulid()})
        row_id = await make(connection, table, **{column: await make(connection, target)})
        async with refused(transaction, asyncpg.ForeignKeyViolationError):
            await connection.execute(
                f"UPDATE {table} SET {column} = $1 WHERE id = $2", new_ulid(), row_id
            )


@pytest.mark.parametrize(("table", "column", "target", "on_delete"), FOREIGN_KEYS, ids=FK_IDS)
async def test_deleting_the_referenced_row(engine, table, column, target, on_delete):
    async with rolled_back(engine) as transaction:
        connection = transaction.connection
        parent_id = await make(connection, target)
        row_id = await make(connection, table, **{column: parent_id})
        await TABLE_CLASSES[target].delete().where(TABLE_CLASSES[target].id == parent_id)
        assert not await exists(connection, target, parent_id)
        if on_delete == "cascade":
            assert not await exists(connection, table, row_id)
        else:
            assert (await fetch_row(connection, table, row_id))[column] is None


async def test_deleting_a_user_removes_everything_they_own(engine):
    async with rolled_back(engine) as transaction:
        c = transaction.connection
        user = await make(c, "users")
        other = await make(c, "users")
        skill = await make(c, "skills")
        project = await make(c, "projects", owner_id=user)
        others_project = await make(c, "projects", owner_id=other)
        tribe = await make(c, "tribes", owner_id=user)
        others_tribe = await make(c, "tribes", owner_id=other)
        gone = {
            "users": [user],
            "refresh_tokens": [await make(c, "refresh_tokens", user_id=user)],
            "user_skills": [await make(c, "user_skills", user_id=user, skill_id=skill)],
            "projects": [project],
            "project_collaborators": [
                # the user's project's collaborators, and the user's collaborations
                await make(c, "project_collaborators", project_id=project, user_id=other),
                await make(c, "project_collaborators", project_id=others_project, user_id=user),
            ],
            "tribes": [tribe],
            "tribe_members": [
                await make(c, "tribe_members", tribe_id=tribe, user_id=other),
                await make(c, "tribe_members", tribe_id=others_tribe, user_id=user),
            ],
            "tribe_open_roles": [
                await make(c, "tribe_open_roles", tribe_id=tribe, filled=True, filled_by=other)
            ],
            "feed_events": [await make(c, "feed_events", actor_id=user)],
        }
        kept = {
            "users": [other],
            "skills": [skill],
            "projects": [others_project],
            "tribes": [others_tribe],
            "refresh_tokens": [await make(c, "refresh_tokens", user_id=other)],
            "user_skills": [await make(c, "user_skills", user_id=other, skill_id=skill)],
            "feed_events": [await make(c, "feed_events", actor_id=other)],
        }
        filled_by_user = await make(
            c, "tribe_open_roles", tribe_id=others_tribe, filled=True, filled_by=user
        )

        await User.delete().where(User.id == user)

        still_there = [
            f"{table} {row_id}"
            for table, ids in gone.items()
            for row_id in ids
            if await exists(c, table, row_id)
        ]
        assert still_there == []
        missing = [
            f"{table} {row_id}"
            for table, ids in kept.items()
            for row_id in ids
            if not await exists(c, table, row_id)
        ]
        assert missing == []
        role = await fetch_row(c, "tribe_open_roles", filled_by_user)
        assert (role["filled_by"], role["filled"], role["tribe_id"]) == (None, True, others_tribe)


# -- full-text search -------------------------------------------------------------

# table, column, value before, value after: each value holds one word found nowhere else.
SEARCH_SOURCES = (
    ("users", "display_name", "Quokka Jones", "Narwhal Jones"),
    ("users", "bio", "I ship quokka apps.", "I ship narwhal apps."),
    ("projects", "title", "Quokka tracker", "Narwhal tracker"),
    ("projects", "description", "Tracks every quokka.", "Tracks every narwhal."),
    ("projects", "tech_stack", ["Python", "Quokka"], ["Python", "Narwhal"]),
    ("tribes", "name", "Quokka crew", "Narwhal crew"),
    ("tribes", "mission", "Save the quokka.", "Save the narwhal."),
)


async def matches(connection: asyncpg.Connection, table: str, row_id: str, words: str) -> bool:
    return await connection.fetchval(
        f"SELECT search_vector @@ plainto_tsquery('simple', $1) FROM {table} WHERE id = $2",
        words,
        row_id,
    )


async def orm_insert(connection: asyncpg.Connection, table: str, **values: Any) -> Any:
    """Insert a row through the Piccolo table (parents made with raw SQL); returns the row."""
    required = _required(table, new_ulid().lower())
    for column, value in required.items():
        if isinstance(value, Ref) and column not in values:
            required[column] = await make(connection, value.table)
    row = TABLE_CLASSES[table](**{**required, **values})
    await row.save()
    return row


@pytest.mark.parametrize(
    ("table", "column", "before", "after"),
    SEARCH_SOURCES,
    ids=[f"{table}.{column}" for table, column, _, _ in SEARCH_SOURCES],
)
async def test_search_vector_is_set_on_insert_and_follows_updates(
    engine, table, column, before, after
):
    table_class = TABLE_CLASSES[table]
    async with rolled_back(engine) as transaction:
        connection = transaction.connection
        row = await orm_insert(connection, table, **{column: before})
        assert await matches(connection, table, row.id, "quokka")
        assert not await matches(connection, table, row.id, "narwhal")

        await table_class.update({column: after}).where(table_class.id == row.id)

        assert await matches(connection, table, row.id, "narwhal")
        assert not await matches(connection, table, row.id, "quokka")


async def test_search_vector_follows_save_of_a_loaded_row(engine):
    async with rolled_back(engine) as transaction:
        connection = transaction.connection
        user_id = (await orm_insert(connection, "users", bio="Quokka whisperer")).id
        user = await User.objects().get(User.id == user_id)
        user.bio = "Narwhal whisperer"
        await user.save()  # every column, search_vector included, is written back
        assert await matches(connection, "users", user_id, "narwhal")
        assert not await matches(connection, "users", user_id, "quokka")


async def test_search_vector_ranks_by_relevance(engine):
    async with rolled_back(engine) as transaction:
        connection = transaction.connection
        by_name = await orm_insert(connection, "tribes", name="Axolotl guild", mission="Hacking.")
        by_mission = await orm_insert(
            connection, "tribes", name="Night owls", mission="Axolotl research."
        )
        ranked = await connection.fetch(
            "SELECT id FROM tribes WHERE id = ANY($1::varchar[])"
            " AND search_vector @@ plainto_tsquery('simple', 'axolotl')"
            " ORDER BY ts_rank(search_vector, plainto_tsquery('simple', 'axolotl')) DESC",
            [by_name.id, by_mission.id],
        )
        assert [row["id"] for row in ranked] == [by_name.id, by_mission.id]


# -- timestamps -------------------------------------------------------------------

TIMESTAMPED = (("users", "display_name"), ("projects", "title"), ("tribes", "name"))


async def _update_with_update_query(table_class: Any, row_id: str, column: str) -> None:
    await table_class.update({column: f"Renamed {new_ulid()}"}).where(table_class.id == row_id)


async def _update_with_save(table_class: Any, row_id: str, column: str) -> None:
    row = await table_class.objects().get(table_class.id == row_id)
    setattr(row, column, f"Renamed {new_ulid()}")
    await row.save()


async def _update_with_save_of_columns(table_class: Any, row_id: str, column: str) -> None:
    row = await table_class.objects().get(table_class.id == row_id)
    setattr(row, column, f"Renamed {new_ulid()}")
    await row.save(columns=[column])


UPDATES: dict[str, Callable[..., Any]] = {
    "update": _update_with_update_query,
    "save": _update_with_save,
    "save-columns": _update_with_save_of_columns,
}


@pytest.mark.parametrize("how", list(UPDATES))
@pytest.mark.parametrize(("table", "column"), TIMESTAMPED, ids=[t for t, _ in TIMESTAMPED])
async def test_orm_update_moves_updated_at_not_created_at(engine, table, column, how):
    # Inside a transaction now() stays put, so the row starts out dated long ago and
    # updated_at must land between the transaction's start and the present instant.
    async with rolled_back(engine) as transaction:
        connection = transaction.connection
        row_id = await make(connection, table, created_at=LONG_AGO, updated_at=LONG_AGO)

        await UPDATES[how](TABLE_CLASSES[table], row_id, column)

        row = await fetch_row(connection, table, row_id)
        started, present = await connection.fetchrow("SELECT now(), clock_timestamp()")
        assert row["created_at"] == LONG_AGO
        assert started <= row["updated_at"] <= present
        assert row[column].startswith("Renamed ")


# -- ids --------------------------------------------------------------------------


@pytest.mark.parametrize("table", list(TABLE_CLASSES))
def test_new_rows_get_a_fresh_ulid_made_in_python(table):
    before = datetime.now(tz=UTC)
    first = TABLE_CLASSES[table](_ignore_missing=True)
    second = TABLE_CLASSES[table](_ignore_missing=True)
    after = datetime.now(tz=UTC)
    for row_id in (first.id, second.id):
        assert isinstance(row_id, str)
        assert len(row_id) == 26
        assert str(ULID.from_str(row_id)) == row_id  # canonical Crockford base32
        moment = ULID.from_str(row_id).datetime
        assert before - timedelta(milliseconds=1) <= moment <= after
    assert first.id != second.id


async def test_ids_sort_in_creation_order(engine):
    async with rolled_back(engine) as transaction:
        connection = transaction.connection
        created = []
        for _ in range(5):
            created.append((await orm_insert(connection, "skills")).id)
            await asyncio.sleep(0.003)  # ULIDs are ordered by their millisecond
        stored = await connection.fetch(
            "SELECT id FROM skills WHERE id = ANY($1::varchar[]) ORDER BY id", created
        )
        assert [row["id"] for row in stored] == created


def test_ulid_at_follows_the_given_time():
    moments = [
        datetime(2026, 1, 1, tzinfo=UTC) + timedelta(milliseconds=step) for step in (0, 1, 60_000)
    ]
    ids = [ulid_at(moment) for moment in moments]
    assert [ULID.from_str(row_id).datetime for row_id in ids] == moments
    assert sorted(ids) == ids
    assert len(set(ids)) == len(ids)


async def test_feed_event_ids_follow_created_at(engine):
    async with rolled_back(engine) as transaction:
        connection = transaction.connection
        actor = await make(connection, "users")
        base = datetime(2026, 3, 1, tzinfo=UTC)
        # Inserted newest first: id order must still be time order.
        for minutes in (30, 20, 10):
            moment = base + timedelta(minutes=minutes)
            await make(
                connection, "feed_events", id=ulid_at(moment), actor_id=actor, created_at=moment
            )
        rows = (
            await FeedEvent.select(FeedEvent.id, FeedEvent.created_at)
            .where(FeedEvent.actor_id == actor)
            .order_by(FeedEvent.id)
        )
        assert [row["created_at"] for row in rows] == sorted(row["created_at"] for row in rows)


# -- embeddings -------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore:.*When using large lists")
@pytest.mark.parametrize("table_class", [User, Project], ids=["users", "projects"])
async def test_embedding_round_trips_as_a_list_of_floats(engine, table_class):
    embedding = [position / 2048 - 0.375 for position in range(DIMENSIONS)]  # exact in float32
    table = table_class._meta.tablename
    async with rolled_back(engine) as transaction:
        connection = transaction.connection
        row_id = (await orm_insert(connection, table, embedding=embedding)).id

        selected = await table_class.select(table_class.embedding).where(table_class.id == row_id)
        assert selected[0]["embedding"] == embedding
        assert all(type(value) is float for value in selected[0]["embedding"])
        loaded = await table_class.objects().get(table_class.id == row_id)
        assert isinstance(loaded.embedding, list)
        assert loaded.embedding == embedding
        assert (
            await connection.fetchval(
                f"SELECT vector_dims(embedding) FROM {table} WHERE id = $1", row_id
            )
            == DIMENSIONS
        )

        # A pgvector Vector is written as is (a plain list goes through Piccolo's
        # per-item conversion, which warns about large lists).
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            await table_class.update({table_class.embedding: Vector(unit_vector(7))}).where(
                table_class.id == row_id
            )
        loaded = await table_class.objects().get(table_class.id == row_id)
        assert loaded.embedding == unit_vector(7)

        loaded.embedding = None
        await loaded.save()
        assert (await fetch_row(connection, table, row_id))["embedding"] is None


@pytest.mark.parametrize("table_class", [User, Project], ids=["users", "projects"])
async def test_embedding_of_the_wrong_size_is_refused(engine, table_class):
    table = table_class._meta.tablename
    async with rolled_back(engine) as transaction:
        connection = transaction.connection
        async with refused(transaction, asyncpg.DataError):
            await orm_insert(connection, table, embedding=[0.5, 0.25, 0.125])


@pytest.mark.parametrize("table", ["users", "projects"])
async def test_cosine_nearest_neighbours_use_the_hnsw_index(engine, table):
    async with rolled_back(engine) as transaction:
        connection = transaction.connection
        hnsw = await connection.fetch(
            "SELECT i.relname FROM pg_index x"
            " JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid"
            " JOIN pg_am am ON am.oid = i.relam WHERE t.relname = $1 AND am.amname = 'hnsw'",
            table,
        )
        assert len(hnsw) == 1
        index_name = hnsw[0]["relname"]

        nearest, *others = [
            await make(connection, table, embedding=unit_vector(axis)) for axis in (11, 12, 13)
        ]
        query = unit_vector(11)
        query[12] = 0.1  # closest to the first row by cosine, not identical to it
        await connection.execute("SET LOCAL enable_seqscan = off")
        sql = f"SELECT id FROM {table} ORDER BY embedding <=> $1 LIMIT 5"
        plan = "\n".join(row[0] for row in await connection.fetch(f"EXPLAIN {sql}", query))
        assert f"Index Scan using {index_name}" in plan

        found = [row["id"] for row in await connection.fetch(sql, query)]
        assert found[0] == nearest
        assert others[0] in found  # the next nearest of the three


# -- API row shapes ---------------------------------------------------------------

ROW_SHAPES = {name: value for name, value in vars(shapes).items() if isinstance(value, RowShape)}


def test_every_api_row_shape_is_checked():
    assert len(ROW_SHAPES) >= 8, sorted(ROW_SHAPES)


@pytest.mark.parametrize("name", list(ROW_SHAPES))
def test_api_row_shape_names_only_columns_of_its_piccolo_table(name):
    """A shape cannot drift from its table: every column it reads exists there."""
    shape = ROW_SHAPES[name]
    assert shape.table in TABLE_CLASSES, f"{name}: no Piccolo table {shape.table!r}"
    columns = {c._meta.db_column_name: c for c in TABLE_CLASSES[shape.table]._meta.columns}
    missing = [column for column in shape.columns if column not in columns]
    assert not missing, f"{name} reads columns {shape.table} does not have: {missing}"
    assert len(set(shape.columns)) == len(shape.columns), f"{name} repeats a column"
    # JSON columns arrive as text: exactly the shape's JSONB columns are decoded.
    jsonb = {column for column in shape.columns if isinstance(columns[column], JSONB)}
    assert shape.json_columns == jsonb, name
    # Vectors, search documents and secrets stay in the database.
    secret = [column for column in shape.columns if columns[column]._meta.secret]
    assert not secret, f"{name} reads secret columns: {secret}"


# The rows discovery statements derive (no table): their shapes are checked against what
# the statements return, both the batched form (the resolvers) and the correlated one
# (the compiled plans), on the seeded data.
DISCOVERED_SHAPES = {
    Relation.OPEN_ROLE_CANDIDATES: ("tribe_open_roles", discovery.CANDIDATE),
    Relation.USER_SIMILAR_BUILDERS: ("users", discovery.SIMILAR),
    Relation.PROJECT_SIMILAR_PROJECTS: ("projects", discovery.SIMILAR),
}


def test_every_discovered_list_has_its_shape_checked():
    assert set(DISCOVERED_SHAPES) == set(discovery.DISCOVERED)


@pytest.mark.parametrize("relation", list(DISCOVERED_SHAPES))
async def test_discovered_row_shapes_are_what_the_statements_return(relation, engine, seeded):
    from tribe_service.graphql.loaders import Loaders

    table, shape = DISCOVERED_SHAPES[relation]
    parents = [record["id"] for record in await engine.fetch(f"SELECT id FROM {table}")]
    loader = Loaders(engine).discovered(relation, 5)
    rows = [row for found in await loader.load_many(parents) for row in found]
    assert rows, relation  # the seed has candidates and neighbours
    assert all(set(shape.columns) <= set(row) for row in rows), (shape.columns, rows[0])
    correlated = discovery.DISCOVERED[relation].correlated(shape.select_list("t1"), "t1", "p", 5)
    async with engine.transaction():
        await engine.fetch(discovery.HNSW_SETTINGS_SQL)
        # the subquery selects every column of the shape: a missing one fails the statement
        records = await engine.fetch(
            f"SELECT (SELECT count(*) FROM ({correlated}) x) AS found FROM {table} p"
        )
    assert sum(record["found"] for record in records) == len(rows)
