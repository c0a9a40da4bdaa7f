"""A real headless Chromium logs in to /admin/ of a real uvicorn server (see tests/browser.py)."""

from __future__ import annotations

import asyncio
import os
import secrets
import tempfile
from collections.abc import AsyncIterator

import pytest
from piccolo.apps.user.tables import BaseUser
from piccolo_api.session_auth.tables import SessionsBase

from tests.browser import WAIT_SECONDS, Browser, find_browser, start_chromium
from tribe_service.tables import User
from tribe_service.tables.user import EMBEDDING_DIMENSIONS

# The display name, not the headline: a headline edit would (rightly) clear the embedding
# by trigger, and the test checks that the admin itself never writes the vector.
EDITED_NAME = "Maya Chen, edited in a real browser"

pytestmark = pytest.mark.filterwarnings("ignore:If running sessions in production:UserWarning")


@pytest.fixture
async def admin_login(engine: object) -> AsyncIterator[tuple[str, str]]:
    """A throwaway admin user with a random password, deleted afterwards."""
    username = f"browser_{secrets.token_hex(4)}"
    password = secrets.token_urlsafe(16)
    user = await BaseUser.create_user(
        username=username,
        password=password,
        email=f"{username}@example.com",
        admin=True,
        superuser=True,
        active=True,
    )
    try:
        yield username, password
    finally:
        await SessionsBase.delete().where(SessionsBase.user_id == user.id)
        await BaseUser.delete().where(BaseUser.id == user.id)


def browse_the_admin(
    browser: Browser, base_url: str, username: str, password: str, maya_id: str
) -> list[dict[str, object]]:
    """Log in, find Maya Chen in the users list, open her row and save it.

    Returns the browser console's severe entries.
    """
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait

    with tempfile.TemporaryDirectory(prefix="tribe-chromium-") as profile:
        driver = start_chromium(browser, profile)
        try:
            wait = WebDriverWait(driver, WAIT_SECONDS)
            driver.get(f"{base_url}/admin")  # no slash: redirected
            wait.until(EC.presence_of_element_located((By.NAME, "username")))
            assert driver.current_url.startswith(f"{base_url}/admin/")
            # The site name comes from the admin's meta call, which may land after the form.
            wait.until(
                EC.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Find Your Tribe admin")
            )

            driver.find_element(By.NAME, "username").send_keys(username)
            driver.find_element(By.NAME, "password").send_keys(password)
            driver.find_element(By.CSS_SELECTOR, "[data-uitest=login_button]").click()
            wait.until(
                EC.presence_of_element_located((By.CSS_SELECTOR, "[data-uitest=logout_button]"))
            )
            driver.get_log("browser")  # drop the expected 401s of the page's pre-login probes

            driver.get(f"{base_url}/admin/#/users/")
            wait.until(EC.text_to_be_present_in_element((By.TAG_NAME, "body"), "Maya Chen"))
            body = driver.find_element(By.TAG_NAME, "body").text
            assert "mayachen" in body
            assert "BUILDERS" in body.upper()  # the sidebar's groups
            assert "ACTIVITY" in body.upper()

            # The edit form renders (a 1536-number vector included) and saves:
            # the form sends every field back, the admin writes only real edits.
            driver.get(f"{base_url}/admin/#/users/{maya_id}/")
            wait.until(
                EC.text_to_be_present_in_element_value((By.NAME, "display_name"), "Maya Chen")
            )
            name = driver.find_element(By.NAME, "display_name")
            name.clear()
            name.send_keys(EDITED_NAME)
            if os.environ.get("ADMIN_SCREENSHOTS"):  # a directory, to look at the page
                driver.save_screenshot(os.path.join(os.environ["ADMIN_SCREENSHOTS"], "edit.png"))
            driver.find_element(By.CSS_SELECTOR, "[data-uitest=save_button]").click()
            wait.until(
                EC.text_to_be_present_in_element((By.TAG_NAME, "body"), "Successfully saved row")
            )
            return [entry for entry in driver.get_log("browser") if entry.get("level") == "SEVERE"]
        finally:
            driver.quit()


async def test_chromium_logs_in_and_sees_maya_chen(live_server, seeded, admin_login):
    browser = find_browser()
    maya = await User.objects().where(User.username == "mayachen").first()
    assert maya is not None
    secret = "pbkdf2_sha256$1$salt$kept-through-a-browser-save"
    embedding = [0.25] * EMBEDDING_DIMENSIONS
    await User.raw(
        "UPDATE users SET password_hash = {}, embedding = {} WHERE id = {}",
        secret,
        embedding,
        maya.id,
    )
    try:
        errors = await asyncio.to_thread(
            browse_the_admin, browser, live_server, *admin_login, maya_id=maya.id
        )
        assert errors == []

        row = await User.select().where(User.id == maya.id).first()
        assert row is not None
        assert row["display_name"] == EDITED_NAME
        assert row["password_hash"] == secret  # the form's empty secret wrote nothing
        assert row["embedding"] == embedding
        assert "browser" in row["search_vector"]  # the trigger saw the new name
    finally:
        # The form saves times to the second: created_at goes back as it was too.
        await User.raw(
            "UPDATE users SET display_name = {}, password_hash = NULL, embedding = {},"
            " created_at = {}, updated_at = {} WHERE id = {}",
            maya.display_name,
            maya.embedding,
            maya.created_at,
            maya.updated_at,
            maya.id,
        )
