"""The schema exposes every type and field of the spec's section 5, under their names."""

from __future__ import annotations

import pytest

from tests.graphql_client import graphql_data

SPEC_FIELDS = {
    "User": {
        "id", "email", "username", "displayName", "avatarUrl", "headline", "primaryRole",
        "timezone", "availabilityStatus", "builderScore", "bio", "contactLinks",
        "githubUsername", "onboardingCompleted", "createdAt", "skills", "projects", "tribes",
        "collaborations", "activity",
    },
    "Skill": {"id", "name", "slug", "category"},
    "Project": {
        "id", "title", "description", "status", "role", "thumbnailUrl", "links", "techStack",
        "impactMetrics", "githubRepoFullName", "githubStars", "createdAt", "updatedAt",
        "owner", "collaborators",
    },
    "Collaborator": {"user", "role", "status", "invitedAt", "confirmedAt"},
    "Tribe": {
        "id", "name", "mission", "status", "maxMembers", "createdAt", "updatedAt", "owner",
        "members", "openRoles",
    },
    "TribeMember": {"user", "role", "status", "joinedAt"},
    "OpenRole": {"id", "title", "skillsNeeded", "filled"},
    "FeedEvent": {
        "id", "eventType", "targetType", "targetId", "metadata", "createdAt", "actor", "target",
    },
}  # fmt: skip

# Issue 12's discovery fields, beyond the spec's section 5.
DISCOVERY_FIELDS = {
    # sessions: issue 17 (the viewer's own only); updatedAt: what a profile edit is based on
    "User": {"similarBuilders", "sessions", "updatedAt"},
    "Project": {"similarProjects"},
    "OpenRole": {"candidates"},
}

SPEC_ENUMS = {
    "UserRole": {"ENGINEER", "DESIGNER", "PM", "MARKETER", "GROWTH", "FOUNDER", "OTHER"},
    "AvailabilityStatus": {"OPEN_TO_TRIBE", "AVAILABLE_FOR_PROJECTS", "JUST_BROWSING"},
    "ProjectStatus": {"SHIPPED", "IN_PROGRESS", "ARCHIVED"},
    "CollaboratorStatus": {"PENDING", "CONFIRMED", "DECLINED"},
    "TribeStatus": {"OPEN", "ACTIVE", "ALUMNI"},
    "MemberRole": {"OWNER", "MEMBER"},
    "MemberStatus": {"PENDING", "ACTIVE", "REJECTED", "LEFT", "REMOVED"},
    "EventType": {
        "PROJECT_CREATED", "PROJECT_SHIPPED", "COLLABORATION_CONFIRMED", "TRIBE_CREATED",
        "MEMBER_JOINED_TRIBE", "BUILDER_JOINED",
    },
    "SkillCategory": {
        "ENGINEERING", "DESIGN", "PRODUCT", "MARKETING", "GROWTH", "DATA", "OPERATIONS", "OTHER",
    },
}  # fmt: skip

# Every root field is nullable: one field's error leaves the others' data.
ROOT_FIELDS = {
    "health": "String",
    "user": "User",
    "builders": "UserConnection",
    "project": "Project",
    "projects": "ProjectConnection",
    "tribe": "Tribe",
    "tribes": "TribeConnection",
    "feed": "FeedEventConnection",
    "search": "SearchConnection",
    "skills": "[Skill!]",
    "viewer": "User",  # issue 17: the signed-in builder, null when signed out
}

INTROSPECTION = """{
  __schema {
    queryType { name } mutationType { name }
    types {
      name kind
      fields { name type { ...T } args { name defaultValue type { ...T } } }
      enumValues { name }
      possibleTypes { name }
    }
  }
}
fragment T on __Type { kind name ofType { kind name ofType { kind name ofType { kind name } } } }
"""


def type_string(type_ref: dict) -> str:
    if type_ref["kind"] == "NON_NULL":
        return type_string(type_ref["ofType"]) + "!"
    if type_ref["kind"] == "LIST":
        return f"[{type_string(type_ref['ofType'])}]"
    return type_ref["name"]


@pytest.fixture(scope="module")
async def schema(app):
    import httpx

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        data = await graphql_data(client, INTROSPECTION)
    return data["__schema"]


def types_by_name(schema: dict) -> dict[str, dict]:
    return {t["name"]: t for t in schema["types"]}


@pytest.mark.parametrize("type_name", sorted(SPEC_FIELDS))
async def test_every_spec_field_is_in_the_schema(schema, type_name):
    fields = {f["name"] for f in types_by_name(schema)[type_name]["fields"]}
    assert fields == SPEC_FIELDS[type_name] | DISCOVERY_FIELDS.get(type_name, set())


@pytest.mark.parametrize("enum_name", sorted(SPEC_ENUMS))
async def test_every_spec_enum_is_a_graphql_enum(schema, enum_name):
    enum = types_by_name(schema)[enum_name]
    assert enum["kind"] == "ENUM"
    assert {v["name"] for v in enum["enumValues"]} == SPEC_ENUMS[enum_name]


