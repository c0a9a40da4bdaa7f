"""Abusive and malformed requests: clear errors, never a 500, nothing internal."""

from __future__ import annotations

import base64
import json

import pytest

from tests.graphql_client import error_messages, graphql

pytestmark = pytest.mark.usefixtures("seeded")

INTERNALS = ("Traceback", "asyncpg", "SELECT ", "piccolo", "tribe:tribe", 'File "')


def error_codes(body: dict) -> set[str]:
    return {error["extensions"]["code"] for error in body["errors"]}


def assert_nothing_internal(text: str) -> None:
    for marker in INTERNALS:
        assert marker not in text, marker


@pytest.mark.parametrize("first", [0, -1, 101, 10_000])
async def test_page_size_outside_1_to_100_is_refused(client, first):
    body = await graphql(
        client, "query($f: Int!) { feed(first: $f) { nodes { id } } }", {"f": first}
    )
    assert body["data"] == {"feed": None}
    [error] = body["errors"]
    assert error["message"] == f"`first` must be between 1 and 100 (got {first})."
    assert error["extensions"]["code"] == "INVALID_PAGE_SIZE"


def _cursor(payload: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode()


@pytest.mark.parametrize(
    "cursor",
    [
        "not a cursor",
        "%%%",
        base64.urlsafe_b64encode(b"\xff\xfe").decode(),
        _cursor({"a": 1}),
        _cursor(["feed", "yesterday", "x"]),
        _cursor(["feed", "2026-01-01T00:00:00", "x"]),  # naive timestamp
        _cursor(["builders", 50.0, "01ARZ3NDEKTSV4RRFFQ69G5FAV"]),  # another list's cursor
    ],
)
async def test_a_cursor_that_does_not_decode_is_refused(client, cursor):
    body = await graphql(
        client, "query($a: String!) { feed(first: 2, after: $a) { nodes { id } } }", {"a": cursor}
    )
    [error] = body["errors"]
    assert error["message"].startswith("`after` is not a valid cursor for this list")
    assert error["extensions"]["code"] == "INVALID_CURSOR"


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        ("query($u: String!) { user(username: $u) { id } }", {"u": "a\u0000b"}),
        ("query($i: ID!) { project(id: $i) { id } }", {"i": "\u0000"}),
        ("query($i: ID!) { tribe(id: $i) { id owner { id } } }", {"i": "x\u0000"}),
        (
            "query($a: String!) { feed(first: 2, after: $a) { nodes { id } } }",
            {"a": _cursor(["feed", "2026-01-01T00:00:00+00:00", "\u0000"])},
        ),
    ],
)
async def test_nul_in_a_text_argument_is_a_clear_error(client, caplog, query, variables):
    # Found by schemathesis (`just stress`): PostgreSQL refuses NUL in text, and
    # asyncpg's CharacterNotInRepertoireError used to surface as an unexpected error.
    response = await client.post("/graphql", json={"query": query, "variables": variables})
    assert response.status_code == 200
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "INVALID_TEXT"
    assert "NUL" in error["message"]
    assert_nothing_internal(response.text)
    assert not [record for record in caplog.records if record.levelname == "ERROR"]


async def test_200_aliases_are_refused(client):
    query = "{ " + " ".join(f"a{i}: health" for i in range(200)) + " }"
    body = await graphql(client, query)
    assert body.get("data") is None
    assert any("aliases" in message.lower() for message in error_messages(body))
    assert error_codes(body) == {"TOO_MANY_ALIASES"}


async def test_a_14_deep_query_is_refused(client):
    inner = "title"
    for _ in range(6):
        inner = f"owner {{ projects {{ {inner} }} }}"
    query = f"{{ projects(first: 1) {{ nodes {{ {inner} }} }} }}"
    body = await graphql(client, query)
    assert body.get("data") is None
    assert any("exceeds maximum operation depth" in m for m in error_messages(body))
    assert error_codes(body) == {"QUERY_TOO_DEEP"}


async def test_too_many_tokens_are_refused(client):
    query = "{ " + " ".join("health" for _ in range(2100)) + " }"
    body = await graphql(client, query)
    assert any("token" in message.lower() for message in error_messages(body))
    assert error_codes(body) == {"TOO_MANY_TOKENS"}


async def test_unknown_field_is_a_clear_error(client):
    body = await graphql(client, "{ nosuchfield }")
    assert error_messages(body) == ["Cannot query field 'nosuchfield' on type 'Query'."]
    assert error_codes(body) == {"GRAPHQL_VALIDATION_FAILED"}


async def test_syntax_error_is_a_clear_error(client):
    response = await client.post("/graphql", json={"query": "{ health "})
    assert response.status_code in (200, 400)
    assert "Syntax Error" in response.json()["errors"][0]["message"]
    assert error_codes(response.json()) == {"GRAPHQL_PARSE_FAILED"}


async def test_body_that_is_not_json_is_a_400(client):
    response = await client.post(
        "/graphql", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert_nothing_internal(response.text)


async def test_missing_query_is_a_400(client):
    response = await client.post("/graphql", json={"variables": {}})
    assert response.status_code == 400


async def test_wrong_variable_type_is_a_clear_error(client):
    body = await graphql(client, "query($f: Int!) { feed(first: $f) { nodes { id } } }", {"f": "x"})
    assert "Int cannot represent non-integer value" in error_messages(body)[0]
    assert error_codes(body) == {"BAD_USER_INPUT"}


@pytest.mark.parametrize(
    ("query", "codes"),
    [
        # a 5,000-character id is simply no project
        ('{ project(id: "%s") { id } }' % ("x" * 5000), set()),
        ('{ user(username: "\\u0000") { id } }', {"INVALID_TEXT"}),
        ("{ builders(role: WIZARD) { nodes { id } } }", {"GRAPHQL_VALIDATION_FAILED"}),
        ('{ feed(first: 2, after: "") { nodes { id } } }', {"INVALID_CURSOR"}),
    ],
)
async def test_odd_arguments_never_500(client, query, codes):
    response = await client.post("/graphql", json={"query": query})
    assert response.status_code == 200
    body = response.json()
    assert {error["extensions"]["code"] for error in body.get("errors", [])} == codes
    assert_nothing_internal(response.text)
