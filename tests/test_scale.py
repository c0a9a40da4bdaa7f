"""The scale data set: ``piccolo tribe_service scale`` on two scratch databases.

Both databases are migrated, given the same pre-existing rows (a builder and a
"Python" skill, as seed data would be) and scaled with the same seed and
``--until`` by the real command, in parallel. Then: the counts, the ranges,
every reference, the embeddings, the ids and times, that the pre-existing rows
stay, and that the two databases hold exactly the same rows.
"""

from __future__ import annotations

import asyncio
import io
import json
import re
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest
from pgvector import Vector as PgVector
from piccolo.columns import Integer, Varchar
from piccolo.table import Table
from ulid import ULID

from harness.database_urls import with_database
from tests.conftest import run_cli
from tribe_service.columns import TSVector, Vector
from tribe_service.embeddings import BuilderProfile, ProjectProfile
from tribe_service.embeddings.hashing import builder_vector, project_vector
from tribe_service.scale.dataset import SCALE_EMAIL_DOMAIN, ScaleCounts, ScaleDataSet
from tribe_service.scale.generator import generate
from tribe_service.scale.loader import build_index
from tribe_service.scale.progress import Progress
from tribe_service.scale.records import FEED_EVENTS, SKILLS, CopyLayout
from tribe_service.scale.skills import skill_catalogue, skill_rows
from tribe_service.scale.streams import ulid_string

USERS, PROJECTS, TRIBES, EVENTS = 200, 300, 40, 1000
SEED = 7
UNTIL = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
SCALE_ARGS = (
    f"--seed={SEED}",
    f"--users={USERS}",
    f"--projects={PROJECTS}",
    f"--tribes={TRIBES}",
    f"--events={EVENTS}",
    f"--until={UNTIL.isoformat()}",
)
TABLES = (
    "skills",
    "users",
    "user_skills",
    "projects",
    "project_collaborators",
    "tribes",
    "tribe_members",
    "tribe_open_roles",
    "feed_events",
)
EXISTING_USER_ID = "01JAAAAAAAAAAAAAAAAAAAAAAA"
EXISTING_SKILL_ID = "01JBBBBBBBBBBBBBBBBBBBBBBB"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


async def _execute(url: str, *statements: str) -> None:
    connection = await asyncpg.connect(url)
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


async def _prepare(url: str) -> None:
    """Rows that exist before the scale load, like seed data."""
    connection = await asyncpg.connect(url)
    try:
        await connection.execute(
            "INSERT INTO skills (id, name, slug, category) VALUES ($1, 'Python', 'python',"
            " 'engineering')",
            EXISTING_SKILL_ID,
        )
        await connection.execute(
            "INSERT INTO users (id, email, username, display_name, created_at, updated_at)"
            " VALUES ($1, 'maya.chen@example.com', 'mayachen', 'Maya Chen',"
            " '2025-01-01T00:00:00Z', '2025-01-01T00:00:00Z')",
            EXISTING_USER_ID,
        )
    finally:
        await connection.close()


def _migrate_prepare_and_scale(url: str) -> Any:
    env = {"DATABASE_URL": url}
    migrated = run_cli("piccolo", "migrations", "forwards", "all", env=env)
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr
    asyncio.run(_prepare(url))
    return run_cli("piccolo", "tribe_service", "scale", *SCALE_ARGS, env=env)


@pytest.fixture(scope="module")
def scaled(database_url: str) -> Iterator[dict[str, Any]]:
    """Two scratch databases, scaled alike; the command's output for the first."""
    names = [f"tribe_scale_{uuid.uuid4().hex[:12]}" for _ in range(2)]
    urls = [with_database(database_url, name) for name in names]
    asyncio.run(_execute(database_url, *(f'CREATE DATABASE "{name}"' for name in names)))
    try:
        with ThreadPoolExecutor(max_workers=2) as pool:
            results = list(pool.map(_migrate_prepare_and_scale, urls))
        yield {"urls": urls, "result": results[0], "results": results}
    finally:
        asyncio.run(
            _execute(
                database_url, *(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)' for name in names)
            )
        )


