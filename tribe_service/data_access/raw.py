"""Statements written in Piccolo's ``{}`` placeholder style, run on an explicit engine."""

from __future__ import annotations

from typing import Any

from piccolo.querystring import QueryString

from tribe_service.engine import TribeEngine

Row = dict[str, Any]


async def fetch_rows(engine: TribeEngine, sql: str, *args: Any) -> list[Row]:
    """The rows of ``sql`` (``{}`` placeholders for ``args``) as dicts, on ``engine``."""
    records = await engine.run_querystring(QueryString(sql, *args))
    return [dict(record) for record in records]
