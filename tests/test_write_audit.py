"""The write audit of ``just stress --phases writes``, on a short real run, and on data
broken on purpose: it passes what is sound and names what is lost, doubled or half-applied.

Four writers (each a builder with a session of their own) write for a few seconds
through a real ``uvicorn`` while the app's database connections are all killed
once (``pg_terminate_backend``) and some requests hang up; the audit of that run
must find nothing wrong. Then rows are deleted, doubled and forged behind the
API's back, and each must be reported.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import asyncpg
import pytest

from harness.database_urls import with_application_name
from harness.server import NO_RATE_LIMIT, uvicorn_server
from harness.sessions import sign_in_builders
from harness.write_audit import Audit, audit_writes
from harness.writers import World, run_writers
from tests.conftest import migrate_forwards, scratch_database
from tribe_service.ids import new_ulid

WRITERS = 4
SECONDS = 5.0
APPLICATION_NAME = "tribe-write-audit-test"
SECRET = "write-audit-session-secret-" + "w" * 32
KILL_APP_CONNECTIONS = """
SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
WHERE application_name = $1 AND pid <> pg_backend_pid()
"""


@pytest.fixture(scope="module")
def written() -> Iterator[tuple[str, World, int]]:
    """A scratch database after a short run of writers; the app's connections killed once."""
    with scratch_database() as url:
        migrate_forwards(url)
        world, killed = asyncio.run(_write(url))
        yield url, world, killed


async def _write(url: str) -> tuple[World, int]:
    connection = await asyncpg.connect(url)
    try:
        builders = await sign_in_builders(
            connection, count=WRITERS, prefix="audited-", session_secret=SECRET
        )
    finally:
        await connection.close()
    world = World(builders=builders, skills=[])
    env = {
        "DATABASE_URL": with_application_name(url, APPLICATION_NAME),
        "ENVIRONMENT": "production",
        "SESSION_SECRET": SECRET,
        **NO_RATE_LIMIT,
    }
    with uvicorn_server("tribe_service.app:app", workers=1, env=env) as server:
        origin = time.monotonic()
        writing = asyncio.create_task(
            run_writers(
                server.port,
                world,
                builders,
                seconds=SECONDS,
                origin=origin,
                hang_up_rate=0.1,
                seed=7,
                retry_grace=5.0,
            )
        )
        await asyncio.sleep(SECONDS / 2)
        connection = await asyncpg.connect(url)
        try:
            killed = await connection.fetchval(KILL_APP_CONNECTIONS, APPLICATION_NAME)
        finally:
            await connection.close()
        await writing
    return world, int(killed)


async def _audit(url: str, world: World, damage: str = "", *args: Any) -> Audit:
    connection = await asyncpg.connect(url)
    try:
        async with connection.transaction():  # the damage is undone after the audit
            if damage:
                await connection.execute(damage, *args)
            audit = await audit_writes(
                connection, [b.user_id for b in world.builders], world.history
            )
            raise _Undo(audit)
    except _Undo as undo:
        return undo.audit
    finally:
        await connection.close()


class _Undo(Exception):
    def __init__(self, audit: Audit) -> None:
        self.audit = audit


def _acknowledged_project(world: World) -> tuple[str, str]:
    for write in world.history:
        if write.operation == "createProject" and write.acknowledged and write.result_id:
            return write.result_id, write.variables["title"]
    raise AssertionError("no project was acknowledged")


def test_a_run_through_killed_connections_and_hang_ups_is_sound(written):
    url, world, killed = written
    audit = asyncio.run(_audit(url, world))
    assert killed >= 1  # the fault happened
    assert any(a.label == "client disconnected" for w in world.history for a in w.attempts)
    assert audit.acknowledged > 20 and audit.checked > 10
    assert audit.found == audit.checked
    assert audit.sound, audit.summary()
    assert {"createProject", "createTribe"} <= {
        w.operation for w in world.history if w.acknowledged
    }


def test_a_lost_acknowledged_create_is_reported(written):
    url, world, _ = written
    project, title = _acknowledged_project(world)
    audit = asyncio.run(_audit(url, world, "DELETE FROM projects WHERE id = $1", project))
    assert any(title in finding for finding in audit.lost), audit.lost
    assert any("claimed" in finding for finding in audit.half_applied)  # its key, orphaned


def test_a_create_made_twice_is_a_duplicate(written):
    url, world, _ = written
    project, title = _acknowledged_project(world)
    double = (
        "INSERT INTO projects (id, owner_id, title, created_at, updated_at)"
        " SELECT $2, owner_id, title, created_at, updated_at FROM projects WHERE id = $1"
    )
    audit = asyncio.run(_audit(url, world, double, project, new_ulid()))
    assert any(title in finding for finding in audit.duplicates), audit.duplicates
    assert audit.half_applied  # the second row has neither its event nor its key


def test_a_project_without_its_feed_event_is_half_applied(written):
    url, world, _ = written
    project, _ = _acknowledged_project(world)
    audit = asyncio.run(_audit(url, world, "DELETE FROM feed_events WHERE target_id = $1", project))
    assert any(project in finding for finding in audit.half_applied), audit.half_applied


def test_a_feed_event_no_write_made_is_unmatched(written):
    url, world, _ = written
    project, _ = _acknowledged_project(world)
    forged = (
        "INSERT INTO feed_events (id, event_type, actor_id, target_type, target_id, metadata,"
        " created_at) SELECT $2, 'project_shipped', owner_id, 'project', id, '{}', now()"
        " FROM projects WHERE id = $1"
    )
    audit = asyncio.run(_audit(url, world, forged, project, new_ulid()))
    assert any(project in finding for finding in audit.unmatched_events), audit.unmatched_events


def test_a_broken_invariant_is_reported(written):
    url, world, _ = written
    tribe = next(
        w.result_id for w in world.history if w.operation == "createTribe" and w.acknowledged
    )
    audit = asyncio.run(
        _audit(url, world, "UPDATE tribe_members SET status = 'left' WHERE tribe_id = $1", tribe)
    )
    assert "a tribe's owner is its one active owner-member" in audit.invariants