async def _fetch(url: str, query: str, *args: Any) -> list[asyncpg.Record]:
    connection = await asyncpg.connect(url)
    try:
        return await connection.fetch(query, *args)
    finally:
        await connection.close()


async def _value(url: str, query: str, *args: Any) -> Any:
    return (await _fetch(url, query, *args))[0][0]


async def _per_table(url: str, expression: str) -> dict[str, Any]:
    """``SELECT <expression> FROM <table> t`` for every table, on one connection."""
    connection = await asyncpg.connect(url)
    try:
        return {
            table: await connection.fetchval(f"SELECT {expression} FROM {table} t")
            for table in TABLES
        }
    finally:
        await connection.close()


async def _counts(url: str) -> dict[str, int]:
    return await _per_table(url, "count(*)")


async def _digests(url: str) -> dict[str, str]:
    """A digest of every row of every table, ids, embeddings and search vectors included."""
    return await _per_table(url, "md5(string_agg(t::text, '|' ORDER BY t.id))")


def _milliseconds(moment: datetime) -> int:
    return (moment - EPOCH) // timedelta(milliseconds=1)


# ---------------------------------------------------------------------------
# The command's run


def test_command_succeeds_and_prints_counts_timings_and_progress(scaled):
    for result in scaled["results"]:
        output = result.stdout + result.stderr
        assert result.returncode == 0, output
        assert "Traceback" not in output
    stdout, stderr = scaled["result"].stdout, scaled["result"].stderr
    printed = {
        table: int(count.replace(",", ""))
        for table, count in re.findall(r"^  (\w+)\s+([\d,]+)$", stdout, re.MULTILINE)
    }
    assert printed["users"] == USERS
    assert printed["projects"] == PROJECTS
    assert printed["tribes"] == TRIBES
    assert printed["feed_events"] == EVENTS
    assert printed["skills"] == len(skill_catalogue()) - 1  # "Python" existed
    assert re.search(r"^Total: \d+\.\d+s$", stdout, re.MULTILINE)
    assert re.search(r"^  index users_embedding_hnsw\s+\d+\.\d+s$", stdout, re.MULTILINE)
    # Not a terminal: one finished progress line per phase on stderr.
    assert re.search(r"^copy feed_events\s+\[#+\] 100%", stderr, re.MULTILINE), stderr


async def test_row_counts_and_ranges(scaled):
    url = scaled["urls"][0]
    counts = await _counts(url)
    assert counts["users"] == USERS + 1
    assert counts["projects"] == PROJECTS
    assert counts["tribes"] == TRIBES
    assert counts["feed_events"] == EVENTS
    assert counts["skills"] == len(skill_catalogue())

    async def per_parent(table: str, parent: str, column: str) -> tuple[int, int]:
        row = (
            await _fetch(
                url,
                f"SELECT min(n), max(n) FROM (SELECT count(c.{column}) AS n FROM {parent} p"
                f" LEFT JOIN {table} c ON c.{column} = p.id"
                f" WHERE p.id <> $1 GROUP BY p.id) per_parent",
                EXISTING_USER_ID,
            )
        )[0]
        return row[0], row[1]

    skills_low, skills_high = await per_parent("user_skills", "users", "user_id")
    assert skills_low >= 2 and skills_high <= 6
    collaborators_low, collaborators_high = await per_parent(
        "project_collaborators", "projects", "project_id"
    )
    assert collaborators_low == 0 and collaborators_high == 3
    members_low, members_high = await per_parent("tribe_members", "tribes", "tribe_id")
    assert members_low == 2 and members_high == 7
    roles_low, roles_high = await per_parent("tribe_open_roles", "tribes", "tribe_id")
    assert roles_low == 0 and roles_high == 3
    over_capacity = await _value(
        url,
        "SELECT count(*) FROM tribes t WHERE max_members <"
        " (SELECT count(*) FROM tribe_members m WHERE m.tribe_id = t.id)",
    )
    assert over_capacity == 0


