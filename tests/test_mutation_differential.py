"""Mutation payloads answer alike on both executors, from the same fresh database state.

Each scenario is a short story of writes ending in the mutation it is named after
(a project is created and a collaborator invited before the invitee answers). It
runs inside one transaction, once per executor, each time from a savepoint rolled
back after, so both start from the same rows, with the same write clock (the
context's ``clock`` hands out the same instants). The last step's payload
selection is the client's operation, then selections hypothesis-graphql generates
for that mutation (its arguments replaced by the scenario's ``$input``): the answers
must be the same bytes, once the ids the two runs made are named in order of
appearance (a ULID's random part differs by design; its time part does not). Every
written row the compiled executor shows is read by its compiled lookup, never by a
fallback.
"""

from __future__ import annotations

import base64
import json
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from graphql import (
    ArgumentNode,
    DocumentNode,
    FieldNode,
    NamedTypeNode,
    NameNode,
    NonNullTypeNode,
    OperationDefinitionNode,
    VariableDefinitionNode,
    VariableNode,
    print_ast,
    visit,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import mutations, nodes
from ulid import ULID

from tests.test_graphql_differential import (
    CLIENT_ERROR_FALLBACKS,
    GRAPHQL_SCHEMA,
    HAND_WRITTEN,
    TEST_PATHS,
    Tame,
)
from tribe_service.graphql import client_operations
from tribe_service.graphql.compiled.executor import STATS
from tribe_service.graphql.context import Context

pytestmark = pytest.mark.usefixtures("seeded")

EXAMPLES = max(4, int(os.environ.get("DIFFERENTIAL_EXAMPLES", "40")) // 20)
# The write clock's first instant: far from any seeded row, so a ULID made at or after
# it was made by the run.
CLOCK_START = datetime(2031, 1, 1, tzinfo=UTC)
_ULID = re.compile(r"\b[0-9A-HJKMNP-TV-Z]{26}\b")
_CURSOR = re.compile(r"[A-Za-z0-9_-]{16,}={0,2}")


@dataclass
class World:
    """What a scenario's inputs are made of: builders' ids, skills, earlier payloads."""

    ids: dict[str, str]
    skills: list[str]
    viewer_updated_at: dict[str, str]
    data: dict[str, Any] = field(default_factory=dict)
    session: str = ""  # a live session of Maya's, made inside the story's transaction

    def written(self, mutation: str, key: str) -> Any:
        """The row an earlier step wrote (its payload's ``key`` object)."""
        return self.data[mutation][mutation][key]


Input = Callable[[World], dict[str, Any] | None]


@dataclass(frozen=True)
class Step:
    """One mutation by ``viewer`` (a username), its input made from what came before."""

    mutation: str
    viewer: str
    input: Input
    # The written object's fields a later step reads (the setup selection).
    reads: str = "id updatedAt"


def _project(world: World) -> str:
    return str(world.written("createProject", "project")["id"])


def _tribe(world: World) -> str:
    return str(world.written("createTribe", "tribe")["id"])


def _role(world: World) -> str:
    return str(world.written("addOpenRole", "openRole")["id"])


MAYA, TOM = "mayachen", "tomnakamura"
CREATE_PROJECT = Step(
    "createProject",
    MAYA,
    lambda w: {"title": "Tribe Radar", "status": "SHIPPED", "idempotencyKey": "radar-1"},
)
INVITE = Step(
    "inviteCollaborator",
    MAYA,
    lambda w: {"projectId": _project(w), "userId": w.ids[TOM], "role": "Backend"},
    reads="status",
)
ACCEPT = Step(
    "respondToCollaboration", TOM, lambda w: {"projectId": _project(w), "accept": True}, "status"
)
CREATE_TRIBE = Step(
    "createTribe",
    MAYA,
    lambda w: {"name": "Night Shippers", "maxMembers": 4, "idempotencyKey": "t1"},
)
REQUEST = Step("requestToJoinTribe", TOM, lambda w: {"tribeId": _tribe(w)}, reads="status")
APPROVE = Step(
    "respondToJoinRequest",
    MAYA,
    lambda w: {"tribeId": _tribe(w), "userId": w.ids[TOM], "approve": True},
    reads="status",
)
ADD_ROLE = Step(
    "addOpenRole",
    MAYA,
    lambda w: {"tribeId": _tribe(w), "title": "Designer", "skillsNeeded": ["Figma"]},
    reads="id",
)

SCENARIOS: dict[str, list[Step]] = {
    "updateProfile": [
        Step(
            "updateProfile",
            MAYA,
            lambda w: {
                "expectedUpdatedAt": w.viewer_updated_at[MAYA],
                "headline": "Ships small tools",
                "availabilityStatus": "OPEN_TO_TRIBE",
            },
        )
    ],
    "setSkills": [Step("setSkills", MAYA, lambda w: {"skills": w.skills[:3]})],
    "completeOnboarding": [Step("completeOnboarding", MAYA, lambda w: None)],
    "createProject": [CREATE_PROJECT],
    "updateProject": [
        CREATE_PROJECT,
        Step(
            "updateProject",
            MAYA,
            lambda w: {
                "projectId": _project(w),
                "expectedUpdatedAt": w.written("createProject", "project")["updatedAt"],
                "title": "Tribe Radar 2",
                "techStack": ["Python"],
            },
        ),
    ],
    "archiveProject": [
        CREATE_PROJECT,
        Step("archiveProject", MAYA, lambda w: {"projectId": _project(w)}),
    ],
    "inviteCollaborator": [CREATE_PROJECT, INVITE],
    "respondToCollaboration": [CREATE_PROJECT, INVITE, ACCEPT],
    "removeCollaborator": [
        CREATE_PROJECT,
        INVITE,
        ACCEPT,
        Step(
            "removeCollaborator", MAYA, lambda w: {"projectId": _project(w), "userId": w.ids[TOM]}
        ),
    ],
    "leaveProject": [
        CREATE_PROJECT,
        INVITE,
        ACCEPT,
        Step("leaveProject", TOM, lambda w: {"projectId": _project(w)}),
    ],
    "createTribe": [CREATE_TRIBE],
    "updateTribe": [
        CREATE_TRIBE,
        Step(
            "updateTribe",
            MAYA,
            lambda w: {
                "tribeId": _tribe(w),
                "expectedUpdatedAt": w.written("createTribe", "tribe")["updatedAt"],
                "mission": "Ship every Friday",
            },
        ),
    ],
    "requestToJoinTribe": [CREATE_TRIBE, REQUEST],
    "respondToJoinRequest": [CREATE_TRIBE, REQUEST, APPROVE],
    "leaveTribe": [
        CREATE_TRIBE,
        REQUEST,
        APPROVE,
        Step("leaveTribe", TOM, lambda w: {"tribeId": _tribe(w)}),
    ],
    "removeMember": [
        CREATE_TRIBE,
        REQUEST,
        APPROVE,
        Step("removeMember", MAYA, lambda w: {"tribeId": _tribe(w), "userId": w.ids[TOM]}),
    ],
    "addOpenRole": [CREATE_TRIBE, ADD_ROLE],
    "updateOpenRole": [
        CREATE_TRIBE,
        ADD_ROLE,
        Step("updateOpenRole", MAYA, lambda w: {"roleId": _role(w), "title": "Product designer"}),
    ],
    "fillOpenRole": [
        CREATE_TRIBE,
        REQUEST,
        APPROVE,
        ADD_ROLE,
        Step("fillOpenRole", MAYA, lambda w: {"roleId": _role(w), "userId": w.ids[TOM]}),
    ],
    "closeOpenRole": [
        CREATE_TRIBE,
        ADD_ROLE,
        Step("closeOpenRole", MAYA, lambda w: {"roleId": _role(w)}),
    ],
    "revokeSession": [Step("revokeSession", MAYA, lambda w: {"sessionId": w.session})],
}


def _payload_object(mutation: str) -> str:
    """The name of the payload's field holding the written row."""
    payload = GRAPHQL_SCHEMA.mutation_type.fields[mutation].type.of_type  # type: ignore[union-attr]
    (name,) = (n for n in payload.fields if n not in {"viewer", "userErrors"})
    return name


def _input_type(mutation: str) -> str | None:
    field_ = GRAPHQL_SCHEMA.mutation_type.fields[mutation]  # type: ignore[union-attr]
    argument = field_.args.get("input")
    return None if argument is None else argument.type.of_type.name  # type: ignore[attr-defined]


def setup_document(step: Step) -> str:
    """A setup step's document: what later steps read of the row it wrote."""
    input_type = _input_type(step.mutation)
    head = f"($input: {input_type}!)" if input_type else ""
    argument = "(input: $input)" if input_type else ""
    written = _payload_object(step.mutation)
    return (
        f"mutation{head} {{ {step.mutation}{argument} {{"
        f" {written} {{ {step.reads} }} userErrors {{ field code message }} }} }}"
    )


def client_document(mutation: str) -> str:
    """The TypeScript client's operation for ``mutation``."""
    return client_operations.document(mutation[0].upper() + mutation[1:])


class _Clock:
    """The same instants for both runs: 1 ms apart from :data:`CLOCK_START`."""

    def __init__(self) -> None:
        self.ticks = 0

    def __call__(self) -> datetime:
        self.ticks += 1
        return CLOCK_START + timedelta(milliseconds=self.ticks)


def named_ids(bodies: list[bytes]) -> list[bytes]:
    """The bodies with each ULID the run made (time part at or after the clock's start)
    replaced by its order of first appearance, so two runs' answers can be compared;
    inside a cursor too (base64 of JSON that holds the row's id)."""
    names: dict[str, str] = {}

    def name(match: re.Match[str]) -> str:
        value = match.group(0)
        if ULID.from_str(value).datetime < CLOCK_START:
            return value
        return names.setdefault(value, f"new-{len(names)}".ljust(26, "_"))

    def rename(text: str) -> str:
        if _CURSOR.fullmatch(text):
            try:
                decoded = base64.urlsafe_b64decode(text.encode()).decode()
            except (ValueError, UnicodeDecodeError):
                decoded = ""
            if decoded.startswith("["):
                return "cursor:" + _ULID.sub(name, decoded)
        return _ULID.sub(name, text)

    def walk(value: Any) -> Any:
        if isinstance(value, str):
            return rename(value)
        if isinstance(value, list):
            return [walk(item) for item in value]
        if isinstance(value, dict):
            return {key: walk(item) for key, item in value.items()}
        return value

    return [json.dumps(walk(json.loads(body)), separators=(",", ":")).encode() for body in bodies]


async def world_of(engine: Any) -> World:
    users = await engine.fetch("SELECT id, username, updated_at FROM users")
    skills = await engine.fetch("SELECT slug FROM skills ORDER BY slug LIMIT 3")
    return World(
        ids={row["username"]: row["id"] for row in users},
        skills=[row["slug"] for row in skills],
        viewer_updated_at={
            row["username"]: row["updated_at"].isoformat().replace("+00:00", "Z")
            if row["updated_at"]
            else ""
            for row in users
        },
    )


async def run_story(
    schema: Any, engine: Any, world: World, steps: list[Step], last_document: str
) -> list[bytes]:
    """Every step's answer (JSON bytes), the last one selecting ``last_document``."""
    clock = _Clock()
    world.data = {}
    bodies = []
    for index, step in enumerate(steps):
        last = index == len(steps) - 1
        document = last_document if last else setup_document(step)
        made = step.input(world)
        context = Context(
            request=None,  # type: ignore[arg-type]
            response=None,  # type: ignore[arg-type]
            engine=engine,
            current_user_id=world.ids[step.viewer],
            clock=clock,
        )
        variables = {"input": made} if made is not None else {}
        result = await schema.execute(document, variables, context_value=context)
        body: dict[str, Any] = {"data": result.data}
        if result.errors:
            body["errors"] = [error.formatted for error in result.errors]
        bodies.append(json.dumps(body, separators=(",", ":")).encode())
        if last:
            break  # a generated selection may be refused (too costly): both must say so alike
        assert result.data is not None and not result.errors, (step.mutation, body)
        assert result.data[step.mutation]["userErrors"] == [], (step.mutation, body)
        world.data[step.mutation] = result.data
    return bodies


async def both_executors(engine: Any, steps: list[Step], last_document: str) -> list[bytes]:
    """The story's answers on each executor from the same state; asserts they are alike."""
    world = await world_of(engine)
    answers = []
    transaction = engine.transaction()
    await transaction.__aenter__()
    try:
        world.session = await _session_of(engine, world.ids[MAYA])
        for schema in (TEST_PATHS.compiled, TEST_PATHS.resolvers):
            savepoint = await transaction.savepoint()
            try:
                answers.append(
                    named_ids(await run_story(schema, engine, world, steps, last_document))
                )
            finally:
                await savepoint.rollback_to()
    finally:
        await transaction.rollback()
        await transaction.__aexit__(None, None, None)
    compiled, resolvers = answers
    assert compiled == resolvers, (steps[-1].mutation, last_document)
    return compiled


async def _session_of(engine: Any, user: str) -> str:
    """A live session (refresh-token family) of ``user``, on the open transaction."""
    family = str(ULID())
    await engine.fetch(
        "INSERT INTO refresh_tokens (id, user_id, token_hash, family_id, expires_at, created_at)"
        " VALUES ($1, $2, $3, $1, now() + interval '1 day', now())",
        family,
        user,
        f"differential-{family}",
    )
    return family


def test_every_mutation_has_a_scenario():
    mutation_type = GRAPHQL_SCHEMA.mutation_type
    assert mutation_type is not None
    assert set(SCENARIOS) == set(mutation_type.fields)


@pytest.mark.parametrize("mutation", sorted(SCENARIOS))
async def test_client_mutation_payloads_answer_alike(engine, mutation):
    STATS.reset()
    bodies = await both_executors(engine, SCENARIOS[mutation], client_document(mutation))
    answer = json.loads(bodies[-1])
    assert "errors" not in answer, answer
    assert answer["data"][mutation]["userErrors"] == [], answer
    # Every setup step and the last: its written row by the compiled lookup, no fallback.
    assert STATS.fallback == 0, STATS.fallbacks
    assert STATS.compiled_payloads >= len(SCENARIOS[mutation]), STATS


def _with_input_variable(document: DocumentNode, mutation: str) -> str:
    """The generated document with the root field's arguments replaced by ``input: $input``."""
    input_type = _input_type(mutation)
    operation = document.definitions[0]
    assert isinstance(operation, OperationDefinitionNode)

    def selections() -> Iterator[FieldNode]:
        for selection in operation.selection_set.selections:
            assert isinstance(selection, FieldNode)
            arguments = ()
            if input_type is not None:
                variable = VariableNode(name=NameNode(value="input"))
                arguments = (ArgumentNode(name=NameNode(value="input"), value=variable),)
            yield FieldNode(
                alias=selection.alias,
                name=selection.name,
                arguments=arguments,
                directives=selection.directives,
                selection_set=selection.selection_set,
            )

    definitions = ()
    if input_type is not None:
        definitions = (
            VariableDefinitionNode(
                variable=VariableNode(name=NameNode(value="input")),
                type=NonNullTypeNode(type=NamedTypeNode(name=NameNode(value=input_type))),
                directives=(),
            ),
        )
    rewritten = OperationDefinitionNode(
        operation=operation.operation,
        name=operation.name,
        variable_definitions=definitions,
        directives=operation.directives,
        selection_set=operation.selection_set.__class__(selections=tuple(selections())),
    )
    return print_ast(visit(DocumentNode(definitions=(rewritten,)), Tame()))


@pytest.mark.parametrize("mutation", sorted(SCENARIOS))
@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
@given(data=st.data())
async def test_generated_payload_selections_answer_alike(engine, mutation, data):
    """Selections hypothesis-graphql makes of the payload (relations, pages, unions below
    the written row) answer alike; each document holds the mutation once."""
    document = data.draw(
        mutations(
            GRAPHQL_SCHEMA,
            fields=[mutation],
            print_ast=lambda node: node,
            # The generated arguments are replaced by the scenario's `$input`.
            custom_scalars={"DateTime": st.just("2031-01-01T00:00:00Z").map(nodes.String)},
        )
    )
    operation = document.definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    if len(operation.selection_set.selections) != 1:
        return  # one write per operation (the TOO_MANY_MUTATIONS rule refuses more)
    STATS.reset()
    await both_executors(engine, SCENARIOS[mutation], _with_input_variable(document, mutation))
    # Every written row (setup steps' and the generated selection's) by its compiled
    # lookup; the only fallbacks the query differential allows too (a client's bad
    # argument below the row, a field whose resolver is hand-written).
    uncovered = {
        reason: n
        for reason, n in STATS.fallbacks.items()
        if not reason.startswith(CLIENT_ERROR_FALLBACKS) and reason not in HAND_WRITTEN
    }
    assert not uncovered, uncovered
    assert STATS.compiled_payloads >= len(SCENARIOS[mutation]) - 1, STATS
