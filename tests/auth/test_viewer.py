"""``viewer`` and ``viewer.sessions`` on both executors, the development sign-in, budgets per
builder, and the admin's separate users and sessions."""

from __future__ import annotations

import json
import secrets

import httpx
import pytest
from piccolo.apps.user.tables import BaseUser
from piccolo_api.session_auth.tables import SessionsBase

from tests.auth.conftest import FRONTEND, client_of, make_app
from tests.auth.flow import session_cookies, viewer
from tribe_service.auth.cookies import ACCESS_COOKIE, REFRESH_COOKIE
from tribe_service.config import load_settings
from tribe_service.graphql.compiled.executor import STATS
from tribe_service.graphql.context import Context
from tribe_service.graphql.schema import build_schema
from tribe_service.statement_counting import count_statements

pytestmark = pytest.mark.usefixtures("seeded")

PROFILE = """query Me($first: Int!) {
  viewer {
    id username displayName email onboardingCompleted
    skills { name }
    projects(first: $first) { title owner { username email } }
    tribes { name members { user { username email } } }
  }
  builders(first: 3) { nodes { username email } }
}"""
# Development answers only local host names; the in-process client is `testserver`.
DEVELOPMENT = {"ENVIRONMENT": "development", "ALLOWED_HOSTS": "testserver"}
SESSIONS = "{ viewer { username sessions { id createdAt lastUsedAt userAgent current } } }"


@pytest.fixture
async def development_app(engine, oauth_server):
    """An app in development (the dev sign-in exists there); sessions removed after."""
    yield make_app(engine, oauth_server, **DEVELOPMENT)
    await engine.fetch("DELETE FROM refresh_tokens")


@pytest.fixture
async def development(development_app):
    """A browser of the development app."""
    async with client_of(development_app) as client:
        yield client


async def test_the_dev_sign_in_signs_in_as_a_seeded_builder(development, engine):
    response = await development.get("/auth/dev/sign-in", params={"username": "mayachen"})
    assert response.status_code == 200
    assert response.json() == {"signedInAs": "mayachen"}
    assert all(session_cookies(development).values())
    me = (await viewer(development)).json()["data"]["viewer"]
    maya = (await engine.fetch("SELECT id, email FROM users WHERE username = 'mayachen'"))[0]
    assert me["id"] == maya["id"] and me["email"] == maya["email"]

    sessions = (await development.post("/graphql", json={"query": SESSIONS})).json()["data"]
    [session] = sessions["viewer"]["sessions"]
    assert session["current"] is True and session["userAgent"] == "pytest-browser/1.0"

    redirect = await development.get(
        "/auth/dev/sign-in", params={"username": "mayachen", "return_to": "/me"}
    )
    assert redirect.status_code == 303 and redirect.headers["location"] == f"{FRONTEND}/me"
    for params in ({"username": "nobody"}, {}):
        unknown = await development.get("/auth/dev/sign-in", params=params)
        assert unknown.status_code == 404
        assert unknown.json()["errors"][0]["extensions"]["code"] == "UNKNOWN_BUILDER"


async def test_sessions_are_the_viewers_own_and_listed_until_signed_out(
    development, development_app
):
    async with client_of(development_app) as laptop:
        laptop.headers["user-agent"] = "Laptop Browser"
        for client in (development, laptop):
            assert (await client.get("/auth/dev/sign-in?username=mayachen")).status_code == 200
        listed = (await development.post("/graphql", json={"query": SESSIONS})).json()
        sessions = listed["data"]["viewer"]["sessions"]
        assert sorted(s["userAgent"] for s in sessions) == ["Laptop Browser", "pytest-browser/1.0"]
        assert [s["current"] for s in sessions].count(True) == 1
        # Another builder's sessions are nobody else's business.
        other = await development.post(
            "/graphql", json={"query": '{ user(username: "jamesokafor") { sessions { id } } }'}
        )
        assert other.json()["data"]["user"]["sessions"] is None
        assert (await laptop.post("/auth/sign-out")).status_code == 204
        left = (await development.post("/graphql", json={"query": SESSIONS})).json()
        assert [s["userAgent"] for s in left["data"]["viewer"]["sessions"]] == [
            "pytest-browser/1.0"
        ]


class Paths:
    def __init__(self) -> None:
        settings = load_settings({"ENVIRONMENT": "test"})
        self.compiled = build_schema(settings)
        self.resolvers = build_schema(settings, compiled=False)


PATHS = Paths()


