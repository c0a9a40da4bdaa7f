"""Signing in with GitHub (through a real OAuth server process), and what it creates."""

from __future__ import annotations

import pytest

from tests.auth.conftest import FRONTEND
from tests.auth.flow import VIEWER, session_cookies, sign_in, start, viewer
from tests.oauth_server import GitHubAccount
from tribe_service.auth.cookies import SIGN_IN_COOKIE

pytestmark = pytest.mark.usefixtures("seeded")

OCTO = GitHubAccount(id=583231, login="OctoBuilder", name="Octo Builder", email="octo@github.test")


async def test_first_sign_in_creates_the_builder_and_later_ones_find_them(
    browser, oauth_server, engine
):
    oauth_server.sign_in_as(OCTO)
    response = await sign_in(browser, return_to="/projects?tab=mine")
    assert response.status_code == 303, response.text
    assert response.headers["location"] == f"{FRONTEND}/projects?tab=mine"
    cookies = session_cookies(browser)
    assert all(cookies.values()), cookies
    assert not browser.cookies.get(SIGN_IN_COOKIE)  # used once, then cleared

    body = (await viewer(browser)).json()
    me = body["data"]["viewer"]
    assert me["username"] == "octobuilder"
    assert me["displayName"] == "Octo Builder"
    assert me["email"] == "octo@github.test"
    assert me["onboardingCompleted"] is False
    assert me["githubUsername"] == "OctoBuilder"
    [row] = await engine.fetch("SELECT github_id, avatar_url FROM users WHERE id = $1", me["id"])
    assert row["github_id"] == OCTO.id
    assert row["avatar_url"].endswith(f"/u/{OCTO.id}")

    # GitHub login renamed: the same builder (by numeric id), the new login noted.
    oauth_server.sign_in_as(GitHubAccount(id=OCTO.id, login="octo-renamed", name="Other"))
    again = await sign_in(browser)
    assert again.status_code == 303
    me_again = (await viewer(browser)).json()["data"]["viewer"]
    assert me_again["id"] == me["id"]
    assert me_again["githubUsername"] == "octo-renamed"
    assert me_again["displayName"] == "Octo Builder"  # the builder's own profile is kept
    assert (await engine.fetch("SELECT count(*) FROM users WHERE github_id = $1", OCTO.id))[0][
        0
    ] == 1


async def test_a_taken_username_gets_a_suffix_and_an_email_is_never_matched(
    browser, oauth_server, engine
):
    maya = (await engine.fetch("SELECT id, email FROM users WHERE username = 'mayachen'"))[0]
    # A GitHub user whose login is a builder's username and whose email is Maya's.
    oauth_server.sign_in_as(GitHubAccount(id=991, login="MayaChen", email=maya["email"]))
    assert (await sign_in(browser)).status_code == 303
    me = (await viewer(browser)).json()["data"]["viewer"]
    assert me["id"] != maya["id"]  # not Maya's account: emails match nothing
    assert me["username"] == "mayachen-2"
    assert me["email"] is None  # the address belongs to another builder
    unchanged = await engine.fetch("SELECT email FROM users WHERE id = $1", maya["id"])
    assert unchanged[0]["email"] == maya["email"]


async def test_signed_out_viewer_is_null(browser):
    response = await browser.post("/graphql", json={"query": VIEWER})
    assert response.status_code == 200
    assert response.json() == {"data": {"viewer": None}}


async def test_start_without_return_to_goes_back_to_the_frontend_root(browser, oauth_server):
    oauth_server.sign_in_as(OCTO)
    authorize_url = await start(browser, return_to=None)
    assert "code_challenge_method=S256" in authorize_url
    assert "code_challenge=" in authorize_url and "state=" in authorize_url
    from tests.auth.flow import authorize

    response = await browser.get(await authorize(authorize_url))
    assert response.headers["location"] == f"{FRONTEND}/"


async def test_without_github_settings_start_says_so(engine, oauth_server):
    from tests.auth.conftest import app_client

    async with app_client(engine, oauth_server, GITHUB_CLIENT_ID="", GITHUB_CLIENT_SECRET="") as c:
        response = await c.get("/auth/github/start")
    assert response.status_code == 503
    assert response.json()["errors"][0]["extensions"]["code"] == "GITHUB_NOT_CONFIGURED"


async def test_production_without_a_session_secret_refuses_sign_in_and_ignores_cookies(
    engine, oauth_server
):
    from tests.auth.conftest import app_client
    from tests.auth.flow import put_cookie
    from tribe_service.auth.cookies import ACCESS_COOKIE

    environ = {"ENVIRONMENT": "production", "SESSION_SECRET": "", "ALLOWED_HOSTS": "testserver"}
    async with app_client(engine, oauth_server, **environ) as client:
        start = await client.get("/auth/github/start")
        assert start.status_code == 503
        assert start.json()["errors"][0]["extensions"]["code"] == "SIGN_IN_NOT_CONFIGURED"
        put_cookie(client, ACCESS_COOKIE, "anything", "/")
        response = await viewer(client)
        assert response.status_code == 200 and response.json()["data"] == {"viewer": None}
