"""Every attack on sign-in and sessions is refused with a code, and changes nothing.

"Nothing changed" is read from the database: no builder created, no session
started or extended, no live token minted; and from the cookies: none set.
"""

from __future__ import annotations

import asyncio
import time

import jwt
import pytest

from tests.auth.conftest import (
    FRONTEND,
    SESSION_SECRET,
    app_client,
    client_of,
    forget_github_builders,
    make_app,
)
from tests.auth.flow import (
    authorize,
    live_tokens,
    put_cookie,
    query,
    refresh_rows,
    session_cookies,
    sign_in,
    start,
    viewer,
)
from tests.oauth_server import GitHubAccount
from tribe_service.auth.cookies import ACCESS_COOKIE, REFRESH_COOKIE, SIGN_IN_COOKIE

pytestmark = pytest.mark.usefixtures("seeded")

ALICE = GitHubAccount(id=424242, login="alice-gh", name="Alice", email="alice@github.test")
MALLORY = GitHubAccount(id=666, login="mallory", name="Mallory", email="mallory@evil.test")


def code_of(body: dict) -> str:
    [error] = body["errors"]
    return error["extensions"]["code"]


async def counts(engine) -> tuple[int, int]:
    """(builders from GitHub, refresh tokens): what a refused attack must leave alone."""
    users = (await engine.fetch("SELECT count(*) FROM users WHERE github_id IS NOT NULL"))[0][0]
    tokens = (await engine.fetch("SELECT count(*) FROM refresh_tokens"))[0][0]
    return users, tokens


def strip(url: str, parameter: str) -> str:
    base, _, query_string = url.partition("?")
    kept = [part for part in query_string.split("&") if not part.startswith(f"{parameter}=")]
    return f"{base}?{'&'.join(kept)}"


# -- the authorization-code flow -------------------------------------------------------


async def test_a_callback_without_state_is_refused(browser, oauth_server, engine):
    oauth_server.sign_in_as(ALICE)
    callback = await authorize(await start(browser))
    before = await counts(engine)
    response = await browser.get(strip(callback, "state"))
    assert response.status_code == 400
    assert code_of(response.json()) == "OAUTH_STATE_MISSING"
    assert await counts(engine) == before
    assert not any(session_cookies(browser).values())


async def test_a_callback_in_a_browser_that_started_no_sign_in_is_refused(
    browser, oauth_server, engine
):
    # Login CSRF: Mallory's own callback URL (her code, her state) opened in Alice's browser.
    oauth_server.sign_in_as(MALLORY)
    async with app_client(engine, oauth_server) as mallory:
        callback = await authorize(await start(mallory))
    before = await counts(engine)
    response = await browser.get(callback)
    assert response.status_code == 400
    assert code_of(response.json()) == "OAUTH_STATE_MISSING"
    assert await counts(engine) == before
    assert not any(session_cookies(browser).values())


async def test_a_wrong_state_is_refused_and_the_real_sign_in_still_works(
    browser, oauth_server, engine
):
    oauth_server.sign_in_as(ALICE)
    callback = await authorize(await start(browser))
    state = query(callback)["state"]
    before = await counts(engine)
    response = await browser.get(callback.replace(f"state={state}", "state=forged" + state[6:]))
    assert response.status_code == 400
    assert code_of(response.json()) == "OAUTH_STATE_MISMATCH"
    assert await counts(engine) == before
    assert not any(session_cookies(browser).values())
    # The forged callback did not use up the browser's own pending sign-in.
    assert (await browser.get(callback)).status_code == 303


