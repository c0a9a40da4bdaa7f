"""``just bench``: throughput and latency of ``just serve`` on the scaled data.

For 1 and 2 uvicorn workers, and 1 and 16 concurrent clients, it measures the
scenarios of :mod:`benchmarks.scenarios` (landing page, builder profile, a feed
page 50,000 events deep, a tribe page, 100 builders) as served (compiled plans),
the same through Strawberry's resolvers (``COMPILED_EXECUTION=0``, the baseline;
its answers must be byte-identical), and the reference: the landing page's JSON
from one hand-written SQL statement behind a bare Litestar route
(:mod:`benchmarks.reference_app`). It also counts SQL statements per request
in-process and as PostgreSQL logs them, on the scaled database and on a freshly
seeded scratch database, and profiles the landing page in-process. It prints a
Markdown report and writes it to ``docs/performance.md``.

Needs ``DATABASE_URL`` (the recipe exports it) and the scaled data set: with
fewer than 10,000 users it stops and says to run ``just scale``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import platform
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import psutil

from benchmarks import recall
from benchmarks.load import (
    HttpRequest,
    LoadResult,
    run_async,
    run_load,
)
from benchmarks.scenarios import (
    BUILDERS_PAGE_SIZE,
    PAGE_SIZE,
    SCALED_USERS,
    SCENARIO_QUERIES,
    SCENARIO_TITLES,
    DatabaseShape,
    fetch_shape,
    scenario_requests,
)
from benchmarks.server import (
    NO_RATE_LIMIT,
    REPO_ROOT,
    VENV_BIN,
    ServerProcess,
    StopOnSignal,
    null_server,
    uvicorn_server,
)

DEFAULT_OUTPUT = REPO_ROOT / "docs" / "performance.md"
REFERENCE = "reference"
REQUEST_TIMEOUT_SECONDS = 30.0
MAX_REQUESTS_PER_CELL = 200_000
SUBPROCESS_TIMEOUT_SECONDS = 600

COMPILED = "compiled"
RESOLVERS = "resolvers"

# The targets of issue 9 (2 workers).
TARGET_REFERENCE_RATIO = {16: 2.0, 1: 1.5}  # landing req/s ÷ the reference's, by clients
TARGET_LANDING_P50_MS = {16: 30.0, 1: 5.0}
TARGET_LANDING_APP_CPU_MS = 2.0
TARGET_SPEEDUP = 5.0  # the other scenarios, compiled ÷ resolvers
TARGET_STATEMENTS = 5


class BenchError(RuntimeError):
    """The benchmark cannot go on (the message says why)."""


# -- measuring ------------------------------------------------------------------


class CpuMeter:
    """CPU seconds (user + system) used by a changing set of processes between two reads."""

    def __init__(self, processes: Callable[[], Iterable[psutil.Process]]) -> None:
        self._processes = processes
        self._before: dict[int, float] = {}

    def _read(self) -> dict[int, float]:
        times = {}
        for process in self._processes():
            try:
                cpu = process.cpu_times()
                times[process.pid] = cpu.user + cpu.system
            except psutil.Error:
                continue
        return times

    def start(self) -> None:
        """Remember the CPU time so far."""
        self._before = self._read()

    def seconds(self) -> float:
        """CPU seconds since :meth:`start` (processes born meanwhile count in full)."""
        after = self._read()
        return sum(max(cpu - self._before.get(pid, 0.0), 0.0) for pid, cpu in after.items())


def postgres_processes(postmaster_pid: int | None) -> Callable[[], list[psutil.Process]]:
    """The PostgreSQL server's processes (postmaster and children), if it runs on this machine."""

    def processes() -> list[psutil.Process]:
        if postmaster_pid is None:
            return []
        try:
            postmaster = psutil.Process(postmaster_pid)
            return [postmaster, *postmaster.children()]
        except psutil.Error:
            return []

    return processes


@dataclass
class Cell:
    """One measurement: a scenario on a server, at a concurrency."""

    scenario: str
    workers: int
    concurrency: int
    result: LoadResult
    app_cpu_seconds: float
    db_cpu_seconds: float | None
    path: str = COMPILED  # compiled plans, the resolvers, or the reference (its own scenario)

    def per_request_ms(self, seconds: float | None) -> float:
        """``seconds`` of CPU spread over the requests, in milliseconds (NaN if unknown)."""
        if seconds is None or not self.result.requests:
            return math.nan
        return seconds / self.result.requests * 1000


