"""The GraphQL requests the benchmark and the stress test send, and their parameters.

* **landing**: the landing page (the client's ``LandingPage``, ``first: 20``);
* **profile**: the client's ``BuilderProfile``: skills, projects and their
  collaborators, collaborations, tribes and their members, recent activity;
* **feed-deep**: a feed page far down the list: ``after`` the cursor of the
  50,000th newest event (on a small database, of the middle one);
* **tribe**: the client's ``TribePage``: a tribe with its members (and their
  skills) and open roles, the tribe with the most active members;
* **builders**: the client's ``Builders`` directory, a page of 100 builders with
  their skills and the total count;
* **search**: the client's ``Search`` of builders for "design", ``first: 20``
  (builders only: with every kind, which relations a page touches, and so its
  statement count, depends on which kind ranks first in that database);
* **candidates**: the client's ``RoleCandidates``: a tribe's open roles with 20
  candidates each (the tribe with the most open roles, then the smallest id);
* **similar**: the client's ``SimilarBuilders`` of the profile's builder, 20 of them.

The profile's builder and the deep cursor are read from the database, so every
database gets requests that touch every relation the query names.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import asyncpg

from harness.load import HttpRequest
from tribe_service.data_access.pages import FEED
from tribe_service.graphql.client_operations import (
    BUILDER_PROFILE_QUERY,
    BUILDERS_QUERY,
    FEED_PAGE_QUERY,
    LANDING_PAGE_QUERY,
    ROLE_CANDIDATES_QUERY,
    SEARCH_QUERY,
    SIMILAR_BUILDERS_QUERY,
    TRIBE_PAGE_QUERY,
)
from tribe_service.graphql.pagination import encode_cursor

PAGE_SIZE = 20
BUILDERS_PAGE_SIZE = 100
FEED_DEPTH = 50_000
SCALED_USERS = 10_000

SEARCH_TEXT = "design"  # matches builders on the seed as on the scale data
HEALTH_QUERY = "{ health }"

# A builder whose profile touches every relation: skills, a project with
# collaborators, an active tribe membership. First by username: deterministic.
PROFILE_USER_SQL = """
SELECT u.username FROM users u
WHERE EXISTS (SELECT 1 FROM user_skills s WHERE s.user_id = u.id)
  AND EXISTS (
    SELECT 1 FROM projects p JOIN project_collaborators c ON c.project_id = p.id
    WHERE p.owner_id = u.id)
  AND EXISTS (SELECT 1 FROM tribe_members m WHERE m.user_id = u.id AND m.status = 'active')
ORDER BY u.username
LIMIT 1
"""
ANY_USER_SQL = "SELECT username FROM users ORDER BY username LIMIT 1"
# The tribe with the most active members, then open roles: the fullest tribe page.
TRIBE_SQL = """
SELECT t.id FROM tribes t
ORDER BY (SELECT count(*) FROM tribe_members m WHERE m.tribe_id = t.id AND m.status = 'active')
         DESC,
         (SELECT count(*) FROM tribe_open_roles r WHERE r.tribe_id = t.id) DESC, t.id
LIMIT 1
"""
CANDIDATES_TRIBE_SQL = """
SELECT tribe_id FROM tribe_open_roles GROUP BY tribe_id ORDER BY count(*) DESC, tribe_id LIMIT 1
"""
FEED_ROW_SQL = """
SELECT created_at, id FROM feed_events ORDER BY created_at DESC, id DESC OFFSET $1 LIMIT 1
"""


@dataclass(frozen=True)
class DatabaseShape:
    """What a database holds that the scenarios depend on."""

    users: int
    feed_events: int
    profile_username: str
    feed_cursor: str | None
    feed_cursor_depth: int  # the cursor is that of the n-th newest event
    tribe_id: str = ""
    candidates_tribe_id: str = ""

    def variables(self, scenario: str) -> dict[str, Any]:
        """The GraphQL variables of ``scenario`` on this database."""
        if scenario == "landing":
            return {"first": PAGE_SIZE}
        if scenario == "profile":
            return {"username": self.profile_username}
        if scenario == "feed-deep":
            return {"first": PAGE_SIZE, "after": self.feed_cursor}
        if scenario == "tribe":
            return {"id": self.tribe_id}
        if scenario == "builders":
            return {"first": BUILDERS_PAGE_SIZE}
        if scenario == "search":
            return {"query": SEARCH_TEXT, "kinds": ["USER"], "first": PAGE_SIZE}
        if scenario == "candidates":
            return {"id": self.candidates_tribe_id, "first": PAGE_SIZE}
        if scenario == "similar":
            return {"username": self.profile_username, "first": PAGE_SIZE}
        raise KeyError(scenario)


SCENARIO_QUERIES = {
    "landing": LANDING_PAGE_QUERY,
    "profile": BUILDER_PROFILE_QUERY,
    "feed-deep": FEED_PAGE_QUERY,
    "tribe": TRIBE_PAGE_QUERY,
    "builders": BUILDERS_QUERY,
    "search": SEARCH_QUERY,
    "candidates": ROLE_CANDIDATES_QUERY,
    "similar": SIMILAR_BUILDERS_QUERY,
}
SCENARIO_TITLES = {
    "landing": "landing page (first: 20)",
    "profile": "builder profile",
    "feed-deep": "feed page 50,000 events deep",
    "tribe": "tribe page (members, open roles)",
    "builders": "100 builders with skills",
    "search": f'search builders "{SEARCH_TEXT}" (first: 20)',
    "candidates": "a tribe's open roles, 20 candidates each",
    "similar": "a builder's 20 most similar builders",
}


async def read_shape(connection: asyncpg.Connection, depth: int = FEED_DEPTH) -> DatabaseShape:
    """Counts, the profile's builder and the deep feed cursor of the connected database."""
    users = int(await connection.fetchval("SELECT count(*) FROM users"))
    events = int(await connection.fetchval("SELECT count(*) FROM feed_events"))
    username = await connection.fetchval(PROFILE_USER_SQL) or await connection.fetchval(
        ANY_USER_SQL
    )
    cursor, cursor_depth = None, 0
    if events:
        cursor_depth = min(depth, max(events // 2, 1))
        row = await connection.fetchrow(FEED_ROW_SQL, cursor_depth - 1)
        cursor = encode_cursor(FEED.cursor_kind, (row["created_at"], row["id"]))
    tribe_id = await connection.fetchval(CANDIDATES_TRIBE_SQL)
    return DatabaseShape(
        candidates_tribe_id=tribe_id or "",
        users=users,
        feed_events=events,
        profile_username=username or "",
        feed_cursor=cursor,
        feed_cursor_depth=cursor_depth,
        tribe_id=await connection.fetchval(TRIBE_SQL) or "",
    )


async def fetch_shape(database_url: str) -> DatabaseShape:
    """:func:`read_shape` over a new connection."""
    connection = await asyncpg.connect(database_url, timeout=10)
    try:
        return await read_shape(connection)
    finally:
        await connection.close()


def scenario_request(scenario: str, shape: DatabaseShape) -> HttpRequest:
    """The HTTP request of ``scenario`` on the database ``shape`` describes."""
    return HttpRequest.graphql(scenario, SCENARIO_QUERIES[scenario], shape.variables(scenario))


def scenario_requests(shape: DatabaseShape) -> dict[str, HttpRequest]:
    """Every scenario's request, by name."""
    return {name: scenario_request(name, shape) for name in SCENARIO_QUERIES}