async def test_a_code_injected_with_another_verifier_is_refused(browser, oauth_server, engine):
    # Alice's code (leaked, say, from a log) replayed in Mallory's browser, with Mallory's
    # own state: the state matches Mallory's cookie, but PKCE binds the code to Alice's
    # verifier, so the token endpoint refuses it.
    oauth_server.sign_in_as(ALICE)
    alice_callback = await authorize(await start(browser))
    async with app_client(engine, oauth_server) as mallory:
        mallory_state = query(await start(mallory))["state"]
        before = await counts(engine)
        stolen = query(alice_callback)["code"]
        response = await mallory.get(
            "/auth/github/callback", params={"code": stolen, "state": mallory_state}
        )
        assert response.status_code == 400
        assert code_of(response.json()) == "OAUTH_CODE_REJECTED"
        assert not any(session_cookies(mallory).values())
    assert await counts(engine) == before


async def test_a_replayed_authorization_code_is_refused(browser, oauth_server, engine):
    oauth_server.sign_in_as(ALICE)
    callback = await authorize(await start(browser))
    pending_cookie = browser.cookies.get(SIGN_IN_COOKIE)
    assert (await browser.get(callback)).status_code == 303
    before = await counts(engine)

    # The same URL again (history, a shared link): the state cookie is gone.
    browser.cookies.delete(ACCESS_COOKIE)
    browser.cookies.delete(REFRESH_COOKIE)
    replay = await browser.get(callback)
    assert replay.status_code == 400
    assert code_of(replay.json()) == "OAUTH_STATE_MISSING"

    # Even with the state cookie put back (same state, same verifier), the code is spent.
    put_cookie(browser, SIGN_IN_COOKIE, pending_cookie, "/auth/github")
    replay = await browser.get(callback)
    assert replay.status_code == 400
    assert code_of(replay.json()) == "OAUTH_CODE_REJECTED"
    assert await counts(engine) == before
    assert not any(session_cookies(browser).values())


@pytest.mark.parametrize(
    "return_to",
    [
        "https://evil.test/",
        "//evil.test/path",
        "/\\evil.test",
        "javascript:alert(1)",
        "evil.test",
        "/ok\r\nLocation: https://evil.test",
    ],
)
async def test_return_to_off_site_is_refused(browser, engine, return_to):
    before = await counts(engine)
    response = await browser.get("/auth/github/start", params={"return_to": return_to})
    assert response.status_code == 400
    assert code_of(response.json()) == "INVALID_RETURN_TO"
    assert "location" not in response.headers
    assert SIGN_IN_COOKIE not in response.cookies
    assert await counts(engine) == before


# -- refresh tokens ---------------------------------------------------------------------


async def signed_in(client, oauth_server, account: GitHubAccount = ALICE) -> None:
    oauth_server.sign_in_as(account)
    response = await sign_in(client)
    assert response.status_code == 303, response.text


@pytest.fixture
async def forget_after(engine):
    yield
    await forget_github_builders(engine)


@pytest.mark.usefixtures("forget_after")
async def test_a_reused_refresh_token_revokes_the_whole_family(engine, oauth_server):
    # No grace period, so the reuse is theft whatever the timing.
    app = make_app(engine, oauth_server, REFRESH_REUSE_GRACE_SECONDS="0")
    async with client_of(app) as victim, client_of(app) as thief:
        await signed_in(victim, oauth_server)
        stolen = victim.cookies.get(REFRESH_COOKIE)
        first = await victim.post("/auth/refresh")
        assert first.status_code == 200 and first.json()["refreshed"] is True
        newest = victim.cookies.get(REFRESH_COOKIE)
        assert newest != stolen
        [family] = {row["family_id"] for row in await refresh_rows(engine)}
        assert len(await live_tokens(engine, family)) == 1

        put_cookie(thief, REFRESH_COOKIE, stolen, "/auth")
        reuse = await thief.post("/auth/refresh")
        assert reuse.status_code == 401
        assert code_of(reuse.json()) == "REFRESH_TOKEN_REUSED"
        assert await live_tokens(engine, family) == []

        # The newest token fails too, and so does the victim's access token.
        access = victim.cookies.get(ACCESS_COOKIE)
        after = await victim.post("/auth/refresh")
        assert after.status_code == 401
        assert code_of(after.json()) == "REFRESH_TOKEN_REVOKED"
        assert not any(session_cookies(victim).values())  # cleared by the refusal
        put_cookie(victim, ACCESS_COOKIE, access, "/")
        response = await viewer(victim)
        assert response.status_code == 401
        assert code_of(response.json()) == "SESSION_REVOKED"
        rows = await refresh_rows(engine)
        assert len(rows) == 2 and all(row["revoked_at"] is not None for row in rows)


