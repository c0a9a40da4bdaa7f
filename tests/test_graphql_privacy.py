"""Emails are private: only the viewer sees their own."""

from __future__ import annotations

import pytest

from tests.graphql_client import graphql_data
from tribe_service.config import load_settings
from tribe_service.graphql.context import Context
from tribe_service.graphql.schema import build_schema

pytestmark = pytest.mark.usefixtures("seeded")

EMAILS = """{
  builders(first: 100) { nodes { id email } }
  projects(first: 100) { nodes { owner { email } collaborators { user { email } } } }
  tribes(first: 100) { nodes { owner { email } members { user { email } } } }
  feed(first: 100) { nodes { actor { email } target { ... on User { email } } } }
}"""


def emails_in(value: object) -> list[object]:
    if isinstance(value, dict):
        found = [v for k, v in value.items() if k == "email"]
        return found + [e for v in value.values() for e in emails_in(v)]
    if isinstance(value, list):
        return [e for item in value for e in emails_in(item)]
    return []


async def test_anonymous_requests_never_see_an_email(client):
    data = await graphql_data(client, EMAILS)
    emails = emails_in(data)
    assert len(emails) > 30
    assert set(emails) == {None}


async def test_the_viewer_sees_only_their_own_email(engine):
    schema = build_schema(load_settings({"ENVIRONMENT": "test"}))
    anonymous = await schema.execute(
        "{ builders(first: 100) { nodes { id } } }",
        context_value=Context(request=None, response=None, engine=engine),  # type: ignore[arg-type]
    )
    viewer_id = anonymous.data["builders"]["nodes"][0]["id"]
    context = Context(request=None, response=None, engine=engine, current_user_id=viewer_id)  # type: ignore[arg-type]
    result = await schema.execute(
        "{ builders(first: 100) { nodes { id email } } }", context_value=context
    )
    assert result.errors is None
    emails = {node["id"]: node["email"] for node in result.data["builders"]["nodes"]}
    assert emails.pop(viewer_id).endswith("@example.com")
    assert set(emails.values()) == {None}
