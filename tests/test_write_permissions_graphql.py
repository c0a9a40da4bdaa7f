"""Rule 1's matrix through GraphQL: every mutation by owner, member, invitee, other, signed out.

The mutations are the schema's own ``Mutation`` fields, so a new one fails
:func:`test_every_mutation_has_an_input_here` until it is added to the matrix. The
signed-in columns run each mutation as that builder (the schema, with the viewer in
its context) inside a transaction rolled back afterwards, on the world of
``tests/test_write_permissions.py``: the ``userErrors`` code is the refusal its
table expects, and a refusal changes nothing. The signed-out column goes through
``POST /graphql`` of the app, on a world committed for this module: a top-level
``UNAUTHENTICATED`` error, no ``data``, and not one row changed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from tests.factories import remove_builders
from tests.test_write_permissions import EXPECTED, ROLES, World, build_world, digest
from tribe_service.authorization import Action
from tribe_service.config import load_settings
from tribe_service.graphql.context import Context
from tribe_service.graphql.schema import build_schema

pytestmark = pytest.mark.usefixtures("seeded")

SCHEMA = build_schema(load_settings({"ENVIRONMENT": "test"}))
MUTATION_FIELDS = SCHEMA._schema.mutation_type.fields  # type: ignore[union-attr]

Versions = dict[str, str]  # the `updatedAt` of each row an edit names, by id
Input = Callable[[World, str, Versions], dict[str, Any]]

# What each mutation is sent, as viewer `v` on world `w`.
INPUTS: dict[str, Input | None] = {
    "updateProfile": lambda w, v, at: {"expectedUpdatedAt": at[v], "headline": "Shipping"},
    "setSkills": lambda w, v, at: {"skills": []},
    "completeOnboarding": None,  # no input
    "createProject": lambda w, v, at: {"title": "New"},
    "updateProject": lambda w, v, at: {
        "projectId": w.project,
        "expectedUpdatedAt": at[w.project],
        "title": "Renamed",
    },
    "archiveProject": lambda w, v, at: {"projectId": w.project},
    "inviteCollaborator": lambda w, v, at: {
        "projectId": w.project,
        "userId": w.other,
        "role": "Design",
    },
    "respondToCollaboration": lambda w, v, at: {"projectId": w.project, "accept": True},
    "removeCollaborator": lambda w, v, at: {"projectId": w.project, "userId": w.member},
    "leaveProject": lambda w, v, at: {"projectId": w.project},
    "createTribe": lambda w, v, at: {"name": "New tribe"},
    "updateTribe": lambda w, v, at: {
        "tribeId": w.tribe,
        "expectedUpdatedAt": at[w.tribe],
        "mission": "Ship",
    },
    "requestToJoinTribe": lambda w, v, at: {"tribeId": w.tribe},
    "respondToJoinRequest": lambda w, v, at: {
        "tribeId": w.tribe,
        "userId": w.invitee,
        "approve": True,
    },
    "leaveTribe": lambda w, v, at: {"tribeId": w.tribe},
    "removeMember": lambda w, v, at: {"tribeId": w.tribe, "userId": w.member},
    "addOpenRole": lambda w, v, at: {"tribeId": w.tribe, "title": "Designer"},
    "updateOpenRole": lambda w, v, at: {"roleId": w.role, "title": "Lead designer"},
    "fillOpenRole": lambda w, v, at: {"roleId": w.role, "userId": w.member},
    "closeOpenRole": lambda w, v, at: {"roleId": w.role},
    "revokeSession": lambda w, v, at: {"sessionId": w.session},
}


def document(mutation: str) -> str:
    """The mutation with its input (if it takes one), asking for the refusal codes."""
    field = MUTATION_FIELDS[mutation]
    if "input" not in field.args:
        return f"mutation {{ {mutation} {{ userErrors {{ code }} }} }}"
    return (
        f"mutation ($input: {field.args['input'].type}) {{"
        f" {mutation}(input: $input) {{ userErrors {{ code }} }} }}"
    )


def variables(mutation: str, world: World, viewer: str, versions: Versions) -> dict[str, Any]:
    make = INPUTS[mutation]
    return {} if make is None else {"input": make(world, viewer, versions)}


async def versions_of(connection, world: World) -> Versions:
    """The current ``updatedAt`` of the world's builders, project and tribe."""
    rows = await connection.fetch(
        "SELECT id, to_json(updated_at) #>> '{}' FROM users WHERE id = ANY($1)"
        " UNION ALL SELECT id, to_json(updated_at) #>> '{}' FROM projects WHERE id = $2"
        " UNION ALL SELECT id, to_json(updated_at) #>> '{}' FROM tribes WHERE id = $3",
        [world.owner, world.member, world.invitee, world.other],
        world.project,
        world.tribe,
    )
    return {row[0]: row[1] for row in rows}


def test_every_mutation_has_an_input_here():
    assert set(MUTATION_FIELDS) == set(INPUTS) == {str(action) for action in Action}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("mutation", sorted(MUTATION_FIELDS))
async def test_each_signed_in_role_gets_what_the_table_says(engine, mutation, role):
    transaction = engine.transaction()
    await transaction.__aenter__()
    try:
        async with engine.transaction_connection() as connection:
            world = await build_world(connection)
            versions = await versions_of(connection, world)
            before = await digest(connection)
        viewer = getattr(world, role)
        context = Context(
            request=None,  # type: ignore[arg-type]
            response=None,  # type: ignore[arg-type]
            engine=engine,
            current_user_id=viewer,
        )
        result = await SCHEMA.execute(
            document(mutation),
            variable_values=variables(mutation, world, viewer, versions),
            context_value=context,
        )
        assert result.errors is None, result.errors
        assert result.data is not None
        codes = [error["code"] for error in result.data[mutation]["userErrors"]]
        expected = EXPECTED[Action(mutation)][role]
        assert codes == ([] if expected is None else [expected.value]), (mutation, role)
        async with engine.transaction_connection() as connection:
            changed = await digest(connection) != before
        assert changed is (expected is None), (mutation, role)
    finally:
        await transaction.rollback()
        await transaction.__aexit__(None, None, None)


@pytest.fixture(scope="module")
async def committed_world(engine, seeded) -> AsyncIterator[tuple[World, Versions]]:
    """The matrix's world, committed (the app reads it on its own connections); removed after."""
    async with engine.transaction(), engine.transaction_connection() as connection:
        world = await build_world(connection)
        versions = await versions_of(connection, world)
    try:
        yield world, versions
    finally:
        await remove_builders([world.owner, world.member, world.invitee, world.other])


@pytest.mark.parametrize("mutation", sorted(MUTATION_FIELDS))
async def test_signed_out_every_mutation_is_unauthenticated_and_changes_nothing(
    client, engine, committed_world, mutation
):
    world, versions = committed_world
    async with engine.pool.acquire() as connection:
        before = await digest(connection)
    response = await client.post(
        "/graphql",
        json={
            "query": document(mutation),
            "variables": variables(mutation, world, world.owner, versions),
        },
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["data"] is None
    assert [error["extensions"]["code"] for error in body["errors"]] == ["UNAUTHENTICATED"]
    async with engine.pool.acquire() as connection:
        assert await digest(connection) == before
