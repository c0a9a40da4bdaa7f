"""``just bench-scaling``: the numbers behind docs/scaling.md.

Load-tests the landing page (``just serve``-style uvicorn processes on the
embedded server's data, ``just scale`` first) in several deployments: 1 or 2
app instances, the primary alone or with a streaming replica, directly or
through PgBouncer (or directly with asyncpg's statement cache off, to separate
the cache's cost from PgBouncer's hop). Two instances share the load the way
a round-robin load balancer would: half the clients each. After each run it
counts the connections each server holds. A statement micro-benchmark then
measures what turning the statement cache off costs per statement.

It writes the table between the ``measured`` markers of docs/scaling.md
(``--no-write`` prints only). Needs the embedded server (``--pg-data-dir``)
because it starts a replica of it, and ``pgbouncer`` for the PgBouncer rows.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import platform
import re
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from harness.load import HttpRequest, LoadResult, run_async, run_load
from harness.scenarios import DatabaseShape, fetch_shape, scenario_request
from harness.server import NO_RATE_LIMIT, ServerProcess, StopOnSignal, uvicorn_server
from tribe_service.config import DatabasePooler
from tribe_service.embedded_postgres import DEFAULT_DATA_DIR, EmbeddedPostgres, temporary_server
from tribe_service.engine import connection_config
from tribe_service.pgbouncer import LocalPgBouncer, pgbouncer_binary

DEFAULT_OUTPUT = Path("docs/scaling.md")
START_MARKER = "<!-- measured:start -->"
END_MARKER = "<!-- measured:end -->"
MAX_REQUESTS = 1_000_000
# A loader-shaped statement: one array parameter, a handful of columns.
MICRO_SQL = "SELECT id, username, display_name, builder_score FROM users WHERE id = ANY($1::text[])"
MICRO_STATEMENTS = 3000
MICRO_CONNECTIONS = 4

DIRECT, NO_CACHE, PGBOUNCER = "direct", "direct, statement cache off", "PgBouncer (transaction)"


@dataclass(frozen=True)
class Deployment:
    """One way to run the service."""

    instances: int
    replica: bool
    path: str = DIRECT

    @property
    def title(self) -> str:
        """How the table names it."""
        servers = "primary + 1 replica" if self.replica else "primary"
        plural = "s" if self.instances > 1 else ""
        return f"{self.instances} instance{plural}, {servers}, {self.path}"


DEPLOYMENTS = [
    Deployment(1, replica=False),
    Deployment(1, replica=True),
    Deployment(2, replica=False),
    Deployment(2, replica=True),
    Deployment(1, replica=False, path=NO_CACHE),
    Deployment(1, replica=False, path=PGBOUNCER),
]


@dataclass
class Row:
    """What one deployment measured."""

    deployment: Deployment
    result: LoadResult
    primary_connections: int
    replica_connections: int | None


def merged(results: Sequence[LoadResult]) -> LoadResult:
    """Several clients' results as one (latencies pooled, the longest duration)."""
    total = LoadResult(concurrency=sum(r.concurrency for r in results))
    for result in results:
        total.latencies += result.latencies
        total.statuses.update(result.statuses)
        total.problems.update(result.problems)
    total.duration = max(r.duration for r in results)
    return total


