"""Debian's headless Chromium, driven by Selenium through Debian's chromium-driver.

Nothing is downloaded. Without them a browser test is skipped, with the reason,
unless ``REQUIRE_BROWSER=1`` (CI), where that is a failure.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pytest

CHROMIUM_CANDIDATES = ("chromium", "chromium-browser")
CHROMEDRIVER_CANDIDATES = ("chromedriver", "/usr/lib/chromium/chromedriver")
WAIT_SECONDS = 60  # generous: the suite may share the machine with other work


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


def start_chromium(
    browser: Browser, profile: str, extra_flags: Iterable[str] = (), network_log: bool = False
) -> Any:
    """A headless Chromium with its own profile directory; the caller quits it.

    ``network_log`` records DevTools' network events (``driver.get_log("performance")``).
    """
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
        *extra_flags,
    ):
        options.add_argument(flag)
    logs = {"browser": "ALL", **({"performance": "ALL"} if network_log else {})}
    options.set_capability("goog:loggingPrefs", logs)
    return webdriver.Chrome(options=options, service=Service(browser.chromedriver))
