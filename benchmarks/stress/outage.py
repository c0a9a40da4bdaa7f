"""Phase 2: the embedded PostgreSQL stopped for a few seconds under load, and back."""

from __future__ import annotations

import asyncio
import math
import os
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg

from benchmarks.stress.mixes import Mix
from benchmarks.stress.phase import MAX_REQUESTS, Phase, describe_problems
from harness.load import LoadResult, Outcome, percentile, round_robin, run_load
from harness.responses import classify, is_clear_unavailability
from harness.server import ServerProcess
from tribe_service.embedded_postgres import EmbeddedPostgres

# The application name the app's connections carry, so the outage can count them.
APPLICATION_NAME = "tribe-stress"
OUTAGE_ANSWER_LIMIT_SECONDS = 5.0
RECOVERY_LIMIT_SECONDS = 5.0


async def app_connections(url: str) -> tuple[int, int]:
    """The app's server-side connections (by application name), and those idle in transaction."""
    connection = await asyncpg.connect(url, timeout=10)
    try:
        rows = await connection.fetch(
            "SELECT state FROM pg_stat_activity "
            "WHERE datname = current_database() AND application_name = $1",
            APPLICATION_NAME,
        )
    finally:
        await connection.close()
    idle_in_transaction = sum(1 for row in rows if (row["state"] or "").startswith("idle in"))
    return len(rows), idle_in_transaction


def embedded_server_for(url: str, data_dir: Path) -> tuple[EmbeddedPostgres | None, str]:
    """The embedded server behind ``url``, or None and why the outage cannot be staged."""
    server = EmbeddedPostgres(data_dir)
    parts = urlsplit(url)
    if not (data_dir / "PG_VERSION").exists():
        return None, f"{data_dir} is not an embedded PostgreSQL data directory"
    if parts.hostname not in {"127.0.0.1", "localhost"} or parts.port != server.port:
        return None, (
            f"DATABASE_URL ({parts.hostname}:{parts.port}) is not the embedded server of "
            f"{data_dir} (port {server.port}); pass --pg-data-dir or STRESS_PG_DATA_DIR"
        )
    if not server.is_running():
        return None, f"the embedded server of {data_dir} is not running"
    return server, ""


@dataclass
class OutageTimeline:
    """When the database went down and came back, in seconds from the load's start."""

    stop_began: float = math.nan
    stopped: float = math.nan
    start_began: float = math.nan
    started: float = math.nan
    connections_before: int = -1  # the app's connections under load, just before the stop
    connections_after: int = -1  # the same, at the end of the load after the restart


async def _load_through_outage(
    port: int,
    mix: Mix,
    pg: EmbeddedPostgres,
    database_url: str,
    *,
    clients: int,
    before: float,
    down: float,
    after: float,
) -> tuple[LoadResult, OutageTimeline]:
    stop = asyncio.Event()
    load = asyncio.create_task(
        run_load(
            port,
            round_robin(mix.requests),
            concurrency=clients,
            duration=before + down + after + 120.0,  # bounded; `stop` ends it sooner
            max_requests=MAX_REQUESTS,
            request_timeout=30.0,
            check=classify,
            record=True,
            keep_bodies=True,
            stop=stop,
        )
    )
    timeline = OutageTimeline()
    pg_port = pg.port  # started again on it: another server may take a free port meanwhile
    origin = time.perf_counter()
    try:
        await asyncio.sleep(before)
        timeline.connections_before, _ = await app_connections(database_url)
        timeline.stop_began = time.perf_counter() - origin
        await asyncio.to_thread(pg.stop)
        timeline.stopped = time.perf_counter() - origin
        await asyncio.sleep(down)
    finally:
        timeline.start_began = time.perf_counter() - origin
        await asyncio.to_thread(pg.start, pg_port)  # whatever happened: the database comes back
        timeline.started = time.perf_counter() - origin
    await asyncio.sleep(after)
    timeline.connections_after, _ = await app_connections(database_url)
    stop.set()
    result = await load
    shift = result.started - origin  # outcome times count from the load's own start
    for name in ("stop_began", "stopped", "start_began", "started"):
        setattr(timeline, name, getattr(timeline, name) - shift)
    return result, timeline