async def answer(schema, engine, document: str, viewer_id: str | None) -> bytes:
    context = Context(request=None, response=None, engine=engine, current_user_id=viewer_id)  # type: ignore[arg-type]
    result = await schema.execute(document, {"first": 5}, context_value=context)
    body = {
        "data": result.data,
        **({"errors": [e.formatted for e in result.errors]} if result.errors else {}),
    }
    return json.dumps(body).encode()


async def test_viewer_answers_alike_on_both_executors_and_compiles(engine):
    maya = (await engine.fetch("SELECT id, email FROM users WHERE username = 'mayachen'"))[0]
    for viewer_id in (maya["id"], None):
        STATS.reset()
        with count_statements() as counter:
            compiled = await answer(PATHS.compiled, engine, PROFILE, viewer_id)
        assert STATS.compiled == 1 and STATS.fallback == 0, STATS.fallbacks
        assert counter.count == (2 if viewer_id else 1)  # the viewer's row, the builders' page
        resolvers = await answer(PATHS.resolvers, engine, PROFILE, viewer_id)
        assert compiled == resolvers
    data = json.loads(compiled)["data"]
    assert data["viewer"] is None
    signed_in = json.loads(await answer(PATHS.compiled, engine, PROFILE, maya["id"]))["data"]
    assert signed_in["viewer"]["email"] == maya["email"]
    # Maya's email shows wherever she appears, nobody else's anywhere.
    emails = {b["username"]: b["email"] for b in signed_in["builders"]["nodes"]}
    assert all(email in (None, maya["email"]) for email in emails.values())


async def test_signed_in_builders_are_rate_limited_each_on_their_own(engine, oauth_server):
    # One address (the in-process client), three budgets: Maya's, James's, and anonymous.
    app = make_app(engine, oauth_server, **DEVELOPMENT, RATE_LIMIT_POINTS_PER_MINUTE="50")
    query = {"query": "{ feed(first: 20) { nodes { id actor { id } } } }"}  # 42 points
    try:
        async with client_of(app) as maya, client_of(app) as james, client_of(app) as anonymous:
            await maya.get("/auth/dev/sign-in?username=mayachen")
            await james.get("/auth/dev/sign-in?username=jamesokafor")
            assert (await maya.post("/graphql", json=query)).status_code == 200
            spent = await maya.post("/graphql", json=query)
            assert spent.status_code == 429
            assert spent.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
            assert (await james.post("/graphql", json=query)).status_code == 200
            assert (await anonymous.post("/graphql", json=query)).status_code == 200
            # Signing out does not reset a budget: back on the address's, which is spent now.
            assert (await anonymous.post("/graphql", json=query)).status_code == 429
    finally:
        await engine.fetch("DELETE FROM refresh_tokens")


async def test_a_builders_session_opens_no_admin_door(development):
    assert (await development.get("/auth/dev/sign-in?username=mayachen")).status_code == 200
    for path in ("/admin/api/tables/", "/admin/api/tables/users/", "/admin/api/user/"):
        response = await development.get(path)
        assert response.status_code == 401, (path, response.status_code)


@pytest.mark.filterwarnings("ignore:If running sessions in production:UserWarning")
async def test_an_admin_session_is_no_builder_session(development_app):
    username, password = f"admin_{secrets.token_hex(4)}", secrets.token_urlsafe(16)
    admin_user = await BaseUser.create_user(
        username=username,
        password=password,
        email=f"{username}@example.com",
        admin=True,
        superuser=True,
        active=True,
    )
    try:
        async with client_of(development_app) as admin:
            admin.base_url = httpx.URL("http://testserver")
            del admin.headers["origin"]
            page = await admin.get("/admin/")
            assert page.status_code == 200
            login = await admin.post(
                "/admin/public/login/",
                json={"username": username, "password": password},
                headers={"X-CSRFToken": admin.cookies["csrftoken"]},
            )
            assert login.status_code == 200
            assert (await admin.get("/admin/api/tables/")).status_code == 200
            assert not {ACCESS_COOKIE, REFRESH_COOKIE} & set(admin.cookies.keys())
            me = await admin.post("/graphql", json={"query": "{ viewer { id } }"})
            assert me.status_code == 200 and me.json()["data"] == {"viewer": None}
            refresh = await admin.post("/auth/refresh")
            assert refresh.status_code == 401
    finally:
        await SessionsBase.delete().where(SessionsBase.user_id == admin_user.id)
        await BaseUser.delete().where(BaseUser.id == admin_user.id)
