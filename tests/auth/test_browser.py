"""The whole sign-in in a real headless Chromium, with every part a real process.

A minimal frontend page (served by this test on its own port) links to
``/auth/github/start``; the app (uvicorn) sends the browser to the OAuth server
(:mod:`tests.oauth_server`, Authlib), which approves and sends it back to the
callback; the app signs in, sets its cookies and returns to the page, which
shows ``viewer``. The access token lives two seconds here: once it has expired,
the page's next call gets ``ACCESS_TOKEN_EXPIRED``, refreshes (the refresh
token rotates in the database) and retries; then it signs out.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import http.server
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest

from harness.server import uvicorn_server
from tests.auth.conftest import SESSION_SECRET
from tests.browser import WAIT_SECONDS, find_browser, start_chromium
from tests.oauth_server import GitHubAccount, OAuthServerProcess
from tribe_service.embedded_postgres import free_port

pytestmark = pytest.mark.usefixtures("seeded")

ACCESS_TTL_SECONDS = 2
ACCOUNT = GitHubAccount(
    id=70707, login="Chromium-Builder", name="Chrome Builder", email="c@gh.test"
)
PAGE = Path(__file__).with_name("frontend.html")


class Frontend:
    """The test's frontend: ``frontend.html`` for every path, on 127.0.0.1:port."""

    def __init__(self, api_url: str) -> None:
        page = PAGE.read_text().replace("__API__", api_url).encode()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("content-type", "text/html; charset=utf-8")
                self.send_header("content-length", str(len(page)))
                self.end_headers()
                self.wfile.write(page)

            def log_message(self, *args: object) -> None:  # quiet
                pass

        self.port = free_port()
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


@pytest.fixture(scope="module")
def stack(database_url: str) -> Iterator[tuple[str, str, OAuthServerProcess]]:
    """(frontend URL, API URL, OAuth server), all running; stopped after the module."""
    api_port = free_port()
    api_url = f"http://127.0.0.1:{api_port}"
    oauth = OAuthServerProcess(
        "browser-client", "browser-secret", f"{api_url}/auth/github/callback"
    )
    frontend = Frontend(api_url)
    env = {
        "DATABASE_URL": database_url,
        "ENVIRONMENT": "test",
        "RATE_LIMIT_POINTS_PER_MINUTE": "0",
        "FRONTEND_URL": frontend.url,
        "CORS_ORIGINS": frontend.url,
        "SESSION_SECRET": SESSION_SECRET,
        "ACCESS_TOKEN_TTL_SECONDS": str(ACCESS_TTL_SECONDS),
        **oauth.settings(),
    }
    try:
        with uvicorn_server("tribe_service.app:app", workers=1, env=env, port=api_port):
            yield frontend.url, api_url, oauth
    finally:
        frontend.stop()
        oauth.stop()


def all_cookies(driver) -> dict[str, dict]:
    """Every cookie the browser holds, by name (whatever their path), from DevTools."""
    return {c["name"]: c for c in driver.execute_cdp_cmd("Network.getAllCookies", {})["cookies"]}


def log_lines(driver) -> list[str]:
    from selenium.webdriver.common.by import By

    return driver.find_element(By.ID, "log").text.splitlines()


def wait_for_log(driver, line: str, after: int = 0) -> list[str]:
    """Wait until the page's log has ``line`` past its first ``after`` lines; the new lines."""
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, WAIT_SECONDS).until(lambda d: line in log_lines(d)[after:])
    return log_lines(driver)[after:]


def database(url: str, sql: str) -> list[dict]:
    """Rows of ``sql`` on a connection of its own (this test is synchronous; the session's
    pool belongs to another event loop), run in a thread with a loop of its own."""

    async def fetch() -> list[dict]:
        connection = await asyncpg.connect(url)
        try:
            return [dict(row) for row in await connection.fetch(sql)]
        finally:
            await connection.close()

    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, fetch()).result()


TOKENS = "SELECT family_id, revoked_at IS NULL AND expires_at > now() AS live FROM refresh_tokens"


def test_sign_in_refresh_and_sign_out_in_a_real_browser(stack, database_url):
    frontend_url, _, oauth = stack
    browser = find_browser()
    oauth.sign_in_as(ACCOUNT)
    from selenium.webdriver.common.by import By

    try:
        with tempfile.TemporaryDirectory(prefix="tribe-chromium-") as profile:
            driver = start_chromium(browser, profile)
            try:
                driver.get(f"{frontend_url}/")
                assert wait_for_log(driver, "viewer: signed out")
                driver.find_element(By.ID, "sign-in").click()  # start -> OAuth server -> callback

                lines = wait_for_log(driver, "viewer: chromium-builder <c@gh.test>")
                assert driver.current_url == f"{frontend_url}/me"
                assert "Chrome Builder" in driver.find_element(By.ID, "viewer").text
                cookies = all_cookies(driver)
                for name in ("tribe_access", "tribe_refresh"):
                    assert cookies[name]["httpOnly"] is True, cookies[name]
                    assert cookies[name]["sameSite"] == "Lax", cookies[name]
                    assert cookies[name]["secure"] is True, cookies[name]  # outside development
                assert cookies["tribe_refresh"]["path"] == "/auth"
                assert "tribe_sign_in" not in cookies  # good for one sign-in only
                assert [row["live"] for row in database(database_url, TOKENS)] == [True]

                # Past the access token's lifetime the next call is refused, refreshed, retried.
                time.sleep(ACCESS_TTL_SECONDS + 1)
                seen = len(log_lines(driver))
                driver.find_element(By.ID, "reload").click()
                lines = wait_for_log(driver, "viewer: chromium-builder <c@gh.test>", after=seen)
                assert lines[:2] == ["401 ACCESS_TOKEN_EXPIRED", "refresh 200"], lines
                rows = database(database_url, TOKENS)  # rotated: the used one and its successor
                assert len(rows) == 2 and len({row["family_id"] for row in rows}) == 1
                assert sorted(row["live"] for row in rows) == [False, True]

                seen = len(log_lines(driver))
                driver.find_element(By.ID, "sign-out").click()
                lines = wait_for_log(driver, "viewer: signed out", after=seen)
                assert lines[0] == "sign-out 204", lines
                assert [row["live"] for row in database(database_url, TOKENS)] == [False, False]
                assert not {"tribe_access", "tribe_refresh"} & set(all_cookies(driver))
                severe = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
                # The one expected console error: the 401 the page recovered from.
                assert all("401" in entry["message"] for entry in severe), severe
            finally:
                driver.quit()
    finally:
        database(database_url, "DELETE FROM refresh_tokens")
        database(database_url, "DELETE FROM users WHERE github_id IS NOT NULL")