async def test_usernames_and_emails_are_unique_and_plausible(scaled):
    rows = await _fetch(
        scaled["urls"][0],
        "SELECT username, email, display_name, headline, bio FROM users WHERE id <> $1",
        EXISTING_USER_ID,
    )
    for row in rows:
        assert re.fullmatch(r"[a-z]+\.[a-z]+\d+", row["username"]), row["username"]
        assert row["email"] == f"{row['username']}@{SCALE_EMAIL_DOMAIN}"
        first, last = row["display_name"].split(" ")
        assert first and last and row["headline"] and "Works with" in row["bio"]
    assert len({row["username"] for row in rows}) == USERS


async def test_every_reference_is_real(scaled):
    url = scaled["urls"][0]
    dangling = await _value(
        url,
        """
        SELECT count(*) FROM feed_events e WHERE NOT CASE e.target_type
            WHEN 'project' THEN EXISTS (SELECT 1 FROM projects p WHERE p.id = e.target_id)
            WHEN 'tribe' THEN EXISTS (SELECT 1 FROM tribes t WHERE t.id = e.target_id)
            WHEN 'user' THEN EXISTS (SELECT 1 FROM users u WHERE u.id = e.target_id)
            ELSE false END
        """,
    )
    assert dangling == 0
    types = {
        row["event_type"]: row["target_type"]
        for row in await _fetch(url, "SELECT DISTINCT event_type, target_type FROM feed_events")
    }
    assert types == {
        "builder_joined": "user",
        "project_created": "project",
        "project_shipped": "project",
        "collaboration_confirmed": "project",
        "tribe_created": "tribe",
        "member_joined_tribe": "tribe",
    }
    # Actors did what the events say: owners create and ship, confirmed collaborators
    # confirm, members join, builders join as themselves.
    wrong_actor = await _value(
        url,
        """
        SELECT count(*) FROM feed_events e WHERE NOT CASE e.event_type
            WHEN 'builder_joined' THEN e.actor_id = e.target_id
            WHEN 'project_created' THEN EXISTS (
                SELECT 1 FROM projects p WHERE p.id = e.target_id AND p.owner_id = e.actor_id)
            WHEN 'project_shipped' THEN EXISTS (
                SELECT 1 FROM projects p WHERE p.id = e.target_id AND p.owner_id = e.actor_id
                AND p.status = 'shipped')
            WHEN 'collaboration_confirmed' THEN EXISTS (
                SELECT 1 FROM project_collaborators c WHERE c.project_id = e.target_id
                AND c.user_id = e.actor_id AND c.status = 'confirmed')
            WHEN 'tribe_created' THEN EXISTS (
                SELECT 1 FROM tribes t WHERE t.id = e.target_id AND t.owner_id = e.actor_id)
            WHEN 'member_joined_tribe' THEN EXISTS (
                SELECT 1 FROM tribe_members m WHERE m.tribe_id = e.target_id
                AND m.user_id = e.actor_id AND m.joined_at IS NOT NULL)
            END
        """,
    )
    assert wrong_actor == 0
    owners_not_members = await _value(
        url,
        "SELECT count(*) FROM tribes t WHERE NOT EXISTS (SELECT 1 FROM tribe_members m"
        " WHERE m.tribe_id = t.id AND m.user_id = t.owner_id AND m.role = 'owner'"
        " AND m.status = 'active')",
    )
    assert owners_not_members == 0
    assert await _value(url, "SELECT count(*) FROM tribe_members WHERE role = 'owner'") == TRIBES
    self_collaborations = await _value(
        url,
        "SELECT count(*) FROM project_collaborators c JOIN projects p ON p.id = c.project_id"
        " WHERE c.user_id = p.owner_id",
    )
    assert self_collaborations == 0
    strangers_filling_roles = await _value(
        url,
        "SELECT count(*) FROM tribe_open_roles r WHERE r.filled <> (r.filled_by IS NOT NULL)"
        " OR (r.filled_by IS NOT NULL AND NOT EXISTS (SELECT 1 FROM tribe_members m"
        " WHERE m.tribe_id = r.tribe_id AND m.user_id = r.filled_by))",
    )
    assert strangers_filling_roles == 0


