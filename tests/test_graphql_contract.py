"""The frontend's contract: typed fields, whole profiles, lists a UI can drive, partial failure."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

from tests.graphql_client import graphql, graphql_data
from tribe_service.enums import CollaboratorStatus, MemberRole, MemberStatus
from tribe_service.graphql.client_operations import (
    BUILDER_PROFILE_QUERY,
    BUILDERS_QUERY,
    LANDING_PAGE_QUERY,
    PROJECT_PAGE_QUERY,
    TRIBE_PAGE_QUERY,
)
from tribe_service.ids import new_ulid
from tribe_service.tables import Project, ProjectCollaborator, Tribe, TribeMember, User

pytestmark = pytest.mark.usefixtures("seeded")


async def user_id(username: str) -> str:
    return (await User.select(User.id).where(User.username == username).first())["id"]


async def project_id(title: str) -> str:
    return (await Project.select(Project.id).where(Project.title == title).first())["id"]


async def tribe_id(name: str) -> str:
    return (await Tribe.select(Tribe.id).where(Tribe.name == name).first())["id"]


@asynccontextmanager
async def membership(tribe: str, username: str, status: MemberStatus) -> AsyncIterator[None]:
    """A membership row that exists only inside the block (the seed stays as it was)."""
    row = TribeMember(
        id=new_ulid(),
        tribe_id=await tribe_id(tribe),
        user_id=await user_id(username),
        role=MemberRole.MEMBER.value,
        status=status.value,
    )
    await row.save()
    try:
        yield
    finally:
        await row.remove()


@asynccontextmanager
async def invitation(title: str, username: str, status: CollaboratorStatus) -> AsyncIterator[None]:
    """A collaborator row that exists only inside the block."""
    row = ProjectCollaborator(
        id=new_ulid(),
        project_id=await project_id(title),
        user_id=await user_id(username),
        role="Reviewer",
        status=status.value,
    )
    await row.save()
    try:
        yield
    finally:
        await row.remove()


async def profile(client, username: str) -> dict:
    return (await graphql_data(client, BUILDER_PROFILE_QUERY, {"username": username}))["user"]


async def test_a_collaborator_profile_shows_the_projects_they_work_on(client):
    priya = await profile(client, "priyasharma")
    assert priya["projects"] == []  # she owns none
    [collaboration] = priya["collaborations"]
    assert collaboration["status"] == "CONFIRMED"
    assert collaboration["project"]["title"] == "Tribe Finder"
    assert collaboration["project"]["owner"]["displayName"] == "Maya Chen"


async def test_collaborations_leave_out_pending_invitations_unless_asked(client):
    query = """query($u: String!, $s: CollaboratorStatus) {
      user(username: $u) { collaborations(status: $s) { status project { title } } } }"""
    async with invitation("Design System Kit", "priyasharma", CollaboratorStatus.PENDING):
        default = await graphql_data(
            client,
            query.replace("(status: $s)", "").replace(", $s: CollaboratorStatus", ""),
            {"u": "priyasharma"},
        )
        every = await graphql_data(client, query, {"u": "priyasharma", "s": None})
        pending = await graphql_data(client, query, {"u": "priyasharma", "s": "PENDING"})
    titles = [c["project"]["title"] for c in default["user"]["collaborations"]]
    assert titles == ["Tribe Finder"]
    assert {c["project"]["title"] for c in every["user"]["collaborations"]} == {
        "Tribe Finder",
        "Design System Kit",
    }
    assert [c["status"] for c in pending["user"]["collaborations"]] == ["PENDING"]


async def test_a_profile_shows_the_builders_activity_newest_first_in_pages(client):
    first = (await profile(client, "mayachen"))["activity"]
    events = [edge["node"]["eventType"] for edge in first["edges"]]
    assert events == ["PROJECT_SHIPPED", "PROJECT_CREATED"]  # seed events 1 and 10
    assert first["totalCount"] == 2
    query = """query($u: String!, $after: String) {
      user(username: $u) { activity(first: 1, after: $after) {
        totalCount edges { node { metadata { projectTitle } } } pageInfo { hasNextPage endCursor }
      } } }"""
    page1 = (await graphql_data(client, query, {"u": "mayachen"}))["user"]["activity"]
    assert page1["pageInfo"]["hasNextPage"] is True
    cursor = page1["pageInfo"]["endCursor"]
    page2 = (await graphql_data(client, query, {"u": "mayachen", "after": cursor}))["user"]
    titles = [e["node"]["metadata"]["projectTitle"] for e in page2["activity"]["edges"]]
    assert titles == ["Tribe Finder"]
    assert page2["activity"]["pageInfo"]["hasNextPage"] is False
    assert page2["activity"]["totalCount"] == 2  # the whole list, on every page


async def test_tribe_members_are_the_active_ones_unless_asked(client):
    query = """query($id: ID!, $s: MemberStatus) {
      tribe(id: $id) { members(status: $s) { status user { username } } } }"""
    hospitality = await tribe_id("Hospitality OS")
    async with membership("Hospitality OS", "aishapatel", MemberStatus.PENDING):
        page = await graphql_data(client, TRIBE_PAGE_QUERY, {"id": hospitality})
        every = await graphql_data(client, query, {"id": hospitality, "s": None})
        pending = await graphql_data(client, query, {"id": hospitality, "s": "PENDING"})
    members = page["tribe"]["members"]
    assert {m["user"]["username"] for m in members} == {"tomnakamura", "mayachen", "jamesokafor"}
    assert {m["status"] for m in members} == {"ACTIVE"}
    assert "aishapatel" in {m["user"]["username"] for m in every["tribe"]["members"]}
    assert [m["user"]["username"] for m in pending["tribe"]["members"]] == ["aishapatel"]


async def test_project_collaborators_are_the_confirmed_ones_unless_asked(client):
    tribe_finder = await project_id("Tribe Finder")
    async with invitation("Tribe Finder", "aishapatel", CollaboratorStatus.DECLINED):
        page = await graphql_data(client, PROJECT_PAGE_QUERY, {"id": tribe_finder})
        every = await graphql_data(
            client,
            "query($id: ID!) { project(id: $id) { collaborators(status: null) { status } } }",
            {"id": tribe_finder},
        )
    assert [c["user"]["username"] for c in page["project"]["collaborators"]] == ["priyasharma"]
    assert sorted(c["status"] for c in every["project"]["collaborators"]) == [
        "CONFIRMED",
        "DECLINED",
    ]


async def test_nested_first_limits_a_list_and_is_checked(client):
    query = 'query($f: Int!) { user(username: "mayachen") { projects(first: $f) { title } } }'
    one = await graphql_data(client, query, {"f": 1})
    assert [p["title"] for p in one["user"]["projects"]] == ["Tribe Finder"]  # newest first
    refused = await graphql(client, query, {"f": 101})
    assert refused["errors"][0]["extensions"]["code"] == "INVALID_PAGE_SIZE"


async def test_total_count_counts_the_filtered_list_on_every_page(client):
    first_page = await graphql_data(client, BUILDERS_QUERY, {"first": 3})
    builders = first_page["builders"]
    assert builders["totalCount"] == 10
    after = builders["pageInfo"]["endCursor"]
    second = await graphql_data(client, BUILDERS_QUERY, {"first": 3, "after": after})
    assert second["builders"]["totalCount"] == 10
    engineers = await graphql_data(client, BUILDERS_QUERY, {"role": "ENGINEER"})
    engineer_count = await User.count().where(User.primary_role == "engineer")
    assert (
        engineers["builders"]["totalCount"] == engineer_count == len(engineers["builders"]["nodes"])
    )


async def test_json_columns_arrive_as_typed_fields(client):
    project = (
        await graphql_data(
            client, PROJECT_PAGE_QUERY, {"id": await project_id("AI Resume Builder")}
        )
    )["project"]
    assert project["techStack"] == ["React", "Python", "OpenAI", "PostgreSQL"]
    assert project["impactMetrics"] == {"users": 1200, "stars": 340}
    assert project["links"]["github"].startswith("https://github.com/")
    assert project["links"]["demo"] is None
    maya = await profile(client, "mayachen")
    assert maya["contactLinks"]["twitter"] == "https://twitter.com/mayachen"
    assert maya["contactLinks"]["linkedin"] is None


async def test_feed_metadata_is_typed_per_event(client):
    landing = await graphql_data(client, LANDING_PAGE_QUERY, {"first": 15})
    by_type = {}
    for edge in landing["feed"]["edges"]:
        by_type.setdefault(edge["node"]["eventType"], edge["node"]["metadata"])
    shipped = by_type["PROJECT_SHIPPED"]
    assert shipped["projectTitle"] == "AI Resume Builder"
    assert shipped["techStack"] == ["React", "Python", "OpenAI", "PostgreSQL"]
    assert by_type["COLLABORATION_CONFIRMED"]["collaboratorName"] == "Elena Volkov"
    assert by_type["BUILDER_JOINED"]["displayName"] == "Alex Rivera"
    assert by_type["TRIBE_CREATED"]["tribeName"] == "Hospitality OS"


async def test_a_bad_feed_cursor_leaves_the_rest_of_the_landing_page(client):
    query = LANDING_PAGE_QUERY.replace("feed(first: $first)", 'feed(first: $first, after: "bad")')
    body = await graphql(client, query, {"first": 5})
    assert body["data"]["feed"] is None
    [error] = body["errors"]
    assert error["path"] == ["feed"]
    assert error["extensions"]["code"] == "INVALID_CURSOR"
    assert len(body["data"]["builders"]["nodes"]) == 5
    assert len(body["data"]["projects"]["nodes"]) == 5
    assert len(body["data"]["tribes"]["nodes"]) == 3


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("{ health ", "GRAPHQL_PARSE_FAILED"),
        ("{ nosuchfield }", "GRAPHQL_VALIDATION_FAILED"),
        ('{ builders(first: "x") { totalCount } }', "GRAPHQL_VALIDATION_FAILED"),
        ('{ feed(after: "nope") { totalCount } }', "INVALID_CURSOR"),
    ],
)
async def test_every_error_has_a_code(client, query, code):
    response = await client.post("/graphql", json={"query": query})
    assert {error["extensions"]["code"] for error in response.json()["errors"]} == {code}