@pytest.mark.usefixtures("forget_after")
async def test_a_rotated_token_from_another_browser_within_the_grace_period_is_theft(
    engine, oauth_server
):
    app = make_app(engine, oauth_server, REFRESH_REUSE_GRACE_SECONDS="60")
    async with client_of(app) as victim, client_of(app) as thief:
        await signed_in(victim, oauth_server)
        stolen = victim.cookies.get(REFRESH_COOKIE)
        assert (await victim.post("/auth/refresh")).status_code == 200
        thief.headers["user-agent"] = "curl/8.0"
        put_cookie(thief, REFRESH_COOKIE, stolen, "/auth")
        reuse = await thief.post("/auth/refresh")
        assert reuse.status_code == 401
        assert code_of(reuse.json()) == "REFRESH_TOKEN_REUSED"
        assert await live_tokens(engine) == []


async def refresh_together(app, token: str, tabs: int) -> list:
    """``tabs`` clients of ``app`` refresh with the same token at the same moment."""
    clients = [client_of(app) for _ in range(tabs)]
    for client in clients:
        put_cookie(client, REFRESH_COOKIE, token, "/auth")
    try:
        return list(await asyncio.gather(*(c.post("/auth/refresh") for c in clients)))
    finally:
        for client in clients:
            await client.aclose()


@pytest.mark.usefixtures("forget_after")
async def test_concurrent_refreshes_mint_exactly_one_live_successor(engine, oauth_server):
    app = make_app(engine, oauth_server, REFRESH_REUSE_GRACE_SECONDS="60")
    async with client_of(app) as tab:
        await signed_in(tab, oauth_server)
        token = tab.cookies.get(REFRESH_COOKIE)
    [original] = await refresh_rows(engine)
    # Eight tabs of one browser refresh with the same token at once.
    answers = await refresh_together(app, token, 8)
    assert [a.status_code for a in answers] == [200] * 8, [a.text for a in answers]
    rotated = [a for a in answers if a.json()["refreshed"]]
    assert len(rotated) == 1  # the others got an access token only (grace period)
    assert all(REFRESH_COOKIE not in a.cookies for a in answers if a not in rotated)

    rows = await refresh_rows(engine)
    live = await live_tokens(engine, original["family_id"])
    assert len(rows) == 2 and len(live) == 1
    [successor] = live
    assert successor["id"] != original["id"]
    used = next(row for row in rows if row["id"] == original["id"])
    assert used["replaced_by"] == successor["id"] and used["revoked_at"] is not None


@pytest.mark.usefixtures("forget_after")
async def test_concurrent_refreshes_without_grace_never_leave_two_live_tokens(engine, oauth_server):
    # Without a grace period the losers look like theft: the family dies. Never two live.
    app = make_app(engine, oauth_server, REFRESH_REUSE_GRACE_SECONDS="0")
    async with client_of(app) as tab:
        await signed_in(tab, oauth_server)
        token = tab.cookies.get(REFRESH_COOKIE)
    answers = await refresh_together(app, token, 4)
    assert sorted(a.status_code for a in answers) == [200, 401, 401, 401]
    assert {code_of(a.json()) for a in answers if a.status_code == 401} <= {
        "REFRESH_TOKEN_REUSED",
        "REFRESH_TOKEN_REVOKED",
    }
    assert len(await refresh_rows(engine)) == 2  # one successor minted, no more
    assert await live_tokens(engine) == []


