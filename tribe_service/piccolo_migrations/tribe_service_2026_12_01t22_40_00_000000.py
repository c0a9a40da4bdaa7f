"""Discovery: search documents both search configurations can match, stale-embedding triggers.

* Search: queries are parsed with the ``english`` configuration (stemming, stop
  words), so names and tech stacks, indexed with ``simple`` until now, are
  indexed with ``english`` as well ("James" is the lexeme ``jame`` there); the
  ``simple`` forms stay for prefix matching of names ("may" finds Maya). Every
  existing row's ``search_vector`` is recomputed.
* Embeddings: a vector must never outlive its source. A change to a builder's
  headline, bio or primary role, to a project's title, description or tech
  stack, to a builder's skills (``user_skills`` rows added, removed or changed)
  or to a skill's name sets the affected ``embedding`` to NULL; the embedding
  filler (``piccolo tribe_service embed``, and the running app) fills it again.
* Partial indexes on the rows whose embedding is NULL, so the filler finds its
  work without scanning the tables.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

from tribe_service.piccolo_migrations.tribe_service_2026_11_26t15_06_27_516570 import (
    SEARCH_DOCUMENTS as PREVIOUS_SEARCH_DOCUMENTS,
)

ID = "2026-12-01T22:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "search documents in both configurations, stale-embedding triggers"

SEARCH_DOCUMENTS = {
    "users": """
        setweight(to_tsvector('simple', coalesce(NEW.display_name, '') || ' ' || coalesce(NEW.username, '')), 'A')
        || setweight(to_tsvector('english', coalesce(NEW.display_name, '')), 'A')
        || setweight(to_tsvector('english', coalesce(NEW.headline, '')), 'B')
        || setweight(to_tsvector('english', coalesce(NEW.bio, '')), 'C')
    """,
    "projects": """
        setweight(to_tsvector('english', coalesce(NEW.title, '')), 'A')
        || setweight(to_tsvector('english', coalesce(NEW.description, '')), 'B')
        || setweight(jsonb_to_tsvector('simple', coalesce(NEW.tech_stack, '[]'), '["string"]'), 'B')
        || setweight(jsonb_to_tsvector('english', coalesce(NEW.tech_stack, '[]'), '["string"]'), 'B')
    """,
}

# table -> the columns an embedding is made from (see tribe_service.embeddings.hashing).
EMBEDDING_SOURCES = {
    "users": ("headline", "bio", "primary_role"),
    "projects": ("title", "description", "tech_stack"),
}

INDEXES = {
    "users_embedding_missing": "ON users (id) WHERE embedding IS NULL",
    "projects_embedding_missing": "ON projects (id) WHERE embedding IS NULL",
}

STALE_ON_SKILL_CHANGE = """
CREATE FUNCTION user_skills_embedding_stale() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    UPDATE users SET embedding = NULL
    WHERE id IN (SELECT user_id FROM new_rows) AND embedding IS NOT NULL;
  END IF;
  IF TG_OP IN ('DELETE', 'UPDATE') THEN
    UPDATE users SET embedding = NULL
    WHERE id IN (SELECT user_id FROM old_rows) AND embedding IS NOT NULL;
  END IF;
  RETURN NULL;
END $$
"""

STALE_ON_SKILL_RENAME = """
CREATE FUNCTION skills_embedding_stale() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  UPDATE users SET embedding = NULL
  WHERE id IN (SELECT user_id FROM user_skills WHERE skill_id = NEW.id)
    AND embedding IS NOT NULL;
  RETURN NULL;
END $$
"""

# Statement-level on user_skills, so a bulk insert costs one UPDATE, not one per row.
SKILL_TRIGGERS = {
    "user_skills_embedding_stale_insert": "AFTER INSERT ON user_skills "
    "REFERENCING NEW TABLE AS new_rows",
    "user_skills_embedding_stale_delete": "AFTER DELETE ON user_skills "
    "REFERENCING OLD TABLE AS old_rows",
    "user_skills_embedding_stale_update": "AFTER UPDATE ON user_skills "
    "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
}


class RawTable(Table):
    """Only for running raw SQL in this migration."""


def search_statements(documents: dict[str, str]) -> list[str]:
    """Replace the search trigger functions with ``documents`` and recompute every row."""
    statements = []
    for table, document in documents.items():
        statements += [
            f"""
            CREATE OR REPLACE FUNCTION {table}_search_vector_refresh() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
              NEW.search_vector := {document};
              RETURN NEW;
            END $$
            """,
            f"UPDATE {table} SET search_vector = {document.replace('NEW.', '')}",
        ]
    return statements


def stale_row_statements(table: str, columns: tuple[str, ...]) -> list[str]:
    """A ``BEFORE UPDATE`` trigger clearing ``table.embedding`` when ``columns`` change."""
    changed = " OR ".join(f"OLD.{column} IS DISTINCT FROM NEW.{column}" for column in columns)
    return [
        f"""
        CREATE FUNCTION {table}_embedding_stale() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
          NEW.embedding := NULL;
          RETURN NEW;
        END $$
        """,
        f"""
        CREATE TRIGGER {table}_embedding_stale
        BEFORE UPDATE OF {", ".join(columns)} ON {table}
        FOR EACH ROW WHEN ({changed})
        EXECUTE FUNCTION {table}_embedding_stale()
        """,
    ]


def forwards_statements() -> list[str]:
    """Every statement of the forwards migration, in order."""
    statements = search_statements(SEARCH_DOCUMENTS)
    for table, columns in EMBEDDING_SOURCES.items():
        statements += stale_row_statements(table, columns)
    statements.append(STALE_ON_SKILL_CHANGE)
    statements += [
        f"CREATE TRIGGER {name} {event} FOR EACH STATEMENT "
        "EXECUTE FUNCTION user_skills_embedding_stale()"
        for name, event in SKILL_TRIGGERS.items()
    ]
    statements += [
        STALE_ON_SKILL_RENAME,
        """
        CREATE TRIGGER skills_embedding_stale AFTER UPDATE OF name ON skills
        FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name)
        EXECUTE FUNCTION skills_embedding_stale()
        """,
    ]
    statements += [f"CREATE INDEX {name} {definition}" for name, definition in INDEXES.items()]
    return statements


def backwards_statements() -> list[str]:
    """Drop the triggers and indexes; restore the previous search documents."""
    statements = [f"DROP INDEX IF EXISTS {name}" for name in INDEXES]
    statements += [
        "DROP TRIGGER IF EXISTS skills_embedding_stale ON skills",
        "DROP FUNCTION IF EXISTS skills_embedding_stale()",
    ]
    statements += [f"DROP TRIGGER IF EXISTS {name} ON user_skills" for name in SKILL_TRIGGERS]
    statements.append("DROP FUNCTION IF EXISTS user_skills_embedding_stale()")
    for table in EMBEDDING_SOURCES:
        statements += [
            f"DROP TRIGGER IF EXISTS {table}_embedding_stale ON {table}",
            f"DROP FUNCTION IF EXISTS {table}_embedding_stale()",
        ]
    previous = {table: PREVIOUS_SEARCH_DOCUMENTS[table] for table in SEARCH_DOCUMENTS}
    return statements + search_statements(previous)


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
