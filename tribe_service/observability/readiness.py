"""``/readyz``: whether this instance should get traffic (``/healthz`` says whether it lives).

Ready means the primary answers and every migration this code ships is applied.
A server started on an unmigrated database is live (``/healthz`` 200, so the
orchestrator does not restart it in a loop) but not ready (``/readyz`` 503, so
the load balancer sends it nothing) until ``piccolo migrations forwards all``
has run. Once all migrations were seen applied, only the primary is checked.
"""

from __future__ import annotations

from typing import Any

from piccolo.apps.migrations.commands.base import BaseMigrationManager

from tribe_service.data_access.migrations import applied_migrations
from tribe_service.database_errors import is_database_unavailable
from tribe_service.engine import TribeEngine


def shipped_migrations() -> set[tuple[str, str]]:
    """``(app, migration id)`` of every migration of every app in ``piccolo_conf``."""
    manager = BaseMigrationManager()
    shipped: set[tuple[str, str]] = set()
    for app_module in manager.get_app_modules():
        config = app_module.APP_CONFIG
        modules = manager.get_migration_modules(config.resolved_migrations_folder_path)
        shipped.update((config.app_name, name) for name in manager.get_migration_ids(modules))
    return shipped


class Readiness:
    """Answers ``/readyz`` for one engine."""

    def __init__(self, engine: TribeEngine) -> None:
        self.engine = engine
        self._shipped: set[tuple[str, str]] | None = None
        self._migrated = False  # migrations are not undone under a running server

    async def check(self) -> tuple[bool, dict[str, Any]]:
        """Whether ready, and the body that says why not."""
        try:
            await self.engine.ping()
            if not self._migrated:
                if self._shipped is None:
                    self._shipped = shipped_migrations()
                pending = self._shipped - await applied_migrations(self.engine)
                if pending:
                    return False, {"status": "migrations pending", "pending": len(pending)}
                self._migrated = True
        except Exception as error:
            if not is_database_unavailable(error):
                raise
            return False, {"status": "database unavailable"}
        return True, {"status": "ready"}