async def test_an_unknown_or_missing_refresh_token_is_refused(browser, engine):
    missing = await browser.post("/auth/refresh")
    assert missing.status_code == 401
    assert code_of(missing.json()) == "REFRESH_TOKEN_MISSING"
    put_cookie(browser, REFRESH_COOKIE, "made-up", "/auth")
    unknown = await browser.post("/auth/refresh")
    assert unknown.status_code == 401
    assert code_of(unknown.json()) == "REFRESH_TOKEN_INVALID"
    assert await counts(engine) == (0, 0)


async def test_sign_out_revokes_the_family_and_the_access_token_with_it(
    browser, oauth_server, engine
):
    await signed_in(browser, oauth_server)
    access = browser.cookies.get(ACCESS_COOKIE)
    assert (await browser.post("/auth/refresh")).status_code == 200
    out = await browser.post("/auth/sign-out")
    assert out.status_code == 204
    assert not any(session_cookies(browser).values())
    assert await live_tokens(engine) == []
    # A copy of the access token taken before signing out is dead at once.
    put_cookie(browser, ACCESS_COOKIE, access, "/")
    response = await viewer(browser)
    assert response.status_code == 401
    assert code_of(response.json()) == "SESSION_REVOKED"


# -- access tokens ----------------------------------------------------------------------


def forged(claims: dict, key: str = SESSION_SECRET, algorithm: str = "HS256") -> str:
    return jwt.encode({"aud": "tribe-api", **claims}, key, algorithm=algorithm)


async def test_an_expired_or_tampered_access_token_is_refused(browser, oauth_server, engine):
    await signed_in(browser, oauth_server)
    genuine = browser.cookies.get(ACCESS_COOKIE)
    claims = jwt.decode(genuine, SESSION_SECRET, algorithms=["HS256"], audience="tribe-api")
    maya = (await engine.fetch("SELECT id FROM users WHERE username = 'mayachen'"))[0]["id"]
    header, _, signature = genuine.split(".")
    other_payload = forged({**claims, "sub": maya}).split(".")[1]
    attempts = {
        "expired": (forged({**claims, "exp": time.time() - 1}), "ACCESS_TOKEN_EXPIRED"),
        "another builder, same signature": (
            f"{header}.{other_payload}.{signature}",
            "ACCESS_TOKEN_INVALID",
        ),
        "signed with another key": (
            forged({**claims, "sub": maya}, key="x" * 40),
            "ACCESS_TOKEN_INVALID",
        ),
        "alg none": (
            jwt.encode({**claims, "sub": maya}, None, algorithm="none"),
            "ACCESS_TOKEN_INVALID",
        ),
        "garbage": ("not.a.token", "ACCESS_TOKEN_INVALID"),
        "a sign-in state token": (
            jwt.encode({**claims, "aud": "tribe-sign-in"}, SESSION_SECRET, algorithm="HS256"),
            "ACCESS_TOKEN_INVALID",
        ),
    }
    for name, (token, code) in attempts.items():
        put_cookie(browser, ACCESS_COOKIE, token, "/")
        response = await viewer(browser)
        assert response.status_code == 401, name
        assert code_of(response.json()) == code, name
        assert response.json()["data"] is None, name
    put_cookie(browser, ACCESS_COOKIE, genuine, "/")
    assert (await viewer(browser)).json()["data"]["viewer"]["username"] == "alice-gh"


# -- cross-site requests ----------------------------------------------------------------


