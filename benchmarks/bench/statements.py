"""In-process measurements on one database: SQL statements per request, and where CPU goes.

Run as ``python -m benchmarks.bench.statements`` with ``DATABASE_URL`` pointing at the
database to measure (the benchmark runs it once on the scaled database and
once on a freshly seeded one); prints one JSON object.

* **statements**: each scenario is sent ``--runs`` times to ``create_app()``
  through httpx's ASGI transport (a fresh GraphQL context, so fresh
  DataLoaders, per request) inside ``tribe_service.engine.count_statements``;
  min and max are reported, since how DataLoader batches line up can vary
  with timing. On this checkout's embedded server, the statements PostgreSQL
  itself logged (``log_statement = 'all'``) are counted too, and how many
  requests the compiled plans answered and how many the resolvers did.
* **profile** (``--profile N``): N landing-page requests one after another:
  wall and CPU milliseconds per request, the part of the wall time during
  which at least one statement is in flight (asyncpg round trips, pool
  waits, and whatever Python runs meanwhile), and a cProfile of the same requests with own time
  grouped by package (calls into C built-ins are charged to their caller's
  package). cProfile slows Python down, so only the shares are reported.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import json
import logging
import pstats
import time
from collections import defaultdict
from typing import Any
from urllib.parse import urlsplit

import httpx

from harness.load import run_async
from harness.scenarios import SCENARIO_QUERIES, DatabaseShape, fetch_shape
from tribe_service.embedded_postgres import StatementLog, embedded_server_for

PACKAGE_LABELS = {
    "graphql": "graphql-core (execution, validation)",
    "strawberry": "strawberry",
    "piccolo": "piccolo (query building, rows to dicts)",
    "asyncpg": "asyncpg",
    "litestar": "litestar",
    "httpx": "httpx (the in-process client)",
    "tribe_service": "tribe_service (our resolvers, loaders)",
    "asyncio": "asyncio (tasks, event loop, sockets)",
    "json": "json",
}


def package_of(filename: str) -> str:
    """Which package a code object's file belongs to (a key of ``PACKAGE_LABELS`` or other)."""
    path = filename.replace("\\", "/")
    if "/site-packages/" in path:
        return path.split("/site-packages/", 1)[1].split("/", 1)[0].removesuffix(".py")
    if "/tribe_service/" in path:
        return "tribe_service"
    for name in ("asyncio", "json"):
        if f"/{name}/" in path:
            return name
    if "/benchmarks/" in path:
        return "benchmarks"
    return "stdlib (other)" if "/lib/python3" in path else "other"


def own_time_by_package(stats: pstats.Stats) -> dict[str, float]:
    """Own (exclusive) time per package; a C built-in's time goes to its callers' packages."""
    totals: defaultdict[str, float] = defaultdict(float)
    raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    for (filename, _, _), (_, _, own, _, callers) in raw.items():
        if filename != "~":
            totals[package_of(filename)] += own
            continue
        caller_own = sum(entry[2] for entry in callers.values())
        for (caller_file, _, _), entry in callers.items():
            share = own * entry[2] / caller_own if caller_own else own / max(len(callers), 1)
            totals[package_of(caller_file)] += share
    return dict(totals)


