"""Pooled connections plan each prepared statement once (``PLAN_CACHE_MODE``)."""

from __future__ import annotations

import os

import pytest

from tribe_service.config import ConfigError, load_settings
from tribe_service.engine import build_engine

pytestmark = pytest.mark.usefixtures("seeded")

CURRENT_MODE = "SELECT current_setting('plan_cache_mode')"


async def pooled_mode(database_url: str, **environ: str) -> str:
    """``plan_cache_mode`` on a pooled connection of an engine built from these settings."""
    engine = build_engine(load_settings({**os.environ, "DATABASE_URL": database_url, **environ}))
    await engine.start_connection_pool()
    try:
        [row] = await engine.fetch(CURRENT_MODE)
        return str(row[0])
    finally:
        await engine.close_connection_pool()


async def test_pooled_connections_plan_generically_by_default(database_url):
    assert await pooled_mode(database_url) == "force_generic_plan"


async def test_plan_cache_mode_is_a_setting(database_url):
    assert await pooled_mode(database_url, PLAN_CACHE_MODE="auto") == "auto"


def test_an_unknown_plan_cache_mode_is_refused_in_one_line():
    with pytest.raises(ConfigError, match=r"^PLAN_CACHE_MODE: "):
        load_settings({"PLAN_CACHE_MODE": "fastest"})