def phase_outage(
    server: ServerProcess,
    mix: Mix,
    database_url: str,
    data_dir: Path,
    *,
    workers: int,
    down_seconds: float,
) -> Phase:
    """Stop the embedded database for ``down_seconds`` under load; check the answers."""
    phase = Phase(f"2. The database stopped for {down_seconds:.0f} s under load")
    pg, reason = embedded_server_for(database_url, data_dir)
    if pg is None:
        phase.check("outage ridden out", None, f"not run: {reason}")
        return phase
    pids_before = sorted(process.pid for process in server.processes())
    try:
        result, timeline = asyncio.run(
            _load_through_outage(
                server.port,
                mix,
                pg,
                database_url,
                clients=16,
                before=5.0,
                down=down_seconds,
                after=10.0,
            )
        )
    finally:
        if not pg.is_running():  # interrupted between the stop and the start
            pg.start()
    time.sleep(2.0)  # let the last connections settle
    connections_idle, idle_in_transaction = asyncio.run(app_connections(database_url))
    pids_after = sorted(process.pid for process in server.processes())
    paths = mix.paths()

    def ended(outcome: Outcome) -> float:
        return outcome.started + outcome.latency

    outcomes = result.outcomes
    # Requests that were in flight at some moment while the database was down.
    during = [
        o for o in outcomes if ended(o) >= timeline.stop_began and o.started <= timeline.started
    ]
    correct = [o for o in outcomes if o.problem is None]
    bad_during = [
        o for o in during if o.problem is not None and not is_clear_unavailability(o, paths[o.name])
    ]
    slow_during = [o for o in during if o.latency > OUTAGE_ANSWER_LIMIT_SECONDS or o.status == 0]
    clear_during = [o for o in during if is_clear_unavailability(o, paths[o.name])]
    after = [o for o in outcomes if o.started >= timeline.started]
    failing_after = [o for o in after if o.problem is not None]
    recovery = max((ended(o) - timeline.started for o in failing_after), default=0.0)
    late = [o for o in after if o.started >= timeline.started + RECOVERY_LIMIT_SECONDS]
    late_failures = [o for o in late if o.problem is not None]
    server_errors = [  # /healthz's 503 is the answer it should give
        o for o in outcomes if o.status >= 500 and not is_clear_unavailability(o, paths[o.name])
    ]
    before_ok = [o for o in outcomes if ended(o) < timeline.stop_began]

    phase.check(
        "never a 500 (5xx other than /healthz's 503)",
        not server_errors,
        f"{len(server_errors)} of {len(outcomes):,} answers",
    )
    phase.check(
        "while down: only the clear error",
        not bad_during and bool(clear_during),
        f"{len(clear_during)} DATABASE_UNAVAILABLE / 503 answers, "
        f"{len(during) - len(clear_during) - len(bad_during)} correct (finished before the stop "
        f"bit), {len(bad_during)} other"
        + (
            f" ({describe_problems(Counter(o.problem or '' for o in bad_during))})"
            if bad_during
            else ""
        ),
    )
    worst = max((o.latency for o in during), default=0.0)
    phase.check(
        f"while down: every answer within {OUTAGE_ANSWER_LIMIT_SECONDS:.0f} s, no hang",
        not slow_during,
        f"slowest {worst:.2f} s; {len(slow_during)} over the limit or unanswered",
    )
    phase.check(
        f"correct again within {RECOVERY_LIMIT_SECONDS:.0f} s",
        recovery <= RECOVERY_LIMIT_SECONDS and not late_failures and bool(late),
        f"last failing answer ended {recovery:.2f} s after the database was back; "
        f"{len(late) - len(late_failures)} of {len(late)} requests started after that "
        "limit were correct",
    )
    phase.check(
        "never restarted (same PIDs)",
        pids_before == pids_after and bool(pids_before),
        f"{pids_before} before, {pids_after} after",
    )
    low = int(os.environ.get("DB_POOL_MIN_SIZE", "2")) * workers
    high = int(os.environ.get("DB_POOL_MAX_SIZE", "10")) * workers
    pool_before, pool_after = timeline.connections_before, timeline.connections_after
    pool_ok = low <= connections_idle <= high and pool_after <= max(pool_before, low)
    phase.check(
        "pool back to its normal size",
        pool_ok and idle_in_transaction == 0,
        f"under the same load {pool_before} connections before the outage, {pool_after} after; "
        f"{connections_idle} once idle (bounds {low}-{high} for {workers} worker(s)); "
        f"{idle_in_transaction} idle in transaction",
    )
    phase.lines += [
        f"16 clients, mixed requests ({', '.join(sorted(set(paths)))}). Timeline (s from the "
        f"load's start): stop began {timeline.stop_began:.2f}, database down "
        f"{timeline.stopped:.2f}, start began {timeline.start_began:.2f}, database back "
        f"{timeline.started:.2f}. {len(before_ok):,} answers before the stop, {len(during):,} "
        f"in flight while it was down, {len(after):,} after it was back "
        f"({len(correct):,} correct in all).",
        f"Latency while down: p50 {percentile([o.latency for o in during], 50) * 1000:,.0f} ms, "
        f"max {worst * 1000:,.0f} ms.",
    ]
    return phase