def load(
    servers: Sequence[ServerProcess], request: HttpRequest, clients: int, seconds: float
) -> LoadResult:
    """``clients`` spread evenly over ``servers`` for ``seconds``."""

    async def all_at_once() -> list[LoadResult]:
        share = max(clients // len(servers), 1)
        return list(
            await asyncio.gather(
                *(
                    run_load(
                        server.port,
                        lambda _: request,
                        concurrency=share,
                        duration=seconds,
                        max_requests=MAX_REQUESTS,
                    )
                    for server in servers
                )
            )
        )

    return merged(run_async(all_at_once()))


def client_connections(server: EmbeddedPostgres, database: str) -> int:
    """Client connections ``server`` holds to ``database`` now."""
    return int(
        server.psql(
            "SELECT count(*) FROM pg_stat_activity"
            f" WHERE datname = '{database}' AND backend_type = 'client backend'"
        )
    )


def app_env(
    deployment: Deployment, primary_url: str, replica_url: str, bouncer: LocalPgBouncer | None
) -> dict[str, str]:
    """The app's environment for ``deployment``."""
    env = {
        "ENVIRONMENT": "production",
        "DATABASE_URL": primary_url,
        "DATABASE_REPLICA_URLS": "",
        **NO_RATE_LIMIT,
    }
    if deployment.replica:
        env["DATABASE_REPLICA_URLS"] = replica_url
    if deployment.path != DIRECT:
        env["DATABASE_POOLER"] = DatabasePooler.PGBOUNCER.value
    if deployment.path == PGBOUNCER:
        assert bouncer is not None
        env["DATABASE_URL"] = bouncer.url(database_of(primary_url))
    return env


def database_of(url: str) -> str:
    """The database name at the end of a URL."""
    return url.rsplit("/", 1)[-1].split("?", 1)[0]


def measure_deployment(
    deployment: Deployment,
    args: argparse.Namespace,
    servers: tuple[EmbeddedPostgres, EmbeddedPostgres, LocalPgBouncer | None],
    request: HttpRequest,
) -> Row:
    """Start the app instances for ``deployment``, warm up, load, count connections."""
    primary, replica, bouncer = servers
    database = database_of(args.database_url)
    env = app_env(deployment, args.database_url, replica.url(database), bouncer)
    with contextlib.ExitStack() as stack:
        apps = [
            stack.enter_context(
                uvicorn_server(
                    "tribe_service.app:app", workers=args.workers, env=env, name=f"app{i}"
                )
            )
            for i in range(deployment.instances)
        ]
        load(apps, request, args.clients, args.warmup)
        result = load(apps, request, args.clients, args.duration)
        return Row(
            deployment,
            result,
            client_connections(primary, database),
            client_connections(replica, database) if deployment.replica else None,
        )


async def statement_rate(url: str, pooler: DatabasePooler, ids: list[str]) -> float:
    """Statements per second: MICRO_STATEMENTS runs of MICRO_SQL over a small pool."""
    config = connection_config(url, pooler)
    pool = await asyncpg.create_pool(
        **config, min_size=MICRO_CONNECTIONS, max_size=MICRO_CONNECTIONS
    )
    try:
        await pool.fetch(MICRO_SQL, ids)
        per_connection = MICRO_STATEMENTS // MICRO_CONNECTIONS

        async def worker() -> None:
            async with pool.acquire() as connection:
                for _ in range(per_connection):
                    await connection.fetch(MICRO_SQL, ids)

        began = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(MICRO_CONNECTIONS)))
        return per_connection * MICRO_CONNECTIONS / (time.perf_counter() - began)
    finally:
        await pool.close()


def statement_micro(args: argparse.Namespace, bouncer: LocalPgBouncer | None) -> list[str]:
    """The micro-benchmark's table lines."""

    async def run() -> list[tuple[str, float]]:
        connection = await asyncpg.connect(args.database_url)
        ids = [r["id"] for r in await connection.fetch("SELECT id FROM users LIMIT 20")]
        await connection.close()
        rates = [
            (
                "direct, statement cache on",
                await statement_rate(args.database_url, DatabasePooler.NONE, ids),
            ),
            (
                "direct, statement cache off",
                await statement_rate(args.database_url, DatabasePooler.PGBOUNCER, ids),
            ),
        ]
        if bouncer is not None:
            url = bouncer.url(database_of(args.database_url))
            rates.append(
                (
                    "PgBouncer, statement cache off",
                    await statement_rate(url, DatabasePooler.PGBOUNCER, ids),
                )
            )
        return rates

    rates = run_async(run())
    base = rates[0][1]
    lines = ["| path | statements/s | vs cache on |", "|---|---:|---:|"]
    lines += [f"| {name} | {rate:,.0f} | {rate / base:.2f}x |" for name, rate in rates]
    return lines


