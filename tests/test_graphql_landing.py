"""The landing page from one GraphQL request, on the seeded prototype data."""

from __future__ import annotations

import pytest

from tests.graphql_client import graphql_data
from tribe_service.graphql.client_operations import LANDING_PAGE_QUERY

pytestmark = pytest.mark.usefixtures("seeded")

BUILDERS_BY_SCORE = [
    ("Maya Chen", 72),
    ("Sarah Kim", 71),
    ("Tom Nakamura", 68),
    ("Priya Sharma", 65),
    ("Marcus Johnson", 61),
    ("James Okafor", 58),
    ("Elena Volkov", 52),
    ("David Morales", 45),
    ("Aisha Patel", 44),
    ("Alex Rivera", 38),
]

SKILLS = {
    "Maya Chen": ["React", "Python", "PostgreSQL", "FastAPI"],
    "James Okafor": ["Figma", "UI/UX", "Prototyping"],
    "Priya Sharma": ["Go", "Kubernetes", "gRPC"],
    "David Morales": ["SEO", "Analytics", "Content Strategy"],
    "Sarah Kim": ["Python", "TensorFlow", "Data Engineering"],
    "Alex Rivera": ["React", "TypeScript", "Next.js"],
    "Elena Volkov": ["Roadmapping", "Analytics", "User Stories"],
    "Marcus Johnson": ["Docker", "Kubernetes", "AWS", "CI/CD"],
    "Aisha Patel": ["User Research", "Prototyping", "Analytics"],
    "Tom Nakamura": ["Python", "React", "PostgreSQL", "AWS"],
}

PROJECTS = {
    "AI Resume Builder": ("Maya Chen", "SHIPPED", ["React", "Python", "OpenAI", "PostgreSQL"], 340),
    "Tribe Finder": ("Maya Chen", "IN_PROGRESS", ["Next.js", "Go", "PostgreSQL"], None),
    "Open Source CRM": ("David Morales", "IN_PROGRESS", ["React", "Node.js", "PostgreSQL"], 89),
    "Design System Kit": ("James Okafor", "SHIPPED", ["Figma", "React", "Storybook"], 520),
    "ML Pipeline Framework": ("Sarah Kim", "SHIPPED", ["Python", "TensorFlow", "Docker"], 2100),
    "Growth Analytics Dashboard": (
        "David Morales",
        "IN_PROGRESS",
        ["Next.js", "Python", "Grafana"],
        None,
    ),
}

COLLABORATORS = {"Tribe Finder": ["Priya Sharma"], "Growth Analytics Dashboard": ["Elena Volkov"]}

TRIBES = {
    "Hospitality OS": (
        "Tom Nakamura",
        "OPEN",
        "Building the operating system for independent hotels.",
        {"Tom Nakamura", "Maya Chen", "James Okafor"},
        {"Backend Engineer": ["Go", "PostgreSQL"], "Growth Marketer": ["SEO", "Partnerships"]},
    ),
    "AI for Education": (
        "Sarah Kim",
        "OPEN",
        "Making personalized learning accessible to every student.",
        {"Sarah Kim", "Alex Rivera"},
        {"Product Designer": ["Figma", "User Research"]},
    ),
    "Creator Economy Tools": (
        "Elena Volkov",
        "ACTIVE",
        "Empowering independent creators with better business tools.",
        {"Elena Volkov", "Marcus Johnson"},
        {},
    ),
}

# The spec's feed, newest first: (actor, event type, what the target is called).
FEED = [
    ("Maya Chen", "PROJECT_SHIPPED", "AI Resume Builder"),
    (None, "TRIBE_CREATED", "Hospitality OS"),  # "Priya formed" a tribe Tom owns: seed decides
    ("Alex Rivera", "PROJECT_CREATED", None),
    ("James Okafor", "MEMBER_JOINED_TRIBE", "Hospitality OS"),
    ("Sarah Kim", "PROJECT_SHIPPED", "ML Pipeline Framework"),
    ("David Morales", "PROJECT_CREATED", "Growth Analytics Dashboard"),
    ("Elena Volkov", "COLLABORATION_CONFIRMED", "Growth Analytics Dashboard"),
    ("Tom Nakamura", "TRIBE_CREATED", "Hospitality OS"),
    ("Marcus Johnson", "MEMBER_JOINED_TRIBE", "Creator Economy Tools"),
    ("Maya Chen", "PROJECT_CREATED", "Tribe Finder"),
    ("Priya Sharma", "COLLABORATION_CONFIRMED", "Tribe Finder"),
    ("Sarah Kim", "TRIBE_CREATED", "AI for Education"),
    ("Alex Rivera", "BUILDER_JOINED", "Alex Rivera"),
    ("James Okafor", "PROJECT_SHIPPED", "Design System Kit"),
    ("Aisha Patel", "BUILDER_JOINED", "Aisha Patel"),
]


@pytest.fixture
async def landing(client):
    return await graphql_data(client, LANDING_PAGE_QUERY, {"first": 50})


def target_name(target: dict) -> str:
    return target.get("title") or target.get("name") or target["displayName"]


async def test_builders_by_score_with_their_skills(landing):
    builders = landing["builders"]["nodes"]
    assert [(b["displayName"], b["builderScore"]) for b in builders] == BUILDERS_BY_SCORE
    for builder in builders:
        assert [s["name"] for s in builder["skills"]] == SKILLS[builder["displayName"]]
    assert landing["builders"]["pageInfo"]["hasNextPage"] is False


