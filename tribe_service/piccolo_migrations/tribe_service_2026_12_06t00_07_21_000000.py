"""Sign in with GitHub, part two: no ``DEFAULT NULL`` on the new nullable columns.

Piccolo's ``add_column`` gives a nullable varchar an explicit ``DEFAULT NULL``; the
schema keeps no constant defaults (see the 2026-11-26 raw migration), and raw SQL
runs before the table operations of its own migration, so it is dropped here.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-12-06T00:07:21:000000"
VERSION = "1.38.0"
DESCRIPTION = "no DEFAULT NULL on the refresh-token family columns"

COLUMNS = ("family_id", "replaced_by", "user_agent")


class RawTable(Table):
    """Only for running raw SQL in this migration."""


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="tribe_service", description=DESCRIPTION)

    async def run_forwards() -> None:
        for column in COLUMNS:
            await RawTable.raw(f"ALTER TABLE refresh_tokens ALTER COLUMN {column} DROP DEFAULT")

    async def run_backwards() -> None:
        # As the previous migration left them, so that its own backwards finds what it made.
        for column in COLUMNS:
            await RawTable.raw(f"ALTER TABLE refresh_tokens ALTER COLUMN {column} SET DEFAULT NULL")

    manager.add_raw(run_forwards)
    manager.add_raw_backwards(run_backwards)
    return manager
