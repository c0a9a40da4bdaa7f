"""Piccolo Admin at /admin/, over HTTP (in-process), on the seeded test database."""

from __future__ import annotations

import asyncio
import re
import secrets
import threading
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from piccolo.apps.user.tables import BaseUser
from piccolo_api.session_auth.tables import SessionsBase

from tribe_service.admin import (
    SITE_NAME,
    build_admin,
    dev_login_message,
    ensure_dev_admin,
)
from tribe_service.app import create_app
from tribe_service.config import load_settings
from tribe_service.tables import Project, RefreshToken, User
from tribe_service.tables.user import EMBEDDING_DIMENSIONS

# Non-production logins warn that production needs `production=True`: expected here.
pytestmark = [
    pytest.mark.filterwarnings("ignore:If running sessions in production:UserWarning"),
    # Piccolo's hint when a 1536-number vector goes through the ORM.
    pytest.mark.filterwarnings("ignore:.*When using large lists"),
]

APP_TABLES = [
    "feed_events",
    "project_collaborators",
    "projects",
    "refresh_tokens",
    "skills",
    "tribe_members",
    "tribe_open_roles",
    "tribes",
    "user_skills",
    "users",
]
SECRET_HASH = "pbkdf2_sha256$1$not-a-real-salt$never-shown-in-the-admin"
SECRET_TOKEN = "encrypted-github-token-never-shown"


async def create_admin_user() -> tuple[BaseUser, str]:
    """A new active admin with a random name and password."""
    password = secrets.token_urlsafe(16)
    username = f"admin_{secrets.token_hex(4)}"
    user = await BaseUser.create_user(
        username=username,
        password=password,
        email=f"{username}@example.com",
        admin=True,
        superuser=True,
        active=True,
    )
    return user, password


async def delete_admin_user(user: BaseUser) -> None:
    await SessionsBase.delete().where(SessionsBase.user_id == user.id)
    await BaseUser.delete().where(BaseUser.id == user.id)


async def login(client: httpx.AsyncClient, username: str, password: str) -> httpx.Response:
    """Log in the way the admin's page does: CSRF cookie from a GET, then JSON POST."""
    page = await client.get("/admin/")
    assert page.status_code == 200
    return await client.post(
        "/admin/public/login/",
        json={"username": username, "password": password},
        headers={"X-CSRFToken": client.cookies["csrftoken"]},
    )


async def restore_user(user: User) -> None:
    """Put a seeded user back as it was (raw SQL: an ORM update moves ``updated_at``).

    The admin's edit form sends times back to the second: ``created_at`` is restored too.
    """
    await User.raw(
        "UPDATE users SET headline = {}, display_name = {}, password_hash = NULL,"
        " github_access_token_encrypted = NULL, created_at = {}, updated_at = {} WHERE id = {}",
        user.headline,
        user.display_name,
        user.created_at,
        user.updated_at,
        user.id,
    )
    # Separately: restoring the headline clears the embedding by trigger.
    await User.raw("UPDATE users SET embedding = {} WHERE id = {}", user.embedding, user.id)


@pytest.fixture(scope="module")
async def admin_cookies(app: object, seeded: None) -> AsyncIterator[dict[str, str]]:
    """One admin login for the module (the login endpoint is rate limited)."""
    user, password = await create_admin_user()
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            response = await login(client, user.username, password)
            assert response.status_code == 200, response.text
            assert response.json() == {"message": "logged in"}
            yield dict(client.cookies.items())
    finally:
        await delete_admin_user(user)


@pytest.fixture
def admin(client: httpx.AsyncClient, admin_cookies: dict[str, str]) -> httpx.AsyncClient:
    """The in-process client with an admin session."""
    client.cookies.update(admin_cookies)
    return client


def csrf(client: httpx.AsyncClient) -> dict[str, str]:
    return {"X-CSRFToken": client.cookies["csrftoken"]}