async def test_field_types(schema):
    types = types_by_name(schema)
    fields = {
        (t, f["name"]): type_string(f["type"]) for t in SPEC_FIELDS for f in types[t]["fields"]
    }
    assert fields[("User", "email")] == "String"
    assert fields[("User", "primaryRole")] == "UserRole"
    assert fields[("User", "availabilityStatus")] == "AvailabilityStatus!"
    assert fields[("User", "contactLinks")] == "ContactLinks!"
    assert fields[("User", "createdAt")] == "DateTime!"
    assert fields[("User", "skills")] == "[Skill!]!"
    assert fields[("Project", "owner")] == "User!"
    assert fields[("Project", "techStack")] == "[String!]!"
    assert fields[("Project", "links")] == "ProjectLinks!"
    assert fields[("Project", "impactMetrics")] == "ImpactMetrics!"
    assert fields[("Project", "collaborators")] == "[Collaborator!]!"
    assert fields[("Tribe", "openRoles")] == "[OpenRole!]!"
    assert fields[("FeedEvent", "target")] == "FeedTarget"
    assert fields[("FeedEvent", "metadata")] == "FeedEventMetadata!"
    assert fields[("OpenRole", "skillsNeeded")] == "[String!]!"
    assert fields[("User", "collaborations")] == "[Collaboration!]!"
    assert fields[("User", "activity")] == "FeedEventConnection!"
    assert "JSON" not in types, "no field is an untyped JSON scalar"
    assert {p["name"] for p in types["FeedTarget"]["possibleTypes"]} == {"Project", "Tribe", "User"}


async def test_root_queries_and_one_mutation_per_write(schema):
    from tribe_service.authorization import Action

    assert schema["queryType"]["name"] == "Query"
    assert schema["mutationType"]["name"] == "Mutation"
    mutations = {f["name"] for f in types_by_name(schema)["Mutation"]["fields"]}
    assert mutations == {action.value for action in Action}
    root = {f["name"]: f for f in types_by_name(schema)["Query"]["fields"]}
    assert {name: type_string(f["type"]) for name, f in root.items()} == ROOT_FIELDS
    builders = {
        a["name"]: (type_string(a["type"]), a["defaultValue"]) for a in root["builders"]["args"]
    }
    assert builders["first"] == ("Int!", "20")
    assert builders["role"][0] == "UserRole"
    assert builders["availability"][0] == "AvailabilityStatus"
    assert builders["skills"][0] == "[String!]"
    search = {a["name"]: type_string(a["type"]) for a in root["search"]["args"]}
    assert search == {
        "query": "String!",
        "kinds": "[SearchKind!]",
        "first": "Int!",
        "after": "String",
    }


@pytest.mark.parametrize(
    ("type_name", "field_name", "hit"),
    [
        ("User", "similarBuilders", "[SimilarBuilder!]!"),
        ("Project", "similarProjects", "[SimilarProject!]!"),
        ("OpenRole", "candidates", "[Candidate!]!"),
    ],
)
async def test_discovery_lists_take_a_page_size(schema, type_name, field_name, hit):
    assert arguments(schema, type_name, field_name) == {"first": ("Int!", "20")}
    field = next(f for f in types_by_name(schema)[type_name]["fields"] if f["name"] == field_name)
    assert type_string(field["type"]) == hit


def arguments(schema: dict, type_name: str, field_name: str) -> dict[str, tuple[str, str]]:
    field = next(f for f in types_by_name(schema)[type_name]["fields"] if f["name"] == field_name)
    return {a["name"]: (type_string(a["type"]), a["defaultValue"]) for a in field["args"]}


@pytest.mark.parametrize(
    ("type_name", "field_name", "status"),
    [
        ("Tribe", "members", ("MemberStatus", "ACTIVE")),
        ("Project", "collaborators", ("CollaboratorStatus", "CONFIRMED")),
        ("User", "collaborations", ("CollaboratorStatus", "CONFIRMED")),
    ],
)
async def test_nested_lists_default_to_current_rows_and_take_a_page_size(
    schema, type_name, field_name, status
):
    assert arguments(schema, type_name, field_name) == {"status": status, "first": ("Int!", "20")}


@pytest.mark.parametrize(
    ("type_name", "field_name"),
    [("User", "projects"), ("User", "tribes"), ("Tribe", "openRoles")],
)
async def test_growing_nested_lists_take_a_page_size(schema, type_name, field_name):
    assert arguments(schema, type_name, field_name) == {"first": ("Int!", "20")}


async def test_connections_follow_the_cursor_connections_convention(schema):
    types = types_by_name(schema)
    for node in ("User", "Project", "Tribe", "FeedEvent"):
        connection = {
            f["name"]: type_string(f["type"]) for f in types[f"{node}Connection"]["fields"]
        }
        assert connection == {
            "edges": f"[{node}Edge!]!",
            "nodes": f"[{node}!]!",
            "pageInfo": "PageInfo!",
            "totalCount": "Int!",
        }
        edge = {f["name"]: type_string(f["type"]) for f in types[f"{node}Edge"]["fields"]}
        assert edge == {"cursor": "String!", "node": f"{node}!"}
    page_info = {f["name"]: type_string(f["type"]) for f in types["PageInfo"]["fields"]}
    assert page_info == {"hasNextPage": "Boolean!", "endCursor": "String"}
