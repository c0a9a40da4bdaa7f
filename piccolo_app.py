"""The ``tribe_service`` Piccolo app: its tables, migrations and commands.

``piccolo migrations new tribe_service --auto`` and
``piccolo migrations forwards all`` find the app here.
"""

from pathlib import Path

from piccolo.conf.apps import AppConfig, Command

from tribe_service.embeddings.command import embed
from tribe_service.scale.command import scale
from tribe_service.seed.command import seed
from tribe_service.tables import ALL_TABLES

MIGRATIONS_FOLDER = Path(__file__).parent / "tribe_service" / "piccolo_migrations"

APP_CONFIG = AppConfig(
    app_name="tribe_service",
    migrations_folder_path=str(MIGRATIONS_FOLDER),
    table_classes=ALL_TABLES,
    migration_dependencies=[],
    commands=[Command(seed, aliases=["reseed"]), Command(scale), Command(embed)],
)