class Measurer:
    """The app in-process, with its pool open, and an httpx client on it."""

    def __init__(self) -> None:
        from tribe_service.app import create_app, current_engine

        self.engine = current_engine()
        self.app = create_app(engine=self.engine)
        self.waiting = 0.0
        self.log: StatementLog | None = None
        self._patch_engine_timer()

    def _patch_engine_timer(self) -> None:
        """Add up the wall time during which at least one statement is in flight.

        Every statement the engine runs (Piccolo queries, ``fetch``, a compiled
        plan's ``fetch_all``) goes through ``TribeEngine._routed``.
        """
        from tribe_service.engine import TribeEngine

        original = TribeEngine._routed
        in_flight = 0
        since = 0.0

        async def timed(engine: TribeEngine, run: Any) -> Any:
            nonlocal in_flight, since
            if in_flight == 0:
                since = time.perf_counter()
            in_flight += 1
            try:
                return await original(engine, run)
            finally:
                in_flight -= 1
                if in_flight == 0:
                    self.waiting += time.perf_counter() - since

        TribeEngine._routed = timed  # type: ignore[method-assign,assignment]

    async def post(self, client: httpx.AsyncClient, scenario: str, shape: DatabaseShape) -> None:
        """Send ``scenario``; raise unless it answers 200 without errors."""
        payload = {"query": SCENARIO_QUERIES[scenario], "variables": shape.variables(scenario)}
        response = await client.post("/graphql", json=payload)
        body = response.json()
        if response.status_code != 200 or body.get("errors"):
            raise RuntimeError(f"{scenario}: HTTP {response.status_code} {str(body)[:300]}")

    async def statements(
        self, client: httpx.AsyncClient, shape: DatabaseShape, runs: int
    ) -> dict[str, Any]:
        """Per scenario over ``runs`` requests: statements sent and logged, and the path taken."""
        from tribe_service.engine import count_statements
        from tribe_service.graphql.compiled.executor import STATS

        counts: dict[str, list[int]] = {}
        logged: dict[str, list[int]] = {}
        paths: dict[str, dict[str, Any]] = {}
        for scenario in SCENARIO_QUERIES:
            await self.post(client, scenario, shape)  # prepared once per connection, not counted
            counts[scenario], logged[scenario] = [], []
            STATS.reset()
            for _ in range(runs):
                mark = self.log.mark() if self.log else 0
                with count_statements() as counter:
                    await self.post(client, scenario, shape)
                counts[scenario].append(counter.count)
                if self.log:
                    await asyncio.sleep(0.1)  # the server writes its log line as it executes
                    logged[scenario].append(len(self.log.since(mark)))
            paths[scenario] = {
                "compiled": STATS.compiled,
                "fallback": STATS.fallback,
                "reasons": dict(STATS.fallbacks),
            }
        return {"sent": counts, "logged": logged if self.log else None, "paths": paths}

    async def profile(
        self, client: httpx.AsyncClient, shape: DatabaseShape, requests: int
    ) -> dict[str, Any]:
        """Wall, CPU and statement-waiting time per landing request; cProfile shares."""
        for _ in range(3):  # warm caches, JIT-free but import-free
            await self.post(client, "landing", shape)
        self.waiting = 0.0
        wall, cpu = time.perf_counter(), time.process_time()
        for _ in range(requests):
            await self.post(client, "landing", shape)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        waiting = self.waiting
        profiler = cProfile.Profile()
        profiler.enable()
        try:
            for _ in range(requests):
                await self.post(client, "landing", shape)
        finally:
            profiler.disable()
        by_package = own_time_by_package(pstats.Stats(profiler))
        total = sum(by_package.values()) or 1.0
        shares = {
            name: round(100 * seconds / total, 1)
            for name, seconds in sorted(by_package.items(), key=lambda item: -item[1])
        }
        return {
            "requests": requests,
            "wall_ms": round(wall / requests * 1000, 2),
            "cpu_ms": round(cpu / requests * 1000, 2),
            "statement_wait_ms": round(waiting / requests * 1000, 2),
            "cpu_share_by_package": shares,
        }

    async def run(self, runs: int, profile_requests: int) -> dict[str, Any]:
        """Everything, with the pool open for the duration (and statements logged, if we can)."""
        from tribe_service.config import load_settings

        url = load_settings().database_url
        shape = await fetch_shape(url)
        server = embedded_server_for(url)
        with contextlib.ExitStack() as stack:
            if server is not None:
                self.log = stack.enter_context(StatementLog(server, urlsplit(url).path[1:]))
            return await self._run(shape, runs, profile_requests)

    async def _run(self, shape: DatabaseShape, runs: int, profile_requests: int) -> dict[str, Any]:
        await self.engine.start_connection_pool()
        try:
            transport = httpx.ASGITransport(app=self.app)  # type: ignore[arg-type]
            async with httpx.AsyncClient(
                transport=transport, base_url="http://localhost"
            ) as client:
                result: dict[str, Any] = {
                    "users": shape.users,
                    "feed_events": shape.feed_events,
                    "feed_cursor_depth": shape.feed_cursor_depth,
                    "profile_username": shape.profile_username,
                    "statements": await self.statements(client, shape, runs),
                }
                if profile_requests:
                    result["profile"] = await self.profile(client, shape, profile_requests)
                return result
        finally:
            await self.engine.close_connection_pool()


def main(argv: list[str] | None = None) -> int:
    """Print the measurements of the database in ``DATABASE_URL`` as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="requests per scenario")
    parser.add_argument("--profile", type=int, default=0, help="landing requests to profile")
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)  # httpx logs every request; the admin warns about hosts
    result = run_async(Measurer().run(args.runs, args.profile))  # uvloop, as uvicorn runs
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