async def test_projects_with_owners_stacks_stars_and_collaborators(landing):
    projects = {p["title"]: p for p in landing["projects"]["nodes"]}
    assert set(projects) == set(PROJECTS)
    for title, (owner, status, stack, stars) in PROJECTS.items():
        project = projects[title]
        assert project["owner"]["displayName"] == owner
        assert project["status"] == status
        assert project["techStack"] == stack
        if stars is not None:
            assert project["githubStars"] == stars
        collaborators = project["collaborators"]
        assert [c["user"]["displayName"] for c in collaborators] == COLLABORATORS.get(title, [])
        assert all(c["status"] == "CONFIRMED" for c in collaborators)


async def test_tribes_with_owners_members_and_open_roles(landing):
    tribes = {t["name"]: t for t in landing["tribes"]["nodes"]}
    assert set(tribes) == set(TRIBES)
    for name, (owner, status, mission, members, roles) in TRIBES.items():
        tribe = tribes[name]
        assert tribe["owner"]["displayName"] == owner
        assert (tribe["status"], tribe["mission"]) == (status, mission)
        assert {m["user"]["displayName"] for m in tribe["members"]} == members
        assert tribe["members"][0] == {
            "role": "OWNER",
            "status": "ACTIVE",
            "user": {"username": tribe["owner"]["username"], "displayName": owner},
        }
        assert {r["title"]: r["skillsNeeded"] for r in tribe["openRoles"]} == roles


async def test_feed_newest_first_with_actors_and_targets(landing):
    edges = landing["feed"]["edges"]
    assert len(edges) == 15
    times = [edge["node"]["createdAt"] for edge in edges]
    assert times == sorted(times, reverse=True)
    for edge, (actor, event_type, target) in zip(edges, FEED, strict=True):
        node = edge["node"]
        assert node["eventType"] == event_type
        if actor is not None:
            assert node["actor"]["displayName"] == actor
        assert node["target"] is not None, node
        assert node["target"]["id"] == node["targetId"]
        assert node["target"]["__typename"].lower() == node["targetType"]
        if target is not None:
            assert target_name(node["target"]) == target
    assert landing["feed"]["pageInfo"] == {"hasNextPage": False, "endCursor": edges[-1]["cursor"]}


async def test_feed_paged_four_at_a_time_yields_the_same_events(client, landing):
    expected = [edge["node"]["id"] for edge in landing["feed"]["edges"]]
    query = """
      query Page($after: String) {
        feed(first: 4, after: $after) { nodes { id } pageInfo { hasNextPage endCursor } }
      }
    """
    seen, after, pages = [], None, 0
    while True:
        page = (await graphql_data(client, query, {"after": after}))["feed"]
        seen += [node["id"] for node in page["nodes"]]
        pages += 1
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == expected
    assert pages == 4


async def test_builders_paged_two_at_a_time_follow_the_score_order(client):
    query = """
      query Page($after: String) {
        builders(first: 2, after: $after) { nodes { displayName } pageInfo { hasNextPage endCursor } }
      }
    """
    seen, after = [], None
    while True:
        page = (await graphql_data(client, query, {"after": after}))["builders"]
        seen += [node["displayName"] for node in page["nodes"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == [name for name, _ in BUILDERS_BY_SCORE]


async def test_filters(client):
    data = await graphql_data(
        client,
        """{
          engineers: builders(role: ENGINEER) { nodes { primaryRole } }
          open: builders(availability: OPEN_TO_TRIBE) { nodes { availabilityStatus } }
          shipped: projects(status: SHIPPED) { nodes { title } }
          active: tribes(status: ACTIVE) { nodes { name } }
          design: skills(category: DESIGN) { name category }
        }""",
    )
    assert data["engineers"]["nodes"] and all(
        n["primaryRole"] == "ENGINEER" for n in data["engineers"]["nodes"]
    )
    assert data["open"]["nodes"] and all(
        n["availabilityStatus"] == "OPEN_TO_TRIBE" for n in data["open"]["nodes"]
    )
    assert {n["title"] for n in data["shipped"]["nodes"]} == {
        t for t, (_, status, _, _) in PROJECTS.items() if status == "SHIPPED"
    }
    assert [n["name"] for n in data["active"]["nodes"]] == ["Creator Economy Tools"]
    names = [s["name"] for s in data["design"]]
    assert "Figma" in names and names == sorted(names)
    assert {s["category"] for s in data["design"]} == {"DESIGN"}


async def test_all_skills_by_category_then_name(client):
    skills = (await graphql_data(client, "{ skills { name category } }"))["skills"]
    assert len(skills) >= 80
    keys = [(s["category"].lower(), s["name"]) for s in skills]
    assert keys == sorted(keys)
    assert len({s["category"] for s in skills}) == 8


async def test_single_lookups(client, landing):
    project_id = landing["projects"]["nodes"][0]["id"]
    tribe_id = landing["tribes"]["nodes"][0]["id"]
    data = await graphql_data(
        client,
        """query One($u: String!, $p: ID!, $t: ID!) {
          user(username: $u) { displayName projects { title } tribes { name } }
          nobody: user(username: "no-such-builder") { id }
          project(id: $p) { id title }
          tribe(id: $t) { id name }
          missing: project(id: "01ARZ3NDEKTSV4RRFFQ69G5FAV") { id }
        }""",
        {"u": landing["builders"]["nodes"][0]["username"], "p": project_id, "t": tribe_id},
    )
    assert data["user"]["displayName"] == "Maya Chen"
    assert {p["title"] for p in data["user"]["projects"]} == {"AI Resume Builder", "Tribe Finder"}
    assert [t["name"] for t in data["user"]["tribes"]] == ["Hospitality OS"]
    assert data["nobody"] is None and data["missing"] is None
    assert data["project"]["id"] == project_id
    assert data["tribe"]["id"] == tribe_id
