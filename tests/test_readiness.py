"""``/readyz``: live but not ready on an unmigrated database, ready once migrated."""

from __future__ import annotations

import httpx

from harness.server import NO_RATE_LIMIT, uvicorn_server
from tests.conftest import migrate_forwards
from tribe_service.observability.readiness import shipped_migrations


def test_ready_only_once_every_migration_is_applied(empty_database_url: str):
    env = {**NO_RATE_LIMIT, "DATABASE_URL": empty_database_url}
    with uvicorn_server("tribe_service.app:app", workers=1, env=env) as server:
        base = f"http://127.0.0.1:{server.port}"
        assert httpx.get(f"{base}/healthz").status_code == 200  # live: do not restart it
        not_ready = httpx.get(f"{base}/readyz")
        assert not_ready.status_code == 503
        assert not_ready.json() == {
            "status": "migrations pending",
            "pending": len(shipped_migrations()),
        }
        migrate_forwards(empty_database_url)  # piccolo migrations forwards all
        ready = httpx.get(f"{base}/readyz")
        assert ready.status_code == 200 and ready.json() == {"status": "ready"}


async def test_ready_on_the_migrated_test_database(client):
    response = await client.get("/readyz")
    assert response.status_code == 200 and response.json() == {"status": "ready"}
