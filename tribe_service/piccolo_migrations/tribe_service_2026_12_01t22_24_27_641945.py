from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar

from tribe_service.columns import TSVector, Vector

ID = "2026-12-01T22:24:27:641945"
VERSION = "1.38.0"
DESCRIPTION = (
    "Vectors, tsvectors and refresh token hashes are secret: the admin API never returns them"
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="tribe_service", description=DESCRIPTION)

    manager.alter_column(
        table_class_name="User",
        tablename="users",
        column_name="search_vector",
        db_column_name="search_vector",
        params={"secret": True},
        old_params={"secret": False},
        column_class=TSVector,
        old_column_class=TSVector,
        schema=None,
    )

    manager.alter_column(
        table_class_name="User",
        tablename="users",
        column_name="embedding",
        db_column_name="embedding",
        params={"secret": True},
        old_params={"secret": False},
        column_class=Vector,
        old_column_class=Vector,
        schema=None,
    )

    manager.alter_column(
        table_class_name="RefreshToken",
        tablename="refresh_tokens",
        column_name="token_hash",
        db_column_name="token_hash",
        params={"secret": True},
        old_params={"secret": False},
        column_class=Varchar,
        old_column_class=Varchar,
        schema=None,
    )

    manager.alter_column(
        table_class_name="Project",
        tablename="projects",
        column_name="search_vector",
        db_column_name="search_vector",
        params={"secret": True},
        old_params={"secret": False},
        column_class=TSVector,
        old_column_class=TSVector,
        schema=None,
    )

    manager.alter_column(
        table_class_name="Project",
        tablename="projects",
        column_name="embedding",
        db_column_name="embedding",
        params={"secret": True},
        old_params={"secret": False},
        column_class=Vector,
        old_column_class=Vector,
        schema=None,
    )

    manager.alter_column(
        table_class_name="Tribe",
        tablename="tribes",
        column_name="search_vector",
        db_column_name="search_vector",
        params={"secret": True},
        old_params={"secret": False},
        column_class=TSVector,
        old_column_class=TSVector,
        schema=None,
    )

    return manager
