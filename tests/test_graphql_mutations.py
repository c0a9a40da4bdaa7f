"""Mutations through GraphQL: payloads, userErrors, signed-out requests, the core loop.

Each test runs its operations inside one transaction rolled back afterwards (the
mutations' own transaction then joins it), on both executors.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from tribe_service.config import load_settings
from tribe_service.graphql.context import Context
from tribe_service.graphql.schema import build_schema

pytestmark = pytest.mark.usefixtures("seeded")

SCHEMAS = {
    compiled: build_schema(load_settings({"ENVIRONMENT": "test"}), compiled=compiled)
    for compiled in (True, False)
}

CREATE = """
mutation Create($input: CreateProjectInput!) {
  createProject(input: $input) {
    project { id title status techStack owner { username } }
    viewer { username }
    userErrors { field code message }
  }
}"""
INVITE = """
mutation Invite($input: InviteCollaboratorInput!) {
  inviteCollaborator(input: $input) {
    collaborator { status role user { username } }
    userErrors { field code }
  }
}"""
RESPOND = """
mutation Respond($input: RespondToCollaborationInput!) {
  respondToCollaboration(input: $input) {
    collaborator { status user { username } }
    userErrors { code }
  }
}"""
UPDATE = """
mutation Update($input: UpdateProjectInput!) {
  updateProject(input: $input) { project { title updatedAt } userErrors { field code } }
}"""
LANDING_FEED = "{ feed(first: 2) { nodes { eventType actor { username } target { ... on Project { title } } } } }"
PROFILE = """
query Profile($username: String!) {
  user(username: $username) { collaborations { status project { title } } }
}"""


@pytest.fixture(params=[True, False], ids=["compiled", "resolvers"])
async def run(request, engine) -> AsyncIterator[Any]:
    """``run(document, variables, as_username)``: the data and errors, in a rolled-back transaction."""
    schema = SCHEMAS[request.param]
    ids = {
        row["username"]: row["id"] for row in await engine.fetch("SELECT id, username FROM users")
    }
    transaction = engine.transaction()
    await transaction.__aenter__()

    async def execute(document: str, variables: dict | None = None, viewer: str | None = None):
        context = Context(
            request=None,  # type: ignore[arg-type]
            response=None,  # type: ignore[arg-type]
            engine=engine,
            current_user_id=ids.get(viewer) if viewer else None,
        )
        result = await schema.execute(document, variable_values=variables, context_value=context)
        errors = [(e.message, (e.extensions or {}).get("code")) for e in result.errors or []]
        return result.data, errors

    execute.ids = ids  # type: ignore[attr-defined]
    try:
        yield execute
    finally:
        await transaction.rollback()
        await transaction.__aexit__(None, None, None)


async def test_a_created_project_is_in_the_payload_and_the_feed(run):
    data, errors = await run(
        CREATE,
        {"input": {"title": "Tribe Radar", "status": "SHIPPED", "techStack": ["Python", "Rust"]}},
        "mayachen",
    )
    assert errors == []
    payload = data["createProject"]
    assert payload["userErrors"] == []
    assert payload["project"]["title"] == "Tribe Radar"
    assert payload["project"]["status"] == "SHIPPED"
    assert payload["project"]["techStack"] == ["Python", "Rust"]
    assert payload["project"]["owner"]["username"] == "mayachen"
    assert payload["viewer"]["username"] == "mayachen"
    feed, _ = await run(LANDING_FEED)
    newest = feed["feed"]["nodes"][0]
    assert newest == {
        "eventType": "PROJECT_SHIPPED",
        "actor": {"username": "mayachen"},
        "target": {"title": "Tribe Radar"},
    }


async def test_signed_out_writes_are_unauthenticated_and_write_nothing(run):
    data, errors = await run(CREATE, {"input": {"title": "Anonymous"}})
    assert data is None
    assert errors == [("Sign in to do this.", "UNAUTHENTICATED")]
    found, _ = await run("{ projects(first: 100) { nodes { title } } }")
    assert "Anonymous" not in {node["title"] for node in found["projects"]["nodes"]}


async def test_invalid_values_are_user_errors_naming_the_input_field(run):
    data, errors = await run(
        CREATE,
        {"input": {"title": "x" * 201, "thumbnailUrl": "javascript:alert(1)"}},
        "mayachen",
    )
    assert errors == []
    payload = data["createProject"]
    assert payload["project"] is None
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [
        (["input", "title"], "TOO_LONG"),
        (["input", "thumbnailUrl"], "INVALID_URL"),
    ]


async def test_the_core_loop_create_invite_accept(run):
    created, _ = await run(CREATE, {"input": {"title": "Hackathon Kit"}}, "mayachen")
    project = created["createProject"]["project"]["id"]
    tom = run.ids["tomnakamura"]
    invited, errors = await run(
        INVITE, {"input": {"projectId": project, "userId": tom, "role": "Backend"}}, "mayachen"
    )
    assert errors == []
    assert invited["inviteCollaborator"]["collaborator"] == {
        "status": "PENDING",
        "role": "Backend",
        "user": {"username": "tomnakamura"},
    }
    accepted, _ = await run(
        RESPOND, {"input": {"projectId": project, "accept": True}}, "tomnakamura"
    )
    assert accepted["respondToCollaboration"]["collaborator"]["status"] == "CONFIRMED"
    feed, _ = await run(LANDING_FEED)
    assert [(n["eventType"], n["actor"]["username"]) for n in feed["feed"]["nodes"]] == [
        ("COLLABORATION_CONFIRMED", "tomnakamura"),
        ("PROJECT_CREATED", "mayachen"),
    ]
    profile, _ = await run(PROFILE, {"username": "tomnakamura"})
    assert {"status": "CONFIRMED", "project": {"title": "Hackathon Kit"}} in profile["user"][
        "collaborations"
    ]


async def test_someone_elses_project_is_forbidden_and_unchanged(run):
    created, _ = await run(CREATE, {"input": {"title": "Mine"}}, "mayachen")
    project = created["createProject"]["project"]["id"]
    before, _ = await run(f'{{ project(id: "{project}") {{ title updatedAt }} }}')
    updated, errors = await run(
        UPDATE,
        {
            "input": {
                "projectId": project,
                "expectedUpdatedAt": before["project"]["updatedAt"],
                "title": "Theirs now",
            }
        },
        "jamesokafor",
    )
    assert errors == []
    assert updated["updateProject"] == {
        "project": None,
        "userErrors": [{"field": None, "code": "FORBIDDEN"}],
    }
    after, _ = await run(f'{{ project(id: "{project}") {{ title updatedAt }} }}')
    assert after == before


async def test_an_edit_from_an_old_version_is_stale(run):
    created, _ = await run(CREATE, {"input": {"title": "Versioned"}}, "mayachen")
    project = created["createProject"]["project"]["id"]
    old, _ = await run(f'{{ project(id: "{project}") {{ updatedAt }} }}')
    version = old["project"]["updatedAt"]
    first, _ = await run(
        UPDATE,
        {"input": {"projectId": project, "expectedUpdatedAt": version, "title": "A"}},
        "mayachen",
    )
    assert first["updateProject"]["userErrors"] == []
    second, _ = await run(
        UPDATE,
        {"input": {"projectId": project, "expectedUpdatedAt": version, "title": "B"}},
        "mayachen",
    )
    assert second["updateProject"]["userErrors"] == [
        {"field": ["input", "expectedUpdatedAt"], "code": "STALE"}
    ]


@pytest.mark.parametrize(
    "document",
    [
        'mutation { a: createProject(input: {title: "A"}) { userErrors { code } }'
        ' b: createProject(input: {title: "B"}) { userErrors { code } } }',
        "mutation { completeOnboarding { userErrors { code } } ...More }"
        ' fragment More on Mutation { createProject(input: {title: "B"}) { userErrors { code } } }',
    ],
    ids=["aliases", "fragment"],
)
async def test_an_operation_runs_one_mutation(run, document):
    data, errors = await run(document, None, "mayachen")
    assert data is None
    assert [code for _, code in errors] == ["TOO_MANY_MUTATIONS"]
    found, _ = await run("{ projects(first: 100) { nodes { title } } }")
    assert not {"A", "B"} & {node["title"] for node in found["projects"]["nodes"]}


VIEWER_VERSION = "{ viewer { updatedAt } }"
UPDATE_PROFILE = """
mutation Edit($input: UpdateProfileInput!) {
  updateProfile(input: $input) { user { headline updatedAt } userErrors { field code } }
}"""


async def test_a_profile_edit_can_be_based_on_the_version_the_api_shows(run):
    # updateProfile requires expectedUpdatedAt: the API must show it, or no client can edit.
    before, errors = await run(VIEWER_VERSION, viewer="mayachen")
    assert errors == []
    version = before["viewer"]["updatedAt"]
    edit = {"input": {"expectedUpdatedAt": version, "headline": "Shipping"}}
    data, errors = await run(UPDATE_PROFILE, edit, "mayachen")
    assert errors == []
    assert data["updateProfile"]["userErrors"] == []
    assert data["updateProfile"]["user"]["headline"] == "Shipping"
    assert data["updateProfile"]["user"]["updatedAt"] > version
    again, _ = await run(UPDATE_PROFILE, edit, "mayachen")  # the old version: refused
    assert again["updateProfile"]["userErrors"] == [
        {"field": ["input", "expectedUpdatedAt"], "code": "STALE"}
    ]
