"""``just bench``: the command line, and the run of every measurement it asks for."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from collections.abc import Callable, Mapping
from functools import partial
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg

from benchmarks.bench import postgraphile, recall
from benchmarks.bench.databases import database_facts, statements_on, statements_on_seeded
from benchmarks.bench.figures import count_fields
from benchmarks.bench.machine import describe_machine
from benchmarks.bench.measuring import (
    REFERENCE,
    RESOLVERS,
    BenchError,
    Cell,
    calibrate,
    fetch_once,
    measure,
)
from benchmarks.bench.old_code import old_code_server
from benchmarks.bench.report import (
    DEFAULT_OUTPUT,
    Report,
    kept_sections,
    render,
    render_writes,
)
from benchmarks.bench.side_by_side import (
    Comparison,
    Contender,
    Measure,
    count_statements,
    render_comparison,
    replace_section,
    run_rounds,
)
from benchmarks.bench.writes import measure_writes
from harness.load import HttpRequest, LoadResult
from harness.scenarios import (
    PAGE_SIZE,
    SCALED_USERS,
    SCENARIO_QUERIES,
    DatabaseShape,
    fetch_shape,
    scenario_requests,
)
from harness.server import (
    NO_RATE_LIMIT,
    StopOnSignal,
    uvicorn_server,
)
from tribe_service.embedded_postgres import StatementLog, embedded_server_for


def run_bench(args: argparse.Namespace) -> Report:
    """Every measurement; servers are stopped whatever happens."""
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url:
        raise BenchError("DATABASE_URL is not set (run it through `just bench`)")
    try:
        shape = asyncio.run(fetch_shape(database_url))
        postgres_version, postmaster = asyncio.run(database_facts(database_url))
    except (OSError, asyncpg.PostgresError, TimeoutError) as error:
        raise BenchError(f"cannot read the database: {error}") from None
    if shape.users < SCALED_USERS:
        raise BenchError(
            f"the database has {shape.users:,} users, the benchmark needs the scaled data "
            f"({SCALED_USERS:,}+): run `just scale` first"
        )
    report = Report(machine=describe_machine(postgres_version), shape=shape)
    measure_cell = partial(
        measure, warmup=args.warmup, duration=args.duration, postmaster_pid=postmaster
    )
    env = {"DATABASE_URL": database_url, "ENVIRONMENT": "production", **NO_RATE_LIMIT}
    if args.only_writes:
        report.writes = measure_writes(
            database_url, env, max(args.workers), args.concurrency, measure_cell, say
        )
        return report
    if args.against or args.peer is not False:
        report.comparison = compare(args, shape, env, measure_cell, report.notes)
        if args.only_side_by_side:
            if report.comparison is None:
                raise BenchError("nothing to compare: " + " ".join(report.notes))
            return report
    pool = f"{os.environ.get('DB_POOL_MIN_SIZE', '2')}-{os.environ.get('DB_POOL_MAX_SIZE', '10')}"
    report.settings = {"warmup": args.warmup, "duration": args.duration, "pool": pool}
    if postmaster is None:
        report.notes.append("PostgreSQL is not on this machine: its CPU time was not measured.")

    say(f"measuring HNSW recall@10 for {recall.SAMPLE} builders against an exact scan")
    report.recall = asyncio.run(recall.measure(database_url))
    say("counting statements on the scaled database (and profiling the landing page)")
    report.statements_scaled = statements_on(database_url, 5, args.profile, "production")
    say("counting the resolvers' statements on the scaled database")
    report.statements_resolvers = statements_on(database_url, 5, 0, "production", compiled=False)
    if not args.skip_seeded:
        say("counting statements on a freshly seeded scratch database")
        report.statements_seeded = statements_on_seeded(database_url, 5)

    requests = scenario_requests(shape)
    landing_size = 0
    for workers in args.workers:
        bodies: dict[str, bytes] = {}
        with uvicorn_server("tribe_service.app:app", workers=workers, env=env) as server:
            for scenario, request in requests.items():
                bodies[scenario] = fetch_once(server, request)
                for concurrency in args.concurrency:
                    say(f"{scenario}: {workers} worker(s), {concurrency} client(s)")
                    result, app_cpu, db_cpu = measure_cell(server, request, concurrency=concurrency)
                    report.cells.append(
                        Cell(scenario, workers, concurrency, result, app_cpu, db_cpu)
                    )
        landing_size = len(bodies["landing"])
        report.fields_resolved = count_fields(json.loads(bodies["landing"])["data"])
        if workers in args.baseline_workers:
            measure_resolvers(report, workers, requests, bodies, env, args, measure_cell)
        measure_reference(report, workers, bodies["landing"], env, args, measure_cell)
    if not args.skip_writes:
        report.writes = measure_writes(
            database_url, env, max(args.workers), args.concurrency, measure_cell, say
        )
    say("calibrating the load generator against a null server")
    report.calibration = calibrate(landing_size or 50_000, max(args.concurrency), 3.0)
    return report


def compare(
    args: argparse.Namespace,
    shape: DatabaseShape,
    env: dict[str, str],
    measure_cell: Measure,
    notes: list[str],
) -> Comparison | None:
    """This code beside ``--against``'s revision and PostGraphile, in alternating rounds.

    PostGraphile comes with ``--peer``, and by default when it can run here (else
    ``notes`` says why not); None when there is nothing to compare with.
    """
    workers = max(args.workers)
    scenarios = list(args.scenarios)
    if not args.against and args.peer is not False:
        # Only PostGraphile to compare with: our other pages are measured below anyway.
        scenarios = [name for name in scenarios if name in postgraphile.SCENARIOS]
    requests = {name: scenario_requests(shape)[name] for name in scenarios}
    contenders = [
        Contender(
            "this code",
            partial(uvicorn_server, "tribe_service.app:app", workers=workers, env=env),
            requests,
        )
    ]
    explanation: list[str] = []
    if args.against:
        contenders.append(
            Contender(
                args.against,
                partial(old_code_server, args.against, workers=workers, env=env),
                requests,
            )
        )
    if args.peer is not False:
        try:
            say("preparing PostGraphile (npm ci the first time)")
            contenders.append(postgraphile.contender(shape, scenarios, workers=workers, env=env))
            explanation.append(postgraphile.describe(workers))
        except postgraphile.PeerUnavailable as reason:
            if args.peer:
                raise BenchError(f"--peer: {reason}") from None
            notes.append(f"PostGraphile was not measured beside this code: {reason}.")
    if len(contenders) == 1:
        return None
    statements = count_logged_statements(contenders, env["DATABASE_URL"], explanation)
    samples = run_rounds(contenders, args.concurrency, args.rounds, measure_cell, say)
    return Comparison([c.name for c in contenders], args.rounds, samples, explanation, statements)


def count_logged_statements(
    contenders: list[Contender], database_url: str, explanation: list[str]
) -> dict[str, Mapping[str, int]]:
    """Every contender's statements per request, from the embedded server's log."""
    server = embedded_server_for(database_url)
    if server is None:
        explanation.append(
            "Statements were not counted: the database is not this checkout's embedded server."
        )
        return {}
    say("counting every contender's statements in PostgreSQL's log")
    with StatementLog(server, urlsplit(database_url).path[1:]) as log:
        counts = count_statements(contenders, log)
    explanation.append(
        "Statements: as PostgreSQL logged them (`log_statement = 'all'`) for one request, "
        "the fewest of 5 after 2 warm-up requests, servers started for that count alone."
    )
    return dict(counts)


def measure_resolvers(
    report: Report,
    workers: int,
    requests: dict[str, HttpRequest],
    bodies: dict[str, bytes],
    env: dict[str, str],
    args: argparse.Namespace,
    measure_cell: Callable[..., tuple[LoadResult, float, float | None]],
) -> None:
    """The scenarios through Strawberry's resolvers; their answers must be the same bytes."""
    baseline_env = {**env, "COMPILED_EXECUTION": "0"}
    with uvicorn_server(
        "tribe_service.app:app", workers=workers, env=baseline_env, name=RESOLVERS
    ) as server:
        for scenario, request in requests.items():
            if fetch_once(server, request) != bodies[scenario]:
                raise BenchError(f"{scenario}: the resolvers' answer differs from the compiled one")
            for concurrency in args.concurrency:
                say(f"{scenario} (resolvers): {workers} worker(s), {concurrency} client(s)")
                result, app_cpu, db_cpu = measure_cell(server, request, concurrency=concurrency)
                report.cells.append(
                    Cell(scenario, workers, concurrency, result, app_cpu, db_cpu, RESOLVERS)
                )