def ms(seconds_ms: float) -> str:
    return f"{seconds_ms:,.0f} ms"


def render(
    rows: Sequence[Row], micro: list[str], args: argparse.Namespace, shape: DatabaseShape
) -> str:
    """The measured section of docs/scaling.md."""
    base = rows[0].result.rps or 1.0
    load1, load5, _ = os.getloadavg()
    lines = [
        START_MARKER,
        f"Measured by `just bench-scaling` on {time.strftime('%Y-%m-%d')}: {os.cpu_count()} CPUs,"
        f" {platform.python_implementation()} {platform.python_version()}, load average"
        f" {load1:.1f} / {load5:.1f} at the end (the machine is shared: compare rows of one run,"
        " as ratios). Landing page (`first: 20`),"
        f" {args.clients} clients, {args.duration:.0f} s per row after {args.warmup:.0f} s of"
        f" warm-up, {args.workers} uvicorn worker(s) per instance, on {shape.users:,} builders /"
        f" {shape.feed_events:,} feed events. Connections: client connections each server held"
        " at the end of the run.",
        "",
        "| deployment | req/s | vs first row | p50 | p99 | errors | primary conns | replica conns |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        r = row.result
        replica = "-" if row.replica_connections is None else str(row.replica_connections)
        lines.append(
            f"| {row.deployment.title} | {r.rps:,.1f} | {r.rps / base:.2f}x | {ms(r.percentile_ms(50))}"
            f" | {ms(r.percentile_ms(99))} | {r.failed} | {row.primary_connections} | {replica} |"
        )
    lines += [
        "",
        f"Prepared statements: {MICRO_STATEMENTS:,} runs of a loader-shaped statement"
        f" (`{MICRO_SQL}`, 20 ids) over {MICRO_CONNECTIONS} connections:",
        "",
        *micro,
        END_MARKER,
    ]
    return "\n".join(lines)


def write_section(path: Path, section: str) -> None:
    """Replace the text between the markers of ``path`` with ``section``."""
    text = path.read_text()
    pattern = re.compile(re.escape(START_MARKER) + ".*?" + re.escape(END_MARKER), re.DOTALL)
    if not pattern.search(text):
        raise SystemExit(f"{path} has no {START_MARKER} ... {END_MARKER} section")
    path.write_text(pattern.sub(lambda _: section, text))


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per deployment")
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=1, help="uvicorn workers per instance")
    parser.add_argument("--pg-data-dir", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args(argv)
    args.database_url = os.environ.get("DATABASE_URL", "")
    return args


def main(argv: list[str] | None = None) -> int:
    """Measure every deployment, print the section and write it into docs/scaling.md."""
    args = parse_args(argv)
    primary = EmbeddedPostgres(args.pg_data_dir)
    if not args.database_url or not primary.is_running():
        print(f"needs the embedded server running in {args.pg_data_dir} (just db)", file=sys.stderr)
        return 1
    shape = run_async(fetch_shape(args.database_url))
    request = scenario_request("landing", shape)
    with StopOnSignal(), contextlib.ExitStack() as stack:
        replica = stack.enter_context(temporary_server("bench-replica-", replica_of=primary))
        bouncer = None
        if pgbouncer_binary() is not None:
            assert primary.port is not None
            bouncer = stack.enter_context(LocalPgBouncer(primary.port))
        deployments = [d for d in DEPLOYMENTS if bouncer is not None or d.path != PGBOUNCER]
        rows = []
        for deployment in deployments:
            print(f"measuring: {deployment.title}", file=sys.stderr)
            rows.append(measure_deployment(deployment, args, (primary, replica, bouncer), request))
        micro = statement_micro(args, bouncer)
    section = render(rows, micro, args, shape)
    print(section)
    if not args.no_write:
        write_section(args.output, section)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
