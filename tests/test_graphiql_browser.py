"""GraphiQL runs a query in a real headless Chromium that can reach nothing but 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import tempfile
from urllib.parse import urlsplit

from tests.browser import WAIT_SECONDS, Browser, find_browser, start_chromium
from tribe_service.graphiql import ASSETS_PATH

# Every host name fails to resolve, so a page needing a CDN cannot load.
OFFLINE_FLAGS = ("--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",)
NETWORK_SCHEMES = {"http", "https", "ws", "wss"}


def requested_urls(driver: object) -> list[str]:
    """Every URL the page asked for, from DevTools' network events (failed ones included)."""
    urls = []
    for entry in driver.get_log("performance"):  # type: ignore[attr-defined]
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def run_health_in_graphiql(browser: Browser, base_url: str) -> tuple[str, list[str], list[str]]:
    """Open GraphiQL, type ``{ health }``, run it.

    Returns the result pane's text, the requested URLs and the console's severe entries.
    """
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait

    with tempfile.TemporaryDirectory(prefix="tribe-chromium-") as profile:
        driver = start_chromium(browser, profile, OFFLINE_FLAGS, network_log=True)
        try:
            wait = WebDriverWait(driver, WAIT_SECONDS)
            driver.get(f"{base_url}/graphql")
            editor = wait.until(
                EC.element_to_be_clickable((By.CSS_SELECTOR, ".graphiql-query-editor .CodeMirror"))
            )
            editor.click()
            typing = driver.switch_to.active_element  # CodeMirror's hidden textarea
            typing.send_keys(Keys.CONTROL, "a")
            typing.send_keys(Keys.DELETE)
            typing.send_keys("{ health }")
            typed = driver.execute_script("return arguments[0].CodeMirror.getValue()", editor)
            # The brace the editor auto-closes is typed over, not doubled.
            assert typed.strip() == "{ health }"
            driver.find_element(By.CSS_SELECTOR, ".graphiql-execute-button").click()
            wait.until(
                EC.text_to_be_present_in_element((By.CSS_SELECTOR, ".graphiql-response"), '"ok"')
            )
            result = driver.find_element(By.CSS_SELECTOR, ".graphiql-response").text
            severe = [e["message"] for e in driver.get_log("browser") if e.get("level") == "SEVERE"]
            return result, requested_urls(driver), severe
        finally:
            driver.quit()


async def test_graphiql_runs_a_query_offline(live_server):
    browser = find_browser()
    result, urls, errors = await asyncio.to_thread(run_health_in_graphiql, browser, live_server)

    assert '"health": "ok"' in result
    assert errors == []
    server = urlsplit(live_server)
    network = [url for url in urls if urlsplit(url).scheme in NETWORK_SCHEMES]
    elsewhere = [url for url in network if urlsplit(url).netloc != server.netloc]
    assert elsewhere == []
    assert any(urlsplit(url).path.startswith(f"{ASSETS_PATH}/graphiql-") for url in network)