async def test_ids_are_ulids_of_creation_time_within_the_year_before_until(scaled):
    url = scaled["urls"][0]
    for table in ("users", "projects", "tribes", "feed_events"):
        rows = await _fetch(
            url, f"SELECT id, created_at FROM {table} WHERE id <> $1", EXISTING_USER_ID
        )
        for row in rows:
            assert ULID.from_str(row["id"]).milliseconds == _milliseconds(row["created_at"])
            assert UNTIL - timedelta(days=366) <= row["created_at"] <= UNTIL
    # Events never precede what they are about.
    early = await _value(
        url,
        """
        SELECT count(*) FROM feed_events e
        LEFT JOIN projects p ON e.target_type = 'project' AND p.id = e.target_id
        LEFT JOIN tribes t ON e.target_type = 'tribe' AND t.id = e.target_id
        JOIN users a ON a.id = e.actor_id
        WHERE e.created_at < coalesce(p.created_at, t.created_at, a.created_at)
           OR e.created_at < a.created_at
        """,
    )
    assert early == 0


async def test_embeddings_are_1536_dimension_unit_vectors(scaled):
    url = scaled["urls"][0]
    for table in ("users", "projects"):
        row = (
            await _fetch(
                url,
                f"SELECT count(*), min(vector_dims(embedding)), max(vector_dims(embedding)),"
                f" max(abs(vector_norm(embedding) - 1)) FROM {table} WHERE embedding IS NOT NULL",
            )
        )[0]
        expected = USERS if table == "users" else PROJECTS
        assert row[0] == expected
        assert row[1] == row[2] == 1536
        assert row[3] < 1e-5
    # Builders who share a role are closer, on average, than builders who do not.
    similarity = await _fetch(
        url,
        """
        SELECT a.primary_role = b.primary_role AS same, avg(1 - (a.embedding <=> b.embedding))
        FROM (SELECT * FROM users WHERE embedding IS NOT NULL ORDER BY id LIMIT 60) a
        JOIN (SELECT * FROM users WHERE embedding IS NOT NULL ORDER BY id DESC LIMIT 60) b
          ON a.id <> b.id
        GROUP BY 1
        """,
    )
    by_kind = {row[0]: row[1] for row in similarity}
    assert by_kind[True] > by_kind[False] + 0.1


async def test_embeddings_are_what_the_embedder_makes_of_the_rows(scaled):
    """Scale vectors are not random: the filler would compute the very same ones."""
    url = scaled["urls"][0]
    users = await _fetch(
        url,
        """
        SELECT u.headline, u.bio, u.primary_role, u.embedding::real[] AS embedding,
               array(SELECT s.name FROM user_skills us JOIN skills s ON s.id = us.skill_id
                     WHERE us.user_id = u.id ORDER BY us.added_at) AS skills
        FROM users u WHERE u.email LIKE '%@scale.example.com' ORDER BY u.id LIMIT 25
        """,
    )
    for row in users:
        profile = BuilderProfile(
            tuple(row["skills"]), row["primary_role"], row["headline"], row["bio"]
        )
        assert list(row["embedding"]) == pytest.approx(builder_vector(profile).to_list())
    projects = await _fetch(
        url,
        "SELECT title, description, tech_stack::text, embedding::real[] AS embedding"
        " FROM projects ORDER BY id LIMIT 25",
    )
    for row in projects:
        profile = ProjectProfile(
            tuple(json.loads(row["tech_stack"])), row["title"], row["description"]
        )
        assert list(row["embedding"]) == pytest.approx(project_vector(profile).to_list())