def measure_reference(
    report: Report,
    workers: int,
    landing_body: bytes,
    env: dict[str, str],
    args: argparse.Namespace,
    measure_cell: Callable[..., tuple[LoadResult, float, float | None]],
) -> None:
    """The one-statement reference, after checking it answers the landing page's JSON."""
    reference_request = HttpRequest.get(REFERENCE, f"/landing?first={PAGE_SIZE}")
    with uvicorn_server(
        "harness.reference_app:app",
        workers=workers,
        env=env,
        name="reference",
        ready_path=f"/landing?first={PAGE_SIZE}",
    ) as reference:
        reference_body = fetch_once(reference, reference_request)
        if json.loads(reference_body) != json.loads(landing_body):
            raise BenchError("the reference's JSON differs from the GraphQL landing page")
        for concurrency in args.concurrency:
            say(f"reference: {workers} worker(s), {concurrency} client(s)")
            result, app_cpu, db_cpu = measure_cell(
                reference, reference_request, concurrency=concurrency
            )
            report.cells.append(Cell(REFERENCE, workers, concurrency, result, app_cpu, db_cpu))


def say(message: str) -> None:
    """Progress, on stderr."""
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Command-line options (the defaults are what ``just bench`` runs)."""
    parser = argparse.ArgumentParser(prog="just bench", description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=8.0, help="seconds per cell")
    parser.add_argument("--warmup", type=float, default=2.0, help="warm-up seconds per cell")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 16])
    parser.add_argument(
        "--baseline-workers",
        type=int,
        nargs="*",
        default=[2],
        help="worker counts to also measure through the resolvers",
    )
    parser.add_argument("--profile", type=int, default=20, help="landing requests to profile")
    parser.add_argument("--skip-seeded", action="store_true", help="no scratch database")
    parser.add_argument("--skip-writes", action="store_true", help="no write scenarios")
    parser.add_argument(
        "--only-writes",
        action="store_true",
        help="measure only the write scenarios and print their section",
    )
    parser.add_argument(
        "--against", metavar="REV", help="also serve this git revision, side by side"
    )
    parser.add_argument(
        "--peer",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="also serve PostGraphile v5 on the same database, side by side "
        "(default: when Node 22+ is available; --no-peer: never)",
    )
    parser.add_argument("--rounds", type=int, default=3, help="side-by-side rounds (median)")
    parser.add_argument(
        "--scenarios",
        nargs="+",
        choices=list(SCENARIO_QUERIES),
        default=list(SCENARIO_QUERIES),
        help="side-by-side scenarios",
    )
    parser.add_argument(
        "--only-side-by-side",
        action="store_true",
        help="measure only the side-by-side section and replace it in the output",
    )
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args(argv)
    if not 0 < args.duration <= 60 or not 0 <= args.warmup <= 30:
        parser.error("--duration must be in (0, 60] and --warmup in [0, 30]")
    if any(not 1 <= c <= 256 for c in args.concurrency) or any(
        not 1 <= w <= 8 for w in args.workers
    ):
        parser.error("--concurrency must be in 1..256 and --workers in 1..8")
    return args


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark, print the report, write ``docs/performance.md``."""
    args = parse_args(argv)
    started = time.monotonic()
    try:
        with StopOnSignal():
            report = run_bench(args)
    except BenchError as error:
        print(f"bench: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("bench: interrupted; every server it started is stopped", file=sys.stderr)
        return 130
    if args.only_writes and report.writes:
        print("\n".join(render_writes(report.writes)))
        return 0
    if args.only_side_by_side and report.comparison:
        section = "\n".join(render_comparison(report.comparison))
        print(section)
        if not args.no_write:
            replace_section(args.output, section)
            say(f"rewrote the side-by-side section of {args.output}")
        return 0
    text = render(report, kept_sections(args.output))
    print(text)
    if not args.no_write:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text)
        say(f"wrote {args.output} ({time.monotonic() - started:.0f} s)")
    return 0