@dataclass
class Calibration:
    """The load generator against a null server: its own ceiling and CPU cost."""

    body_bytes: int
    concurrency: int
    rps: float
    p50_ms: float
    client_cpu_us: float


@dataclass
class Machine:
    """Where the figures were measured."""

    cpus: int
    cpu_model: str
    ram_gib: float
    python: str
    postgres: str
    kernel: str
    load_average: tuple[float, float, float]
    date: str


@dataclass
class Report:
    """Everything one run measured."""

    machine: Machine
    shape: DatabaseShape
    cells: list[Cell] = field(default_factory=list)
    statements_scaled: dict[str, Any] = field(default_factory=dict)
    statements_resolvers: dict[str, Any] | None = None
    statements_seeded: dict[str, Any] | None = None
    calibration: Calibration | None = None
    settings: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    fields_resolved: int = 0
    recall: recall.RecallReport | None = None


def measure(
    server: ServerProcess,
    request: HttpRequest,
    *,
    concurrency: int,
    warmup: float,
    duration: float,
    postmaster_pid: int | None,
) -> tuple[LoadResult, float, float | None]:
    """Warm up, then load ``server`` with ``request``; returns result, app and DB CPU seconds."""

    def load(seconds: float) -> LoadResult:
        return run_async(
            run_load(
                server.port,
                lambda _: request,
                concurrency=concurrency,
                duration=seconds,
                max_requests=MAX_REQUESTS_PER_CELL,
                request_timeout=REQUEST_TIMEOUT_SECONDS,
            )
        )

    if warmup > 0:
        load(warmup)
    app_meter = CpuMeter(server.processes)
    db_meter = CpuMeter(postgres_processes(postmaster_pid))
    app_meter.start()
    db_meter.start()
    result = load(duration)
    db_seconds = db_meter.seconds() if postmaster_pid is not None else None
    return result, app_meter.seconds(), db_seconds


def fetch_once(server: ServerProcess, request: HttpRequest) -> bytes:
    """One request; its body. Raises unless it answered 200 without GraphQL errors."""
    result = run_async(
        run_load(
            server.port,
            lambda _: request,
            concurrency=1,
            duration=REQUEST_TIMEOUT_SECONDS,
            max_requests=1,
            request_timeout=REQUEST_TIMEOUT_SECONDS,
            record=True,
            keep_bodies=True,
        )
    )
    [outcome] = result.outcomes
    if outcome.problem or outcome.status != 200:
        raise BenchError(
            f"{server.name}: {request.name} answered {outcome.status} "
            f"({outcome.problem}): {outcome.body[:300]!r}"
        )
    return outcome.body


def calibrate(body_bytes: int, concurrency: int, duration: float) -> Calibration:
    """The load generator against the null server (what it can drive, what it costs)."""
    with null_server(body_bytes, lifetime=duration * 3 + 30) as server:
        request = HttpRequest.get("null", "/")
        run_async(
            run_load(
                server.port,
                lambda _: request,
                concurrency=concurrency,
                duration=1.0,
                max_requests=MAX_REQUESTS_PER_CELL,
            )
        )
        result = run_async(
            run_load(
                server.port,
                lambda _: request,
                concurrency=concurrency,
                duration=duration,
                max_requests=MAX_REQUESTS_PER_CELL,
            )
        )
    return Calibration(
        body_bytes=body_bytes,
        concurrency=concurrency,
        rps=result.rps,
        p50_ms=result.percentile_ms(50),
        client_cpu_us=result.client_cpu_us_per_request,
    )


# -- databases ------------------------------------------------------------------


def with_database(url: str, database: str) -> str:
    """``url`` pointing at another database of the same server."""
    return urlunsplit(urlsplit(url)._replace(path=f"/{database}"))