async def test_search_vectors_are_filled_and_vector_indexes_are_back(scaled, database_url):
    url = scaled["urls"][0]
    for table in ("users", "projects", "tribes"):
        assert await _value(url, f"SELECT count(*) FROM {table} WHERE search_vector IS NULL") == 0
    hits = await _value(
        url,
        "SELECT count(*) FROM projects WHERE search_vector @@ plainto_tsquery('english', $1)",
        "dashboard",
    )
    assert hits > 0
    query = (
        "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema()"
        " AND tablename = ANY($1::text[]) ORDER BY indexname"
    )
    tables = list(TABLES)
    assert await _fetch(url, query, tables) == await _fetch(database_url, query, tables)


async def test_existing_rows_stay_and_existing_skills_are_reused(scaled):
    url = scaled["urls"][0]
    existing = await _fetch(url, "SELECT username FROM users WHERE id = $1", EXISTING_USER_ID)
    assert [row["username"] for row in existing] == ["mayachen"]
    pythons = await _fetch(url, "SELECT id FROM skills WHERE name = 'Python'")
    assert [row["id"] for row in pythons] == [EXISTING_SKILL_ID]
    assert await _value(
        url, "SELECT count(*) FROM user_skills WHERE skill_id = $1", EXISTING_SKILL_ID
    )
    unknown_skills = await _value(
        url,
        "SELECT count(*) FROM user_skills us WHERE NOT EXISTS"
        " (SELECT 1 FROM skills s WHERE s.id = us.skill_id)",
    )
    assert unknown_skills == 0


async def test_the_same_seed_gives_the_same_rows(scaled):
    first, second = scaled["urls"]
    assert await _digests(first) == await _digests(second)


def test_a_second_load_is_refused_with_one_line_and_changes_nothing(scaled):
    url = scaled["urls"][0]
    before = asyncio.run(_digests(url))
    result = run_cli("piccolo", "tribe_service", "scale", "--seed=8", env={"DATABASE_URL": url})
    assert result.returncode != 0
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert "already holds scale data" in result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert asyncio.run(_digests(url)) == before


def test_production_is_refused_with_one_line_and_changes_nothing(scaled):
    url = scaled["urls"][1]
    before = asyncio.run(_digests(url))
    result = run_cli(
        "piccolo",
        "tribe_service",
        "scale",
        "--seed=9",
        env={"DATABASE_URL": url, "ENVIRONMENT": "production"},
    )
    assert result.returncode != 0
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert "ENVIRONMENT=production" in lines[0]
    assert "Traceback" not in result.stdout + result.stderr
    assert asyncio.run(_digests(url)) == before


def test_impossible_counts_and_unreachable_databases_get_one_line():
    impossible = run_cli("piccolo", "tribe_service", "scale", "--users=1", "--tribes=3")
    assert impossible.returncode != 0
    assert impossible.stderr.splitlines() == [
        "scale: tribes need at least two users (--users >= 2); nothing was changed"
    ]
    unreachable = run_cli(
        "piccolo",
        "tribe_service",
        "scale",
        env={"DATABASE_URL": "postgresql://tribe:tribe@127.0.0.1:9/tribe"},
    )
    assert unreachable.returncode != 0
    # (Piccolo's CLI warns first, from its own pending-migrations check.)
    assert unreachable.stderr.splitlines()[-1].startswith("scale: database unavailable")
    assert "Traceback" not in unreachable.stdout + unreachable.stderr


