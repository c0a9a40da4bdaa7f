"""``just stress``: the command line, and the run of the phases it asks for."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import asyncpg

from benchmarks.stress.abuse import phase_abuse
from benchmarks.stress.fuzz import phase_fuzz
from benchmarks.stress.load import phase_load
from benchmarks.stress.memory import phase_memory
from benchmarks.stress.mixes import mixes
from benchmarks.stress.outage import APPLICATION_NAME, phase_outage
from benchmarks.stress.phase import StressError
from benchmarks.stress.report import DEFAULT_OUTPUT, Report, render
from benchmarks.stress.writes import phase_writes
from harness.database_urls import with_application_name
from harness.scenarios import SCALED_USERS, fetch_shape
from harness.server import NO_RATE_LIMIT, REPO_ROOT, StopOnSignal, uvicorn_server
from tribe_service.embedded_postgres import DEFAULT_DATA_DIR

MORE_PROFILES_SQL = """
SELECT username FROM users WHERE username <> $1 ORDER BY builder_score DESC, id LIMIT $2
"""


def run_stress(args: argparse.Namespace) -> Report:
    """Every phase; servers are stopped and the database restarted whatever happens."""
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url:
        raise StressError("DATABASE_URL is not set (run it through `just stress`)")
    try:
        shape = asyncio.run(fetch_shape(database_url))
        profiles, postgres = asyncio.run(_more_facts(database_url, shape.profile_username))
    except (OSError, asyncpg.PostgresError, TimeoutError) as error:
        raise StressError(f"cannot read the database: {error}") from None
    if shape.users < SCALED_USERS:
        raise StressError(
            f"the database has {shape.users:,} users, the stress test needs the scaled data "
            f"({SCALED_USERS:,}+): run `just scale` first"
        )
    report = Report(
        started=datetime.now(tz=UTC).strftime("%Y-%m-%d %H:%M UTC"),
        workers=args.workers,
        shape=shape,
        postgres=postgres,
    )
    request_mixes = mixes(shape, profiles)
    app_url = with_application_name(database_url, APPLICATION_NAME)
    env = {
        "DATABASE_URL": app_url,
        "ENVIRONMENT": "production",
        "OPERATION_TIMEOUT_SECONDS": "60",
        **NO_RATE_LIMIT,
    }
    if {"load", "outage", "memory"} & set(args.phases):
        with uvicorn_server("tribe_service.app:app", workers=args.workers, env=env) as server:
            if "load" in args.phases:
                say(f"load: {args.clients} clients for {args.load_seconds:.0f} s")
                report.phases.append(
                    phase_load(server, request_mixes["load"], args.clients, args.load_seconds)
                )
            if "outage" in args.phases:
                say(f"outage: database down for {args.outage_seconds:.0f} s under load")
                report.phases.append(
                    phase_outage(
                        server,
                        request_mixes["outage"],
                        database_url,
                        args.pg_data_dir,
                        workers=args.workers,
                        down_seconds=args.outage_seconds,
                    )
                )
            if "memory" in args.phases:
                say(f"memory: {args.memory_requests:,} requests")
                report.phases.append(
                    phase_memory(
                        server, request_mixes["memory"], args.memory_requests, args.memory_warmup
                    )
                )
            server.check_alive()
    if "abuse" in args.phases:
        say(f"abuse: 8 normal clients for {args.abuse_seconds:.0f} s under attack")
        report.phases.append(
            phase_abuse(app_url, request_mixes["abuse"], args.workers, args.abuse_seconds)
        )
    if "fuzz" in args.phases:
        say(f"fuzz: schemathesis, at least {args.fuzz_minimum:,} queries")
        report.phases.append(
            phase_fuzz(database_url, args.fuzz_examples, args.fuzz_minimum, args.seed)
        )
    if "writes" in args.phases:
        say(f"writes: {args.writers} writers for {args.writes_seconds:.0f} s through failures")
        report.phases.append(
            phase_writes(
                database_url,
                args.pg_data_dir,
                workers=args.workers,
                writers=args.writers,
                seconds=args.writes_seconds,
                down_seconds=args.outage_seconds,
                seed=args.seed,
                base_env={"ENVIRONMENT": "production"},
            )
        )
    return report


async def _more_facts(url: str, username: str) -> tuple[list[str], str]:
    connection = await asyncpg.connect(url, timeout=10)
    try:
        rows = await connection.fetch(MORE_PROFILES_SQL, username, 3)
        version = await connection.fetchval("SHOW server_version")
    finally:
        await connection.close()
    return [row["username"] for row in rows], str(version)


def say(message: str) -> None:
    """Progress, on stderr."""
    print(f"[stress {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


PHASES = ("load", "outage", "fuzz", "memory", "abuse", "writes")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Command-line options (the defaults are what ``just stress`` runs)."""
    parser = argparse.ArgumentParser(prog="just stress", description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WORKERS", "2")))
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--load-seconds", type=float, default=30.0)
    parser.add_argument("--outage-seconds", type=float, default=5.0)
    parser.add_argument(
        "--pg-data-dir",
        type=Path,
        default=Path(os.environ.get("STRESS_PG_DATA_DIR") or REPO_ROOT / DEFAULT_DATA_DIR),
        help="data directory of the embedded server behind DATABASE_URL (for the outage)",
    )
    parser.add_argument("--fuzz-examples", type=int, default=150, help="per operation")
    parser.add_argument("--fuzz-minimum", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=20261126)
    parser.add_argument("--memory-requests", type=int, default=20_000)
    parser.add_argument("--abuse-seconds", type=float, default=45.0)
    parser.add_argument("--memory-warmup", type=int, default=2_000)
    parser.add_argument("--writers", type=int, default=32, help="the writes phase's clients")
    parser.add_argument("--writes-seconds", type=float, default=75.0)
    parser.add_argument("--phases", nargs="+", choices=PHASES, default=list(PHASES))
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args(argv)
    if not 1 <= args.workers <= 8 or not 1 <= args.clients <= 1000:
        parser.error("--workers must be in 1..8 and --clients in 1..1000")
    if not 0 < args.load_seconds <= 600 or not 0 < args.outage_seconds <= 60:
        parser.error("--load-seconds must be in (0, 600] and --outage-seconds in (0, 60]")
    if not 1 <= args.memory_requests <= 200_000 or not 1 <= args.fuzz_examples <= 2_000:
        parser.error("--memory-requests must be in 1..200000, --fuzz-examples in 1..2000")
    if not 1 <= args.writers <= 200 or not 0 < args.writes_seconds <= 600:
        parser.error("--writers must be in 1..200 and --writes-seconds in (0, 600]")
    return args


def main(argv: list[str] | None = None) -> int:
    """Run the stress test, print the report, write ``docs/reliability.md``."""
    args = parse_args(argv)
    started = time.monotonic()
    try:
        with StopOnSignal():
            report = run_stress(args)
    except StressError as error:
        print(f"stress: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("stress: interrupted; servers stopped, database started again", file=sys.stderr)
        return 130
    text = render(report)
    print(text)
    if not args.no_write:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text)
        say(f"wrote {args.output} ({time.monotonic() - started:.0f} s)")
    return 1 if report.failed else 0
