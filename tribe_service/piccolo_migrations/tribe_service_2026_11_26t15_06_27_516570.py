"""What auto-migrations cannot express: search triggers, vector/composite/DESC indexes.

* ``search_vector`` on users, projects and tribes is filled by a
  ``BEFORE INSERT OR UPDATE`` trigger (a generated column would break Piccolo's
  full ``save()`` of a loaded row). Names weigh more than body text.
* HNSW indexes (``vector_cosine_ops``) for cosine nearest-neighbour search.
* GIN indexes on the search vectors; the spec's composite and DESC indexes,
  plus the keyset-pagination indexes of the GraphQL root lists.
* Piccolo evaluates the callable ULID default when it builds the DDL, leaving a
  constant default on every ``id``; and ``default=None`` becomes ``DEFAULT NULL``.
  Both are dropped: ids come from Python, required columns have no default.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-11-26T15:06:27:516570"
VERSION = "1.38.0"
DESCRIPTION = "search triggers, vector/GIN/composite/DESC indexes, no constant defaults"

TABLES = [
    "skills",
    "users",
    "refresh_tokens",
    "user_skills",
    "projects",
    "project_collaborators",
    "tribes",
    "tribe_members",
    "tribe_open_roles",
    "feed_events",
]

# table -> the trigger function's tsvector expression over NEW.
SEARCH_DOCUMENTS = {
    "users": """
        setweight(to_tsvector('simple', coalesce(NEW.display_name, '')), 'A')
        || setweight(to_tsvector('simple', coalesce(NEW.username, '')), 'A')
        || setweight(to_tsvector('english', coalesce(NEW.headline, '')), 'B')
        || setweight(to_tsvector('english', coalesce(NEW.bio, '')), 'C')
    """,
    "projects": """
        setweight(to_tsvector('english', coalesce(NEW.title, '')), 'A')
        || setweight(to_tsvector('english', coalesce(NEW.description, '')), 'B')
        || setweight(jsonb_to_tsvector('simple', coalesce(NEW.tech_stack, '[]'), '["string"]'), 'B')
    """,
    "tribes": """
        setweight(to_tsvector('english', coalesce(NEW.name, '')), 'A')
        || setweight(to_tsvector('english', coalesce(NEW.mission, '')), 'B')
    """,
}

# Columns whose change re-computes the search vector.
SEARCH_SOURCES = {
    "users": "display_name, username, headline, bio",
    "projects": "title, description, tech_stack",
    "tribes": "name, mission",
}

INDEXES = {
    "users_search_vector_gin": "ON users USING gin (search_vector)",
    "projects_search_vector_gin": "ON projects USING gin (search_vector)",
    "tribes_search_vector_gin": "ON tribes USING gin (search_vector)",
    "users_embedding_hnsw": "ON users USING hnsw (embedding vector_cosine_ops)",
    "projects_embedding_hnsw": "ON projects USING hnsw (embedding vector_cosine_ops)",
    "users_role_availability": "ON users (primary_role, availability_status)",
    "users_builder_score_desc": "ON users (builder_score DESC, id)",
    "projects_created_at_desc": "ON projects (created_at DESC, id DESC)",
    "tribes_created_at_desc": "ON tribes (created_at DESC, id DESC)",
    "feed_events_created_at_desc": "ON feed_events (created_at DESC, id DESC)",
    "feed_events_event_type_created_at": "ON feed_events (event_type, created_at)",
}


def drop_constant_defaults() -> str:
    """A block dropping the ``id`` defaults and every ``DEFAULT NULL`` of our tables."""
    table_list = ", ".join(f"'{table}'" for table in TABLES)
    return f"""
    DO $$
    DECLARE col record;
    BEGIN
      FOR col IN
        SELECT table_name, column_name FROM information_schema.columns
        WHERE table_schema = current_schema()
          AND table_name = ANY (ARRAY[{table_list}])
          AND column_default IS NOT NULL
          AND (column_name = 'id' OR column_default LIKE 'NULL::%')
      LOOP
        EXECUTE format('ALTER TABLE %I ALTER COLUMN %I DROP DEFAULT', col.table_name, col.column_name);
      END LOOP;
    END $$
    """


class RawTable(Table):
    """Only for running raw SQL in this migration."""


def forwards_statements() -> list[str]:
    """Every statement of the forwards migration, in order."""
    statements = [drop_constant_defaults()]
    for table, document in SEARCH_DOCUMENTS.items():
        statements += [
            f"""
            CREATE FUNCTION {table}_search_vector_refresh() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
              NEW.search_vector := {document};
              RETURN NEW;
            END $$
            """,
            f"""
            CREATE TRIGGER {table}_search_vector_refresh
            BEFORE INSERT OR UPDATE OF {SEARCH_SOURCES[table]} ON {table}
            FOR EACH ROW EXECUTE FUNCTION {table}_search_vector_refresh()
            """,
        ]
    statements += [f"CREATE INDEX {name} {definition}" for name, definition in INDEXES.items()]
    return statements


def backwards_statements() -> list[str]:
    """Undo the triggers and indexes (the dropped constant defaults stay dropped)."""
    statements = [f"DROP INDEX IF EXISTS {name}" for name in INDEXES]
    for table in SEARCH_DOCUMENTS:
        statements += [
            f"DROP TRIGGER IF EXISTS {table}_search_vector_refresh ON {table}",
            f"DROP FUNCTION IF EXISTS {table}_search_vector_refresh()",
        ]
    return statements


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="tribe_service", description=DESCRIPTION)

    async def run_forwards() -> None:
        for statement in forwards_statements():
            await RawTable.raw(statement)

    async def run_backwards() -> None:
        for statement in backwards_statements():
            await RawTable.raw(statement)

    manager.add_raw(run_forwards)
    manager.add_raw_backwards(run_backwards)
    return manager