async def database_facts(url: str) -> tuple[str, int | None]:
    """PostgreSQL's version, and its postmaster's pid if the server runs on this machine."""
    connection = await asyncpg.connect(url, timeout=10)
    try:
        version = await connection.fetchval("SHOW server_version")
        backend = await connection.fetchval("SELECT pg_backend_pid()")
        postmaster = None
        if (urlsplit(url).hostname or "localhost") in {"127.0.0.1", "localhost", "::1"}:
            try:  # while the connection is open, its backend process exists
                postmaster = psutil.Process(backend).ppid()
            except psutil.Error:
                postmaster = None
    finally:
        await connection.close()
    return str(version), postmaster


async def admin_sql(url: str, sql: str) -> None:
    """Run ``sql`` (CREATE/DROP DATABASE) over a new connection to ``url``."""
    connection = await asyncpg.connect(url, timeout=10)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


def run_python(args: Sequence[str], env: dict[str, str], what: str) -> str:
    """Run a venv program (``piccolo``) or ``python -m ...``; its stdout, or BenchError."""
    program = str(VENV_BIN / args[0]) if args[0] != "python" else sys.executable
    completed = subprocess.run(
        [program, *args[1:]],
        cwd=REPO_ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=SUBPROCESS_TIMEOUT_SECONDS,
        check=False,
    )
    if completed.returncode != 0:
        detail = (completed.stderr or completed.stdout).strip().splitlines()[-15:]
        raise BenchError(f"{what} failed:\n" + "\n".join(detail))
    return completed.stdout


def statements_on(
    url: str, runs: int, profile: int, environment: str, compiled: bool = True
) -> dict[str, Any]:
    """:mod:`benchmarks.statements` on the database at ``url``."""
    args = ["python", "-m", "benchmarks.statements", "--runs", str(runs), "--profile", str(profile)]
    env = {
        "DATABASE_URL": url,
        "ENVIRONMENT": environment,
        "COMPILED_EXECUTION": "1" if compiled else "0",
        **NO_RATE_LIMIT,
    }
    out = run_python(args, env, "statement count")
    return json.loads(out.strip().splitlines()[-1])


