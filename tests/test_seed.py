"""The prototype seed data (spec section 6) and the ``piccolo tribe_service seed`` command.

Every in-process re-seed here runs inside a transaction that is rolled back, so the
session's seeded rows (ids included) are exactly what the ``seeded`` fixture made;
the committed runs of the command use a scratch database.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime
from typing import Any

import asyncpg
import pytest
from piccolo.engine import engine_finder
from ulid import ULID

import tribe_service.seed as seed_package
from tests.conftest import run_cli
from tribe_service.enums import SkillCategory
from tribe_service.seed import SEEDED_TABLES, count_rows, seed_database
from tribe_service.seed.skills import slugify
from tribe_service.tables import Skill

pytestmark = pytest.mark.usefixtures("seeded")

type Fetch = Callable[[str], Awaitable[list[Any]]]

# ---------------------------------------------------------------------------
# The spec's facts, written out independently of the seed modules.

# name: (headline, score, skills in order, availability, primary role)
BUILDERS = {
    "Maya Chen": (
        "Full-Stack Developer",
        72,
        ["React", "Python", "PostgreSQL", "FastAPI"],
        "open_to_tribe",
        "engineer",
    ),
    "James Okafor": (
        "Product Designer",
        58,
        ["Figma", "UI/UX", "Prototyping"],
        "just_browsing",
        "designer",
    ),
    "Priya Sharma": (
        "Backend Engineer",
        65,
        ["Go", "Kubernetes", "gRPC"],
        "open_to_tribe",
        "engineer",
    ),
    "David Morales": (
        "Growth Marketer",
        45,
        ["SEO", "Analytics", "Content Strategy"],
        "available_for_projects",
        "marketer",
    ),
    "Sarah Kim": (
        "ML Engineer",
        71,
        ["Python", "TensorFlow", "Data Engineering"],
        "open_to_tribe",
        "engineer",
    ),
    "Alex Rivera": (
        "Frontend Developer",
        38,
        ["React", "TypeScript", "Next.js"],
        "just_browsing",
        "engineer",
    ),
    "Elena Volkov": (
        "Product Manager",
        52,
        ["Roadmapping", "Analytics", "User Stories"],
        "available_for_projects",
        "pm",
    ),
    "Marcus Johnson": (
        "DevOps Engineer",
        61,
        ["Docker", "Kubernetes", "AWS", "CI/CD"],
        "available_for_projects",
        "engineer",
    ),
    "Aisha Patel": (
        "UX Researcher",
        44,
        ["User Research", "Prototyping", "Analytics"],
        "open_to_tribe",
        "designer",
    ),
    "Tom Nakamura": (
        "Founder/Engineer",
        68,
        ["Python", "React", "PostgreSQL", "AWS"],
        "open_to_tribe",
        "founder",
    ),
}

# title: (owner, status, tech stack in order, github stars, impact metrics)
PROJECTS = {
    "AI Resume Builder": (
        "Maya Chen",
        "shipped",
        ["React", "Python", "OpenAI", "PostgreSQL"],
        340,
        {"users": 1200, "stars": 340},
    ),
    "Tribe Finder": ("Maya Chen", "in_progress", ["Next.js", "Go", "PostgreSQL"], None, {}),
    "Open Source CRM": (
        "David Morales",
        "in_progress",
        ["React", "Node.js", "PostgreSQL"],
        89,
        {"stars": 89},
    ),
    "Design System Kit": (
        "James Okafor",
        "shipped",
        ["Figma", "React", "Storybook"],
        520,
        {"stars": 520},
    ),
    "ML Pipeline Framework": (
        "Sarah Kim",
        "shipped",
        ["Python", "TensorFlow", "Docker"],
        2100,
        {"stars": 2100},
    ),
    "Growth Analytics Dashboard": (
        "David Morales",
        "in_progress",
        ["Next.js", "Python", "Grafana"],
        None,
        {},
    ),
}

# (project, collaborator, owner)
COLLABORATIONS = {
    ("Tribe Finder", "Priya Sharma", "Maya Chen"),
    ("Growth Analytics Dashboard", "Elena Volkov", "David Morales"),
}

# name: (owner, status, mission, members other than the owner, open roles with their skills)
TRIBES = {
    "Hospitality OS": (
        "Tom Nakamura",
        "open",
        "Building the operating system for independent hotels.",
        ["Maya Chen", "James Okafor"],
        [("Backend Engineer", ["Go", "PostgreSQL"]), ("Growth Marketer", ["SEO", "Partnerships"])],
    ),
    "AI for Education": (
        "Sarah Kim",
        "open",
        "Making personalized learning accessible to every student.",
        ["Alex Rivera"],
        [("Product Designer", ["Figma", "User Research"])],
    ),
    "Creator Economy Tools": (
        "Elena Volkov",
        "active",
        "Empowering independent creators with better business tools.",
        ["Marcus Johnson"],
        [],
    ),
}

HOSPITALITY_MISSION = TRIBES["Hospitality OS"][2]

# The feed, newest first: (event type, actor, target type, target name, metadata).
FEED = [
    (
        "project_shipped",
        "Maya Chen",
        "project",
        "AI Resume Builder",
        {
            "project_title": "AI Resume Builder",
            "tech_stack": ["React", "Python", "OpenAI", "PostgreSQL"],
        },
    ),
    (
        "tribe_created",
        "Priya Sharma",
        "tribe",
        "Hospitality OS",
        {"tribe_name": "Hospitality OS", "mission": HOSPITALITY_MISSION},
    ),
    (
        "project_created",
        "Alex Rivera",
        "user",
        "Alex Rivera",
        {"project_title": None, "tech_stack": []},
    ),
    (
        "member_joined_tribe",
        "James Okafor",
        "tribe",
        "Hospitality OS",
        {"tribe_name": "Hospitality OS"},
    ),
    (
        "project_shipped",
        "Sarah Kim",
        "project",
        "ML Pipeline Framework",
        {
            "project_title": "ML Pipeline Framework",
            "tech_stack": ["Python", "TensorFlow", "Docker"],
        },
    ),
    (
        "project_created",
        "David Morales",
        "project",
        "Growth Analytics Dashboard",
        {
            "project_title": "Growth Analytics Dashboard",
            "tech_stack": ["Next.js", "Python", "Grafana"],
        },
    ),
    (
        "collaboration_confirmed",
        "Elena Volkov",
        "project",
        "Growth Analytics Dashboard",
        {
            "project_title": "Growth Analytics Dashboard",
            "collaborator_name": "Elena Volkov",
            "owner_name": "David Morales",
        },
    ),
    (
        "tribe_created",
        "Tom Nakamura",
        "tribe",
        "Hospitality OS",
        {"tribe_name": "Hospitality OS", "mission": HOSPITALITY_MISSION},
    ),
    (
        "member_joined_tribe",
        "Marcus Johnson",
        "tribe",
        "Creator Economy Tools",
        {"tribe_name": "Creator Economy Tools"},
    ),
    (
        "project_created",
        "Maya Chen",
        "project",
        "Tribe Finder",
        {"project_title": "Tribe Finder", "tech_stack": ["Next.js", "Go", "PostgreSQL"]},
    ),
    (
        "collaboration_confirmed",
        "Priya Sharma",
        "project",
        "Tribe Finder",
        {
            "project_title": "Tribe Finder",
            "collaborator_name": "Priya Sharma",
            "owner_name": "Maya Chen",
        },
    ),
    (
        "tribe_created",
        "Sarah Kim",
        "tribe",
        "AI for Education",
        {"tribe_name": "AI for Education", "mission": TRIBES["AI for Education"][2]},
    ),
    (
        "builder_joined",
        "Alex Rivera",
        "user",
        "Alex Rivera",
        {"display_name": "Alex Rivera", "headline": "Frontend Developer"},
    ),
    (
        "project_shipped",
        "James Okafor",
        "project",
        "Design System Kit",
        {"project_title": "Design System Kit", "tech_stack": ["Figma", "React", "Storybook"]},
    ),
    (
        "builder_joined",
        "Aisha Patel",
        "user",
        "Aisha Patel",
        {"display_name": "Aisha Patel", "headline": "UX Researcher"},
    ),
]

# The spec's skill lists per category; "Analytics" is listed twice and lives in PRODUCT.
SPEC_SKILLS = {
    "engineering": "Python, JavaScript, TypeScript, React, Next.js, Node.js, Go, Rust, PostgreSQL, FastAPI, GraphQL, Docker, Kubernetes, AWS, gRPC, Redis",
    "design": "Figma, UI/UX, Prototyping, Design Systems, User Research, Interaction Design, Visual Design, Motion Design",
    "product": "Product Strategy, Roadmapping, User Stories, Analytics, A/B Testing",
    "marketing": "Content Strategy, SEO, Social Media, Brand Design, Copywriting",
    "growth": "Growth Hacking, Paid Acquisition, Partnerships, Community Building, Funnel Optimization",
    "data": "Machine Learning, Data Engineering, SQL, Python (Data), Visualization",
    "operations": "Project Management, Agile, DevOps, CI/CD, Technical Writing",
    "other": "Public Speaking, Fundraising, Legal, Recruiting",
}

EXPECTED_COUNTS = {
    "users": 10,
    "refresh_tokens": 0,
    "user_skills": 33,
    "projects": 6,
    "project_collaborators": 2,
    "tribes": 3,
    "tribe_members": 7,
    "tribe_open_roles": 3,
    "feed_events": 15,
}

# ---------------------------------------------------------------------------
# Helpers


async def fetch(sql: str) -> list[dict[str, Any]]:
    """Run ``sql`` through Piccolo (the pool, or the current transaction)."""
    return await Skill.raw(sql)


@contextlib.asynccontextmanager
async def rolled_back() -> AsyncIterator[None]:
    """A transaction whose changes are undone at the end (seed_database nests into it)."""
    engine = engine_finder()
    assert engine is not None
    async with engine.transaction() as transaction:
        yield
        await transaction.rollback()


def loads(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


# What the seed made, by natural keys: no ids, no timestamps (but orders they imply).
SNAPSHOT_QUERIES = {
    "skills": "SELECT name, slug, category FROM skills ORDER BY name",
    "users": """
        SELECT username, email, display_name, headline, primary_role, availability_status,
               builder_score, bio, contact_links::text, github_username, onboarding_completed,
               avatar_url, timezone, password_hash IS NULL AS no_password,
               embedding IS NULL AS no_embedding, search_vector::text
        FROM users ORDER BY username""",
    "user_skills": """
        SELECT u.username, s.name FROM user_skills us
        JOIN users u ON u.id = us.user_id JOIN skills s ON s.id = us.skill_id
        ORDER BY u.username, us.added_at, us.id""",
    "projects": """
        SELECT p.title, u.username, p.description, p.status, p.role, p.thumbnail_url,
               p.links::text, p.tech_stack::text, p.impact_metrics::text,
               p.github_repo_full_name, p.github_stars, p.search_vector::text
        FROM projects p JOIN users u ON u.id = p.owner_id ORDER BY p.title""",
    "project_collaborators": """
        SELECT p.title, u.username, c.role, c.status, c.confirmed_at IS NOT NULL
        FROM project_collaborators c JOIN projects p ON p.id = c.project_id
        JOIN users u ON u.id = c.user_id ORDER BY p.title, u.username""",
    "tribes": """
        SELECT t.name, u.username, t.mission, t.status, t.max_members, t.search_vector::text
        FROM tribes t JOIN users u ON u.id = t.owner_id ORDER BY t.name""",
    "tribe_members": """
        SELECT t.name, u.username, m.role, m.status, m.joined_at IS NOT NULL
        FROM tribe_members m JOIN tribes t ON t.id = m.tribe_id JOIN users u ON u.id = m.user_id
        ORDER BY t.name, m.joined_at, u.username""",
    "tribe_open_roles": """
        SELECT t.name, r.title, r.skills_needed::text, r.filled, r.filled_by
        FROM tribe_open_roles r JOIN tribes t ON t.id = r.tribe_id ORDER BY t.name, r.id""",
    "feed_events": """
        SELECT f.event_type, a.username, f.target_type,
               coalesce(p.title, t.name, u.username) AS target, f.metadata::text
        FROM feed_events f JOIN users a ON a.id = f.actor_id
        LEFT JOIN projects p ON f.target_type = 'project' AND p.id = f.target_id
        LEFT JOIN tribes t ON f.target_type = 'tribe' AND t.id = f.target_id
        LEFT JOIN users u ON f.target_type = 'user' AND u.id = f.target_id
        ORDER BY f.id DESC""",
    "refresh_tokens": "SELECT count(*) FROM refresh_tokens",
}

IDS_QUERY = " UNION ALL ".join(f"SELECT id FROM {table}" for table in SEEDED_TABLES)


async def snapshot(run: Fetch) -> dict[str, list[tuple[Any, ...]]]:
    """The seeded content, comparable across runs and databases."""
    return {
        name: [tuple(dict(row).values()) for row in await run(sql)]
        for name, sql in SNAPSHOT_QUERIES.items()
    }


async def all_ids(run: Fetch) -> list[str]:
    return sorted(row["id"] for row in await run(IDS_QUERY))


async def on_database(url: str, work: Callable[[Fetch], Awaitable[Any]]) -> Any:
    """Run ``work`` with a fetch function on another database (a scratch one)."""
    connection = await asyncpg.connect(url)
    try:
        return await work(connection.fetch)
    finally:
        await connection.close()


def ulid_time(ulid: str) -> datetime:
    return ULID.from_str(ulid).datetime


def to_millisecond(moment: datetime) -> datetime:
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


# ---------------------------------------------------------------------------
# Skills


async def test_skills_taxonomy_has_80_plus_skills_in_8_categories_with_unique_names_and_slugs():
    skills = await fetch("SELECT name, slug, category FROM skills")
    assert len(skills) >= 80
    assert {s["category"] for s in skills} == {category.value for category in SkillCategory}
    names = [s["name"] for s in skills]
    slugs = [s["slug"] for s in skills]
    assert len(set(names)) == len(names)
    assert len(set(slugs)) == len(slugs)
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", slug) for slug in slugs)
    assert all(s["slug"] == slugify(s["name"]) for s in skills)


async def test_the_spec_skills_are_in_their_categories():
    category_of = {s["name"]: s["category"] for s in await fetch("SELECT * FROM skills")}
    for category, names in SPEC_SKILLS.items():
        for name in names.split(", "):
            if name == "Analytics":
                continue
            assert category_of.get(name) == category, name
    assert category_of["Analytics"] == "product"  # listed under PRODUCT and DATA
    assert category_of["Python (Data)"] == "data"
    assert category_of["Python"] == "engineering"


async def test_every_skill_named_by_builders_stacks_and_open_roles_exists():
    names = {s["name"] for s in await fetch("SELECT name FROM skills")}
    used = {skill for _, _, skills, _, _ in BUILDERS.values() for skill in skills}
    used |= {tech for _, _, stack, _, _ in PROJECTS.values() for tech in stack}
    used |= {skill for *_, roles in TRIBES.values() for _, skills in roles for skill in skills}
    for row in await fetch("SELECT tech_stack FROM projects"):
        used |= set(loads(row["tech_stack"]))
    for row in await fetch("SELECT skills_needed FROM tribe_open_roles"):
        used |= set(loads(row["skills_needed"]))
    assert {"OpenAI", "Storybook", "Grafana", "TensorFlow", "Partnerships"} <= used
    assert used <= names, used - names


# ---------------------------------------------------------------------------
# Builders


async def test_the_ten_builders():
    users = {u["display_name"]: u for u in await fetch("SELECT * FROM users")}
    assert set(users) == set(BUILDERS)
    for name, (headline, score, _, availability, role) in BUILDERS.items():
        user = users[name]
        assert user["headline"] == headline, name
        assert user["builder_score"] == score, name
        assert user["availability_status"] == availability, name
        assert user["primary_role"] == role, name
        assert user["username"] == name.lower().replace(" ", "")
        assert user["email"] == f"{name.lower().replace(' ', '.')}@example.com"
        assert user["github_username"] == user["username"]
        assert user["bio"]
        assert loads(user["contact_links"]) == {
            "twitter": f"https://twitter.com/{user['username']}",
            "github": f"https://github.com/{user['github_username']}",
        }
        assert user["onboarding_completed"] is True
        assert user["password_hash"] is None
        assert user["search_vector"]  # filled by the trigger


async def test_builder_skills_in_the_listed_order():
    rows = await fetch(
        """SELECT u.display_name, s.name FROM user_skills us
           JOIN users u ON u.id = us.user_id JOIN skills s ON s.id = us.skill_id
           ORDER BY us.added_at, us.id"""
    )
    skills: dict[str, list[str]] = {}
    for row in rows:
        skills.setdefault(row["display_name"], []).append(row["name"])
    assert skills == {name: builder[2] for name, builder in BUILDERS.items()}
    by_id = await fetch(
        """SELECT u.display_name, s.name FROM user_skills us
           JOIN users u ON u.id = us.user_id JOIN skills s ON s.id = us.skill_id
           ORDER BY us.id"""
    )
    assert [tuple(r.values()) for r in by_id] == [tuple(r.values()) for r in rows]


# ---------------------------------------------------------------------------
# Projects


async def test_projects_owners_statuses_stacks_stars_and_impact():
    rows = await fetch(
        """SELECT p.*, u.display_name AS owner FROM projects p JOIN users u ON u.id = p.owner_id"""
    )
    projects = {p["title"]: p for p in rows}
    assert set(projects) == set(PROJECTS)
    for title, (owner, status, stack, stars, impact) in PROJECTS.items():
        project = projects[title]
        assert project["owner"] == owner, title
        assert project["status"] == status, title
        assert loads(project["tech_stack"]) == stack, title
        assert project["github_stars"] == stars, title
        assert loads(project["impact_metrics"]) == impact, title
        assert project["description"]
        assert project["search_vector"]
    ai_resume = projects["AI Resume Builder"]
    assert ai_resume["github_repo_full_name"] == "mayachen/ai-resume-builder"
    assert loads(ai_resume["links"]) == {"github": "https://github.com/mayachen/ai-resume-builder"}


async def test_collaborations_are_confirmed_rows():
    rows = await fetch(
        """SELECT p.title, u.display_name AS collaborator, o.display_name AS owner,
                  c.status, c.role, c.invited_at, c.confirmed_at, p.created_at
           FROM project_collaborators c JOIN projects p ON p.id = c.project_id
           JOIN users u ON u.id = c.user_id JOIN users o ON o.id = p.owner_id"""
    )
    assert {(r["title"], r["collaborator"], r["owner"]) for r in rows} == COLLABORATIONS
    for row in rows:
        assert row["status"] == "confirmed"
        assert row["role"]
        assert row["created_at"] <= row["invited_at"] <= row["confirmed_at"]


# ---------------------------------------------------------------------------
# Tribes


async def test_tribes_owners_statuses_missions_members_and_open_roles():
    tribes = {
        t["name"]: t
        for t in await fetch(
            "SELECT t.*, u.display_name AS owner FROM tribes t JOIN users u ON u.id = t.owner_id"
        )
    }
    members = await fetch(
        """SELECT t.name AS tribe, u.display_name AS member, m.role, m.status, m.joined_at,
                  m.requested_at, t.created_at AS tribe_created_at, u.created_at AS user_created_at
           FROM tribe_members m JOIN tribes t ON t.id = m.tribe_id JOIN users u ON u.id = m.user_id
           ORDER BY m.joined_at"""
    )
    roles = await fetch(
        """SELECT t.name AS tribe, r.title, r.skills_needed, r.filled, r.filled_by
           FROM tribe_open_roles r JOIN tribes t ON t.id = r.tribe_id ORDER BY r.id"""
    )
    assert set(tribes) == set(TRIBES)
    for name, (owner, status, mission, others, open_roles) in TRIBES.items():
        tribe = tribes[name]
        assert tribe["owner"] == owner
        assert tribe["status"] == status
        assert tribe["mission"] == mission
        assert tribe["max_members"] == 8
        assert tribe["search_vector"]
        own = [m for m in members if m["tribe"] == name]
        assert [(m["member"], m["role"]) for m in own] == [(owner, "owner")] + [
            (other, "member") for other in others
        ]
        for member in own:
            assert member["status"] == "active"
            assert member["joined_at"] is not None
            assert member["requested_at"] <= member["joined_at"]
            assert member["joined_at"] >= member["tribe_created_at"]
            assert member["joined_at"] >= member["user_created_at"]
        assert own[0]["joined_at"] == tribe["created_at"]
        assert [
            (r["title"], loads(r["skills_needed"]), r["filled"], r["filled_by"])
            for r in roles
            if r["tribe"] == name
        ] == [(title, skills, False, None) for title, skills in open_roles]


# ---------------------------------------------------------------------------
# The feed


FEED_QUERY = """
    SELECT f.*, a.display_name AS actor, a.created_at AS actor_created_at,
           coalesce(p.title, t.name, u.display_name) AS target,
           coalesce(p.created_at, t.created_at, u.created_at) AS target_created_at,
           coalesce(p.owner_id, t.owner_id, u.id) AS target_owner_id
    FROM feed_events f JOIN users a ON a.id = f.actor_id
    LEFT JOIN projects p ON f.target_type = 'project' AND p.id = f.target_id
    LEFT JOIN tribes t ON f.target_type = 'tribe' AND t.id = f.target_id
    LEFT JOIN users u ON f.target_type = 'user' AND u.id = f.target_id
    ORDER BY f.created_at DESC
