"""A real headless Chromium logs in to /admin/ of a real uvicorn server.

The browser is Debian's ``chromium`` driven by Selenium through Debian's
``chromium-driver`` (nothing is downloaded). Without them the test is skipped,
with the reason, unless ``REQUIRE_BROWSER=1`` (CI), where that is a failure.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import httpx
import pytest
from piccolo.apps.user.tables import BaseUser
from piccolo_api.session_auth.tables import SessionsBase

from tribe_service.embedded_postgres import free_port
from tribe_service.tables import User
from tribe_service.tables.user import EMBEDDING_DIMENSIONS

REPO_ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_CANDIDATES = ("chromium", "chromium-browser")
CHROMEDRIVER_CANDIDATES = ("chromedriver", "/usr/lib/chromium/chromedriver")
WAIT_SECONDS = 60  # generous: the suite may share the machine with other work
EDITED_HEADLINE = "Edited in a real browser"

pytestmark = pytest.mark.filterwarnings("ignore:If running sessions in production:UserWarning")


@dataclass(frozen=True)
class Browser:
    chromium: str
    chromedriver: str


def find_browser() -> Browser:
    """Chromium, its driver and Selenium, or skip (fail under REQUIRE_BROWSER=1)."""
    chromium = next(filter(None, map(shutil.which, CHROMIUM_CANDIDATES)), None)
    chromedriver = next(filter(None, map(shutil.which, CHROMEDRIVER_CANDIDATES)), None)
    problem = None
    if chromium is None:
        problem = "no Chromium on this machine (apt-get install chromium)"
    elif chromedriver is None:
        problem = "no chromedriver on this machine (apt-get install chromium-driver)"
    else:
        try:
            import selenium  # noqa: F401
        except ImportError:
            problem = "selenium is not installed (pip install -e '.[dev]')"
    if problem is not None:
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(f"REQUIRE_BROWSER=1 but {problem}")
        pytest.skip(problem)
    assert chromium is not None and chromedriver is not None
    return Browser(chromium=chromium, chromedriver=chromedriver)


@pytest.fixture(scope="module")
def server(database_url: str) -> Iterator[str]:
    """The app served by uvicorn on a free port, against the session's test database."""
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", "tribe_service.app:app", "--no-access-log"]
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            [*command, "--host", "127.0.0.1", "--port", str(port)],
            cwd=REPO_ROOT,
            env={**os.environ, "DATABASE_URL": database_url, "ENVIRONMENT": "test"},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base_url = f"http://127.0.0.1:{port}"
        try:
            wait_for_health(process, base_url, log)
            yield base_url
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def wait_for_health(process: subprocess.Popen[bytes], base_url: str, log: IO[bytes]) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        if process.poll() is not None:
            log.seek(0)
            pytest.fail(f"uvicorn exited early:\n{log.read().decode(errors='replace')}")
        try:
            if httpx.get(f"{base_url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            pytest.fail("uvicorn did not answer /healthz in time")
        time.sleep(0.1)


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


def start_chromium(browser: Browser, profile: str) -> object:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = browser.chromium
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--window-size=1400,1000",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(options=options, service=Service(browser.chromedriver))


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
            assert "Find Your Tribe admin" in driver.find_element(By.TAG_NAME, "h1").text

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
            headline = driver.find_element(By.NAME, "headline")
            headline.clear()
            headline.send_keys(EDITED_HEADLINE)
            if os.environ.get("ADMIN_SCREENSHOTS"):  # a directory, to look at the page
                driver.save_screenshot(os.path.join(os.environ["ADMIN_SCREENSHOTS"], "edit.png"))
            driver.find_element(By.CSS_SELECTOR, "[data-uitest=save_button]").click()
            wait.until(
                EC.text_to_be_present_in_element((By.TAG_NAME, "body"), "Successfully saved row")
            )
            return [entry for entry in driver.get_log("browser") if entry.get("level") == "SEVERE"]
        finally:
            driver.quit()


async def test_chromium_logs_in_and_sees_maya_chen(server, seeded, admin_login):
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
            browse_the_admin, browser, server, *admin_login, maya_id=maya.id
        )
        assert errors == []

        row = await User.select().where(User.id == maya.id).first()
        assert row is not None
        assert row["headline"] == EDITED_HEADLINE
        assert row["password_hash"] == secret  # the form's empty secret wrote nothing
        assert row["embedding"] == embedding
        assert "browser" in row["search_vector"]  # the trigger saw the new headline
    finally:
        await User.raw(
            "UPDATE users SET headline = {}, password_hash = NULL, embedding = NULL,"
            " updated_at = {} WHERE id = {}",
            maya.headline,
            maya.updated_at,
            maya.id,
        )
