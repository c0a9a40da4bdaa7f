"""Random sequences of writes by several builders keep every invariant after every step.

A Hypothesis state machine drives the write functions (each in its own
transaction, as the API runs them) with random actors, most of whom are not
allowed, and checks the database after each step:

* a tribe's owner is its one active owner-member;
* a tribe never has more active members than ``max_members``;
* nobody collaborates on their own project;
* every feed event is one a write that took effect should have made, and none is missing;
* no feed event points at a row that does not exist.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import asyncpg
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, rule

from harness.write_invariants import broken_invariants
from tests.conftest import migrate_forwards, scratch_database
from tests.factories import make_user
from tribe_service.data_access.writes import collaborators, open_roles, projects, tribes
from tribe_service.data_access.writes.outcome import Written

BUILDERS = 4
STEPS = 40
EXAMPLES = 15


@pytest.fixture(scope="module")
def machine_database_url() -> Iterator[str]:
    with scratch_database() as url:
        migrate_forwards(url)
        yield url


class Writes(RuleBasedStateMachine):
    """The product's writes in random order by random builders."""

    database_url: str = ""
    projects = Bundle("projects")
    tribes = Bundle("tribes")
    roles = Bundle("roles")

    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.connection: asyncpg.Connection = self.run(asyncpg.connect(self.database_url))
        self.run(self.connection.execute("TRUNCATE users CASCADE"))
        self.builders = [self.run(make_user(self.connection)) for _ in range(BUILDERS)]
        self.expected_events: Counter[tuple[str, str]] = Counter()
        self.shipped: set[str] = set()

    def run(self, awaitable: Any) -> Any:
        return self.loop.run_until_complete(awaitable)

    def write(self, make: Any) -> Written:
        async def in_transaction() -> Written:
            async with self.connection.transaction():
                return await make(self.connection)

        return self.run(in_transaction())

    def teardown(self) -> None:
        self.run(self.connection.close())
        self.loop.close()

    def builder(self, index: int) -> str:
        return self.builders[index % BUILDERS]

    @staticmethod
    def now() -> datetime:
        return datetime.now(tz=UTC)

    @rule(target=projects, actor=st.integers(0, 3), shipped=st.booleans())
    def create_project(self, actor: int, shipped: bool) -> str:
        values = {"title": "Thing", "status": "shipped" if shipped else "in_progress"}
        outcome = self.write(
            lambda c: projects.create_project(
                c, self.builder(actor), values, idempotency_key=None, moment=self.now()
            )
        )
        assert outcome.id is not None
        kind = "project_shipped" if shipped else "project_created"
        self.expected_events[(kind, outcome.id)] += 1
        if shipped:
            self.shipped.add(outcome.id)
        return outcome.id

    @rule(
        project=projects, actor=st.integers(0, 3), status=st.sampled_from(["shipped", "archived"])
    )
    def update_project(self, project: str, actor: int, status: str) -> None:
        outcome = self.write(
            lambda c: projects.update_project(
                c,
                self.builder(actor),
                project,
                {"status": status},
                expected_updated_at=None,
                moment=self.now(),
            )
        )
        if outcome.ok and status == "shipped" and project not in self.shipped:
            self.expected_events[("project_shipped", project)] += 1
        if outcome.ok:
            self.shipped.discard(project) if status != "shipped" else self.shipped.add(project)

    @rule(project=projects, actor=st.integers(0, 3), invitee=st.integers(0, 3))
    def invite(self, project: str, actor: int, invitee: int) -> None:
        self.write(
            lambda c: collaborators.invite_collaborator(
                c, self.builder(actor), project, self.builder(invitee), None, moment=self.now()
            )
        )

    @rule(project=projects, actor=st.integers(0, 3), accept=st.booleans())
    def respond(self, project: str, actor: int, accept: bool) -> None:
        outcome = self.write(
            lambda c: collaborators.respond_to_collaboration(
                c, self.builder(actor), project, accept=accept, moment=self.now()
            )
        )
        if outcome.ok and accept:
            self.expected_events[("collaboration_confirmed", project)] += 1

    @rule(project=projects, actor=st.integers(0, 3), user=st.integers(0, 3))
    def remove_collaborator(self, project: str, actor: int, user: int) -> None:
        self.write(
            lambda c: collaborators.remove_collaborator(
                c, self.builder(actor), project, self.builder(user)
            )
        )

    @rule(project=projects, actor=st.integers(0, 3))
    def leave_project(self, project: str, actor: int) -> None:
        self.write(lambda c: collaborators.leave_project(c, self.builder(actor), project))

    @rule(target=tribes, actor=st.integers(0, 3), limit=st.integers(1, 3))
    def create_tribe(self, actor: int, limit: int) -> str:
        outcome = self.write(
            lambda c: tribes.create_tribe(
                c,
                self.builder(actor),
                {"name": "Crew", "max_members": limit},
                idempotency_key=None,
                moment=self.now(),
            )
        )
        assert outcome.id is not None
        self.expected_events[("tribe_created", outcome.id)] += 1
        return outcome.id

    @rule(tribe=tribes, actor=st.integers(0, 3))
    def request_to_join(self, tribe: str, actor: int) -> None:
        self.write(
            lambda c: tribes.request_to_join(c, self.builder(actor), tribe, moment=self.now())
        )

    @rule(tribe=tribes, actor=st.integers(0, 3), user=st.integers(0, 3), approve=st.booleans())
    def respond_to_join_request(self, tribe: str, actor: int, user: int, approve: bool) -> None:
        outcome = self.write(
            lambda c: tribes.respond_to_join_request(
                c,
                self.builder(actor),
                tribe,
                self.builder(user),
                approve=approve,
                moment=self.now(),
            )
        )
        if outcome.ok and approve:
            self.expected_events[("member_joined_tribe", tribe)] += 1

    @rule(tribe=tribes, actor=st.integers(0, 3))
    def leave_tribe(self, tribe: str, actor: int) -> None:
        self.write(lambda c: tribes.leave_tribe(c, self.builder(actor), tribe))

    @rule(tribe=tribes, actor=st.integers(0, 3), user=st.integers(0, 3))
    def remove_member(self, tribe: str, actor: int, user: int) -> None:
        self.write(
            lambda c: tribes.remove_member(c, self.builder(actor), tribe, self.builder(user))
        )

    @rule(tribe=tribes, actor=st.integers(0, 3), limit=st.integers(1, 4))
    def change_max_members(self, tribe: str, actor: int, limit: int) -> None:
        self.write(
            lambda c: tribes.update_tribe(
                c,
                self.builder(actor),
                tribe,
                {"max_members": limit},
                expected_updated_at=None,
                moment=self.now(),
            )
        )

    @rule(target=roles, tribe=tribes, actor=st.integers(0, 3))
    def add_open_role(self, tribe: str, actor: int) -> str:
        outcome = self.write(
            lambda c: open_roles.add_open_role(
                c, self.builder(actor), tribe, {"title": "Designer"}, moment=self.now()
            )
        )
        return outcome.id or "01JZZZZZZZZZZZZZZZZZZZZZZZ"

    @rule(role=roles, actor=st.integers(0, 3), user=st.integers(0, 3))
    def fill_open_role(self, role: str, actor: int, user: int) -> None:
        self.write(
            lambda c: open_roles.fill_open_role(c, self.builder(actor), role, self.builder(user))
        )

    @invariant()
    def invariants_hold(self) -> None:
        broken = self.run(broken_invariants(self.connection))
        assert not broken, broken

    @invariant()
    def every_feed_event_matches_a_write(self) -> None:
        rows = self.run(self.connection.fetch("SELECT event_type, target_id FROM feed_events"))
        assert Counter((row[0], row[1]) for row in rows) == self.expected_events


def test_random_writes_keep_every_invariant(machine_database_url):
    Writes.database_url = machine_database_url
    runner = Writes.TestCase
    runner.settings = settings(
        max_examples=EXAMPLES,
        stateful_step_count=STEPS,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    runner().runTest()
