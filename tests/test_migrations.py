"""The migrations, run by Piccolo's CLI on scratch databases: forwards, all the
way back, forwards again to the same schema, and no drift between the tables
and the migration files.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

import asyncpg

from tests.conftest import REPO_ROOT, run_cli
from tests.schema_facts import APP_TABLES as TABLES

APP = "tribe_service"
MIGRATIONS_FOLDER = REPO_ROOT / "tribe_service" / "piccolo_migrations"
# The HNSW and GIN indexes and the search triggers come from the raw-SQL migration.
SPECIAL_INDEXES = {"hnsw": 2, "gin": 3}
SEARCH_TRIGGER_TABLES = {"users", "projects", "tribes"}
# The discovery migration clears stale embeddings: on a builder's or project's change,
# on a builder's skills changing (user_skills) and on a skill's renaming.
STALE_EMBEDDING_TRIGGER_FUNCTIONS = {
    "users_embedding_stale",
    "projects_embedding_stale",
    "user_skills_embedding_stale",
    "skills_embedding_stale",
}


def migration_ids() -> list[str]:
    """The ``ID`` of every migration file of the app, oldest first."""
    ids = []
    for path in sorted(MIGRATIONS_FOLDER.glob(f"{APP}_*.py")):
        match = re.search(r'^ID = "([^"]+)"$', path.read_text(), flags=re.MULTILINE)
        assert match, f"{path.name} has no ID"
        ids.append(match.group(1))
    return ids


def piccolo(url: str, *args: str) -> str:
    """Run ``piccolo ...`` on ``url``; fails the test unless it exits 0. Returns stdout."""
    result = run_cli("piccolo", *args, env={"DATABASE_URL": url})
    output = f"{result.stdout}\n{result.stderr}"
    assert result.returncode == 0, f"piccolo {' '.join(args)} exited {result.returncode}:\n{output}"
    assert "Traceback" not in output, output
    return result.stdout


async def _schema(url: str) -> dict[str, Any]:
    connection = await asyncpg.connect(url)
    try:
        tables = await connection.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
            " AND tablename = ANY($1::text[])",
            TABLES,
        )
        columns = await connection.fetch(
            "SELECT table_name, column_name, data_type, character_maximum_length, udt_name,"
            " is_nullable, column_default FROM information_schema.columns"
            " WHERE table_schema = current_schema() AND table_name = ANY($1::text[])",
            TABLES,
        )
        indexes = await connection.fetch(
            "SELECT tablename, indexname, indexdef FROM pg_indexes"
            " WHERE schemaname = current_schema() AND tablename = ANY($1::text[])",
            TABLES,
        )
        constraints = await connection.fetch(
            "SELECT c.relname, con.conname, pg_get_constraintdef(con.oid) FROM pg_constraint con"
            " JOIN pg_class c ON c.oid = con.conrelid"
            " WHERE con.connamespace = current_schema()::regnamespace"
            " AND c.relname = ANY($1::text[])",
            TABLES,
        )
        triggers = await connection.fetch(
            "SELECT c.relname, t.tgname, pg_get_triggerdef(t.oid) FROM pg_trigger t"
            " JOIN pg_class c ON c.oid = t.tgrelid"
            " WHERE NOT t.tgisinternal AND c.relname = ANY($1::text[])",
            TABLES,
        )
        trigger_functions = await connection.fetch(
            "SELECT proname FROM pg_proc WHERE pronamespace = current_schema()::regnamespace"
            " AND prorettype = 'trigger'::regtype"
        )
        applied = await connection.fetch(
            "SELECT name FROM migration WHERE app_name = $1 ORDER BY name", APP
        )
        extensions = await connection.fetch("SELECT extname FROM pg_extension")
        access_methods = await connection.fetch(
            "SELECT am.amname FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid"
            " JOIN pg_class t ON t.oid = x.indrelid JOIN pg_am am ON am.oid = i.relam"
            " WHERE t.relname = ANY($1::text[])",
            TABLES,
        )
    finally:
        await connection.close()
    return {
        "tables": {row[0] for row in tables},
        "columns": {tuple(row) for row in columns},
        "indexes": {tuple(row) for row in indexes},
        "constraints": {tuple(row) for row in constraints},
        "triggers": {tuple(row) for row in triggers},
        "trigger_functions": {row[0] for row in trigger_functions},
        "applied": [row[0] for row in applied],
        "extensions": {row[0] for row in extensions},
        "access_methods": [row[0] for row in access_methods],
    }


def schema(url: str) -> dict[str, Any]:
    # The test is synchronous (the CLI runs in subprocesses): give the reads their own loop.
    return asyncio.run(_schema(url))


def test_migrations_forwards_backwards_and_forwards_again(empty_database_url):
    url = empty_database_url
    ids = migration_ids()
    assert len(ids) >= 2

    output = piccolo(url, "migrations", "forwards", "all")
    for migration_id in ids:
        assert f"{migration_id} [forwards]... ok" in output, output
    built = schema(url)
    assert built["tables"] == set(TABLES)
    assert built["applied"] == sorted(ids)
    assert "vector" in built["extensions"]
    for method, count in SPECIAL_INDEXES.items():
        assert built["access_methods"].count(method) == count, method
    assert {table for table, *_ in built["triggers"]} == SEARCH_TRIGGER_TABLES | {
        "user_skills",
        "skills",
    }
    assert (
        built["trigger_functions"]
        == {f"{table}_search_vector_refresh" for table in SEARCH_TRIGGER_TABLES}
        | STALE_EMBEDDING_TRIGGER_FUNCTIONS
    )

    output = piccolo(url, "migrations", "backwards", APP, "--migration_id=all", "--auto_agree")
    for migration_id in ids:
        assert f"{migration_id} [backwards]... ok" in output, output
    emptied = schema(url)
    assert emptied["tables"] == set()
    assert emptied["trigger_functions"] == set()
    assert emptied["applied"] == []
    # Backwards leaves the extension alone (it may belong to the superuser).
    assert "vector" in emptied["extensions"]

    output = piccolo(url, "migrations", "forwards", "all")
    for migration_id in ids:
        assert f"{migration_id} [forwards]... ok" in output, output
    assert schema(url) == built


def test_the_migrations_match_the_tables(empty_database_url):
    # Auto-migrations compare the tables with the migration files: nothing may be left.
    before = set(MIGRATIONS_FOLDER.glob("*.py"))
    try:
        output = piccolo(empty_database_url, "migrations", "new", APP, "--auto")
    finally:
        created = set(MIGRATIONS_FOLDER.glob("*.py")) - before
        for path in created:
            Path(path).unlink()
    assert not created, f"the tables differ from the migrations: it wrote {sorted(created)}"
    assert "No changes detected" in output, output