async def test_admin_without_slash_redirects_to_admin_slash(client):
    response = await client.get("/admin")
    assert response.status_code == 308
    assert response.headers["location"] == "/admin/"

    response = await client.get("/admin?lang=en")
    assert response.status_code == 308
    assert response.headers["location"] == "/admin/?lang=en"


async def test_admin_page_and_its_assets_are_served(client):
    response = await client.get("/admin/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert '<div id="app">' in response.text

    assets = re.findall(r'(?:src|href)="\./(assets/[^"]+)"', response.text)
    assert any(asset.endswith(".js") for asset in assets)
    assert any(asset.endswith(".css") for asset in assets)
    for asset in assets:
        asset_response = await client.get(f"/admin/{asset}")
        assert asset_response.status_code == 200, asset
        assert len(asset_response.content) > 1000

    meta = await client.get("/admin/public/meta/")
    assert meta.status_code == 200
    assert meta.json()["site_name"] == SITE_NAME == "Find Your Tribe admin"


async def test_admin_api_needs_a_session(client):
    response = await client.get("/admin/api/tables/")
    assert response.status_code == 401
    response = await client.get("/admin/api/tables/users/")
    assert response.status_code == 401


@pytest.mark.parametrize(
    ("username", "password"),
    [("nobody_here", "wrong-password"), ("", ""), ("admin", "x" * 500)],
    ids=["unknown-user", "empty", "overlong-password"],
)
async def test_bad_login_is_a_clear_client_error(client, username, password):
    response = await login(client, username, password)
    assert response.status_code in {401, 422}
    assert "id" not in response.cookies
    detail = response.json()["detail"]
    assert detail in {"Login failed", "Missing username or password"}


async def test_wrong_password_of_a_real_admin_is_refused(client, engine):
    user, password = await create_admin_user()
    try:
        response = await login(client, user.username, password + "-wrong")
        assert response.status_code == 401
        assert response.json() == {"detail": "Login failed"}
        assert (await client.get("/admin/api/tables/")).status_code == 401
    finally:
        await delete_admin_user(user)


async def test_non_admin_user_cannot_use_the_admin(client, engine):
    password = secrets.token_urlsafe(16)
    username = f"plain_{secrets.token_hex(4)}"
    user = await BaseUser.create_user(
        username=username,
        password=password,
        email=f"{username}@example.com",
        admin=False,
        active=True,
    )
    try:
        response = await login(client, username, password)
        assert response.status_code == 200  # a valid user, so a session ...
        tables = await client.get("/admin/api/tables/")
        assert tables.status_code == 401  # ... but the admin API wants admins only
    finally:
        await delete_admin_user(user)


async def test_login_cookie_is_plain_http_outside_production(app, engine):
    user, password = await create_admin_user()
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            response = await login(client, user.username, password)
        assert response.status_code == 200
        cookie = response.headers["set-cookie"]
        assert cookie.startswith("id=")
        assert "httponly" in cookie.lower()
        assert "secure" not in cookie.lower()
    finally:
        await delete_admin_user(user)


async def test_production_admin_sets_a_secure_session_cookie(engine, database_url):
    settings = load_settings({"ENVIRONMENT": "production", "DATABASE_URL": database_url})
    admin_app = build_admin(settings)
    user, password = await create_admin_user()
    transport = httpx.ASGITransport(app=admin_app)  # type: ignore[arg-type]
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            await client.get("/")
            response = await client.post(
                "/public/login/",
                json={"username": user.username, "password": password},
                headers=csrf(client),
            )
        assert response.status_code == 200
        cookie = response.headers["set-cookie"].lower()
        assert "secure" in cookie
        assert "httponly" in cookie
    finally:
        await delete_admin_user(user)


@pytest.mark.parametrize(
    ("origin", "status"),
    [("https://admin.example.com", 200), ("https://evil.example.net", 403)],
    ids=["allowed-host", "foreign-origin"],
)
async def test_production_csrf_check_under_https_uses_allowed_hosts(
    engine, database_url, origin, status
):
    settings = load_settings(
        {
            "ENVIRONMENT": "production",
            "DATABASE_URL": database_url,
            "ADMIN_ALLOWED_HOSTS": " admin.example.com , ",
        }
    )
    assert settings.admin_hosts == ["admin.example.com"]
    admin_app = build_admin(settings)
    user, password = await create_admin_user()
    transport = httpx.ASGITransport(app=admin_app)  # type: ignore[arg-type]
    try:
        async with httpx.AsyncClient(
            transport=transport, base_url="https://admin.example.com"
        ) as client:
            await client.get("/")
            response = await client.post(
                "/public/login/",
                json={"username": user.username, "password": password},
                headers={**csrf(client), "Origin": origin},
            )
        assert response.status_code == status, response.text
    finally:
        await delete_admin_user(user)


async def test_dev_login_never_creates_an_admin_outside_development(engine, database_url):
    before = await BaseUser.count()
    for environment in ("production", "test"):
        settings = load_settings({"ENVIRONMENT": environment, "DATABASE_URL": database_url})
        async with engine.transaction() as transaction:
            await BaseUser.update({BaseUser.admin: False}, force=True)  # as if none existed
            assert await ensure_dev_admin(settings) == ("", None)
            assert await BaseUser.count() == before
            await transaction.rollback()
    assert "just admin-user" in dev_login_message("http://h/admin/", "", None)


async def test_dev_login_creates_one_admin_with_a_random_password(engine, database_url):
    settings = load_settings({"ENVIRONMENT": "development", "DATABASE_URL": database_url})
    async with engine.transaction() as transaction:
        await BaseUser.update({BaseUser.admin: False}, force=True)  # as if none existed
        username, password = await ensure_dev_admin(settings)
        assert username == "admin"
        assert password is not None and len(password) >= 16
        assert await BaseUser.login(username=username, password=password) is not None
        message = dev_login_message("http://127.0.0.1:8000/admin/", username, password)
        assert password in message
        assert "http://127.0.0.1:8000/admin/" in message

        again = await ensure_dev_admin(settings)  # exists now: no new password
        assert again == ("admin", None)
        assert password not in dev_login_message("http://h/admin/", *again)
        await transaction.rollback()
    assert not await BaseUser.exists().where(BaseUser.username == "admin")


async def test_tables_api_lists_the_ten_tables_in_groups(admin):
    response = await admin.get("/admin/api/tables/")
    assert response.status_code == 200
    assert sorted(response.json()) == APP_TABLES

    grouped = (await admin.get("/admin/api/tables/grouped/")).json()
    assert grouped["ungrouped"] == []
    assert {group: sorted(tables) for group, tables in grouped["grouped"].items()} == {
        "Activity": ["feed_events"],
        "Builders": ["refresh_tokens", "skills", "user_skills", "users"],
        "Projects": ["project_collaborators", "projects"],
        "Tribes": ["tribe_members", "tribe_open_roles", "tribes"],
    }

    user = await admin.get("/admin/api/user/")
    assert user.status_code == 200
    assert user.json()["username"].startswith("admin_")


async def test_admin_urls_keep_the_mount_prefix(admin):
    # Starlette's own trailing-slash redirect points under /admin/ ...
    response = await admin.get("/admin/api/tables")
    assert response.status_code == 307
    assert response.headers["location"] == "http://testserver/admin/api/tables/"
    # ... and a path without a slash reaches the admin as it was asked for.
    openapi = await admin.get("/admin/api/openapi.json")
    assert openapi.status_code == 200
    assert "/tables/users/" in openapi.json()["paths"]
    docs = await admin.get("/admin/api/docs/")
    assert docs.status_code == 200


@pytest.fixture
async def refresh_token(seeded) -> AsyncIterator[str]:
    """The seed has no refresh tokens: one for Maya, while the test runs."""
    maya = await User.select(User.id).where(User.username == "mayachen").first()
    assert maya is not None
    token = RefreshToken(
        user_id=maya["id"],
        token_hash=secrets.token_hex(32),
        expires_at=datetime.now(tz=UTC) + timedelta(days=30),
    )
    await token.save()
    try:
        yield token.id
    finally:
        await RefreshToken.delete().where(RefreshToken.id == token.id)


@pytest.mark.parametrize("table", APP_TABLES)
async def test_every_table_lists_and_shows_its_rows(admin, refresh_token, table):
    base = f"/admin/api/tables/{table}"
    schema = await admin.get(f"{base}/schema/")
    assert schema.status_code == 200
    visible = schema.json()["extra"]["visible_column_names"]
    assert "embedding" not in visible
    assert "search_vector" not in visible

    # What the list view asks for, then a plain list of every column.
    listing = await admin.get(
        f"{base}/",
        params={
            "__readable": "true",
            "__page_size": "15",
            "__order": "-id",
            "__visible_fields": ",".join(visible),
        },
    )
    assert listing.status_code == 200, listing.text
    rows = listing.json()["rows"]
    assert rows, f"no rows in {table}"
    full_listing = await admin.get(f"{base}/", params={"__page_size": "100"})
    assert full_listing.status_code == 200, full_listing.text

    count = await admin.get(f"{base}/count/")
    assert count.status_code == 200
    assert count.json()["count"] >= len(rows)

    for row in rows[:3]:
        detail = await admin.get(f"{base}/{row['id']}/", params={"__readable": "true"})
        assert detail.status_code == 200, detail.text
        assert detail.json()["id"] == row["id"]

    references = await admin.get(f"{base}/references/")
    assert references.status_code == 200

    new = await admin.get(f"{base}/new/")
    assert new.status_code == 200, new.text


async def test_users_list_shows_maya_and_no_secrets(admin, seeded):
    maya = await User.objects().where(User.username == "mayachen").first()
    assert maya is not None
    await User.update(
        {User.password_hash: SECRET_HASH, User.github_access_token_encrypted: SECRET_TOKEN}
    ).where(User.id == maya.id)
    try:
        listing = await admin.get("/admin/api/tables/users/", params={"__page_size": "100"})
        assert listing.status_code == 200
        names = [row["display_name"] for row in listing.json()["rows"]]
        assert "Maya Chen" in names

        detail = await admin.get(
            f"/admin/api/tables/users/{maya.id}/", params={"__readable": "true"}
        )
        assert detail.status_code == 200
        body = detail.json()
        assert body["display_name"] == "Maya Chen"
        # Secret columns are never selected: present in the schema, always null.
        assert body.get("password_hash") is None
        assert body.get("github_access_token_encrypted") is None
        for response in (listing, detail):
            assert SECRET_HASH not in response.text
            assert SECRET_TOKEN not in response.text
    finally:
        await restore_user(maya)


async def test_edit_form_save_keeps_vectors_and_secrets(admin, seeded):
    """A save from the edit form sends every field it shows, with empty secrets,
    vectors and tsvectors as null: the admin must write none of them."""
    maya = await User.objects().where(User.username == "mayachen").first()
    assert maya is not None
    embedding = [round(0.001 * (i % 100), 3) for i in range(EMBEDDING_DIMENSIONS)]
    await User.update(
        {
            User.embedding: embedding,
            User.password_hash: SECRET_HASH,
            User.github_access_token_encrypted: SECRET_TOKEN,
        }
    ).where(User.id == maya.id)
    url = f"/admin/api/tables/users/{maya.id}/"
    try:
        detail = await admin.get(url, params={"__readable": "true"})
        assert detail.status_code == 200, detail.text
        assert detail.json().get("embedding") is None  # vectors never leave the server

        schema = (await admin.get("/admin/api/tables/users/schema/")).json()
        form = {name: detail.json().get(name) for name in schema["properties"]}
        form.update(
            # Not the headline: that would (rightly) clear the embedding by trigger.
            display_name="Edited in the admin",
            password_hash=None,
            github_access_token_encrypted=None,
            embedding=None,
            search_vector=None,
        )
        response = await admin.patch(url, json=form, headers=csrf(admin))
        assert response.status_code == 200, response.text
        assert SECRET_HASH not in response.text
        assert response.json().get("embedding") is None

        row = await User.select().where(User.id == maya.id).first()
        assert row is not None
        assert row["display_name"] == "Edited in the admin"
        assert row["password_hash"] == SECRET_HASH
        assert row["github_access_token_encrypted"] == SECRET_TOKEN
        assert row["embedding"] == pytest.approx(embedding)
        assert "edit" in row["search_vector"]  # the trigger keeps it current

        put = await admin.put(url, json=form, headers=csrf(admin))
        assert put.status_code == 405
    finally:
        await restore_user(maya)


async def test_adding_a_skill_through_the_admin(admin, seeded):
    response = await admin.post(
        "/admin/api/tables/skills/",
        json={"name": "Admin Testing", "slug": "admin-testing", "category": "engineering"},
        headers=csrf(admin),
    )
    assert response.status_code == 201, response.text
    try:
        listing = await admin.get("/admin/api/tables/skills/", params={"slug": "admin-testing"})
        assert [row["name"] for row in listing.json()["rows"]] == ["Admin Testing"]
    finally:
        await admin.delete(
            f"/admin/api/tables/skills/{response.json()[0]['id']}/", headers=csrf(admin)
        )


# --------------------------------------------------------------------------- hardening (issue 11)

VECTOR = [0.5] * EMBEDDING_DIMENSIONS


def client_for(engine, **environ: str) -> httpx.AsyncClient:
    settings = load_settings({"ENVIRONMENT": "test", **environ})
    transport = httpx.ASGITransport(app=create_app(settings, engine))  # type: ignore[arg-type]
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


@pytest.fixture
async def maya_with_a_vector():
    maya = await User.objects().where(User.username == "mayachen").first()
    assert maya is not None
    await User.update({User.embedding: VECTOR}).where(User.id == maya.id)
    try:
        yield maya
    finally:
        await restore_user(maya)


@pytest.mark.parametrize(
    "params",
    [
        {"__page_size": "100"},
        {"__page_size": "100", "__visible_fields": "id,embedding,search_vector"},
        {"__page_size": "100", "__readable": "true"},
    ],
)
async def test_the_admin_api_never_returns_vectors_in_lists(admin, maya_with_a_vector, params):
    response = await admin.get("/admin/api/tables/users/", params=params)
    assert response.status_code in (200, 400), response.text
    assert "embedding" not in response.text or "0.5, 0.5" not in response.text
    for row in response.json().get("rows", []) if response.status_code == 200 else []:
        assert row.get("embedding") is None
        assert row.get("search_vector") is None


async def test_the_admin_api_never_returns_vectors_in_detail_or_patch(admin, maya_with_a_vector):
    url = f"/admin/api/tables/users/{maya_with_a_vector.id}/"
    detail = await admin.get(url)
    patch = await admin.patch(url, json={"headline": "patched"}, headers=csrf(admin))
    assert patch.status_code == 200, patch.text
    for response in (detail, patch):
        body = response.json()
        assert body.get("embedding") is None
        assert body.get("search_vector") is None
        assert len(response.content) < 5000  # a 1536-number vector is ~10 kB of JSON


async def test_refresh_tokens_are_read_only_and_their_hash_is_secret(admin, refresh_token):
    listing = await admin.get("/admin/api/tables/refresh_tokens/")
    [row] = [r for r in listing.json()["rows"] if r["id"] == refresh_token]
    assert row.get("token_hash") is None
    maya = await User.select(User.id).where(User.username == "mayachen").first()
    created = await admin.post(
        "/admin/api/tables/refresh_tokens/",
        json={"user_id": maya["id"], "token_hash": "f" * 64, "expires_at": "2030-01-01T00:00:00Z"},
        headers=csrf(admin),
    )
    assert created.status_code == 405
    patched = await admin.patch(
        f"/admin/api/tables/refresh_tokens/{refresh_token}/",
        json={"token_hash": "0" * 64},
        headers=csrf(admin),
    )
    deleted = await admin.delete(
        f"/admin/api/tables/refresh_tokens/{refresh_token}/", headers=csrf(admin)
    )
    assert (patched.status_code, deleted.status_code) == (405, 405)
    assert await RefreshToken.count() == 1


async def test_failed_logins_lock_a_username_until_the_window_passes(engine):
    user, password = await create_admin_user()
    environ = {"ADMIN_LOGIN_MAX_FAILURES": "3", "ADMIN_LOCKOUT_SECONDS": "2"}
    try:
        async with client_for(engine, **environ) as client:
            statuses = [(await login(client, user.username, "wrong")).status_code for _ in range(3)]
            assert statuses == [401, 401, 401]
            locked = await login(client, user.username, password)
            assert locked.status_code == 429
            assert int(locked.headers["Retry-After"]) >= 1
            assert locked.json()["errors"][0]["extensions"]["code"] == "LOGIN_LOCKED"
            await asyncio.sleep(2.1)
            again = await login(client, user.username, password)
            assert again.status_code == 200, again.text
    finally:
        await delete_admin_user(user)


async def test_failed_logins_from_one_address_lock_every_username_from_it(engine):
    environ = {"ADMIN_LOGIN_MAX_FAILURES": "2", "ADMIN_LOCKOUT_SECONDS": "60"}
    async with client_for(engine, **environ) as client:
        statuses = [(await login(client, f"nobody{i}", "wrong")).status_code for i in range(7)]
    assert statuses == [401] * 6 + [429]  # 3 x 2 failures from the address


async def test_password_checks_do_not_block_the_event_loop(engine, monkeypatch):
    """PBKDF2 (600,000 rounds) runs on the password-check thread, never on the loop's."""
    from tribe_service.admin_login import AdminUser

    user, password = await create_admin_user()
    threads: list[str] = []
    hash_password = AdminUser.hash_password

    def spied(*arguments: object) -> str:
        threads.append(threading.current_thread().name)
        return hash_password(*arguments)  # type: ignore[arg-type]

    monkeypatch.setattr(AdminUser, "hash_password", staticmethod(spied))
    try:
        async with client_for(engine, ADMIN_LOGIN_MAX_FAILURES="50") as client:
            await client.get("/admin/")
            responses = await asyncio.gather(
                *(login(client, user.username, password) for _ in range(3))
            )
        assert [r.status_code for r in responses] == [200, 200, 200]
        assert len(threads) >= 3
        assert all(name.startswith("password-check") for name in threads), threads
    finally:
        await delete_admin_user(user)


@pytest.mark.parametrize(
    ("column", "value", "words"),
    [
        ("title", "x" * 201, "at most 200 characters"),
        ("title", "   ", "cannot be blank"),
        ("thumbnail_url", "javascript:alert(1)", "must be an http(s) URL"),
    ],
)
async def test_the_admin_refuses_what_the_api_refuses(admin, seeded, column, value, words):
    """The admin's edits pass the same checks as the API's writes (tribe_service.validation)."""
    project = await Project.select(Project.id, Project.title).first()
    assert project is not None
    url = f"/admin/api/tables/projects/{project['id']}/"
    response = await admin.patch(url, json={column: value}, headers=csrf(admin))
    assert response.status_code == 422, response.text
    assert words in response.text
    row = (
        await Project.select(Project.title, Project.thumbnail_url)
        .where(Project.id == project["id"])
        .first()
    )
    assert row is not None and row["title"] == project["title"]
    assert row["thumbnail_url"] != value