async def test_a_cross_origin_post_with_the_cookie_is_refused(browser, oauth_server, engine):
    await signed_in(browser, oauth_server)
    evil = {"origin": "https://evil.test"}
    refused = [
        await browser.post("/graphql", json={"query": "{ viewer { email } }"}, headers=evil),
        await browser.post("/auth/sign-out", headers=evil),
        await browser.post("/auth/refresh", headers=evil),
        # An opaque origin (a sandboxed frame): refused whatever the Referer says.
        await browser.post(
            "/auth/sign-out", headers={"origin": "null", "referer": f"{FRONTEND}/page"}
        ),
    ]
    for response in refused:
        assert response.status_code == 403, response.text
        assert code_of(response.json()) == "CROSS_ORIGIN_REQUEST"
    assert len(await live_tokens(engine)) == 1  # not signed out, not rotated
    # A browser that sends no Origin but says the request is cross-site: refused.
    del browser.headers["origin"]
    fetched = await browser.post("/auth/sign-out", headers={"sec-fetch-site": "cross-site"})
    assert fetched.status_code == 403
    assert code_of(fetched.json()) == "CROSS_ORIGIN_REQUEST"
    assert len(await live_tokens(engine)) == 1
    # The frontend's own page, by Referer alone, is fine.
    ok = await browser.post(
        "/graphql", json={"query": "{ viewer { username } }"}, headers={"referer": f"{FRONTEND}/x"}
    )
    assert ok.status_code == 200 and ok.json()["data"]["viewer"]["username"] == "alice-gh"


async def test_a_referer_from_another_site_is_refused(browser, oauth_server, engine):
    await signed_in(browser, oauth_server)
    del browser.headers["origin"]
    response = await browser.post("/auth/sign-out", headers={"referer": "https://evil.test/x"})
    assert response.status_code == 403
    assert code_of(response.json()) == "CROSS_ORIGIN_REQUEST"
    assert len(await live_tokens(engine)) == 1


async def test_a_program_without_origin_or_referer_may_use_its_cookie(browser, oauth_server):
    # curl, a server-side renderer: no web page can send a request without Origin.
    await signed_in(browser, oauth_server)
    del browser.headers["origin"]
    response = await browser.post("/graphql", json={"query": "{ viewer { username } }"})
    assert response.status_code == 200
    assert response.json()["data"]["viewer"]["username"] == "alice-gh"


async def test_without_a_session_cookie_any_origin_may_read_the_public_api(browser):
    response = await browser.post(
        "/graphql", json={"query": "{ viewer { id } health }"}, headers={"origin": "https://x.test"}
    )
    assert response.status_code == 200
    assert response.json()["data"] == {"viewer": None, "health": "ok"}


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data"]
)
async def test_graphql_takes_no_form_or_text_posts(browser, oauth_server, content_type):
    # What an HTML form can send without a CORS preflight: refused before anything runs.
    await signed_in(browser, oauth_server)
    response = await browser.post(
        "/graphql",
        content=b'{"query": "{ viewer { email } }"}',
        headers={"content-type": content_type},
    )
    assert 400 <= response.status_code < 500
    assert b"@github.test" not in response.content


# -- the development sign-in ------------------------------------------------------------


@pytest.mark.parametrize("environment", ["production", "test"])
async def test_the_dev_sign_in_does_not_exist_outside_development(
    engine, oauth_server, environment
):
    async with app_client(engine, oauth_server, ENVIRONMENT=environment) as client:
        response = await client.get("/auth/dev/sign-in", params={"username": "mayachen"})
        assert response.status_code == 404
        assert not any(session_cookies(client).values())
    assert await counts(engine) == (0, 0)


async def test_a_refused_access_token_is_a_401_in_both_media_types(browser, oauth_server):
    await signed_in(browser, oauth_server)
    put_cookie(browser, ACCESS_COOKIE, forged({"sub": "x", "sid": "y", "exp": 1}), "/")
    for accept, has_data in (
        ("application/graphql-response+json, application/json;q=0.9", False),
        ("application/json", True),
    ):
        response = await browser.post(
            "/graphql", json={"query": "{ viewer { id } }"}, headers={"accept": accept}
        )
        assert response.status_code == 401, accept
        assert code_of(response.json()) == "ACCESS_TOKEN_EXPIRED"
        assert ("data" in response.json()) is has_data, accept
