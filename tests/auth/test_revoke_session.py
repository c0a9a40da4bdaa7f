"""``revokeSession``: a builder ends one of their own sessions, and only their own.

Maya is signed in on a laptop and a phone (two browsers of a development app). From
the laptop she revokes the phone's session: the phone's refresh token is refused
(``REFRESH_TOKEN_REVOKED``) and its access token too (``SESSION_REVOKED``), while the
laptop goes on working. Someone else's session, an unknown id or one already ended
is ``NOT_FOUND``, and nothing changes.
"""

from __future__ import annotations

import pytest

from tests.auth.conftest import dev_signed_in, make_app
from tests.auth.flow import viewer

pytestmark = pytest.mark.usefixtures("seeded")

REVOKE = """
mutation ($input: RevokeSessionInput!) {
  revokeSession(input: $input) {
    revokedSessionId
    viewer { username sessions { id current } }
    userErrors { field code }
  }
}"""
SESSIONS = "{ viewer { sessions { id current } } }"


@pytest.fixture
async def app(engine, oauth_server):
    """A development app (its sign-in); every session removed after."""
    yield make_app(engine, oauth_server, ENVIRONMENT="development", ALLOWED_HOSTS="testserver")
    await engine.fetch("DELETE FROM refresh_tokens")


async def current_session(client) -> str:
    answer = await client.post("/graphql", json={"query": SESSIONS})
    sessions = answer.json()["data"]["viewer"]["sessions"]
    return next(session["id"] for session in sessions if session["current"])


async def revoke(client, session_id: str) -> dict:
    answer = await client.post(
        "/graphql", json={"query": REVOKE, "variables": {"input": {"sessionId": session_id}}}
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert "errors" not in body, body
    return body["data"]["revokeSession"]


async def live_tokens(engine) -> list[tuple[str, str]]:
    rows = await engine.fetch(
        "SELECT family_id, token_hash FROM refresh_tokens WHERE revoked_at IS NULL ORDER BY 1, 2"
    )
    return [(row[0], row[1]) for row in rows]


async def test_revoking_a_session_refuses_its_tokens_and_leaves_the_others(app, engine):
    async with (
        dev_signed_in(app, "mayachen") as laptop,
        dev_signed_in(app, "mayachen") as phone,
    ):
        laptop_session, phone_session = await current_session(laptop), await current_session(phone)
        assert laptop_session != phone_session

        payload = await revoke(laptop, phone_session)
        assert payload["revokedSessionId"] == phone_session
        assert payload["userErrors"] == []
        assert payload["viewer"] == {
            "username": "mayachen",
            "sessions": [{"id": laptop_session, "current": True}],
        }

        # The phone's access token is refused at once; its refresh token too.
        answer = await viewer(phone)
        assert answer.status_code == 401
        assert answer.json()["errors"][0]["extensions"]["code"] == "SESSION_REVOKED"
        refreshed = await phone.post("/auth/refresh")
        assert refreshed.status_code == 401
        assert refreshed.json()["errors"][0]["extensions"]["code"] == "REFRESH_TOKEN_REVOKED"

        # The laptop goes on: its queries, and its refresh.
        answer = await viewer(laptop)
        assert answer.status_code == 200
        assert answer.json()["data"]["viewer"]["username"] == "mayachen"
        assert (await laptop.post("/auth/refresh")).status_code == 200
        assert (await viewer(laptop)).json()["data"]["viewer"]["username"] == "mayachen"

        # Ended already: NOT_FOUND, nothing changes.
        before = await live_tokens(engine)
        again = await revoke(laptop, phone_session)
        assert again["revokedSessionId"] is None
        assert again["userErrors"] == [{"field": None, "code": "NOT_FOUND"}]
        assert await live_tokens(engine) == before


@pytest.mark.parametrize("target", ["another builder's", "an unknown"])
async def test_someone_elses_session_or_an_unknown_one_is_not_found(app, engine, target):
    async with (
        dev_signed_in(app, "mayachen") as maya,
        dev_signed_in(app, "tomnakamura") as tom,
    ):
        session = await current_session(maya) if target == "another builder's" else "01JZZZZZZZ"
        before = await live_tokens(engine)
        payload = await revoke(tom, session)
        assert payload["revokedSessionId"] is None
        assert payload["userErrors"] == [{"field": None, "code": "NOT_FOUND"}]
        assert await live_tokens(engine) == before
        assert (await viewer(maya)).json()["data"]["viewer"]["username"] == "mayachen"