"""


async def test_feed_events_in_order_with_actors_targets_and_metadata():
    events = await fetch(FEED_QUERY)
    assert [
        (e["event_type"], e["actor"], e["target_type"], e["target"], loads(e["metadata"]))
        for e in events
    ] == FEED
    # Newest first by time and by id alike; each id is a ULID of its own created_at.
    ids = [e["id"] for e in events]
    assert ids == sorted(ids, reverse=True)
    times = [e["created_at"] for e in events]
    assert times == sorted(times, reverse=True)
    assert len(set(times)) == len(times)
    for event in events:
        assert ulid_time(event["id"]) == to_millisecond(event["created_at"])


async def test_feed_events_target_rows_exist_and_predate_the_event():
    events = await fetch(FEED_QUERY)
    for event in events:
        assert event["target"] is not None, event["id"]
        assert event["target_created_at"] <= event["created_at"]
        assert event["actor_created_at"] <= event["created_at"]
        if event["event_type"] in {"project_created", "project_shipped", "builder_joined"}:
            assert event["target_owner_id"] == event["actor_id"]  # one's own project, oneself
        if event["event_type"] == "builder_joined":
            assert event["target_id"] == event["actor_id"]
            assert event["target_created_at"] == event["created_at"]


async def test_row_times_follow_the_feed():
    events = {(e["event_type"], e["actor"], e["target"]): e for e in await fetch(FEED_QUERY)}
    members = {
        (m["name"], m["display_name"]): m["joined_at"]
        for m in await fetch(
            """SELECT t.name, u.display_name, m.joined_at FROM tribe_members m
               JOIN tribes t ON t.id = m.tribe_id JOIN users u ON u.id = m.user_id"""
        )
    }
    assert (
        members[("Hospitality OS", "James Okafor")]
        == (events[("member_joined_tribe", "James Okafor", "Hospitality OS")]["created_at"])
    )
    assert (
        members[("Creator Economy Tools", "Marcus Johnson")]
        == (
            events[("member_joined_tribe", "Marcus Johnson", "Creator Economy Tools")]["created_at"]
        )
    )
    confirmed = {
        r["title"]: r["confirmed_at"]
        for r in await fetch(
            """SELECT p.title, c.confirmed_at FROM project_collaborators c
               JOIN projects p ON p.id = c.project_id"""
        )
    }
    assert (
        confirmed["Tribe Finder"]
        == (events[("collaboration_confirmed", "Priya Sharma", "Tribe Finder")]["created_at"])
    )
    assert (
        confirmed["Growth Analytics Dashboard"]
        == (
            events[("collaboration_confirmed", "Elena Volkov", "Growth Analytics Dashboard")][
                "created_at"
            ]
        )
    )
    created = {
        ("tribe_created", "Tom Nakamura", "Hospitality OS"),
        ("tribe_created", "Sarah Kim", "AI for Education"),
    }
    for key in created:
        assert events[key]["target_created_at"] == events[key]["created_at"], key
    shipped = {
        p["title"]: p["updated_at"]
        for p in await fetch("SELECT title, updated_at FROM projects WHERE status = 'shipped'")
    }
    for (event_type, _, target), event in events.items():
        if event_type == "project_shipped":
            assert shipped[target] == event["created_at"]


async def test_users_projects_and_tribes_have_ulids_of_their_creation_time():
    for table in ("users", "projects", "tribes"):
        for row in await fetch(f"SELECT id, created_at FROM {table}"):
            assert ulid_time(row["id"]) == to_millisecond(row["created_at"]), table


# ---------------------------------------------------------------------------
# seed_database: counts, idempotence, one transaction


async def test_seed_database_returns_the_counts_and_is_idempotent():
    before, ids = await snapshot(fetch), await all_ids(fetch)
    async with rolled_back():
        counts = await seed_database()
        assert counts == await count_rows()
        assert await snapshot(fetch) == before
        assert set(await all_ids(fetch)).isdisjoint(ids)
    assert await all_ids(fetch) == ids  # rolled back: the session's rows are untouched
    assert set(counts) == set(SEEDED_TABLES)
    assert counts["skills"] >= 80
    assert {k: v for k, v in counts.items() if k != "skills"} == EXPECTED_COUNTS


async def test_seeding_is_one_transaction(monkeypatch):
    before = (await snapshot(fetch), await all_ids(fetch))

    async def broken(context: object) -> None:
        raise RuntimeError("feed failed")

    monkeypatch.setattr(seed_package, "seed_feed_events", broken)
    with pytest.raises(RuntimeError, match="feed failed"):
        await seed_database()
    assert (await snapshot(fetch), await all_ids(fetch)) == before


# ---------------------------------------------------------------------------
# The command


async def test_production_refuses_with_one_line_and_changes_nothing():
    before = (await count_rows(), await all_ids(fetch))
    result = run_cli("piccolo", "tribe_service", "seed", env={"ENVIRONMENT": "production"})
    assert result.returncode != 0
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert "ENVIRONMENT=production" in lines[0]
    assert "Traceback" not in result.stdout + result.stderr
    assert (await count_rows(), await all_ids(fetch)) == before


async def test_command_seeds_prints_counts_and_time_and_if_empty_leaves_data_alone(
    empty_database_url,
):
    env = {"DATABASE_URL": empty_database_url}
    migrated = run_cli("piccolo", "migrations", "forwards", "all", env=env)
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr

    first = run_cli("piccolo", "tribe_service", "seed", "--if_empty", env=env)
    assert first.returncode == 0, first.stdout + first.stderr
    assert first.stderr == ""
    assert re.search(r"^Seeded \d+ rows in \d+\.\d\d s:$", first.stdout, re.MULTILINE)
    printed = dict(re.findall(r"^\s+(\w+)\s+(\d+)$", first.stdout, re.MULTILINE))
    assert list(printed) == list(SEEDED_TABLES)
    expected = await count_rows()  # the session database, seeded by the same code
    assert {table: int(count) for table, count in printed.items()} == expected

    seeded_ids = await on_database(empty_database_url, all_ids)
    again = run_cli("piccolo", "tribe_service", "seed", "--if_empty", env=env)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "leaving the seeded database alone" in again.stdout
    assert await on_database(empty_database_url, all_ids) == seeded_ids

    reseed = run_cli("piccolo", "tribe_service", "seed", env=env)
    assert reseed.returncode == 0, reseed.stdout + reseed.stderr
    assert "Seeded" in reseed.stdout
    # New ids, the same content, and the same content as the session database.
    assert set(await on_database(empty_database_url, all_ids)).isdisjoint(seeded_ids)
    assert await on_database(empty_database_url, snapshot) == await snapshot(fetch)


def test_command_reports_an_unreachable_database_without_a_traceback():
    result = run_cli(
        "piccolo",
        "tribe_service",
        "seed",
        env={"DATABASE_URL": "postgresql://tribe:tribe@127.0.0.1:9/tribe"},
    )
    assert result.returncode != 0
    # (Piccolo's CLI warns first, from its own pending-migrations check.)
    assert result.stderr.splitlines()[-1].startswith("seed: database unavailable"), result.stderr
    assert "Traceback" not in result.stdout + result.stderr
