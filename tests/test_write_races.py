"""Writes racing each other keep every invariant: each test sends the race itself.

They need committed rows and many connections at once, so they run on a scratch
database of their own (migrated, then dropped), each transaction on its own connection.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from tests.conftest import migrate_forwards, scratch_database
from tests.factories import make_collaborator, make_member, make_project, make_tribe, make_user
from tribe_service.authorization import Refusal
from tribe_service.data_access.writes import collaborators, projects, tribes
from tribe_service.data_access.writes.outcome import Written

RACERS = 20


@pytest.fixture(scope="module")
def race_database_url() -> Iterator[str]:
    with scratch_database() as url:
        migrate_forwards(url)
        yield url


@pytest.fixture
async def pool(race_database_url) -> AsyncIterator[asyncpg.Pool]:
    pool = await asyncpg.create_pool(race_database_url, min_size=RACERS, max_size=RACERS)
    try:
        yield pool
    finally:
        await pool.close()


def now() -> datetime:
    return datetime.now(tz=UTC)


async def race(
    pool: asyncpg.Pool, writes: list[Callable[[asyncpg.Connection], Awaitable[Written]]]
) -> list[Written]:
    """Every write in its own transaction on its own connection, all released at once."""
    start = asyncio.Event()

    async def run(write: Callable[[asyncpg.Connection], Awaitable[Written]]) -> Written:
        async with pool.acquire() as connection:
            await start.wait()
            async with connection.transaction():
                return await write(connection)

    tasks = [asyncio.create_task(run(write)) for write in writes]
    await asyncio.sleep(0.1)  # every task holds its connection
    start.set()
    return await asyncio.gather(*tasks)


def refusals(outcomes: list[Written]) -> Counter[Refusal | None]:
    return Counter(outcome.refusal for outcome in outcomes)


async def test_twenty_approvals_racing_never_pass_max_members(pool):
    async with pool.acquire() as c:
        owner = await make_user(c)
        tribe = await make_tribe(c, owner, max_members=5)
        askers = [await make_user(c) for _ in range(RACERS)]
        for asker in askers:
            await make_member(c, tribe, asker, status="pending")
    outcomes = await race(
        pool,
        [
            lambda c, a=asker: tribes.respond_to_join_request(
                c, owner, tribe, a, approve=True, moment=now()
            )
            for asker in askers
        ],
    )
    assert refusals(outcomes) == {None: 4, Refusal.FULL: RACERS - 4}
    async with pool.acquire() as c:
        active = await c.fetchval(
            "SELECT count(*) FROM tribe_members WHERE tribe_id = $1 AND status = 'active'", tribe
        )
        events = await c.fetchval(
            "SELECT count(*) FROM feed_events WHERE target_id = $1"
            " AND event_type = 'member_joined_tribe'",
            tribe,
        )
    assert active == 5
    assert events == 4


async def test_lowering_max_members_while_approvals_race_keeps_the_limit(pool):
    async with pool.acquire() as c:
        owner = await make_user(c)
        tribe = await make_tribe(c, owner, max_members=10)
        askers = [await make_user(c) for _ in range(8)]
        for asker in askers:
            await make_member(c, tribe, asker, status="pending")
    approvals = [
        lambda c, a=asker: tribes.respond_to_join_request(
            c, owner, tribe, a, approve=True, moment=now()
        )
        for asker in askers
    ]
    lowering = [
        lambda c: tribes.update_tribe(
            c, owner, tribe, {"max_members": 3}, expected_updated_at=None, moment=now()
        )
    ]
    await race(pool, [*approvals[:4], *lowering, *approvals[4:]])
    async with pool.acquire() as c:
        active, limit = await c.fetchrow(
            "SELECT (SELECT count(*) FROM tribe_members WHERE tribe_id = $1 AND status = 'active'),"
            " max_members FROM tribes WHERE id = $1",
            tribe,
        )
    assert active <= limit


async def test_two_answers_to_one_invitation_take_effect_once(pool):
    async with pool.acquire() as c:
        owner, invitee = await make_user(c), await make_user(c)
        project = await make_project(c, owner)
        await make_collaborator(c, project, invitee, status="pending")
    outcomes = await race(
        pool,
        [
            lambda c: collaborators.respond_to_collaboration(
                c, invitee, project, accept=True, moment=now()
            ),
            lambda c: collaborators.respond_to_collaboration(
                c, invitee, project, accept=False, moment=now()
            ),
        ],
    )
    assert refusals(outcomes) == {None: 1, Refusal.CONFLICT: 1}


async def test_concurrent_creates_with_one_idempotency_key_make_one_project(pool):
    async with pool.acquire() as c:
        owner = await make_user(c)
    values = {"title": "Exactly once"}
    outcomes = await race(
        pool,
        [
            lambda c: projects.create_project(
                c, owner, values, idempotency_key="retry-me", moment=now()
            )
            for _ in range(10)
        ],
    )
    assert {outcome.id for outcome in outcomes} != {None}
    assert len({outcome.id for outcome in outcomes}) == 1
    assert sum(not outcome.replayed for outcome in outcomes) == 1
    async with pool.acquire() as c:
        made = await c.fetchval("SELECT count(*) FROM projects WHERE owner_id = $1", owner)
        events = await c.fetchval("SELECT count(*) FROM feed_events WHERE actor_id = $1", owner)
    assert (made, events) == (1, 1)


async def test_a_retry_replays_and_a_reused_key_with_other_input_is_refused(pool):
    async with pool.acquire() as c:
        owner = await make_user(c)
        first = await projects.create_project(
            c, owner, {"title": "A"}, idempotency_key="k1", moment=now()
        )
        retry = await projects.create_project(
            c, owner, {"title": "A"}, idempotency_key="k1", moment=now()
        )
        other = await projects.create_project(
            c, owner, {"title": "B"}, idempotency_key="k1", moment=now()
        )
        made = await c.fetchval("SELECT count(*) FROM projects WHERE owner_id = $1", owner)
    assert first.ok and not first.replayed
    assert retry.id == first.id and retry.replayed
    assert other.refusal is Refusal.IDEMPOTENCY_KEY_REUSED
    assert made == 1


async def test_two_edits_from_the_same_version_one_wins_the_other_is_stale(pool):
    async with pool.acquire() as c:
        owner = await make_user(c)
        project = await make_project(c, owner)
        version = await c.fetchval("SELECT updated_at FROM projects WHERE id = $1", project)
    outcomes = await race(
        pool,
        [
            lambda c, title=title: projects.update_project(
                c,
                owner,
                project,
                {"title": title},
                expected_updated_at=version,
                moment=now() + timedelta(seconds=1),
            )
            for title in ("First", "Second")
        ],
    )
    assert refusals(outcomes) == {None: 1, Refusal.STALE: 1}