async def test_an_index_build_out_of_shared_memory_is_retried_serially(database_url):
    # As a parallel HNSW build fails in a Docker container with the default 64 MB /dev/shm.
    definition = """
        DO $$ BEGIN
          IF current_setting('max_parallel_maintenance_workers') <> '0' THEN
            RAISE EXCEPTION 'could not resize shared memory segment' USING ERRCODE = '53100';
          END IF;
          CREATE TEMPORARY TABLE scale_probe ();
        END $$
    """
    notes = io.StringIO()
    connection = await asyncpg.connect(database_url)
    transaction = connection.transaction()
    await transaction.start()
    try:
        await build_index(connection, definition, Progress(stream=notes))
        assert await connection.fetchval("SELECT to_regclass('scale_probe') IS NOT NULL")
        assert await connection.fetchval("SHOW max_parallel_maintenance_workers") == "0"
    finally:
        await transaction.rollback()
        await connection.close()
    assert "building serially" in notes.getvalue()


# ---------------------------------------------------------------------------
# The generator alone


def _small(seed: int) -> ScaleDataSet:
    skill_ids = {skill.name: f"skill-{index}" for index, skill in enumerate(skill_catalogue())}
    counts = ScaleCounts(users=30, projects=40, tribes=5, events=200)
    return generate(seed, counts, UNTIL, skill_ids)


def test_generation_depends_on_the_seed_only():
    first, again, other = _small(1), _small(1), _small(2)
    assert first.user_rows == again.user_rows
    assert list(first.users()) == list(again.users())
    assert first.feed_events == again.feed_events
    usernames = [row["username"] for row in first.user_rows]
    assert usernames != [row["username"] for row in other.user_rows]
    assert list(first.projects()) != list(other.projects())


def test_more_events_than_facts_are_later_releases():
    events = [dict(zip(FEED_EVENTS.names, row, strict=True)) for row in _small(3).feed_events]
    assert len(events) == 200
    ids = [event["id"] for event in events]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    releases = [event for event in events if event["event_type"] == "project_shipped"]
    assert any('"release":"v1.1"' in event["metadata"] for event in releases)


def test_every_record_holds_its_tables_columns_and_each_value_fits_its_column():
    """Records follow the Piccolo tables: a column added, dropped or mistyped fails here.

    (A column the generator does not give, or gives and the table lacks, already
    fails the generation, naming the table and the column.)
    """
    data = _small(4)
    copies = [(SKILLS, skill_rows(4, UNTIL), len(skill_catalogue())), *data.copies()]
    for layout, records, total in copies:
        # Every column of the table but the search vectors its triggers fill, in its order.
        expected = [c for c in layout.table._meta.columns if not isinstance(c, TSVector)]
        assert layout.names == tuple(column._meta.db_column_name for column in expected)
        rows = list(records)
        assert len(rows) == total > 0, layout.tablename
        for row in rows:
            assert len(row) == len(expected), (layout.tablename, row)
            for column, value in zip(expected, row, strict=True):
                where = f"{layout.tablename}.{column._meta.db_column_name} = {value!r}"
                if value is None:
                    assert column._meta.null, where
                else:
                    wanted = PgVector if isinstance(column, Vector) else column.value_type
                    assert type(value) is wanted, where


class _Probe(Table, tablename="scale_probe"):
    title = Varchar()
    stars = Integer()
    search_vector = TSVector()


def test_a_layout_takes_columns_by_name_in_the_tables_order():
    probe = CopyLayout.of(_Probe)
    assert probe.tablename == "scale_probe"
    assert probe.names == ("id", "title", "stars")  # search_vector: the database's
    assert probe.record(stars=3, id=1, title="x") == (1, "x", 3)
    with pytest.raises(TypeError, match=r"^scale_probe_record\(\) missing .*'stars'"):
        probe.record(id=1, title="x")
    with pytest.raises(TypeError, match=r"^scale_probe_record\(\) got .* keyword argument 'search"):
        probe.record(id=1, title="x", stars=3, search_vector="")


def test_ulid_strings_match_python_ulid():
    for milliseconds, randomness in [(0, 0), (1_780_000_000_000, 2**80 - 1), (123, 456789)]:
        expected = ULID.from_bytes(milliseconds.to_bytes(6) + randomness.to_bytes(10))
        assert ulid_string(milliseconds, randomness) == str(expected)