def statements_on_seeded(server_url: str, runs: int) -> dict[str, Any]:
    """Create a scratch database, migrate and seed it, count statements there, drop it."""
    name = f"bench_scratch_{uuid.uuid4().hex[:10]}"
    url = with_database(server_url, name)
    asyncio.run(admin_sql(server_url, f'CREATE DATABASE "{name}"'))
    try:
        env = {"DATABASE_URL": url, "ENVIRONMENT": "development"}
        run_python(["piccolo", "migrations", "forwards", "all"], env, "migrating the scratch db")
        run_python(["piccolo", "tribe_service", "seed"], env, "seeding the scratch db")
        return statements_on(url, runs, 0, "production")
    finally:
        asyncio.run(admin_sql(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


# -- the machine ----------------------------------------------------------------


def cpu_model() -> str:
    """The CPU's model name from /proc/cpuinfo (or what platform knows)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def describe_machine(postgres_version: str) -> Machine:
    """nproc, CPU, RAM, versions, load and date."""
    return Machine(
        cpus=os.cpu_count() or 0,
        cpu_model=cpu_model(),
        ram_gib=psutil.virtual_memory().total / 2**30,
        python=platform.python_version(),
        postgres=postgres_version,
        kernel=f"{platform.system()} {platform.release()}",
        load_average=os.getloadavg(),
        date=datetime.now(tz=UTC).strftime("%Y-%m-%d %H:%M UTC"),
    )


# -- the report -----------------------------------------------------------------


def ms(value: float) -> str:
    """Milliseconds for a table cell."""
    if math.isnan(value):
        return "-"
    return f"{value:.0f}" if value >= 100 else f"{value:.1f}"


def span(values: Sequence[int]) -> str:
    """``14`` or ``14-15``."""
    low, high = min(values), max(values)
    return str(low) if low == high else f"{low}-{high}"


def find_cell(
    cells: Sequence[Cell], scenario: str, workers: int, concurrency: int, path: str = COMPILED
) -> Cell | None:
    """The cell measured for these parameters, if any."""
    for cell in cells:
        key = (cell.scenario, cell.workers, cell.concurrency, cell.path)
        if key == (scenario, workers, concurrency, path):
            return cell
    return None


def ratio(cell: Cell | None, other: Cell | None) -> float | None:
    """``cell``'s req/s over ``other``'s (None if either is missing)."""
    if cell is None or other is None or not other.result.rps:
        return None
    return cell.result.rps / other.result.rps


def times(value: float | None) -> str:
    """``2.31x`` or ``-``."""
    return "-" if value is None else f"{value:.2f}x"


def title_of(cell: Cell) -> str:
    """The table's name of a cell's scenario."""
    if cell.scenario == REFERENCE:
        return "landing page, reference (1 SQL statement)"
    return SCENARIO_TITLES[cell.scenario]


def throughput_table(cells: Sequence[Cell]) -> list[str]:
    """The Markdown table of every cell."""
    lines = [
        "| scenario | path | workers | clients | req/s | p50 ms | p99 ms | requests | errors "
        "| app CPU ms/req | DB CPU ms/req | ÷ resolvers | ÷ reference |",
        "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for cell in cells:
        result = cell.result
        to_resolvers = to_reference = None
        if cell.path == COMPILED and cell.scenario != REFERENCE:
            to_resolvers = ratio(
                cell, find_cell(cells, cell.scenario, cell.workers, cell.concurrency, RESOLVERS)
            )
        if cell.scenario == "landing":
            to_reference = ratio(cell, find_cell(cells, REFERENCE, cell.workers, cell.concurrency))
        path = "-" if cell.scenario == REFERENCE else cell.path
        lines.append(
            f"| {title_of(cell)} | {path} | {cell.workers} | {cell.concurrency} "
            f"| {result.rps:.1f} | {ms(result.percentile_ms(50))} | {ms(result.percentile_ms(99))} "
            f"| {result.requests} | {result.failed} | {ms(cell.per_request_ms(cell.app_cpu_seconds))} "
            f"| {ms(cell.per_request_ms(cell.db_cpu_seconds))} | {times(to_resolvers)} "
            f"| {times(to_reference)} |"
        )
    return lines


def statements_table(report: Report) -> list[str]:
    """Statements per request: compiled at seed size and at scale, logged, the resolvers'."""
    scaled = report.statements_scaled["statements"]
    seeded = report.statements_seeded["statements"] if report.statements_seeded else None
    resolvers = report.statements_resolvers["statements"] if report.statements_resolvers else None
    lines = [
        "| scenario | compiled, seeded | compiled, scaled | as PostgreSQL logged them (scaled) "
        "| answered by | resolvers, scaled (logged) |",
        "|---|--:|--:|--:|---|--:|",
    ]
    for scenario in SCENARIO_QUERIES:
        small = span(seeded["sent"][scenario]) if seeded else "-"
        logged = scaled["logged"][scenario] if scaled["logged"] else None
        paths = scaled["paths"][scenario]
        answered = f"compiled {paths['compiled']}, resolvers {paths['fallback']}"
        if paths["reasons"]:
            answered += " (" + ", ".join(paths["reasons"]) + ")"
        baseline = "-"
        if resolvers:
            baseline = span(resolvers["sent"][scenario])
            if resolvers["logged"]:
                baseline += f" ({span(resolvers['logged'][scenario])})"
        lines.append(
            f"| {SCENARIO_TITLES[scenario]} | {small} | {span(scaled['sent'][scenario])} "
            f"| {span(logged) if logged else '-'} | {answered} | {baseline} |"
        )
    return lines


def targets(report: Report) -> list[tuple[str, str, bool | None]]:
    """(target, measured, met) for the targets of issue 9 (2 workers)."""
    cells = report.cells
    checks: list[tuple[str, str, bool | None]] = []
    for clients in (16, 1):
        landing = find_cell(cells, "landing", 2, clients)
        reference = find_cell(cells, REFERENCE, 2, clients)
        value = ratio(landing, reference)
        wanted = TARGET_REFERENCE_RATIO[clients]
        checks.append(
            (
                f"landing ≥ {wanted}x the reference's req/s, {clients} client(s)",
                "not measured"
                if value is None or landing is None or reference is None
                else f"{value:.2f}x ({landing.result.rps:.0f} vs {reference.result.rps:.0f} req/s)",
                None if value is None else value >= wanted,
            )
        )
        limit = TARGET_LANDING_P50_MS[clients]
        p50 = landing.result.percentile_ms(50) if landing else math.nan
        checks.append(
            (
                f"landing p50 ≤ {limit:.0f} ms, {clients} client(s)",
                "not measured" if landing is None else f"{ms(p50)} ms",
                None if landing is None else p50 <= limit,
            )
        )
    landing = find_cell(cells, "landing", 2, 16)
    app_ms = landing.per_request_ms(landing.app_cpu_seconds) if landing else math.nan
    checks.append(
        (
            f"app CPU per landing page ≤ {TARGET_LANDING_APP_CPU_MS:.0f} ms (16 clients)",
            "not measured" if landing is None else f"{ms(app_ms)} ms",
            None if landing is None else app_ms <= TARGET_LANDING_APP_CPU_MS,
        )
    )
    for scenario in ("profile", "feed-deep", "tribe", "builders"):
        speedups = [
            ratio(find_cell(cells, scenario, 2, c), find_cell(cells, scenario, 2, c, RESOLVERS))
            for c in (1, 16)
        ]
        known = [value for value in speedups if value is not None]
        checks.append(
            (
                f"{SCENARIO_TITLES[scenario]} ≥ {TARGET_SPEEDUP:.0f}x the resolvers' req/s",
                ", ".join(f"{c}c: {times(v)}" for c, v in zip((1, 16), speedups, strict=True)),
                min(known) >= TARGET_SPEEDUP if known else None,
            )
        )
    scaled = report.statements_scaled["statements"]
    logged = scaled["logged"]["landing"] if scaled["logged"] else None
    seeded = report.statements_seeded["statements"] if report.statements_seeded else None
    if logged:
        same = seeded is None or max(seeded["sent"]["landing"]) == max(scaled["sent"]["landing"])
        checks.append(
            (
                f"landing statements as PostgreSQL logs them ≤ {TARGET_STATEMENTS}, constant in rows",
                f"{span(logged)} logged; sent {span(scaled['sent']['landing'])} at scale, "
                + (span(seeded["sent"]["landing"]) if seeded else "-")
                + " seeded",
                max(logged) <= TARGET_STATEMENTS and same,
            )
        )
    fallbacks = sum(paths["fallback"] for paths in scaled["paths"].values())
    checks.append(
        ("no scenario falls back to the resolvers", f"{fallbacks} fallbacks", not fallbacks)
    )
    return checks


def verdict(met: bool | None) -> str:
    """Met / missed / not measured."""
    return {True: "met", False: "**missed**", None: "not measured"}[met]


def render(report: Report) -> str:
    """The whole Markdown report."""
    machine = report.machine
    shape = report.shape
    settings = report.settings
    load1, load5, _ = machine.load_average
    lines = [
        "# Performance",
        "",
        "Written by `just bench` (`benchmarks/bench.py`); run it again to refresh every figure.",
        "",
        f"- **Date**: {machine.date}",
        f"- **Machine**: {machine.cpus} CPUs ({machine.cpu_model}), {machine.ram_gib:.0f} GiB RAM, "
        f"{machine.kernel}; load average {load1:.1f} / {load5:.1f} (1 / 5 min) when the run began",
        f"- **Software**: Python {machine.python}, PostgreSQL {machine.postgres}",
        f"- **Data**: {shape.users:,} users, {shape.feed_events:,} feed events "
        "(`just scale` on top of the seed)",
        f"- **Server**: `uvicorn tribe_service.app:app --no-access-log --workers N` as `just serve` runs it, "
        f"`ENVIRONMENT=production`, pool {settings['pool']} connections per worker; the load "
        "generator, the server and PostgreSQL share the machine's CPUs",
        f"- **Each cell**: {settings['warmup']:.0f} s warm-up, then {settings['duration']:.0f} s "
        "of clients sending back to back over keep-alive connections; latency is per request, "
        "client side; CPU columns are the server's (all its processes) and PostgreSQL's "
        "CPU time during the cell, divided by its requests",
        "",
        "## Throughput and latency",
        "",
        *throughput_table(report.cells),
        "",
        "Scenarios: the client's operations (`clients/typescript/src/operations/`): "
        f"`LandingPage` with `first: {PAGE_SIZE}`; `BuilderProfile` of "
        f"`{shape.profile_username}`; `FeedPage` after the cursor of the "
        f"{shape.feed_cursor_depth:,}th newest event; `TribePage` of the tribe with the most "
        f"active members; `Builders` with `first: {BUILDERS_PAGE_SIZE}`. *compiled* is the "
        "service as it runs; *resolvers* the same server with `COMPILED_EXECUTION=0` "
        "(Strawberry's resolvers and DataLoaders), whose answers the benchmark checks are "
        "byte-identical. The reference is `benchmarks/reference_app.py`: the landing page's "
        "JSON built by one SQL statement (`json_build_object`/`json_agg`) behind a bare "
        "Litestar route; the benchmark checks that it parses to the same JSON.",
        "",
        "## SQL statements per request",
        "",
        *statements_table(report),
        "",
        "Sent: counted in-process with `tribe_service.engine.count_statements` (5 requests "
        "per scenario after one warm-up; a range would mean the count varied). Logged: what "
        "PostgreSQL itself logged for the same requests with `log_statement = 'all'` "
        "(`tribe_service.embedded_postgres.StatementLog`), so a reset or any statement the app "
        "does not count would show. The seeded database is a scratch database, migrated and "
        "seeded for the run, then dropped.",
        "",
    ]
    profile = report.statements_scaled.get("profile")
    if profile:
        shares = ", ".join(
            f"{name} {share:.0f} %"
            for name, share in profile["cpu_share_by_package"].items()
            if share >= 1
        )
        lines += [
            "## Where the landing page's time goes",
            "",
            f"In-process, one request at a time ({profile['requests']} requests, httpx's ASGI "
            f"transport): **{profile['wall_ms']:.1f} ms wall, {profile['cpu_ms']:.1f} ms CPU** per "
            f"request; at least one statement was in flight for {profile['statement_wait_ms']:.0f} "
            "ms of the wall time. Own CPU time by package (cProfile; C built-ins charged to "
            f"their caller; garbage-collector pauses to whatever allocated, so the split moves "
            f"a few points between runs): {shares}.",
            "",
        ]
    if report.calibration:
        cal = report.calibration
        lines += [
            "## The load generator",
            "",
            f"`benchmarks/load.py` (asyncio streams on uvloop, HTTP/1.1 keep-alive) against a "
            f"null server answering {cal.body_bytes:,} bytes: {cal.rps:,.0f} req/s with "
            f"{cal.concurrency} clients (p50 {cal.p50_ms:.2f} ms), costing "
            f"{cal.client_cpu_us:.0f} µs of client CPU per request — small next to the "
            "milliseconds per request measured above, but it runs on the same CPUs.",
            "",
        ]
    if report.recall:
        lines += recall.render(report.recall)
    lines += ["## Targets", "", "| target | measured | verdict |", "|---|---|---|"]
    for name, measured, met in targets(report):
        lines.append(f"| {name} | {measured} | {verdict(met)} |")
    lines += ["", *analysis(report)]
    if report.notes:
        lines += ["## Notes from this run", "", *(f"- {note}" for note in report.notes), ""]
    return "\n".join(lines)


def count_fields(value: Any) -> int:
    """How many fields a GraphQL answer holds (objects' keys, at every depth)."""
    if isinstance(value, dict):
        return sum(1 + count_fields(item) for item in value.values())
    if isinstance(value, list):
        return sum(count_fields(item) for item in value)
    return 0


def analysis(report: Report) -> list[str]:
    """What this run's figures say about the targets, with the causes measured here."""
    cells = report.cells
    lines = ["### What the figures say", ""]
    landing = find_cell(cells, "landing", 2, 16)
    reference = find_cell(cells, REFERENCE, 2, 16)
    resolvers = find_cell(cells, "landing", 2, 16, RESOLVERS)
    profile = report.statements_scaled.get("profile")
    cpus = report.machine.cpus or 1
    if landing is not None:
        app_ms = landing.per_request_ms(landing.app_cpu_seconds)
        db_ms = landing.per_request_ms(landing.db_cpu_seconds)
        capacity = cpus * 1000 / (app_ms + db_ms) if app_ms + db_ms > 0 else math.nan
        lines += [
            f"**Landing page, compiled.** {landing.result.rps:.0f} req/s with 16 clients on 2 "
            f"workers (p50 {ms(landing.result.percentile_ms(50))} ms): {ms(app_ms)} ms of server "
            f"CPU and {ms(db_ms)} ms of PostgreSQL CPU per page. With {cpus} CPUs shared by server, "
            f"PostgreSQL and load generator, that CPU alone caps the page at about "
            f"{capacity:.0f} req/s, and with 16 clients waiting p50 ≈ 16 / throughput (Little's law).",
            "",
        ]
        if resolvers is not None:
            resolver_ms = resolvers.per_request_ms(resolvers.app_cpu_seconds)
            lines += [
                f"**Against the resolvers.** The same page through Strawberry's resolvers: "
                f"{resolvers.result.rps:.0f} req/s, {ms(resolver_ms)} ms of server CPU per page "
                f"({times(ratio(landing, resolvers))} the throughput compiled).",
                "",
            ]
        if reference is not None:
            reference_db = reference.per_request_ms(reference.db_cpu_seconds)
            lines += [
                f"**Against the reference.** One hand-written statement building the JSON inside "
                f"PostgreSQL: {reference.result.rps:.0f} req/s, "
                f"{ms(reference.per_request_ms(reference.app_cpu_seconds))} ms of server CPU and "
                f"{ms(reference_db)} ms of PostgreSQL CPU per page. The compiled page costs "
                f"PostgreSQL {ms(db_ms)} ms: it returns typed records (asyncpg decodes them in C) "
                "instead of asking PostgreSQL to format every value as JSON text.",
                "",
            ]
    if profile:
        shares = ", ".join(
            f"{name} {share:.0f} %"
            for name, share in profile["cpu_share_by_package"].items()
            if share >= 3
        )
        lines += [
            f"**Where the remaining CPU goes.** In-process, one landing page at a time: "
            f"{profile['cpu_ms']:.1f} ms of CPU per request (httpx's client included), "
            f"{report.fields_resolved:,} fields; by package: {shares}.",
            "",
        ]
    lines += [
        "**How it is built.** `tribe_service/graphql/compiled` plans each operation once (cached "
        "per document, operation and the values of the variables its nested arguments and "
        "directives read): one statement per root field, every relation below it a correlated "
        "subquery returning `ROW(...)` or `ARRAY(SELECT ROW(...) ... ORDER BY ... LIMIT)`, so "
        "the records asyncpg returns already have the answer's shape; readers built at planning "
        "time turn them into the answer's dicts without a resolver call, an `Info` or an "
        "awaitable per field, and msgspec encodes it once. Strawberry still parses, validates "
        "and runs every extension around it (limits, masking, error codes). All root fields "
        "run on one pooled connection; the pool sends no reset on release. Discovery is "
        "compiled too: a search page is one statement with its nodes; candidates and similar "
        "builders or projects are subqueries correlated to their parent row (a plan with "
        "similarity runs after one `set_config` statement for the HNSW settings, in one "
        "transaction). The limits (cost estimate, fragment expansion) are computed once per "
        "parsed document and variables, like validation and plans. Records rather than "
        "PostgreSQL-built JSON embedded with `msgspec.Raw`: byte-identical answers need Python's "
        "formats (`isoformat()` dates, `72.0` floats, base64 JSON cursors, enum names), which "
        "PostgreSQL can only imitate at a CPU cost the reference's own DB column shows, on the "
        "same CPUs the app needs.",
        "",
    ]
    lines += missed_targets(report)
    return lines


def missed_targets(report: Report) -> list[str]:
    """Why this run missed what it missed, from its own figures, and what would close it."""
    cells = report.cells
    landing = find_cell(cells, "landing", 2, 16)
    reference = find_cell(cells, REFERENCE, 2, 16)
    profile = report.statements_scaled.get("profile")
    load1, load5, _ = report.machine.load_average
    calibration = report.calibration
    lines = [
        f"**Why targets are missed here.** The machine was busy with other jobs: the load "
        f"average was {load1:.1f} / {load5:.1f} on {report.machine.cpus} CPUs when the run "
        "began"
        + (
            f", and the load generator's null server reached {calibration.rps:,.0f} req/s "
            f"with {calibration.concurrency} clients"
            if calibration
            else ""
        )
        + ". Absolute req/s and p50 are inflated by that; ratios within this run compare "
        "like with like.",
        "",
    ]
    if landing is not None and reference is not None:
        mine = landing.per_request_ms(landing.app_cpu_seconds) + landing.per_request_ms(
            landing.db_cpu_seconds
        )
        theirs = reference.per_request_ms(reference.app_cpu_seconds) + reference.per_request_ms(
            reference.db_cpu_seconds
        )
        db_ms = landing.per_request_ms(landing.db_cpu_seconds)
        lines += [
            f"*Landing vs reference (16 clients).* Both are CPU-bound, so their ratio follows "
            f"CPU per page: {mine:.1f} ms (app + PostgreSQL) compiled against {theirs:.1f} ms "
            f"for the reference. Twice the reference's throughput needs at most "
            f"{theirs / 2:.1f} ms per page in all; PostgreSQL alone spends {db_ms:.1f} ms on "
            "the four statements, whose correlated subqueries run once per row (every member's "
            "and collaborator's user, every builder's skills).",
            "",
        ]
    if profile:
        shares = profile["cpu_share_by_package"]
        lines += [
            f"*The app's CPU per page* (in-process profile above): asyncpg decoding records "
            f"{shares.get('asyncpg', 0):.0f} %, our readers {shares.get('tribe_service', 0):.0f} "
            f"%, `json` {shares.get('json', 0):.0f} % (parsing each request's body; "
            "cursors are built from their JSON parts, the same bytes `json.dumps` made), "
            "httpx (the in-process client, not served traffic) "
            f"{shares.get('httpx', 0):.0f} %; Strawberry and graphql-core together "
            f"{shares.get('strawberry', 0) + shares.get('graphql', 0):.0f} %.",
            "",
        ]
    small = [find_cell(cells, scenario, 2, 16) for scenario in ("profile", "feed-deep", "tribe")]
    app_costs = [cell.per_request_ms(cell.app_cpu_seconds) for cell in small if cell]
    if app_costs:
        lines += [
            "*Profile, feed page and tribe page vs the resolvers.* Each is one small statement "
            f"compiled; the server still spends {min(app_costs):.1f}-{max(app_costs):.1f} ms "
            "of CPU per request on what every request pays (HTTP, Strawberry's request "
            "pipeline and extensions, encoding), so the speed-up is bounded by that fixed cost "
            "rather than by field resolution, which is where the resolvers lose most on the "
            "landing page and the 100 builders.",
            "",
        ]
    lines += [
        "**What would close the rest**, by the measured causes: (1) cheaper SQL for nested "
        "rows: one statement per level with `= ANY($1)` instead of a correlated subquery per "
        "row (a LATERAL lookup per junction row was tried for builders' skills: PostgreSQL "
        "spent 2.1 ms on it against 1.4 ms for the hash join it replaces); (2) fewer bytes for "
        "asyncpg to decode: rows as JSON built by PostgreSQL (`json_build_array`, one msgspec "
        "decode per page) were tried and cut the landing page's app CPU by ~1.3 ms but cost "
        "PostgreSQL ~1.2 ms more (timestamps and floats written as text), moving work from the "
        "tier that scales out to the one that does not, so records stay; one statement for "
        "the whole operation (each root field an `ARRAY(SELECT ROW(...))` column, Hasura's "
        "shape) was tried too: one round trip instead of four, but PostgreSQL spent ~1.7 ms "
        "more on it than on the four statements; (3) a thinner "
        "request path for compiled plans (Strawberry's per-request extension and context "
        "set-up, ~0.5 ms measured for `{ __typename }`); (4) caching the anonymous landing "
        "page for a second per worker; (5) more cores: the server, PostgreSQL and the load "
        "generator share two here.",
        "",
    ]
    return lines


# -- the run --------------------------------------------------------------------


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
    env = {"DATABASE_URL": database_url, "ENVIRONMENT": "production", **NO_RATE_LIMIT}
    measure_cell = partial(
        measure, warmup=args.warmup, duration=args.duration, postmaster_pid=postmaster
    )
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
    say("calibrating the load generator against a null server")
    report.calibration = calibrate(landing_size or 50_000, max(args.concurrency), 3.0)
    return report


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
        "benchmarks.reference_app:app",
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
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
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
    text = render(report)
    print(text)
    if not args.no_write:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text)
        say(f"wrote {args.output} ({time.monotonic() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
